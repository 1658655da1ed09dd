import type { TaskType } from '../../../../contracts/task-types.js';
import type { Redis } from '../../../shared/src/redis.js';
import { redisKeys } from '../../../shared/src/redis-keys.js';
import { silentLogger } from '../../../shared/src/testing/helpers.js';
import { TaskScheduler } from '../scheduler.js';
import { TaskLedger } from '../task-ledger.js';
import { TASKS, type Task } from '../tasks/index.js';
import { createWorkerMetrics } from '../worker-metrics.js';

export function createTestScheduler(
  redis: Redis,
  options: { replicaId?: string; intervalSeconds?: number; tasks?: Record<TaskType, Task>; ledgerMaxEntries?: number } = {},
) {
  const logger = silentLogger();
  const ledger = new TaskLedger(options.ledgerMaxEntries ?? 100, logger);
  const metrics = createWorkerMetrics(redis, ledger);
  const scheduler = new TaskScheduler({
    redis,
    logger,
    ledger,
    metrics,
    tasks: options.tasks ?? TASKS,
    intervalSeconds: options.intervalSeconds ?? 10,
    replicaId: options.replicaId ?? 'replica-a',
    dataRetentionMs: 60_000,
  });
  return { scheduler, ledger, metrics };
}

/** The counters the api-gateway reads, as numbers: { "cleanup:success": 2, ... }. */
export async function recordedCounts(redis: Redis): Promise<Record<string, number>> {
  const raw = await redis.hgetall(redisKeys.taskCounts);
  return Object.fromEntries(Object.entries(raw).map(([field, value]) => [field, Number(value)]));
}

/** A tick far from any real one, so tests on a shared Redis never collide with each other. */
let nextTick = 1_000_000_000_000;
export const uniqueTick = (): number => (nextTick += 10_000);
