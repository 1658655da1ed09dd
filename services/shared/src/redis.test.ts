import type { StartedRedisContainer } from '@testcontainers/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../../../harness/redis.js';
import { closeRedis, createRedisClient, isRedisConnected, pingRedis, reconnectDelayMs, waitUntilReady, withinDeadline } from './redis.js';
import { connectedClient, eventually, redisUrlOnPort, silentLogger } from './testing/helpers.js';
import { startTcpProxy } from './testing/tcp-proxy.js';

describe('the Redis client factory', () => {
  let open: StartedRedisContainer;
  let secured: StartedRedisContainer;

  beforeAll(async () => {
    [open, secured] = await Promise.all([startRedis(), startRedis({ password: 'from-a-secret' })]);
  });
  afterAll(async () => {
    await Promise.all([open?.stop(), secured?.stop()]);
  });

  it('authenticates with REDIS_PASSWORD when the URL carries none', async () => {
    const url = `redis://${secured.getHost()}:${secured.getPort()}`;
    const client = await connectedClient(url, { password: 'from-a-secret' });
    expect(await client.ping()).toBe('PONG');
    await closeRedis(client, 1000);
    expect(client.status).toBe('end');
  });

  it('fails a command at once while disconnected instead of queueing it', async () => {
    const proxy = await startTcpProxy(open.getHost(), open.getPort());
    const client = await connectedClient(redisUrlOnPort(proxy.port));
    try {
      await proxy.cut();
      await eventually(async () => isRedisConnected(client), (connected) => !connected);
      const startedAt = performance.now();
      await expect(client.get('anything')).rejects.toThrow();
      expect(performance.now() - startedAt).toBeLessThan(500); // queueing would last the 1 s connect timeout
      expect(await pingRedis(client, 500)).toEqual({ ok: false, latencyMs: null, error: expect.stringMatching(/^not connected/) });

      await proxy.restore();
      expect(await waitUntilReady(client, 5000)).toBe(true);
      expect(await pingRedis(client, 500)).toMatchObject({ ok: true });
    } finally {
      client.disconnect();
      await proxy.close();
    }
  });

  it('fails a command at once while a reconnection hangs, instead of queueing it until the connect timeout', async () => {
    const proxy = await startTcpProxy(open.getHost(), open.getPort());
    const client = await connectedClient(redisUrlOnPort(proxy.port));
    try {
      proxy.stall();
      proxy.dropConnections(); // the client reconnects; the TCP connection opens but Redis never answers
      await eventually(async () => client.status, (status) => status === 'connect');
      const startedAt = performance.now();
      await expect(client.get('anything')).rejects.toThrow();
      expect(performance.now() - startedAt).toBeLessThan(500); // queueing would last the 1 s connect timeout
    } finally {
      client.disconnect();
      await proxy.close();
    }
  });

  it('times a PING out on its own deadline when Redis hangs', async () => {
    const proxy = await startTcpProxy(open.getHost(), open.getPort());
    const client = await connectedClient(redisUrlOnPort(proxy.port), { commandTimeoutMs: 5000 });
    try {
      proxy.stall();
      const startedAt = performance.now();
      const result = await pingRedis(client, 200);
      expect(result).toEqual({ ok: false, latencyMs: null, error: 'ping timed out after 200 ms' });
      expect(performance.now() - startedAt).toBeLessThan(2000); // not the 5 s command timeout
    } finally {
      client.disconnect();
      await proxy.close();
    }
  });

  it('backs off between reconnection attempts up to 2 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map(reconnectDelayMs)).toEqual([100, 200, 400, 800, 1600, 2000, 2000, 2000]);
  });
});

describe('deadlines', () => {
  it('a client times each command unless its caller bounds every wait itself', () => {
    const options = { url: 'redis://127.0.0.1:1', password: undefined, pingTimeoutMs: 500, commandTimeoutMs: 1500, connectionName: 'test' };
    const timed = createRedisClient(options, silentLogger());
    const untimed = createRedisClient({ ...options, timeEachCommand: false }, silentLogger());
    expect(timed.options.commandTimeout).toBe(1500);
    expect(untimed.options.commandTimeout).toBeUndefined();
  });

  it("withinDeadline settles as the work does, or fails with what timed out once its time is up", async () => {
    await expect(withinDeadline(Promise.resolve('PONG'), 100, 'ping')).resolves.toBe('PONG');
    await expect(withinDeadline(Promise.reject(new Error('refused')), 100, 'ping')).rejects.toThrow('refused');
    const startedAt = performance.now();
    await expect(withinDeadline(new Promise(() => undefined), 100, 'HGETALL')).rejects.toThrow('HGETALL timed out after 100 ms');
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(95);
  });
});
