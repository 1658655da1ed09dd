import { redisKeys } from '../../../shared/src/redis-keys.js';
import { execOrThrow } from '../../../shared/src/redis.js';
import { roundMs } from '../../../shared/src/timing.js';
import type { Task } from './task.js';

export const LATENCIES_KEPT = 100;

/** PINGs Redis and records the latency: the latest, and a capped history. */
export const healthCheck: Task = async ({ redis, now }) => {
  const startedAt = performance.now();
  const reply = await redis.ping();
  const latencyMs = roundMs(performance.now() - startedAt);
  if (reply !== 'PONG') throw new Error(`unexpected PING reply: ${reply}`);
  await execOrThrow(
    redis
      .multi()
      .hset(redisKeys.healthLatest, { latencyMs, checkedAt: now() })
      .lpush(redisKeys.healthLatencies, String(latencyMs))
      .ltrim(redisKeys.healthLatencies, 0, LATENCIES_KEPT - 1),
  );
  return { latencyMs };
};
