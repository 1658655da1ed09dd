import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod/mini';
import { ConfigError, baseEnvShape, integerVar, parseEnv, stringVar, toBaseConfig, urlVar, type BaseConfig, type Env } from '../../shared/src/config.js';

export const SERVICE_NAME = 'dashboard';
export const REFRESH_SECONDS = 5;

/**
 * Where the page lives unless STATIC_DIR says otherwise: `public/` beside the bundle (/app/main.mjs ->
 * /app/public), else services/dashboard/public when running from source (src/config.ts -> ../public).
 */
export function defaultStaticDir(): string {
  const besideBundle = fileURLToPath(new URL('./public/', import.meta.url));
  return existsSync(join(besideBundle, 'index.html')) ? besideBundle : fileURLToPath(new URL('../public/', import.meta.url));
}

const envSchema = z.object({
  ...baseEnvShape(3000),
  GATEWAY_URL: urlVar(['http:', 'https:']),
  WORKER_URL: urlVar(['http:', 'https:']),
  UPSTREAM_TIMEOUT_MS: integerVar({ min: 50, max: 30_000, default: 2000 }),
  STALE_TASK_SECONDS: integerVar({ min: 1, max: 86_400, default: 60 }),
  REDIS_SLOW_MS: integerVar({ min: 1, max: 60_000, default: 100 }),
  STATIC_DIR: stringVar(defaultStaticDir()),
});

export interface DashboardConfig extends BaseConfig {
  gatewayUrl: string;
  workerUrl: string;
  upstreamTimeoutMs: number;
  staleTaskSeconds: number;
  redisSlowMs: number;
  staticDir: string;
}

const withoutTrailingSlash = (url: string) => url.replace(/\/+$/, '');

/** Throws a ConfigError naming each missing or invalid variable. */
export function loadConfig(env: Env): DashboardConfig {
  const parsed = parseEnv(envSchema, env);
  if (!existsSync(join(parsed.STATIC_DIR, 'index.html'))) {
    throw new ConfigError([`STATIC_DIR must be a directory containing index.html (${parsed.STATIC_DIR} has none)`]);
  }
  return {
    ...toBaseConfig(SERVICE_NAME, parsed),
    gatewayUrl: withoutTrailingSlash(parsed.GATEWAY_URL),
    workerUrl: withoutTrailingSlash(parsed.WORKER_URL),
    upstreamTimeoutMs: parsed.UPSTREAM_TIMEOUT_MS,
    staleTaskSeconds: parsed.STALE_TASK_SECONDS,
    redisSlowMs: parsed.REDIS_SLOW_MS,
    staticDir: parsed.STATIC_DIR,
  };
}
