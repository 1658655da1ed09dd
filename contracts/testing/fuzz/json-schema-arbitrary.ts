import fc from 'fast-check';

// fast-check arbitraries from the JSON Schema (2020-12) that zod writes into the OpenAPI documents: values that
// conform, and values that may not. No maintained library derives fast-check arbitraries from zod 4 or from JSON
// Schema (zod-fast-check stops at zod 3 and fast-check 3), so this covers the keywords zod emits, and refuses the rest
// loudly, so a contract using a new keyword cannot be fuzzed half-way.

/** The keywords of a zod-emitted JSON Schema this module reads. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
}

/** Resolves `#/components/schemas/<Name>` references of the document the schemas come from. */
export type SchemaResolver = (ref: string) => JsonSchema;

/** Keywords that only describe: they never make a value invalid. */
const ANNOTATIONS = new Set(['description', 'example', 'examples', 'default', 'title', 'deprecated', 'readOnly', 'writeOnly', 'id']);
const UNDERSTOOD = new Set<string>([
  ...ANNOTATIONS,
  ...['$ref', 'type', 'enum', 'const', 'anyOf', 'oneOf', 'minLength', 'maxLength', 'pattern', 'format', 'minimum', 'maximum'],
  ...['exclusiveMinimum', 'exclusiveMaximum', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'maxItems'],
]);

/**
 * One UTF-16 code unit or code point of every kind a text can hold: printable ASCII most often, then any code point
 * (astral ones are two units), NUL, the other C0 controls, and lone surrogates.
 */
export const anyCharacter: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constant('\u0000') },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 0x1f }).map((code) => String.fromCharCode(code)) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)) },
);

/** Any text, short or at a length that matters to the schema (where a repeated character stands for a long one). */
function anyText(lengths: number[]): fc.Arbitrary<string> {
  const long = lengths.filter((length) => length > 0);
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: anyCharacter, maxLength: 12 }) },
    ...(long.length > 0
      ? [{ weight: 1, arbitrary: fc.tuple(anyCharacter.filter((c) => c.length === 1), fc.constantFrom(...long)).map(([c, n]) => c.repeat(n)) }]
      : []),
  );
}

/** How long the strings of everyday cases get. */
const SHORT = 12;

/** `^[...]*$` or `^[...]+$`: a rule per character, which a filter per character can meet without starving. */
const PER_CHARACTER_PATTERN = /^\^\[(?:[^\]\\]|\\.)+\][*+]\$$/;

function checkKeywords(schema: JsonSchema, where: string): void {
  const unknown = Object.keys(schema).filter((keyword) => !UNDERSTOOD.has(keyword));
  if (unknown.length > 0) throw new Error(`${where}: the fuzzer does not know the JSON Schema keyword(s) ${unknown.join(', ')}`);
  if (schema.format && !['uuid', 'date-time'].includes(schema.format)) throw new Error(`${where}: the fuzzer does not know format ${schema.format}`);
}

function typesOf(schema: JsonSchema): string[] {
  return schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
}

/** Values `schema` accepts. */
export function conformingValue(schema: JsonSchema, resolve: SchemaResolver, where = 'schema'): fc.Arbitrary<unknown> {
  if (schema.$ref) return conformingValue(resolve(schema.$ref), resolve, schema.$ref);
  checkKeywords(schema, where);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((alternative, index) => conformingValue(alternative, resolve, `${where}/anyOf/${index}`)));
  const types = typesOf(schema);
  if (types.length !== 1) {
    if (types.length > 1) return fc.oneof(...types.map((type) => conformingValue({ ...schema, type }, resolve, where)));
    throw new Error(`${where}: no type, enum, const or anyOf: the fuzzer cannot tell what conforms`);
  }
  switch (types[0]) {
    case 'string':
      return conformingString(schema);
    case 'integer':
    case 'number':
      return conformingNumber(schema, types[0] === 'integer');
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(schema.items ? conformingValue(schema.items, resolve, `${where}/items`) : fc.jsonValue(), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 5, (schema.minItems ?? 0) + 5),
      });
    case 'object':
      return conformingObject(schema, resolve, where);
    default:
      throw new Error(`${where}: the fuzzer does not know type ${String(types[0])}`);
  }
}

function conformingString(schema: JsonSchema): fc.Arbitrary<string> {
  if (schema.format === 'uuid') return fc.uuid();
  if (schema.format === 'date-time') return fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(Date.UTC(9999, 0)) }).map((date) => date.toISOString());
  const min = schema.minLength ?? 0;
  const max = schema.maxLength;
  const pattern = schema.pattern === undefined ? undefined : new RegExp(schema.pattern);
  const fits = (text: string) => text.length >= min && (max === undefined || text.length <= max) && (pattern?.test(text) ?? true);
  if (pattern && !PER_CHARACTER_PATTERN.test(schema.pattern!)) return fc.stringMatching(pattern).filter(fits);
  // Per character: a character that meets the pattern, repeated, meets it too.
  const character = pattern ? anyCharacter.filter((c) => pattern.test(c)) : anyCharacter;
  const shortest = Math.max(min, Math.min(max ?? SHORT, SHORT));
  const short = fc.string({ unit: character, minLength: min, maxLength: shortest });
  // Lengths past what short strings reach: where limits bite (the body size of a longest text, say).
  const boundaries = [...new Set([min, max].filter((length): length is number => length !== undefined && length > shortest))];
  return fc
    .oneof(
      { weight: 1, arbitrary: short },
      ...(boundaries.length > 0
        ? [{ weight: 1, arbitrary: fc.tuple(character.filter((c) => c.length === 1), fc.constantFrom(...boundaries)).map(([c, n]) => c.repeat(n)) }]
        : []),
    )
    .filter(fits);
}

function conformingNumber(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min = schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + (integer ? 1 : Number.EPSILON) : schema.minimum;
  const max = schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - (integer ? 1 : Number.EPSILON) : schema.maximum;
  if (integer) return fc.integer({ min: Math.ceil(min ?? -1e9), max: Math.floor(max ?? 1e9) });
  return fc.double({ min: min ?? -1e9, max: max ?? 1e9, noNaN: true, noDefaultInfinity: true });
}

function conformingObject(schema: JsonSchema, resolve: SchemaResolver, where: string): fc.Arbitrary<Record<string, unknown>> {
  const properties = Object.fromEntries(
    Object.entries(schema.properties ?? {}).map(([name, property]) => [name, conformingValue(property, resolve, `${where}/${name}`)]),
  );
  const record = fc.record(properties, { requiredKeys: schema.required ?? [] });
  if (schema.additionalProperties === false) return record;
  const known = new Set(Object.keys(properties));
  const extra = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }).filter((key) => !known.has(key)), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 });
  return fc.tuple(record, extra).map(([value, more]) => ({ ...more, ...value }));
}

/**
 * Values that may break `schema`, most of them by one rule: a wrong type, a length or bound just past the limit,
 * a required property missing, an unknown one, a character the pattern excludes; or any JSON at all.
 */
export function anyValue(schema: JsonSchema, resolve: SchemaResolver, where = 'schema'): fc.Arbitrary<unknown> {
  if (schema.$ref) return anyValue(resolve(schema.$ref), resolve, schema.$ref);
  const anyJson = fc.jsonValue({ maxDepth: 2 });
  const types = typesOf(schema);
  const nearMisses: fc.Arbitrary<unknown>[] = [];
  if (types.includes('string') || types.length === 0) {
    const lengths = [schema.minLength, schema.maxLength].filter((n): n is number => n !== undefined).flatMap((n) => [n - 1, n, n + 1]);
    nearMisses.push(anyText(lengths));
  }
  if (types.includes('integer') || types.includes('number')) {
    const bounds = [schema.minimum, schema.maximum, schema.exclusiveMinimum, schema.exclusiveMaximum].filter((n): n is number => n !== undefined);
    nearMisses.push(fc.oneof(fc.constantFrom(...bounds.flatMap((n) => [n - 1, n, n + 1]), 0, -1, 0.5, 1e21), fc.integer()));
  }
  if (types.includes('object') && schema.properties) {
    const properties = schema.properties;
    const conforming = conformingObject(schema, resolve, where);
    const names = Object.keys(properties);
    nearMisses.push(
      fc.tuple(conforming, fc.constantFrom(...names)).map(([value, name]) => {
        const { [name]: _dropped, ...rest } = value;
        return rest;
      }),
      fc
        .tuple(
          conforming,
          fc.constantFrom(...names).chain((name) => anyValue(properties[name]!, resolve, `${where}/${name}`).map((broken) => [name, broken] as const)),
        )
        .map(([value, [name, broken]]) => ({ ...value, [name]: broken })),
      fc.tuple(conforming, fc.string({ minLength: 1, maxLength: 8 }), anyJson).map(([value, key, extra]) => ({ [key]: extra, ...value })),
    );
  }
  return fc.oneof({ weight: 1, arbitrary: anyJson }, ...nearMisses.map((arbitrary) => ({ weight: 3, arbitrary })));
}
