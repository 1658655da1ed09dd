import type { StartedRedisContainer } from '@testcontainers/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../../../harness/redis.js';
import { NotReadySchema, ReadySchema } from '../../../contracts/common.js';
import { HealthState, addHealthRoutes } from './health.js';
import { createServiceApp } from './http-app.js';
import { createAppMetrics } from './metrics.js';
import { redisReadinessCheck, type Redis } from './redis.js';
import { start, type RunningServer } from './server.js';
import { connectedClient, eventually, redisUrlOnPort, silentLogger } from './testing/helpers.js';
import { startTcpProxy, type TcpProxy } from './testing/tcp-proxy.js';
import { demoOpenApi } from './testing/openapi.js';

describe('liveness and readiness', () => {
  let container: StartedRedisContainer;
  let proxy: TcpProxy;
  let redis: Redis;
  let server: RunningServer;
  const health = new HealthState();

  beforeAll(async () => {
    container = await startRedis();
    proxy = await startTcpProxy(container.getHost(), container.getPort());
    redis = await connectedClient(redisUrlOnPort(proxy.port));
    const app = createServiceApp({
      logger: silentLogger(),
      openapi: demoOpenApi,
      metrics: createAppMetrics('health_demo'),
      mountRoutes(app) {
        addHealthRoutes(app, health, [redisReadinessCheck(redis, 300)]);
      },
    });
    server = await start(app, 0, '127.0.0.1');
  });
  afterAll(async () => {
    await server?.close();
    redis?.disconnect();
    await proxy?.close();
    await container?.stop();
  });

  const probe = async (path: string) => {
    const response = await fetch(`${server.url}${path}`);
    return { status: response.status, body: (await response.json()) as unknown };
  };

  it('is ready while Redis answers', async () => {
    const ready = await probe('/health/ready');
    expect(ready.status).toBe(200);
    expect(ReadySchema.parse(ready.body).checks).toEqual([expect.objectContaining({ name: 'redis', status: 'up', error: null })]);
  });

  it('turns unready when Redis is lost, names it, keeps liveness up, and recovers when Redis is back', async () => {
    await proxy.cut();
    const down = await probe('/health/ready');
    expect(down.status).toBe(503);
    const body = NotReadySchema.parse(down.body);
    expect(body.reasons).toEqual([expect.stringMatching(/^redis: /)]);
    expect(body.checks[0]).toMatchObject({ name: 'redis', status: 'down', latencyMs: null });

    expect(await probe('/health/live')).toEqual({ status: 200, body: { status: 'ok' } });

    await proxy.restore();
    const back = await eventually(() => probe('/health/ready'), (answer) => answer.status === 200);
    expect(back.status).toBe(200);
  });

  it('turns unready within the ping deadline when Redis hangs', async () => {
    proxy.stall(); // the connection stays open, but nothing comes back
    const startedAt = performance.now();
    const hung = await probe('/health/ready');
    expect(performance.now() - startedAt).toBeLessThan(1500);
    expect(hung.status).toBe(503);
    expect(NotReadySchema.parse(hung.body).reasons[0]).toMatch(/redis: .*timed out/);
    await proxy.cut();
    await proxy.restore();
    expect((await eventually(() => probe('/health/ready'), (answer) => answer.status === 200)).status).toBe(200);
  });

  it('honours the readiness toggle without touching liveness, and the liveness toggle on its own', async () => {
    health.readinessDisabled = true;
    const disabled = await probe('/health/ready');
    expect(disabled.status).toBe(503);
    expect(NotReadySchema.parse(disabled.body).reasons).toEqual(['readiness disabled by test toggle']);
    expect((await probe('/health/live')).status).toBe(200);
    health.readinessDisabled = false;

    health.livenessDisabled = true;
    expect(await probe('/health/live')).toEqual({ status: 503, body: { status: 'failing', reason: 'liveness disabled by test toggle' } });
    expect((await probe('/health/ready')).status).toBe(200);
    health.livenessDisabled = false;
  });

  it('turns unready as soon as shutdown begins, even with Redis up; liveness stays up', async () => {
    health.beginShutdown();
    const answer = await probe('/health/ready');
    expect(answer.status).toBe(503);
    expect(NotReadySchema.parse(answer.body)).toEqual({ status: 'not_ready', reasons: ['shutting down'], checks: [] });
    expect((await probe('/health/live')).status).toBe(200);
  });
});
