import { Queue, Worker, type Processor } from 'bullmq';
import type { RedisConfig } from '../../shared/src/config.js';
import { QUEUE_NAME } from './config.js';

export interface JobMessage {
  jobId: string;
}

/** BullMQ's connection options from REDIS_URL (and REDIS_PASSWORD, which wins over one in the URL). */
export function bullConnection(redis: RedisConfig) {
  const url = new URL(redis.url);
  const password = redis.password ?? (url.password ? decodeURIComponent(url.password) : undefined);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(password ? { password } : {}),
    // BullMQ's workers block on Redis: retrying forever is what it requires.
    maxRetriesPerRequest: null,
  };
}

export function createQueue(redis: RedisConfig): Queue<JobMessage> {
  return new Queue<JobMessage>(QUEUE_NAME, {
    connection: { ...bullConnection(redis), enableOfflineQueue: false },
    defaultJobOptions: { attempts: 3, backoff: { type: 'exponential', delay: 500 }, removeOnComplete: 1000, removeOnFail: 1000 },
  });
}

export function createQueueWorker(redis: RedisConfig, processor: Processor<JobMessage>, concurrency: number): Worker<JobMessage> {
  return new Worker<JobMessage>(QUEUE_NAME, processor, { connection: bullConnection(redis), concurrency });
}
