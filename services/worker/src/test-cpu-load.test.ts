import type { StartedRedisContainer } from '@testcontainers/redis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRedis } from '../../../harness/redis.js';
import { redisKeys } from '../../shared/src/redis-keys.js';
import type { Redis } from '../../shared/src/redis.js';
import { connectedClient, silentLogger } from '../../shared/src/testing/helpers.js';
import { loadConfig } from './config.js';
import type { Task, TaskContext } from './tasks/index.js';
import { MAX_TEST_CPU_MS, testCpuMs, withTestCpuLoad } from './test-cpu-load.js';

describe('the test toggle that adds CPU work to every task run', () => {
  let container: StartedRedisContainer;
  let redis: Redis;
  const context = (): TaskContext => ({ redis, logger: silentLogger(), tickMs: 0, dataRetentionMs: 60_000, now: Date.now });
  const real: Task = async () => ({ done: true });
  const tasks = withTestCpuLoad({ data_processing: real, cleanup: real, health_check: real, metrics_collection: real });

  beforeAll(async () => {
    container = await startRedis();
    redis = await connectedClient(container.getConnectionUrl());
  });
  afterAll(async () => {
    redis?.disconnect();
    await container?.stop();
  });
  beforeEach(async () => {
    await redis.del(redisKeys.testTaskCpuMs);
  });

  it('is off unless the test overlay enables it (ENABLE_TEST_TOGGLES)', () => {
    expect(loadConfig({ REDIS_URL: 'redis://redis:6379' }).enableTestToggles).toBe(false);
    expect(loadConfig({ REDIS_URL: 'redis://redis:6379', ENABLE_TEST_TOGGLES: 'true' }).enableTestToggles).toBe(true);
  });

  it('adds nothing while the Redis key is unset', async () => {
    const cpuBefore = process.cpuUsage();
    expect(await tasks.cleanup(context())).toEqual({ done: true });
    expect(process.cpuUsage(cpuBefore).user / 1000).toBeLessThan(50);
  });

  it('spins the CPU for the stored milliseconds before the real work, and says so in the summary', async () => {
    await redis.set(redisKeys.testTaskCpuMs, '150');
    const cpuBefore = process.cpuUsage();
    // CPU time, not wall time: the spin counts the whole process's CPU (what the HPA reads), which other threads (GC,
    // libuv) add to, so the wall time can be shorter (seen: 143 ms for 150 on a busy machine).
    expect(await tasks.health_check(context())).toEqual({ done: true, testCpuMs: 150 });
    const used = process.cpuUsage(cpuBefore);
    expect((used.user + used.system) / 1000, 'CPU time used (ms)').toBeGreaterThanOrEqual(150);
  });

  it('adds up the runs of one tick that spin side by side', async () => {
    await redis.set(redisKeys.testTaskCpuMs, '60');
    const cpuBefore = process.cpuUsage();
    await Promise.all([tasks.cleanup(context()), tasks.health_check(context()), tasks.data_processing(context()), tasks.metrics_collection(context())]);
    const used = process.cpuUsage(cpuBefore);
    expect((used.user + used.system) / 1000, 'CPU time used (ms) by 4 runs of 60 ms').toBeGreaterThanOrEqual(240);
  });

  it('reads a missing or mistyped value as none, and bounds a large one', () => {
    expect([testCpuMs(null), testCpuMs('abc'), testCpuMs('-5'), testCpuMs('40'), testCpuMs('999999')]).toEqual([0, 0, 0, 40, MAX_TEST_CPU_MS]);
  });
});
