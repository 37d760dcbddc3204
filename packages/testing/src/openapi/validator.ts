/**
 * OpenAPI traffic validator: checks recorded HTTP exchanges (request and response) against a vendor's OpenAPI 3.0 /
 * 3.1 files, e.g. a local sandbox or an adapter against HubSpot's official specs. Node-only (reads the files with
 * `node:fs/promises`); schemas are compiled with ajv lazily, per operation and status, and cached.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/** One recorded HTTP request and its response, as a traffic recorder or a test captured it. */
export interface HttpExchange {
  /** HTTP method, any case (`GET`, `post`, ...). */
  method: string;
  /** Request path from the host (`/crm/v3/objects/contacts/1`); a `?query` suffix or a full URL are accepted too. */
  path: string;
  /** Raw query string, with or without the leading `?` (merged with a query suffix of `path`). */
  query?: string;
  /** Request headers (any case); only used for header parameters and the request content type. */
  requestHeaders?: Record<string, string>;
  /** Request body as parsed JSON (a string is parsed as JSON when the content type is JSON or absent). */
  requestBody?: unknown;
  /** Response status code. */
  status: number;
  /** Response headers (any case); `content-type` picks the declared media type. */
  responseHeaders?: Record<string, string>;
  /** Response body as parsed JSON (a string is parsed as JSON when the content type is JSON or absent). */
  responseBody?: unknown;
}

/** One way in which an exchange departs from the OpenAPI files. */
export interface OpenApiIssue {
  /** Which part of the exchange is at fault. */
  where: 'operation' | 'path-params' | 'query' | 'request-body' | 'response-status' | 'response-body';
  /**
   * JSON-pointer-ish path of the offending value: `/results/0/createdAt` in a body (`''` is the whole body), `/limit`
   * for a query or path parameter (`/properties/1` for an item of an array parameter), the request path for
   * `operation`.
   */
  path: string;
  /** Human-readable description, with the offending value abbreviated where there is one. */
  message: string;
}

/** The operation that a method and path resolve to. */
export interface OpenApiMatch {
  /** `operationId` of the operation, when the spec gives one. */
  operationId?: string;
  /** The path template as written in the spec (`/crm/v3/objects/{objectType}/{objectId}`). */
  template: string;
  /**
   * The spec file that declares it, relative to `specDir` (else to the working directory) with `/` separators, e.g.
   * `v3/contacts.json`.
   */
  file: string;
}

/** A validator over the merged operations of a set of OpenAPI files; see {@link loadOpenApiValidator}. */
export interface OpenApiValidator {
  /** The operation (method + path template + operationId) an exchange matches, or undefined. */
  match(method: string, path: string): OpenApiMatch | undefined;
  /** Every issue of one exchange; an empty array when it conforms. Records the operation for `coverage()`. */
  validate(exchange: HttpExchange): OpenApiIssue[];
  /**
   * Operations of the specs that the validated exchanges covered / did not cover, each as `METHOD template`
   * (`GET /crm/v3/objects/contacts`; the template is prefixed with the server URL's path, if it has one), sorted.
   */
  coverage(): { covered: string[]; uncovered: string[] };
}

/** Options of {@link loadOpenApiValidator}. Give `specDir`, `files`, or both. */
export interface OpenApiValidatorOptions {
  /** Folder whose `*.json` files (searched recursively) are OpenAPI 3 documents. */
  specDir?: string;
  /** Explicit OpenAPI files (absolute, or relative to `specDir` when that is given, else to the working directory). */
  files?: string[];
  /** Keeps a file when it returns true; gets the path relative to `specDir` with `/` separators (`v3/contacts.json`). */
  include?: (file: string) => boolean;
  /**
   * When true, response objects that list `properties` and say nothing of `additionalProperties` are closed: a
   * response field the spec does not declare is an issue. Request bodies stay open. Default false.
   */
  strictResponses?: boolean;
}

type JsonObject = { [key: string]: unknown };
type Context = 'request' | 'response';
type Where = OpenApiIssue['where'];

interface SpecFile {
  index: number;
  file: string;
  doc: JsonObject;
  v31: boolean;
  basePath: string;
}

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  style: string;
  explode: boolean;
  schema: unknown;
}

interface Operation {
  key: string;
  method: string;
  template: string;
  operationId?: string;
  spec: SpecFile;
  op: JsonObject;
  pathItem: JsonObject;
  params?: Parameter[];
}

interface PathEntry {
  template: string;
  segments: string[];
  ops: Map<string, Operation>;
}

interface TrieNode {
  literal: Map<string, TrieNode>;
  mixed: Map<string, { regex: RegExp; node: TrieNode }>;
  param?: TrieNode;
  entries: PathEntry[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const JSON_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);
const MAX_ISSUES_PER_PART = 25;
const ID_BASE = 'https://openapi.crmkit.invalid/';

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const newNode = (): TrieNode => ({ literal: new Map(), mixed: new Map(), entries: [] });

/** Abbreviates a value for a message: JSON, cut to 60 characters. */
function abbreviate(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const escapePointer = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');

function getPointer(doc: unknown, pointer: string): unknown {
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
function deref(spec: SpecFile, value: unknown): unknown {
  let node = value;
  for (let depth = 0; depth < 20 && isObject(node) && typeof node.$ref === 'string'; depth++) {
    if (!node.$ref.startsWith('#')) return undefined;
    node = getPointer(spec.doc, node.$ref);
  }
  return node;
}

/** The first non-null JSON type a (dereferenced) schema names, for coercing parameter strings. */
function schemaType(spec: SpecFile, schema: unknown): string | undefined {
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

const SCHEMA_MAP_KEYS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
const SCHEMA_KEYS = new Set([
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
const DROPPED_KEYS = new Set(['example', 'xml', 'externalDocs', 'discriminator', 'nullable']);

interface TransformContext {
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
function transformSchema(node: unknown, ctx: TransformContext, inAllOf = false): unknown {
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

function transformValue(key: string, value: unknown, ctx: TransformContext): unknown {
  if (SCHEMA_MAP_KEYS.has(key) && isObject(value)) {
    const map: JsonObject = {};
    for (const [name, schema] of Object.entries(value)) map[name] = transformSchema(schema, ctx);
    return map;
  }
  if (SCHEMA_KEYS.has(key)) return transformSchema(value, ctx, key === 'allOf');
  return value;
}

/** Component schema names referenced directly as members of an `allOf`. */
function collectAllOfRefs(doc: unknown): Set<string> {
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

async function listJsonFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listJsonFiles(full)));
    else if (entry.isFile() && entry.name.endsWith('.json')) files.push(full);
  }
  return files;
}

function serverBasePath(doc: JsonObject): string {
  const servers = doc.servers;
  const first = Array.isArray(servers) ? servers[0] : undefined;
  if (!isObject(first) || typeof first.url !== 'string') return '';
  const variables = isObject(first.variables) ? first.variables : {};
  const url = first.url.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const variable = variables[name];
    return isObject(variable) && typeof variable.default === 'string' ? variable.default : 'x';
  });
  let pathname: string;
  try {
    pathname = new URL(url, 'http://localhost').pathname;
  } catch {
    return '';
  }
  return decodeURIComponent(pathname).replace(/\/+$/, '');
}

const splitPath = (p: string): string[] => p.split('/').filter((segment) => segment !== '');

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Splits a request path into path and query, dropping a scheme and host. */
function splitRequestPath(raw: string): { pathname: string; query: string } {
  let rest = raw;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(rest);
  if (scheme) rest = rest.slice(scheme[0].length);
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  const pathname = q >= 0 ? rest.slice(0, q) : rest;
  return { pathname: pathname === '' ? '/' : pathname, query: q >= 0 ? rest.slice(q + 1) : '' };
}

const mixedRegex = (segment: string): RegExp =>
  new RegExp(
    `^${segment
      .split(/(\{[^}]+\})/)
      .map((part) => (part.startsWith('{') ? '(.+?)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
  );

function headerValue(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

const mediaEssence = (contentType: string): string => (contentType.split(';')[0] ?? '').trim().toLowerCase();
const isJsonMedia = (media: string): boolean =>
  media === '*/*' || media === 'application/*' || media === 'application/json' || /\+json$|\/json$/.test(media);

/** Picks the declared media type for a content type (exact, then `type/*`, then `*\/*`); JSON first when none. */
function pickMedia(content: JsonObject, contentType: string | undefined): string | undefined {
  const declared = Object.keys(content);
  if (!contentType) {
    return (
      declared.find((m) => mediaEssence(m) === 'application/json') ??
      declared.find((m) => isJsonMedia(mediaEssence(m))) ??
      declared[0]
    );
  }
  const essence = mediaEssence(contentType);
  const type = essence.split('/')[0];
  return (
    declared.find((m) => mediaEssence(m) === essence) ??
    declared.find((m) => mediaEssence(m) === `${type}/*`) ??
    declared.find((m) => mediaEssence(m) === '*/*')
  );
}

const isEmptyBody = (body: unknown): boolean => body === undefined || body === null || body === '';

function coerce(raw: string, type: string | undefined): unknown {
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(raw)) return Number(raw);
  if (type === 'boolean' && (raw === 'true' || raw === 'false')) return raw === 'true';
  if (type === 'null' && raw === 'null') return null;
  return raw;
}

function ajvIssues(where: Where, prefix: string, errors: ErrorObject[] | null | undefined): OpenApiIssue[] {
  const issues: OpenApiIssue[] = [];
  const seen = new Set<string>();
  for (const error of quietAlternatives(errors ?? [])) {
    let at = prefix + error.instancePath;
    let message: string;
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'required') {
      at += `/${escapePointer(String(params.missingProperty))}`;
      message = `missing required property '${String(params.missingProperty)}'`;
    } else if (error.keyword === 'additionalProperties') {
      const extra = String(params.additionalProperty);
      at += `/${escapePointer(extra)}`;
      const value = isObject(error.data) ? error.data[extra] : undefined;
      message = `property '${extra}' is not declared by the schema, got ${abbreviate(value)}`;
    } else if (error.keyword === 'enum' && Array.isArray(params.allowedValues)) {
      message = `must be one of ${params.allowedValues.map((v) => abbreviate(v)).join(', ')}, got ${abbreviate(error.data)}`;
    } else if (error.keyword === 'if' || error.keyword === 'false schema') {
      message = error.message ?? error.keyword;
    } else {
      message = `${error.message ?? error.keyword}, got ${abbreviate(error.data)}`;
    }
    const key = `${at}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push({ where, path: at, message });
  }
  return capIssues(issues, where);
}

const isAlternative = (error: ErrorObject): boolean => error.keyword === 'anyOf' || error.keyword === 'oneOf';
const isNullBranch = (error: ErrorObject): boolean =>
  error.keyword === 'type' && (error.params as { type?: unknown }).type === 'null' && error.data !== null;
const atOrBelow = (error: ErrorObject, instancePath: string): boolean =>
  error.instancePath === instancePath || error.instancePath.startsWith(`${instancePath}/`);

/**
 * Drops the noise of alternatives when something more specific explains them: an `anyOf`/`oneOf` summary when a
 * branch reported at or below the same value, and the `must be null` of a nullable schema when its other branch did.
 */
function quietAlternatives(errors: ErrorObject[]): ErrorObject[] {
  const specific = (instancePath: string): boolean =>
    errors.some((other) => !isAlternative(other) && !isNullBranch(other) && atOrBelow(other, instancePath));
  return errors.filter((error) => {
    if (isAlternative(error) || isNullBranch(error)) return !specific(error.instancePath);
    return true;
  });
}

function capIssues(issues: OpenApiIssue[], where: Where): OpenApiIssue[] {
  if (issues.length <= MAX_ISSUES_PER_PART) return issues;
  const kept = issues.slice(0, MAX_ISSUES_PER_PART);
  kept.push({ where, path: '', message: `...and ${issues.length - MAX_ISSUES_PER_PART} more issues` });
  return kept;
}

/**
 * Loads every OpenAPI 3.0/3.1 `*.json` under `specDir` (recursively) and/or the given `files`, merges their paths
 * (on duplicate method + template, the first file in sorted order wins) and returns a validator for recorded
 * exchanges. `$ref`s are file-local (`#/components/...`). Files without `openapi` and `paths` are skipped.
 *
 * @throws when no OpenAPI file was found, or a file is not valid JSON.
 */
export async function loadOpenApiValidator(options: OpenApiValidatorOptions): Promise<OpenApiValidator> {
  const { specDir, include, strictResponses = false } = options;
  const candidates: string[] = [];
  if (specDir) {
    try {
      candidates.push(...(await listJsonFiles(specDir)));
    } catch (error) {
      throw new Error(`cannot read OpenAPI spec folder ${specDir}: ${(error as Error).message}`);
    }
  }
  for (const file of options.files ?? []) candidates.push(specDir ? path.resolve(specDir, file) : path.resolve(file));
  const unique = [...new Set(candidates)];
  const relative = (full: string): string =>
    (specDir ? path.relative(specDir, full) : path.relative(process.cwd(), full)).split(path.sep).join('/');
  const selected = unique
    .map((full) => ({ full, file: relative(full) }))
    .filter(({ file }) => !include || include(file))
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));

  const specs: SpecFile[] = [];
  for (const { full, file } of selected) {
    let doc: unknown;
    try {
      doc = JSON.parse(await readFile(full, 'utf8'));
    } catch (error) {
      throw new Error(`cannot parse OpenAPI file ${full}: ${(error as Error).message}`);
    }
    if (!isObject(doc) || typeof doc.openapi !== 'string' || !isObject(doc.paths)) continue;
    specs.push({ index: specs.length, file, doc, v31: doc.openapi.startsWith('3.1'), basePath: serverBasePath(doc) });
  }
  if (specs.length === 0) {
    throw new Error(`no OpenAPI 3 files found (${specDir ?? ''}${options.files ? ` files: ${options.files}` : ''})`);
  }
  return new Validator(specs, strictResponses);
}

class Validator implements OpenApiValidator {
  private readonly root = newNode();
  private readonly entries = new Map<string, PathEntry>();
  private readonly operations = new Map<string, Operation>();
  private readonly covered = new Set<string>();
  private readonly validators = new Map<string, ValidateFunction | Error>();
  private readonly ajvs = new Map<string, Ajv>();
  private readonly registered = new Set<string>();
  private readonly allOfRefs = new Map<SpecFile, Set<string>>();

  constructor(
    private readonly specs: SpecFile[],
    private readonly strict: boolean,
  ) {
    for (const spec of specs) this.addSpec(spec);
  }

  private addSpec(spec: SpecFile): void {
    const paths = spec.doc.paths as JsonObject;
    for (const [template, item] of Object.entries(paths)) {
      const pathItem = deref(spec, item);
      if (!isObject(pathItem)) continue;
      const full = spec.basePath + template;
      const segments = splitPath(full);
      let entry = this.entries.get(full);
      if (!entry) {
        entry = { template, segments, ops: new Map() };
        this.entries.set(full, entry);
        this.insert(entry);
      }
      for (const method of METHODS) {
        const op = pathItem[method];
        if (!isObject(op)) continue;
        const upper = method.toUpperCase();
        if (entry.ops.has(upper)) continue;
        const key = `${upper} ${full}`;
        const operation: Operation = {
          key,
          method: upper,
          template,
          operationId: typeof op.operationId === 'string' ? op.operationId : undefined,
          spec,
          op,
          pathItem,
        };
        entry.ops.set(upper, operation);
        if (!this.operations.has(key)) this.operations.set(key, operation);
      }
    }
  }

  private insert(entry: PathEntry): void {
    let node = this.root;
    for (const segment of entry.segments) {
      if (/^\{[^}]+\}$/.test(segment)) {
        node.param ??= newNode();
        node = node.param;
      } else if (segment.includes('{')) {
        let child = node.mixed.get(segment);
        if (!child) {
          child = { regex: mixedRegex(segment), node: newNode() };
          node.mixed.set(segment, child);
        }
        node = child.node;
      } else {
        let child = node.literal.get(segment);
        if (!child) {
          child = newNode();
          node.literal.set(segment, child);
        }
        node = child;
      }
    }
    node.entries.push(entry);
  }

  /** Every path entry matching the segments, most specific first (literal, then mixed, then parameter segments). */
  private candidates(segments: string[]): PathEntry[] {
    const found: PathEntry[] = [];
    const walk = (node: TrieNode, index: number): void => {
      if (index === segments.length) {
        found.push(...node.entries);
        return;
      }
      const segment = segments[index] as string;
      const literal = node.literal.get(segment) ?? node.literal.get(safeDecode(segment));
      if (literal) walk(literal, index + 1);
      for (const { regex, node: child } of node.mixed.values()) {
        if (regex.test(safeDecode(segment))) walk(child, index + 1);
      }
      if (node.param) walk(node.param, index + 1);
    };
    walk(this.root, 0);
    return found;
  }

  private resolve(
    method: string,
    rawPath: string,
  ): { operation?: Operation; candidates: PathEntry[]; segments: string[]; query: string } {
    const { pathname, query } = splitRequestPath(rawPath);
    const trimmed = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
    const segments = splitPath(trimmed);
    const candidates = this.candidates(segments);
    const upper = method.toUpperCase();
    for (const entry of candidates) {
      const operation = entry.ops.get(upper);
      if (operation) return { operation, candidates, segments, query };
    }
    return { candidates, segments, query };
  }

  match(method: string, requestPath: string): OpenApiMatch | undefined {
    const { operation } = this.resolve(method, requestPath);
    if (!operation) return undefined;
    const result: OpenApiMatch = { template: operation.template, file: operation.spec.file };
    if (operation.operationId !== undefined) result.operationId = operation.operationId;
    return result;
  }

  coverage(): { covered: string[]; uncovered: string[] } {
    const all = [...this.operations.keys()].sort();
    return {
      covered: all.filter((key) => this.covered.has(key)),
      uncovered: all.filter((key) => !this.covered.has(key)),
    };
  }

  validate(exchange: HttpExchange): OpenApiIssue[] {
    const method = exchange.method.toUpperCase();
    const { operation, candidates, segments, query: pathQuery } = this.resolve(method, exchange.path);
    if (!operation) {
      const { pathname } = splitRequestPath(exchange.path);
      if (candidates.length === 0) {
        return [{ where: 'operation', path: pathname, message: `no path of the specs matches ${method} ${pathname}` }];
      }
      const allowed = [...new Set(candidates.flatMap((entry) => [...entry.ops.keys()]))].sort();
      const templates = [...new Set(candidates.map((entry) => entry.template))].join(', ');
      return [
        {
          where: 'operation',
          path: pathname,
          message: `${method} is not declared for ${pathname} (${templates} allows ${allowed.join(', ')})`,
        },
      ];
    }
    this.covered.add(operation.key);
    const ownQuery = (exchange.query ?? '').replace(/^\?/, '');
    const query = [pathQuery, ownQuery].filter((part) => part !== '').join('&');
    return [
      ...this.checkParameters(operation, segments, query, exchange.requestHeaders),
      ...this.checkRequestBody(operation, exchange),
      ...this.checkResponse(operation, exchange),
    ];
  }

  private parameters(operation: Operation): Parameter[] {
    if (operation.params) return operation.params;
    const byKey = new Map<string, Parameter>();
    const { spec } = operation;
    for (const list of [operation.pathItem.parameters, operation.op.parameters]) {
      if (!Array.isArray(list)) continue;
      for (const raw of list) {
        const param = deref(spec, raw);
        if (!isObject(param) || typeof param.name !== 'string' || typeof param.in !== 'string') continue;
        const style = typeof param.style === 'string' ? param.style : param.in === 'query' ? 'form' : 'simple';
        byKey.set(`${param.in}:${param.name}`, {
          name: param.name,
          in: param.in,
          required: param.required === true || param.in === 'path',
          style,
          explode: typeof param.explode === 'boolean' ? param.explode : style === 'form',
          schema: param.schema,
        });
      }
    }
    operation.params = [...byKey.values()];
    return operation.params;
  }

  private checkParameters(
    operation: Operation,
    segments: string[],
    query: string,
    headers: Record<string, string> | undefined,
  ): OpenApiIssue[] {
    const issues: OpenApiIssue[] = [];
    const params = this.parameters(operation);
    if (params.length === 0) return issues;
    const pathValues = this.pathValues(operation, segments);
    const search = new URLSearchParams(query);
    for (const param of params) {
      let raws: string[];
      let where: Where;
      if (param.in === 'path') {
        where = 'path-params';
        const value = pathValues.get(param.name);
        raws = value === undefined ? [] : [value];
      } else if (param.in === 'query') {
        where = 'query';
        raws = search.getAll(param.name);
      } else if (param.in === 'header') {
        if (!headers) continue;
        where = 'query';
        const value = headerValue(headers, param.name);
        raws = value === undefined ? [] : [value];
      } else continue;
      const label = param.in === 'header' ? `header '${param.name}'` : `${param.in} parameter '${param.name}'`;
      if (raws.length === 0) {
        if (param.required) issues.push({ where, path: `/${param.name}`, message: `required ${label} is missing` });
        continue;
      }
      if (param.schema === undefined) continue;
      const type = schemaType(operation.spec, param.schema);
      let values: unknown[];
      if (type === 'array') {
        const items = deref(operation.spec, param.schema);
        const itemType = isObject(items) ? schemaType(operation.spec, items.items) : undefined;
        const separator =
          param.style === 'spaceDelimited' ? ' ' : param.style === 'pipeDelimited' ? '|' : param.explode ? '' : ',';
        const parts = separator ? raws.flatMap((raw) => raw.split(separator)) : raws;
        values = [parts.map((part) => coerce(part, itemType))];
      } else if (type === 'object') {
        continue;
      } else {
        values = raws.map((raw) => coerce(raw, type));
      }
      const validate = this.compiled(
        `${operation.key}|param|${param.in}|${param.name}`,
        operation.spec,
        'request',
        () => param.schema,
      );
      if (validate instanceof Error) {
        issues.push({
          where,
          path: `/${param.name}`,
          message: `cannot compile the schema of ${label}: ${validate.message}`,
        });
        continue;
      }
      for (const value of values) {
        if (validate(value)) continue;
        for (const issue of ajvIssues(where, `/${escapePointer(param.name)}`, validate.errors)) {
          issues.push({ ...issue, message: `${label} ${issue.message}` });
        }
      }
    }
    return issues;
  }

  private pathValues(operation: Operation, segments: string[]): Map<string, string> {
    const values = new Map<string, string>();
    const templateSegments = splitPath(operation.spec.basePath + operation.template);
    templateSegments.forEach((segment, index) => {
      const actual = safeDecode(segments[index] ?? '');
      const whole = /^\{([^}]+)\}$/.exec(segment);
      if (whole?.[1]) {
        values.set(whole[1], actual);
        return;
      }
      if (!segment.includes('{')) return;
      const names = [...segment.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
      const match = mixedRegex(segment).exec(actual);
      names.forEach((name, i) => {
        const value = match?.[i + 1];
        if (value !== undefined) values.set(name, value);
      });
    });
    return values;
  }

  private checkRequestBody(operation: Operation, exchange: HttpExchange): OpenApiIssue[] {
    const requestBody = deref(operation.spec, operation.op.requestBody);
    const body = exchange.requestBody;
    if (!isObject(requestBody)) {
      if (isEmptyBody(body)) return [];
      return [
        {
          where: 'request-body',
          path: '',
          message: `${operation.key} declares no request body but one was sent: ${abbreviate(body)}`,
        },
      ];
    }
    if (isEmptyBody(body)) {
      return requestBody.required === true
        ? [{ where: 'request-body', path: '', message: `${operation.key} requires a request body but none was sent` }]
        : [];
    }
    const content = isObject(requestBody.content) ? requestBody.content : {};
    return this.checkBody(
      operation,
      'request-body',
      content,
      headerValue(exchange.requestHeaders, 'content-type'),
      body,
      'req',
    );
  }

  private checkResponse(operation: Operation, exchange: HttpExchange): OpenApiIssue[] {
    const responses = isObject(operation.op.responses) ? operation.op.responses : {};
    const status = String(exchange.status);
    const declared = Object.keys(responses);
    const range = `${status[0]}XX`;
    const explicitSuccess = declared.some((code) => /^2/.test(code));
    let key = declared.find((code) => code === status) ?? declared.find((code) => code.toUpperCase() === range);
    if (key === undefined && declared.includes('default') && (exchange.status >= 400 || !explicitSuccess)) {
      key = 'default';
    }
    if (key === undefined) {
      const note = declared.includes('default') ? ' (`default` is taken to describe errors only)' : '';
      return [
        {
          where: 'response-status',
          path: '',
          message: `status ${status} is not declared for ${operation.key} (declared: ${declared.join(', ')})${note}`,
        },
      ];
    }
    const response = deref(operation.spec, responses[key]);
    const body = exchange.responseBody;
    const content = isObject(response) && isObject(response.content) ? response.content : {};
    if (Object.keys(content).length === 0) {
      if (isEmptyBody(body)) return [];
      return [
        {
          where: 'response-body',
          path: '',
          message: `status ${status} of ${operation.key} declares no body but one was returned: ${abbreviate(body)}`,
        },
      ];
    }
    if (isEmptyBody(body)) {
      if (exchange.status === 204 || exchange.method.toUpperCase() === 'HEAD') return [];
      return [
        {
          where: 'response-body',
          path: '',
          message: `status ${status} of ${operation.key} declares a body (${Object.keys(content).join(', ')}) but none was returned`,
        },
      ];
    }
    return this.checkBody(
      operation,
      'response-body',
      content,
      headerValue(exchange.responseHeaders, 'content-type'),
      body,
      `res|${key}`,
    );
  }

  private checkBody(
    operation: Operation,
    where: Where,
    content: JsonObject,
    contentType: string | undefined,
    rawBody: unknown,
    cacheKey: string,
  ): OpenApiIssue[] {
    const media = pickMedia(content, contentType);
    if (media === undefined) {
      return [
        {
          where,
          path: '',
          message: `content type ${contentType} is not declared for ${operation.key} (declared: ${Object.keys(content).join(', ')})`,
        },
      ];
    }
    const essence = mediaEssence(media);
    const actualEssence = contentType ? mediaEssence(contentType) : undefined;
    if (!isJsonMedia(essence) || (actualEssence !== undefined && !isJsonMedia(actualEssence))) return [];
    const mediaObject = content[media];
    const schema = isObject(mediaObject) ? mediaObject.schema : undefined;
    if (schema === undefined) return [];
    let body = rawBody;
    if (typeof rawBody === 'string') {
      try {
        body = JSON.parse(rawBody);
      } catch {
        return [{ where, path: '', message: `body is not valid JSON: ${abbreviate(rawBody)}` }];
      }
    }
    const context: Context = where === 'request-body' ? 'request' : 'response';
    const validate = this.compiled(`${operation.key}|${cacheKey}|${media}`, operation.spec, context, () => schema);
    if (validate instanceof Error) {
      return [{ where, path: '', message: `cannot compile the schema for ${operation.key}: ${validate.message}` }];
    }
    return validate(body) ? [] : ajvIssues(where, '', validate.errors);
  }

  private ajvFor(spec: SpecFile): Ajv {
    const flavour = spec.v31 ? '3.1' : '3.0';
    let ajv = this.ajvs.get(flavour);
    if (!ajv) {
      const options = { strict: false, allErrors: true, verbose: true, validateFormats: true, logger: false } as const;
      ajv = spec.v31 ? new Ajv2020(options) : new Ajv(options);
      addFormats(ajv);
      this.ajvs.set(flavour, ajv);
    }
    return ajv;
  }

  private docId(spec: SpecFile, context: Context): string {
    return `${ID_BASE}${context}/${spec.index}/${encodeURIComponent(path.basename(spec.file))}`;
  }

  private transformContext(spec: SpecFile, context: Context): TransformContext {
    let allOfRefs = this.allOfRefs.get(spec);
    if (!allOfRefs) {
      allOfRefs = this.strict ? collectAllOfRefs(spec.doc) : new Set();
      this.allOfRefs.set(spec, allOfRefs);
    }
    return { spec, context, strict: this.strict, docId: this.docId(spec, context), allOfRefs };
  }

  /** Registers the transformed `components.schemas` of every file of the same flavour for a direction, once. */
  private register(spec: SpecFile, context: Context): void {
    const flavourKey = `${spec.v31 ? '3.1' : '3.0'}|${context}`;
    if (this.registered.has(flavourKey)) return;
    this.registered.add(flavourKey);
    for (const other of this.specs) {
      if (other.v31 !== spec.v31) continue;
      const ctx = this.transformContext(other, context);
      const components = isObject(other.doc.components) ? other.doc.components : {};
      const schemas = isObject(components.schemas) ? components.schemas : {};
      const transformed: JsonObject = {};
      for (const [name, schema] of Object.entries(schemas)) {
        transformed[name] = transformSchema(schema, ctx, ctx.allOfRefs.has(name));
      }
      this.ajvFor(other).addSchema({ $id: ctx.docId, components: { schemas: transformed } });
    }
  }

  private compiled(key: string, spec: SpecFile, context: Context, schema: () => unknown): ValidateFunction | Error {
    const cacheKey = `${spec.file}|${key}`;
    const cached = this.validators.get(cacheKey);
    if (cached) return cached;
    let result: ValidateFunction | Error;
    try {
      this.register(spec, context);
      const transformed = transformSchema(schema(), this.transformContext(spec, context));
      result = this.ajvFor(spec).compile(isObject(transformed) ? transformed : {});
    } catch (error) {
      result = error instanceof Error ? error : new Error(String(error));
    }
    this.validators.set(cacheKey, result);
    return result;
  }
}

/**
 * Formats the issues of one exchange for a test failure or CI log: a header line (`POST /path?query -> 201: 2
 * issues`, or `: ok`) and one line per issue (`  [response-body] /results/0/id: missing required property 'id'`).
 */
export function formatOpenApiIssues(exchange: HttpExchange, issues: OpenApiIssue[]): string {
  const query = exchange.query ? `?${exchange.query.replace(/^\?/, '')}` : '';
  const head = `${exchange.method.toUpperCase()} ${exchange.path}${query} -> ${exchange.status}`;
  if (issues.length === 0) return `${head}: ok`;
  const lines = issues.map(
    (issue) => `  [${issue.where}] ${issue.path === '' ? '(root)' : issue.path}: ${issue.message}`,
  );
  return [`${head}: ${issues.length} issue${issues.length === 1 ? '' : 's'}`, ...lines].join('\n');
}
