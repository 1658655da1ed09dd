import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Router } from 'express';
import { createServiceApp } from './http-app.js';
import { createAppMetrics, type AppMetrics } from './metrics.js';
import { start, type RunningServer } from './server.js';
import { silentLogger } from './testing/helpers.js';
import { demoOpenApi } from './testing/openapi.js';

describe('HTTP metrics', () => {
  let server: RunningServer;
  let metrics: AppMetrics;

  beforeAll(async () => {
    metrics = createAppMetrics('demo');
    const app = createServiceApp({
      logger: silentLogger(),
      openapi: demoOpenApi,
      metrics,
      mountRoutes(app) {
        const items = Router();
        items.get('/:id', (req, res) => void res.json({ id: req.params.id }));
        app.use('/items', items);
        app.get('/orders/:orderId/lines/:line', (_req, res) => void res.json({}));
      },
    });
    server = await start(app, 0, '127.0.0.1');
  });
  afterAll(() => server?.close());

  const scrape = async () => {
    const response = await fetch(`${server.url}/metrics`);
    return { contentType: response.headers.get('content-type'), text: await response.text() };
  };

  it('labels requests with the route template, never the raw path', async () => {
    for (const path of ['/items/1', '/items/2', '/items/3', '/orders/9/lines/4']) expect((await fetch(`${server.url}${path}`)).status).toBe(200);
    const { text } = await scrape();
    expect(text).toContain('demo_requests_total{method="GET",endpoint="/items/:id",status="200"} 3');
    expect(text).toContain('demo_requests_total{method="GET",endpoint="/orders/:orderId/lines/:line",status="200"} 1');
    expect(text).not.toMatch(/endpoint="\/items\/\d/);
    expect(text).toMatch(/demo_request_duration_seconds_count\{method="GET",endpoint="\/items\/:id",status="200"\} 3/);
  });

  it('gives every unknown URL the same label, so they cannot grow the label set', async () => {
    for (let i = 0; i < 5; i++) expect((await fetch(`${server.url}/random-${i}/${Math.random()}`)).status).toBe(404);
    const { text } = await scrape();
    expect(text).toContain('demo_requests_total{method="GET",endpoint="unmatched",status="404"} 5');
    expect(text).not.toContain('random-');
  });

  it('counts requests in progress and returns to zero', async () => {
    const { text } = await scrape();
    // The scrape itself is the one request in progress.
    expect(text).toMatch(/^demo_requests_in_progress 1$/m);
    expect(await metrics.registry.getSingleMetricAsString('demo_requests_in_progress')).toMatch(/demo_requests_in_progress 0$/);
  });

  it('serves Prometheus text with the default process metrics', async () => {
    const { contentType, text } = await scrape();
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });
});
