import GithubSlugger from 'github-slugger';
import { markdownTable } from 'markdown-table';
import type { ServiceContract } from '../common.js';
import { documentFileName, type OpenApiDocument } from '../registry.js';

// The Markdown reference of a contract, for reading on GitHub: an index of the operations, one section per operation
// (parameters, request body, responses) and one per named schema (its fields, their rules), linked by anchor.

/** The JSON Schema subset zod-to-openapi emits for our contracts. */
interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  maxItems?: number;
  description?: string;
  example?: unknown;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: JsonSchema;
}

interface MediaContent {
  schema?: JsonSchema;
}

interface Response {
  description?: string;
  content?: Record<string, MediaContent>;
}

/** A reference to a shared part of the document, e.g. `#/components/responses/PayloadTooLarge`. */
interface Reference {
  $ref: string;
}

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; description?: string; content?: Record<string, MediaContent> };
  /** Each status's own response, or (the shared error answers) a reference to one in `components.responses`. */
  responses?: Record<string, Response | Reference>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const code = (text: string): string => `\`${text}\``;
/** A table cell: one line, no column breaks. */
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
const schemaName = (ref: string): string => ref.slice(ref.lastIndexOf('/') + 1);
const isInlineObject = (schema: JsonSchema): boolean => schema.$ref === undefined && schema.properties !== undefined;

/** Anchors as GitHub makes them, in the order the headings appear (repeated headings get -1, -2, ...). */
class Anchors {
  private readonly slugger = new GithubSlugger();
  private readonly byHeading = new Map<string, string>();

  /** Registers headings in document order; returns their anchors. */
  add(heading: string): string {
    const anchor = this.slugger.slug(heading);
    this.byHeading.set(heading, anchor);
    return anchor;
  }

  link(text: string, heading: string): string {
    const anchor = this.byHeading.get(heading);
    if (anchor === undefined) throw new Error(`no heading "${heading}" in the Markdown reference`);
    return `[${text}](#${anchor})`;
  }
}

export function renderServiceMarkdown(contract: ServiceContract, document: OpenApiDocument): string {
  const anchors = new Anchors();
  const paths = (document.paths ?? {}) as Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
  const operations = Object.entries(paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => (item[method] ? [{ heading: `${method.toUpperCase()} ${path}`, operation: item[method] }] : [])),
  );
  const schemas = (document.components?.schemas ?? {}) as Record<string, JsonSchema>;
  const sharedResponses = (document.components?.responses ?? {}) as Record<string, Response>;

  /** The response itself: a shared one (`#/components/responses/<name>`) looked up in the document's components. */
  const responseOf = (response: Response | Reference): Response => {
    if (!('$ref' in response)) return response;
    const name = /^#\/components\/responses\/(.+)$/.exec(response.$ref)?.[1];
    const shared = name === undefined ? undefined : sharedResponses[name];
    if (!shared) throw new Error(`the document has no response ${response.$ref}`);
    return shared;
  };

  // Headings in the order they are written below, so that each anchor is the one GitHub gives it.
  anchors.add(contract.title);
  anchors.add('Operations');
  for (const { heading } of operations) anchors.add(heading);
  anchors.add('Schemas');
  for (const name of Object.keys(schemas)) anchors.add(name);

  const typeOf = (schema: JsonSchema | undefined): string => {
    if (!schema) return 'any';
    if (schema.$ref) return anchors.link(schemaName(schema.$ref), schemaName(schema.$ref));
    if (schema.const !== undefined) return code(JSON.stringify(schema.const));
    if (schema.enum) return schema.enum.map((value) => code(JSON.stringify(value))).join(' or ');
    const union = schema.anyOf ?? schema.oneOf;
    if (union) return union.map(typeOf).join(' or ');
    const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
    if (types.length === 0) return 'any';
    return types
      .map((type) => {
        if (type === 'array') return `array of ${typeOf(schema.items)}`;
        if (type === 'object' && !schema.properties && typeof schema.additionalProperties === 'object') return `map of ${typeOf(schema.additionalProperties)}`;
        if (type === 'string' && schema.format) return `${code('string')} (${schema.format})`;
        return code(type);
      })
      .join(' or ');
  };

  const rulesOf = (schema: JsonSchema): string[] => {
    const rules: string[] = [];
    const range = (low: number | undefined, high: number | undefined, unit?: string) => {
      const counted = (n: number) => (unit ? `${n} ${unit}${n === 1 ? '' : 's'}` : String(n));
      if (low !== undefined && high !== undefined) rules.push(low === high ? `exactly ${counted(low)}` : `${low} to ${counted(high)}`);
      else if (low !== undefined) rules.push(`at least ${counted(low)}`);
      else if (high !== undefined) rules.push(`at most ${counted(high)}`);
    };
    range(schema.minLength, schema.maxLength, 'character');
    range(schema.minimum, schema.maximum);
    if (schema.exclusiveMinimum !== undefined) rules.push(`more than ${schema.exclusiveMinimum}`);
    range(schema.minItems, schema.maxItems, 'item');
    if (schema.pattern) rules.push(`matches ${code(schema.pattern)}`);
    if (schema.example !== undefined) rules.push(`e.g. ${code(JSON.stringify(schema.example))}`);
    return rules;
  };

  const describe = (schema: JsonSchema): string => cell([schema.description, ...rulesOf(schema)].filter(Boolean).join('; '));

  /** One row per field, inline objects (and arrays of them, and unions with them) unfolded as a.b and a[].b. */
  const fieldRows = (schema: JsonSchema, prefix = ''): string[][] =>
    Object.entries(schema.properties ?? {}).flatMap(([name, field]) => {
      const path = `${prefix}${name}`;
      const row = [code(path), cell(typeOf(field)), schema.required?.includes(name) ? 'yes' : 'no', describe(field)];
      const nested = [field, field.items, ...(field.anyOf ?? field.oneOf ?? [])].filter((part): part is JsonSchema => part !== undefined && isInlineObject(part));
      return [row, ...nested.flatMap((part) => fieldRows(part, part === field.items ? `${path}[].` : `${path}.`))];
    });

  const fieldsTable = (schema: JsonSchema): string[] => {
    if (isInlineObject(schema)) return [markdownTable([['Field', 'Type', 'Required', 'Description'], ...fieldRows(schema)])];
    return [`${typeOf(schema)}${describe(schema) ? `: ${describe(schema)}` : ''}`];
  };

  const bodyOf = (content: Record<string, MediaContent> | undefined): string =>
    Object.entries(content ?? {})
      .map(([mediaType, media]) => `${code(mediaType)} ${typeOf(media.schema)}`)
      .join(', ') || 'none';

  const out: string[] = [];
  out.push(`<!-- Generated by \`npm run docs\` from contracts/${contract.service}.ts: do not edit. -->`);
  out.push(`# ${contract.title}`);
  out.push((document.info.description ?? '').split('\n').filter(Boolean).join('\n\n'));
  out.push(
    [
      `The running service serves this reference itself: ${code('GET /docs')} (rendered, with "try it out") and ${code('GET /openapi.json')}.`,
      `Default port ${contract.defaultPort}. OpenAPI 3.1 document: [contracts/openapi/${documentFileName(contract)}](../../contracts/openapi/${documentFileName(contract)});`,
      `the same reference as a page: [site/${contract.service}.html](site/${contract.service}.html).`,
    ].join(' '),
  );

  out.push('## Operations');
  out.push(
    markdownTable([
      ['Operation', 'Summary', 'Responses'],
      ...operations.map(({ heading, operation }) => [anchors.link(code(heading), heading), cell(operation.summary ?? ''), Object.keys(operation.responses ?? {}).join(', ')]),
    ]),
  );

  for (const { heading, operation } of operations) {
    out.push(`### ${code(heading)}`);
    if (operation.summary) out.push(operation.summary);
    if (operation.description) out.push(operation.description);
    if (operation.parameters?.length) {
      out.push('**Parameters**');
      out.push(
        markdownTable([
          ['Name', 'In', 'Type', 'Required', 'Description'],
          ...operation.parameters.map((parameter) => [
            code(parameter.name),
            parameter.in,
            cell(typeOf(parameter.schema)),
            parameter.required ? 'yes' : 'no',
            cell([...new Set([parameter.description, ...(parameter.schema ? [describe(parameter.schema)] : [])].filter(Boolean))].join('; ')),
          ]),
        ]),
      );
    }
    if (operation.requestBody) {
      out.push(`**Request body** (${operation.requestBody.required ? 'required' : 'optional'}): ${bodyOf(operation.requestBody.content)}`);
    }
    out.push('**Responses**');
    out.push(
      markdownTable([
        ['Status', 'Description', 'Body'],
        ...Object.entries(operation.responses ?? {}).map(([status, reference]) => {
          const response = responseOf(reference);
          return [status, cell(response.description ?? ''), cell(bodyOf(response.content))];
        }),
      ]),
    );
  }

  out.push('## Schemas');
  for (const [name, schema] of Object.entries(schemas)) {
    out.push(`### ${name}`);
    if (schema.description) out.push(schema.description);
    out.push(...fieldsTable({ ...schema, description: isInlineObject(schema) ? undefined : schema.description }));
  }
  return `${out.join('\n\n')}\n`;
}

/** docs/api/README.md: every service, with its Markdown reference, its page and its OpenAPI document. */
export function renderMarkdownIndex(contracts: readonly ServiceContract[]): string {
  return `${[
    '<!-- Generated by `npm run docs` from contracts/: do not edit. -->',
    '# API reference',
    'Every service serves its own contract: `GET /openapi.json` (the OpenAPI 3.1 document) and `GET /docs` (a rendered reference with "try it out"; the gateway\'s also under `/api`, through the Ingress). The same reference is here, generated from `contracts/` by `npm run docs`: in Markdown, and as a static site (open [site/index.html](site/index.html) in a browser; it works offline).',
    markdownTable([
      ['Service', 'What it is', 'Reference', 'Page', 'OpenAPI'],
      ...contracts.map((contract) => [
        code(contract.service),
        cell(contract.description.split(/(?<=\.)\s/)[0] ?? ''),
        `[${contract.service}.md](${contract.service}.md)`,
        `[site/${contract.service}.html](site/${contract.service}.html)`,
        `[${documentFileName(contract)}](../../contracts/openapi/${documentFileName(contract)})`,
      ]),
    ]),
  ].join('\n\n')}\n`;
}
