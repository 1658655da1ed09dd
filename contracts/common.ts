import { z } from 'zod';
import type { ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { JSON_BODY_LIMIT_BYTES } from './limits.js';

// Schemas here carry their OpenAPI names through zod's own `.meta({ id })`, so services can import this
// file (and z.infer its types) without pulling the OpenAPI generator into their bundles.

/**
 * `schema | null`. Use this instead of `.nullable()` on a named schema: zod-to-openapi 9 turns
 * `Named.nullable()` into a bare $ref and marks the shared component itself as nullable.
 */
export function orNull<T extends z.ZodType>(schema: T) {
  return z.union([schema, z.null()]);
}

export const ErrorBodySchema = z
  .object({
    error: z.string().meta({ description: 'Machine-readable error code', example: 'not_found' }),
    message: z.string().meta({ description: 'What went wrong, for a human', example: 'No route for GET /nope' }),
  })
  .strict()
  .meta({ id: 'ErrorBody', description: 'Every 4xx/5xx JSON response. Never contains a stack trace.' });
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

export const LiveOkSchema = z
  .object({ status: z.literal('ok') })
  .strict()
  .meta({ id: 'LiveOk', description: 'The process can serve requests.' });
export type LiveOk = z.infer<typeof LiveOkSchema>;

export const LiveFailingSchema = z
  .object({
    status: z.literal('failing'),
    reason: z.string().meta({ example: 'liveness disabled by test toggle' }),
  })
  .strict()
  .meta({ id: 'LiveFailing', description: 'Liveness deliberately failed (test toggle).' });
export type LiveFailing = z.infer<typeof LiveFailingSchema>;

export const DependencyCheckSchema = z
  .object({
    name: z.string().meta({ example: 'redis' }),
    status: z.enum(['up', 'down']),
    latencyMs: z.number().nonnegative().nullable().meta({ description: 'Round-trip time of the check, null when it failed' }),
    error: z.string().nullable().meta({ example: 'ping timed out after 1000 ms' }),
  })
  .strict()
  .meta({ id: 'DependencyCheck' });
export type DependencyCheck = z.infer<typeof DependencyCheckSchema>;

export const ReadySchema = z
  .object({
    status: z.literal('ready'),
    checks: z.array(DependencyCheckSchema),
  })
  .strict()
  .meta({ id: 'Ready', description: 'Every dependency answered and the service is not shutting down.' });
export type Ready = z.infer<typeof ReadySchema>;

export const NotReadySchema = z
  .object({
    status: z.literal('not_ready'),
    reasons: z
      .array(z.string())
      .min(1)
      .meta({ description: 'What failed, one line each', example: ['redis: ping timed out after 1000 ms'] }),
    checks: z.array(DependencyCheckSchema).meta({ description: 'Dependency checks run for this answer (none while shutting down)' }),
  })
  .strict()
  .meta({ id: 'NotReady', description: 'A dependency failed, the service is shutting down, or readiness was disabled by a test toggle.' });
export type NotReady = z.infer<typeof NotReadySchema>;

/** Prometheus text exposition: checked by content type and metric names, not by a schema. */
export const MetricsTextSchema = z.string().meta({ description: 'Prometheus text exposition format 0.0.4' });
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function jsonResponse(description: string, schema: z.ZodType): ResponseConfig {
  return { description, content: { 'application/json': { schema } } };
}

export const errorResponse = (description: string): ResponseConfig => jsonResponse(description, ErrorBodySchema);

export function healthRoutes(
  tag: string,
  options: { liveCanBeToggled?: boolean } = {},
): { live: RouteConfig; ready: RouteConfig; metrics: RouteConfig } {
  return {
    live: {
      method: 'get',
      path: '/health/live',
      tags: [tag],
      summary: 'Liveness: the process can serve. Never depends on other services.',
      responses: {
        200: jsonResponse('Alive', LiveOkSchema),
        ...(options.liveCanBeToggled ? { 503: jsonResponse('Liveness disabled by a test toggle', LiveFailingSchema) } : {}),
      },
    },
    ready: {
      method: 'get',
      path: '/health/ready',
      tags: [tag],
      summary: 'Readiness: dependencies answer and the service is not shutting down.',
      responses: {
        200: jsonResponse('Ready to receive traffic', ReadySchema),
        503: jsonResponse('Not ready; the body names what failed', NotReadySchema),
      },
    },
    metrics: {
      method: 'get',
      path: '/metrics',
      tags: [tag],
      summary: 'Prometheus metrics',
      responses: { 200: { description: 'Prometheus text format', content: { [METRICS_CONTENT_TYPE]: { schema: MetricsTextSchema } } } },
    },
  };
}

/** The part of an OpenAPI document a client needs to recognise one; the rest is the document itself. */
export const OpenApiDocumentSchema = z
  .looseObject({
    openapi: z.string().regex(/^3\.1\.\d+$/).meta({ example: '3.1.0' }),
    info: z.looseObject({ title: z.string(), version: z.string() }),
    paths: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'OpenApiDocument', description: 'OpenAPI 3.1: this contract, as contracts/openapi holds it, without `servers` (this origin is the server)' });

/**
 * Every service serves its own contract: the OpenAPI document, and a reference page rendered from it in the browser
 * (Swagger UI, served by the service itself: no CDN, no network). `prefix` serves them under another path too (the
 * gateway's /api, the only prefix the Ingress routes to it).
 */
export function docsRoutes(tag: string, prefix = ''): Record<string, RouteConfig> {
  const key = (name: string) => (prefix ? `${prefix.replace(/\W/g, '')}${name[0]!.toUpperCase()}${name.slice(1)}` : name);
  return {
    [key('openapi')]: {
      method: 'get',
      path: `${prefix}/openapi.json`,
      tags: [tag],
      summary: "This service's OpenAPI document",
      responses: { 200: jsonResponse('The OpenAPI 3.1 document', OpenApiDocumentSchema) },
    },
    [key('docs')]: {
      method: 'get',
      path: `${prefix}/docs`,
      tags: [tag],
      summary: `The API reference page, rendered from ${prefix}/openapi.json (its assets load from ${prefix}/docs/assets/)`,
      responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: z.string() } } } },
    },
  };
}

/**
 * Error answers any request can get, whatever its route, before a route sees it (from express.json and from Node's
 * HTTP parser), each with an ErrorBody: every operation of every document lists them (as shared components).
 */
export const SHARED_ERROR_RESPONSES: Readonly<Record<number, { name: string; description: string }>> = {
  400: {
    name: 'MalformedRequest',
    description:
      'Malformed request: a body that is not valid JSON (with a JSON content type), a path that is not valid percent-encoding, or bytes that are not HTTP (an unknown method, broken framing)',
  },
  408: { name: 'RequestTimeout', description: "The request's headers or body did not arrive in time" },
  413: { name: 'PayloadTooLarge', description: `Request body over ${JSON_BODY_LIMIT_BYTES} bytes` },
  415: { name: 'UnsupportedMediaType', description: 'A body in a charset or content encoding the service does not read' },
  417: { name: 'ExpectationFailed', description: 'An Expect header other than 100-continue' },
  431: { name: 'RequestHeaderFieldsTooLarge', description: 'Request headers over 16 KiB' },
};

/**
 * Behaviour shared by every route of every service, which OpenAPI cannot attach to "any path":
 * documented once per document and checked by the contract tests.
 */
export const GLOBAL_BEHAVIOUR = [
  'Any unknown route (a path, or a method the path lacks) answers 404 with an ErrorBody.',
  'OPTIONS is such a method on every path (no cross-origin caller is served): 404 with an ErrorBody.',
  'Paths match case-insensitively and with or without a trailing slash; a path with an empty, "." or ".." segment (also percent-encoded) is unknown.',
  `Every operation can also answer ${Object.keys(SHARED_ERROR_RESPONSES).join(', ')} with an ErrorBody (listed on each).`,
  'No response ever carries a stack trace.',
].join('\n');

/** The documented responses of `route`: its own, and the shared error answers it does not name itself. */
export function routeResponses(route: RouteConfig): Record<string, ResponseConfig> {
  const shared = Object.entries(SHARED_ERROR_RESPONSES).map(([status, { description }]) => [status, errorResponse(description)] as const);
  return { ...Object.fromEntries(shared), ...(route.responses as Record<string, ResponseConfig>) };
}

export interface ServiceContract {
  service: string;
  title: string;
  description: string;
  defaultPort: number;
  /** Metric names a Prometheus scrape must contain. */
  requiredMetrics: readonly string[];
  routes: Record<string, RouteConfig>;
}
