import * as z from 'zod/mini';
import {
  baseEnvShape,
  booleanVar,
  parseEnv,
  redisEnvShape,
  stringVar,
  toBaseConfig,
  toRedisConfig,
  urlVar,
  type BaseConfig,
  type Env,
  type RedisConfig,
} from '../../shared/src/config.js';
import type { AiConfig } from './ai-client.js';

export const SERVICE_NAME = 'maya-sawa';
export const QUEUE_NAME = 'maya_v2';

const databaseShape = () => ({ DATABASE_URL: urlVar(['postgres:', 'postgresql:']) });
const staticShape = () => ({ STATIC_DIR: stringVar('/app/static') });
// From the Secret django-secrets. Never logged; the admin URL is only checked to be a path.
const secretKeyShape = () => ({ MAYA_V2_SECRET_KEY: z.pipe(stringVar(), z.string().check(z.minLength(16, 'must be at least 16 characters'))) });
const adminShape = () => ({ DJANGO_ADMIN_URL: z.pipe(stringVar(), z.string().check(z.regex(/^\/[A-Za-z0-9/_-]+$/, 'must be a path like /admin-xyz'))) });
/** BullMQ's Redis: the design's CELERY_BROKER_URL (Secret app-config). */
const brokerShape = () => ({ CELERY_BROKER_URL: urlVar(['redis:', 'rediss:']) });
const aiShape = () => ({
  OPENAI_API_KEY: z.pipe(stringVar(), z.string().check(z.minLength(8, 'must be at least 8 characters'))),
  OPENAI_BASE_URL: urlVar(['http:', 'https:'], 'https://api.openai.com/v1'),
  OPENAI_MODEL: stringVar('gpt-4o-mini'),
  AI_REQUEST_TIMEOUT_MS: integerOr(10_000),
});

export interface DatabaseConfig {
  url: string;
}

export interface MigrateConfig {
  database: DatabaseConfig;
  /** Recorded with each run (which pod's migrate did what). */
  pod: string;
  /** Test-only fault: the newest migration fails inside its transaction (MIGRATE_INJECT_FAILURE=true). */
  injectFailure: boolean;
  /** How long to wait for the database to accept connections before giving up (it may start after the pod). */
  waitMs: number;
}

export interface CollectstaticConfig {
  staticDir: string;
  version: string;
}

export interface WebConfig extends BaseConfig {
  database: DatabaseConfig;
  redis: RedisConfig;
  broker: RedisConfig;
  staticDir: string;
  secretKey: string;
  adminPath: string;
  ai: AiConfig;
  /** The synchronous summary's whole budget, retries included: past it, web answers 504. */
  aiSyncTimeoutMs: number;
}

export interface WorkerConfig extends BaseConfig {
  database: DatabaseConfig;
  broker: RedisConfig;
  concurrency: number;
  /** Test-friendly: each job takes at least this long, so jobs spread across several workers. */
  minJobMs: number;
  ai: AiConfig;
}

// migrate and collectstatic require the secret key as Django's settings do (the design gives it to them).
const migrateSchema = z.object({
  ...databaseShape(),
  ...secretKeyShape(),
  MIGRATE_INJECT_FAILURE: booleanVar(false),
  MIGRATE_WAIT_SECONDS: integerOr(60),
  POD_NAME: stringVar('local'),
});
const collectstaticSchema = z.object({ ...staticShape(), ...secretKeyShape(), SERVICE_VERSION: stringVar('0.1.0') });
const webSchema = z.object({
  ...baseEnvShape(8000),
  ...redisEnvShape(),
  ...brokerShape(),
  ...databaseShape(),
  ...staticShape(),
  ...secretKeyShape(),
  ...adminShape(),
  ...aiShape(),
  AI_SYNC_TIMEOUT_MS: integerOr(8_000),
});

type AiEnv = { OPENAI_API_KEY: string; OPENAI_BASE_URL: string; OPENAI_MODEL: string; AI_REQUEST_TIMEOUT_MS: number };
const toAiConfig = (env: AiEnv): AiConfig => ({ apiKey: env.OPENAI_API_KEY, baseUrl: env.OPENAI_BASE_URL, model: env.OPENAI_MODEL, requestTimeoutMs: env.AI_REQUEST_TIMEOUT_MS });
/** The broker's connection: its URL; password, ping and command timeouts as REDIS_URL's. */
const toBrokerConfig = (url: string, redis: Omit<RedisConfig, 'url' | 'password'>): RedisConfig => ({ ...redis, url, password: undefined });

/** Throws a ConfigError naming each missing or invalid variable (never their values). */
export function loadMigrateConfig(env: Env): MigrateConfig {
  const parsed = parseEnv(migrateSchema, env);
  return { database: { url: parsed.DATABASE_URL }, pod: parsed.POD_NAME, injectFailure: parsed.MIGRATE_INJECT_FAILURE, waitMs: parsed.MIGRATE_WAIT_SECONDS * 1000 };
}

export function loadCollectstaticConfig(env: Env): CollectstaticConfig {
  const parsed = parseEnv(collectstaticSchema, env);
  return { staticDir: parsed.STATIC_DIR, version: parsed.SERVICE_VERSION };
}

export function loadWebConfig(env: Env): WebConfig {
  const parsed = parseEnv(webSchema, env);
  const redis = toRedisConfig(parsed);
  return {
    ...toBaseConfig(`${SERVICE_NAME}-web`, parsed),
    database: { url: parsed.DATABASE_URL },
    redis,
    broker: toBrokerConfig(parsed.CELERY_BROKER_URL, redis),
    staticDir: parsed.STATIC_DIR,
    secretKey: parsed.MAYA_V2_SECRET_KEY,
    adminPath: parsed.DJANGO_ADMIN_URL,
    ai: toAiConfig(parsed),
    aiSyncTimeoutMs: parsed.AI_SYNC_TIMEOUT_MS,
  };
}

export function loadWorkerConfig(env: Env): WorkerConfig {
  const schema = z.object({
    ...baseEnvShape(8001),
    ...brokerShape(),
    ...databaseShape(),
    ...secretKeyShape(),
    ...aiShape(),
    REDIS_COMMAND_TIMEOUT_MS: integerOr(2000),
    WORKER_CONCURRENCY: integerOr(2),
    WORKER_MIN_JOB_MS: integerOr(0),
  });
  const parsed = parseEnv(schema, env);
  return {
    ...toBaseConfig(`${SERVICE_NAME}-worker`, parsed),
    database: { url: parsed.DATABASE_URL },
    broker: toBrokerConfig(parsed.CELERY_BROKER_URL, { pingTimeoutMs: 1000, commandTimeoutMs: parsed.REDIS_COMMAND_TIMEOUT_MS }),
    concurrency: parsed.WORKER_CONCURRENCY,
    minJobMs: parsed.WORKER_MIN_JOB_MS,
    ai: toAiConfig(parsed),
  };
}

function integerOr(defaultValue: number) {
  return z.pipe(
    stringVar(String(defaultValue)),
    z.pipe(z.string().check(z.regex(/^\d{1,6}$/, 'must be a non-negative integer')), z.transform(Number)),
  );
}
