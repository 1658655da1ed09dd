import { demoOpenApi } from './testing/openapi.js';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogLevel } from './config.js';
import { createServiceApp } from './http-app.js';
import { createLogger } from './logger.js';
import { createAppMetrics } from './metrics.js';
import { start, type RunningServer } from './server.js';

interface LogLine {
  level: string;
  msg: string;
  path?: string;
  status?: number;
  durationMs?: number;
}

/** A service app whose logger writes into `lines`. */
async function startApp(level: LogLevel): Promise<{ server: RunningServer; lines: LogLine[] }> {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const app = createServiceApp({
    openapi: demoOpenApi,
    logger: createLogger({ name: 'log-demo', version: 'test', pod: 'test' }, level, sink),
    metrics: createAppMetrics(`log_demo_${level}`),
    mountRoutes(app) {
      app.get('/ok', (_req, res) => void res.json({ ok: true }));
      app.get('/fails', (_req, res) => void res.status(502).json({ error: 'upstream' }));
      app.get('/health/ready', (_req, res) => void res.status(503).json({ status: 'not_ready' }));
    },
  });
  return { server: await start(app, 0, '127.0.0.1'), lines };
}

const requestLines = (lines: LogLine[]) => lines.filter((line) => line.msg === 'request finished');

describe('the request log (written when the metrics middleware sees a response finish)', () => {
  let atInfo: Awaited<ReturnType<typeof startApp>>;
  let atDebug: Awaited<ReturnType<typeof startApp>>;

  beforeAll(async () => {
    atInfo = await startApp('info');
    atDebug = await startApp('debug');
  });
  afterAll(async () => {
    await atInfo?.server.close();
    await atDebug?.server.close();
  });

  it('logs a 5xx answer at error, with its path and status, but neither a failing probe nor a success at info', async () => {
    for (const path of ['/ok', '/health/ready', '/fails']) await (await fetch(`${atInfo.server.url}${path}`)).text();
    const logged = requestLines(atInfo.lines);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 'error', path: '/fails', status: 502 });
  });

  it('logs every request at debug, with its duration', async () => {
    await (await fetch(`${atDebug.server.url}/ok`)).text();
    const logged = requestLines(atDebug.lines);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 'debug', path: '/ok', status: 200 });
    expect(logged[0]!.durationMs).toBeGreaterThan(0);
  });

  it('sends no ETag on dynamic JSON answers', async () => {
    const response = await fetch(`${atInfo.server.url}/ok`);
    await response.text();
    expect(response.headers.get('etag')).toBeNull();
  });
});
