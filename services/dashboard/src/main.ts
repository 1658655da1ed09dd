import { configOrExit } from '../../shared/src/config-or-exit.js';
import { HealthState } from '../../shared/src/health.js';
import { createLogger } from '../../shared/src/logger.js';
import { start } from '../../shared/src/server.js';
import { createShutdown, installCrashHandlers } from '../../shared/src/shutdown.js';
import { createApp } from './app.js';
import { collectOverview } from './collect.js';
import { SERVICE_NAME, loadConfig } from './config.js';

const config = configOrExit(SERVICE_NAME, () => loadConfig(process.env));
const logger = createLogger(config.identity, config.logLevel);
installCrashHandlers(logger);
const health = new HealthState();

const app = createApp({
  logger,
  health,
  staticDir: config.staticDir,
  collectOverview: () =>
    collectOverview({
      gatewayUrl: config.gatewayUrl,
      workerUrl: config.workerUrl,
      timeoutMs: config.upstreamTimeoutMs,
      staleTaskSeconds: config.staleTaskSeconds,
      redisSlowMs: config.redisSlowMs,
    }),
});
const server = await start(app, config.port, config.host);
logger.info(
  { url: server.url, host: config.host, port: server.port, gatewayUrl: config.gatewayUrl, workerUrl: config.workerUrl, staticDir: config.staticDir },
  'dashboard listening',
);

createShutdown({
  logger,
  health,
  drainMs: config.shutdown.drainMs,
  timeoutMs: config.shutdown.timeoutMs,
  steps: [{ name: 'close http server', run: () => server.close() }],
}).installSignalHandlers();
