import { get as httpGet, type IncomingHttpHeaders } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBodySchema } from '../../../../contracts/common.js';
import { createServiceApp } from '../http-app.js';
import { createAppMetrics } from '../metrics.js';
import { start, type RunningServer } from '../server.js';
import { silentLogger } from '../testing/helpers.js';
import type { OpenApiDocument } from './docs-router.js';
import { docsPageHtml } from './page.js';
import { DocsAssets } from './renderer-assets.js';

const swaggerUiDist = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const document: OpenApiDocument = {
  openapi: '3.1.0',
  info: { title: 'docs-demo', version: '1.2.3' },
  servers: [{ url: 'http://localhost:9999' }],
  paths: { '/things': { get: { summary: 'Things' } } },
};

describe('a service serves its own contract: /openapi.json, /docs and the renderer, also under a prefix', () => {
  let server: RunningServer;

  beforeAll(async () => {
    const app = createServiceApp({ logger: silentLogger(), metrics: createAppMetrics('docs_demo'), openapi: document, docsAlsoUnder: ['/api'], mountRoutes() {} });
    server = await start(app, 0, '127.0.0.1');
  });
  afterAll(() => server?.close());

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server.url}${path}`, { headers });
  // Bytes as sent (fetch would decompress them) and headers as given (fetch adds Cache-Control to a conditional GET).
  const rawGet = (path: string, headers: Record<string, string>) =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      httpGet(`${server.url}${path}`, { headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      }).on('error', reject);
    });

  it('GET /openapi.json answers the document without its servers (the origin that served it is the server)', async () => {
    for (const prefix of ['', '/api']) {
      const response = await get(`${prefix}/openapi.json`);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const { servers: _, ...expected } = document;
      expect(await response.json()).toEqual(expected);
    }
  });

  it('GET /docs answers the page, under a CSP that keeps it on its origin, every URL under the prefix it was reached by', async () => {
    for (const prefix of ['', '/api']) {
      const response = await get(`${prefix}/docs`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('content-security-policy')).toMatch(/^default-src 'self';/);
      const html = await response.text();
      expect(html).toContain('<title>docs-demo: API reference</title>');
      expect(html).toContain(`data-spec-url="${prefix}/openapi.json"`);
      const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!).filter((url) => url !== 'data:,');
      expect(urls).toHaveLength(4);
      for (const url of urls) {
        expect(url.startsWith(`${prefix}/docs/assets/`), url).toBe(true);
        expect((await get(url)).status, url).toBe(200);
      }
    }
  });

  it('serves the renderer gzipped to browsers and plain to clients without gzip, revalidated by ETag', async () => {
    const original = readFileSync(join(swaggerUiDist, 'swagger-ui-bundle.js'));
    const raw = await rawGet('/docs/assets/swagger-ui-bundle.js', { 'accept-encoding': 'gzip' });
    expect(raw.headers['content-encoding']).toBe('gzip');
    expect(raw.headers['content-type']).toMatch(/^text\/javascript/);
    expect(gunzipSync(raw.body).equals(original)).toBe(true);
    const plain = await get('/docs/assets/swagger-ui-bundle.js', { 'accept-encoding': 'identity' });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(Buffer.from(await plain.arrayBuffer()).equals(original)).toBe(true);
    const again = await rawGet('/docs/assets/swagger-ui-bundle.js', { 'accept-encoding': 'gzip', 'if-none-match': String(raw.headers.etag) });
    expect(again.status).toBe(304);
  });

  it('answers an unknown asset with the JSON 404', async () => {
    for (const path of ['/docs/assets/index.html', '/docs/assets/..%2Fpackage.json', '/api/docs/assets/swagger-ui.js']) {
      const response = await get(path);
      expect(response.status, path).toBe(404);
      ErrorBodySchema.parse(await response.json());
    }
  });
});

describe('the renderer', () => {
  it('missing, stops the service at start-up naming it and how to fix it', () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-renderer-'));
    try {
      expect(() => new DocsAssets(empty)).toThrow(/swagger-ui-bundle\.js is missing; run `npm install` \(it brings swagger-ui-dist\), or rebuild the service image/);
    } finally {
      rmSync(empty, { recursive: true });
    }
  });

  it('in the static page, cannot be broken out of by the embedded document', () => {
    const html = docsPageHtml({ title: 'x', assets: 'assets', source: { document: { info: { description: '</script><script>alert(1)</script>' } } } });
    expect(html.match(/<\/script>/g)).toHaveLength(3); // the embedded document's and the two loaded scripts'
    expect(html).toContain('\\u003c/script>\\u003cscript>alert(1)\\u003c/script>');
  });
});
