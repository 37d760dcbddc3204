/** Shared state and request context of the route handlers. */
import { HubspotHttpError, iso, notFound } from './http-util';
import { type ObjectTypeInfo, associationTypeName, resolveObjectType } from './object-types';
import type { PropertyRegistry } from './properties';
import { type ChangeSource, type ObjectStore, type StoredObject, propertyValue } from './store';
import type { HubspotJson, HubspotOwner } from './types';

/** State shared by the handlers. */
export interface SandboxState {
  store: ObjectStore;
  properties: PropertyRegistry;
  owners: HubspotOwner[];
  baseUrl: () => string;
  /** Return requested-but-unset properties as null (HubSpot) instead of leaving them out. */
  nullProperties: boolean;
}

/** One API request as handlers see it. */
export interface RequestContext {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  /** `2026-03` for the date-versioned paths, `v3`/`v4` otherwise. */
  version: 'legacy' | '2026-03';
  source: ChangeSource;
}

/** A handler's answer. */
export interface HandlerResult {
  status: number;
  body?: HubspotJson;
  /** Operation name for stats. */
  operation?: string;
}

/** Resolves an object type from a path segment or throws 400 like HubSpot. */
export function objectTypeOrThrow(key: string): ObjectTypeInfo {
  const type = resolveObjectType(decodeURIComponent(key));
  if (!type) {
    throw new HubspotHttpError(400, 'VALIDATION_ERROR', `Unable to infer object type from: ${key}`);
  }
  return type;
}

/** Property names from repeated and comma-separated query values (`properties=a,b&properties=c`). */
export function listParam(query: URLSearchParams, name: string): string[] | undefined {
  const all = query.getAll(name);
  if (all.length === 0) return undefined;
  return all
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** Whether a boolean query flag is set (`archived=true`). */
export function flag(query: URLSearchParams, name: string): boolean {
  return query.get(name)?.toLowerCase() === 'true';
}

/** The `properties` map of an API object: requested (or default) ones, null when unset, plus the always-on ones. */
export function apiProperties(
  state: SandboxState,
  obj: StoredObject,
  requested: string[] | undefined,
): Record<string, string | null> {
  const names = requested && requested.length > 0 ? requested : obj.type.defaultProperties;
  const out: Record<string, string | null> = {};
  for (const name of names) {
    if (!state.properties.get(obj.type, name)) continue;
    const value = propertyValue(obj, name);
    if (value !== undefined || state.nullProperties) out[name] = value ?? null;
  }
  for (const name of ['createdate', obj.type.lastModifiedProperty, 'hs_object_id']) {
    if (!(name in out)) out[name] = propertyValue(obj, name) ?? null;
  }
  return out;
}

/** A SimplePublicObject (with `associations` when asked). */
export function apiObject(
  state: SandboxState,
  obj: StoredObject,
  requested: string[] | undefined,
  associations?: ObjectTypeInfo[],
): Record<string, HubspotJson> {
  const json: Record<string, HubspotJson> = {
    id: String(obj.id),
    properties: apiProperties(state, obj, requested),
    createdAt: iso(obj.createdAt),
    updatedAt: iso(obj.updatedAt),
    archived: obj.archivedAt !== undefined,
  };
  if (obj.archivedAt !== undefined) json.archivedAt = iso(obj.archivedAt);
  if (associations && associations.length > 0) {
    const assoc: Record<string, HubspotJson> = {};
    for (const toType of associations) {
      const entries = state.store.associations.list(obj.type.typeId, obj.id, toType.typeId);
      if (entries.length === 0) continue;
      const results: HubspotJson[] = [];
      for (const entry of entries) {
        for (const typeId of entry.typeIds) {
          results.push({ id: String(entry.toId), type: associationTypeName(obj.type, toType, typeId) });
        }
      }
      assoc[toType.name] = { results };
    }
    if (Object.keys(assoc).length > 0) json.associations = assoc;
  }
  return json;
}

/** Resolves the `associations` query parameter to object types (unknown names are ignored, like HubSpot). */
export function associationTypesParam(query: URLSearchParams): ObjectTypeInfo[] | undefined {
  const names = listParam(query, 'associations');
  if (!names) return undefined;
  return names.map((n) => resolveObjectType(n)).filter((t): t is ObjectTypeInfo => t !== undefined);
}

/** Reads a live object or throws 404. */
export function requireObject(state: SandboxState, type: ObjectTypeInfo, id: string): StoredObject {
  const obj = state.store.get(type, id);
  if (!obj) throw notFound();
  return obj;
}

/** Batch response envelope. */
export function batchResponse(
  startedAt: number,
  results: HubspotJson[],
  errors: HubspotJson[] = [],
): { status: number; body: Record<string, HubspotJson> } {
  const body: Record<string, HubspotJson> = {
    status: 'COMPLETE',
    results,
    startedAt: iso(startedAt),
    completedAt: iso(Date.now()),
  };
  if (errors.length > 0) {
    body.numErrors = errors.length;
    body.errors = errors;
  }
  return { status: errors.length > 0 ? 207 : 200, body };
}

/** A StandardError entry of a batch response. */
export function standardError(category: string, message: string, context: Record<string, string[]>): HubspotJson {
  return { status: 'error', category, message, context, errors: [], links: {} };
}
