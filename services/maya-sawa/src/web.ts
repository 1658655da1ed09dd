// Main container: the HTTP API on PORT (8000) and the static assets collectstatic built.
import { closeRedis, connectInBackground, createRedisClient } from '../../shared/src/redis.js';
import { runService } from '../../shared/src/run-service.js';
import { AiClient } from './ai-client.js';
import { createWebApp } from './app.js';
import { loadWebConfig } from './config.js';
import { createPool } from './db.js';
import { JobsRepository } from './jobs-repository.js';
import { createQueue } from './queue.js';
import { inspectStartup } from './startup.js';

await runService({
  name: 'maya-sawa-web',
  loadConfig: loadWebConfig,
  async wire({ config, logger, health }) {
    const pool = createPool(config.database, { applicationName: 'maya-sawa-web' });
    pool.on('error', (error) => logger.warn({ err: error.message }, 'idle PostgreSQL connection failed'));
    const redis = createRedisClient({ ...config.redis, connectionName: `maya-sawa-web:${config.identity.pod}` }, logger);
    connectInBackground(redis, logger);
    const queue = createQueue(config.broker);
    queue.on('error', (error) => logger.warn({ err: error.message }, 'queue connection error'));

    const startup = await inspectStartup(pool, config.staticDir);
    logger.info({ schema: { version: startup.schema.version, required: startup.schema.required }, staticAssets: startup.staticAssets }, 'startup inspection');

    return {
      app: createWebApp({
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
        // Readiness never looks at the AI provider: its outage must not take the site out of rotation.
        ai: new AiClient(config.ai),
        aiSyncTimeoutMs: config.aiSyncTimeoutMs,
      }),
      shutdownSteps: (server) => [
        { name: 'close http server', run: () => server.close() },
        { name: 'close queue', run: () => queue.close() },
        { name: 'quit redis', run: () => closeRedis(redis, 2000) },
        { name: 'close postgres pool', run: () => pool.end() },
      ],
    };
  },
});
