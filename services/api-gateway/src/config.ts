import * as z from 'zod/mini';
import { baseEnvShape, booleanVar, parseEnv, redisEnvShape, toBaseConfig, toRedisConfig, type BaseConfig, type Env, type RedisConfig } from '../../shared/src/config.js';

export const SERVICE_NAME = 'api-gateway';

const envSchema = z.object({
  ...baseEnvShape(8080),
  ...redisEnvShape(),
  ENABLE_TEST_TOGGLES: booleanVar(false),
});

export interface GatewayConfig extends BaseConfig {
  redis: RedisConfig;
  enableTestToggles: boolean;
}

/** Throws a ConfigError naming each missing or invalid variable. */
export function loadConfig(env: Env): GatewayConfig {
  const parsed = parseEnv(envSchema, env);
  return { ...toBaseConfig(SERVICE_NAME, parsed), redis: toRedisConfig(parsed), enableTestToggles: parsed.ENABLE_TEST_TOGGLES };
}
