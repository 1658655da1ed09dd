import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { DOCS_DIR, docsFiles } from './files.js';

// `npm run docs`: docs/api from the contracts, afresh (a service whose contract is gone leaves no page behind).
const files = docsFiles();
rmSync(DOCS_DIR, { recursive: true, force: true });
for (const [path, content] of files) {
  const file = join(DOCS_DIR, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
}
console.log(`wrote ${relative(process.cwd(), DOCS_DIR)}/: ${[...files.keys()].join(', ')}`);
