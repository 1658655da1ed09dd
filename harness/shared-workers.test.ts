import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** What a test file may not do while the unit and contract projects share their workers between files (isolate: false in vitest.config.ts). */
const LEAKS = [/\bvi\.mock\(/, /\bvi\.doMock\(/, /\bvi\.stubEnv\(/, /\bvi\.stubGlobal\(/, /\bvi\.useFakeTimers\(/];

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('unit and contract test files share their workers', () => {
  it('so none mocks a module, stubs the environment or a global, or fakes the timers (each would reach the next file in the worker)', () => {
    const files = ['services', 'manifests', 'images', 'harness', 'contracts'].flatMap(testFiles);
    expect(files.length).toBeGreaterThan(50);
    const offending = files.flatMap((file) => {
      const source = readFileSync(file, 'utf8');
      return LEAKS.filter((pattern) => pattern.test(source)).map((pattern) => `${file}: ${pattern.source}`);
    });
    expect(offending, 'isolate: false in vitest.config.ts: give such a file a project with isolation, or restore what it changes').toEqual([]);
  });
});
