import { Agent, request } from 'node:http';
import type { Timeline } from '../evidence/timeline.js';
import { seconds } from '../seconds.js';
import type { LoadSummary, RunningLoad } from './constant-load.js';

export interface PersistentLoadOptions {
  /** Full URL on loopback, e.g. http://127.0.0.1:30080/api/info. */
  url: string;
  /** Keep-alive connections, each carrying one request after the other as fast as the server answers. */
  connections: number;
  /** Upper bound of the run; stop() ends it earlier. */
  maxSeconds: number;
  /** Requests per second across the connections; unset = full speed (each next request the moment an answer arrives). */
  rate?: number;
  headers?: Record<string, string>;
  timeoutSeconds?: number;
  /** Per-second evidence: `keepAliveRequests` and `keepAliveFailures` counters. */
  timeline?: Timeline;
}

export interface PersistentLoadSummary extends LoadSummary {
  /** Connections opened over the run: `connections` at the start, then one more each time the server ended one. */
  connectionsOpened: number;
}

export interface RunningPersistentLoad extends RunningLoad {
  summary(): PersistentLoadSummary;
  stop(): Promise<PersistentLoadSummary>;
  done: Promise<PersistentLoadSummary>;
}

/**
 * A client that keeps its connections, as a proxy's upstream pool or a load balancer does: node's HTTP agent with
 * keep-alive and `connections` sockets, and as many request loops, each sending its next request the moment the
 * previous answer arrived (or when due, at a set `rate`), with no reconnect of its own. Unlike autocannon it honours `Connection: close`: it
 * opens a new connection for the next request, as HTTP/1.1 clients must. Every non-2xx and every socket error (a
 * reset connection, a timeout) is counted as a failure, never retried.
 */
export function startPersistentLoad(options: PersistentLoadOptions): RunningPersistentLoad {
  if (!/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(options.url)) throw new Error(`load goes to loopback only, not ${options.url}`);
  const started = Date.now();
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections, maxFreeSockets: options.connections, scheduling: 'fifo' });
  const summary: PersistentLoadSummary = { sent: 0, ok: 0, non2xx: 0, errors: 0, statuses: {}, errorSamples: [], seconds: 0, connectionsOpened: 0 };
  const timeline = options.timeline;
  timeline?.declareCounter('keepAliveRequests');
  timeline?.declareCounter('keepAliveFailures');
  const timeoutMs = (options.timeoutSeconds ?? 5) * 1000;
  let stopped = false;

  const failed = (): void => {
    const at = Date.now();
    summary.firstFailureAt ??= at;
    summary.lastFailureAt = at;
    timeline?.count('keepAliveFailures', 1, at);
  };

  const oneRequest = () =>
    new Promise<void>((resolve) => {
      const req = request(options.url, { agent, headers: options.headers ?? {} }, (response) => {
        response.resume();
        response.on('error', () => undefined);
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          summary.statuses[status] = (summary.statuses[status] ?? 0) + 1;
          if (status >= 200 && status < 300) summary.ok += 1;
          else {
            summary.non2xx += 1;
            failed();
          }
          resolve();
        });
      });
      req.on('socket', (socket) => {
        if (!req.reusedSocket) summary.connectionsOpened += 1;
        socket.setNoDelay(true);
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (error) => {
        summary.errors += 1;
        failed();
        const code = (error as NodeJS.ErrnoException).code;
        const message = `${req.reusedSocket ? 'reused connection' : 'new connection'}: ${code ?? error.name}: ${error.message}`;
        if (summary.errorSamples.length < 5) summary.errorSamples.push(`${((Date.now() - started) / 1000).toFixed(1)}s ${message}`);
        resolve();
      });
      summary.sent += 1;
      timeline?.count('keepAliveRequests');
      req.end();
    });

  const spacingMs = options.rate ? (1000 * options.connections) / options.rate : 0;
  const loops = Array.from({ length: options.connections }, async () => {
    let next = Date.now();
    while (!stopped && Date.now() - started < options.maxSeconds * 1000) {
      await oneRequest();
      next += spacingMs;
      const wait = next - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  });
  const snapshot = (): PersistentLoadSummary => ({ ...summary, statuses: { ...summary.statuses }, errorSamples: [...summary.errorSamples], seconds: seconds(Date.now() - started) });
  const done = Promise.all(loops).then(() => {
    stopped = true;
    agent.destroy();
    return snapshot();
  });
  return {
    summary: snapshot,
    stop: () => {
      stopped = true;
      return done;
    },
    done,
  };
}
