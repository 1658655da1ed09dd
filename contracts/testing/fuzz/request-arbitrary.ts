import { METHODS } from 'node:http';
import fc from 'fast-check';
import { JSON_BODY_LIMIT_BYTES } from '../../limits.js';
import type { OpenApiDocument } from '../../registry.js';
import { anyCharacter, anyValue, conformingValue, type JsonSchema, type SchemaResolver } from './json-schema-arbitrary.js';

/** One request the fuzzer sends, and what it meant by it. */
export interface FuzzRequest {
  /**
   * Every part of it conforms to its operation's contract: then the answer must be one of the operation's own
   * responses, and not a refusal (400, or a shared error answer).
   */
  conforms: boolean;
  /** What it was made from: "POST /api/jobs", "unrouted" or "raw". */
  origin: string;
  /** What was changed from a conforming request, when something was. */
  mutation?: string;
  method: string;
  /** Path and query, as sent. */
  target: string;
  headers: Record<string, string>;
  body?: string;
  /** Sent byte for byte instead of method, target, headers and body (which then say what it claims to be). */
  raw?: string;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: JsonSchema;
}

interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body?: { required: boolean; mediaType: string; schema: JsonSchema };
}

interface OperationObjectLike {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: JsonSchema }> };
}

/** Every operation of an OpenAPI document, with the parts a request is made of. */
export function operationsOf(document: OpenApiDocument): Operation[] {
  // The document's own types allow $ref objects wherever zod-to-openapi writes plain ones for our contracts.
  const paths = (document.paths ?? {}) as Record<string, Record<string, OperationObjectLike>>;
  return Object.entries(paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => {
      const [mediaType, media] = Object.entries(operation.requestBody?.content ?? {})[0] ?? [];
      return {
        method: method.toUpperCase(),
        path,
        parameters: operation.parameters ?? [],
        body: mediaType && media ? { required: operation.requestBody?.required ?? false, mediaType, schema: media.schema } : undefined,
      };
    }),
  );
}

export function schemaResolver(document: OpenApiDocument): SchemaResolver {
  const schemas = (document.components?.schemas ?? {}) as Record<string, JsonSchema>;
  return (ref) => {
    const name = /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
    const schema = name ? schemas[name] : undefined;
    if (!schema) throw new Error(`the document has no schema ${ref}`);
    return schema;
  };
}

/** The shortest text that is not a valid JSON document. */
const malformedJson = fc.oneof(
  fc.constantFrom('{', '{"text": "x', '[1,]', "{'text': 'x'}", 'NaN', '{"a":1}}', '\u0000', ''),
  fc.string({ unit: anyCharacter, maxLength: 20 }).filter((text) => !isJson(text)),
);

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** JSON with every character of every string written as a \uXXXX escape: the most bytes a value can take. */
function escapeEverything(value: unknown): string {
  if (typeof value === 'string') return `"${[...Array(value.length).keys()].map((i) => `\\u${value.charCodeAt(i).toString(16).padStart(4, '0')}`).join('')}"`;
  if (Array.isArray(value)) return `[${value.map(escapeEverything).join(',')}]`;
  if (value !== null && typeof value === 'object') return `{${Object.entries(value).map(([key, item]) => `${escapeEverything(key)}:${escapeEverything(item)}`).join(',')}}`;
  return JSON.stringify(value);
}

/** The ways a conforming JSON body can be spelled; escaped (the longest) as often as the others together. */
const spelling = fc.constantFrom('compact', 'pretty', 'escaped', 'escaped');
function spell(value: unknown, how: string): string {
  if (how === 'escaped') return escapeEverything(value);
  return JSON.stringify(value, null, how === 'pretty' ? 2 : undefined);
}

/** Lone surrogates as U+FFFD, as UTF-8 encoders write them (String.prototype.toWellFormed, which es2023 lacks). */
const wellFormed = (text: string): string => text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

const encodeSegment = (value: string): string => encodeURIComponent(wellFormed(value));

/** A path segment as a careless or hostile client writes it: broken percent-encoding, dot segments, NUL, nothing. */
const anySegment = fc.oneof(
  fc.constantFrom('', '.', '..', '%', '%zz', '%00', '%2F', '%2e%2e', '%C0%AF', '%FF', 'a%2Fb', '~', ';x=1'),
  fc.string({ unit: anyCharacter, maxLength: 12 }).map(encodeSegment),
  fc.webSegment(),
);

/** Header values Node's client lets through: printable ASCII (obs-text aside), never CR or LF. */
const headerValue = fc.string({ unit: 'grapheme-ascii', maxLength: 40 });
const headerName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,20}$/).filter((name) => !/^(content-length|transfer-encoding|host|connection|expect)$/i.test(name));

/** Methods a client may send; Node's parser refuses tokens outside its list before any route sees them. */
const anyMethod = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND', 'PURGE') },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Z]{1,10}$/) },
);

type PathSpelling = 'trailing slash' | 'double slash' | 'upper case' | 'extra segment';

function respell(path: string, spelling: PathSpelling | undefined): string {
  switch (spelling) {
    case 'trailing slash':
      return `${path}/`;
    case 'double slash':
      return path.replace(/^\//, '//');
    case 'upper case':
      return path.toUpperCase();
    case 'extra segment':
      return `${path}/x`;
    default:
      return path;
  }
}

interface Parts {
  method: string;
  spelling?: PathSpelling;
  segments: Record<string, string>;
  query: [string, string][];
  headers: Record<string, string>;
  body?: string;
}

function render(operation: Operation, parts: Parts): Pick<FuzzRequest, 'method' | 'target' | 'headers' | 'body'> {
  const path = respell(operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => parts.segments[name] ?? ''), parts.spelling);
  const query = parts.query.length > 0 ? `?${new URLSearchParams(parts.query).toString()}` : '';
  return { method: parts.method, target: `${path}${query}`, headers: parts.headers, body: parts.body };
}

function conformingParts(operation: Operation, resolve: SchemaResolver): fc.Arbitrary<Parts> {
  const where = `${operation.method} ${operation.path}`;
  const segments = fc.record(
    Object.fromEntries(
      operation.parameters
        .filter((parameter) => parameter.in === 'path')
        .map((parameter) => [
          parameter.name,
          conformingValue(parameter.schema, resolve, `${where} ${parameter.name}`)
            .map(String)
            // A path segment cannot be empty, "." or "..": a client removes dot segments (RFC 3986) before sending.
            .filter((value) => value !== '' && value !== '.' && value !== '..')
            .map(encodeSegment),
        ]),
    ),
  );
  const query = fc
    .tuple(
      ...operation.parameters
        .filter((parameter) => parameter.in === 'query')
        .map((parameter) => {
          const value = conformingValue(parameter.schema, resolve, `${where} ${parameter.name}`).map((v): [string, string] => [parameter.name, String(v)]);
          return parameter.required ? value.map((pair) => [pair]) : fc.option(value, { nil: undefined }).map((pair) => (pair ? [pair] : []));
        }),
    )
    .map((pairs) => pairs.flat());
  const spelledBody = operation.body
    ? fc.tuple(conformingValue(operation.body.schema, resolve, `${where} body`), spelling).map(([value, how]): string | undefined => spell(value, how))
    : fc.constant(undefined);
  // An optional body is left out as often as not: a service that needs it anyway shows at once.
  const body = operation.body?.required === false ? fc.option(spelledBody, { nil: undefined, freq: 1 }) : spelledBody;
  const method = operation.method === 'GET' ? fc.constantFrom('GET', 'GET', 'HEAD') : fc.constant(operation.method);
  const extraHeaders = fc.record({ accept: fc.constantFrom('*/*', 'application/json', 'text/html'), 'user-agent': headerValue }, { requiredKeys: [] });
  const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'Application/JSON');
  return fc.record({ method, segments, query, body, extraHeaders, contentType }).map(({ method, segments, query, body, extraHeaders, contentType }) => ({
    method,
    segments,
    query,
    body,
    headers: body === undefined ? extraHeaders : { ...extraHeaders, 'content-type': contentType },
  }));
}

/** One change that may break a conforming request, named for the failure message. */
type Mutation = [name: string, change: (parts: Parts) => Parts];

function mutations(operation: Operation, resolve: SchemaResolver): fc.Arbitrary<Mutation> {
  const where = `${operation.method} ${operation.path}`;
  const pathParameters = operation.parameters.filter((parameter) => parameter.in === 'path');
  const queryParameters = operation.parameters.filter((parameter) => parameter.in === 'query');
  const method = anyMethod.map((method): Mutation => [`method ${method}`, (parts) => ({ ...parts, method })]);
  const options: fc.Arbitrary<Mutation>[] = [
    method,
    method,
    fc.tuple(headerName, headerValue).map(([name, value]): Mutation => [`header ${name}`, (parts) => ({ ...parts, headers: { ...parts.headers, [name]: value } })]),
    fc.integer({ min: 16 * 1024, max: 20 * 1024 }).map((size): Mutation => [`a ${size}-byte header`, (parts) => ({ ...parts, headers: { ...parts.headers, 'x-padding': 'a'.repeat(size) } })]),
    headerValue.map((value): Mutation => [`Expect: ${value}`, (parts) => ({ ...parts, headers: { ...parts.headers, expect: value } })]),
    fc
      .constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'application/merge-patch+json', 'multipart/form-data; boundary=x', '*/*', ';;')
      .map((type): Mutation => [`content-type ${type}`, (parts) => ({ ...parts, headers: { ...parts.headers, 'content-type': type } })]),
    fc
      .constantFrom('gzip', 'deflate', 'br', 'identity', 'zstd', 'x-unknown')
      .map((encoding): Mutation => [`content-encoding ${encoding}`, (parts) => ({ ...parts, headers: { ...parts.headers, 'content-type': 'application/json', 'content-encoding': encoding } })]),
    malformedJson.map((text): Mutation => [`malformed JSON body ${JSON.stringify(text)}`, (parts) => ({ ...parts, body: text, headers: { ...parts.headers, 'content-type': 'application/json' } })]),
    fc.integer({ min: 1, max: 2048 }).map((extra): Mutation => [
      `a body ${extra} bytes over the limit`,
      (parts) => ({ ...parts, body: `{}${' '.repeat(JSON_BODY_LIMIT_BYTES - 2 + extra)}`, headers: { ...parts.headers, 'content-type': 'application/json' } }),
    ]),
    fc.constantFrom<PathSpelling>('trailing slash', 'double slash', 'upper case', 'extra segment').map((spelling): Mutation => [`path with ${spelling}`, (parts) => ({ ...parts, spelling })]),
    fc.tuple(fc.string({ unit: anyCharacter, maxLength: 8 }), fc.string({ unit: anyCharacter, maxLength: 8 })).map(([key, value]): Mutation => [
      `query parameter ${JSON.stringify(key)}`,
      (parts) => ({ ...parts, query: [...parts.query, [wellFormed(key), wellFormed(value)]] }),
    ]),
  ];
  if (operation.body) {
    const body = operation.body;
    options.push(
      fc.tuple(anyValue(body.schema, resolve, `${where} body`), spelling).map(([value, how]): Mutation => [
        `body ${JSON.stringify(value)?.slice(0, 120)}`,
        (parts) => ({ ...parts, body: spell(value, how), headers: { ...parts.headers, 'content-type': 'application/json' } }),
      ]),
      fc.constant<Mutation>(['no body', (parts) => ({ ...parts, body: undefined })]),
    );
  }
  for (const parameter of pathParameters) {
    options.push(anySegment.map((segment): Mutation => [`path ${parameter.name} ${JSON.stringify(segment)}`, (parts) => ({ ...parts, segments: { ...parts.segments, [parameter.name]: segment } })]));
  }
  for (const parameter of queryParameters) {
    options.push(
      anyValue(parameter.schema, resolve, `${where} ${parameter.name}`).map((value): Mutation => {
        const text = typeof value === 'string' ? wellFormed(value) : JSON.stringify(value);
        return [`query ${parameter.name}=${JSON.stringify(text)}`, (parts) => ({ ...parts, query: [...parts.query.filter(([name]) => name !== parameter.name), [parameter.name, text]] })];
      }),
      fc.constant<Mutation>([`query ${parameter.name} twice`, (parts) => ({ ...parts, query: [...parts.query, [parameter.name, '1'], [parameter.name, '2']] })]),
    );
  }
  return fc.oneof(...options);
}

function requestsFor(operation: Operation, resolve: SchemaResolver): fc.Arbitrary<FuzzRequest> {
  const origin = `${operation.method} ${operation.path}`;
  const parts = conformingParts(operation, resolve);
  const conforming = parts.map((p): FuzzRequest => ({ conforms: true, origin, ...render(operation, p) }));
  const mutated = fc.tuple(parts, fc.array(mutations(operation, resolve), { minLength: 1, maxLength: 2 })).map(([p, changes]): FuzzRequest => ({
    conforms: false,
    origin,
    mutation: changes.map(([name]) => name).join(' + '),
    ...render(operation, changes.reduce((current, [, change]) => change(current), p)),
  }));
  // Conforming requests a little more often: a refusal of one is the sharper finding.
  return fc.oneof({ weight: 3, arbitrary: conforming }, { weight: 2, arbitrary: mutated });
}

/** Paths no operation has: random segments, and the document's own paths with something added. */
function unroutedRequests(paths: string[]): fc.Arbitrary<FuzzRequest> {
  const path = fc.oneof(
    fc.array(anySegment, { minLength: 1, maxLength: 4 }).map((segments) => `/${segments.join('/')}`),
    fc.tuple(fc.constantFrom(...paths), anySegment).map(([known, extra]) => `${known.replace(/\{[^}]+\}/g, 'x')}/x/${extra}`),
  );
  return fc.record({ method: anyMethod, path }).map(({ method, path }): FuzzRequest => ({ conforms: false, origin: 'unrouted', method, target: path, headers: {} }));
}

/** Requests Node's HTTP parser itself must refuse (or CONNECT, which it hands to no route): sent as bytes. */
function rawRequests(paths: string[]): fc.Arbitrary<FuzzRequest> {
  const path = fc.constantFrom(...paths.map((known) => known.replace(/\{[^}]+\}/g, 'x')));
  const unknownMethod = fc.stringMatching(/^[A-Z]{2,10}$/).filter((method) => !METHODS.includes(method));
  const request = (method: string, target: string, lines: string[], body = '') => ({ method, target, raw: [`${method} ${target} HTTP/1.1`, 'Host: localhost', 'Connection: close', ...lines, '', body].join('\r\n') });
  const kinds = fc.oneof(
    fc.tuple(unknownMethod, path).map(([method, target]) => request(method, target, [])),
    path.map((target) => request('GET', target, ['Content-Length: abc'])),
    path.map((target) => request('POST', target, ['Content-Length: 2', 'Transfer-Encoding: chunked', 'Content-Type: application/json'], '{}')),
    path.map((target) => request('POST', target, ['Transfer-Encoding: chunked', 'Content-Type: application/json'], 'zz\r\n{}\r\n0\r\n\r\n')),
    fc.tuple(path, fc.constantFrom('Bad Header: x', 'X-Nul: a\u0000b', ': empty name', 'X-Fold: a\r\n folded')).map(([target, line]) => request('GET', target, [line])),
    fc.constant(request('CONNECT', 'localhost:443', [])),
    fc.constant({ method: 'PRI', target: '*', raw: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' }),
    fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 40 }).map((bytes) => ({ method: 'RAW', target: '/', raw: `${bytes}\r\n\r\n` })),
  );
  return kinds.map((kind): FuzzRequest => ({ conforms: false, origin: 'raw', headers: {}, ...kind }));
}

/** Requests made from every operation of `document` (three in five conforming), plus unrouted and raw ones. */
export function requestArbitrary(document: OpenApiDocument): fc.Arbitrary<FuzzRequest> {
  const resolve = schemaResolver(document);
  const operations = operationsOf(document);
  const paths = [...new Set(operations.map((operation) => operation.path))];
  // An operation with more inputs has more to get wrong: it gets more of the requests.
  const inputs = (operation: Operation) => 1 + 2 * operation.parameters.length + (operation.body ? 4 : 0);
  return fc.oneof(
    { weight: 8, arbitrary: fc.oneof(...operations.map((operation) => ({ weight: inputs(operation), arbitrary: requestsFor(operation, resolve) }))) },
    { weight: 1, arbitrary: unroutedRequests(paths) },
    { weight: 1, arbitrary: rawRequests(paths) },
  );
}

/** What a failure message shows of a request: long bodies and headers shortened. */
export function describeRequest(request: FuzzRequest): string {
  const short = (text: string) => (text.length > 300 ? `${JSON.stringify(text.slice(0, 300))}… (${text.length} characters)` : JSON.stringify(text));
  const intent = `${request.conforms ? 'conforming' : 'non-conforming'} request from ${request.origin}${request.mutation ? `, changed: ${request.mutation.slice(0, 300)}` : ''}`;
  if (request.raw !== undefined) return `${intent}: raw ${short(request.raw)}`;
  const headers = Object.entries(request.headers).map(([name, value]) => `${name}: ${short(value)}`).join(', ');
  return `${intent}: ${request.method} ${short(request.target)} [${headers}]${request.body === undefined ? '' : ` body ${short(request.body)}`}`;
}
