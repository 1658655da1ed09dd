import { describe, expect, it } from 'vitest';
import { loadConfig as loadGatewayConfig } from '../../api-gateway/src/config.js';
import { loadConfig as loadDashboardConfig } from '../../dashboard/src/config.js';
import { loadConfig as loadWorkerConfig } from '../../worker/src/config.js';
import { ConfigError } from './config.js';

const gatewayEnv = { REDIS_URL: 'redis://redis:6379' };

function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration from the environment', () => {
  it('applies defaults when only the required variables are set', () => {
    const config = loadGatewayConfig({ ...gatewayEnv, HOSTNAME: 'gw-1' });
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      logLevel: 'info',
      enableTestToggles: false,
      identity: { name: 'api-gateway', version: '0.1.0', pod: 'gw-1' },
      shutdown: { drainMs: 5000, timeoutMs: 20_000 },
      redis: { url: 'redis://redis:6379', password: undefined, pingTimeoutMs: 1000 },
    });
  });

  it('names a missing required variable', () => {
    expect(problemsOf(() => loadGatewayConfig({}))).toEqual(['REDIS_URL is required']);
    expect(problemsOf(() => loadDashboardConfig({ GATEWAY_URL: 'http://gw:8080' }))).toEqual(['WORKER_URL is required']);
  });

  it('names every invalid variable and what is wrong with it, without echoing values', () => {
    const problems = problemsOf(() =>
      loadGatewayConfig({
        REDIS_URL: 'http://:hunter2@redis:6379',
        PORT: 'eighty',
        LOG_LEVEL: 'loud',
        ENABLE_TEST_TOGGLES: 'yes',
        SHUTDOWN_DRAIN_SECONDS: '-1',
      }),
    );
    expect(problemsOf(() => loadGatewayConfig({ ...gatewayEnv, PORT: '70000' }))).toEqual(['PORT must be an integer from 1 to 65535']);
    expect(problems).toEqual(
      expect.arrayContaining([
        'PORT must be an integer from 1 to 65535',
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
        'ENABLE_TEST_TOGGLES must be true or false',
        'SHUTDOWN_DRAIN_SECONDS must be an integer from 0 to 300',
        'REDIS_URL must be a redis:// or rediss:// URL',
      ]),
    );
    expect(problems).toHaveLength(5);
    expect(problems.join(' ')).not.toContain('hunter2');
  });

  it('reports the problems in the error message main prints', () => {
    expect(() => loadWorkerConfig({ REDIS_URL: 'redis://r:6379', TASK_INTERVAL_SECONDS: '7' })).toThrow(
      /TASK_INTERVAL_SECONDS must divide 60/,
    );
  });

  it('treats an empty value (an unset optional in a Kubernetes manifest) as unset', () => {
    expect(loadGatewayConfig({ ...gatewayEnv, PORT: '', LOG_LEVEL: ' ' })).toMatchObject({ port: 8080, logLevel: 'info' });
  });

  it('takes REDIS_PASSWORD from its own variable (a Kubernetes Secret)', () => {
    expect(loadGatewayConfig({ ...gatewayEnv, REDIS_PASSWORD: 's3cret' }).redis.password).toBe('s3cret');
  });

  it('refuses a drain delay that leaves no time to shut down', () => {
    expect(problemsOf(() => loadGatewayConfig({ ...gatewayEnv, SHUTDOWN_DRAIN_SECONDS: '20', SHUTDOWN_TIMEOUT_SECONDS: '20' }))[0]).toMatch(
      /^SHUTDOWN_TIMEOUT_SECONDS must be greater than SHUTDOWN_DRAIN_SECONDS/,
    );
  });

  it('parses booleans and the pod name the way Kubernetes passes them', () => {
    const config = loadGatewayConfig({ ...gatewayEnv, ENABLE_TEST_TOGGLES: 'true', POD_NAME: 'api-gateway-abc', HOSTNAME: 'other', APP_ENV: 'staging' });
    expect(config.enableTestToggles).toBe(true);
    expect(config.identity.pod).toBe('api-gateway-abc');
    expect(config.identity.environment).toBe('staging');
  });

  it('requires the dashboard static directory to hold the page', () => {
    expect(problemsOf(() => loadDashboardConfig({ GATEWAY_URL: 'http://gw', WORKER_URL: 'http://wk', STATIC_DIR: '/nonexistent' }))[0]).toMatch(
      /^STATIC_DIR must be a directory containing index.html/,
    );
    expect(loadDashboardConfig({ GATEWAY_URL: 'http://gw:8080/', WORKER_URL: 'http://wk:8081' })).toMatchObject({
      port: 3000,
      gatewayUrl: 'http://gw:8080',
      upstreamTimeoutMs: 2000,
    });
  });
});
