import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiGatewayContract } from '../contracts/api-gateway.js';
import { dashboardContract } from '../contracts/dashboard.js';
import { workerContract } from '../contracts/worker.js';
import { repoRoot } from '../images/catalog.js';
import { axeViolations } from '../harness/axe.js';
import { launchChromium } from '../harness/browser.js';
import { assessApiReferences, type ApiReference } from '../harness/api-references.js';
import { scaleDeployment } from '../harness/kube/scale.js';
import { useScenario } from '../harness/scenario.js';
import { seconds } from '../harness/seconds.js';
import { DASHBOARD, GATEWAY } from '../harness/system.js';

const REFRESH_SECONDS = 5;
const artifacts = join(repoRoot, 'artifacts', 'dashboard-browser');
/** The services of the system whose API reference (GET /docs) the browser opens, and the call it tries out on each. */
const REFERENCES: ReadonlyArray<Omit<ApiReference, 'url'>> = [
  { service: GATEWAY, contract: apiGatewayContract, tryIt: 'GET /api/info' },
  { service: 'worker', contract: workerContract, tryIt: 'GET /health/ready' },
  { service: DASHBOARD, contract: dashboardContract, tryIt: 'GET /api/overview' },
];

type CardStatus = Record<string, string>;

/** The status each service card shows, by its heading: { 'API gateway': 'up', Worker: 'up', Redis: 'up' }. */
async function cardStatuses(page: Page): Promise<CardStatus> {
  return page.$$eval('#services li.card', (cards) =>
    Object.fromEntries(cards.map((card) => [card.querySelector('h3')?.textContent ?? '?', card.getAttribute('data-status') ?? '?'])),
  );
}

async function totalSucceeded(page: Page): Promise<number> {
  return Number((await page.textContent('#total-success'))?.replace(/\D/g, '') || 'NaN');
}

async function waitForCards(page: Page, accept: (statuses: CardStatus) => boolean, timeoutMs: number): Promise<CardStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: CardStatus = {};
  while (Date.now() < deadline) {
    last = await cardStatuses(page);
    if (accept(last)) return last;
    await page.waitForTimeout(250);
  }
  throw new Error(`the page did not show the expected statuses within ${timeoutMs / 1000} s; last shown: ${JSON.stringify(last)}`);
}

const allUp = (statuses: CardStatus) => Object.keys(statuses).length === 3 && Object.values(statuses).every((s) => s === 'up');
const redisAndDependentsFlagged = (statuses: CardStatus) =>
  ['down', 'degraded'].includes(statuses.Redis ?? '') && statuses['API gateway'] !== 'up' && statuses.Worker !== 'up';

// The dashboard served from the cluster, in a real browser (Debian's Chromium driven by playwright-core): it shows
// the system's health live, turns red/amber when Redis goes away, and green again when it is back.
describe('dashboard: a person sees the system health live', () => {
  const { cluster, clients, namespace, url, phase } = useScenario('dashboard-browser');
  let browser: Browser;
  let page: Page;
  let dashboardUrl: string;

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    dashboardUrl = await url(DASHBOARD);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${dashboardUrl}/`);
  });

  afterAll(async () => {
    await browser?.close();
  });

  // Each service's API reference, served by the service itself (services/shared/src/docs), opened from the cluster
  // while the system is healthy. maya-sawa's and the OpenAI stand-in's: scenarios/maya-sawa-faults.test.ts.
  describe('API reference: each service renders its own contract at /docs', () => {
    assessApiReferences(
      (body) => phase('api-reference', {}, body),
      REFERENCES.map((reference) => ({ ...reference, url: () => url(reference.service) })),
      () => browser,
    );
  });

  it('shows every service up, with response times, and worker counters that rise between refreshes', async () => {
    await waitForCards(page, allUp, 30_000);
    const responseTimes = await page.$$eval('#services li.card dd', (cells) => cells.map((cell) => cell.textContent ?? ''));
    expect(responseTimes.filter((text) => /\d+(\.\d)? ms$/.test(text)).length, 'response times shown').toBeGreaterThanOrEqual(2);
    const first = await totalSucceeded(page);
    expect(first, 'worker counters shown').not.toBeNaN();
    await expect.poll(() => totalSucceeded(page), { timeout: 30_000, interval: 500 }).toBeGreaterThan(first);
    await page.screenshot({ path: join(artifacts, '1-all-green.png'), fullPage: true });
  });

  it('passes an automated accessibility audit (axe: labels, contrast, structure) and does not rely on colour alone', async () => {
    const violations = await axeViolations(page);
    expect(violations).toEqual([]);
    const badgeWords = await page.$$eval('#services .badge-text', (nodes) => nodes.map((node) => node.textContent));
    expect(badgeWords, 'each status is also written in words').toEqual(['Up', 'Up', 'Up']);
  });

  it('works on a narrow screen: nothing overflows sideways', async () => {
    const narrow = await browser.newPage({ viewport: { width: 360, height: 780 }, isMobile: true });
    try {
      await narrow.goto(`${dashboardUrl}/`);
      await waitForCards(narrow, allUp, 15_000);
      const overflow = await narrow.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, 'horizontal overflow in px').toBeLessThanOrEqual(0);
      await narrow.screenshot({ path: join(artifacts, '2-narrow-screen.png'), fullPage: true });
    } finally {
      await narrow.close();
    }
  });

  it('shows Redis and the services that depend on it in red or amber within two refreshes of Redis stopping', async () => {
    await scaleDeployment(clients, namespace, 'redis', 0);
    const stopped = Date.now(); // Redis exits on the SIGTERM that follows at once (no preStop)
    // Two refreshes, plus the dashboard's upstream timeout and the gateway's Redis ping timeout.
    const statuses = await waitForCards(page, redisAndDependentsFlagged, 2 * REFRESH_SECONDS * 1000 + 5_000);
    console.log(`[dashboard-browser] flagged ${seconds(Date.now() - stopped)} s after Redis was stopped: ${JSON.stringify(statuses)}`);
    await page.screenshot({ path: join(artifacts, '3-redis-stopped.png'), fullPage: true });
  });

  it('turns green again once Redis is back', async () => {
    await scaleDeployment(clients, namespace, 'redis', 1);
    await cluster.waitForDeployments(namespace, 120_000);
    await waitForCards(page, allUp, 30_000);
    await page.screenshot({ path: join(artifacts, '4-green-again.png'), fullPage: true });
  });
});
