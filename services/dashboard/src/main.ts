import { runService } from '../../shared/src/run-service.js';
import { createApp } from './app.js';
import { collectOverview } from './collect.js';
import { SERVICE_NAME, loadConfig } from './config.js';

await runService({
  name: SERVICE_NAME,
  loadConfig,
  wire({ config, logger, health }) {
    return {
      app: createApp({
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
      }),
      listeningDetails: { gatewayUrl: config.gatewayUrl, workerUrl: config.workerUrl, staticDir: config.staticDir },
      shutdownSteps: (server) => [{ name: 'close http server', run: () => server.close() }],
    };
  },
});
