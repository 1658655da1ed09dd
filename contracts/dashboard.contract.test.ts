import type { StartedRedisContainer } from '@testcontainers/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../harness/redis.js';
import { dashboardContract, OverviewSchema, type Overview } from './dashboard.js';
import { ContractChecker, metricNames } from './testing/contract-checker.js';
import { expectServesItsContract } from './testing/docs-routes.js';
import { startDashboard, startGateway, startWorker, type RunningService } from './testing/start-services.js';

const statuses = (overview: Overview) => Object.fromEntries(overview.services.map((service) => [service.id, service.status]));

describe('dashboard contract, against the running service and real upstreams', () => {
  let redis: StartedRedisContainer;
  let gateway: RunningService;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let dashboard: RunningService;
  const api = new ContractChecker(dashboardContract, () => dashboard.url);

  beforeAll(async () => {
    redis = await startRedis();
    [gateway, worker] = await Promise.all([
      startGateway(redis.getConnectionUrl(), { enableTestToggles: false }),
      startWorker(redis.getConnectionUrl()),
    ]);
    await worker.scheduler.runTick(Date.now());
    dashboard = await startDashboard({ gatewayUrl: gateway.url, workerUrl: worker.url });
  });
  afterAll(async () => {
    await Promise.all([dashboard?.close(), gateway?.close(), worker?.close()]);
    await redis?.stop().catch(() => undefined);
  });

  it('GET / serves the page, which loads its script and stylesheet', async () => {
    const page = await api.request('GET', '/');
    expect(page.text).toContain('<link rel="stylesheet" href="style.css">');
    for (const asset of ['/app.js', '/style.css']) expect((await fetch(`${dashboard.url}${asset}`)).status).toBe(200);
  });

  it('GET /api/overview shows every service up with the worker counters', async () => {
    const { status, body } = await api.request('GET', '/api/overview');
    expect(status).toBe(200);
    const overview = OverviewSchema.parse(body);
    expect(statuses(overview)).toEqual({ gateway: 'up', worker: 'up', redis: 'up' });
    expect(overview.overall).toBe('up');
    expect(overview.tasks?.totals).toEqual({ success: 4, failed: 0 });
    expect(overview.refreshSeconds).toBe(5);
  });

  it('GET /health/live, /health/ready and /metrics', async () => {
    expect((await api.request('GET', '/health/live')).status).toBe(200);
    expect((await api.request('GET', '/health/ready')).body).toEqual({ status: 'ready', checks: [] });
    const { text } = await api.request('GET', '/metrics');
    for (const name of dashboardContract.requiredMetrics) expect(metricNames(text), name).toContain(name);
    expect(text).toMatch(/dashboard_requests_total\{method="GET",endpoint="static",status="200"\}/);
    expect(text).toMatch(/dashboard_requests_total\{method="GET",endpoint="\/api\/overview",status="200"\}/);
  });

  it('answers malformed input with 400 and unknown routes with a JSON 404', async () => {
    expect((await api.request('POST', '/api/overview', { body: '[1,', contentType: 'application/json' })).status).toBe(400);
    expect((await api.request('GET', '/missing.js')).status).toBe(404);
  });

  it('keeps answering, and stays ready itself, as Redis and then the gateway go away', async () => {
    await redis.stop();
    const withoutRedis = OverviewSchema.parse((await api.request('GET', '/api/overview')).body);
    expect(statuses(withoutRedis)).toEqual({ gateway: 'degraded', worker: 'degraded', redis: 'down' });
    expect(withoutRedis.tasks).toBeNull();

    await gateway.close();
    const withoutGateway = OverviewSchema.parse((await api.request('GET', '/api/overview')).body);
    expect(statuses(withoutGateway)).toEqual({ gateway: 'down', worker: 'degraded', redis: 'unknown' });
    expect((await api.request('GET', '/health/ready')).status).toBe(200);
  });

  it('turns unready when shutting down', async () => {
    dashboard.health.beginShutdown();
    expect((await api.request('GET', '/health/ready')).status).toBe(503);
  });

  it('GET /openapi.json serves this contract and GET /docs the reference page rendered from it', () => expectServesItsContract(api, dashboardContract));

  it('every documented response was exercised', () => {
    api.expectEverythingCovered();
  });
});
