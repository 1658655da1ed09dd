import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../images/catalog.js';
import type { Figures } from '../figures.js';
import { PhaseIncomplete } from './phase-outcome.js';
import { runPhase, type PhaseSetting } from './run-phase.js';
import { usePhase } from './use-phase.js';

const SCENARIO = 'phase-unit-test';
const quiet = (figures: Figures = {}): PhaseSetting & { lines: string[] } => {
  const lines: string[] = [];
  return { scenario: SCENARIO, figures, log: (line) => lines.push(line), lines };
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('runPhase: named steps, teardown that always runs, evidence passing or failing', () => {
  it('runs the steps in order, marks each on the timeline, and gives their results and figures', async () => {
    const figures: Figures = {};
    const outcome = await runPhase<{ first: number; second: string }>(quiet(figures), 'in-order', {}, async ({ step, results, figure }) => {
      results.first = await step('first step', () => 1);
      results.second = await step('second step', async () => 'two');
      figure('answer', 42);
    });
    expect(outcome.completed).toBe(true);
    expect([outcome.result('first'), outcome.result('second')]).toEqual([1, 'two']);
    expect(figures).toEqual({ 'in-order.answer': 42 });
    const evidence = JSON.parse(readFileSync(join(repoRoot, 'artifacts', SCENARIO, 'in-order.json'), 'utf8')) as { marks: Array<{ label: string }>; figures: Figures };
    expect(evidence.marks.map((mark) => mark.label)).toEqual(['first step', 'second step']);
    expect(evidence.figures).toEqual({ answer: 42 });
  });

  it('stops at a failing step: what came before stays readable, what it did not measure names that step, teardowns run last-first', async () => {
    const order: string[] = [];
    const setting = quiet();
    const outcome = await runPhase<{ before: number; after: number }>(setting, 'stops', {}, async ({ step, results, onTeardown }) => {
      onTeardown('first registered', () => order.push('first registered'));
      results.before = await step('measure before', () => 7);
      onTeardown('second registered', () => order.push('second registered'));
      await step('the change takes effect', () => Promise.reject(new Error('timed out after 30 s waiting for it\n--- diagnostics ---')));
      results.after = await step('never reached', () => 8);
    });
    expect(outcome.completed).toBe(false);
    expect(outcome.result('before')).toBe(7);
    expect(() => outcome.result('after')).toThrow(PhaseIncomplete);
    expect(() => outcome.result('after')).toThrow('phase "stops": step "the change takes effect" did not complete (timed out after 30 s waiting for it), so after was not measured');
    expect(order).toEqual(['second registered', 'first registered']);
    expect(setting.lines.join('\n')).toMatch(/step "the change takes effect" did not complete after [\d.]+ s: timed out after 30 s waiting for it\n--- diagnostics ---/);
    expect(existsSync(join(repoRoot, 'artifacts', SCENARIO, 'stops.svg')), 'evidence written though the phase failed').toBe(true);
  });

  it('fails a step that outlasts its timeout, naming it', async () => {
    const outcome = await runPhase<{ value: number }>(quiet(), 'timeout', {}, async ({ step, results }) => {
      results.value = await step('a slow wait', () => sleep(1_000).then(() => 1), { timeoutMs: 50 });
    });
    expect(() => outcome.result('value')).toThrow('step "a slow wait" did not complete (timed out after 0.1 s)');
  });

  it('lets steps side by side finish before tearing down, keeping what the others measured', async () => {
    let tornDownAt = 0;
    let slowDoneAt = 0;
    const outcome = await runPhase<{ fast: number; slow: number }>(quiet(), 'side-by-side', {}, async ({ step, results, onTeardown }) => {
      onTeardown('undo', () => (tornDownAt = Date.now()));
      await Promise.all([
        step('fails at once', () => Promise.reject(new Error('no'))),
        step('takes a while', () => sleep(100).then(() => (slowDoneAt = Date.now()))).then((value) => (results.slow = value)),
      ]);
    });
    expect(outcome.result('slow')).toBe(slowDoneAt);
    expect(tornDownAt).toBeGreaterThanOrEqual(slowDoneAt);
    expect(() => outcome.result('fast')).toThrow('step "fails at once" did not complete (no)');
  });

  it('names the code between steps when it fails there, and reports teardowns that fail without skipping the others', async () => {
    const undone: string[] = [];
    const outcome = await runPhase<{ value: number }>(quiet(), 'code', {}, async ({ step, onTeardown }) => {
      onTeardown('restore a', () => undone.push('a'));
      onTeardown('restore b', () => Promise.reject(new Error('b is gone')));
      await step('a step', () => undefined);
      throw new Error('a bug between steps');
    });
    expect(() => outcome.result('value')).toThrow('its code after step "a step" did not complete (a bug between steps)');
    expect(outcome.teardownFailures.map((failure) => failure.where)).toEqual(['teardown "restore b"']);
    expect(undone).toEqual(['a']);
  });
});

describe('runPhase with load', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((request, response) => response.writeHead(request.url === '/fail' ? 503 : 200).end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('waits for a baseline, keeps the load until `atLeast`, and gives its totals once the phase ran its course', async () => {
    const figures: Figures = {};
    const outcome = await runPhase(quiet(figures), 'load', {}, async ({ load, moreRequests }) => {
      const traffic = await load({ url, rate: 200, connections: 2, baseline: 20, atLeast: 150 });
      expect(traffic.summary().sent).toBeGreaterThan(20);
      await moreRequests(30);
    });
    const summary = outcome.result('load');
    expect(summary.sent).toBeGreaterThanOrEqual(150);
    expect(summary.non2xx + summary.errors).toBe(0);
    expect(figures['load.load']).toMatch(/^\d+ requests in/);
  });

  it('keeps no totals from a phase that stopped early: they would count a load cut short', async () => {
    const outcome = await runPhase(quiet(), 'load-stopped', {}, async ({ load, step }) => {
      await load({ url: `${url}/fail`, rate: 100, connections: 1, baseline: 5 });
      await step('the outcome', () => Promise.reject(new Error('not this time')));
    });
    expect(() => outcome.result('load')).toThrow('step "the outcome" did not complete (not this time), so load was not measured');
  });
});

describe('usePhase: each assessment reads what it needs and fails on its own', () => {
  const phase = usePhase<{ early: string; late: string }>(quiet(), 'assessments', {}, async ({ step, results }) => {
    results.early = await step('early step', () => 'measured');
    results.late = await step('late step', () => Promise.reject(new Error('timed out after 5 s waiting for the late outcome')));
  });

  it('an assessment of an earlier step reports its own outcome', () => {
    expect(phase.result('early')).toBe('measured');
  });

  it('an assessment of the failed step fails naming it, not with the hook error', () => {
    expect(() => phase.result('late')).toThrow(/step "late step" did not complete \(timed out after 5 s waiting for the late outcome\), so late was not measured/);
  });
});
