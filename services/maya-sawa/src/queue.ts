import { Queue, Worker, type JobsOptions, type Processor } from 'bullmq';
import type { JobKind } from '../../../contracts/maya-sawa.js';
import type { RedisConfig } from '../../shared/src/config.js';
import { AiError } from './ai-client.js';
import { QUEUE_NAME } from './config.js';

export interface JobMessage {
  jobId: string;
}

/** BullMQ's connection options from a Redis URL (CELERY_BROKER_URL), and a password that wins over one in it. */
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

/** A summarise job outlasts a provider outage: this many queue attempts, each after aiBackoffMs. */
export const SUMMARISE_ATTEMPTS = 20;
const AI_BACKOFF = 'ai';
/** Cap of the queue's backoff between summarise attempts: a recovered provider is used within this. */
export const AI_BACKOFF_CAP_MS = 5_000;

/**
 * The queue's delay before the next attempt of a summarise job: exponential from 1 s, capped, and never sooner
 * than the provider's Retry-After carried by the error.
 */
export function aiBackoffMs(attemptsMade: number, error: unknown, random = Math.random): number {
  const backoff = Math.min(AI_BACKOFF_CAP_MS, 1_000 * 2 ** Math.max(0, attemptsMade - 1)) * (1 - random() * 0.25);
  const retryAfter = error instanceof AiError ? (error.retryAfterMs ?? 0) : 0;
  return Math.max(Math.round(backoff), retryAfter);
}

/** The BullMQ job options of a job of `kind`: its id is the job's id, so it is never queued twice. */
export function jobOptions(kind: JobKind, jobId: string): JobsOptions {
  return kind === 'summarise' ? { jobId, attempts: SUMMARISE_ATTEMPTS, backoff: { type: AI_BACKOFF } } : { jobId };
}

export function createQueue(broker: RedisConfig): Queue<JobMessage> {
  return new Queue<JobMessage>(QUEUE_NAME, {
    connection: { ...bullConnection(broker), enableOfflineQueue: false },
    defaultJobOptions: { attempts: 3, backoff: { type: 'exponential', delay: 500 }, removeOnComplete: 1000, removeOnFail: 1000 },
  });
}

/** A job whose worker died is handed to another (or the restarted one) once its lock expires: 10 s here. */
export const LOCK_DURATION_MS = 10_000;

export function createQueueWorker(broker: RedisConfig, processor: Processor<JobMessage>, concurrency: number): Worker<JobMessage> {
  return new Worker<JobMessage>(QUEUE_NAME, processor, {
    connection: bullConnection(broker),
    concurrency,
    lockDuration: LOCK_DURATION_MS,
    stalledInterval: LOCK_DURATION_MS / 2,
    settings: { backoffStrategy: (attemptsMade, _type, error) => aiBackoffMs(attemptsMade, error) },
  });
}
