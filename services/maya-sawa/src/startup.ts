import type { WebInfo } from '../../../contracts/maya-sawa.js';
import type { Pool } from './db.js';
import { REQUIRED_SCHEMA_VERSION } from './migrations.js';
import { appliedMigrations, migrateRuns } from './migrator.js';
import { inspectStatic } from './static-assets.js';

/** What web finds when it starts: the applied migrations and the static build (the init-order evidence). */
export async function inspectStartup(pool: Pool, staticDir: string): Promise<Pick<WebInfo, 'schema' | 'staticAssets'>> {
  const migrations = await appliedMigrations(pool).catch(() => []);
  const runs = await migrateRuns(pool).catch(() => []);
  const staticBuild = await inspectStatic(staticDir);
  return {
    schema: {
      version: Math.max(0, ...migrations.map((migration) => migration.version)),
      required: REQUIRED_SCHEMA_VERSION,
      migrations: migrations.map((migration) => ({ ...migration, appliedAt: migration.appliedAt.toISOString() })),
      runs: runs.map((run) => ({ ...run, ranAt: run.ranAt.toISOString() })),
    },
    staticAssets: staticBuild.ok
      ? { builtAt: staticBuild.manifest.builtAt, manifestMtime: staticBuild.manifestMtime.toISOString(), files: staticBuild.manifest.files.length }
      : null,
  };
}
