import { createLogger, type Logger } from '../logger.js';
import { createRedisClient, type Redis } from '../redis.js';

export const silentLogger = (): Logger => createLogger({ name: 'test', version: 'test', pod: 'test' }, 'silent');

/** A client configured like the services' (no offline queue, short timeouts), connected. */
export async function connectedClient(url: string, options: { password?: string; commandTimeoutMs?: number } = {}): Promise<Redis> {
  const client = createRedisClient(
    { url, password: options.password, pingTimeoutMs: 500, commandTimeoutMs: options.commandTimeoutMs ?? 1000, connectionName: 'test' },
    silentLogger(),
  );
  await client.connect();
  return client;
}

export const redisUrlOnPort = (port: number): string => `redis://127.0.0.1:${port}`;

export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!accept(last)) {
    if (Date.now() > deadline) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await probe();
  }
  return last;
}

/** A TCP port free on 127.0.0.1 right now (for a child process that needs a fixed PORT). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
