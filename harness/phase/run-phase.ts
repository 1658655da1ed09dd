import type { ChartPanel } from '../evidence/svg-chart.js';
import { recordWorkload, type WorkloadRecording } from '../evidence/record-workload.js';
import { Timeline, type TimelineData } from '../evidence/timeline.js';
import { DEFAULT_PANELS, writeEvidence } from '../evidence/write-evidence.js';
import type { Figures } from '../figures.js';
import type { KubeClients } from '../kube/clients.js';
import type { ObjectsWatch } from '../kube/watch-objects.js';
import type { Workload } from '../kube/workload.js';
import { describeLoad, startLoad, type LoadSummary, type RunningLoad } from '../load/constant-load.js';
import { pollUntil } from '../poll.js';
import { seconds } from '../seconds.js';
import { errorLine, PhaseOutcome, type PhaseFailure } from './phase-outcome.js';

/** Who runs the phase: where its evidence and figures go. */
export interface PhaseSetting {
  /** Evidence goes to artifacts/<scenario>/<phase>.{json,svg}. */
  scenario: string;
  /** Needed to record a workload. */
  clients?: KubeClients;
  /** The scenario's figures: the phase's own are added as `<phase>.<name>`. */
  figures?: Figures;
  log?: (message: string) => void;
}

export interface PhaseOptions {
  /** The chart's panels (default: what Kubernetes reports, and what the clients saw). */
  panels?: (data: TimelineData) => ChartPanel[];
}

/** Constant HTTP load for the length of a phase (harness/load/constant-load.ts), recorded on its timeline. */
export interface LoadPlan {
  /** Loopback URL (a NodePort mapped out of the node container). */
  url: string;
  /** Request headers, e.g. the Host of an Ingress rule when the URL is the ingress controller's. */
  headers?: Record<string, string>;
  rate: number;
  connections: number;
  reconnectEvery?: number;
  /** Seconds before a request counts as failed. */
  timeoutSeconds?: number;
  /** Upper bound of the load (default 240 s). */
  maxSeconds?: number;
  /** Requests sent before the phase goes on, the chart's baseline: default two seconds' worth, 0 for none. */
  baseline?: number;
  /** Once the steps are done, the load goes on until this many requests were sent in all. */
  atLeast?: number;
}

/** What every phase records for its assessments, besides what its steps measure. */
export interface Recorded {
  /** The load's totals, once the phase ran its course. */
  load: LoadSummary;
  /** Lowest ready replica count the Deployment watch saw since record(), and the desired count then; kept if a step failed. */
  minReady: { ready: number; desired: number };
  /** Lowest ready-endpoint count seen since record(); kept if a step failed. */
  minReadyEndpoints: number;
}

export interface PhaseContext<R> {
  readonly timeline: Timeline;
  /** What the assessments read: set a value once the step that measures it has completed. */
  readonly results: Partial<R>;
  /**
   * Runs one named step: marked on the timeline when it completes; when it fails (or outlasts `timeoutMs`), the phase
   * stops there and each assessment that reads a value not measured yet fails naming it. Steps may run side by side.
   */
  step<T>(name: string, action: () => Promise<T> | T, options?: { timeoutMs?: number }): Promise<T>;
  /**
   * From here on (what came before is the phase's setup), records the workload on the timeline: its Deployment,
   * EndpointSlices and pods (minReady, minReadyEndpoints), and what `also` adds; stopped with the phase.
   */
  record(workload: Workload, also?: (timeline: Timeline) => ObjectsWatch[]): void;
  /** Starts the phase's load (one per phase), then waits for its baseline; it runs until the phase ends. */
  load(plan: LoadPlan): Promise<RunningLoad>;
  /** A step: `count` more requests of the load sent (load on the state the steps before left). */
  moreRequests(count: number, timeoutMs?: number): Promise<void>;
  /** A figure of the phase: in its evidence, and in the scenario's printout as `<phase>.<name>`. */
  figure(name: string, value: string | number): void;
  /** Registers what undoes a change: run after the steps, last registered first, whatever happened. */
  onTeardown(name: string, action: () => unknown): void;
}

export type PhaseBody<R> = (context: PhaseContext<R>) => Promise<void>;

function withTimeout<T>(work: Promise<T>, timeoutMs: number | undefined): Promise<T> {
  if (timeoutMs === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${seconds(timeoutMs)} s`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * One phase of a scenario, e2e-framework's Setup → Assess → Teardown made one function: a timeline (and the workload
 * recorded on it), optional load, named steps, teardowns that always run, and the evidence written passing or
 * failing. A failing step or teardown does not throw: what it measured, and where it stopped, are in the outcome.
 */
export async function runPhase<R extends object>(setting: PhaseSetting, name: string, options: PhaseOptions, body: PhaseBody<R>): Promise<PhaseOutcome<R & Recorded>> {
  const log = setting.log ?? console.log;
  const say = (message: string): void => log(`[${setting.scenario}] ${name}: ${message}`);
  const timeline = new Timeline(setting.scenario, name);
  const values: Partial<R> = {};
  const recorded: Partial<Recorded> = {};
  const failures: PhaseFailure[] = [];
  const teardownFailures: PhaseFailure[] = [];
  const stepErrors = new Set<unknown>();
  const running = new Set<Promise<unknown>>();
  const teardowns: Array<{ name: string; action: () => unknown }> = [];
  let lastStep: string | undefined;
  let load: { traffic: RunningLoad; plan: LoadPlan } | undefined;

  let recording: WorkloadRecording | undefined;
  const watches: ObjectsWatch[] = [];

  const figure = (key: string, value: string | number): void => {
    timeline.figure(key, value);
    if (setting.figures) setting.figures[`${name}.${key}`] = value;
  };

  const step = <T>(stepName: string, action: () => Promise<T> | T, stepOptions: { timeoutMs?: number } = {}): Promise<T> => {
    const started = Date.now();
    const work = (async () => {
      try {
        const value = await withTimeout(Promise.resolve().then(action), stepOptions.timeoutMs);
        timeline.mark(stepName);
        lastStep = stepName;
        return value;
      } catch (error) {
        if (!stepErrors.has(error)) {
          // The innermost step that failed is the one named (a step may run steps of its own).
          stepErrors.add(error);
          failures.push({ where: `step "${stepName}"`, error });
          timeline.mark(`${stepName}: did not complete`);
          say(`step "${stepName}" did not complete after ${seconds(Date.now() - started)} s: ${error instanceof Error ? error.message : String(error)}`);
        }
        throw error;
      }
    })();
    running.add(work);
    void work.catch(() => undefined).finally(() => running.delete(work));
    return work;
  };

  const requireLoad = (): RunningLoad => {
    if (!load) throw new Error(`phase "${name}" has no load: start it with load() first`);
    return load.traffic;
  };

  const context: PhaseContext<R> = {
    timeline,
    results: values,
    step,
    record(workload, also) {
      if (recording) throw new Error(`phase "${name}" already records a workload`);
      if (!setting.clients) throw new Error(`phase "${name}" records a workload: its setting needs the clients`);
      recording = recordWorkload(setting.clients, timeline, workload);
      watches.push(...(also?.(timeline) ?? []));
      timeline.mark(`recording ${workload.deployment}`);
    },
    async load(plan) {
      if (load) throw new Error(`phase "${name}" already has a load`);
      const traffic = startLoad({ ...plan, maxSeconds: plan.maxSeconds ?? 240, timeline });
      load = { traffic, plan };
      timeline.mark(`load started: ${plan.rate} req/s`);
      const baseline = plan.baseline ?? plan.rate * 2;
      if (baseline > 0) {
        await step('a steady baseline of load', () => pollUntil(`${baseline} requests sent`, () => traffic.summary().sent > baseline, { timeoutMs: 30_000, intervalMs: 250 }));
      }
      return traffic;
    },
    moreRequests(count, timeoutMs = 30_000) {
      const traffic = requireLoad();
      const from = traffic.summary().sent;
      return step(`${count} more requests under load`, () => pollUntil(`${count} more requests sent`, () => traffic.summary().sent > from + count, { timeoutMs, intervalMs: 250 }));
    },
    figure,
    onTeardown(teardownName, action) {
      teardowns.push({ name: teardownName, action });
    },
  };

  try {
    await body(context);
  } catch (error) {
    if (!stepErrors.has(error)) {
      failures.push({ where: lastStep ? `its code after step "${lastStep}"` : 'its code before its first step', error });
      say(`stopped after ${lastStep ? `step "${lastStep}"` : 'no step'}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  // Steps started side by side finish (each has its deadline) before anything is torn down under them.
  await Promise.allSettled([...running]);

  if (load) {
    const { traffic, plan } = load;
    if (failures.length === 0 && plan.atLeast !== undefined) {
      const atLeast = plan.atLeast;
      await step(`${atLeast} requests sent`, () => pollUntil(`${atLeast} requests sent`, () => traffic.summary().sent >= atLeast, { timeoutMs: 120_000 })).catch(() => undefined);
    }
    const summary = await traffic.stop();
    figure('load', describeLoad(summary));
    timeline.figure('requests', summary.sent);
    timeline.figure('failures', summary.non2xx + summary.errors);
    if (failures.length === 0) recorded.load = summary;
  }

  for (const teardown of [...teardowns].reverse()) {
    try {
      await teardown.action();
      timeline.mark(teardown.name);
    } catch (error) {
      teardownFailures.push({ where: `teardown "${teardown.name}"`, error });
      say(`teardown "${teardown.name}" failed: ${errorLine(error)}`);
    }
  }

  recording?.stop();
  for (const watch of watches) watch.stop();
  const minReady = recording?.minReady();
  if (minReady) recorded.minReady = minReady;
  const minReadyEndpoints = recording?.minReadyEndpoints();
  if (minReadyEndpoints !== undefined) recorded.minReadyEndpoints = minReadyEndpoints;

  try {
    timeline.end();
    const panels = options.panels?.(timeline.toJSON()) ?? DEFAULT_PANELS;
    say(`evidence in ${writeEvidence(timeline, panels).svg}`);
  } catch (error) {
    teardownFailures.push({ where: 'writing the evidence', error });
  }
  return new PhaseOutcome<R & Recorded>(name, { ...values, ...recorded } as Partial<R & Recorded>, failures, teardownFailures);
}
