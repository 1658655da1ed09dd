import type { DependencyCheck } from '../../../contracts/common.js';
import type { ReadinessCheck } from '../../shared/src/health.js';
import { pingDatabase, type Pool } from './db.js';
import { REQUIRED_SCHEMA_VERSION } from './migrations.js';
import { schemaVersion } from './migrator.js';
import { inspectStatic } from './static-assets.js';

const down = (name: string, error: string): DependencyCheck => ({ name, status: 'down', latencyMs: null, error });
const up = (name: string, started: number): DependencyCheck => ({
  name,
  status: 'up',
  latencyMs: Math.round((performance.now() - started) * 100) / 100,
  error: null,
});

export function databaseCheck(pool: Pool): ReadinessCheck {
  return {
    name: 'postgres',
    async run() {
      const ping = await pingDatabase(pool);
      return ping.ok ? { name: 'postgres', status: 'up', latencyMs: ping.latencyMs, error: null } : down('postgres', ping.error);
    },
  };
}

/** Web refuses traffic while the schema is behind what this build needs (migrate has not run, or failed). */
export function schemaCheck(pool: Pool, required = REQUIRED_SCHEMA_VERSION): ReadinessCheck {
  return {
    name: 'schema',
    async run() {
      const started = performance.now();
      try {
        const version = await schemaVersion(pool);
        return version >= required ? up('schema', started) : down('schema', `schema version ${version} is behind the required ${required}`);
      } catch (error) {
        return down('schema', `cannot read the schema version: ${(error as Error).message}`);
      }
    },
  };
}

/** Web refuses traffic while the static assets collectstatic builds are missing or incomplete. */
export function staticCheck(dir: string): ReadinessCheck {
  return {
    name: 'static',
    async run() {
      const started = performance.now();
      const check = await inspectStatic(dir);
      return check.ok ? up('static', started) : down('static', check.error);
    },
  };
}
