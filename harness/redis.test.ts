import { Redis } from 'ioredis';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedRedisContainer } from '@testcontainers/redis';
import { startRedis } from './redis.js';

describe('the Redis the tests get', () => {
  let open: StartedRedisContainer;
  let secured: StartedRedisContainer;

  beforeAll(async () => {
    [open, secured] = await Promise.all([startRedis(), startRedis({ password: 's3cret' })]);
  });
  afterAll(async () => {
    await Promise.all([open?.stop(), secured?.stop()]);
  });

  it('accepts clients from outside the container (port-mapped, not loopback inside it)', async () => {
    const client = new Redis(open.getConnectionUrl());
    try {
      expect(await client.set('answer', '42')).toBe('OK');
      expect(await client.get('answer')).toBe('42');
    } finally {
      client.disconnect();
    }
  });

  it('enforces the password when one is set', async () => {
    expect(await rawCommand(secured.getHost(), secured.getPort(), 'PING')).toMatch(/^-NOAUTH/);
    const client = new Redis(secured.getConnectionUrl());
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
  });
});

/** One inline command over a plain socket, so the server's own reply is seen (a client library would retry or hide it). */
function rawCommand(host: string, port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port }, () => socket.write(`${command}\r\n`));
    socket.once('data', (reply) => {
      resolve(reply.toString());
      socket.destroy();
    });
    socket.once('error', reject);
  });
}
