import type { Timeline } from '../evidence/timeline.js';
import type { KubeClients } from '../kube/clients.js';
import type { Workload } from '../kube/workload.js';
import { describeFailure } from '../phase/phase-outcome.js';
import { runPhase } from '../phase/run-phase.js';
import { seconds } from '../seconds.js';
import type { LoadSummary } from './constant-load.js';

export interface UnderLoadOptions {
  clients: KubeClients;
  /** Evidence goes to artifacts/<scenario>/<name>.{json,svg}. */
  scenario: string;
  name: string;
  /** Loopback URL the load is sent to (a NodePort mapped out of the node container). */
  url: string;
  /** Request headers, e.g. the Host of an Ingress rule when the URL is the ingress controller's. */
  headers?: Record<string, string>;
  /** The workload whose Deployment, EndpointSlices and pods are recorded. */
  workload: Workload;
  rate: number;
  connections: number;
  reconnectEvery?: number;
  /** The load goes on after `action` until at least this many requests were sent. */
  minRequests: number;
  /** The change and the wait for its outcome. */
  action: (timeline: Timeline) => Promise<unknown>;
  log?: (message: string) => void;
}

export interface Observed {
  load: LoadSummary;
  /** Lowest ready replica count the Deployment watch saw, and the desired count then. */
  minReady: { ready: number; desired: number } | undefined;
  /** Seconds `action` took. */
  seconds: number;
}

/**
 * For code outside a vitest file (the benchmarks): one phase (harness/phase/run-phase.ts) with a single step, the
 * action, under constant load while the workload is recorded: a steady baseline first (two seconds' worth of
 * requests), then the action, then load until `minRequests` were sent. Writes the evidence, passing or failing;
 * throws where the phase stopped.
 */
export async function observeUnderLoad(options: UnderLoadOptions): Promise<Observed> {
  const outcome = await runPhase<{ seconds: number }>(
    { scenario: options.scenario, clients: options.clients, ...(options.log ? { log: options.log } : {}) },
    options.name,
    {},
    async ({ step, record, load, results, timeline, figure }) => {
      const { url, headers, rate, connections, reconnectEvery, minRequests } = options;
      record(options.workload);
      await load({ url, headers, rate, connections, reconnectEvery, atLeast: minRequests });
      const started = Date.now();
      await step(options.name, () => options.action(timeline));
      results.seconds = seconds(Date.now() - started);
      figure('actionSeconds', results.seconds);
    },
  );
  const [failure] = [...outcome.failures, ...outcome.teardownFailures];
  if (failure) throw new Error(describeFailure(options.name, failure), { cause: failure.error });
  return { load: outcome.result('load'), minReady: outcome.measured('minReady'), seconds: outcome.result('seconds') };
}
