// Init container 1: applies the pending migrations, then exits 0. Any failure exits 1 with a clear message, so
// the pod never starts its main containers on a half-migrated schema.
import { createLogger } from '../../shared/src/logger.js';
import { loadMigrateConfig } from './config.js';
import { createPool, waitForDatabase } from './db.js';
import { configOrExit } from '../../shared/src/config-or-exit.js';
import { migrate, MigrationError } from './migrator.js';

const config = configOrExit('maya-sawa-migrate', () => loadMigrateConfig(process.env));
const logger = createLogger({ name: 'maya-sawa-migrate', version: process.env.SERVICE_VERSION ?? '0.1.0', pod: config.pod }, 'info');
const pool = createPool(config.database, { max: 1, applicationName: 'maya-sawa-migrate' });

let code = 0;
try {
  const reachable = await waitForDatabase(pool, config.waitMs, (error) => logger.info({ err: error }, 'waiting for the database'));
  if (!reachable.ok) throw new Error(`the database did not accept connections within ${config.waitMs / 1000} s: ${reachable.error}`);
  const result = await migrate(pool, { injectFailure: config.injectFailure, log: logger, ranBy: config.pod });
  logger.info({ applied: result.applied, schemaVersion: result.version }, result.applied.length > 0 ? 'migrations applied' : 'schema already up to date');
} catch (error) {
  code = 1;
  if (error instanceof MigrationError) logger.fatal({ migration: error.migration, schemaVersion: error.version }, error.message);
  else logger.fatal({ err: error instanceof Error ? error.message : String(error) }, 'migrate failed: cannot reach or update the database');
} finally {
  await pool.end().catch(() => undefined);
}
process.exit(code);
