import type { Request, Response } from 'express';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel, ServiceIdentity } from './config.js';

export type { Logger } from 'pino';

/**
 * One JSON object per line on stdout: { level, time, service, version, pod, msg, ... }.
 * Written synchronously: log volume is low (requests log at debug), and lines must keep their order and survive
 * process.exit() at shutdown. No transports: they run in worker threads loaded from files, which a single-file
 * bundle does not have.
 */
export function createLogger(
  identity: Pick<ServiceIdentity, 'name' | 'version' | 'pod'>,
  level: LogLevel,
  destination?: DestinationStream,
): Logger {
  const options = {
    level,
    base: { service: identity.name, version: identity.version, pod: identity.pod },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: ['*.password', '*.redisUrl', 'req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
  };
  return pino(options, destination ?? pino.destination({ dest: 1, sync: true }));
}

/** Before the configuration is known (e.g. to report that it is invalid): JSON on stderr. */
export function createBootstrapLogger(service: string): Logger {
  return pino(
    { base: { service }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label: string) => ({ level: label }) } },
    pino.destination({ dest: 2, sync: true }),
  );
}

/**
 * Logs each finished request at debug (under load, one line per request would drown everything else), except
 * 5xx answers other than probes and scrapes, at error. A failing readiness probe is reported by its dependency's
 * own logs, not once per probe. Called by the metrics middleware when a response finishes (one listener for both).
 */
export function requestLogger(logger: Logger): (req: Request, res: Response, durationMs: number) => void {
  return (req, res, durationMs) => {
    const level = res.statusCode >= 500 && !isProbeOrScrape(req.path) ? 'error' : 'debug';
    if (!logger.isLevelEnabled(level)) return;
    logger[level]({ method: req.method, path: req.path, status: res.statusCode, durationMs }, 'request finished');
  };
}

const isProbeOrScrape = (path: string) => path.startsWith('/health/') || path === '/metrics';
