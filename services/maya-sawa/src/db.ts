import pg from 'pg';
import type { DatabaseConfig } from './config.js';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

/** A small pool: the pod's containers each hold their own, and PostgreSQL's default limit is 100 connections. */
export function createPool(config: DatabaseConfig, options: { max?: number; applicationName?: string } = {}): Pool {
  return new pg.Pool({
    connectionString: config.url,
    max: options.max ?? 5,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: options.applicationName ?? 'maya-sawa',
  });
}

export type DbPing = { ok: true; latencyMs: number } | { ok: false; error: string };

export async function pingDatabase(pool: Pool): Promise<DbPing> {
  const started = performance.now();
  try {
    await pool.query('SELECT 1');
    return { ok: true, latencyMs: Math.round((performance.now() - started) * 100) / 100 };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Waits until the database accepts connections (it may still be starting: refused, unresolvable, or "the database
 * system is starting up"), up to `timeoutMs`. Resolves with the last error's message if it never does.
 */
export async function waitForDatabase(pool: Pool, timeoutMs: number, onRetry?: (error: string) => void): Promise<DbPing> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ping = await pingDatabase(pool);
    if (ping.ok || Date.now() >= deadline) return ping;
    onRetry?.(ping.error);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
