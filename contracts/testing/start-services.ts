import { HealthState } from '../../services/shared/src/health.js';
import { closeRedis, createRedisClient, waitUntilReady, type Redis } from '../../services/shared/src/redis.js';
import { start } from '../../services/shared/src/server.js';
import { silentLogger } from '../../services/shared/src/testing/helpers.js';
import { createApp as createGatewayApp } from '../../services/api-gateway/src/app.js';
import { createApp as createWorkerApp } from '../../services/worker/src/app.js';
import { TaskScheduler } from '../../services/worker/src/scheduler.js';
import { TaskLedger } from '../../services/worker/src/task-ledger.js';
import { TASKS } from '../../services/worker/src/tasks/index.js';
import { createWorkerMetrics } from '../../services/worker/src/worker-metrics.js';
import { createApp as createDashboardApp } from '../../services/dashboard/src/app.js';
import { collectOverview } from '../../services/dashboard/src/collect.js';
import { defaultStaticDir } from '../../services/dashboard/src/config.js';

// Each service wired as its main.ts wires it, but listening on 127.0.0.1 with a random port, in this process.

export interface RunningService {
  url: string;
  health: HealthState;
  close(): Promise<void>;
}

const identity = (name: string) => ({ name, version: '0.1.0', pod: `${name}-contract-test`, environment: 'test', startedAt: new Date() });

/** A client as the service's main.ts makes it: the gateway's times no command itself (its calls have deadlines). */
async function redisClient(url: string, name: string): Promise<Redis> {
  const redis = createRedisClient(
    { url, password: undefined, pingTimeoutMs: 500, commandTimeoutMs: 1000, connectionName: name, timeEachCommand: name !== 'api-gateway' },
    silentLogger(),
  );
  redis.connect().catch(() => undefined);
  await waitUntilReady(redis, 5000);
  return redis;
}

export async function startGateway(redisUrl: string, options: { enableTestToggles: boolean }): Promise<RunningService & { redis: Redis }> {
  const redis = await redisClient(redisUrl, 'api-gateway');
  const health = new HealthState();
  const app = createGatewayApp({
    identity: identity('api-gateway'),
    logger: silentLogger(),
    redis,
    health,
    redisPingTimeoutMs: 500,
    redisReadTimeoutMs: 1000,
    enableTestToggles: options.enableTestToggles,
  });
  const server = await start(app, 0, '127.0.0.1');
  return {
    url: server.url,
    health,
    redis,
    async close() {
      await server.close();
      await closeRedis(redis, 1000);
    },
  };
}

export async function startWorker(redisUrl: string): Promise<RunningService & { redis: Redis; scheduler: TaskScheduler }> {
  const redis = await redisClient(redisUrl, 'worker');
  const logger = silentLogger();
  const health = new HealthState();
  const ledger = new TaskLedger(100, logger);
  const metrics = createWorkerMetrics(redis, ledger);
  const scheduler = new TaskScheduler({ redis, logger, ledger, metrics, tasks: TASKS, intervalSeconds: 10, replicaId: 'contract-test', dataRetentionMs: 60_000 });
  const app = createWorkerApp({ logger, redis, health, metrics, redisPingTimeoutMs: 500 });
  const server = await start(app, 0, '127.0.0.1');
  return {
    url: server.url,
    health,
    redis,
    scheduler,
    async close() {
      await scheduler.stop();
      await server.close();
      await closeRedis(redis, 1000);
    },
  };
}

export async function startDashboard(upstreams: { gatewayUrl: string; workerUrl: string; timeoutMs?: number }): Promise<RunningService> {
  const health = new HealthState();
  const app = createDashboardApp({
    logger: silentLogger(),
    health,
    staticDir: defaultStaticDir(),
    collectOverview: () =>
      // Slow is the upstream timeout here: a loaded host (the cluster booting beside the tests) can take 100 ms to
      // PING; classifying slow Redis is services/dashboard/src/collect.test.ts' subject.
      collectOverview({ ...upstreams, timeoutMs: upstreams.timeoutMs ?? 1000, staleTaskSeconds: 60, redisSlowMs: 1000 }),
  });
  const server = await start(app, 0, '127.0.0.1');
  return { url: server.url, health, close: () => server.close() };
}
