/**
 * The shapes of the OpenAPI traffic validator: public (exchanges, issues, options) and internal (loaded specs, the path
 * trie).
 */

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

export type JsonObject = { [key: string]: unknown };
export type Context = 'request' | 'response';
export type Where = OpenApiIssue['where'];

export interface SpecFile {
  index: number;
  file: string;
  doc: JsonObject;
  v31: boolean;
  basePath: string;
}

export interface Parameter {
  name: string;
  in: string;
  required: boolean;
  style: string;
  explode: boolean;
  schema: unknown;
}

export interface Operation {
  key: string;
  method: string;
  template: string;
  operationId?: string;
  spec: SpecFile;
  op: JsonObject;
  pathItem: JsonObject;
  params?: Parameter[];
}

export interface PathEntry {
  template: string;
  segments: string[];
  ops: Map<string, Operation>;
}

export interface TrieNode {
  literal: Map<string, TrieNode>;
  mixed: Map<string, { regex: RegExp; node: TrieNode }>;
  param?: TrieNode;
  entries: PathEntry[];
}
