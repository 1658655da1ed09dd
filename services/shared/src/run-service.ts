import type { RequestListener } from 'node:http';
import { configOrExit } from './config-or-exit.js';
import type { BaseConfig, Env } from './config.js';
import { HealthState } from './health.js';
import { createLogger, type Logger } from './logger.js';
import { start, type RunningServer } from './server.js';
import { createShutdown, installCrashHandlers, type ShutdownStep } from './shutdown.js';
import { releaseStartupMemory } from './startup-memory.js';

export interface ServiceContext<Config extends BaseConfig> {
  config: Config;
  logger: Logger;
  /** Shared by the probes and the shutdown: `health.shuttingDown` turns true as soon as a signal arrives. */
  health: HealthState;
}

export interface ServiceWiring {
  app: RequestListener;
  /** The shutdown's steps after the drain, in order; `server` is the listening server, to close in its turn. */
  shutdownSteps(server: RunningServer): ShutdownStep[];
  /** Fields added to the "<name> listening" log line. */
  listeningDetails?: Record<string, unknown>;
  /** Runs once the server listens and signals are handled, e.g. to start background work. */
  whenListening?(): Promise<void>;
}

export interface ServiceDefinition<Config extends BaseConfig> {
  /** Names the process in the log line that reports an invalid configuration, and in "<name> listening". */
  name: string;
  loadConfig(env: Env): Config;
  /** Creates the service's clients and app. */
  wire(context: ServiceContext<Config>): ServiceWiring | Promise<ServiceWiring>;
}

/**
 * The lifecycle every HTTP service shares: configuration (or exit 1), logger and crash handlers, the service's
 * wiring, the memory its loading grew given back, the server, graceful shutdown on SIGTERM/SIGINT, "<name> listening",
 * then `whenListening`. The signal handlers are in place before the line is logged and before any background work
 * starts, so from then on a SIGTERM always shuts down gracefully.
 */
export async function runService<Config extends BaseConfig>(service: ServiceDefinition<Config>): Promise<void> {
  const config = configOrExit(service.name, () => service.loadConfig(process.env));
  const logger = createLogger(config.identity, config.logLevel);
  installCrashHandlers(logger);
  const health = new HealthState();

  const wiring = await service.wire({ config, logger, health });
  // Everything is loaded: give back what loading grew, before the port opens (a sync collection of some 30 ms).
  const startupMemory = releaseStartupMemory();
  logger.debug(startupMemory, startupMemory.released ? 'start-up memory released' : 'start-up memory kept: gc is not exposed');
  const server = await start(wiring.app, config.port, config.host, { shuttingDown: () => health.shuttingDown });
  createShutdown({
    logger,
    health,
    drainMs: config.shutdown.drainMs,
    timeoutMs: config.shutdown.timeoutMs,
    steps: wiring.shutdownSteps(server),
  }).installSignalHandlers();
  logger.info({ url: server.url, host: config.host, port: server.port, ...wiring.listeningDetails }, `${service.name} listening`);
  await wiring.whenListening?.();
}
