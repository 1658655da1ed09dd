import type { StartedRedisContainer } from '@testcontainers/redis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRedis } from '../../../harness/redis.js';
import { TASK_TYPES } from '../../../contracts/task-types.js';
import { waitUntilReady, type Redis } from '../../shared/src/redis.js';
import { connectedClient, redisUrlOnPort, silentLogger } from '../../shared/src/testing/helpers.js';
import { startTcpProxy, type TcpProxy } from '../../shared/src/testing/tcp-proxy.js';
import { TaskLedger } from './task-ledger.js';
import { recordOutcome, type TaskOutcome } from './task-outcome.js';
import { createTestScheduler, recordedCounts, uniqueTick } from './testing/fixtures.js';

const outcome = (tickMs: number, overrides: Partial<TaskOutcome> = {}): TaskOutcome => ({
  type: 'cleanup',
  status: 'failed',
  tickMs,
  finishedAtMs: tickMs + 5,
  durationMs: 5,
  error: 'redis down',
  ...overrides,
});

describe('the task ledger (in memory)', () => {
  it('keeps outcomes in order and drops the oldest beyond its bound, counting the loss', () => {
    const ledger = new TaskLedger(3, silentLogger());
    for (const tick of [1, 2, 3, 4, 5]) ledger.add(outcome(tick));
    expect(ledger.entries().map((entry) => entry.tickMs)).toEqual([3, 4, 5]);
    expect(ledger.dropped).toBe(2);
  });

  it('flushes in order and stops at the first failure, keeping the rest', async () => {
    const ledger = new TaskLedger(10, silentLogger());
    for (const tick of [1, 2, 3]) ledger.add(outcome(tick));
    const recorded: number[] = [];
    const report = await ledger.flush(async (entry) => {
      if (entry.tickMs === 2) throw new Error('still down');
      recorded.push(entry.tickMs);
    });
    expect(report).toEqual({ flushed: 1, remaining: 2, error: 'still down' });
    expect(recorded).toEqual([1]);
    expect(ledger.entries().map((entry) => entry.tickMs)).toEqual([2, 3]);
  });

  it('runs one flush at a time', async () => {
    const ledger = new TaskLedger(10, silentLogger());
    ledger.add(outcome(1));
    let calls = 0;
    const slowRecord = async () => {
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
    };
    const [first, second] = await Promise.all([ledger.flush(slowRecord), ledger.flush(slowRecord)]);
    expect(first).toBe(second);
    expect(calls).toBe(1);
  });
});

describe('a tick while Redis is down', () => {
  let container: StartedRedisContainer;
  let proxy: TcpProxy;
  let redis: Redis;
  let direct: Redis;

  beforeAll(async () => {
    container = await startRedis();
    proxy = await startTcpProxy(container.getHost(), container.getPort());
    redis = await connectedClient(redisUrlOnPort(proxy.port));
    direct = await connectedClient(container.getConnectionUrl());
  });
  afterAll(async () => {
    redis?.disconnect();
    direct?.disconnect();
    await proxy?.close();
    await container?.stop();
  });
  beforeEach(async () => {
    await direct.flushall();
  });

  it('is kept as failed in the ledger, and counted as failed once Redis is back', async () => {
    const { scheduler, ledger } = createTestScheduler(redis);
    const tick = uniqueTick();

    await proxy.cut();
    const report = await scheduler.runTick(tick);
    expect(Object.values(report.results)).toEqual(['failed', 'failed', 'failed', 'failed']);
    expect(ledger.size).toBe(4);
    expect(ledger.entries().every((entry) => entry.status === 'failed' && entry.tickMs === tick)).toBe(true);
    expect(await recordedCounts(direct)).toEqual({});

    await proxy.restore();
    expect(await waitUntilReady(redis, 5000)).toBe(true);
    const flush = await scheduler.flushLedger();
    expect(flush).toEqual({ flushed: 4, remaining: 0, error: null });
    expect(ledger.size).toBe(0);
    expect(await recordedCounts(direct)).toEqual(Object.fromEntries(TASK_TYPES.map((type) => [`${type}:failed`, 1])));
  });

  it('is flushed before the next tick runs, so the counters see every run', async () => {
    const { scheduler, ledger } = createTestScheduler(redis);
    await proxy.cut();
    await scheduler.runTick(uniqueTick());
    await proxy.restore();
    expect(await waitUntilReady(redis, 5000)).toBe(true);

    const next = await scheduler.runTick(uniqueTick());
    expect(Object.values(next.results)).toEqual(['success', 'success', 'success', 'success']);
    expect(ledger.size).toBe(0);
    expect(await recordedCounts(direct)).toEqual(
      Object.fromEntries(TASK_TYPES.flatMap((type) => [[`${type}:failed`, 1], [`${type}:success`, 1]])),
    );
  });

  it('counts a replayed outcome once (a flush retried after its reply was lost)', async () => {
    const tick = uniqueTick();
    expect(await recordOutcome(direct, outcome(tick))).toBe(true);
    expect(await recordOutcome(direct, outcome(tick))).toBe(false);
    expect(await recordedCounts(direct)).toEqual({ 'cleanup:failed': 1 });
  });

  it('never moves the last task back in time when an old outcome is flushed late', async () => {
    const recent = uniqueTick();
    await recordOutcome(direct, outcome(recent, { type: 'health_check', status: 'success', error: null }));
    await recordOutcome(direct, outcome(recent - 60_000, { type: 'cleanup' }));
    expect(await direct.hgetall('hm:worker:last-task')).toMatchObject({ type: 'health_check', status: 'success', finishedAt: String(recent + 5) });
  });
});
