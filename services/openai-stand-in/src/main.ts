import { runService } from '../../shared/src/run-service.js';
import { createStandInApp } from './app.js';
import { loadConfig, SERVICE_NAME } from './config.js';
import { ProviderState } from './provider-state.js';

await runService({
  name: SERVICE_NAME,
  loadConfig,
  wire({ config, logger, health }) {
    if (config.testControls) logger.warn({}, 'test controls enabled: /test/mode and /test/requests are mounted');
    return {
      app: createStandInApp({ logger, health, state: new ProviderState(), apiKey: config.apiKey, testControls: config.testControls }),
      shutdownSteps: (server) => [{ name: 'close http server', run: () => server.close() }],
      listeningDetails: { testControls: config.testControls },
    };
  },
});
