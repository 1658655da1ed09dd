import autocannon from 'autocannon';
import type { Timeline } from '../evidence/timeline.js';
import { seconds } from '../seconds.js';

export interface LoadOptions {
  /** Full URL, e.g. http://127.0.0.1:32891/api/info. Loopback only: the NodePorts mapped out of the node container. */
  url: string;
  /** Requests per second across all connections (autocannon's overallRate); unset = as fast as possible. */
  rate?: number;
  connections: number;
  /** Upper bound of the run; stop() ends it earlier. */
  maxSeconds: number;
  /** Each connection reconnects after this many requests, so new pods get traffic through the Service too. */
  reconnectEvery?: number;
  /** Request headers, e.g. { host: 'microservices-demo.local' } to go through an Ingress rule. */
  headers?: Record<string, string>;
  /** Seconds before a request counts as failed (timeout). */
  timeoutSeconds?: number;
  /** Per-second evidence: `requests` and `failures` counters. */
  timeline?: Timeline;
}

export interface LoadSummary {
  sent: number;
  ok: number;
  non2xx: number;
  errors: number;
  statuses: Record<string, number>;
  /** A few error messages, for the failure message. */
  errorSamples: string[];
  seconds: number;
  /** When the first and the last failure (non-2xx or error) were seen, in ms since the epoch; unset if none. */
  firstFailureAt?: number;
  lastFailureAt?: number;
}

export interface RunningLoad {
  /** So far (while running) or in total (after it ended). */
  summary(): LoadSummary;
  /** Ends the load and resolves with the totals. */
  stop(): Promise<LoadSummary>;
  /** Resolves when the load ends (maxSeconds, or stop()). */
  done: Promise<LoadSummary>;
}

/** Starts bounded HTTP load with autocannon's programmatic API, counting every response and error itself. */
export function startLoad(options: LoadOptions): RunningLoad {
  if (!/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(options.url)) throw new Error(`load goes to loopback only, not ${options.url}`);
  const started = Date.now();
  const summary: LoadSummary = { sent: 0, ok: 0, non2xx: 0, errors: 0, statuses: {}, errorSamples: [], seconds: 0 };
  const timeline = options.timeline;
  timeline?.declareCounter('requests');
  timeline?.declareCounter('failures');
  const failed = (): void => {
    const at = Date.now();
    summary.firstFailureAt ??= at;
    summary.lastFailureAt = at;
    timeline?.count('failures', 1, at);
  };

  const instance = autocannon(
    {
      url: options.url,
      connections: options.connections,
      overallRate: options.rate,
      duration: options.maxSeconds,
      reconnectRate: options.reconnectEvery,
      ...(options.headers ? { headers: options.headers } : {}),
      timeout: options.timeoutSeconds ?? 5,
    },
    () => undefined,
  );
  instance.on('response', (_client, statusCode) => {
    summary.sent += 1;
    summary.statuses[statusCode] = (summary.statuses[statusCode] ?? 0) + 1;
    timeline?.count('requests');
    if (statusCode >= 200 && statusCode < 300) summary.ok += 1;
    else {
      summary.non2xx += 1;
      failed();
    }
  });
  instance.on('reqError', (error: unknown) => {
    summary.sent += 1;
    summary.errors += 1;
    timeline?.count('requests');
    failed();
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (summary.errorSamples.length < 5) summary.errorSamples.push(`${((Date.now() - started) / 1000).toFixed(1)}s ${message}`);
  });
  let stopped = false;
  const done = new Promise<LoadSummary>((resolve) => {
    instance.on('done', () => {
      stopped = true;
      summary.seconds = seconds(Date.now() - started);
      resolve({ ...summary, statuses: { ...summary.statuses }, errorSamples: [...summary.errorSamples] });
    });
  });
  return {
    summary: () => ({ ...summary, statuses: { ...summary.statuses }, errorSamples: [...summary.errorSamples], seconds: seconds(Date.now() - started) }),
    stop: () => {
      if (!stopped) instance.stop();
      stopped = true;
      return done;
    },
    done,
  };
}

/** One line for a log or an assertion message. */
export function describeLoad(summary: LoadSummary): string {
  const statuses = Object.entries(summary.statuses).map(([status, count]) => `${status}:${count}`).join(' ');
  const errors = summary.errorSamples.length ? `; errors e.g. ${summary.errorSamples.join(' | ')}` : '';
  return `${summary.sent} requests in ${summary.seconds} s: ${summary.ok} 2xx, ${summary.non2xx} non-2xx, ${summary.errors} socket errors/timeouts [${statuses}]${errors}`;
}
