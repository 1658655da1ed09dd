import * as z from 'zod/mini';
import { baseEnvShape, booleanVar, parseEnv, stringVar, toBaseConfig, type BaseConfig, type Env } from '../../shared/src/config.js';

export const SERVICE_NAME = 'openai-stand-in';

export interface StandInConfig extends BaseConfig {
  /** The bearer key every API request must carry (from the Secret django-secrets, as the clients get it). */
  apiKey: string;
  /** Mounts /test/* (mode and request log). Only the test overlay sets it. */
  testControls: boolean;
}

const schema = z.object({
  ...baseEnvShape(8090),
  OPENAI_API_KEY: z.pipe(stringVar(), z.string().check(z.minLength(8, 'must be at least 8 characters'))),
  ENABLE_TEST_CONTROLS: booleanVar(false),
});

/** Throws a ConfigError naming each missing or invalid variable (never its value). */
export function loadConfig(env: Env): StandInConfig {
  const parsed = parseEnv(schema, env);
  return { ...toBaseConfig(SERVICE_NAME, parsed), apiKey: parsed.OPENAI_API_KEY, testControls: parsed.ENABLE_TEST_CONTROLS };
}
