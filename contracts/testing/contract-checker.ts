import { expect } from 'vitest';
import { z } from 'zod';
import type { ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { ErrorBodySchema, METRICS_CONTENT_TYPE, type ServiceContract } from '../common.js';

type Method = 'GET' | 'POST' | 'PUT';

function templateToRegExp(path: string): RegExp {
  const pattern = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+');
  return new RegExp(`^${pattern}$`);
}

const STACK_TRACE = /\n\s+at .+\(.*:\d+:\d+\)|node:internal|\.ts:\d+:\d+/;

/**
 * Checks live responses against a service's contract and remembers which documented responses were seen, so a
 * test file can assert it exercised every endpoint and every documented status.
 */
export class ContractChecker {
  constructor(
    private readonly contract: ServiceContract,
    private readonly baseUrl: () => string,
    private readonly seen = new Set<string>(),
  ) {}

  /** The same checks against another instance of the service (e.g. started with other settings), sharing coverage. */
  at(baseUrl: () => string): ContractChecker {
    return new ContractChecker(this.contract, baseUrl, this.seen);
  }

  /** Sends the request, checks the answer against the contract, returns the parsed body. */
  async request(
    method: Method,
    path: string,
    init: { body?: string; contentType?: string; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: unknown; text: string; headers: Headers }> {
    const headers: Record<string, string> = { ...init.headers };
    if (init.contentType) headers['content-type'] = init.contentType;
    const response = await fetch(`${this.baseUrl()}${path}`, { method, headers, body: init.body });
    const text = await response.text();
    const contentType = response.headers.get('content-type') ?? '';
    const body = this.check(method, path, response.status, contentType, text);
    return { status: response.status, body, text, headers: response.headers };
  }

  private findRoute(method: Method, path: string): RouteConfig | undefined {
    const pathname = path.split('?')[0]!;
    return Object.values(this.contract.routes).find(
      (route) => route.method === method.toLowerCase() && templateToRegExp(route.path).test(pathname),
    );
  }

  private check(method: Method, path: string, status: number, contentType: string, text: string): unknown {
    const where = `${this.contract.service}: ${method} ${path} -> ${status}`;
    expect(text, `${where} leaks a stack trace`).not.toMatch(STACK_TRACE);
    const route = this.findRoute(method, path);
    const documented = route?.responses[String(status)] as ResponseConfig | undefined;

    if (!route || !documented) {
      // Behaviour every route shares (GLOBAL_BEHAVIOUR): unknown routes 404, malformed bodies 400, both ErrorBody.
      expect([400, 404], `${where}: not in the contract (documented: ${route ? Object.keys(route.responses).join(', ') : 'no such route'})`).toContain(status);
      expect(contentType, where).toMatch(/^application\/json/);
      const body = parseJson(text, where);
      expectSchema(ErrorBodySchema, body, where);
      this.seen.add(`* ${status}`);
      return body;
    }

    this.seen.add(`${route.method.toUpperCase()} ${route.path} ${status}`);
    const [mediaType, media] = Object.entries(documented.content ?? {})[0] ?? [];
    if (!mediaType || !media || !('schema' in media)) return text;
    if (mediaType === METRICS_CONTENT_TYPE) {
      expect(contentType, where).toBe(METRICS_CONTENT_TYPE);
      return text;
    }
    expect(contentType, `${where}: content type`).toMatch(new RegExp(`^${mediaType.replace('/', '\\/')}`));
    if (mediaType !== 'application/json') return text;
    const body = parseJson(text, where);
    const schema = media.schema;
    if (!(schema instanceof z.ZodType)) throw new Error(`${where}: the contract's schema is not a zod schema`);
    expectSchema(schema, body, where);
    return body;
  }

  /** Every documented (route, status) and the shared 400/404 answers were observed. */
  expectEverythingCovered(): void {
    const expected = Object.values(this.contract.routes).flatMap((route) =>
      Object.keys(route.responses).map((status) => `${route.method.toUpperCase()} ${route.path} ${status}`),
    );
    expected.push('* 400', '* 404');
    expect(expected.filter((entry) => !this.seen.has(entry)), `${this.contract.service}: documented responses never exercised`).toEqual([]);
  }
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${where}: body is not JSON: ${text.slice(0, 200)}`);
  }
}

function expectSchema(schema: z.ZodType, body: unknown, where: string): void {
  const result = schema.safeParse(body);
  if (!result.success) throw new Error(`${where}: body breaks the contract:\n${z.prettifyError(result.error)}\nbody: ${JSON.stringify(body)}`);
}

/** The metric names present in a Prometheus text exposition (from its # TYPE lines). */
export function metricNames(text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]!));
}
