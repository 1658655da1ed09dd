import type { Logger } from '../../shared/src/logger.js';
import type { JobsRepository } from './jobs-repository.js';
import { textStats } from './text-stats.js';

export interface ProcessorDeps {
  jobs: JobsRepository;
  logger: Logger;
  /** Recorded on each job, so tests can see which worker pod processed it. */
  workerPod: string;
  /** Each job takes at least this long (0 in production): lets tests see jobs spread across workers. */
  minJobMs: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Processes one queued job: claims it in PostgreSQL, computes the text's statistics, writes the result back. */
export function jobProcessor(deps: ProcessorDeps): (message: { data: { jobId: string } }) => Promise<void> {
  return async ({ data: { jobId } }) => {
    const started = Date.now();
    const text = await deps.jobs.start(jobId, deps.workerPod);
    if (text === undefined) {
      deps.logger.warn({ jobId }, 'job not in the database; dropped');
      return;
    }
    const result = textStats(text);
    const wait = deps.minJobMs - (Date.now() - started);
    if (wait > 0) await sleep(wait);
    await deps.jobs.complete(jobId, result);
    deps.logger.info({ jobId, words: result.words, durationMs: Date.now() - started }, 'job done');
  };
}
