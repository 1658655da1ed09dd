import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalog, repoRoot } from '../images/catalog.js';
import { configurationTable } from './suite-config-table.js';
import { DOCUMENTED_VARIABLES, imagePinVariable } from './suite-config.js';

/** The lines of the README's "### Configuration" section, up to the next heading. */
function readmeSection(heading: string): string[] {
  const lines = readFileSync(join(repoRoot, 'README.md'), 'utf8').split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) return [];
  const end = lines.findIndex((line, index) => index > start && line.startsWith('#'));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

const SKIPPED_FOLDERS = new Set(['node_modules', '.git', 'artifacts', 'dist', '.cache']);
const SCANNED = /\.(ts|sh|md|json|ya?ml)$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return SKIPPED_FOLDERS.has(entry.name) ? [] : sourceFiles(join(dir, entry.name));
    return SCANNED.test(entry.name) ? [join(dir, entry.name)] : [];
  });
}

describe('the README documents the configuration as harness/suite-config.ts defines it', () => {
  it('has the table rendered from the definitions (`npx tsx harness/suite-config-table.ts` prints it)', () => {
    const table = readmeSection('### Configuration').filter((line) => line.startsWith('|'));
    expect(table).toEqual(configurationTable());
  });

  it('defines every KMS_ variable that the code, scripts and documents name', () => {
    const defined = new Set([...DOCUMENTED_VARIABLES.map((variable) => variable.name), ...Object.keys(catalog).map(imagePinVariable)]);
    const undefinedNames = sourceFiles(repoRoot).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/\bKMS_[A-Z0-9_]*[A-Z0-9]\b/g)]
        .map(([name]) => name)
        .filter((name) => !defined.has(name))
        .map((name) => `${relative(repoRoot, file)}: ${name}`),
    );
    expect(undefinedNames).toEqual([]);
  });
});
