import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBodySchema } from '../../../contracts/common.js';
import { JSON_BODY_LIMIT_BYTES } from '../../../contracts/limits.js';
import { createServiceApp } from './http-app.js';
import { createAppMetrics } from './metrics.js';
import { start, type RunningServer } from './server.js';
import { silentLogger } from './testing/helpers.js';
import { demoOpenApi } from './testing/openapi.js';

describe('error answers', () => {
  let server: RunningServer;

  beforeAll(async () => {
    const app = createServiceApp({
      logger: silentLogger(),
      openapi: demoOpenApi,
      metrics: createAppMetrics('errors_demo'),
      mountRoutes(app) {
        app.post('/echo', (req, res) => void res.json({ received: req.body as unknown }));
        app.get('/boom', () => {
          throw new Error('database password is hunter2');
        });
        app.get('/async-boom', async () => {
          await Promise.resolve();
          throw new TypeError('cannot read properties of undefined');
        });
      },
    });
    server = await start(app, 0, '127.0.0.1');
  });
  afterAll(() => server?.close());

  const post = (path: string, body: string, contentType = 'application/json') =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });

  it('answers a malformed JSON body with 400 naming the problem, on any route', async () => {
    for (const path of ['/echo', '/no-such-route']) {
      const response = await post(path, '{"name": "x",');
      expect(response.status).toBe(400);
      const body = ErrorBodySchema.parse(await response.json());
      expect(body.error).toBe('malformed_json');
      expect(body.message).toMatch(/^Malformed JSON body: .*JSON/);
    }
  });

  it('accepts a well-formed body', async () => {
    const response = await post('/echo', '{"name":"x"}');
    expect(await response.json()).toEqual({ received: { name: 'x' } });
  });

  it('parses a body of JSON_BODY_LIMIT_BYTES, and answers one byte more with 413', async () => {
    const bodyOf = (bytes: number) => `{"blob": "x"}${' '.repeat(bytes - '{"blob": "x"}'.length)}`;
    const atLimit = await post('/echo', bodyOf(JSON_BODY_LIMIT_BYTES));
    expect(atLimit.status).toBe(200);
    expect(await atLimit.json()).toEqual({ received: { blob: 'x' } });
    const overLimit = await post('/echo', bodyOf(JSON_BODY_LIMIT_BYTES + 1));
    expect(overLimit.status).toBe(413);
    expect(ErrorBodySchema.parse(await overLimit.json()).error).toBe('payload_too_large');
  });

  it('answers an unknown route with a JSON 404', async () => {
    const response = await fetch(`${server.url}/nope?x=1`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(ErrorBodySchema.parse(await response.json())).toEqual({ error: 'not_found', message: 'No route for GET /nope' });
  });

  it('never sends a stack trace or an internal message to the client', async () => {
    for (const path of ['/boom', '/async-boom']) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({ error: 'internal_error', message: 'Internal server error' });
      expect(text).not.toMatch(/hunter2|at .*\.ts|TypeError/);
    }
  });
});
