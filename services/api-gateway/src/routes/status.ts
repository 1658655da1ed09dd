import type { IRouter } from 'express';
import type { LastTask, StatusResponse, TaskCounts, WorkerTasks } from '../../../../contracts/api-gateway.js';
import { TASK_TYPES, isTaskStatus, isTaskType } from '../../../../contracts/task-types.js';
import type { ServiceIdentity } from '../../../shared/src/config.js';
import { redisKeys, taskCountField } from '../../../shared/src/redis-keys.js';
import { isRedisConnected, redisErrorMessage, withinDeadline, type Redis } from '../../../shared/src/redis.js';
import { roundMs } from '../../../shared/src/timing.js';
import { uptimeSeconds } from './info.js';

const toCount = (value: string | undefined): number => {
  const count = Number(value ?? 0);
  return Number.isSafeInteger(count) && count >= 0 ? count : 0;
};

// The worker's hash fields of each task type, named once rather than on every request.
const COUNT_FIELDS = TASK_TYPES.map((type) => ({ type, success: taskCountField(type, 'success'), failed: taskCountField(type, 'failed') }));

/** Turns the worker's hashes (see redis-keys.ts) into the contract's shape. */
export function summarizeWorkerTasks(counts: Record<string, string>, last: Record<string, string>, now: number): WorkerTasks {
  const byType = {} as WorkerTasks['byType'];
  const totals: TaskCounts = { success: 0, failed: 0 };
  for (const fields of COUNT_FIELDS) {
    const taskCounts: TaskCounts = { success: toCount(counts[fields.success]), failed: toCount(counts[fields.failed]) };
    byType[fields.type] = taskCounts;
    totals.success += taskCounts.success;
    totals.failed += taskCounts.failed;
  }
  return { byType, totals, lastTask: parseLastTask(last, now) };
}

function parseLastTask(last: Record<string, string>, now: number): LastTask | null {
  const { type, status } = last;
  const finishedAtMs = Number(last.finishedAt);
  if (!isTaskType(type) || !isTaskStatus(status) || !Number.isFinite(finishedAtMs) || finishedAtMs <= 0) return null;
  return {
    type,
    status,
    finishedAt: new Date(finishedAtMs).toISOString(),
    ageSeconds: Math.max(0, Math.round((now - finishedAtMs) / 100) / 10),
  };
}

export interface StatusDeps {
  identity: ServiceIdentity;
  /** The gateway's client times no command itself (timeEachCommand: false): the round trip below has its deadline. */
  redis: Redis;
  /** For the round trip: REDIS_PING_TIMEOUT_MS, the bound the readiness probe's PING has too. */
  roundTripTimeoutMs: number;
}

type RedisReading = Pick<StatusResponse, 'redis' | 'worker'>;

/**
 * Real Redis work per request, in one round trip under one deadline: a PING for latency and both of the worker's
 * hashes, sent together (the client's autopipelining writes them at once, and Redis answers in order). Redis is
 * unreachable if the PING fails; if only the reads do, it is reachable but the worker section is missing. Never throws.
 */
async function readRedis(redis: Redis, timeoutMs: number): Promise<RedisReading> {
  if (!isRedisConnected(redis)) return { redis: { connected: false, latencyMs: null, error: `not connected (${redis.status})` }, worker: null };
  const startedAt = performance.now();
  let latencyMs: number | null = null;
  const ping = redis.ping().then(() => {
    latencyMs = roundMs(performance.now() - startedAt);
  });
  try {
    const [, counts, last] = await withinDeadline(
      Promise.all([ping, redis.hgetall(redisKeys.taskCounts), redis.hgetall(redisKeys.lastTask)]),
      timeoutMs,
      () => (latencyMs === null ? 'ping' : 'HGETALL'),
    );
    return { redis: { connected: true, latencyMs, error: null }, worker: summarizeWorkerTasks(counts, last, Date.now()) };
  } catch (error) {
    const message = redisErrorMessage(error);
    return latencyMs === null
      ? { redis: { connected: false, latencyMs: null, error: message }, worker: null }
      : { redis: { connected: true, latencyMs, error: `reading task counters failed: ${message}` }, worker: null };
  }
}

export async function readStatus({ identity, redis, roundTripTimeoutMs }: StatusDeps): Promise<StatusResponse> {
  const reading = await readRedis(redis, roundTripTimeoutMs);
  return {
    status: reading.worker ? 'ok' : 'degraded',
    checkedAt: new Date().toISOString(),
    gateway: { service: 'api-gateway', version: identity.version, pod: identity.pod, uptimeSeconds: uptimeSeconds(identity.startedAt), status: 'up' },
    redis: reading.redis,
    worker: reading.worker,
  };
}

export function addStatusRoute(router: IRouter, deps: StatusDeps): void {
  router.get('/api/status', async (_req, res) => {
    res.json(await readStatus(deps));
  });
}
