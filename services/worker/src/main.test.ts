import type { StartedRedisContainer } from '@testcontainers/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../../../harness/redis.js';
import { redisKeys } from '../../shared/src/redis-keys.js';
import { connectedClient, freePort, redisUrlOnPort } from '../../shared/src/testing/helpers.js';
import { logLines, spawnService } from '../../shared/src/testing/spawn-service.js';

describe('worker process', () => {
  let redis: StartedRedisContainer;

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('refuses an interval that does not divide a minute, naming the variable, exit code 1', async () => {
    const service = spawnService('worker', { REDIS_URL: redis.getConnectionUrl(), TASK_INTERVAL_SECONDS: '7' });
    expect(await service.exited).toBe(1);
    expect(logLines(service.output()).find((line) => line.level === 'fatal')?.msg).toMatch(/^invalid configuration: TASK_INTERVAL_SECONDS must divide 60/);
  });

  it('runs the tasks on schedule, then stops scheduling and exits cleanly on SIGTERM', async () => {
    const port = await freePort();
    const service = spawnService('worker', {
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: redis.getConnectionUrl(),
      TASK_INTERVAL_SECONDS: '1',
      SHUTDOWN_DRAIN_SECONDS: '0',
      SHUTDOWN_TIMEOUT_SECONDS: '10',
    });
    const client = await connectedClient(redis.getConnectionUrl());
    try {
      await service.waitForLog('task succeeded');
      expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);
      service.child.kill('SIGTERM');
      expect(await service.exited).toBe(0);

      const counts = await client.hgetall(redisKeys.taskCounts);
      expect(Number(counts['health_check:success'])).toBeGreaterThanOrEqual(1);
      const lines = logLines(service.output());
      const stopped = lines.findIndex((line) => line.step === 'stop scheduler and wait for running tasks');
      expect(stopped).toBeGreaterThan(0);
      expect(lines.slice(stopped).some((line) => line.msg === 'task succeeded')).toBe(false);
      expect(lines.at(-1)?.msg).toBe('shutdown complete');
    } finally {
      client.disconnect();
      service.child.kill('SIGKILL');
    }
  });

  it('shuts down gracefully on a SIGTERM while it waits for Redis at boot, and never starts the scheduler', async () => {
    const [port, nobody] = await Promise.all([freePort(), freePort()]);
    const service = spawnService('worker', {
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: redisUrlOnPort(nobody),
      TASK_INTERVAL_SECONDS: '1',
      // Longer than the 5 s boot wait for Redis, so the wait ends while the shutdown drains.
      SHUTDOWN_DRAIN_SECONDS: '6',
      SHUTDOWN_TIMEOUT_SECONDS: '15',
    });
    try {
      await service.waitForLog('worker listening');
      service.child.kill('SIGTERM');
      expect(await service.exited).toBe(0);
      const messages = logLines(service.output()).map((line) => line.msg);
      expect(messages).toContain('shutting down: readiness now fails');
      expect(messages).not.toContain('scheduler started');
      expect(messages.at(-1)).toBe('shutdown complete');
    } finally {
      service.child.kill('SIGKILL');
    }
  });
});
