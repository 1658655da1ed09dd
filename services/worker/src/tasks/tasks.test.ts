import type { StartedRedisContainer } from '@testcontainers/redis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRedis } from '../../../../harness/redis.js';
import { redisKeys } from '../../../shared/src/redis-keys.js';
import type { Redis } from '../../../shared/src/redis.js';
import { connectedClient, silentLogger } from '../../../shared/src/testing/helpers.js';
import { cleanup } from './cleanup.js';
import { BATCH_SIZE, aggregate, dataProcessing } from './data-processing.js';
import { healthCheck } from './health-check.js';
import { metricsCollection, parseInfo } from './metrics-collection.js';
import type { TaskContext } from './task.js';

describe('the tasks, against a real Redis', () => {
  let container: StartedRedisContainer;
  let redis: Redis;
  let clock = 0;

  const context = (overrides: Partial<TaskContext> = {}): TaskContext => ({
    redis,
    logger: silentLogger(),
    tickMs: clock,
    dataRetentionMs: 60_000,
    now: () => clock,
    ...overrides,
  });

  beforeAll(async () => {
    container = await startRedis();
    redis = await connectedClient(container.getConnectionUrl());
  });
  afterAll(async () => {
    redis?.disconnect();
    await container?.stop();
  });
  beforeEach(async () => {
    await redis.flushall();
    clock = 1_700_000_000_000;
  });

  it('data_processing appends a batch and keeps an aggregate over every processed item', async () => {
    await dataProcessing(context());
    clock += 10_000;
    const summary = await dataProcessing(context());

    const items = (await redis.lrange(redisKeys.processedItems, 0, -1)).map(Number);
    expect(items).toHaveLength(2 * BATCH_SIZE);
    const stored = await redis.hgetall(redisKeys.processedAggregate);
    expect(Number(stored.count)).toBe(2 * BATCH_SIZE);
    expect(Number(stored.mean)).toBeCloseTo(aggregate(items).mean, 3);
    expect(Number(stored.min)).toBe(Math.min(...items));
    expect(summary).toMatchObject({ items: BATCH_SIZE, count: 2 * BATCH_SIZE });
    expect(await redis.zcard(redisKeys.batchIndex)).toBe(2);
  });

  it('cleanup deletes only the batches older than the retention', async () => {
    await dataProcessing(context({ tickMs: clock }));
    const oldBatch = String(clock);
    clock += 50_000;
    await dataProcessing(context({ tickMs: clock }));
    const recentBatch = String(clock);
    clock += 20_000; // the first batch is now 70 s old, the second 20 s

    expect(await cleanup(context())).toEqual({ deleted: 1 });
    expect(await redis.exists(redisKeys.batch(oldBatch))).toBe(0);
    expect(await redis.exists(redisKeys.batch(recentBatch))).toBe(1);
    expect(await redis.zrange(redisKeys.batchIndex, '0', '-1')).toEqual([recentBatch]);
    expect(await cleanup(context())).toEqual({ deleted: 0 });
  });

  it('health_check records the PING latency, the latest and a capped history', async () => {
    for (let i = 0; i < 3; i++) await healthCheck(context());
    const latest = await redis.hgetall(redisKeys.healthLatest);
    expect(Number(latest.latencyMs)).toBeGreaterThan(0);
    expect(Number(latest.checkedAt)).toBe(clock);
    expect(await redis.llen(redisKeys.healthLatencies)).toBe(3);
  });

  it('metrics_collection stores a snapshot of INFO', async () => {
    await redis.set('some-key', '1');
    await metricsCollection(context());
    const snapshot = await redis.hgetall(redisKeys.redisSnapshot);
    expect(snapshot.redis_version).toMatch(/^\d+\.\d+/);
    expect(Number(snapshot.used_memory)).toBeGreaterThan(0);
    expect(Number(snapshot.dbsize)).toBeGreaterThanOrEqual(1);
    expect(Number(snapshot.takenAt)).toBe(clock);
  });

  it('fail (throw) when Redis is unavailable, so the scheduler records the run as failed', async () => {
    const closed = await connectedClient(container.getConnectionUrl());
    closed.disconnect();
    for (const task of [dataProcessing, cleanup, healthCheck, metricsCollection]) {
      await expect(task(context({ redis: closed }))).rejects.toThrow();
    }
  });
});

describe('task helpers', () => {
  it('aggregates readings', () => {
    expect(aggregate([])).toEqual({ count: 0, mean: 0, min: 0, max: 0 });
    expect(aggregate([2, 4, 9])).toEqual({ count: 3, mean: 5, min: 2, max: 9 });
  });

  it('parses INFO lines, skipping sections and blanks', () => {
    expect(parseInfo('# Server\r\nredis_version:7.0.15\r\n\r\n# Memory\r\nused_memory:1024\r\nweird line\r\n')).toEqual({
      redis_version: '7.0.15',
      used_memory: '1024',
    });
  });
});
