import type { IRouter } from 'express';
import type { LastTask, StatusResponse, TaskCounts, WorkerTasks } from '../../../../contracts/api-gateway.js';
import { TASK_TYPES, isTaskStatus, isTaskType } from '../../../../contracts/task-types.js';
import type { ServiceIdentity } from '../../../shared/src/config.js';
import { redisKeys, taskCountField } from '../../../shared/src/redis-keys.js';
import { pingRedis, redisErrorMessage, withinDeadline, type Redis } from '../../../shared/src/redis.js';
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
  /** The gateway's client times no command itself (timeEachCommand: false): each wait below has its deadline. */
  redis: Redis;
  pingTimeoutMs: number;
  /** For reading both hashes (REDIS_COMMAND_TIMEOUT_MS). */
  readTimeoutMs: number;
}

/** Real Redis work per request: a PING for latency, then both of the worker's hashes read in one round trip. */
export async function readStatus({ identity, redis, pingTimeoutMs, readTimeoutMs }: StatusDeps): Promise<StatusResponse> {
  const ping = await pingRedis(redis, pingTimeoutMs);
  let worker: WorkerTasks | null = null;
  let readError: string | null = null;
  if (ping.ok) {
    try {
      const [counts, last] = await withinDeadline(Promise.all([redis.hgetall(redisKeys.taskCounts), redis.hgetall(redisKeys.lastTask)]), readTimeoutMs, 'HGETALL');
      worker = summarizeWorkerTasks(counts, last, Date.now());
    } catch (error) {
      readError = `reading task counters failed: ${redisErrorMessage(error)}`;
    }
  }
  return {
    status: worker ? 'ok' : 'degraded',
    checkedAt: new Date().toISOString(),
    gateway: { service: 'api-gateway', version: identity.version, pod: identity.pod, uptimeSeconds: uptimeSeconds(identity.startedAt), status: 'up' },
    redis: ping.ok
      ? { connected: true, latencyMs: ping.latencyMs, error: readError }
      : { connected: false, latencyMs: null, error: ping.error },
    worker,
  };
}

export function addStatusRoute(router: IRouter, deps: StatusDeps): void {
  router.get('/api/status', async (_req, res) => {
    res.json(await readStatus(deps));
  });
}
