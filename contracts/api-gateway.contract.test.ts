import type { StartedRedisContainer } from '@testcontainers/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../harness/redis.js';
import { eventually } from '../services/shared/src/testing/helpers.js';
import { apiGatewayContract, ProbeToggleSchema, StatusResponseSchema } from './api-gateway.js';
import { NotReadySchema } from './common.js';
import { ContractChecker, metricNames } from './testing/contract-checker.js';
import { expectServesItsContract } from './testing/docs-routes.js';
import { startGateway, startWorker, type RunningService } from './testing/start-services.js';

describe('api-gateway contract, against the running service and a real Redis', () => {
  let redis: StartedRedisContainer;
  let gateway: RunningService;
  let gatewayWithoutToggles: RunningService;
  const api = new ContractChecker(apiGatewayContract, () => gateway.url);
  const apiWithoutToggles = api.at(() => gatewayWithoutToggles.url);

  beforeAll(async () => {
    redis = await startRedis();
    [gateway, gatewayWithoutToggles] = await Promise.all([
      startGateway(redis.getConnectionUrl(), { enableTestToggles: true }),
      startGateway(redis.getConnectionUrl(), { enableTestToggles: false }),
    ]);
    // Real worker records, so /api/status carries a last task and non-zero counters.
    const worker = await startWorker(redis.getConnectionUrl());
    await worker.scheduler.runTick(Date.now());
    await worker.close();
  });
  afterAll(async () => {
    await Promise.all([gateway?.close(), gatewayWithoutToggles?.close()]);
    await redis?.stop().catch(() => undefined);
  });

  it('GET /health/live and /health/ready answer 200', async () => {
    expect((await api.request('GET', '/health/live')).body).toEqual({ status: 'ok' });
    expect((await api.request('GET', '/health/ready')).status).toBe(200);
  });

  it('GET /api/status reports the gateway, Redis and the worker counters', async () => {
    const { status, body } = await api.request('GET', '/api/status');
    expect(status).toBe(200);
    const parsed = StatusResponseSchema.parse(body);
    expect(parsed.status).toBe('ok');
    expect(parsed.redis.connected).toBe(true);
    expect(parsed.worker?.totals.success).toBe(4);
    expect(parsed.worker?.lastTask).not.toBeNull();
  });

  it('GET /api/info describes the running service', async () => {
    const { body } = await api.request('GET', '/api/info');
    expect(body).toMatchObject({ service: 'api-gateway', version: '0.1.0', nodeVersion: process.version });
  });

  it('GET /metrics serves Prometheus text with the required metrics', async () => {
    const { text } = await api.request('GET', '/metrics');
    const names = metricNames(text);
    for (const name of apiGatewayContract.requiredMetrics) expect(names, name).toContain(name);
    expect(text).toMatch(/^api_gateway_requests_total\{method="GET",endpoint="\/api\/status",status="200"\} \d+$/m);
    expect(text).toMatch(/^api_gateway_redis_connection_status 1$/m);
  });

  it('the test toggles fail readiness or liveness on demand, and only when enabled', async () => {
    expect(ProbeToggleSchema.parse((await api.request('POST', '/test/readiness/disable')).body)).toEqual({ probe: 'readiness', enabled: false });
    const unready = await api.request('GET', '/health/ready');
    expect(unready.status).toBe(503);
    expect(NotReadySchema.parse(unready.body).reasons).toEqual(['readiness disabled by test toggle']);
    expect((await api.request('GET', '/health/live')).status).toBe(200);
    expect((await api.request('POST', '/test/readiness/enable')).body).toEqual({ probe: 'readiness', enabled: true });
    expect((await api.request('GET', '/health/ready')).status).toBe(200);

    expect((await api.request('POST', '/test/liveness/disable')).body).toEqual({ probe: 'liveness', enabled: false });
    expect((await api.request('GET', '/health/live')).status).toBe(503);
    expect((await api.request('POST', '/test/liveness/enable')).body).toEqual({ probe: 'liveness', enabled: true });
    expect((await api.request('GET', '/health/live')).status).toBe(200);

    for (const path of ['/test/readiness/disable', '/test/readiness/enable', '/test/liveness/disable', '/test/liveness/enable']) {
      expect((await apiWithoutToggles.request('POST', path)).status).toBe(404);
    }
    expect((await apiWithoutToggles.request('GET', '/health/ready')).status).toBe(200);
  });

  it('answers malformed input with a 400 naming the problem, and unknown routes with a JSON 404', async () => {
    const togglePaths = ['/test/readiness/disable', '/test/readiness/enable', '/test/liveness/disable', '/test/liveness/enable'];
    for (const path of [...togglePaths, '/api/status']) {
      const malformed = await api.request('POST', path, { body: '{"enabled": tru', contentType: 'application/json' });
      expect(malformed.status).toBe(400);
      expect(malformed.body).toMatchObject({ error: 'malformed_json', message: expect.stringMatching(/^Malformed JSON body: /) });
    }
    expect((await api.request('GET', '/health/ready')).status).toBe(200); // a malformed toggle request changed nothing

    const unknown = await api.request('GET', '/api/nope/../../etc/passwd');
    expect(unknown.status).toBe(404);
    expect((await api.request('POST', '/health/live')).status).toBe(404);
  });

  it('when Redis stops: readiness 503 naming Redis, liveness still 200, status degraded', async () => {
    await redis.stop();
    const ready = await api.request('GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(NotReadySchema.parse(ready.body).reasons[0]).toMatch(/^redis: /);
    expect((await api.request('GET', '/health/live')).status).toBe(200);

    const status = StatusResponseSchema.parse((await api.request('GET', '/api/status')).body);
    expect(status).toMatchObject({ status: 'degraded', worker: null, redis: { connected: false } });
    const metrics = await eventually(async () => (await api.request('GET', '/metrics')).text, (text) => /^api_gateway_redis_connection_status 0$/m.test(text));
    expect(metrics).toMatch(/^api_gateway_redis_connection_status 0$/m);
  });

  it('GET /openapi.json serves this contract and GET /docs the reference page rendered from it, also under /api (the Ingress routes only /api to the gateway)', async () => {
    for (const prefix of ['', '/api']) await expectServesItsContract(api, apiGatewayContract, prefix);
  });

  it('every documented response was exercised', () => {
    api.expectEverythingCovered();
  });
});
