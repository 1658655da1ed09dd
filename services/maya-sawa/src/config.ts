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

export const SERVICE_NAME = 'maya-sawa';
export const QUEUE_NAME = 'maya_v2';

const databaseShape = () => ({ DATABASE_URL: urlVar(['postgres:', 'postgresql:']) });
const staticShape = () => ({ STATIC_DIR: stringVar('/app/static') });
const secretsShape = () => ({
  // From the Secret. Never logged; the admin path is only checked to be a path.
  SECRET_KEY: z.pipe(stringVar(), z.string().check(z.minLength(16, 'must be at least 16 characters'))),
  ADMIN_PATH: z.pipe(stringVar(), z.string().check(z.regex(/^\/[A-Za-z0-9/_-]+$/, 'must be a path like /admin-xyz'))),
});

export interface DatabaseConfig {
  url: string;
}

export interface MigrateConfig {
  database: DatabaseConfig;
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
  staticDir: string;
  secretKey: string;
  adminPath: string;
}

export interface WorkerConfig extends BaseConfig {
  database: DatabaseConfig;
  redis: RedisConfig;
  concurrency: number;
  /** Test-friendly: each job takes at least this long, so jobs spread across several workers. */
  minJobMs: number;
}

const migrateSchema = z.object({ ...databaseShape(), MIGRATE_INJECT_FAILURE: booleanVar(false), MIGRATE_WAIT_SECONDS: integerOr(60) });
const collectstaticSchema = z.object({ ...staticShape(), SERVICE_VERSION: stringVar('0.1.0') });
const webSchema = z.object({ ...baseEnvShape(8000), ...redisEnvShape(), ...databaseShape(), ...staticShape(), ...secretsShape() });

/** Throws a ConfigError naming each missing or invalid variable (never their values). */
export function loadMigrateConfig(env: Env): MigrateConfig {
  const parsed = parseEnv(migrateSchema, env);
  return { database: { url: parsed.DATABASE_URL }, injectFailure: parsed.MIGRATE_INJECT_FAILURE, waitMs: parsed.MIGRATE_WAIT_SECONDS * 1000 };
}

export function loadCollectstaticConfig(env: Env): CollectstaticConfig {
  const parsed = parseEnv(collectstaticSchema, env);
  return { staticDir: parsed.STATIC_DIR, version: parsed.SERVICE_VERSION };
}

export function loadWebConfig(env: Env): WebConfig {
  const parsed = parseEnv(webSchema, env);
  return {
    ...toBaseConfig(`${SERVICE_NAME}-web`, parsed),
    database: { url: parsed.DATABASE_URL },
    redis: toRedisConfig(parsed),
    staticDir: parsed.STATIC_DIR,
    secretKey: parsed.SECRET_KEY,
    adminPath: parsed.ADMIN_PATH,
  };
}

export function loadWorkerConfig(env: Env): WorkerConfig {
  const schema = z.object({
    ...baseEnvShape(8001),
    ...redisEnvShape(),
    ...databaseShape(),
    WORKER_CONCURRENCY: integerOr(2),
    WORKER_MIN_JOB_MS: integerOr(0),
  });
  const parsed = parseEnv(schema, env);
  return {
    ...toBaseConfig(`${SERVICE_NAME}-worker`, parsed),
    database: { url: parsed.DATABASE_URL },
    redis: toRedisConfig(parsed),
    concurrency: parsed.WORKER_CONCURRENCY,
    minJobMs: parsed.WORKER_MIN_JOB_MS,
  };
}

function integerOr(defaultValue: number) {
  return z.pipe(
    stringVar(String(defaultValue)),
    z.pipe(z.string().check(z.regex(/^\d{1,6}$/, 'must be a non-negative integer')), z.transform(Number)),
  );
}
