/** Handlers of the properties and owners endpoints. */
import { type HandlerResult, type RequestContext, type SandboxState, flag, objectTypeOrThrow } from './context';
import { HubspotHttpError, isRecord, notFound, validationError } from './http-util';
import { propertyFromCreate } from './properties';
import type { HubspotJson, HubspotOwner } from './types';

/** GET /crm/v3/properties/{objectType}. */
export function listProperties(state: SandboxState, ctx: RequestContext, typeKey: string): HandlerResult {
  const type = objectTypeOrThrow(typeKey);
  const archived = flag(ctx.query, 'archived');
  const results = archived
    ? []
    : state.properties.list(type).map((d) => state.properties.toJson(type, d.name) as HubspotJson);
  return { status: 200, body: { results }, operation: 'properties.list' };
}

/** GET /crm/v3/properties/{objectType}/{propertyName}. */
export function getProperty(state: SandboxState, _ctx: RequestContext, typeKey: string, name: string): HandlerResult {
  const type = objectTypeOrThrow(typeKey);
  const json = state.properties.toJson(type, decodeURIComponent(name));
  if (!json) throw notFound(`Unable to find property ${name} for object type ${type.typeId}.`);
  return { status: 200, body: json, operation: 'properties.get' };
}

/** POST /crm/v3/properties/{objectType}. */
export function createProperty(state: SandboxState, ctx: RequestContext, typeKey: string): HandlerResult {
  const type = objectTypeOrThrow(typeKey);
  if (!isRecord(ctx.body)) throw validationError('Invalid input JSON: body must be an object.');
  const def = propertyFromCreate(ctx.body);
  if (typeof def === 'string') throw validationError(def);
  if (state.properties.get(type, def.name)) {
    throw new HubspotHttpError(409, 'OBJECT_ALREADY_EXISTS', `Property named '${def.name}' already exists.`);
  }
  state.properties.define(type, def, state.store.clock.tick());
  if (def.hasUniqueValue) state.store.reindex(type, def.name);
  return { status: 201, body: state.properties.toJson(type, def.name)!, operation: 'properties.create' };
}

function ownerJson(owner: HubspotOwner): Record<string, HubspotJson> {
  return {
    id: owner.id,
    email: owner.email,
    type: 'PERSON',
    firstName: owner.firstName,
    lastName: owner.lastName,
    userId: owner.userId,
    userIdIncludingInactive: owner.userId,
    createdAt: owner.createdAt,
    updatedAt: owner.updatedAt,
    archived: owner.archived,
    teams: [],
  };
}

/** GET /crm/v3/owners. */
export function listOwners(state: SandboxState, ctx: RequestContext): HandlerResult {
  const archived = flag(ctx.query, 'archived');
  const email = ctx.query.get('email')?.toLowerCase();
  const limitRaw = ctx.query.get('limit');
  const limit = Math.min(500, Math.max(1, limitRaw ? Number.parseInt(limitRaw, 10) || 100 : 100));
  const after = Number(ctx.query.get('after') ?? '0') || 0;
  const all = state.owners.filter(
    (o) => o.archived === archived && (email === undefined || o.email.toLowerCase() === email),
  );
  const slice = all.slice(after, after + limit);
  const body: Record<string, HubspotJson> = { results: slice.map(ownerJson) };
  if (after + limit < all.length) {
    const q = new URLSearchParams(ctx.query);
    q.set('after', String(after + limit));
    body.paging = {
      next: { after: String(after + limit), link: `${state.baseUrl()}${ctx.path}?${q.toString()}` },
    };
  }
  return { status: 200, body, operation: 'owners.list' };
}

/** GET /crm/v3/owners/{ownerId}. */
export function getOwner(state: SandboxState, ctx: RequestContext, id: string): HandlerResult {
  const archived = flag(ctx.query, 'archived');
  const idProperty = ctx.query.get('idProperty') ?? 'id';
  const owner = state.owners.find(
    (o) => o.archived === archived && (idProperty === 'userId' ? String(o.userId) === id : o.id === id),
  );
  if (!owner) throw notFound(`Owner ${id} not found.`);
  return { status: 200, body: ownerJson(owner), operation: 'owners.get' };
}
