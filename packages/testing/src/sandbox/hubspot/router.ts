/** Maps request paths (v3/v4 and 2026-03 forms) to handlers. */
import type { HandlerResult, RequestContext, SandboxState } from './context';
import { objectTypeOrThrow } from './context';
import { associationBatch, deleteAssociation, listAssociations, putDefault, putLabels } from './routes-associations';
import { createProperty, getOwner, getProperty, listOwners, listProperties } from './routes-meta';
import {
  archiveObject,
  batch,
  createObject,
  gdprDelete,
  getObject,
  listObjects,
  search,
  updateObject,
} from './routes-objects';

/** A handler bound to its path parameters. */
export type BoundHandler = (state: SandboxState, ctx: RequestContext) => HandlerResult;

/** A matched route: handlers per method. */
export interface MatchedRoute {
  methods: Record<string, BoundHandler>;
  version: RequestContext['version'];
  /** Search endpoints have their own rate limit and no rate-limit headers. */
  search: boolean;
  /** Operation name per method, for stats of failed requests. */
  operation: string;
}

function objectRoutes(rest: string[], version: RequestContext['version']): MatchedRoute | undefined {
  const r = (methods: Record<string, BoundHandler>, operation: string, isSearch = false): MatchedRoute => ({
    methods,
    version,
    search: isSearch,
    operation,
  });
  const [typeKey, a, b, c, d, e] = rest;
  if (typeKey === undefined) return undefined;
  const type = () => objectTypeOrThrow(typeKey);
  switch (rest.length) {
    case 1:
      return r(
        {
          GET: (s, ctx) => listObjects(s, ctx, type()),
          POST: (s, ctx) => createObject(s, ctx, type()),
        },
        'objects',
      );
    case 2:
      if (a === 'search') return r({ POST: (s, ctx) => search(s, ctx, type()) }, 'search', true);
      if (a === 'gdpr-delete') return r({ POST: (s, ctx) => gdprDelete(s, ctx, type()) }, 'objects.gdprDelete');
      return r(
        {
          GET: (s, ctx) => getObject(s, ctx, type(), a!),
          PATCH: (s, ctx) => updateObject(s, ctx, type(), a!),
          DELETE: (s, ctx) => archiveObject(s, ctx, type(), a!),
        },
        'objects.id',
      );
    case 3:
      if (a === 'batch') return r({ POST: (s, ctx) => batch(s, ctx, type(), b!) }, `objects.batch.${b}`);
      return undefined;
    case 4:
      if (b === 'associations') {
        return r({ GET: (s, ctx) => listAssociations(s, ctx, typeKey, a!, c!) }, 'associations.list');
      }
      return undefined;
    case 5:
      if (b === 'associations') {
        return r(
          {
            PUT: (s, ctx) => putLabels(s, ctx, typeKey, a!, c!, d!),
            DELETE: (s, ctx) => deleteAssociation(s, ctx, typeKey, a!, c!, d!),
          },
          'associations.pair',
        );
      }
      return undefined;
    case 6:
      if (b === 'associations' && c === 'default') {
        return r({ PUT: (s, ctx) => putDefault(s, ctx, typeKey, a!, d!, e!) }, 'associations.putDefault');
      }
      return undefined;
    default:
      return undefined;
  }
}

function associationBatchRoute(rest: string[], version: RequestContext['version']): MatchedRoute | undefined {
  const [from, to, batchWord, ...op] = rest;
  if (!from || !to || batchWord !== 'batch' || op.length === 0) return undefined;
  const name = op.join('/');
  return {
    methods: { POST: (s, ctx) => associationBatch(s, ctx, from, to, name) },
    version,
    search: false,
    operation: `associations.batch.${name}`,
  };
}

/** Finds the route of a path; undefined for unknown paths (404). */
export function matchRoute(path: string): MatchedRoute | undefined {
  const seg = path.split('/').filter((s) => s !== '');
  if (seg[0] !== 'crm') return undefined;
  const [, p1, p2, ...rest] = seg;
  if (p1 === 'v3' && p2 === 'objects') return objectRoutes(rest, 'legacy');
  if (p1 === 'objects' && p2 === '2026-03') return objectRoutes(rest, '2026-03');
  if (p1 === 'v4' && p2 === 'objects') {
    return rest[2] === 'associations' ? objectRoutes(rest, 'legacy') : undefined;
  }
  if (p1 === 'v4' && p2 === 'associations') return associationBatchRoute(rest, 'legacy');
  if (p1 === 'associations' && p2 === '2026-03') return associationBatchRoute(rest, '2026-03');
  const isProps = (p1 === 'v3' && p2 === 'properties') || (p1 === 'properties' && p2 === '2026-03');
  if (isProps) {
    const [typeKey, name] = rest;
    if (typeKey === undefined) return undefined;
    if (rest.length === 1) {
      return {
        methods: {
          GET: (s, ctx) => listProperties(s, ctx, typeKey),
          POST: (s, ctx) => createProperty(s, ctx, typeKey),
        },
        version: 'legacy',
        search: false,
        operation: 'properties',
      };
    }
    if (rest.length === 2 && name !== undefined) {
      return {
        methods: { GET: (s, ctx) => getProperty(s, ctx, typeKey, name) },
        version: 'legacy',
        search: false,
        operation: 'properties.get',
      };
    }
    return undefined;
  }
  if (p1 === 'v3' && p2 === 'owners') {
    if (rest.length === 0) {
      return {
        methods: { GET: (s, ctx) => listOwners(s, ctx) },
        version: 'legacy',
        search: false,
        operation: 'owners',
      };
    }
    const [id] = rest;
    if (rest.length === 1 && id !== undefined) {
      return {
        methods: { GET: (s, ctx) => getOwner(s, ctx, id) },
        version: 'legacy',
        search: false,
        operation: 'owners.get',
      };
    }
  }
  return undefined;
}
