import { expect } from 'vitest';
import { servedDocument } from '../../services/shared/src/docs/docs-router.js';
import type { ServiceContract } from '../common.js';
import { renderOpenApiDocument } from '../registry.js';
import type { ContractChecker } from './contract-checker.js';

/**
 * GET <prefix>/openapi.json answers this contract's document (its `servers` aside: the service is the server), and
 * GET <prefix>/docs the reference page that renders it (the page in a browser: scenarios/dashboard-browser.test.ts).
 */
export async function expectServesItsContract(api: ContractChecker, contract: ServiceContract, prefix = ''): Promise<void> {
  const committed = JSON.parse(renderOpenApiDocument(contract)) as Record<string, unknown>;
  expect((await api.request('GET', `${prefix}/openapi.json`)).body).toEqual(servedDocument(committed));
  const page = await api.request('GET', `${prefix}/docs`);
  expect(page.status).toBe(200);
  expect(page.text).toContain(`data-spec-url="${prefix}/openapi.json"`);
}
