import type { Browser, Page } from 'playwright-core';
import type { ZodType } from 'zod';
import type { ServiceContract } from '../contracts/common.js';
import { axeViolations } from './axe.js';

// A service's API reference (GET /docs: Swagger UI rendering GET /openapi.json, services/shared/src/docs), as a person
// sees it in a browser: what it lists, whether it passes axe, whether "try it out" reaches the service, and whether
// it stays on its own origin (no CDN, no fonts, no validator).

/** "GET /health/live": an operation as the contract names it, and as the page must show it. */
export type Operation = `${'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'} /${string}`;

export interface DocsPageReport {
  url: string;
  /** The operations the page lists, in its order. */
  operations: string[];
  /** The try-it-out call made from the page, and what the page showed of the answer (none asked: undefined). */
  tryIt?: { operation: Operation; status: number; body: string };
  /** axe (WCAG 2 A/AA) once the page is rendered and the try-it call's answer is shown (empty when not run). */
  axeViolations: string[];
  /** Requests the page made to any other origin: must be none, it has to work offline. */
  offOrigin: string[];
  /** Console errors and uncaught exceptions (CSP violations are reported there). */
  errors: string[];
  /** From navigation until the page listed its operations. */
  renderMs: number;
}

export const contractOperations = (contract: ServiceContract): Operation[] =>
  Object.values(contract.routes).map((route) => `${route.method.toUpperCase()} ${route.path}` as Operation);

/** The zod schema the contract gives the JSON answer of `operation` with `status`, if any. */
export function responseSchema(contract: ServiceContract, operation: Operation, status: number): ZodType | undefined {
  const route = Object.values(contract.routes).find((candidate) => `${candidate.method.toUpperCase()} ${candidate.path}` === operation);
  const response = route?.responses[String(status)];
  const media = response && 'content' in response ? response.content?.['application/json'] : undefined;
  return media && 'schema' in media ? (media.schema as ZodType) : undefined;
}

export interface InspectOptions {
  /** The operation to call with "try it out" (none: the page offers none, e.g. the static site's). */
  tryIt?: Operation;
  /** Run axe (default true); the static site's pages are the served page's template, checked there. */
  axe?: boolean;
}

/** Opens `docsUrl` in a new page, reads the operations it lists, calls `tryIt` with "try it out", then runs axe. */
export async function inspectDocsPage(browser: Browser, docsUrl: string, options: InspectOptions = {}): Promise<DocsPageReport> {
  const { tryIt, axe = true } = options;
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const origin = new URL(docsUrl).origin;
  const offOrigin: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith('data:') && new URL(url).origin !== origin) offOrigin.push(url);
  });
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  try {
    const started = Date.now();
    await page.goto(docsUrl);
    await page.locator('.opblock').first().waitFor({ timeout: 30_000 }); // 9 s seen at load 35 on 2 cores
    const renderMs = Date.now() - started;
    const operations = await page.$$eval('.opblock', (blocks) =>
      blocks.map((block) => `${block.querySelector('.opblock-summary-method')?.textContent ?? '?'} ${block.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? '?'}`),
    );

    const answer = tryIt === undefined ? undefined : await tryItOut(page, tryIt);
    return { url: docsUrl, operations, tryIt: answer, axeViolations: axe ? await axeViolations(page) : [], offOrigin, errors, renderMs };
  } finally {
    await page.close();
  }
}

/** Expands `operation`, presses "Try it out" and "Execute", and reads the status and body the page shows. */
async function tryItOut(page: Page, operation: Operation): Promise<NonNullable<DocsPageReport['tryIt']>> {
  const [method, path] = operation.split(' ') as [string, string];
  const block = page
    .locator('.opblock')
    .filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) })
    .filter({ has: page.locator('.opblock-summary-method', { hasText: new RegExp(`^${method}$`) }) });
  await block.locator('.opblock-summary-control').click();
  await block.locator('.try-out__btn').click();
  await block.locator('.btn.execute').click();
  const status = block.locator('.live-responses-table tbody .response-col_status');
  await status.waitFor({ timeout: 20_000 });
  const body = await block.locator('.live-responses-table tbody .response-col_description pre').first().textContent();
  return { operation, status: Number(await status.textContent()), body: body ?? '' };
}
