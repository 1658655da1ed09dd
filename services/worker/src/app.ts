import type { Express } from 'express';
import openapi from '../../../contracts/openapi/worker.openapi.json' with { type: 'json' };
import { addHealthRoutes, type HealthState } from '../../shared/src/health.js';
import { createServiceApp } from '../../shared/src/http-app.js';
import type { Logger } from '../../shared/src/logger.js';
import { redisReadinessCheck, type Redis } from '../../shared/src/redis.js';
import type { WorkerMetrics } from './worker-metrics.js';

export interface WorkerAppDeps {
  logger: Logger;
  redis: Redis;
  health: HealthState;
  metrics: WorkerMetrics;
  redisPingTimeoutMs: number;
}

/** The worker's HTTP side: probes and metrics. Never listens: main.ts (or a test) starts it. */
export function createApp(deps: WorkerAppDeps): Express {
  return createServiceApp({
    logger: deps.logger,
    metrics: deps.metrics.app,
    openapi,
    mountRoutes(app) {
      addHealthRoutes(app, deps.health, [redisReadinessCheck(deps.redis, deps.redisPingTimeoutMs)]);
    },
  });
}
