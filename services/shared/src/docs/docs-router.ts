import { Router } from 'express';
import { gunzipSync } from 'node:zlib';
import { docsPageHtml } from './page.js';
import type { DocsAssets } from './renderer-assets.js';

/** What a service needs of its committed OpenAPI document (contracts/openapi/<service>.openapi.json). */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, unknown>;
  servers?: unknown;
}

/** The document as a service serves it: without `servers`, so the origin that served it is the server. */
export function servedDocument<T extends { servers?: unknown }>(document: T): Omit<T, 'servers'> {
  const { servers: _localServers, ...served } = document;
  return served;
}

// The page loads only its own origin's files and calls only its own origin's API (try it out).
const DOCS_CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * GET /openapi.json (the document, without its `servers`: the origin that served it is the server, so "try it out"
 * calls this service wherever it is reached), GET /docs (the reference page) and GET /docs/assets/<file>. Mounted
 * under a prefix, every URL the page uses carries that prefix (req.baseUrl).
 */
export function docsRouter(document: OpenApiDocument, assets: DocsAssets): Router {
  const served = servedDocument(document);
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(served);
  });
  router.get('/docs', (req, res) => {
    res.set({ 'Content-Security-Policy': DOCS_CSP, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' });
    res.type('html').send(docsPageHtml({ title: document.info.title, assets: `${req.baseUrl}/docs/assets`, source: { specUrl: `${req.baseUrl}/openapi.json` } }));
  });
  router.get('/docs/assets/:file', (req, res, next) => {
    const file = assets.get(req.params.file);
    if (!file) {
      next();
      return;
    }
    res.set({ 'Content-Type': file.contentType, ETag: file.etag, 'Cache-Control': 'no-cache', Vary: 'Accept-Encoding', 'X-Content-Type-Options': 'nosniff' });
    if (req.acceptsEncodings('gzip')) {
      res.set('Content-Encoding', 'gzip').send(file.gzipped);
    } else {
      res.send(gunzipSync(file.gzipped));
    }
  });
  return router;
}
