/**
 * The validator {@link loadOpenApiValidator} returns: a path trie over the merged specs, ajv schemas compiled per
 * operation.
 */

import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type {
  Context,
  HttpExchange,
  JsonObject,
  OpenApiIssue,
  OpenApiMatch,
  OpenApiValidator,
  Operation,
  Parameter,
  PathEntry,
  SpecFile,
  TrieNode,
  Where,
} from './types';
import {
  abbreviate,
  collectAllOfRefs,
  deref,
  escapePointer,
  ID_BASE,
  isObject,
  METHODS,
  newNode,
  schemaType,
  type TransformContext,
  transformSchema,
} from './schema';
import {
  ajvIssues,
  coerce,
  headerValue,
  isEmptyBody,
  isJsonMedia,
  mediaEssence,
  mixedRegex,
  pickMedia,
  safeDecode,
  splitPath,
  splitRequestPath,
} from './http';

export class Validator implements OpenApiValidator {
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
