import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVitest } from 'vitest/node';
import { repoRoot } from '../../images/catalog.js';
import EvidenceReporter from './evidence-reporter.js';
import { REPORT_FILE } from './report-files.js';

// The whole path from a test file to the page: vitest runs one file of its own (fixtures/scenario-run.fixture.ts)
// with the evidence reporter, as `npx vitest run <one file>` does, and the page shows what that file handed over.
describe('evidence reporter: a run of one file becomes a page', () => {
  const artifacts = mkdtempSync(join(tmpdir(), 'kms-reporter-'));
  let page = '';

  beforeAll(async () => {
    const vitest = await startVitest('test', [], {
      config: false,
      root: repoRoot,
      include: ['harness/report/fixtures/scenario-run.fixture.ts'],
      reporters: [new EvidenceReporter({ artifactsDir: artifacts })],
      watch: false,
      silent: true,
    });
    await vitest.close();
    page = readFileSync(join(artifacts, REPORT_FILE), 'utf8');
  }, 60_000);

  afterAll(() => rmSync(artifacts, { recursive: true, force: true }));

  it('lists the file with each assertion and its outcome', () => {
    expect(page).toContain('harness/report/fixtures/scenario-run.fixture.ts');
    for (const [outcome, name] of [
      ['passed', 'measures something'],
      ['FAILED', 'fails an assessment'],
      ['skipped', 'skips, saying why'],
      ['skipped', 'never runs'],
    ]) {
      expect(page).toMatch(new RegExp(`>${outcome}</span> (<span class="path">.*</span>)?${name}`));
    }
    expect(page).toContain('(an external cluster keeps its own settings)');
  });

  it('puts the failures first: the assessment with its error, where it was, and the diagnostics it handed over; the failed setup', () => {
    const failures = page.slice(page.indexOf('id="failures"'), page.indexOf('</section>'));
    expect(page.indexOf('id="failures"')).toBeGreaterThan(0);
    expect(failures).toContain('failed requests during the rollout: expected 15 to be +0');
    expect(failures).toMatch(/at <code>harness\/report\/fixtures\/scenario-run\.fixture\.ts:\d+<\/code>/);
    expect(failures).toContain('Diagnostics of kms-fixture');
    expect(failures).toContain('setup or teardown of fixture: a scenario with one failure of each kind <span class="sep">›</span> a phase whose setup fails');
    expect(failures).toContain('the cluster went away');
  });

  it('shows it as a scenario file (useFigures names it), with the figures it measured', () => {
    const scenarios = page.slice(page.indexOf('id="scenarios"'));
    expect(page.indexOf('id="scenarios"')).toBeGreaterThan(0);
    expect(scenarios).toContain('id="file-harness-report-fixtures-scenario-run-fixture-ts"');
    expect(scenarios).toMatch(/<th scope="row">rolloutSeconds<\/th><td>15.6<\/td>/);
  });
});
