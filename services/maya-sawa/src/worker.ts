// Main container: consumes the maya_v2 queue and writes each job's result to PostgreSQL.
import { writeFile } from 'node:fs/promises';
import { HealthState } from '../../shared/src/health.js';
import { createLogger } from '../../shared/src/logger.js';
import { createShutdown, installCrashHandlers } from '../../shared/src/shutdown.js';
import { loadWorkerConfig, QUEUE_NAME } from './config.js';
import { createPool } from './db.js';
import { configOrExit } from '../../shared/src/config-or-exit.js';
import { AiClient } from './ai-client.js';
import { jobProcessor, WORKER_AI_POLICY } from './job-processor.js';
import { JobsRepository } from './jobs-repository.js';
import { createQueueWorker } from './queue.js';

const HEARTBEAT_FILE = '/tmp/worker-heartbeat';
const config = configOrExit('maya-sawa-worker', () => loadWorkerConfig(process.env));
const logger = createLogger(config.identity, config.logLevel);
installCrashHandlers(logger);

const pool = createPool(config.database, { applicationName: 'maya-sawa-worker' });
pool.on('error', (error) => logger.warn({ err: error.message }, 'idle PostgreSQL connection failed'));
const processor = jobProcessor({
  jobs: new JobsRepository(pool),
  logger,
  workerPod: config.identity.pod,
  minJobMs: config.minJobMs,
  ai: new AiClient(config.ai),
  aiPolicy: WORKER_AI_POLICY,
});
const worker = createQueueWorker(config.broker, processor, config.concurrency);
worker.on('error', (error) => logger.warn({ err: error.message }, 'queue connection error'));
worker.on('failed', (job, error) => logger.error({ jobId: job?.data.jobId, err: error.message }, 'job attempt failed'));
logger.info({ queue: QUEUE_NAME, concurrency: config.concurrency }, 'maya-sawa worker starting');
void worker
  .waitUntilReady()
  .then(() => logger.info({ queue: QUEUE_NAME }, 'worker connected to the queue'))
  .catch((error: unknown) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'queue not reachable yet'));

// The liveness probe checks this file's age: touched while the BullMQ worker runs and its connection is up.
const heartbeat = setInterval(() => {
  if (worker.isRunning() && !worker.closing) void writeFile(HEARTBEAT_FILE, new Date().toISOString()).catch(() => undefined);
}, 5_000);

createShutdown({
  logger,
  health: new HealthState(),
  drainMs: 0,
  timeoutMs: config.shutdown.timeoutMs,
  steps: [
    { name: 'stop heartbeat', run: async () => clearInterval(heartbeat) },
    { name: 'close queue worker (finishes active jobs)', run: () => worker.close() },
    { name: 'close postgres pool', run: () => pool.end() },
  ],
}).installSignalHandlers();
