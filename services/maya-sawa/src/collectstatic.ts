// Init container 2: builds the static assets into STATIC_DIR (an emptyDir web also mounts), then exits.
import { createLogger } from '../../shared/src/logger.js';
import { loadCollectstaticConfig } from './config.js';
import { configOrExit } from '../../shared/src/config-or-exit.js';
import { collectStatic } from './static-assets.js';

const config = configOrExit('maya-sawa-collectstatic', () => loadCollectstaticConfig(process.env));
const logger = createLogger({ name: 'maya-sawa-collectstatic', version: config.version, pod: process.env.POD_NAME ?? 'local' }, 'info');
try {
  const manifest = await collectStatic(config.staticDir, config.version);
  logger.info({ dir: config.staticDir, files: manifest.files.map((file) => file.path), builtAt: manifest.builtAt }, 'static assets built');
} catch (error) {
  logger.fatal({ dir: config.staticDir, err: error instanceof Error ? error.message : String(error) }, 'collectstatic failed');
  process.exit(1);
}
