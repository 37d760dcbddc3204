/** OpenAPI schemas as ajv compiles them: JSON pointers, `$ref`s, and the 3.0 -> JSON Schema transform. */

import type { Context, JsonObject, SpecFile, TrieNode } from './types';

export const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
export const JSON_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);
export const MAX_ISSUES_PER_PART = 25;
export const ID_BASE = 'https://openapi.crmkit.invalid/';

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const newNode = (): TrieNode => ({ literal: new Map(), mixed: new Map(), entries: [] });

/** Abbreviates a value for a message: JSON, cut to 60 characters. */
export function abbreviate(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export const escapePointer = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');

export function getPointer(doc: unknown, pointer: string): unknown {
  if (pointer === '' || pointer === '#') return doc;
  const parts = pointer.replace(/^#?\//, '').split('/');
  let node: unknown = doc;
  for (const raw of parts) {
    const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) node = node[Number(part)];
    else if (isObject(node)) node = node[part];
    else return undefined;
  }
  return node;
}

/** Follows file-local `$ref`s (`#/components/...`) of a non-schema object (parameter, response, request body). */
export function deref(spec: SpecFile, value: unknown): unknown {
  let node = value;
  for (let depth = 0; depth < 20 && isObject(node) && typeof node.$ref === 'string'; depth++) {
    if (!node.$ref.startsWith('#')) return undefined;
    node = getPointer(spec.doc, node.$ref);
  }
  return node;
}

/** The first non-null JSON type a (dereferenced) schema names, for coercing parameter strings. */
export function schemaType(spec: SpecFile, schema: unknown): string | undefined {
  const node = deref(spec, schema);
  if (!isObject(node)) return undefined;
  const { type } = node;
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return type.find((t): t is string => typeof t === 'string' && t !== 'null');
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    const list = node[key];
    if (Array.isArray(list)) {
      for (const sub of list) {
        const found = schemaType(spec, sub);
        if (found && found !== 'null') return found;
      }
    }
  }
  return undefined;
}

export const SCHEMA_MAP_KEYS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
export const SCHEMA_KEYS = new Set([
  'items',
  'additionalProperties',
  'not',
  'allOf',
  'anyOf',
  'oneOf',
  'prefixItems',
  'contains',
  'if',
  'then',
  'else',
  'propertyNames',
  'unevaluatedItems',
  'unevaluatedProperties',
  'additionalItems',
]);
export const DROPPED_KEYS = new Set(['example', 'xml', 'externalDocs', 'discriminator', 'nullable']);

export interface TransformContext {
  spec: SpecFile;
  context: Context;
  strict: boolean;
  docId: string;
  /** Component schema names used as `allOf` members: never closed by `strictResponses`. */
  allOfRefs: Set<string>;
}

/**
 * Rewrites one OpenAPI schema into plain JSON Schema for ajv: `nullable` becomes a type union, 3.0 boolean
 * `exclusiveMinimum`/`exclusiveMaximum` become numbers, `$ref` siblings are dropped (3.0), refs point into the
 * registered copy of the file, `example`/`x-*` go, readOnly/writeOnly properties leave `required` by direction, and
 * objects are closed for `strictResponses`.
 */
export function transformSchema(node: unknown, ctx: TransformContext, inAllOf = false): unknown {
  if (Array.isArray(node)) return node.map((item) => transformSchema(item, ctx, inAllOf));
  if (!isObject(node)) return node;
  const nullable = node.nullable === true;
  if (typeof node.$ref === 'string') {
    const ref = node.$ref.startsWith('#') ? `${ctx.docId}${node.$ref}` : node.$ref;
    let out: JsonObject = { $ref: ref };
    if (ctx.spec.v31) {
      for (const [key, value] of Object.entries(node)) {
        if (key !== '$ref' && !DROPPED_KEYS.has(key) && !key.startsWith('x-'))
          out[key] = transformValue(key, value, ctx);
      }
    }
    if (nullable) out = { anyOf: [out, { type: 'null' }] };
    return out;
  }
  let out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED_KEYS.has(key) || key.startsWith('x-')) continue;
    if (key === 'examples' && !ctx.spec.v31) continue;
    out[key] = transformValue(key, value, ctx);
  }
  if (typeof out.type === 'string' && !JSON_TYPES.has(out.type)) delete out.type;
  if (!ctx.spec.v31) {
    for (const [flag, bound] of [
      ['exclusiveMinimum', 'minimum'],
      ['exclusiveMaximum', 'maximum'],
    ] as const) {
      if (out[flag] === true && typeof out[bound] === 'number') {
        out[flag] = out[bound];
        delete out[bound];
      } else if (typeof out[flag] === 'boolean') delete out[flag];
    }
  }
  const props = isObject(node.properties) ? node.properties : undefined;
  if (props && Array.isArray(out.required)) {
    const hidden = ctx.context === 'request' ? 'readOnly' : 'writeOnly';
    out.required = out.required.filter((name) => {
      const prop = typeof name === 'string' ? props[name] : undefined;
      return !(isObject(prop) && prop[hidden] === true);
    });
  }
  if (
    ctx.strict &&
    ctx.context === 'response' &&
    !inAllOf &&
    props &&
    Object.keys(props).length > 0 &&
    out.additionalProperties === undefined &&
    out.allOf === undefined &&
    out.anyOf === undefined &&
    out.oneOf === undefined
  ) {
    out.additionalProperties = false;
  }
  if (nullable) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (Array.isArray(out.type)) out.type = out.type.includes('null') ? out.type : [...out.type, 'null'];
    else out = { anyOf: [out, { type: 'null' }] };
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  return out;
}

export function transformValue(key: string, value: unknown, ctx: TransformContext): unknown {
  if (SCHEMA_MAP_KEYS.has(key) && isObject(value)) {
    const map: JsonObject = {};
    for (const [name, schema] of Object.entries(value)) map[name] = transformSchema(schema, ctx);
    return map;
  }
  if (SCHEMA_KEYS.has(key)) return transformSchema(value, ctx, key === 'allOf');
  return value;
}

/** Component schema names referenced directly as members of an `allOf`. */
export function collectAllOfRefs(doc: unknown): Set<string> {
  const names = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (!isObject(node)) return;
    if (Array.isArray(node.allOf)) {
      for (const member of node.allOf) {
        if (isObject(member) && typeof member.$ref === 'string') {
          const match = /^#\/components\/schemas\/(.+)$/.exec(member.$ref);
          if (match?.[1]) names.add(decodeURIComponent(match[1]).replace(/~1/g, '/').replace(/~0/g, '~'));
        }
      }
    }
    for (const value of Object.values(node)) walk(value);
  };
  walk(doc);
  return names;
}
