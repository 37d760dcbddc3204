/**
 * OpenAPI traffic validator: checks recorded HTTP exchanges (request and response) against a vendor's OpenAPI 3.0 /
 * 3.1 files, e.g. a local sandbox or an adapter against HubSpot's official specs. Node-only (reads the files with
 * `node:fs/promises`); schemas are compiled with ajv lazily, per operation and status, and cached.
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { HttpExchange, OpenApiIssue, OpenApiValidator, OpenApiValidatorOptions, SpecFile } from './types';
import { isObject } from './schema';
import { listJsonFiles, serverBasePath } from './http';
import { Validator } from './operation-validator';

export type {
  HttpExchange,
  OpenApiIssue,
  OpenApiMatch,
  OpenApiValidator,
  OpenApiValidatorOptions,
} from './types';

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
