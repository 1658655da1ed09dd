import { RedisContainer, type StartedRedisContainer } from '@testcontainers/redis';
import { inject } from 'vitest';
import { suiteLabels } from './cluster/suite-labels.js';
import { configureTestcontainers } from './testcontainers-env.js';
import { startDespitePortRace } from './start-container.js';

export interface RedisOptions {
  password?: string;
}

/** A real Redis in a container for a test file, from the image the global setup resolved. Stop it in afterAll. */
export async function startRedis(options: RedisOptions = {}): Promise<StartedRedisContainer> {
  configureTestcontainers();
  const container = new RedisContainer(inject('redisImage')).withLabels(suiteLabels()); // found by the cleanup watchdog and `npm run down`
  if (options.password) container.withPassword(options.password);
  return startDespitePortRace(() => container.start());
}
