import { hostname } from 'node:os';
// zod/mini: the same validation as zod's full build at a fraction of the memory, which matters for a service that
// is otherwise idle (the full build costs about 13 MB of RSS).
import * as z from 'zod/mini';

/** A missing or invalid environment variable; the message names every offending variable. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

// Kubernetes renders an unset optional value as an empty string: treat it as unset.
const blankAsUnset = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const requiredOr = (problem: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : problem);

/** Wraps a variable's schema: blank counts as unset; unset takes `defaultValue`, or is an error if there is none. */
function envVar<T>(schema: z.ZodMiniType<T, string>, defaultValue?: T) {
  const value =
    defaultValue === undefined ? schema : z.pipe(z.optional(schema), z.transform((parsed: T | undefined) => parsed ?? defaultValue));
  return z.pipe(z.transform(blankAsUnset), value);
}

export function integerVar(options: { min: number; max: number; default?: number }) {
  const problem = `must be an integer from ${options.min} to ${options.max}`;
  const schema = z.pipe(
    z.string({ error: requiredOr(problem) }).check(z.regex(/^-?\d+$/, problem)),
    z.pipe(
      z.transform(Number),
      z.number().check(z.refine((n: number) => Number.isSafeInteger(n) && n >= options.min && n <= options.max, problem)),
    ),
  );
  return envVar(schema, options.default);
}

export function booleanVar(defaultValue: boolean) {
  const schema = z.pipe(
    z.enum(['true', 'false', '1', '0'], { error: requiredOr('must be true or false') }),
    z.transform((value: 'true' | 'false' | '1' | '0') => value === 'true' || value === '1'),
  );
  return envVar(schema, defaultValue);
}

export function stringVar(defaultValue?: string) {
  return envVar(z.string({ error: requiredOr('must be a string') }), defaultValue);
}

export function optionalStringVar() {
  return z.pipe(z.transform(blankAsUnset), z.optional(z.string()));
}

/** A URL whose scheme is one of `protocols`. Values are never echoed: a URL can carry a password. */
export function urlVar(protocols: readonly string[], defaultValue?: string) {
  const problem = `must be a ${protocols.map((protocol) => `${protocol}//`).join(' or ')} URL`;
  const schema = z
    .string({ error: requiredOr(problem) })
    .check(z.refine((value: string) => URL.canParse(value) && protocols.includes(new URL(value).protocol), problem));
  return envVar(schema, defaultValue);
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function enumVar<const T extends readonly [string, ...string[]]>(values: T, defaultValue: T[number]) {
  return envVar<T[number]>(z.enum(values, { error: requiredOr(`must be one of ${values.join(', ')}`) }), defaultValue);
}

/** Variables every service reads. */
export function baseEnvShape(defaultPort: number) {
  return {
    PORT: integerVar({ min: 1, max: 65535, default: defaultPort }),
    HOST: stringVar('0.0.0.0'),
    LOG_LEVEL: enumVar(LOG_LEVELS, 'info'),
    SERVICE_VERSION: stringVar('0.1.0'),
    POD_NAME: optionalStringVar(),
    HOSTNAME: optionalStringVar(),
    APP_ENV: optionalStringVar(),
    NODE_ENV: optionalStringVar(),
    SHUTDOWN_DRAIN_SECONDS: integerVar({ min: 0, max: 300, default: 5 }),
    SHUTDOWN_TIMEOUT_SECONDS: integerVar({ min: 1, max: 600, default: 20 }),
  };
}

/** Redis connection variables (api-gateway and worker). */
export function redisEnvShape() {
  return {
    REDIS_URL: urlVar(['redis:', 'rediss:']),
    // From a Kubernetes Secret; wins over a password inside REDIS_URL.
    REDIS_PASSWORD: optionalStringVar(),
    REDIS_PING_TIMEOUT_MS: integerVar({ min: 10, max: 30_000, default: 1000 }),
    REDIS_COMMAND_TIMEOUT_MS: integerVar({ min: 10, max: 60_000, default: 2000 }),
  };
}

/**
 * Parses `env` with `schema`, or throws a ConfigError naming each bad variable and what is wrong with it
 * (never its value, which may be a secret).
 */
export function parseEnv<T extends z.ZodMiniType>(schema: T, env: Env): z.output<T> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.map(String).join('.');
    return variable ? `${variable} ${issue.message}` : issue.message;
  });
  throw new ConfigError([...new Set(problems)]);
}

export interface ServiceIdentity {
  name: string;
  version: string;
  pod: string;
  environment: string;
  startedAt: Date;
}

export interface BaseConfig {
  port: number;
  host: string;
  logLevel: LogLevel;
  identity: ServiceIdentity;
  shutdown: { drainMs: number; timeoutMs: number };
}

type BaseEnv = z.output<z.ZodMiniObject<ReturnType<typeof baseEnvShape>>>;

export function toBaseConfig(service: string, env: BaseEnv): BaseConfig {
  if (env.SHUTDOWN_DRAIN_SECONDS >= env.SHUTDOWN_TIMEOUT_SECONDS) {
    throw new ConfigError([
      `SHUTDOWN_TIMEOUT_SECONDS must be greater than SHUTDOWN_DRAIN_SECONDS (${env.SHUTDOWN_TIMEOUT_SECONDS} <= ${env.SHUTDOWN_DRAIN_SECONDS})`,
    ]);
  }
  return {
    port: env.PORT,
    host: env.HOST,
    logLevel: env.LOG_LEVEL,
    identity: {
      name: service,
      version: env.SERVICE_VERSION,
      pod: env.POD_NAME ?? env.HOSTNAME ?? hostname(),
      environment: env.APP_ENV ?? env.NODE_ENV ?? 'development',
      startedAt: new Date(),
    },
    shutdown: { drainMs: env.SHUTDOWN_DRAIN_SECONDS * 1000, timeoutMs: env.SHUTDOWN_TIMEOUT_SECONDS * 1000 },
  };
}

export interface RedisConfig {
  url: string;
  password: string | undefined;
  pingTimeoutMs: number;
  commandTimeoutMs: number;
}

type RedisEnv = z.output<z.ZodMiniObject<ReturnType<typeof redisEnvShape>>>;

export function toRedisConfig(env: RedisEnv): RedisConfig {
  return {
    url: env.REDIS_URL,
    password: env.REDIS_PASSWORD,
    pingTimeoutMs: env.REDIS_PING_TIMEOUT_MS,
    commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
  };
}
