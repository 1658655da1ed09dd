import type { Logger } from '../../../shared/src/logger.js';
import type { Redis } from '../../../shared/src/redis.js';

export interface TaskContext {
  redis: Redis;
  logger: Logger;
  /** The scheduled tick (epoch ms) this run belongs to. */
  tickMs: number;
  /** How long processed batches are kept before cleanup deletes them. */
  dataRetentionMs: number;
  now(): number;
}

/** A task does a small piece of real work against Redis and returns a summary for the logs; it throws on failure. */
export type Task = (context: TaskContext) => Promise<Record<string, unknown>>;
