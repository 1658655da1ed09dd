import { redisKeys } from '../../../shared/src/redis-keys.js';
import { execOrThrow } from '../../../shared/src/redis.js';
import type { Task } from './task.js';

export const BATCH_SIZE = 20;
/** How many readings the aggregate covers. */
export const PROCESSED_ITEMS_KEPT = 1000;

export interface Aggregate {
  count: number;
  mean: number;
  min: number;
  max: number;
}

export function aggregate(values: readonly number[]): Aggregate {
  if (values.length === 0) return { count: 0, mean: 0, min: 0, max: 0 };
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    sum += value;
    min = Math.min(min, value);
    max = Math.max(max, value);
  }
  return { count: values.length, mean: Math.round((sum / values.length) * 1000) / 1000, min, max };
}

/**
 * Produces a batch of readings, appends them to a capped list, stores the batch (for cleanup to expire later),
 * then recomputes the aggregate over the whole list.
 */
export const dataProcessing: Task = async ({ redis, tickMs, now }) => {
  const readings = Array.from({ length: BATCH_SIZE }, () => Math.round(Math.random() * 1000) / 10);
  const batchId = String(tickMs);
  const createdAt = now();
  await execOrThrow(
    redis
      .multi()
      .lpush(redisKeys.processedItems, ...readings.map(String))
      .ltrim(redisKeys.processedItems, 0, PROCESSED_ITEMS_KEPT - 1)
      .set(redisKeys.batch(batchId), JSON.stringify({ createdAt, readings }))
      .zadd(redisKeys.batchIndex, createdAt, batchId),
  );
  const values = (await redis.lrange(redisKeys.processedItems, 0, -1)).map(Number).filter(Number.isFinite);
  const result = aggregate(values);
  await redis.hset(redisKeys.processedAggregate, { ...result, computedAt: createdAt });
  return { batchId, items: readings.length, ...result };
};
