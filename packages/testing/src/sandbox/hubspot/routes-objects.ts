/** Handlers of the object endpoints: CRUD, batch, search, GDPR delete. */
import {
  type HandlerResult,
  type RequestContext,
  type SandboxState,
  apiObject,
  apiProperties,
  associationTypesParam,
  batchResponse,
  flag,
  listParam,
  standardError,
} from './context';
import { HubspotHttpError, batchInputs, inputId, isRecord, notFound, validationError } from './http-util';
import { type ObjectTypeInfo, hubspotAssociationType, resolveObjectType } from './object-types';
import { parseSearchRequest, runSearch } from './search';
import type { StoredObject } from './store';
import type { HubspotJson } from './types';

interface PendingAssociation {
  to: StoredObject;
  typeId: number;
}

/** Validates `associations` of a create input: targets must exist and type ids must fit. */
function parseCreateAssociations(state: SandboxState, type: ObjectTypeInfo, raw: unknown): PendingAssociation[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw validationError('associations must be an array.');
  const out: PendingAssociation[] = [];
  for (const item of raw) {
    if (!isRecord(item) || !isRecord(item.to) || !Array.isArray(item.types)) {
      throw validationError('Each association needs "to" and "types".');
    }
    const toId = inputId(item.to);
    for (const spec of item.types) {
      if (!isRecord(spec) || typeof spec.associationTypeId !== 'number') {
        throw validationError('Each association type needs associationCategory and associationTypeId.');
      }
      const info = hubspotAssociationType(spec.associationTypeId);
      if (!info || info.from !== type.typeId) {
        throw validationError(`${spec.associationTypeId} is not a valid association type id for ${type.name}.`);
      }
      const toType = resolveObjectType(info.to)!;
      const to = state.store.get(toType, toId);
      if (!to) {
        throw validationError(`One or more associated objects were not found: ${toType.name} ${toId}.`, [
          { message: `${toType.singular} ${toId} does not exist`, code: 'ASSOCIATION_TARGET_NOT_FOUND' },
        ]);
      }
      out.push({ to, typeId: spec.associationTypeId });
    }
  }
  return out;
}

function propertiesOf(input: unknown): unknown {
  if (!isRecord(input)) throw validationError('Invalid input JSON: body must be an object.');
  if (input.properties === undefined) throw validationError('Invalid input JSON: "properties" is required.');
  return input.properties;
}

/** Lists objects with paging. */
export function listObjects(state: SandboxState, ctx: RequestContext, type: ObjectTypeInfo): HandlerResult {
  const limitRaw = ctx.query.get('limit');
  const limit = Math.min(100, Math.max(1, limitRaw ? Number.parseInt(limitRaw, 10) || 10 : 10));
  const afterRaw = ctx.query.get('after');
  const afterId = afterRaw && /^\d+$/.test(afterRaw) ? Number(afterRaw) : 0;
  if (afterRaw && afterId === 0 && afterRaw !== '0') throw validationError(`Invalid paging cursor: ${afterRaw}`);
  const archived = flag(ctx.query, 'archived');
  const props = listParam(ctx.query, 'properties');
  const assoc = associationTypesParam(ctx.query);
  const results: HubspotJson[] = [];
  let last: StoredObject | undefined;
  let more = false;
  for (const obj of state.store.iterate(type, afterId)) {
    if ((obj.archivedAt !== undefined) !== archived) continue;
    if (results.length === limit) {
      more = true;
      break;
    }
    results.push(apiObject(state, obj, props, assoc));
    last = obj;
  }
  const body: Record<string, HubspotJson> = { results };
  if (more && last) {
    const after = String(last.id);
    const q = new URLSearchParams(ctx.query);
    q.set('after', after);
    body.paging = { next: { after, link: `${state.baseUrl()}${ctx.path}?${q.toString()}` } };
  }
  return { status: 200, body, operation: 'objects.list' };
}

/** Reads one object (by id or `idProperty`). */
export function getObject(state: SandboxState, ctx: RequestContext, type: ObjectTypeInfo, id: string): HandlerResult {
  const idProperty = ctx.query.get('idProperty') ?? undefined;
  if (idProperty && !state.properties.isUnique(type, idProperty)) {
    throw validationError(`${idProperty} is not a unique property of ${type.name}.`);
  }
  const obj = state.store.find(type, idProperty, decodeURIComponent(id), flag(ctx.query, 'archived'));
  if (!obj) throw notFound();
  return {
    status: 200,
    body: apiObject(state, obj, listParam(ctx.query, 'properties'), associationTypesParam(ctx.query)),
    operation: 'objects.get',
  };
}

/** Creates one object (201). */
export function createObject(state: SandboxState, ctx: RequestContext, type: ObjectTypeInfo): HandlerResult {
  const values = state.store.validate(type, propertiesOf(ctx.body));
  const assoc = parseCreateAssociations(state, type, (ctx.body as Record<string, unknown>).associations);
  state.store.checkUnique(type, values);
  const obj = state.store.create(type, values, ctx.source);
  for (const a of assoc) state.store.associate(obj, a.to, a.typeId, ctx.source);
  return { status: 201, body: apiObject(state, obj, Object.keys(values)), operation: 'objects.create' };
}

/** Updates one object (200). */
export function updateObject(
  state: SandboxState,
  ctx: RequestContext,
  type: ObjectTypeInfo,
  id: string,
): HandlerResult {
  const idProperty = ctx.query.get('idProperty') ?? undefined;
  if (idProperty && !state.properties.isUnique(type, idProperty)) {
    throw validationError(`${idProperty} is not a unique property of ${type.name}.`);
  }
  const values = state.store.validate(type, propertiesOf(ctx.body));
  const obj = state.store.find(type, idProperty, decodeURIComponent(id));
  if (!obj) throw notFound();
  state.store.checkUnique(type, values, obj.id);
  state.store.update(obj, values, ctx.source);
  return { status: 200, body: apiObject(state, obj, Object.keys(values)), operation: 'objects.update' };
}

/** Archives one object (204; also when it does not exist, like HubSpot). */
export function archiveObject(
  state: SandboxState,
  ctx: RequestContext,
  type: ObjectTypeInfo,
  id: string,
): HandlerResult {
  const obj = state.store.get(type, id);
  if (obj) state.store.archive(obj, ctx.source);
  return { status: 204, operation: 'objects.archive' };
}

/** Batch endpoints: read, create, update, upsert, archive. */
export function batch(state: SandboxState, ctx: RequestContext, type: ObjectTypeInfo, op: string): HandlerResult {
  const startedAt = Date.now();
  const inputs = batchInputs(ctx.body);
  const body = ctx.body as Record<string, unknown>;
  switch (op) {
    case 'read': {
      const idProperty = typeof body.idProperty === 'string' ? body.idProperty : undefined;
      if (idProperty && !state.properties.isUnique(type, idProperty)) {
        throw validationError(`${idProperty} is not a unique property of ${type.name}.`);
      }
      const props = Array.isArray(body.properties) ? body.properties.map((p) => String(p)) : undefined;
      const archived = flag(ctx.query, 'archived');
      const results: HubspotJson[] = [];
      const missing: string[] = [];
      const seen = new Set<number>();
      for (const input of inputs) {
        const id = inputId(input);
        const obj = state.store.find(type, idProperty, id, archived);
        if (!obj) missing.push(id);
        else if (!seen.has(obj.id)) {
          seen.add(obj.id);
          results.push(apiObject(state, obj, props));
        }
      }
      const errors = missing.length
        ? [
            standardError(
              'OBJECT_NOT_FOUND',
              `Could not get some ${type.singular.toUpperCase()} objects, they may be deleted or not exist. Check that ids are valid.`,
              { ids: missing },
            ),
          ]
        : [];
      const res = batchResponse(startedAt, results, errors);
      return { ...res, operation: 'objects.batch.read' };
    }
    case 'create': {
      const prepared = inputs.map((input) => {
        const values = state.store.validate(type, propertiesOf(input));
        const assoc = parseCreateAssociations(state, type, (input as Record<string, unknown>).associations);
        return { values, assoc };
      });
      const taken = new Map<string, Set<string>>();
      for (const p of prepared) state.store.checkUnique(type, p.values, undefined, taken);
      const results = prepared.map((p) => {
        const obj = state.store.create(type, p.values, ctx.source);
        for (const a of p.assoc) state.store.associate(obj, a.to, a.typeId, ctx.source);
        return apiObject(state, obj, Object.keys(p.values));
      });
      const res = batchResponse(startedAt, results);
      return { status: 201, body: res.body, operation: 'objects.batch.create' };
    }
    case 'update': {
      const prepared = inputs.map((input) => {
        const rec = input as Record<string, unknown>;
        const idProperty = typeof rec.idProperty === 'string' ? rec.idProperty : undefined;
        if (idProperty && !state.properties.isUnique(type, idProperty)) {
          throw validationError(`${idProperty} is not a unique property of ${type.name}.`);
        }
        return { id: inputId(input), idProperty, values: state.store.validate(type, propertiesOf(input)) };
      });
      const missing: string[] = [];
      const targets: { obj: StoredObject; values: Record<string, string> }[] = [];
      for (const p of prepared) {
        const obj = state.store.find(type, p.idProperty, p.id);
        if (!obj) missing.push(p.id);
        else {
          state.store.checkUnique(type, p.values, obj.id);
          targets.push({ obj, values: p.values });
        }
      }
      const results = targets.map((t) => {
        state.store.update(t.obj, t.values, ctx.source);
        return apiObject(state, t.obj, Object.keys(t.values));
      });
      const errors = missing.length
        ? [
            standardError('OBJECT_NOT_FOUND', `Could not update some ${type.name}: they do not exist.`, {
              ids: missing,
            }),
          ]
        : [];
      const res = batchResponse(startedAt, results, errors);
      return { ...res, operation: 'objects.batch.update' };
    }
    case 'upsert': {
      const prepared = inputs.map((input) => {
        const rec = input as Record<string, unknown>;
        const idProperty = typeof rec.idProperty === 'string' ? rec.idProperty : 'hs_object_id';
        if (!state.properties.isUnique(type, idProperty)) {
          throw validationError(
            `${idProperty} is not a unique property of ${type.name}: upsert needs a property with hasUniqueValue.`,
          );
        }
        const id = inputId(input);
        const values = state.store.validate(type, propertiesOf(input));
        return { id, idProperty, values };
      });
      const results: HubspotJson[] = [];
      const errors: HubspotJson[] = [];
      for (const p of prepared) {
        const existing = state.store.find(type, p.idProperty, p.id);
        if (existing) {
          state.store.checkUnique(type, p.values, existing.id);
          state.store.update(existing, p.values, ctx.source);
          results.push({ ...apiObject(state, existing, Object.keys(p.values)), new: false });
        } else if (p.idProperty === 'hs_object_id') {
          errors.push(standardError('OBJECT_NOT_FOUND', `${type.singular} ${p.id} does not exist.`, { ids: [p.id] }));
        } else {
          const values = { ...p.values, [p.idProperty]: p.values[p.idProperty] ?? p.id };
          const normalized = state.store.validate(type, values);
          state.store.checkUnique(type, normalized);
          const obj = state.store.create(type, normalized, ctx.source);
          results.push({ ...apiObject(state, obj, Object.keys(normalized)), new: true });
        }
      }
      const res = batchResponse(startedAt, results, errors);
      return { ...res, operation: 'objects.batch.upsert' };
    }
    case 'archive': {
      const ids = inputs.map((input) => inputId(input));
      for (const id of ids) {
        const obj = state.store.get(type, id);
        if (obj) state.store.archive(obj, ctx.source);
      }
      return { status: 204, operation: 'objects.batch.archive' };
    }
    default:
      throw new HubspotHttpError(404, 'OBJECT_NOT_FOUND', `Unknown batch operation ${op}.`);
  }
}

/** POST .../search. */
export function search(state: SandboxState, ctx: RequestContext, type: ObjectTypeInfo): HandlerResult {
  const req = parseSearchRequest(state.properties, type, ctx.body);
  const { total, page } = runSearch(state.store, type, req);
  const results = page.map((obj) => {
    const json = apiObject(state, obj, req.properties);
    json.properties = apiProperties(state, obj, req.properties);
    return json;
  });
  const body: Record<string, HubspotJson> = { total, results };
  const next = req.offset + page.length;
  if (next < total && page.length > 0) body.paging = { next: { after: String(next) } };
  return { status: 200, body, operation: 'search' };
}

/** POST /crm/v3/objects/contacts/gdpr-delete. */
export function gdprDelete(state: SandboxState, ctx: RequestContext, type: ObjectTypeInfo): HandlerResult {
  if (type.name !== 'contacts') throw notFound('GDPR delete is only available for contacts.');
  if (!isRecord(ctx.body) || (typeof ctx.body.objectId !== 'string' && typeof ctx.body.objectId !== 'number')) {
    throw validationError('Invalid input JSON: "objectId" is required.');
  }
  const idProperty = typeof ctx.body.idProperty === 'string' ? ctx.body.idProperty : undefined;
  const id = String(ctx.body.objectId);
  const obj = state.store.find(type, idProperty, id) ?? state.store.find(type, idProperty, id, true);
  if (!obj) throw notFound();
  state.store.hardDelete(obj, 'GDPR');
  return { status: 204, operation: 'objects.gdprDelete' };
}
