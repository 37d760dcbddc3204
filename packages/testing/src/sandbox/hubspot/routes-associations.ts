/** Handlers of the associations v4 endpoints (and their 2026-03 forms). */
import { associationCategory } from './associations';
import {
  type HandlerResult,
  type RequestContext,
  type SandboxState,
  batchResponse,
  objectTypeOrThrow,
  standardError,
} from './context';
import { batchInputs, inputId, isRecord, notFound, validationError } from './http-util';
import { type ObjectTypeInfo, defaultAssociationTypeId, hubspotAssociationType } from './object-types';
import type { StoredObject } from './store';
import type { HubspotJson } from './types';

function defaultType(from: ObjectTypeInfo, to: ObjectTypeInfo): number {
  const typeId = defaultAssociationTypeId(from.typeId, to.typeId);
  if (typeId === undefined) {
    throw validationError(`No default association type exists from ${from.name} to ${to.name}.`);
  }
  return typeId;
}

function labelsOf(typeIds: number[]): string[] {
  return typeIds.map((t) => hubspotAssociationType(t)?.label).filter((l): l is string => l !== undefined);
}

function parseSpecs(from: ObjectTypeInfo, to: ObjectTypeInfo, raw: unknown): number[] {
  if (!Array.isArray(raw) || raw.length === 0) throw validationError('Association types must be a non-empty array.');
  return raw.map((spec) => {
    if (!isRecord(spec) || typeof spec.associationTypeId !== 'number') {
      throw validationError('Each association type needs associationCategory and associationTypeId.');
    }
    const info = hubspotAssociationType(spec.associationTypeId);
    if (info && (info.from !== from.typeId || info.to !== to.typeId)) {
      throw validationError(
        `${spec.associationTypeId} is not a valid association type from ${from.name} to ${to.name}.`,
      );
    }
    if (!info && spec.associationCategory === 'HUBSPOT_DEFINED') {
      throw validationError(`${spec.associationTypeId} is not a HubSpot-defined association type.`);
    }
    return spec.associationTypeId;
  });
}

/** Both ends of an association, or which one does not exist. */
function findPair(
  state: SandboxState,
  from: ObjectTypeInfo,
  fromId: string,
  to: ObjectTypeInfo,
  toId: string,
): { a: StoredObject; b: StoredObject } | { missingId: string; message: string } {
  const a = state.store.get(from, fromId);
  const b = state.store.get(to, toId);
  if (a && b) return { a, b };
  return {
    missingId: !a ? fromId : toId,
    message: `${!a ? `${from.singular} ${fromId}` : `${to.singular} ${toId}`} does not exist.`,
  };
}

function pair(state: SandboxState, from: ObjectTypeInfo, fromId: string, to: ObjectTypeInfo, toId: string) {
  const found = findPair(state, from, fromId, to, toId);
  if ('message' in found) throw notFound(found.message);
  return found;
}

function labelsBetween(state: SandboxState, a: StoredObject, b: StoredObject): Record<string, HubspotJson> {
  const entry = state.store.associations.list(a.type.typeId, a.id, b.type.typeId).find((e) => e.toId === b.id);
  return {
    fromObjectTypeId: a.type.typeId,
    fromObjectId: String(a.id),
    toObjectTypeId: b.type.typeId,
    toObjectId: String(b.id),
    labels: labelsOf(entry?.typeIds ?? []),
  };
}

function associationTypesJson(typeIds: number[]): HubspotJson[] {
  return typeIds.map((typeId) => {
    const label = hubspotAssociationType(typeId)?.label;
    return { category: associationCategory(typeId), typeId, ...(label ? { label } : {}) };
  });
}

/** PUT .../{from}/{fromId}/associations/default/{to}/{toId}. */
export function putDefault(
  state: SandboxState,
  ctx: RequestContext,
  fromKey: string,
  fromId: string,
  toKey: string,
  toId: string,
): HandlerResult {
  const startedAt = Date.now();
  const from = objectTypeOrThrow(fromKey);
  const to = objectTypeOrThrow(toKey);
  const typeId = defaultType(from, to);
  const { a, b } = pair(state, from, fromId, to, toId);
  state.store.associate(a, b, typeId, ctx.source);
  const res = batchResponse(startedAt, defaultResults(a, b, typeId));
  return { ...res, operation: 'associations.putDefault' };
}

function defaultResults(a: StoredObject, b: StoredObject, typeId: number): HubspotJson[] {
  const inverse = hubspotAssociationType(typeId)?.inverseTypeId ?? typeId;
  return [
    {
      from: { id: String(a.id) },
      to: { id: String(b.id) },
      associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId },
    },
    {
      from: { id: String(b.id) },
      to: { id: String(a.id) },
      associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: inverse },
    },
  ];
}

/** PUT .../{type}/{id}/associations/{to}/{toId} with a body of association specs. */
export function putLabels(
  state: SandboxState,
  ctx: RequestContext,
  fromKey: string,
  fromId: string,
  toKey: string,
  toId: string,
): HandlerResult {
  const from = objectTypeOrThrow(fromKey);
  const to = objectTypeOrThrow(toKey);
  const typeIds = parseSpecs(from, to, ctx.body);
  const { a, b } = pair(state, from, fromId, to, toId);
  for (const typeId of typeIds) state.store.associate(a, b, typeId, ctx.source);
  return { status: 201, body: labelsBetween(state, a, b), operation: 'associations.put' };
}

/** DELETE .../{type}/{id}/associations/{to}/{toId}. */
export function deleteAssociation(
  state: SandboxState,
  ctx: RequestContext,
  fromKey: string,
  fromId: string,
  toKey: string,
  toId: string,
): HandlerResult {
  const from = objectTypeOrThrow(fromKey);
  const to = objectTypeOrThrow(toKey);
  const a = state.store.get(from, fromId);
  const b = state.store.get(to, toId);
  if (a && b) state.store.dissociate(a, b, ctx.source);
  return { status: 204, operation: 'associations.delete' };
}

function page(
  state: SandboxState,
  a: StoredObject,
  to: ObjectTypeInfo,
  after: string | undefined,
  limit: number,
): { to: HubspotJson[]; next?: string } {
  const afterId = after && /^\d+$/.test(after) ? Number(after) : 0;
  const all = state.store.associations.list(a.type.typeId, a.id, to.typeId).filter((e) => e.toId > afterId);
  const slice = all.slice(0, limit);
  const results = slice.map((e) => ({ toObjectId: String(e.toId), associationTypes: associationTypesJson(e.typeIds) }));
  const last = slice[slice.length - 1];
  return all.length > limit && last ? { to: results, next: String(last.toId) } : { to: results };
}

/** GET .../{type}/{id}/associations/{to} (paged). */
export function listAssociations(
  state: SandboxState,
  ctx: RequestContext,
  fromKey: string,
  fromId: string,
  toKey: string,
): HandlerResult {
  const from = objectTypeOrThrow(fromKey);
  const to = objectTypeOrThrow(toKey);
  const a = state.store.get(from, fromId);
  if (!a) throw notFound();
  const limitRaw = ctx.query.get('limit');
  const limit = Math.min(500, Math.max(1, limitRaw ? Number.parseInt(limitRaw, 10) || 500 : 500));
  const { to: results, next } = page(state, a, to, ctx.query.get('after') ?? undefined, limit);
  const body: Record<string, HubspotJson> = { results };
  if (next) {
    const q = new URLSearchParams(ctx.query);
    q.set('after', next);
    body.paging = { next: { after: next, link: `${state.baseUrl()}${ctx.path}?${q.toString()}` } };
  }
  return { status: 200, body, operation: 'associations.list' };
}

/** POST /crm/v4/associations/{from}/{to}/batch/{op}. */
export function associationBatch(
  state: SandboxState,
  ctx: RequestContext,
  fromKey: string,
  toKey: string,
  op: string,
): HandlerResult {
  const startedAt = Date.now();
  const from = objectTypeOrThrow(fromKey);
  const to = objectTypeOrThrow(toKey);
  const inputs = batchInputs(ctx.body, op === 'read' ? 1000 : 2000);
  const emptyOk = (operation: string): HandlerResult =>
    ctx.version === '2026-03' ? { ...batchResponse(startedAt, []), operation } : { status: 204, operation };
  switch (op) {
    case 'read': {
      const results: HubspotJson[] = [];
      const missing: string[] = [];
      for (const input of inputs) {
        const id = inputId(input);
        const after = isRecord(input) && typeof input.after === 'string' ? input.after : undefined;
        const a = state.store.get(from, id);
        const p = a ? page(state, a, to, after, 500) : undefined;
        if (!a || !p || p.to.length === 0) {
          missing.push(id);
          continue;
        }
        const item: Record<string, HubspotJson> = { from: { id }, to: p.to };
        if (p.next) item.paging = { next: { after: p.next } };
        results.push(item);
      }
      const errors = missing.map((id) =>
        standardError('OBJECT_NOT_FOUND', `No ${to.name} is associated with ${from.singular} ${id}.`, {
          fromObjectId: [id],
        }),
      );
      return { ...batchResponse(startedAt, results, errors), operation: 'associations.batch.read' };
    }
    case 'create': {
      const results: HubspotJson[] = [];
      const errors: HubspotJson[] = [];
      for (const input of inputs) {
        if (!isRecord(input)) throw validationError('Each input needs from, to and types.');
        const fromId = inputId(input.from);
        const toId = inputId(input.to);
        const typeIds = parseSpecs(from, to, input.types);
        const found = findPair(state, from, fromId, to, toId);
        if ('message' in found) {
          errors.push(standardError('OBJECT_NOT_FOUND', found.message, { ids: [found.missingId] }));
          continue;
        }
        const { a, b } = found;
        for (const typeId of typeIds) state.store.associate(a, b, typeId, ctx.source);
        results.push(labelsBetween(state, a, b));
      }
      const res = batchResponse(startedAt, results, errors);
      return { status: errors.length > 0 ? 207 : 201, body: res.body, operation: 'associations.batch.create' };
    }
    case 'associate/default': {
      const typeId = defaultType(from, to);
      const results: HubspotJson[] = [];
      const errors: HubspotJson[] = [];
      for (const input of inputs) {
        if (!isRecord(input)) throw validationError('Each input needs from and to.');
        const fromId = inputId(input.from);
        const toId = inputId(input.to);
        const found = findPair(state, from, fromId, to, toId);
        if ('message' in found) {
          errors.push(standardError('OBJECT_NOT_FOUND', found.message, { ids: [found.missingId] }));
          continue;
        }
        const { a, b } = found;
        state.store.associate(a, b, typeId, ctx.source);
        results.push(...defaultResults(a, b, typeId));
      }
      const res = batchResponse(startedAt, results, errors);
      return { status: 200, body: res.body, operation: 'associations.batch.associateDefault' };
    }
    case 'archive': {
      for (const input of inputs) {
        if (!isRecord(input) || !Array.isArray(input.to)) throw validationError('Each input needs from and to[].');
        const a = state.store.get(from, inputId(input.from));
        for (const t of input.to) {
          const b = state.store.get(to, inputId(t));
          if (a && b) state.store.dissociate(a, b, ctx.source);
        }
      }
      return emptyOk('associations.batch.archive');
    }
    case 'labels/archive': {
      for (const input of inputs) {
        if (!isRecord(input)) throw validationError('Each input needs from, to and types.');
        const typeIds = parseSpecs(from, to, input.types);
        const a = state.store.get(from, inputId(input.from));
        const b = state.store.get(to, inputId(input.to));
        if (a && b) state.store.dissociate(a, b, ctx.source, typeIds);
      }
      return emptyOk('associations.batch.labelsArchive');
    }
    default:
      throw notFound(`Unknown batch operation ${op}.`);
  }
}
