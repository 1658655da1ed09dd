import { ConfigError } from './config.js';
import { createBootstrapLogger } from './logger.js';

/** Loads a process's configuration, or logs every problem as one JSON line (naming the variables) and exits 1. */
export function configOrExit<T>(service: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    createBootstrapLogger(service).fatal({ problems: error.problems }, error.message);
    process.exit(1);
  }
}
