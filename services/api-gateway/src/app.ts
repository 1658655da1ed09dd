import type { Express } from 'express';
import openapi from '../../../contracts/openapi/api-gateway.openapi.json' with { type: 'json' };
import { Gauge } from 'prom-client';
import type { ServiceIdentity } from '../../shared/src/config.js';
import { addHealthRoutes, type HealthState } from '../../shared/src/health.js';
import { createServiceApp } from '../../shared/src/http-app.js';
import type { Logger } from '../../shared/src/logger.js';
import { createAppMetrics } from '../../shared/src/metrics.js';
import { isRedisConnected, redisReadinessCheck, type Redis } from '../../shared/src/redis.js';
import { addInfoRoute } from './routes/info.js';
import { addStatusRoute } from './routes/status.js';
import { addTestToggleRoutes } from './routes/test-toggles.js';

export interface GatewayDeps {
  identity: ServiceIdentity;
  logger: Logger;
  redis: Redis;
  health: HealthState;
  redisPingTimeoutMs: number;
  redisReadTimeoutMs: number;
  enableTestToggles: boolean;
}

/** The api-gateway's Express app. Never listens: main.ts (or a test) starts it. */
export function createApp(deps: GatewayDeps): Express {
  const metrics = createAppMetrics('api_gateway');
  new Gauge({
    name: 'api_gateway_redis_connection_status',
    help: '1 when the Redis client is connected and ready, else 0',
    registers: [metrics.registry],
    collect() {
      this.set(isRedisConnected(deps.redis) ? 1 : 0);
    },
  });

  return createServiceApp({
    logger: deps.logger,
    metrics,
    openapi,
    docsAlsoUnder: ['/api'],
    mountRoutes(app) {
      addHealthRoutes(app, deps.health, [redisReadinessCheck(deps.redis, deps.redisPingTimeoutMs)]);
      addStatusRoute(app, { identity: deps.identity, redis: deps.redis, pingTimeoutMs: deps.redisPingTimeoutMs, readTimeoutMs: deps.redisReadTimeoutMs });
      addInfoRoute(app, deps.identity);
      if (deps.enableTestToggles) addTestToggleRoutes(app, deps.health, deps.logger);
    },
  });
}
