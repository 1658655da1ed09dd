import { HealthState } from '../../shared/src/health.js';
import { closeRedis, createRedisClient, waitUntilReady } from '../../shared/src/redis.js';
import { start } from '../../shared/src/server.js';
import { silentLogger } from '../../shared/src/testing/helpers.js';
import { createWebApp } from './app.js';
import { createPool, type Pool } from './db.js';
import { AiClient } from './ai-client.js';
import { jobProcessor, WORKER_AI_POLICY } from './job-processor.js';
import { JobsRepository } from './jobs-repository.js';
import { createQueue, createQueueWorker } from './queue.js';
import { inspectStartup } from './startup.js';

// web and worker wired as web.ts and worker.ts wire them, but in this process, web on 127.0.0.1 with a random port.

export interface RunningWeb {
  url: string;
  pool: Pool;
  close(): Promise<void>;
}

const redisConfig = (url: string) => ({ url, password: undefined, pingTimeoutMs: 500, commandTimeoutMs: 1000 });

export interface AiEndpoint {
  baseUrl: string;
  apiKey: string;
}

const aiClient = (ai: AiEndpoint, requestTimeoutMs = 2_000) => new AiClient({ baseUrl: ai.baseUrl, apiKey: ai.apiKey, model: 'gpt-4o-mini', requestTimeoutMs });

export async function startWeb(options: { databaseUrl: string; redisUrl: string; staticDir: string; ai: AiEndpoint; aiSyncTimeoutMs?: number; pod?: string }): Promise<RunningWeb> {
  const logger = silentLogger();
  const pool = createPool({ url: options.databaseUrl });
  const redis = createRedisClient({ ...redisConfig(options.redisUrl), connectionName: 'maya-sawa-web-test' }, logger);
  redis.connect().catch(() => undefined);
  await waitUntilReady(redis, 5000);
  const queue = createQueue(redisConfig(options.redisUrl));
  queue.on('error', () => undefined);
  const app = createWebApp({
    identity: { name: 'maya-sawa-web', version: '0.1.0', pod: options.pod ?? 'maya-sawa-web-test', environment: 'test', startedAt: new Date() },
    logger,
    pool,
    redis,
    queue,
    jobs: new JobsRepository(pool),
    health: new HealthState(),
    staticDir: options.staticDir,
    startup: await inspectStartup(pool, options.staticDir),
    redisPingTimeoutMs: 500,
    ai: aiClient(options.ai),
    aiSyncTimeoutMs: options.aiSyncTimeoutMs ?? 3_000,
  });
  const server = await start(app, 0, '127.0.0.1');
  return {
    url: server.url,
    pool,
    async close() {
      await server.close();
      await queue.close().catch(() => undefined);
      await closeRedis(redis, 1000);
      await pool.end();
    },
  };
}

export async function startQueueWorker(options: { databaseUrl: string; redisUrl: string; pod: string; ai: AiEndpoint }): Promise<{ close(): Promise<void> }> {
  const pool = createPool({ url: options.databaseUrl });
  const processor = jobProcessor({ jobs: new JobsRepository(pool), logger: silentLogger(), workerPod: options.pod, minJobMs: 0, ai: aiClient(options.ai), aiPolicy: WORKER_AI_POLICY });
  const worker = createQueueWorker(redisConfig(options.redisUrl), processor, 2);
  worker.on('error', () => undefined);
  return {
    async close() {
      await worker.close();
      await pool.end();
    },
  };
}
