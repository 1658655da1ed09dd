import { Agent as HttpAgent, get as httpGet } from 'node:http';
import { Agent as HttpsAgent, get as httpsGet } from 'node:https';
import type { StatusResponse } from '../../../contracts/api-gateway.js';
import type { Overview, ServiceEntry, ServiceHealth, TaskSummary } from '../../../contracts/dashboard.js';
import { TASK_TYPES } from '../../../contracts/task-types.js';
import { errorMessage } from '../../shared/src/error-message.js';
import { roundMs } from '../../shared/src/timing.js';
import { REFRESH_SECONDS } from './config.js';
import { asStatusResponse, notReadyReasons } from './status-guard.js';

export interface UpstreamResult {
  /** True for a 2xx answer whose body parsed as JSON. */
  ok: boolean;
  httpStatus: number | null;
  responseTimeMs: number;
  body: unknown;
  error: string | null;
}

/** Upstream answers are small JSON documents; anything bigger is refused rather than buffered. */
const MAX_BODY_BYTES = 1024 * 1024;

// node:http with keep-alive rather than fetch: the dashboard calls the same two upstreams again and again, and
// undici's per-request allocations made its heap (and RSS) balloon under load.
const agents = { 'http:': new HttpAgent({ keepAlive: true, maxSockets: 32 }), 'https:': new HttpsAgent({ keepAlive: true, maxSockets: 32 }) };

function describeRequestError(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = errorMessage(error);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

/**
 * GET `url` and parse its JSON body, all within `timeoutMs`: the deadline covers connecting, the headers and the
 * body, so an upstream that accepts the connection and never answers costs at most `timeoutMs`. Never throws.
 */
export function fetchJson(url: string, timeoutMs: number): Promise<UpstreamResult> {
  const startedAt = performance.now();
  const elapsed = () => roundMs(performance.now() - startedAt);
  return new Promise<UpstreamResult>((resolve) => {
    let settled = false;
    const finish = (result: Omit<UpstreamResult, 'responseTimeMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, responseTimeMs: elapsed() });
    };
    const fail = (error: string, httpStatus: number | null = null) => finish({ ok: false, httpStatus, body: null, error });

    let target: URL;
    try {
      target = new URL(url);
    } catch {
      fail(`invalid URL: ${url}`);
      return;
    }
    const get = target.protocol === 'https:' ? httpsGet : httpGet;
    const request = get(target, { agent: agents[target.protocol as 'http:' | 'https:'], headers: { accept: 'application/json' } }, (response) => {
      const status = response.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          request.destroy();
          fail(`HTTP ${status} with a body over ${MAX_BODY_BYTES} bytes`, status);
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', (error) => fail(describeRequestError(error), status));
      response.on('end', () => {
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          fail(`HTTP ${status} with a body that is not JSON`, status);
          return;
        }
        const ok = status >= 200 && status < 300;
        finish({ ok, httpStatus: status, body, error: ok ? null : `HTTP ${status}` });
      });
    });
    request.on('error', (error) => fail(describeRequestError(error)));
    const timer = setTimeout(() => {
      fail(`timed out after ${timeoutMs} ms`);
      request.destroy();
    }, timeoutMs);
  });
}

export interface CollectOptions {
  gatewayUrl: string;
  workerUrl: string;
  timeoutMs: number;
  /** The worker is degraded when its last recorded task is older than this. */
  staleTaskSeconds: number;
  /** Redis is degraded when its PING latency exceeds this. */
  redisSlowMs: number;
  fetchJson?: typeof fetchJson;
  now?: () => Date;
}

const SEVERITY: Record<ServiceHealth, number> = { up: 0, unknown: 1, degraded: 2, down: 3 };

export const worstHealth = (statuses: readonly ServiceHealth[]): ServiceHealth =>
  statuses.reduce<ServiceHealth>((worst, status) => (SEVERITY[status] > SEVERITY[worst] ? status : worst), 'up');

/** Why a readiness probe said no: its reasons when the body follows the contract, else the transport error. */
function notReadyReason(result: UpstreamResult): string {
  const reasons = notReadyReasons(result.body);
  if (reasons) return `not ready: ${reasons.join('; ')}`;
  return result.error ?? `HTTP ${result.httpStatus}`;
}

function gatewayEntry(status: UpstreamResult, parsed: StatusResponse | null, ready: UpstreamResult): ServiceEntry {
  const base = { id: 'gateway', label: 'API gateway', responseTimeMs: status.responseTimeMs } as const;
  const detail = parsed ? `version ${parsed.gateway.version} on ${parsed.gateway.pod}` : null;
  if (status.httpStatus === null && ready.httpStatus === null) {
    return { ...base, status: 'down', error: status.error ?? ready.error, detail: null, responseTimeMs: null };
  }
  if (!parsed) {
    const error = status.ok ? 'GET /api/status answered a body that does not match its contract' : `GET /api/status failed: ${status.error}`;
    return { ...base, status: 'degraded', error, detail };
  }
  if (!ready.ok) return { ...base, status: 'degraded', error: notReadyReason(ready), detail };
  return { ...base, status: 'up', error: null, detail };
}

function workerEntry(ready: UpstreamResult, parsed: StatusResponse | null, staleTaskSeconds: number): ServiceEntry {
  const base = { id: 'worker', label: 'Worker', responseTimeMs: ready.responseTimeMs } as const;
  const lastTask = parsed?.worker?.lastTask ?? null;
  const detail = lastTask ? `last task ${lastTask.type} ${lastTask.status} ${Math.round(lastTask.ageSeconds)} s ago` : null;
  if (ready.httpStatus === null) return { ...base, status: 'down', error: ready.error, detail, responseTimeMs: null };
  if (!ready.ok) return { ...base, status: 'degraded', error: notReadyReason(ready), detail };
  if (lastTask && lastTask.ageSeconds > staleTaskSeconds) {
    return { ...base, status: 'degraded', error: `no task recorded for ${Math.round(lastTask.ageSeconds)} s`, detail };
  }
  return { ...base, status: 'up', error: null, detail };
}

function redisEntry(parsed: StatusResponse | null, redisSlowMs: number): ServiceEntry {
  const base = { id: 'redis', label: 'Redis' } as const;
  if (!parsed) {
    return { ...base, status: 'unknown', responseTimeMs: null, error: 'the gateway did not report it (see the gateway)', detail: null };
  }
  const { redis } = parsed;
  if (!redis.connected) return { ...base, status: 'down', responseTimeMs: null, error: redis.error ?? 'not connected', detail: null };
  const detail = 'PING latency, measured by the gateway';
  if (redis.error) return { ...base, status: 'degraded', responseTimeMs: redis.latencyMs, error: redis.error, detail };
  if (redis.latencyMs !== null && redis.latencyMs > redisSlowMs) {
    return { ...base, status: 'degraded', responseTimeMs: redis.latencyMs, error: `slow: PING took more than ${redisSlowMs} ms`, detail };
  }
  return { ...base, status: 'up', responseTimeMs: redis.latencyMs, error: null, detail };
}

function taskSummary(parsed: StatusResponse | null): TaskSummary | null {
  const worker = parsed?.worker;
  if (!worker) return null;
  return {
    rows: TASK_TYPES.map((type) => ({ type, ...worker.byType[type] })),
    totals: worker.totals,
    lastTask: worker.lastTask,
  };
}

/**
 * Everything the page shows. The three upstream calls run in parallel, each with its own deadline, so the answer
 * comes within about one timeout however the upstreams behave.
 */
export async function collectOverview(options: CollectOptions): Promise<Overview> {
  const get = options.fetchJson ?? fetchJson;
  const [status, gatewayReady, workerReady] = await Promise.all([
    get(`${options.gatewayUrl}/api/status`, options.timeoutMs),
    get(`${options.gatewayUrl}/health/ready`, options.timeoutMs),
    get(`${options.workerUrl}/health/ready`, options.timeoutMs),
  ]);
  const parsed = status.ok ? asStatusResponse(status.body) : null;

  const services = [
    gatewayEntry(status, parsed, gatewayReady),
    workerEntry(workerReady, parsed, options.staleTaskSeconds),
    redisEntry(parsed, options.redisSlowMs),
  ];
  return {
    generatedAt: (options.now?.() ?? new Date()).toISOString(),
    refreshSeconds: REFRESH_SECONDS,
    overall: worstHealth(services.map((service) => service.status)),
    services,
    tasks: taskSummary(parsed),
  };
}
