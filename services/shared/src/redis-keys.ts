import type { TaskStatus, TaskType } from '../../../contracts/task-types.js';

/**
 * Every Redis key the system uses, in one place: the worker writes them and the api-gateway reads them,
 * so /api/status reads exactly what the worker writes.
 */
const PREFIX = 'hm';

export const redisKeys = {
  /** Hash: field `<task_type>:<status>` -> count of recorded outcomes. */
  taskCounts: `${PREFIX}:worker:task-counts`,
  /** Hash: the most recent recorded outcome: type, status, finishedAt (epoch ms), durationMs. */
  lastTask: `${PREFIX}:worker:last-task`,
  /** String with a TTL, one per (task type, tick): marks an outcome as counted, so a replayed outcome is not counted twice. */
  outcomeRecorded: (type: TaskType, tickMs: number) => `${PREFIX}:worker:outcome:${type}:${tickMs}`,
  /** String with a TTL, one per (task type, tick): whichever replica sets it runs that tick. */
  tickLock: (type: TaskType, tickMs: number) => `${PREFIX}:worker:lock:${type}:${tickMs}`,

  /** List of JSON readings produced by data_processing, newest first, trimmed. */
  processedItems: `${PREFIX}:data:processed-items`,
  /** Hash: aggregate over processedItems (count, mean, min, max, computedAt). */
  processedAggregate: `${PREFIX}:data:aggregate`,
  /** Sorted set: batch id scored by creation time (epoch ms); cleanup removes old entries. */
  batchIndex: `${PREFIX}:data:batches`,
  /** String: one processed batch, deleted by cleanup once older than the retention. */
  batch: (batchId: string) => `${PREFIX}:data:batch:${batchId}`,

  /** Hash: the latest PING of health_check: latencyMs, checkedAt. */
  healthLatest: `${PREFIX}:health:latest`,
  /** List of recent PING latencies (ms), newest first, trimmed. */
  healthLatencies: `${PREFIX}:health:latencies`,

  /** Hash: a snapshot of Redis INFO taken by metrics_collection. */
  redisSnapshot: `${PREFIX}:metrics:redis-snapshot`,

  /** String, test toggle: milliseconds of CPU work added to every task run (read only with ENABLE_TEST_TOGGLES=true). */
  testTaskCpuMs: `${PREFIX}:test:task-cpu-ms`,
} as const;

export const taskCountField = (type: TaskType, status: TaskStatus): string => `${type}:${status}`;
