import { closeRedis, connectInBackground, createRedisClient, waitUntilReady } from '../../shared/src/redis.js';
import { runService } from '../../shared/src/run-service.js';
import { createApp } from './app.js';
import { SERVICE_NAME, loadConfig } from './config.js';
import { TaskScheduler } from './scheduler.js';
import { TaskLedger } from './task-ledger.js';
import { TASKS } from './tasks/index.js';
import { withTestCpuLoad } from './test-cpu-load.js';
import { createWorkerMetrics } from './worker-metrics.js';

await runService({
  name: SERVICE_NAME,
  loadConfig,
  wire({ config, logger, health }) {
    const redis = createRedisClient({ ...config.redis, connectionName: `${SERVICE_NAME}:${config.identity.pod}` }, logger);
    const ledger = new TaskLedger(config.ledgerMaxEntries, logger);
    const metrics = createWorkerMetrics(redis, ledger);
    const scheduler = new TaskScheduler({
      redis,
      logger,
      ledger,
      metrics,
      tasks: config.enableTestToggles ? withTestCpuLoad(TASKS) : TASKS,
      intervalSeconds: config.taskIntervalSeconds,
      replicaId: config.identity.pod,
      dataRetentionMs: config.dataRetentionMs,
    });
    redis.on('ready', () => {
      if (ledger.size > 0) void scheduler.flushLedger();
    });
    connectInBackground(redis, logger);

    return {
      listeningDetails: { testToggles: config.enableTestToggles },
      app: createApp({ logger, redis, health, metrics, redisPingTimeoutMs: config.redis.pingTimeoutMs }),
      shutdownSteps: (server) => [
        { name: 'stop scheduler and wait for running tasks', run: () => scheduler.stop() },
        {
          name: 'flush task ledger',
          async run() {
            if (ledger.size === 0) return;
            const report = await scheduler.flushLedger();
            if (report.remaining > 0) {
              logger.error({ lost: ledger.entries(), err: report.error }, 'redis unavailable at shutdown: these task outcomes were not recorded');
            }
          },
        },
        { name: 'close http server', run: () => server.close() },
        { name: 'quit redis', run: () => closeRedis(redis, 2000) },
      ],
      async whenListening() {
        // Give Redis a moment at boot so the first tick does not fail just because the connection is still opening;
        // if it is really down, ticks run anyway and are recorded as failed once it is back.
        const redisReady = await waitUntilReady(redis, 5000);
        // A SIGTERM during the wait has begun the shutdown (its first step, stopping the scheduler, may be done).
        if (health.shuttingDown) return;
        if (!redisReady) logger.warn('redis still unreachable: starting the scheduler anyway');
        scheduler.start();
      },
    };
  },
});
