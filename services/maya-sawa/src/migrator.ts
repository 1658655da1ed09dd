import { Umzug, type UmzugStorage } from 'umzug';
import type { Pool, PoolClient } from './db.js';
import { MIGRATE_RUNS_TABLE, MIGRATIONS, MIGRATIONS_TABLE, type Migration } from './migrations.js';

/** Every migrator (several web pods' init containers may run at once) takes this lock, so one runs at a time. */
const LOCK_KEY = 7_300_220_001;

export interface MigrationLog {
  info(fields: Record<string, unknown>, message: string): void;
}

export interface MigrateOptions {
  migrations?: readonly Migration[];
  /** Test-only fault: the newest pending migration fails after its statements, inside its transaction. */
  injectFailure?: boolean;
  log?: MigrationLog;
  /** Who ran it, recorded with the run (the pod's name). */
  ranBy?: string;
}

export interface MigrateResult {
  applied: string[];
  version: number;
}

/** A migration that failed: its transaction was rolled back, so the schema stays at `version`. */
export class MigrationError extends Error {
  constructor(
    readonly migration: string,
    readonly version: number,
    cause: unknown,
  ) {
    super(
      `migration ${migration} failed and was rolled back; the schema stays at version ${version}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.name = 'MigrationError';
  }
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
  version integer PRIMARY KEY,
  name text NOT NULL UNIQUE,
  applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
)`;

const CREATE_RUNS_TABLE = `CREATE TABLE IF NOT EXISTS ${MIGRATE_RUNS_TABLE} (
  id bigserial PRIMARY KEY,
  ran_by text NOT NULL,
  ran_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  applied text[] NOT NULL,
  schema_version integer NOT NULL
)`;

/** Applied migrations are recorded inside their own transaction (see `up`), so logging here is idempotent. */
function postgresStorage(): UmzugStorage<PoolClient> {
  return {
    async executed({ context }) {
      const rows = await context.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY version`);
      return rows.rows.map((row) => row.name);
    },
    async logMigration() {},
    async unlogMigration({ name, context }) {
      await context.query(`DELETE FROM ${MIGRATIONS_TABLE} WHERE name = $1`, [name]);
    },
  };
}

export async function schemaVersion(db: Pool | PoolClient): Promise<number> {
  const exists = await db.query<{ present: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS present`, [MIGRATIONS_TABLE]);
  if (!exists.rows[0]?.present) return 0;
  const result = await db.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${MIGRATIONS_TABLE}`);
  return result.rows[0]?.version ?? 0;
}

export interface AppliedMigration {
  version: number;
  name: string;
  appliedAt: Date;
}

export async function appliedMigrations(db: Pool | PoolClient): Promise<AppliedMigration[]> {
  if ((await schemaVersion(db)) === 0) return [];
  const result = await db.query<{ version: number; name: string; applied_at: Date }>(
    `SELECT version, name, applied_at FROM ${MIGRATIONS_TABLE} ORDER BY version`,
  );
  return result.rows.map((row) => ({ version: row.version, name: row.name, appliedAt: row.applied_at }));
}

/**
 * Applies the pending migrations in order, each in its own transaction together with its record in the
 * migrations table: a failure rolls that migration back whole and throws a MigrationError. Re-running is a no-op.
 */
export async function migrate(pool: Pool, options: MigrateOptions = {}): Promise<MigrateResult> {
  const migrations = options.migrations ?? MIGRATIONS;
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(CREATE_TABLE);
    await client.query(CREATE_RUNS_TABLE);
    const newest = Math.max(...migrations.map((migration) => migration.version));
    const umzug = new Umzug<PoolClient>({
      context: client,
      storage: postgresStorage(),
      logger: undefined,
      migrations: migrations.map((migration) => ({
        name: migration.name,
        async up({ context }) {
          await context.query('BEGIN');
          try {
            await context.query(migration.sql);
            if (options.injectFailure && migration.version === newest) {
              await context.query(`DO $$ BEGIN RAISE EXCEPTION 'injected failure (MIGRATE_INJECT_FAILURE=true)'; END $$`);
            }
            await context.query(`INSERT INTO ${MIGRATIONS_TABLE} (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
            await context.query('COMMIT');
          } catch (error) {
            await context.query('ROLLBACK');
            throw new MigrationError(migration.name, await schemaVersion(context), error);
          }
          options.log?.info({ migration: migration.name, schemaVersion: migration.version }, 'migration applied');
        },
      })),
    });
    try {
      const applied = (await umzug.up()).map((migration) => migration.name);
      const version = await schemaVersion(client);
      // Every successful run is recorded, also one that found nothing to do: a re-run's evidence that it was a no-op.
      await client.query(`INSERT INTO ${MIGRATE_RUNS_TABLE} (ran_by, applied, schema_version) VALUES ($1, $2, $3)`, [options.ranBy ?? 'unknown', applied, version]);
      return { applied, version };
    } catch (error) {
      // Umzug wraps what `up` threw; hand back our own error, which names the migration and the version kept.
      const cause = error instanceof Error ? error.cause : undefined;
      throw cause instanceof MigrationError ? cause : error;
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
    client.release();
  }
}

export interface MigrateRun {
  ranBy: string;
  ranAt: Date;
  applied: string[];
  version: number;
}

/** The newest runs of migrate, newest first (none before the first run). */
export async function migrateRuns(db: Pool | PoolClient, limit = 20): Promise<MigrateRun[]> {
  const exists = await db.query<{ present: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS present`, [MIGRATE_RUNS_TABLE]);
  if (!exists.rows[0]?.present) return [];
  const result = await db.query<{ ran_by: string; ran_at: Date; applied: string[]; schema_version: number }>(
    `SELECT ran_by, ran_at, applied, schema_version FROM ${MIGRATE_RUNS_TABLE} ORDER BY id DESC LIMIT $1`,
    [limit],
  );
  return result.rows.map((row) => ({ ranBy: row.ran_by, ranAt: row.ran_at, applied: row.applied, version: row.schema_version }));
}
