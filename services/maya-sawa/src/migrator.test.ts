import type { StartedPostgreSqlContainer } from '@testcontainers/postgresql';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres } from '../../../harness/postgres.js';
import { createPool, type Pool } from './db.js';
import { MIGRATE_RUNS_TABLE, MIGRATIONS, MIGRATIONS_TABLE, REQUIRED_SCHEMA_VERSION } from './migrations.js';
import { appliedMigrations, migrate, migrateRuns, MigrationError, schemaVersion } from './migrator.js';

describe('migrate, against a real PostgreSQL', () => {
  let postgres: StartedPostgreSqlContainer;
  let pool: Pool;

  beforeAll(async () => {
    postgres = await startPostgres();
    pool = createPool({ url: postgres.getConnectionUri() });
  });
  afterAll(async () => {
    await pool?.end();
    await postgres?.stop();
  });
  afterEach(async () => {
    await pool.query(`DROP TABLE IF EXISTS jobs, ${MIGRATIONS_TABLE}, ${MIGRATE_RUNS_TABLE}`);
  });

  it('applies every migration in order, then re-running is a no-op', async () => {
    expect(await schemaVersion(pool)).toBe(0);
    const first = await migrate(pool, { ranBy: 'pod-a' });
    expect(first).toEqual({ applied: MIGRATIONS.map((m) => m.name), version: REQUIRED_SCHEMA_VERSION });
    const recorded = await appliedMigrations(pool);
    expect(recorded.map((m) => m.version)).toEqual([1, 2, 3]);
    expect(recorded[0]!.appliedAt.getTime()).toBeLessThanOrEqual(recorded[1]!.appliedAt.getTime());
    const columns = await pool.query<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_name = 'jobs'`);
    expect(columns.rows.map((row) => row.column_name)).toContain('worker_pod');

    expect(await migrate(pool, { ranBy: 'pod-b' })).toEqual({ applied: [], version: REQUIRED_SCHEMA_VERSION });
    expect((await appliedMigrations(pool)).map((m) => m.appliedAt)).toEqual(recorded.map((m) => m.appliedAt));
    // Both runs are recorded, newest first: the re-run says it applied nothing.
    expect((await migrateRuns(pool)).map(({ ranBy, applied, version }) => ({ ranBy, applied, version }))).toEqual([
      { ranBy: 'pod-b', applied: [], version: REQUIRED_SCHEMA_VERSION },
      { ranBy: 'pod-a', applied: MIGRATIONS.map((m) => m.name), version: REQUIRED_SCHEMA_VERSION },
    ]);
  });

  it('rolls a failed migration back whole and names it, leaving the schema at the previous version', async () => {
    const error = await migrate(pool, { injectFailure: true }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).message).toMatch(/^migration 0003_jobs_kind_summary failed and was rolled back; the schema stays at version 2: injected failure/);
    expect(await schemaVersion(pool)).toBe(2);
    // The failed migration's DDL (two columns) was rolled back with it.
    const columns = await pool.query<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_name = 'jobs'`);
    expect(columns.rows.map((row) => row.column_name)).toContain('worker_pod');
    expect(columns.rows.map((row) => row.column_name)).not.toContain('kind');
    expect(await migrateRuns(pool), 'a failed run is not recorded as a run').toEqual([]);

    expect((await migrate(pool)).applied).toEqual(['0003_jobs_kind_summary']);
  });

  it('lets concurrent migrators run one at a time (advisory lock): each migration applied once', async () => {
    const results = await Promise.all([migrate(pool), migrate(pool), migrate(pool)]);
    expect(results.flatMap((result) => result.applied).sort()).toEqual(MIGRATIONS.map((m) => m.name));
    expect(await schemaVersion(pool)).toBe(REQUIRED_SCHEMA_VERSION);
  });
});
