import type { StartedRedisContainer } from '@testcontainers/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../../../harness/redis.js';
import { freePort } from '../../shared/src/testing/helpers.js';
import { logLines, spawnService } from '../../shared/src/testing/spawn-service.js';

describe('api-gateway process', () => {
  let redis: StartedRedisContainer;

  beforeAll(async () => {
    redis = await startRedis({ password: 'from-a-secret' });
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('refuses to start without REDIS_URL, saying so in a JSON log line, exit code 1', async () => {
    const service = spawnService('api-gateway', { PORT: '8080' });
    expect(await service.exited).toBe(1);
    const fatal = logLines(service.output()).find((line) => line.level === 'fatal');
    expect(fatal?.msg).toBe('invalid configuration: REDIS_URL is required');
  });

  it('serves with REDIS_PASSWORD from a Secret, then shuts down gracefully on SIGTERM', async () => {
    const port = await freePort();
    const service = spawnService('api-gateway', {
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: `redis://${redis.getHost()}:${redis.getPort()}`,
      REDIS_PASSWORD: 'from-a-secret',
      SHUTDOWN_DRAIN_SECONDS: '1',
      SHUTDOWN_TIMEOUT_SECONDS: '10',
    });
    try {
      await service.waitForLog('redis connected');
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/health/ready`)).status).toBe(200);

      service.child.kill('SIGTERM');
      await service.waitForLog('shutting down');
      expect((await fetch(`${base}/health/ready`)).status).toBe(503); // still serving during the drain, but unready
      expect((await fetch(`${base}/health/live`)).status).toBe(200);

      expect(await service.exited).toBe(0);
      const messages = logLines(service.output()).map((line) => line.msg);
      expect(messages).toEqual(expect.arrayContaining(['shutdown complete']));
      expect(messages.indexOf('shutdown complete')).toBe(messages.length - 1);
      expect(service.output()).not.toContain('from-a-secret');
    } finally {
      service.child.kill('SIGKILL');
    }
  });
});
