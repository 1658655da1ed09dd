import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusResponse } from '../../../contracts/api-gateway.js';
import { OverviewSchema } from '../../../contracts/dashboard.js';
import { collectOverview, fetchJson, worstHealth, type CollectOptions, type UpstreamResult } from './collect.js';

/** A local server whose behaviour each test picks by path. */
async function startUpstream(): Promise<{ url: string; server: Server; hanging: Set<ServerResponse> }> {
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/hang/') || req.url === '/hang') {
      hanging.add(res); // accepts the request, never answers
      return;
    }
    if (req.url === '/hang-body') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"status":'); // headers and half a body, then nothing
      hanging.add(res);
      return;
    }
    if (req.url === '/not-json') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>');
      return;
    }
    res.writeHead(req.url === '/unready' ? 503 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(req.url === '/unready' ? { status: 'not_ready', reasons: ['redis: not connected (reconnecting)'], checks: [] } : { status: 'ok' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, hanging };
}

describe('fetching an upstream with a deadline', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  beforeAll(async () => {
    upstream = await startUpstream();
  });
  afterAll(async () => {
    for (const res of upstream.hanging) res.destroy();
    upstream.server.closeAllConnections();
    await new Promise((resolve) => upstream.server.close(resolve));
  });

  it('gives up on an upstream that never answers, within the deadline', async () => {
    const startedAt = performance.now();
    const result = await fetchJson(`${upstream.url}/hang`, 300);
    const elapsed = performance.now() - startedAt;
    expect(result).toMatchObject({ ok: false, httpStatus: null, error: 'timed out after 300 ms' });
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(2000); // a loaded host stalls timers; without the deadline it never ends
  });

  it('gives up on a body that stops half-way, within the deadline', async () => {
    const startedAt = performance.now();
    const result = await fetchJson(`${upstream.url}/hang-body`, 300);
    expect(result).toMatchObject({ ok: false, error: 'timed out after 300 ms' });
    expect(performance.now() - startedAt).toBeLessThan(2000);
  });

  it('reports refused connections, error statuses and bodies that are not JSON', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await fetchJson(`http://127.0.0.1:${closedPort}/health/ready`, 1000);
    expect(refused).toMatchObject({ ok: false, httpStatus: null, error: expect.stringMatching(/ECONNREFUSED/) });

    const unready = await fetchJson(`${upstream.url}/unready`, 1000);
    expect(unready).toMatchObject({ ok: false, httpStatus: 503, error: 'HTTP 503', body: { status: 'not_ready' } });

    expect(await fetchJson(`${upstream.url}/not-json`, 1000)).toMatchObject({ ok: false, httpStatus: 200, error: 'HTTP 200 with a body that is not JSON' });
    expect(await fetchJson(`${upstream.url}/fine`, 1000)).toMatchObject({ ok: true, httpStatus: 200, body: { status: 'ok' }, error: null });
  });

  it('answers the overview within about one timeout when an upstream hangs, the calls running in parallel', async () => {
    const startedAt = performance.now();
    const overview = await collectOverview({
      gatewayUrl: `${upstream.url}/hang`,
      workerUrl: `${upstream.url}/hang`,
      timeoutMs: 1000,
      staleTaskSeconds: 60,
      redisSlowMs: 100,
    });
    const elapsed = performance.now() - startedAt;
    expect(elapsed).toBeLessThan(2500); // three sequential calls would take 3000 ms
    expect(OverviewSchema.parse(overview).services.map((service) => [service.id, service.status, service.error])).toEqual([
      ['gateway', 'down', 'timed out after 1000 ms'],
      ['worker', 'down', 'timed out after 1000 ms'],
      ['redis', 'unknown', 'the gateway did not report it (see the gateway)'],
    ]);
    expect(overview.overall).toBe('down');
    expect(overview.tasks).toBeNull();
  });
});

describe('deriving each service status', () => {
  const now = new Date('2025-01-01T12:00:00.000Z');
  const status = (overrides: Partial<StatusResponse> = {}): StatusResponse => ({
    status: 'ok',
    checkedAt: now.toISOString(),
    gateway: { service: 'api-gateway', version: '1.2.3', pod: 'gw-1', uptimeSeconds: 10, status: 'up' },
    redis: { connected: true, latencyMs: 1.5, error: null },
    worker: {
      byType: {
        data_processing: { success: 5, failed: 1 },
        cleanup: { success: 6, failed: 0 },
        health_check: { success: 6, failed: 0 },
        metrics_collection: { success: 6, failed: 0 },
      },
      totals: { success: 23, failed: 1 },
      lastTask: { type: 'cleanup', status: 'success', finishedAt: now.toISOString(), ageSeconds: 3 },
    },
    ...overrides,
  });
  const ok = (body: unknown, ms = 5): UpstreamResult => ({ ok: true, httpStatus: 200, responseTimeMs: ms, body, error: null });
  const unready = (reason: string): UpstreamResult => ({
    ok: false,
    httpStatus: 503,
    responseTimeMs: 4,
    body: { status: 'not_ready', reasons: [reason], checks: [] },
    error: 'HTTP 503',
  });
  const unreachable: UpstreamResult = { ok: false, httpStatus: null, responseTimeMs: 2000, body: null, error: 'timed out after 2000 ms' };

  function overviewWith(answers: { status: UpstreamResult; gatewayReady: UpstreamResult; workerReady: UpstreamResult }, options: Partial<CollectOptions> = {}) {
    return collectOverview({
      gatewayUrl: 'http://gateway',
      workerUrl: 'http://worker',
      timeoutMs: 2000,
      staleTaskSeconds: 60,
      redisSlowMs: 100,
      now: () => now,
      fetchJson: async (url) =>
        url === 'http://gateway/api/status' ? answers.status : url === 'http://gateway/health/ready' ? answers.gatewayReady : answers.workerReady,
      ...options,
    });
  }
  const summary = (overview: Awaited<ReturnType<typeof collectOverview>>) =>
    Object.fromEntries(overview.services.map((service) => [service.id, `${service.status}${service.error ? `: ${service.error}` : ''}`]));

  it('is all up when everything answers', async () => {
    const overview = await overviewWith({ status: ok(status(), 12), gatewayReady: ok({}), workerReady: ok({}, 7) });
    expect(summary(overview)).toEqual({ gateway: 'up', worker: 'up', redis: 'up' });
    expect(overview.overall).toBe('up');
    expect(overview.services.map((service) => service.responseTimeMs)).toEqual([12, 7, 1.5]);
    expect(overview.tasks?.rows[0]).toEqual({ type: 'data_processing', success: 5, failed: 1 });
    expect(OverviewSchema.parse(overview)).toEqual(overview);
  });

  it('shows Redis down and the others degraded when Redis is lost', async () => {
    const overview = await overviewWith({
      status: ok(status({ status: 'degraded', redis: { connected: false, latencyMs: null, error: 'not connected (reconnecting)' }, worker: null })),
      gatewayReady: unready('redis: not connected (reconnecting)'),
      workerReady: unready('redis: not connected (reconnecting)'),
    });
    expect(summary(overview)).toEqual({
      gateway: 'degraded: not ready: redis: not connected (reconnecting)',
      worker: 'degraded: not ready: redis: not connected (reconnecting)',
      redis: 'down: not connected (reconnecting)',
    });
    expect(overview.overall).toBe('down');
    expect(overview.tasks).toBeNull();
  });

  it('marks the worker degraded when its last task is stale, and Redis degraded when slow', async () => {
    const stale = status({
      redis: { connected: true, latencyMs: 250, error: null },
      worker: { ...status().worker!, lastTask: { type: 'cleanup', status: 'success', finishedAt: now.toISOString(), ageSeconds: 95 } },
    });
    const overview = await overviewWith({ status: ok(stale), gatewayReady: ok({}), workerReady: ok({}) });
    expect(summary(overview)).toEqual({
      gateway: 'up',
      worker: 'degraded: no task recorded for 95 s',
      redis: 'degraded: slow: PING took more than 100 ms',
    });
    expect(overview.overall).toBe('degraded');
  });

  it('shows the worker down and Redis unknown when only the gateway is unreachable... and vice versa', async () => {
    const gatewayGone = await overviewWith({ status: unreachable, gatewayReady: unreachable, workerReady: ok({}) });
    expect(summary(gatewayGone)).toEqual({
      gateway: 'down: timed out after 2000 ms',
      worker: 'up',
      redis: 'unknown: the gateway did not report it (see the gateway)',
    });
    const workerGone = await overviewWith({ status: ok(status()), gatewayReady: ok({}), workerReady: unreachable });
    expect(summary(workerGone)).toEqual({ gateway: 'up', worker: 'down: timed out after 2000 ms', redis: 'up' });
  });

  it('flags a gateway answer that breaks its contract', async () => {
    const overview = await overviewWith({ status: ok({ status: 'ok', surprise: true }), gatewayReady: ok({}), workerReady: ok({}) });
    expect(summary(overview).gateway).toBe('degraded: GET /api/status answered a body that does not match its contract');
  });

  it('ranks statuses from up to down', () => {
    expect(worstHealth(['up', 'up'])).toBe('up');
    expect(worstHealth(['up', 'unknown'])).toBe('unknown');
    expect(worstHealth(['unknown', 'degraded', 'up'])).toBe('degraded');
    expect(worstHealth(['degraded', 'down'])).toBe('down');
  });
});
