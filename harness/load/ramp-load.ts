import { setTimeout as sleep } from 'node:timers/promises';
import { startLoad, type LoadOptions, type LoadSummary, type RunningLoad } from './constant-load.js';

export interface RampOptions extends Omit<LoadOptions, 'rate'> {
  /** Requests per second at first, and added at each step, up to `maxRate`. */
  startRate: number;
  stepRate: number;
  maxRate: number;
  /** How long each rate runs before `enough()` is asked again. */
  stepSeconds: number;
  /** Whether the load has done what it is for (e.g. the HPA reads a utilization above its target); then it stops rising. */
  enough: () => Promise<boolean>;
  /** Called when the rate rises (for a timeline's marks). */
  onStep?: (rate: number) => void;
}

export interface RampingLoad extends RunningLoad {
  /** The rate now, and when it last rose (ms since the epoch): what the system reacts to. */
  rate(): number;
  lastStepAt(): number;
}

/**
 * Load that rises until it is enough: `startRate`, then `stepRate` more every `stepSeconds` whenever `enough()` says
 * no, up to `maxRate`. For reactions that depend on how much work a request costs on this machine (CPU autoscaling): a
 * fixed rate that is plenty on one machine is too little on a faster one. Each step is a constant load of its own
 * (connections split by rate); the summaries add up.
 */
export function startRampingLoad(options: RampOptions): RampingLoad {
  const { startRate, stepRate, maxRate, stepSeconds, enough, onStep, connections, ...load } = options;
  const perRequestPerSecond = connections / startRate;
  const started = Date.now();
  const loads: RunningLoad[] = [];
  let rate = 0;
  let lastStepAt = started;
  let stopped = false;
  const add = (stepRate: number): void => {
    const stepConnections = Math.max(1, Math.round(stepRate * perRequestPerSecond));
    const remainingSeconds = Math.max(1, load.maxSeconds - Math.round((Date.now() - started) / 1000));
    loads.push(startLoad({ ...load, rate: stepRate, connections: stepConnections, maxSeconds: remainingSeconds }));
    rate += stepRate;
    lastStepAt = Date.now();
    onStep?.(rate);
  };
  add(startRate);
  // Asked at every step, not once: what is enough can stop being so (a service's first requests cost more, before
  // its JIT warms up: seen as 127 % of the CPU request at first, 46 % a minute later, at the same rate).
  const ramping = (async () => {
    while (!stopped && rate + stepRate <= maxRate) {
      await sleep(stepSeconds * 1000);
      if (stopped || (await enough().catch(() => false))) continue;
      add(stepRate);
    }
  })();
  const total = (summaries: LoadSummary[]): LoadSummary => {
    const statuses: Record<string, number> = {};
    for (const summary of summaries) for (const [status, count] of Object.entries(summary.statuses)) statuses[status] = (statuses[status] ?? 0) + count;
    const failures = summaries.flatMap((summary) => [summary.firstFailureAt, summary.lastFailureAt]).filter((at): at is number => at !== undefined);
    return {
      sent: summaries.reduce((sum, summary) => sum + summary.sent, 0),
      ok: summaries.reduce((sum, summary) => sum + summary.ok, 0),
      non2xx: summaries.reduce((sum, summary) => sum + summary.non2xx, 0),
      errors: summaries.reduce((sum, summary) => sum + summary.errors, 0),
      statuses,
      errorSamples: summaries.flatMap((summary) => summary.errorSamples).slice(0, 5),
      seconds: Math.max(0, ...summaries.map((summary) => summary.seconds)),
      ...(failures.length > 0 ? { firstFailureAt: Math.min(...failures), lastFailureAt: Math.max(...failures) } : {}),
    };
  };
  const stop = async (): Promise<LoadSummary> => {
    stopped = true;
    await ramping;
    return total(await Promise.all(loads.map((running) => running.stop())));
  };
  // Ends on its own when the first step's load does (maxSeconds): the later steps end with it.
  const done = loads[0]!.done.then(stop);
  return {
    summary: () => total(loads.map((running) => running.summary())),
    stop,
    done,
    rate: () => rate,
    lastStepAt: () => lastStepAt,
  };
}
