import { PostgreSqlContainer, type StartedPostgreSqlContainer } from '@testcontainers/postgresql';
import { inject } from 'vitest';
import { suiteLabels } from './cluster/suite-labels.js';
import { configureTestcontainers } from './testcontainers-env.js';
import { startDespitePortRace } from './start-container.js';

export interface PostgresOptions {
  database?: string;
  username?: string;
  password?: string;
}

/** A real PostgreSQL in a container for a test file, from the image the global setup resolved. Stop it in afterAll. */
export async function startPostgres(options: PostgresOptions = {}): Promise<StartedPostgreSqlContainer> {
  configureTestcontainers();
  const container = new PostgreSqlContainer(inject('postgresImage')).withLabels(suiteLabels()); // found by the cleanup watchdog and `npm run down`
  if (options.database) container.withDatabase(options.database);
  if (options.username) container.withUsername(options.username);
  if (options.password) container.withPassword(options.password);
  return startDespitePortRace(() => container.start());
}
