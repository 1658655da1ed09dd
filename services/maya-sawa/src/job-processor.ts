import { UnrecoverableError } from 'bullmq';
import type { Summary } from '../../../contracts/maya-sawa.js';
import type { Logger } from '../../shared/src/logger.js';
import { AiError, type RetryPolicy } from './ai-client.js';
import type { JobsRepository } from './jobs-repository.js';
import { textStats } from './text-stats.js';

/** The part of the AI client a job uses (AiClient). */
export interface Summariser {
  summarise(text: string, options: { idempotencyKey: string; policy: RetryPolicy }): Promise<Summary>;
}

export interface ProcessorDeps {
  jobs: JobsRepository;
  logger: Logger;
  /** Recorded on each job, so tests can see which worker pod processed it. */
  workerPod: string;
  /** Each job takes at least this long (0 in production): lets tests see jobs spread across workers. */
  minJobMs: number;
  ai: Summariser;
  /** Retries within one attempt of a summarise job; BullMQ's attempts and backoff come on top (queue.ts). */
  aiPolicy: RetryPolicy;
}

/** What the processor needs of a BullMQ job. */
export interface QueuedJob {
  data: { jobId: string };
  attemptsMade: number;
  opts: { attempts?: number };
}

/** The retries within one queue attempt of a summarise job. */
export const WORKER_AI_POLICY: RetryPolicy = { maxAttempts: 3, deadlineMs: 30_000, baseDelayMs: 500, maxDelayMs: 4_000 };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Processes one queued job: claims it in PostgreSQL (a job already done is skipped), computes its statistics or has
 * the AI provider summarise it (the job's id is the Idempotency-Key of every call for it), writes the result back
 * once. A failure is thrown for BullMQ to retry; on the last attempt, or when retrying cannot help, the job is
 * recorded as failed first, so no job is left without an outcome.
 */
export function jobProcessor(deps: ProcessorDeps): (job: QueuedJob) => Promise<void> {
  return async (job) => {
    const { jobId } = job.data;
    const started = Date.now();
    const claimed = await deps.jobs.start(jobId, deps.workerPod);
    if (claimed === undefined) {
      deps.logger.warn({ jobId }, 'job not in the database; dropped');
      return;
    }
    if (claimed === 'done') {
      deps.logger.info({ jobId }, 'job already done; not done again');
      return;
    }
    try {
      const outcome =
        claimed.kind === 'summarise'
          ? { summary: await summary(deps, claimed.text, jobId) }
          : { result: textStats(claimed.text) };
      const wait = deps.minJobMs - (Date.now() - started);
      if (wait > 0) await sleep(wait);
      const recorded = await deps.jobs.complete(jobId, outcome);
      deps.logger.info({ jobId, kind: claimed.kind, recorded, durationMs: Date.now() - started }, 'job done');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const permanent = error instanceof AiError && !error.retryable;
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (permanent || lastAttempt) {
        await deps.jobs.fail(jobId, message);
        if (permanent) throw new UnrecoverableError(message);
      }
      throw error;
    }
  };
}

async function summary(deps: ProcessorDeps, text: string, jobId: string): Promise<Summary> {
  const { summary: content, model } = await deps.ai.summarise(text, { idempotencyKey: jobId, policy: deps.aiPolicy });
  return { summary: content, model };
}
