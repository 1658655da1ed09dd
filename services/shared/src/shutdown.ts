import { errorMessage } from './error-message.js';
import type { HealthState } from './health.js';
import type { Logger } from './logger.js';

export interface ShutdownStep {
  name: string;
  run(): Promise<void>;
}

export interface ShutdownOptions {
  logger: Logger;
  health: HealthState;
  /** Time between failing readiness and closing the server, for Kubernetes to take the pod out of its endpoints. */
  drainMs: number;
  /** The whole shutdown, drain included, must end within this; then the process exits with code 1. */
  timeoutMs: number;
  /** Run in order after the drain delay, e.g. close the server, stop the scheduler, quit Redis. */
  steps: readonly ShutdownStep[];
  exit?: (code: number) => void;
}

export interface Shutdown {
  /** Runs the shutdown once (later calls return the same promise) and resolves with the exit code. */
  run(reason: string): Promise<number>;
  /** SIGTERM/SIGINT start the shutdown and exit when it is done; a second signal exits at once. Returns an uninstaller. */
  installSignalHandlers(): () => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createShutdown(options: ShutdownOptions): Shutdown {
  const { logger, health } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let running: Promise<number> | undefined;

  async function runSteps(): Promise<number> {
    await sleep(options.drainMs);
    let failures = 0;
    for (const step of options.steps) {
      const startedAt = performance.now();
      try {
        await step.run();
        logger.info({ step: step.name, durationMs: Math.round(performance.now() - startedAt) }, 'shutdown step done');
      } catch (error) {
        failures += 1;
        logger.error({ step: step.name, err: errorMessage(error) }, 'shutdown step failed');
      }
    }
    return failures === 0 ? 0 : 1;
  }

  function run(reason: string): Promise<number> {
    running ??= (async () => {
      health.beginShutdown();
      logger.info({ reason, drainMs: options.drainMs, timeoutMs: options.timeoutMs }, 'shutting down: readiness now fails');
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<number>((resolve) => {
        timer = setTimeout(() => {
          logger.error({ timeoutMs: options.timeoutMs }, 'shutdown timed out; exiting anyway');
          resolve(1);
        }, options.timeoutMs);
      });
      const code = await Promise.race([runSteps(), deadline]);
      clearTimeout(timer);
      if (code === 0) logger.info('shutdown complete');
      return code;
    })();
    return running;
  }

  function installSignalHandlers(): () => void {
    const onSignal = (signal: NodeJS.Signals) => {
      if (running) {
        logger.warn({ signal }, 'second signal during shutdown: exiting now');
        exit(1);
        return;
      }
      void run(signal).then(exit);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    return () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    };
  }

  return { run, installSignalHandlers };
}

/** Logs what killed the process as one JSON line before exiting, instead of a bare stack on stderr. */
export function installCrashHandlers(logger: Logger): void {
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection');
    process.exit(1);
  });
}
