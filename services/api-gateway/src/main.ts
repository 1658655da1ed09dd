import { configOrExit } from '../../shared/src/config-or-exit.js';
import { HealthState } from '../../shared/src/health.js';
import { createLogger } from '../../shared/src/logger.js';
import { closeRedis, connectInBackground, createRedisClient } from '../../shared/src/redis.js';
import { start } from '../../shared/src/server.js';
import { createShutdown, installCrashHandlers } from '../../shared/src/shutdown.js';
import { createApp } from './app.js';
import { SERVICE_NAME, loadConfig } from './config.js';

const config = configOrExit(SERVICE_NAME, () => loadConfig(process.env));
const logger = createLogger(config.identity, config.logLevel);
installCrashHandlers(logger);

const redis = createRedisClient({ ...config.redis, connectionName: `${SERVICE_NAME}:${config.identity.pod}` }, logger);
connectInBackground(redis, logger);
const health = new HealthState();

const app = createApp({
  identity: config.identity,
  logger,
  redis,
  health,
  redisPingTimeoutMs: config.redis.pingTimeoutMs,
  enableTestToggles: config.enableTestToggles,
});
const server = await start(app, config.port, config.host);
logger.info({ url: server.url, host: config.host, port: server.port, testToggles: config.enableTestToggles }, 'api-gateway listening');

createShutdown({
  logger,
  health,
  drainMs: config.shutdown.drainMs,
  timeoutMs: config.shutdown.timeoutMs,
  steps: [
    { name: 'close http server', run: () => server.close() },
    { name: 'quit redis', run: () => closeRedis(redis, 2000) },
  ],
}).installSignalHandlers();
