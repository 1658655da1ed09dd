import { closeRedis, connectInBackground, createRedisClient } from '../../shared/src/redis.js';
import { runService } from '../../shared/src/run-service.js';
import { createApp } from './app.js';
import { SERVICE_NAME, loadConfig } from './config.js';

await runService({
  name: SERVICE_NAME,
  loadConfig,
  wire({ config, logger, health }) {
    // Every Redis call of the gateway has its own deadline (routes/status.ts, the readiness PING).
    const redis = createRedisClient({ ...config.redis, connectionName: `${SERVICE_NAME}:${config.identity.pod}`, timeEachCommand: false }, logger);
    connectInBackground(redis, logger);
    return {
      app: createApp({
        identity: config.identity,
        logger,
        redis,
        health,
        redisPingTimeoutMs: config.redis.pingTimeoutMs,
        redisReadTimeoutMs: config.redis.commandTimeoutMs,
        enableTestToggles: config.enableTestToggles,
      }),
      listeningDetails: { testToggles: config.enableTestToggles },
      shutdownSteps: (server) => [
        { name: 'close http server', run: () => server.close() },
        { name: 'quit redis', run: () => closeRedis(redis, 2000) },
      ],
    };
  },
});
