import { redisKeys } from '../../../shared/src/redis-keys.js';
import { execOrThrow } from '../../../shared/src/redis.js';
import type { Task } from './task.js';

const MAX_PER_RUN = 500;

/** Deletes processed batches older than the retention, and their index entries, in one transaction. */
export const cleanup: Task = async ({ redis, now, dataRetentionMs }) => {
  const cutoff = now() - dataRetentionMs;
  const expired = await redis.zrangebyscore(redisKeys.batchIndex, '-inf', cutoff, 'LIMIT', 0, MAX_PER_RUN);
  if (expired.length === 0) return { deleted: 0 };
  await execOrThrow(
    redis
      .multi()
      .del(...expired.map((batchId) => redisKeys.batch(batchId)))
      .zrem(redisKeys.batchIndex, ...expired),
  );
  return { deleted: expired.length };
};
