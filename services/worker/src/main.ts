import { configOrExit } from '../../shared/src/config-or-exit.js';
import { HealthState } from '../../shared/src/health.js';
import { createLogger } from '../../shared/src/logger.js';
import { closeRedis, connectInBackground, createRedisClient, waitUntilReady } from '../../shared/src/redis.js';
import { start } from '../../shared/src/server.js';
import { createShutdown, installCrashHandlers } from '../../shared/src/shutdown.js';
import { createApp } from './app.js';
import { SERVICE_NAME, loadConfig } from './config.js';
import { TaskScheduler } from './scheduler.js';
import { TaskLedger } from './task-ledger.js';
import { TASKS } from './tasks/index.js';
import { createWorkerMetrics } from './worker-metrics.js';

const config = configOrExit(SERVICE_NAME, () => loadConfig(process.env));
const logger = createLogger(config.identity, config.logLevel);
installCrashHandlers(logger);

const redis = createRedisClient({ ...config.redis, connectionName: `${SERVICE_NAME}:${config.identity.pod}` }, logger);
const health = new HealthState();
const ledger = new TaskLedger(config.ledgerMaxEntries, logger);
const metrics = createWorkerMetrics(redis, ledger);
const scheduler = new TaskScheduler({
  redis,
  logger,
  ledger,
  metrics,
  tasks: TASKS,
  intervalSeconds: config.taskIntervalSeconds,
  replicaId: config.identity.pod,
  dataRetentionMs: config.dataRetentionMs,
});
redis.on('ready', () => {
  if (ledger.size > 0) void scheduler.flushLedger();
});
connectInBackground(redis, logger);

const app = createApp({ logger, redis, health, metrics, redisPingTimeoutMs: config.redis.pingTimeoutMs });
const server = await start(app, config.port, config.host);
createShutdown({
  logger,
  health,
  drainMs: config.shutdown.drainMs,
  timeoutMs: config.shutdown.timeoutMs,
  steps: [
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
}).installSignalHandlers();
// Logged once the signal handlers are in place: from here on a SIGTERM always shuts down gracefully.
logger.info({ url: server.url, host: config.host, port: server.port }, 'worker listening');

// Give Redis a moment at boot so the first tick does not fail just because the connection is still opening;
// if it is really down, ticks run anyway and are recorded as failed once it is back.
const redisReady = await waitUntilReady(redis, 5000);
// A SIGTERM during the wait has begun the shutdown (its first step, stopping the scheduler, may already be done).
if (!health.shuttingDown) {
  if (!redisReady) logger.warn('redis still unreachable: starting the scheduler anyway');
  scheduler.start();
}
