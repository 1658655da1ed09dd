import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTRACTS, documentFileName, renderOpenApiDocument } from './registry.js';

const OPENAPI_DIR = join(import.meta.dirname, 'openapi');

describe('the committed OpenAPI documents', () => {
  for (const contract of CONTRACTS) {
    it(`${documentFileName(contract)} matches the zod contract (run \`npm run contracts\` to regenerate)`, () => {
      const file = join(OPENAPI_DIR, documentFileName(contract));
      expect(existsSync(file), `contracts/openapi/${documentFileName(contract)} is missing: run \`npm run contracts\``).toBe(true);
      const committed = readFileSync(file, 'utf8');
      expect(committed === renderOpenApiDocument(contract), `contracts/openapi/${documentFileName(contract)} is stale: run \`npm run contracts\` and commit the result`).toBe(true);
    });

    it(`${documentFileName(contract)} is OpenAPI 3.1 and documents every route`, () => {
      const document = JSON.parse(renderOpenApiDocument(contract)) as { openapi: string; paths: Record<string, Record<string, unknown>> };
      expect(document.openapi).toBe('3.1.0');
      for (const route of Object.values(contract.routes)) {
        const path = route.path.replace(/:(\w+)/g, '{$1}');
        expect(document.paths[path]?.[route.method], `${route.method.toUpperCase()} ${route.path}`).toBeDefined();
      }
    });
  }
});
