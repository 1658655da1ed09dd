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

/** Called once per request when its response has finished (or its connection closed first). */
export type FinishedRequestListener = (req: Request, res: Response, durationMs: number) => void;

export interface AppMetrics {
  registry: Registry;
  /**
   * A tracker that counts, times and tracks a request in flight, then hands it, finished, to `onFinished` (the request
   * log), so a request costs one timer read and one listener. Call it first for every request (http-app.ts).
   */
  requestTracker(onFinished?: FinishedRequestListener): (req: Request, res: Response) => void;
  /** GET /metrics */
  handler: RequestHandler;
}

type LabelName = 'method' | 'endpoint' | 'status';

/** A registry per app (so several apps can live in one test process), with the default process metrics. */
export function createAppMetrics(prefix: string): AppMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const requests = new Counter<LabelName>({
    name: `${prefix}_requests_total`,
    help: 'HTTP requests by method, route template and status code',
    labelNames: ['method', 'endpoint', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram<LabelName>({
    name: `${prefix}_request_duration_seconds`,
    help: 'HTTP request duration by method, route template and status code',
    labelNames: ['method', 'endpoint', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  // A plain number, read at scrape time: cheaper per request than a gauge's inc() and dec().
  let inFlight = 0;
  new Gauge({
    name: `${prefix}_requests_in_progress`,
    help: 'HTTP requests being served',
    registers: [registry],
    collect() {
      this.set(inFlight);
    },
  });
  // The label object of each (method, status, endpoint), made once and found without building a key: prom-client
  // hashes and checks it per call, and every object a request allocates is paid again in garbage collection.
  const labelSets = new Map<string, Map<number, Map<string, Record<LabelName, string>>>>();
  const labelsOf = (method: string, status: number, endpoint: string) => {
    let byStatus = labelSets.get(method);
    if (!byStatus) labelSets.set(method, (byStatus = new Map()));
    let byEndpoint = byStatus.get(status);
    if (!byEndpoint) byStatus.set(status, (byEndpoint = new Map()));
    let labels = byEndpoint.get(endpoint);
    if (!labels) byEndpoint.set(endpoint, (labels = { method, endpoint, status: String(status) }));
    return labels;
  };

  const requestTracker = (onFinished?: FinishedRequestListener) => (req: Request, res: Response) => {
    const startedAt = performance.now();
    inFlight++;
    // A response emits 'close' once: after it finished, or when its connection closed first.
    res.on('close', () => {
      inFlight--;
      const durationMs = performance.now() - startedAt;
      const labels = labelsOf(req.method, res.statusCode, endpointLabel(req, res));
      requests.inc(labels);
      duration.observe(labels, durationMs / 1000);
      onFinished?.(req, res, durationMs);
    });
  };

  const handler: RequestHandler = async (_req, res) => {
    res.set('Content-Type', registry.contentType);
    res.send(await registry.metrics());
  };

  return { registry, requestTracker, handler };
}
