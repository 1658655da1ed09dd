import { demoOpenApi } from './testing/openapi.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBodySchema } from '../../../contracts/common.js';
import { isCanonicalPath } from './canonical-path.js';
import { createServiceApp } from './http-app.js';
import { createAppMetrics } from './metrics.js';
import { start, type RunningServer } from './server.js';
import { silentLogger } from './testing/helpers.js';
import { sendRaw } from './testing/raw-http.js';

describe('canonical paths', () => {
  it.each(['/', '/api/info', '/api/info/', '/static/app.1234.js', '/api/jobs/a%2Fb', '/%zz', '/.well-known', '/a..b'])('%s is canonical', (path) => {
    expect(isCanonicalPath(path)).toBe(true);
  });

  it.each(['//', '/./', '/.', '/api//info', '/api/./info', '/api/../info', '/static/%2e%2e/x', '/%2E', '/a%2F%2Fb', '/a%2F..%2Fb', '/api/info//'])('%s is not', (path) => {
    expect(isCanonicalPath(path)).toBe(false);
  });

  describe('in front of static files', () => {
    let server: RunningServer;
    let dir: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'canonical-'));
      await writeFile(join(dir, 'index.html'), '<p>page</p>');
      const app = createServiceApp({
        openapi: demoOpenApi,
        logger: silentLogger(),
        metrics: createAppMetrics('canonical_demo'),
        mountRoutes: (app) => void app.use(express.static(dir, { redirect: false })),
      });
      server = await start(app, 0, '127.0.0.1');
    });
    afterAll(async () => {
      await server?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('serves a file by its own path only: other spellings answer the JSON 404 of an unknown route', async () => {
      expect((await fetch(`${server.url}/index.html`)).status).toBe(200);
      // fetch (and node:http given a URL) would resolve dot segments itself: the raw paths are sent byte for byte.
      for (const path of ['//index.html', '/./index.html', '/x/%2e%2e/index.html', '/%2e%2e/index.html']) {
        const { status, text } = await sendRaw(server.url, `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
        expect(status, path).toBe(404);
        expect(ErrorBodySchema.parse(JSON.parse(text)).error, path).toBe('not_found');
      }
    });
  });
});
