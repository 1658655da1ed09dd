import type { StartedRedisContainer } from '@testcontainers/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../harness/redis.js';
import { NotReadySchema, ReadySchema } from './common.js';
import { ContractChecker, metricNames } from './testing/contract-checker.js';
import { expectServesItsContract } from './testing/docs-routes.js';
import { startWorker } from './testing/start-services.js';
import { TASK_TYPES, workerContract } from './worker.js';

describe('worker contract, against the running service and a real Redis', () => {
  let redis: StartedRedisContainer;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  const api = new ContractChecker(workerContract, () => worker.url);

  beforeAll(async () => {
    redis = await startRedis();
    worker = await startWorker(redis.getConnectionUrl());
  });
  afterAll(async () => {
    await worker?.close();
    await redis?.stop().catch(() => undefined);
  });

  it('GET /health/live and /health/ready answer 200 with Redis up', async () => {
    expect((await api.request('GET', '/health/live')).body).toEqual({ status: 'ok' });
    const ready = await api.request('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ReadySchema.parse(ready.body).checks[0]).toMatchObject({ name: 'redis', status: 'up' });
  });

  it('GET /metrics serves the task metrics, every task type and status present from the start', async () => {
    await worker.scheduler.runTick(Date.now());
    const { text } = await api.request('GET', '/metrics');
    for (const name of workerContract.requiredMetrics) expect(metricNames(text), name).toContain(name);
    for (const type of TASK_TYPES) {
      expect(text).toContain(`worker_tasks_processed_total{task_type="${type}",status="success"} 1`);
      expect(text).toContain(`worker_tasks_processed_total{task_type="${type}",status="failed"} 0`);
    }
    expect(text).toMatch(/^worker_last_task_timestamp \d{10}(\.\d+)?$/m);
  });

  it('answers malformed input with 400 and unknown routes with a JSON 404', async () => {
    expect((await api.request('POST', '/health/ready', { body: '{oops', contentType: 'application/json' })).status).toBe(400);
    expect((await api.request('GET', '/tasks')).status).toBe(404);
  });

  it('when Redis stops: readiness 503 naming Redis, liveness still 200', async () => {
    await redis.stop();
    const ready = await api.request('GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(NotReadySchema.parse(ready.body).reasons[0]).toMatch(/^redis: /);
    expect((await api.request('GET', '/health/live')).status).toBe(200);
  });

  it('GET /openapi.json serves this contract and GET /docs the reference page rendered from it', () => expectServesItsContract(api, workerContract));

  it('every documented response was exercised', () => {
    api.expectEverythingCovered();
  });
});
