/**
 * The schema, as versioned migrations. TypeScript modules rather than .sql files, so the esbuild bundle of
 * migrate.mjs carries them. Append only: never edit a migration that has shipped.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: '0001_create_jobs',
    sql: `
      CREATE TABLE jobs (
        id uuid PRIMARY KEY,
        text text NOT NULL,
        status text NOT NULL CHECK (status IN ('queued', 'processing', 'done', 'failed')),
        submitted_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        result jsonb,
        error text
      );`,
  },
  {
    version: 2,
    name: '0002_jobs_worker_pod',
    sql: `
      ALTER TABLE jobs ADD COLUMN worker_pod text;
      CREATE INDEX jobs_submitted_at ON jobs (submitted_at DESC);`,
  },
  {
    version: 3,
    name: '0003_jobs_kind_summary',
    sql: `
      ALTER TABLE jobs ADD COLUMN kind text NOT NULL DEFAULT 'analyse' CHECK (kind IN ('analyse', 'summarise'));
      ALTER TABLE jobs ADD COLUMN summary jsonb;`,
  },
];

/** The schema version this build's web and worker need: the newest migration. */
export const REQUIRED_SCHEMA_VERSION = Math.max(...MIGRATIONS.map((migration) => migration.version));

/** The table the migrator records applied migrations in. */
export const MIGRATIONS_TABLE = 'maya_schema_migrations';

/** The table every run of migrate is recorded in, whether it applied anything or not. */
export const MIGRATE_RUNS_TABLE = 'maya_migrate_runs';
