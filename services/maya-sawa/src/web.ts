// Main container: the HTTP API on PORT (8000) and the static assets collectstatic built.
import { HealthState } from '../../shared/src/health.js';
import { createLogger } from '../../shared/src/logger.js';
import { closeRedis, connectInBackground, createRedisClient } from '../../shared/src/redis.js';
import { start } from '../../shared/src/server.js';
import { createShutdown, installCrashHandlers } from '../../shared/src/shutdown.js';
import { createWebApp } from './app.js';
import { loadWebConfig } from './config.js';
import { createPool } from './db.js';
import { configOrExit } from '../../shared/src/config-or-exit.js';
import { JobsRepository } from './jobs-repository.js';
import { createQueue } from './queue.js';
import { inspectStartup } from './startup.js';

const config = configOrExit('maya-sawa-web', () => loadWebConfig(process.env));
const logger = createLogger(config.identity, config.logLevel);
installCrashHandlers(logger);

const pool = createPool(config.database, { applicationName: 'maya-sawa-web' });
pool.on('error', (error) => logger.warn({ err: error.message }, 'idle PostgreSQL connection failed'));
const redis = createRedisClient({ ...config.redis, connectionName: `maya-sawa-web:${config.identity.pod}` }, logger);
connectInBackground(redis, logger);
const queue = createQueue(config.redis);
queue.on('error', (error) => logger.warn({ err: error.message }, 'queue connection error'));

const startup = await inspectStartup(pool, config.staticDir);
logger.info({ schema: { version: startup.schema.version, required: startup.schema.required }, staticAssets: startup.staticAssets }, 'startup inspection');

const health = new HealthState();
const app = createWebApp({
  identity: config.identity,
  logger,
  pool,
  redis,
  queue,
  jobs: new JobsRepository(pool),
  health,
  staticDir: config.staticDir,
  startup,
  redisPingTimeoutMs: config.redis.pingTimeoutMs,
});
const server = await start(app, config.port, config.host);
logger.info({ url: server.url, port: server.port }, 'maya-sawa web listening');

createShutdown({
  logger,
  health,
  drainMs: config.shutdown.drainMs,
  timeoutMs: config.shutdown.timeoutMs,
  steps: [
    { name: 'close http server', run: () => server.close() },
    { name: 'close queue', run: () => queue.close() },
    { name: 'quit redis', run: () => closeRedis(redis, 2000) },
    { name: 'close postgres pool', run: () => pool.end() },
  ],
}).installSignalHandlers();
