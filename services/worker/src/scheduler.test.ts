import type { StartedRedisContainer } from '@testcontainers/redis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRedis } from '../../../harness/redis.js';
import { TASK_TYPES, type TaskType } from '../../../contracts/task-types.js';
import { redisKeys } from '../../shared/src/redis-keys.js';
import type { Redis } from '../../shared/src/redis.js';
import { connectedClient } from '../../shared/src/testing/helpers.js';
import { tickOf } from './scheduler.js';
import type { Task } from './tasks/index.js';
import { createTestScheduler, recordedCounts, uniqueTick } from './testing/fixtures.js';

/** Tasks that only count their runs, slow enough for two replicas to overlap. */
function countingTasks(runs: Map<string, number>): Record<TaskType, Task> {
  const task =
    (type: TaskType): Task =>
    async ({ tickMs }) => {
      const key = `${type}@${tickMs}`;
      runs.set(key, (runs.get(key) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, 30));
      return {};
    };
  return Object.fromEntries(TASK_TYPES.map((type) => [type, task(type)])) as Record<TaskType, Task>;
}

describe('two worker replicas', () => {
  let container: StartedRedisContainer;
  let redisA: Redis;
  let redisB: Redis;

  beforeAll(async () => {
    container = await startRedis();
    [redisA, redisB] = await Promise.all([connectedClient(container.getConnectionUrl()), connectedClient(container.getConnectionUrl())]);
  });
  afterAll(async () => {
    redisA?.disconnect();
    redisB?.disconnect();
    await container?.stop();
  });
  beforeEach(async () => {
    await redisA.flushall();
  });

  it('run each task type once per tick: the Redis lock lets one replica win, the other skips', async () => {
    const runs = new Map<string, number>();
    const a = createTestScheduler(redisA, { replicaId: 'replica-a', tasks: countingTasks(runs) });
    const b = createTestScheduler(redisB, { replicaId: 'replica-b', tasks: countingTasks(runs) });
    const ticks = [uniqueTick(), uniqueTick(), uniqueTick()];

    for (const tick of ticks) {
      const [reportA, reportB] = await Promise.all([a.scheduler.runTick(tick), b.scheduler.runTick(tick)]);
      for (const type of TASK_TYPES) {
        expect([reportA.results[type], reportB.results[type]].sort()).toEqual(['skipped', 'success']);
        const winner = reportA.results[type] === 'success' ? 'replica-a' : 'replica-b';
        expect(await redisA.get(redisKeys.tickLock(type, tick))).toBe(winner);
      }
    }

    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    expect(runs.size).toBe(ticks.length * TASK_TYPES.length);
    expect(await recordedCounts(redisA)).toEqual(Object.fromEntries(TASK_TYPES.map((type) => [`${type}:success`, ticks.length])));
  });

  it('run each tick once when both follow the real schedule', async () => {
    const runs = new Map<string, number>();
    const a = createTestScheduler(redisA, { replicaId: 'replica-a', intervalSeconds: 1, tasks: countingTasks(runs) });
    const b = createTestScheduler(redisB, { replicaId: 'replica-b', intervalSeconds: 1, tasks: countingTasks(runs) });
    a.scheduler.start();
    b.scheduler.start();
    await new Promise((resolve) => setTimeout(resolve, 3300));
    await Promise.all([a.scheduler.stop(), b.scheduler.stop()]);

    const ticks = new Set([...runs.keys()].map((key) => key.split('@')[1]));
    expect(ticks.size).toBeGreaterThanOrEqual(3);
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    expect(runs.size).toBe(ticks.size * TASK_TYPES.length);
    const counts = await recordedCounts(redisA);
    for (const type of TASK_TYPES) expect(counts[`${type}:success`]).toBe(ticks.size);
  });

  it('compute the same tick from slightly different fire times', () => {
    const tick = Date.UTC(2025, 0, 1, 12, 0, 10);
    expect(tickOf(new Date(tick - 3), 10_000)).toBe(tick);
    expect(tickOf(new Date(tick + 40), 10_000)).toBe(tick);
  });
});

describe('stopping the scheduler', () => {
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

  it('waits for the tasks in progress and records them', async () => {
    let finished = false;
    const slow: Task = async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      finished = true;
      return {};
    };
    const tasks = { data_processing: slow, cleanup: slow, health_check: slow, metrics_collection: slow };
    const { scheduler } = createTestScheduler(redis, { tasks });
    void scheduler.runTick(uniqueTick());
    await new Promise((resolve) => setTimeout(resolve, 50));
    await scheduler.stop();
    expect(finished).toBe(true);
    expect(await recordedCounts(redis)).toEqual(Object.fromEntries(TASK_TYPES.map((type) => [`${type}:success`, 1])));
  });
});
