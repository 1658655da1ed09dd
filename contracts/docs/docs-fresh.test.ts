import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOCS_DIR, docsFiles } from './files.js';

const REGENERATE = 'run `npm run docs` and commit the result';

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [relative(DOCS_DIR, join(dir, entry.name))],
  );
}

describe('the committed API reference (docs/api: Markdown and static site)', () => {
  const expected = docsFiles();

  it('holds exactly the files the contracts give, no page of a service that is gone', () => {
    expect(filesUnder(DOCS_DIR).sort(), REGENERATE).toEqual([...expected.keys()].sort());
  });

  for (const [path, content] of expected) {
    it(`docs/api/${path} matches the contracts and the renderer`, () => {
      const file = join(DOCS_DIR, path);
      expect(existsSync(file), `docs/api/${path} is missing: ${REGENERATE}`).toBe(true);
      expect(readFileSync(file).equals(Buffer.from(content)), `docs/api/${path} is stale: ${REGENERATE}`).toBe(true);
    });
  }
});
