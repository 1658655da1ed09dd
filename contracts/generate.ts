import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTRACTS, documentFileName, renderOpenApiDocument } from './registry.js';

export const OPENAPI_DIR = join(dirname(fileURLToPath(import.meta.url)), 'openapi');

mkdirSync(OPENAPI_DIR, { recursive: true });
for (const contract of CONTRACTS) {
  const file = join(OPENAPI_DIR, documentFileName(contract));
  writeFileSync(file, renderOpenApiDocument(contract));
  console.log(`wrote ${relative(process.cwd(), file)}`);
}
