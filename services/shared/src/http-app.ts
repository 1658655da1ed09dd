import express, { type Express } from 'express';
import { JSON_BODY_LIMIT_BYTES } from '../../../contracts/limits.js';
import { isCanonicalPath } from './canonical-path.js';
import { docsRouter, type OpenApiDocument } from './docs/docs-router.js';
import { DocsAssets } from './docs/renderer-assets.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { requestLogger, type Logger } from './logger.js';
import type { AppMetrics } from './metrics.js';

export interface ServiceAppOptions {
  logger: Logger;
  metrics: AppMetrics;
  /** The service's committed contract (contracts/openapi), served at /openapi.json and rendered at /docs. */
  openapi: OpenApiDocument;
  /** Prefixes that serve the docs too (the gateway's /api: the only prefix the Ingress routes to it). */
  docsAlsoUnder?: readonly string[];
  /**
   * Adds the service's own routes to the app itself (route groups are `add...Routes(app, ...)` functions, not Routers):
   * Express enters every Router mounted at '/' on every request that reaches it, which cost the gateway about 6 µs of
   * its 80 per /api/status (bench/results).
   */
  mountRoutes(app: Express): void;
}

/**
 * The Express app every service shares: request metrics and logs around everything, OPTIONS and paths that are not
 * canonical refused alike everywhere, JSON bodies parsed (a malformed one answers 400, one over JSON_BODY_LIMIT_BYTES
 * 413), the service's routes, its API reference (GET /openapi.json, /docs), GET /metrics, then the JSON 404 and
 * error handlers.
 */
export function createServiceApp(options: ServiceAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // No weak ETag (a SHA-1 of every body): these answers are dynamic JSON that no client revalidates.
  app.set('etag', false);
  const track = options.metrics.requestTracker(requestLogger(options.logger));
  const parseJsonBody = express.json({ limit: JSON_BODY_LIMIT_BYTES });
  // One layer that every request passes (each layer costs every request a `next` of its own and prefix handling):
  // - metrics and the request log;
  // - OPTIONS and paths that are not canonical (canonical-path.ts) get the JSON 404 of any method a path lacks,
  //   everywhere: no route takes OPTIONS (no cross-origin caller is served), and Express's Routers would otherwise
  //   answer it 200 text/plain for their own paths only;
  // - the JSON body parsed.
  app.use((req, res, next) => {
    track(req, res);
    if (req.method === 'OPTIONS' || !isCanonicalPath(req.path)) notFoundHandler(req, res, next);
    else parseJsonBody(req, res, next);
  });
  // The service's routes first: the requests that matter under load never pass through the docs router.
  options.mountRoutes(app);
  const docs = docsRouter(options.openapi, new DocsAssets());
  // One mount per prefix: Express 5 mounts a path array holding '/' only under the other paths.
  for (const prefix of ['/', ...(options.docsAlsoUnder ?? [])]) app.use(prefix, docs);
  app.get('/metrics', options.metrics.handler);
  app.use(notFoundHandler);
  app.use(errorHandler(options.logger));
  return app;
}
