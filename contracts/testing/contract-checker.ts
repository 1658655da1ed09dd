import { expect } from 'vitest';
import { z } from 'zod';
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { ErrorBodySchema, METRICS_CONTENT_TYPE, routeResponses, SHARED_ERROR_RESPONSES, type ServiceContract } from '../common.js';

/** An HTTP method, upper case. */
export type Method = string;

export interface ObservedResponse {
  status: number;
  contentType: string;
  text: string;
}

/** A route template as Express matches it: `{param}` is one segment, case-insensitive, a trailing slash optional. */
function templateToRegExp(path: string): RegExp {
  const pattern = path
    .replace(/\/$/, '')
    .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
    .replace(/\\?\{[^}]+\\?\}/g, '[^/]+');
  return new RegExp(`^${pattern}/?$`, 'i');
}

/** What any request may get where no route matches its method and path (GLOBAL_BEHAVIOUR). */
const UNROUTED_STATUSES = [404, ...Object.keys(SHARED_ERROR_RESPONSES).map(Number)];

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
    const body = this.check(method, path, { status: response.status, contentType, text });
    return { status: response.status, body, text, headers: response.headers };
  }

  /** The contract's route for this method and path (HEAD is GET without a body), as Express would match it. */
  findRoute(method: Method, path: string): RouteConfig | undefined {
    const pathname = path.split('?')[0]!;
    const routeMethod = method === 'HEAD' ? 'get' : method.toLowerCase();
    return Object.values(this.contract.routes).find((route) => route.method === routeMethod && templateToRegExp(route.path).test(pathname));
  }

  /** Checks a response to `method path` against the contract (throws on a breach); returns the parsed body. */
  check(method: Method, path: string, { status, contentType, text }: ObservedResponse): unknown {
    const where = `${this.contract.service}: ${method} ${path} -> ${status}`;
    expect(text, `${where} leaks a stack trace`).not.toMatch(STACK_TRACE);
    const route = this.findRoute(method, path);
    const documented = route ? routeResponses(route)[String(status)] : undefined;

    if (!route || !documented) {
      // Behaviour every route shares (GLOBAL_BEHAVIOUR): unknown routes 404, the shared error answers, all ErrorBody.
      expect(UNROUTED_STATUSES, `${where}: not in the contract (documented: ${route ? Object.keys(routeResponses(route)).join(', ') : `no such route: ${UNROUTED_STATUSES.join(', ')}`})`).toContain(status);
      this.seen.add(`* ${status}`);
      if (method === 'HEAD') return text;
      expect(contentType, where).toMatch(/^application\/json/);
      const body = parseJson(text, where);
      expectSchema(ErrorBodySchema, body, where);
      return body;
    }

    this.seen.add(`${route.method.toUpperCase()} ${route.path} ${status}`);
    if (method === 'HEAD') return text;
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
