import { demoOpenApi } from './testing/openapi.js';
import { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBodySchema } from '../../../contracts/common.js';
import { createServiceApp } from './http-app.js';
import { createAppMetrics } from './metrics.js';
import { start, type RunningServer } from './server.js';
import { silentLogger } from './testing/helpers.js';
import { sendRaw, type RawResponse } from './testing/raw-http.js';

describe('answers Node gives before Express, and OPTIONS', () => {
  let server: RunningServer;

  beforeAll(async () => {
    const app = createServiceApp({
      openapi: demoOpenApi,
      logger: silentLogger(),
      metrics: createAppMetrics('protocol_demo'),
      mountRoutes(app) {
        const router = Router();
        router.get('/in-router', (_req, res) => void res.json({ ok: true }));
        app.use(router);
        app.get('/on-app', (_req, res) => void res.json({ ok: true }));
      },
    });
    server = await start(app, 0, '127.0.0.1');
  });
  afterAll(() => server?.close());

  const request = (head: string, body = '') => sendRaw(server.url, `${head}\r\nHost: localhost\r\nConnection: close\r\n\r\n${body}`);

  function expectJsonError(response: RawResponse, status: number, error: string): void {
    expect(response.status, response.text).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(ErrorBodySchema.parse(JSON.parse(response.text)).error).toBe(error);
  }

  it('an unknown method answers 400 in the JSON error shape', async () => {
    expectJsonError(await request('FUZZ /on-app HTTP/1.1'), 400, 'malformed_request');
  });

  it('a request Node cannot parse answers 400 in the JSON error shape, naming the problem', async () => {
    const response = await sendRaw(server.url, 'GET /on-app HTTP/1.1\r\nHost: localhost\r\nContent-Length: abc\r\n\r\n');
    expectJsonError(response, 400, 'malformed_request');
    expect(JSON.parse(response.text)).toMatchObject({ message: expect.stringMatching(/^Malformed HTTP request: .*Content-Length/) });
  });

  it('headers over Node\'s limit answer 431 in the JSON error shape', async () => {
    expectJsonError(await request(`GET /on-app HTTP/1.1\r\nX-Big: ${'a'.repeat(20_000)}`), 431, 'headers_too_large');
  });

  it('an Expect other than 100-continue answers 417 in the JSON error shape', async () => {
    expectJsonError(await request('GET /on-app HTTP/1.1\r\nExpect: 200-ok'), 417, 'expectation_failed');
  });

  it('CONNECT answers 404 in the JSON error shape, like any method no route has', async () => {
    expectJsonError(await request('CONNECT localhost:80 HTTP/1.1'), 404, 'not_found');
  });

  it('OPTIONS answers the same JSON 404 on Router paths, app paths, /metrics and unknown paths', async () => {
    for (const path of ['/in-router', '/on-app', '/metrics', '/nope']) {
      const response = await fetch(`${server.url}${path}`, { method: 'OPTIONS' });
      expect(response.status, path).toBe(404);
      expect(ErrorBodySchema.parse(await response.json()), path).toEqual({ error: 'not_found', message: `No route for OPTIONS ${path}` });
    }
  });

  it('a well-formed request still reaches the app', async () => {
    const response = await request('GET /in-router HTTP/1.1');
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({ ok: true });
  });
});
