import type { StartedRedisContainer } from '@testcontainers/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../../../../harness/redis.js';
import { StatusResponseSchema } from '../../../../contracts/api-gateway.js';
import { redisKeys } from '../../../shared/src/redis-keys.js';
import { closeRedis, type Redis } from '../../../shared/src/redis.js';
import { connectedClient } from '../../../shared/src/testing/helpers.js';
import { createTestScheduler, uniqueTick } from '../../../worker/src/testing/fixtures.js';
import { readStatus, summarizeWorkerTasks } from './status.js';

const identity = { name: 'api-gateway', version: '9.9.9', pod: 'gw-test', environment: 'test', startedAt: new Date(Date.now() - 5000) };

describe('GET /api/status reads what the worker writes', () => {
  let container: StartedRedisContainer;
  let redis: Redis;

  beforeAll(async () => {
    container = await startRedis();
    redis = await connectedClient(container.getConnectionUrl());
  });
  afterAll(async () => {
    redis?.disconnect();
    await container?.stop();
  });

  it('reports zero counters and no last task before the worker ran', async () => {
    const status = StatusResponseSchema.parse(await readStatus({ identity, redis, pingTimeoutMs: 500, readTimeoutMs: 500 }));
    expect(status.status).toBe('ok');
    expect(status.worker?.totals).toEqual({ success: 0, failed: 0 });
    expect(status.worker?.lastTask).toBeNull();
    expect(status.redis).toMatchObject({ connected: true, error: null });
    expect(status.gateway).toMatchObject({ version: '9.9.9', pod: 'gw-test' });
    expect(status.gateway.uptimeSeconds).toBeGreaterThanOrEqual(5);
  });

  it('shows the counters and last task the real worker scheduler recorded', async () => {
    const { scheduler } = createTestScheduler(redis);
    await scheduler.runTick(uniqueTick());
    await scheduler.runTick(uniqueTick());
    const status = StatusResponseSchema.parse(await readStatus({ identity, redis, pingTimeoutMs: 500, readTimeoutMs: 500 }));
    expect(status.worker?.byType).toEqual({
      data_processing: { success: 2, failed: 0 },
      cleanup: { success: 2, failed: 0 },
      health_check: { success: 2, failed: 0 },
      metrics_collection: { success: 2, failed: 0 },
    });
    expect(status.worker?.totals).toEqual({ success: 8, failed: 0 });
    expect(status.worker?.lastTask).toMatchObject({ status: 'success' });
    expect(status.worker?.lastTask?.ageSeconds).toBeLessThan(5);
  });

  it('is degraded, with no worker section, when Redis cannot be reached', async () => {
    const gone = await connectedClient(container.getConnectionUrl());
    await closeRedis(gone, 1000);
    const status = StatusResponseSchema.parse(await readStatus({ identity, redis: gone, pingTimeoutMs: 500, readTimeoutMs: 500 }));
    expect(status).toMatchObject({ status: 'degraded', worker: null, redis: { connected: false, latencyMs: null } });
    expect(status.redis.error).toMatch(/not connected/);
  });

  it('is degraded within its read deadline when Redis answers the PING but not the reads (the client times no command)', async () => {
    const silentAfterPing = { status: 'ready', ping: () => redis.ping(), hgetall: () => new Promise<never>(() => undefined) } as unknown as Redis;
    const startedAt = performance.now();
    const status = StatusResponseSchema.parse(await readStatus({ identity, redis: silentAfterPing, pingTimeoutMs: 500, readTimeoutMs: 300 }));
    expect(performance.now() - startedAt).toBeLessThan(1000);
    expect(status).toMatchObject({ status: 'degraded', worker: null, redis: { connected: true, error: 'reading task counters failed: HGETALL timed out after 300 ms' } });
    expect(status.redis.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('is degraded, Redis unreachable, within its PING deadline when Redis answers nothing', async () => {
    const silent = { status: 'ready', ping: () => new Promise<never>(() => undefined), hgetall: () => new Promise<never>(() => undefined) } as unknown as Redis;
    const startedAt = performance.now();
    const status = StatusResponseSchema.parse(await readStatus({ identity, redis: silent, pingTimeoutMs: 300, readTimeoutMs: 500 }));
    expect(performance.now() - startedAt).toBeLessThan(1000);
    expect(status).toMatchObject({ status: 'degraded', worker: null, redis: { connected: false, latencyMs: null, error: 'ping timed out after 300 ms' } });
  });

  it('reports a failed read as such, with Redis reachable, when a hash is not a hash', async () => {
    const other = await connectedClient(container.getConnectionUrl());
    try {
      await other.select(1);
      await other.set(redisKeys.taskCounts, 'not a hash');
      const status = StatusResponseSchema.parse(await readStatus({ identity, redis: other, pingTimeoutMs: 500, readTimeoutMs: 500 }));
      expect(status).toMatchObject({ status: 'degraded', worker: null, redis: { connected: true, error: expect.stringMatching(/^reading task counters failed: WRONGTYPE/) } });
    } finally {
      other.disconnect();
    }
  });
});

describe('summarizing the worker hashes', () => {
  it('ignores fields it does not know and values that are not counts', () => {
    const summary = summarizeWorkerTasks({ 'cleanup:success': '3', 'cleanup:failed': 'x', 'bogus:success': '9' }, { type: 'nope' }, Date.now());
    expect(summary.byType.cleanup).toEqual({ success: 3, failed: 0 });
    expect(summary.totals).toEqual({ success: 3, failed: 0 });
    expect(summary.lastTask).toBeNull();
  });
});
