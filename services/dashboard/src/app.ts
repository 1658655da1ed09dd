import express, { type Express, type RequestHandler } from 'express';
import type { Overview } from '../../../contracts/dashboard.js';
import openapi from '../../../contracts/openapi/dashboard.openapi.json' with { type: 'json' };
import { addHealthRoutes, type HealthState } from '../../shared/src/health.js';
import { createServiceApp } from '../../shared/src/http-app.js';
import type { Logger } from '../../shared/src/logger.js';
import { createAppMetrics, type MetricsLocals } from '../../shared/src/metrics.js';

export interface DashboardDeps {
  logger: Logger;
  health: HealthState;
  staticDir: string;
  collectOverview(): Promise<Overview>;
}

// The page loads only its own files and calls only its own API.
const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set({
    'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  });
  next();
};

/** The dashboard: the page (static files), GET /api/overview, probes and metrics. Never listens. */
export function createApp(deps: DashboardDeps): Express {
  const metrics = createAppMetrics('dashboard');
  // No redirect to add a slash to a directory: the page has none, so such a path is an unknown one (JSON 404).
  const serveStatic = express.static(deps.staticDir, { index: 'index.html', maxAge: 0, fallthrough: true, redirect: false });
  // Static files have no route template: label them "static", and anything static does not find stays "unmatched".
  const staticFiles: RequestHandler = (req, res, next) => {
    const locals = res.locals as MetricsLocals;
    locals.metricsEndpoint = 'static';
    serveStatic(req, res, (error?: unknown) => {
      locals.metricsEndpoint = undefined;
      next(error);
    });
  };

  return createServiceApp({
    logger: deps.logger,
    metrics,
    openapi,
    mountRoutes(app) {
      app.use(securityHeaders);
      // Readiness depends on nothing else: the page itself reports the other services.
      addHealthRoutes(app, deps.health, []);
      app.get('/api/overview', async (_req, res) => {
        res.set('Cache-Control', 'no-store');
        res.json(await deps.collectOverview());
      });
      app.use(staticFiles);
    },
  });
}
