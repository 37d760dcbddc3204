/**
 * Reading spec folders and matching exchanges: base paths, path segments, media types, parameter coercion, ajv issues.
 */

import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { ErrorObject } from 'ajv';
import type { JsonObject, OpenApiIssue, Where } from './types';
import { abbreviate, escapePointer, isObject, MAX_ISSUES_PER_PART } from './schema';

export async function listJsonFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listJsonFiles(full)));
    else if (entry.isFile() && entry.name.endsWith('.json')) files.push(full);
  }
  return files;
}

export function serverBasePath(doc: JsonObject): string {
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

export const splitPath = (p: string): string[] => p.split('/').filter((segment) => segment !== '');

export function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Splits a request path into path and query, dropping a scheme and host. */
export function splitRequestPath(raw: string): { pathname: string; query: string } {
  let rest = raw;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(rest);
  if (scheme) rest = rest.slice(scheme[0].length);
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  const pathname = q >= 0 ? rest.slice(0, q) : rest;
  return { pathname: pathname === '' ? '/' : pathname, query: q >= 0 ? rest.slice(q + 1) : '' };
}

export const mixedRegex = (segment: string): RegExp =>
  new RegExp(
    `^${segment
      .split(/(\{[^}]+\})/)
      .map((part) => (part.startsWith('{') ? '(.+?)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
  );

export function headerValue(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

export const mediaEssence = (contentType: string): string => (contentType.split(';')[0] ?? '').trim().toLowerCase();
export const isJsonMedia = (media: string): boolean =>
  media === '*/*' || media === 'application/*' || media === 'application/json' || /\+json$|\/json$/.test(media);

/** Picks the declared media type for a content type (exact, then `type/*`, then `*\/*`); JSON first when none. */
export function pickMedia(content: JsonObject, contentType: string | undefined): string | undefined {
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

export const isEmptyBody = (body: unknown): boolean => body === undefined || body === null || body === '';

export function coerce(raw: string, type: string | undefined): unknown {
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(raw)) return Number(raw);
  if (type === 'boolean' && (raw === 'true' || raw === 'false')) return raw === 'true';
  if (type === 'null' && raw === 'null') return null;
  return raw;
}

export function ajvIssues(where: Where, prefix: string, errors: ErrorObject[] | null | undefined): OpenApiIssue[] {
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

export const isAlternative = (error: ErrorObject): boolean => error.keyword === 'anyOf' || error.keyword === 'oneOf';
export const isNullBranch = (error: ErrorObject): boolean =>
  error.keyword === 'type' && (error.params as { type?: unknown }).type === 'null' && error.data !== null;
export const atOrBelow = (error: ErrorObject, instancePath: string): boolean =>
  error.instancePath === instancePath || error.instancePath.startsWith(`${instancePath}/`);

/**
 * Drops the noise of alternatives when something more specific explains them: an `anyOf`/`oneOf` summary when a
 * branch reported at or below the same value, and the `must be null` of a nullable schema when its other branch did.
 */
export function quietAlternatives(errors: ErrorObject[]): ErrorObject[] {
  const specific = (instancePath: string): boolean =>
    errors.some((other) => !isAlternative(other) && !isNullBranch(other) && atOrBelow(other, instancePath));
  return errors.filter((error) => {
    if (isAlternative(error) || isNullBranch(error)) return !specific(error.instancePath);
    return true;
  });
}

export function capIssues(issues: OpenApiIssue[], where: Where): OpenApiIssue[] {
  if (issues.length <= MAX_ISSUES_PER_PART) return issues;
  const kept = issues.slice(0, MAX_ISSUES_PER_PART);
  kept.push({ where, path: '', message: `...and ${issues.length - MAX_ISSUES_PER_PART} more issues` });
  return kept;
}
