import type { Request, RequestHandler, Response } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The `endpoint` label of requests no route matched: one fixed value, so unknown URLs cannot grow the label set. */
export const UNMATCHED_ENDPOINT = 'unmatched';

/** Set `res.locals.metricsEndpoint` to label requests that no router handles (e.g. static files). */
export interface MetricsLocals {
  metricsEndpoint?: string;
}

/**
 * The route template that handled the request ("/api/status", "/items/:id"), never the raw path.
 * Read when the response finishes: Express sets req.route when it dispatches to a route.
 */
export function endpointLabel(req: Request, res: Response): string {
  const override = (res.locals as MetricsLocals).metricsEndpoint;
  if (override) return override;
  const route: unknown = req.route;
  if (route && typeof route === 'object' && 'path' in route && typeof route.path === 'string') {
    return `${req.baseUrl}${route.path}`;
  }
  return UNMATCHED_ENDPOINT;
}

export interface AppMetrics {
  registry: Registry;
  /** Counts, times and tracks in-flight requests; mount before the routers. */
  httpMiddleware: RequestHandler;
  /** GET /metrics */
  handler: RequestHandler;
}

/** A registry per app (so several apps can live in one test process), with the default process metrics. */
export function createAppMetrics(prefix: string): AppMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: `${prefix}_requests_total`,
    help: 'HTTP requests by method, route template and status code',
    labelNames: ['method', 'endpoint', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: `${prefix}_request_duration_seconds`,
    help: 'HTTP request duration by method, route template and status code',
    labelNames: ['method', 'endpoint', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const inProgress = new Gauge({
    name: `${prefix}_requests_in_progress`,
    help: 'HTTP requests being served',
    registers: [registry],
  });

  const httpMiddleware: RequestHandler = (req, res, next) => {
    const startedAt = process.hrtime.bigint();
    inProgress.inc();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      inProgress.dec();
      const labels = { method: req.method, endpoint: endpointLabel(req, res), status: String(res.statusCode) };
      requests.inc(labels);
      duration.observe(labels, Number(process.hrtime.bigint() - startedAt) / 1e9);
    };
    res.once('finish', finish);
    res.once('close', finish);
    next();
  };

  const handler: RequestHandler = async (_req, res) => {
    res.set('Content-Type', registry.contentType);
    res.send(await registry.metrics());
  };

  return { registry, httpMiddleware, handler };
}
