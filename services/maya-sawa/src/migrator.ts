import { Umzug, type UmzugStorage } from 'umzug';
import type { Pool, PoolClient } from './db.js';
import { MIGRATIONS, MIGRATIONS_TABLE, type Migration } from './migrations.js';

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
      const applied = await umzug.up();
      return { applied: applied.map((migration) => migration.name), version: await schemaVersion(client) };
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
