import * as z from 'zod/mini';
import { baseEnvShape, booleanVar, integerVar, parseEnv, redisEnvShape, toBaseConfig, toRedisConfig, type BaseConfig, type Env, type RedisConfig } from '../../shared/src/config.js';

export const SERVICE_NAME = 'worker';

/** Intervals that divide a minute, so a cron rule fires on the same wall-clock ticks on every replica. */
export const ALLOWED_INTERVALS = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60] as const;

const envSchema = z.object({
  ...baseEnvShape(8081),
  ...redisEnvShape(),
  TASK_INTERVAL_SECONDS: integerVar({ min: 1, max: 60, default: 10 }).check(
    z.refine((value: number) => (ALLOWED_INTERVALS as readonly number[]).includes(value), `must divide 60 (one of ${ALLOWED_INTERVALS.join(', ')})`),
  ),
  LEDGER_MAX_ENTRIES: integerVar({ min: 1, max: 100_000, default: 1000 }),
  DATA_RETENTION_SECONDS: integerVar({ min: 1, max: 86_400, default: 300 }),
  ENABLE_TEST_TOGGLES: booleanVar(false),
});

export interface WorkerConfig extends BaseConfig {
  redis: RedisConfig;
  taskIntervalSeconds: number;
  ledgerMaxEntries: number;
  dataRetentionMs: number;
  /** Test overlay only: the scenarios may add CPU work to every task run (test-cpu-load.ts). */
  enableTestToggles: boolean;
}

/** Throws a ConfigError naming each missing or invalid variable. */
export function loadConfig(env: Env): WorkerConfig {
  const parsed = parseEnv(envSchema, env);
  return {
    ...toBaseConfig(SERVICE_NAME, parsed),
    redis: toRedisConfig(parsed),
    taskIntervalSeconds: parsed.TASK_INTERVAL_SECONDS,
    ledgerMaxEntries: parsed.LEDGER_MAX_ENTRIES,
    dataRetentionMs: parsed.DATA_RETENTION_SECONDS * 1000,
    enableTestToggles: parsed.ENABLE_TEST_TOGGLES,
  };
}
