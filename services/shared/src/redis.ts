// Everything that touches ioredis lives here, so a service without Redis (the dashboard) never loads it: keep
// Redis-specific code out of the other shared modules (dashboard/src/import-boundary.test.ts checks it).
import { Redis } from 'ioredis';
import type { RedisConfig } from './config.js';
import { errorMessage } from './error-message.js';
import type { ReadinessCheck } from './health.js';
import type { Logger } from './logger.js';
import { roundMs } from './timing.js';

export type { Redis } from 'ioredis';

export interface RedisClientOptions extends RedisConfig {
  /** Shown by CLIENT LIST, e.g. "api-gateway:pod-abc". */
  connectionName: string;
  /**
   * Whether each command fails on its own after commandTimeoutMs (the default), or the caller bounds every wait
   * itself (`withinDeadline`): the gateway, whose every Redis call is inside a request with its deadline. ioredis's
   * per-command timer costs an object and a timer per command, and turns the command into a slow dictionary-mode
   * object when it clears the timer: under the containers' memory limit the gateway spent a sixth of its CPU per
   * /api/status request on it (bench/results).
   */
  timeEachCommand?: boolean;
}

/** Reconnect forever with capped exponential backoff: 100 ms, 200 ms, ... up to 2 s between attempts. */
export const reconnectDelayMs = (attempt: number): number => Math.min(100 * 2 ** Math.min(attempt - 1, 5), 2000);

/**
 * An ioredis client that never makes a caller wait for Redis:
 * - lazyConnect: nothing happens until connect() (main calls it without waiting, so the service starts, unready,
 *   while Redis is down);
 * - no offline queue and no per-command retries: a command issued while disconnected fails at once, and the caller
 *   decides (readiness answers 503, the worker records a failed task), instead of commands piling up in memory;
 * - commandTimeout (unless timeEachCommand is false, when the caller bounds its waits): a Redis that accepts
 *   connections but does not answer (paused, overloaded) fails commands too;
 * - autopipelining: the commands issued in one tick (e.g. by concurrent requests) go out in one write: under the
 *   bench's load the bare server, without it, spends ~40 µs a request in socket writes, the gateway ~14. It holds
 *   each batch's commands until the whole batch has answered (more for the collector to copy), and without it the
 *   gateway was no cheaper (README, "Services").
 * Status changes are logged once each, not every reconnection attempt.
 */
export function createRedisClient(options: RedisClientOptions, logger: Logger): Redis {
  const client = new Redis(options.url, {
    ...(options.password !== undefined ? { password: options.password } : {}),
    connectionName: options.connectionName,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    ...(options.timeEachCommand !== false ? { commandTimeout: options.commandTimeoutMs } : {}),
    connectTimeout: Math.max(options.commandTimeoutMs, 1000),
    retryStrategy: reconnectDelayMs,
    enableAutoPipelining: true,
  });
  trackConnectionStatus(client, logger);
  return client;
}

/** Clients being closed on purpose: their 'close' is not a lost connection. */
const closingOnPurpose = new WeakSet<Redis>();

function trackConnectionStatus(client: Redis, logger: Logger): void {
  let connected = false;
  let lastError = '';
  client.on('ready', () => {
    connected = true;
    lastError = '';
    logger.info({ redis: 'ready' }, 'redis connected');
  });
  client.on('close', () => {
    if (connected && !closingOnPurpose.has(client)) logger.warn({ redis: 'closed' }, 'redis connection lost');
    connected = false;
  });
  // Without an 'error' listener ioredis prints every failed reconnection attempt itself.
  client.on('error', (error: Error) => {
    if (error.message === lastError) return;
    lastError = error.message;
    logger.warn({ redis: client.status, err: error.message }, 'redis error');
  });
}

/** Starts connecting in the background; failures are retried by the client and visible through readiness. */
export function connectInBackground(client: Redis, logger: Logger): void {
  client.connect().catch((error: unknown) => {
    logger.warn({ err: redisErrorMessage(error) }, 'redis not reachable yet; retrying in the background');
  });
}

export const isRedisConnected = (client: Redis): boolean => client.status === 'ready';

/** Resolves true once the client is ready, or false after `timeoutMs` (it keeps trying in the background). */
export function waitUntilReady(client: Redis, timeoutMs: number): Promise<boolean> {
  if (isRedisConnected(client)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    client.once('ready', onReady);
  });
}

export type PingResult = { ok: true; latencyMs: number } | { ok: false; latencyMs: null; error: string };

/**
 * `work`'s outcome, or an Error "<what> timed out after <timeoutMs> ms" if it has not settled by then. One timer and one
 * promise: the cheapest deadline on a hot path (no Promise.race).
 */
export function withinDeadline<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} timed out after ${timeoutMs} ms`)), timeoutMs);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** PING with its own deadline, independent of the client's command timeout. Never throws. */
export async function pingRedis(client: Redis, timeoutMs: number): Promise<PingResult> {
  if (!isRedisConnected(client)) return { ok: false, latencyMs: null, error: `not connected (${client.status})` };
  const startedAt = performance.now();
  try {
    await withinDeadline(client.ping(), timeoutMs, 'ping');
    return { ok: true, latencyMs: roundMs(performance.now() - startedAt) };
  } catch (error) {
    return { ok: false, latencyMs: null, error: redisErrorMessage(error) };
  }
}

export function redisReadinessCheck(redis: Redis, timeoutMs: number): ReadinessCheck {
  return {
    name: 'redis',
    async run() {
      const ping = await pingRedis(redis, timeoutMs);
      return ping.ok
        ? { name: 'redis', status: 'up', latencyMs: ping.latencyMs, error: null }
        : { name: 'redis', status: 'down', latencyMs: null, error: ping.error };
    },
  };
}

/** QUIT (lets pending replies arrive) and wait for the connection to end, within `timeoutMs`; else drop it. */
export async function closeRedis(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'end') return;
  closingOnPurpose.add(client);
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const ended = new Promise<'ended'>((resolve) => client.once('end', () => resolve('ended')));
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  client.quit().catch(() => client.disconnect());
  const outcome = await Promise.race([ended, deadline]);
  clearTimeout(timer);
  if (outcome === 'timeout') client.disconnect();
}

// What ioredis says when a command is issued while disconnected (no offline queue): say it plainly.
const OFFLINE_MESSAGE = "Stream isn't writeable and enableOfflineQueue options is false";

export function redisErrorMessage(error: unknown): string {
  const message = errorMessage(error);
  return message === OFFLINE_MESSAGE ? 'not connected' : message;
}

type ExecReply = [error: Error | null, result: unknown][] | null;

/** EXEC of a MULTI that rejects when any queued command failed (ioredis resolves with per-command errors). */
export async function execOrThrow(transaction: { exec(): Promise<ExecReply> }): Promise<unknown[]> {
  const replies = await transaction.exec();
  if (replies === null) throw new Error('transaction aborted');
  const failed = replies.find(([error]) => error !== null);
  if (failed?.[0]) throw failed[0];
  return replies.map(([, result]) => result);
}
