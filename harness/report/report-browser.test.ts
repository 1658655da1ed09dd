import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../browser.js';
import { DEFAULT_PANELS } from '../evidence/write-evidence.js';
import { renderTimelineSvg } from '../evidence/svg-chart.js';
import { Timeline } from '../evidence/timeline.js';
import type { FileReport, RunReport } from './report-data.js';
import { JUNIT_FILE, REPORT_FILE } from './report-files.js';
import { renderReport } from './render-report.js';
import { scenarioEvidence, type ScenarioEvidence } from './scenario-evidence.js';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** A rollout's timeline as runPhase records it: replicas, endpoints, requests per second, the steps as marks. */
function rolloutTimeline(scenario: string, phase: string, failuresAt: number[] = []): Timeline {
  const timeline = new Timeline(scenario, phase);
  const start = timeline.startedAt;
  timeline.declareCounter('failures');
  for (let second = 0; second < 20; second += 1) {
    const at = start + second * 1000 + 500;
    timeline.set('desiredReplicas', 2, at);
    timeline.set('readyReplicas', second >= 6 && second < 9 ? 3 : 2, at);
    timeline.set('updatedReplicas', second < 6 ? 0 : second < 12 ? 1 : 2, at);
    timeline.set('readyEndpoints', second >= 6 && second < 9 ? 3 : 2, at);
    timeline.set('restarts', 0, at);
    timeline.count('requests', 500, at);
    if (failuresAt.includes(second)) timeline.count('failures', 3, at);
  }
  timeline.mark('recording api-gateway', start);
  timeline.mark('load started: 500 req/s', start + 100);
  timeline.mark('version 0.2.0 rolled out', start + 16_400);
  timeline.figure('rolloutSeconds', 16.4);
  timeline.figure('load', '10,012 requests in 20.0 s: 10,012 2xx, 0 non-2xx, 0 socket errors');
  timeline.end(start + 19_900);
  return timeline;
}

function writeTimeline(artifacts: string, timeline: Timeline): void {
  const dir = join(artifacts, timeline.scenario);
  mkdirSync(dir, { recursive: true });
  const data = timeline.toJSON();
  writeFileSync(join(dir, `${timeline.name}.json`), JSON.stringify(data, null, 2));
  writeFileSync(join(dir, `${timeline.name}.svg`), renderTimelineSvg(data, DEFAULT_PANELS));
}

const DIAGNOSTICS = `--- diagnostics for namespace kms-rolling-update-4f2a ---
pods:
  api-gateway-7d9f8c6b5-x2k4q Running node=kms-node-0 api-gateway=running,ready
  api-gateway-5c8d7f9b4-q8w2n Running node=kms-node-0 api-gateway=running
recent events:
  Warning Unhealthy Pod/api-gateway-5c8d7f9b4-q8w2n: Readiness probe failed: HTTP probe failed with statuscode: 503
log of api-gateway-5c8d7f9b4-q8w2n/api-gateway (last 25 lines):
  {"level":"warn","msg":"redis unreachable","error":"getaddrinfo ENOTFOUND redis-does-not-exist"}`;

/** A run as the reporter sees it: a failed scenario (an assessment and a teardown), a passed one, a unit file. */
function run(): RunReport {
  const rolling: FileReport = {
    file: 'scenarios/rolling-update.test.ts',
    project: 'scenarios',
    outcome: 'failed',
    durationMs: 61_200,
    scenario: 'rolling-update',
    figures: { 'rollout-with-drain.rolloutSeconds': 16.4, 'rollout-with-drain.load': '10,012 requests in 20.0 s: 9,997 2xx, 15 non-2xx, 0 socket errors' },
    setupFailures: [{ path: ['rolling update: the api-gateway changes version under load', 'a broken version'], errors: [{ message: 'phase "broken-version-then-rollback": teardown "restore the HPA" did not complete (conflict)' }] }],
    assertions: [
      {
        path: ['rolling update: the api-gateway changes version under load', 'a new version, with the drain recipe of the test overlay'],
        name: 'fails no request over at least 10000 requests: 0 non-2xx, 0 socket errors',
        outcome: 'failed',
        durationMs: 3,
        errors: [{ message: 'a rolling update must not fail a request: 10,012 requests: expected 15 to be +0 // Object.is equality', at: 'scenarios/rolling-update.test.ts:63', diff: '- Expected\n+ Received\n\n- 0\n+ 15' }],
        diagnostics: [DIAGNOSTICS],
      },
      { path: ['rolling update: the api-gateway changes version under load', 'a new version, with the drain recipe of the test overlay'], name: 'serves the new version at the end', outcome: 'passed', durationMs: 412, errors: [], diagnostics: [] },
    ],
  };
  const dashboard: FileReport = {
    file: 'scenarios/dashboard-browser.test.ts',
    project: 'scenarios',
    outcome: 'passed',
    durationMs: 38_000,
    scenario: 'dashboard-browser',
    figures: {},
    setupFailures: [],
    assertions: [{ path: ['dashboard: a person sees the system health live'], name: 'turns green again once Redis is back', outcome: 'passed', durationMs: 9_100, errors: [], diagnostics: [] }],
  };
  const unit: FileReport = {
    file: 'harness/kustomize.test.ts',
    project: 'unit',
    outcome: 'passed',
    durationMs: 900,
    figures: {},
    setupFailures: [],
    assertions: [{ path: ['kustomize'], name: 'builds the test overlay', outcome: 'passed', durationMs: 850, errors: [], diagnostics: [] }, { path: ['kustomize'], name: 'on macOS', outcome: 'skipped', note: 'Linux only', errors: [], diagnostics: [] }],
  };
  return { startedAt: new Date('2026-11-29T12:00:00Z'), durationMs: 330_000, files: [unit, dashboard, rolling], runErrors: [] };
}

/** What a person could not open: images that did not load, links to nothing, and anything not in the report's folder. */
async function brokenReferences(page: Page, folder: string, outside: readonly string[]): Promise<string[]> {
  const broken = outside.map((url) => `loaded from outside the report's folder: ${url}`);
  const images = await page.$$eval('img', (nodes) => nodes.map((img) => ({ src: img.getAttribute('src') ?? '', ok: img.complete && img.naturalWidth > 0 })));
  broken.push(...images.filter((image) => !image.ok).map((image) => `image does not load: ${image.src}`));
  const links = await page.$$eval('a[href]', (nodes) =>
    nodes.map((a) => {
      const href = a.getAttribute('href') ?? '';
      return { href, url: (a as HTMLAnchorElement).href, target: href.startsWith('#') ? document.getElementById(href.slice(1)) !== null : null };
    }),
  );
  for (const link of links) {
    if (link.target === false) broken.push(`link to no element: ${link.href}`);
    if (link.target !== null) continue;
    if (!link.url.startsWith(`${pathToFileURL(folder).href}/`)) broken.push(`link outside the report's folder: ${link.href}`);
    else if (!existsSync(fileURLToPath(link.url))) broken.push(`link to nothing: ${link.href}`);
  }
  return broken;
}

describe('evidence report: a person opens it in a browser, offline', () => {
  const artifacts = mkdtempSync(join(tmpdir(), 'kms-report-'));
  let browser: Browser;
  let page: Page;
  let outside: string[];
  let evidence: Map<string, ScenarioEvidence>;

  const open = async (): Promise<void> => {
    writeFileSync(join(artifacts, REPORT_FILE), renderReport({ run: run(), evidence, junitFile: JUNIT_FILE }));
    outside = [];
    page.removeAllListeners('request');
    page.on('request', (request) => {
      if (!request.url().startsWith('file:') && !request.url().startsWith('data:')) outside.push(request.url());
    });
    await page.goto(pathToFileURL(join(artifacts, REPORT_FILE)).href, { waitUntil: 'load' });
  };

  beforeAll(async () => {
    writeTimeline(artifacts, rolloutTimeline('rolling-update', 'rollout-with-drain', [8, 9]));
    writeTimeline(artifacts, rolloutTimeline('rolling-update', 'broken-version-then-rollback'));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.setContent('<body style="background:#2e7d32"><h1 style="color:white">All up</h1></body>');
    mkdirSync(join(artifacts, 'dashboard-browser'), { recursive: true });
    await page.screenshot({ path: join(artifacts, 'dashboard-browser', '1-all-green.png') });
    writeFileSync(join(artifacts, JUNIT_FILE), '<?xml version="1.0" encoding="UTF-8" ?>\n<testsuites name="vitest tests"></testsuites>\n');
    evidence = new Map(['rolling-update', 'dashboard-browser'].map((scenario) => [scenario, scenarioEvidence(artifacts, scenario, 0)]));
    await open();
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(artifacts, { recursive: true, force: true });
  });

  it('has no broken image or link, and asks for nothing outside its folder', async () => {
    const links = await page.$$eval('a[href]', (nodes) => nodes.length);
    expect(links, 'links checked').toBeGreaterThan(8);
    expect(await brokenReferences(page, artifacts, outside)).toEqual([]);
  });

  it('shows the failures first, each with its error and the namespace diagnostics', async () => {
    const sections = await page.$$eval('main > section', (nodes) => nodes.map((node) => node.id));
    expect(sections).toEqual(['failures', 'scenarios', 'other-files']);
    const failures = await page.$$eval('#failures article.failure', (nodes) => nodes.map((node) => node.textContent ?? ''));
    expect(failures).toHaveLength(2);
    expect(failures.join('\n')).toContain('teardown "restore the HPA" did not complete');
    const assessment = failures.find((text) => text.includes('fails no request'));
    expect(assessment).toContain('expected 15 to be +0');
    expect(assessment).toContain('scenarios/rolling-update.test.ts:63');
    expect(await page.isVisible('#failures details.diagnostics pre'), 'diagnostics shown open').toBe(true);
    expect(await page.textContent('#failures details.diagnostics summary')).toContain('kms-rolling-update-4f2a');
    const scenarioOrder = await page.$$eval('#scenarios > article h3', (nodes) => nodes.map((node) => node.textContent));
    expect(scenarioOrder[0], 'the failed scenario file first').toContain('rolling-update');
  });

  it("shows each scenario's assertions, figures, charts inline (in the order the phases ran) and screenshots", async () => {
    const article = page.locator('#file-scenarios-rolling-update-test-ts');
    expect(await article.locator('ul.assertions li').allTextContents()).toEqual([
      'FAILED a new version, with the drain recipe of the test overlay › fails no request over at least 10000 requests: 0 non-2xx, 0 socket errors 3 ms what failed',
      'passed a new version, with the drain recipe of the test overlay › serves the new version at the end 412 ms',
    ]);
    expect(await article.locator('table.figures').first().textContent()).toContain('9,997 2xx, 15 non-2xx');
    const charts = await article.locator('figure svg[role="img"]').evaluateAll((nodes) => nodes.map((svg) => svg.getBoundingClientRect().width));
    expect(charts, 'two inline charts, drawn').toHaveLength(2);
    for (const width of charts) expect(width).toBeGreaterThan(300);
    expect(await article.locator('section.phase h4').allTextContents()).toEqual([expect.stringContaining('rollout-with-drain'), expect.stringContaining('broken-version-then-rollback')]);
    expect(await article.locator('ol.marks li').first().textContent()).toBe('0 s recording api-gateway');
    expect(await page.locator('#file-scenarios-dashboard-browser-test-ts img').count()).toBe(1);
    expect(await page.textContent('#other-files')).toContain('Linux only');
  });

  it('passes an automated accessibility audit (axe: WCAG 2 A and AA)', async () => {
    await page.evaluate(axeSource);
    const violations = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: Array<{ id: string; help: string; nodes: unknown[] }> }> } }).axe;
      const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } });
      return result.violations.map((violation) => `${violation.id} (${violation.nodes.length}): ${violation.help}`);
    });
    expect(violations).toEqual([]);
  });

  it('finds a broken link, a missing image and an outside address when there is one', async () => {
    rmSync(join(artifacts, 'rolling-update', 'rollout-with-drain.json'));
    rmSync(join(artifacts, 'dashboard-browser', '1-all-green.png'));
    await open();
    await page.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<a href="https://example.com/">elsewhere</a><a href="../elsewhere.html">up</a><a href="#nowhere">nowhere</a>'));
    expect(await brokenReferences(page, artifacts, outside)).toEqual([
      'image does not load: dashboard-browser/1-all-green.png',
      'link to nothing: rolling-update/rollout-with-drain.json',
      'link to nothing: dashboard-browser/1-all-green.png',
      'link outside the report\'s folder: https://example.com/',
      'link outside the report\'s folder: ../elsewhere.html',
      'link to no element: #nowhere',
    ]);
  });
});
