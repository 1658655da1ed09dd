import { recordWorkload } from '../evidence/record-workload.js';
import { Timeline } from '../evidence/timeline.js';
import { writeEvidence } from '../evidence/write-evidence.js';
import type { KubeClients } from '../kube/clients.js';
import { pollUntil } from '../poll.js';
import { startLoad, type LoadSummary } from './constant-load.js';

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
  workload: { namespace: string; deployment: string; service?: string; podSelector: string };
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
 * Runs an action under constant load while recording the workload: a steady baseline first (two seconds' worth of
 * requests), then the action, then load until `minRequests` were sent. Writes the evidence, passing or failing.
 */
export async function observeUnderLoad(options: UnderLoadOptions): Promise<Observed> {
  const { clients, rate } = options;
  const timeline = new Timeline(options.scenario, options.name);
  const recording = recordWorkload(clients, timeline, options.workload);
  const load = startLoad({
    url: options.url,
    ...(options.headers ? { headers: options.headers } : {}),
    rate,
    connections: options.connections,
    maxSeconds: 240,
    reconnectEvery: options.reconnectEvery,
    timeline,
  });
  try {
    await pollUntil('a steady baseline of load', () => load.summary().sent > rate * 2, { timeoutMs: 30_000, intervalMs: 250 });
    timeline.mark(options.name);
    const started = Date.now();
    await options.action(timeline);
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    timeline.mark('settled');
    timeline.figure('actionSeconds', seconds);
    await pollUntil(`${options.minRequests} requests sent`, () => load.summary().sent >= options.minRequests, { timeoutMs: 120_000 });
    const summary = await load.stop();
    timeline.figure('requests', summary.sent);
    timeline.figure('failures', summary.non2xx + summary.errors);
    return { load: summary, minReady: recording.minReady(), seconds };
  } finally {
    await load.stop();
    recording.stop();
    (options.log ?? console.log)(`[${options.scenario}] ${options.name}: evidence in ${writeEvidence(timeline).svg}`);
  }
}
