import { ConfigError } from '../../shared/src/config.js';
import { createBootstrapLogger } from '../../shared/src/logger.js';

/** Loads a role's configuration, or logs every problem as one JSON line and exits 1. */
export function configOrExit<T>(role: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    createBootstrapLogger(`maya-sawa-${role}`).fatal({ problems: error.problems }, error.message);
    process.exit(1);
  }
}
