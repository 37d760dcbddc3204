/**
 * `createHubspot(settings)`: the HubSpot adapter (read, write, erase, webhooks).
 *
 * @module
 */

import {
  createHttpClient,
  createRateBudget,
  getRateBudget,
  HUBSPOT_PRIVATE_APP_RATE_LIMIT,
  type HttpClient,
  paginate,
  paginateItems,
  type RateBudget,
  type RequestOptions,
  verifyHubspotRequest,
} from '@crmkit/adapter-kit';
import {
  AbortedError,
  type AbortSignalLike,
  type Adapter,
  type AdapterCapabilities,
  CrmkitError,
  type EraseRequest,
  ErrorCode,
  type EraseResult,
  type JsonValue,
  RateLimitError,
  type ReadOptions,
  type RecordType,
  type RefusedSourceRecord,
  type SourceRecordInput,
  type SyncBatch,
  throwIfAborted,
  VendorError,
  type WebhookEvent,
  type WebhookRequest,
  WebhookRejectedError,
  type WriteChange,
  type WriteResult,
} from '@crmkit/model';
import { decodeCheckpoint, encodeCheckpoint, type HubspotCheckpoint, type IncrementalCheckpoint } from './checkpoint';
import {
  associationsFromV3,
  engagementTypeOfActivity,
  type HubspotAssociations,
  type HubspotAssociationTarget,
  type HubspotObject,
  OWNER_ID_PREFIX,
  type PropertiesResult,
  toHubspotProperties,
  toSourceRecord,
  toTimestamp,
  toTombstone,
} from './mapping';
import {
  externalIdOf,
  HUBSPOT_OBJECTS,
  type HubspotObjectType,
  isEngagementType,
  objectTypeOfRecord,
  parseEngagementId,
} from './objects';
import { type HubspotSettings, type ResolvedHubspotSettings, resolveSettings } from './settings';
import { parseHubspotEvents } from './webhooks';

/** The unique custom property that keys idempotent creates (batch upsert by `idProperty`). */
export const WRITE_KEY_PROPERTY = 'crmkit_write_key';

/** A HubSpot owner (user or queue), as {@link HubspotAdapter.owners} lists them. */
export interface HubspotOwner {
  /** crmkit's owner id, the `ownerId` records carry: `hubspot-owner-<id>`. */
  id: string;
  /** HubSpot's owner id. */
  hubspotId: string;
  /** The owner's email, when HubSpot has one. */
  email?: string;
  /** First and last name, when HubSpot has them. */
  name?: string;
  /** Whether the owner is archived (deactivated). */
  archived: boolean;
}

/** Counters of one adapter instance. */
export interface HubspotAdapterStats {
  /** HubSpot objects skipped (and reported through `onInvalid`) because they failed the model's validation. */
  invalid: number;
}

/** The HubSpot adapter: the crmkit `Adapter` contract plus HubSpot extras. */
export interface HubspotAdapter extends Adapter {
  /** Writes changes back to HubSpot (batch upsert, update and archive). */
  write(changes: readonly WriteChange[], options?: { signal?: AbortSignalLike }): Promise<WriteResult[]>;
  /** GDPR-deletes the person's contacts in HubSpot. */
  erase(request: EraseRequest, options?: { signal?: AbortSignalLike }): Promise<EraseResult>;
  /** Lists the account's owners, mapped to crmkit's owner ids. */
  owners(options?: { signal?: AbortSignalLike; archived?: boolean }): Promise<HubspotOwner[]>;
  /** Counters since the adapter was created. */
  stats(): HubspotAdapterStats;
  /** Stops the adapter: later calls throw a `CrmkitError` with code `CLOSED`. */
  close(): Promise<void>;
}

interface ListPage {
  results?: HubspotObject[];
  paging?: { next?: { after?: string } };
}

interface BatchError {
  status?: string;
  category?: string;
  message?: string;
  context?: Record<string, string[] | undefined>;
  errors?: { message?: string; context?: Record<string, string[] | undefined> }[];
}

interface BatchAnswer {
  results?: (HubspotObject & { new?: boolean })[];
  errors?: BatchError[];
}

interface AssociationAnswer {
  results?: {
    from?: { id?: string | number };
    to?: {
      toObjectId?: string | number;
      associationTypes?: { typeId?: number; label?: string | null; category?: string }[];
    }[];
  }[];
}

const BATCH_SIZE = 100;
const WRITE_KEY_GROUPS: Record<HubspotObjectType, string> = {
  contacts: 'contactinformation',
  companies: 'companyinformation',
  deals: 'dealinformation',
  notes: 'engagement',
  calls: 'engagement',
  meetings: 'engagement',
  tasks: 'engagement',
};

/**
 * Splits items into rounds in which every key occurs once, in order (HubSpot refuses a batch that names one object
 * twice; a later change to the same object goes in a later round).
 */
function rounds<T>(items: readonly T[], keyOf: (item: T) => string): T[][] {
  const out: { keys: Set<string>; items: T[] }[] = [];
  const lastRound = new Map<string, number>();
  for (const item of items) {
    const key = keyOf(item);
    const index = (lastRound.get(key) ?? -1) + 1;
    if (out[index] === undefined) out[index] = { keys: new Set(), items: [] };
    out[index]!.keys.add(key);
    out[index]!.items.push(item);
    lastRound.set(key, index);
  }
  return out.map((round) => round.items);
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function asSignal(signal: AbortSignalLike | undefined): AbortSignal | undefined {
  return signal as AbortSignal | undefined;
}

/** A short, non-reversible fingerprint of a token, to key the shared rate budget without a portal id. */
function fingerprint(value: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16);
}

/** Is `error` a whole-request failure that says something about the input (so per-record retries tell more)? */
function isInputError(error: unknown): error is VendorError {
  return VendorError.isInstance(error) && error.status !== undefined && [400, 404, 409, 422].includes(error.status);
}

function failure(
  change: WriteChange,
  code: string,
  message: string,
  retryable: boolean,
  current?: SourceRecordInput,
): WriteResult {
  return {
    ok: false,
    idempotencyKey: change.idempotencyKey,
    code,
    message,
    retryable,
    ...(current === undefined ? {} : { current }),
  };
}

/** Maps a thrown error to a per-record write failure (aborts propagate). */
function failureOf(change: WriteChange, error: unknown): WriteResult {
  if (AbortedError.isInstance(error)) throw error;
  if (RateLimitError.isInstance(error)) return failure(change, 'RATE_LIMITED', error.message, true);
  if (VendorError.isInstance(error)) {
    return failure(change, codeOfStatus(error.status), error.message, error.retryable);
  }
  if (CrmkitError.isInstance(error)) return failure(change, error.code, error.message, false);
  return failure(change, 'VENDOR_ERROR', error instanceof Error ? error.message : String(error), false);
}

function codeOfStatus(status: number | string | undefined): string {
  const n = Number(status);
  if (n === 404) return 'NOT_FOUND';
  if (n === 409) return 'CONFLICT';
  if (n === 400 || n === 422) return 'VALIDATION_FAILED';
  return 'VENDOR_ERROR';
}

function codeOfBatchError(error: BatchError): { code: string; retryable: boolean } {
  const category = (error.category ?? '').toUpperCase();
  const status = Number(error.status);
  if (category === 'OBJECT_NOT_FOUND' || status === 404) return { code: 'NOT_FOUND', retryable: false };
  if (category === 'CONFLICT' || category === 'OBJECT_ALREADY_EXISTS' || status === 409) {
    return { code: 'CONFLICT', retryable: false };
  }
  if (category === 'RATE_LIMITS' || status === 429) return { code: 'VENDOR_ERROR', retryable: true };
  if (status >= 500) return { code: 'VENDOR_ERROR', retryable: true };
  if (category === 'VALIDATION_ERROR' || status === 400) return { code: 'VALIDATION_FAILED', retryable: false };
  return { code: 'VENDOR_ERROR', retryable: false };
}

/** Every string in a batch error's context (and its details' contexts): the ids or keys it concerns. */
function idsOfError(error: BatchError): Set<string> {
  const out = new Set<string>();
  const add = (context: Record<string, string[] | undefined> | undefined) => {
    for (const values of Object.values(context ?? {})) for (const v of values ?? []) out.add(String(v));
  };
  add(error.context);
  for (const detail of error.errors ?? []) add(detail.context);
  return out;
}

/** Compares two HubSpot property values, treating empty as absent and equal instants or numbers as equal. */
function sameValue(a: string | null | undefined, b: string | null | undefined): boolean {
  const x = (a ?? '').trim();
  const y = (b ?? '').trim();
  if (x === y) return true;
  if (x === '' || y === '') return false;
  if (/^-?\d+(\.\d+)?$/.test(x) && /^-?\d+(\.\d+)?$/.test(y) && Number(x) === Number(y)) return true;
  const tx = toTimestamp(x);
  const ty = toTimestamp(y);
  if (tx !== undefined && ty !== undefined && tx === ty && /\d{4}-\d{2}-\d{2}/.test(x + y)) return true;
  return x.toLowerCase() === y.toLowerCase() && /@/.test(x);
}

/** JSON with sorted keys, for comparing model values. */
function canonical(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const ASSOCIATION_FIELDS = new Set(['organization', 'customer', 'participants']);

/** The references a field holds (`organization.ref`, `customer`, the participants' refs), for conflict checks. */
function refsOf(field: string, value: unknown): unknown {
  if (value === null || value === undefined) return field === 'participants' ? [] : null;
  if (field === 'organization') return (value as { ref?: unknown }).ref;
  if (field === 'participants' && Array.isArray(value)) {
    return value.map((p) => canonical((p as { ref?: unknown })?.ref)).sort();
  }
  return value;
}

/**
 * Creates the HubSpot adapter. Settings are validated (a wrong one throws a `ValidationError` naming its path).
 *
 * @example
 * ```ts
 * const hubspot = createHubspot({
 *   credentials: { type: 'token', token: process.env.HUBSPOT_TOKEN! },
 *   portalId: 62515,
 *   clientSecret: process.env.HUBSPOT_CLIENT_SECRET,
 *   mapping: { contacts: { loyalty_tier: 'attributes.sales.loyaltyTier' } },
 * });
 * for await (const batch of hubspot.read()) {
 *   await hub.ingest(batch.records);
 *   await saveCheckpoint(batch.checkpoint);
 * }
 * ```
 */
export function createHubspot(settings: HubspotSettings): HubspotAdapter {
  const s: ResolvedHubspotSettings = resolveSettings(settings);
  const now = s.now;
  const budgetKey =
    s.portalId !== undefined
      ? `hubspot:${s.portalId}`
      : s.credentials.type === 'token'
        ? `hubspot:token:${fingerprint(s.credentials.token)}`
        : undefined;
  const budgetOptions = s.rateLimit ?? HUBSPOT_PRIVATE_APP_RATE_LIMIT;
  const budget: RateBudget =
    budgetKey === undefined ? createRateBudget(budgetOptions) : getRateBudget(budgetKey, budgetOptions);
  const searchOnly: RateBudget =
    budgetKey === undefined
      ? createRateBudget(s.searchRateLimit)
      : getRateBudget(`${budgetKey}:search`, s.searchRateLimit);
  /** Search calls take a token from the search budget and from the account's budget. */
  const searchBudget: RateBudget = {
    get capacity() {
      return searchOnly.capacity;
    },
    get windowMs() {
      return searchOnly.windowMs;
    },
    reserveForInteractive: searchOnly.reserveForInteractive,
    available: () => Math.min(searchOnly.available(), budget.available()),
    acquire: async (options) => {
      await searchOnly.acquire(options);
      await budget.acquire(options);
    },
    updateFromHeaders: (headers) => budget.updateFromHeaders(headers),
  };
  const clientOptions = {
    baseUrl: s.baseUrl,
    vendor: 'hubspot',
    credentials: s.credentials,
    ...s.http,
    ...(s.fetch === undefined ? {} : { fetch: s.fetch }),
    now,
  };
  const http: HttpClient = createHttpClient({ ...clientOptions, budget });
  const searchHttp: HttpClient = createHttpClient({ ...clientOptions, budget: searchBudget });

  let closed = false;
  const assertOpen = () => {
    if (closed) throw new CrmkitError({ code: 'CLOSED', message: '[crmkit/hubspot] The adapter was closed.' });
  };

  const context = { source: s.source, mapping: s.mapping, defaultCurrency: s.defaultCurrency };
  let invalidCount = 0;

  // ----- properties -------------------------------------------------------------------------------------------

  const discovered = new Map<HubspotObjectType, Promise<string[]>>();
  const propertiesOf = async (type: HubspotObjectType, signal?: AbortSignalLike): Promise<string[]> => {
    const names = new Set<string>([
      ...HUBSPOT_OBJECTS[type].properties,
      ...Object.keys(s.mapping[type] ?? {}),
      ...(s.properties[type] ?? []),
    ]);
    if (s.allProperties) {
      let pending = discovered.get(type);
      if (pending === undefined) {
        pending = http
          .get<{ results?: { name?: string }[] }>(`/crm/v3/properties/${type}`, {
            signal: asSignal(signal),
            priority: 'background',
          })
          .then((answer) => (answer?.results ?? []).map((p) => p.name).filter((n): n is string => !!n));
        pending.catch(() => discovered.delete(type));
        discovered.set(type, pending);
      }
      for (const name of await pending) names.add(name);
    }
    return [...names];
  };

  // ----- mapping and reporting ----------------------------------------------------------------------------------

  /** Maps objects to records; objects that do not map to valid records are reported and returned as `refused`. */
  const mapObjects = (
    type: HubspotObjectType,
    objects: HubspotObject[],
    associationsOf: (object: HubspotObject) => HubspotAssociations,
  ): { records: SourceRecordInput[]; refused: RefusedSourceRecord[] } => {
    const records: SourceRecordInput[] = [];
    const refused: RefusedSourceRecord[] = [];
    for (const object of objects) {
      const result = toSourceRecord(type, object, associationsOf(object), context);
      if (result.ok) records.push(result.record);
      else {
        invalidCount += 1;
        s.onInvalid?.(result.report);
        refused.push({
          type: HUBSPOT_OBJECTS[type].recordType,
          externalId: externalIdOf(type, object.id),
          code: ErrorCode.VALIDATION_FAILED,
          message: `[crmkit/hubspot] ${type} ${object.id} is invalid at ${result.report.path}: ${result.report.message}`,
          path: result.report.path,
        });
      }
    }
    return { records, refused };
  };

  // ----- associations (v4 batch read) ---------------------------------------------------------------------------

  const readAssociations = async (
    type: HubspotObjectType,
    ids: readonly string[],
    signal: AbortSignalLike | undefined,
    priority: RequestOptions['priority'],
  ): Promise<Map<string, HubspotAssociations>> => {
    const out = new Map<string, HubspotAssociations>();
    for (const id of ids) out.set(id, {});
    if (ids.length === 0) return out;
    for (const to of HUBSPOT_OBJECTS[type].associations) {
      for (const part of chunks(ids, 1000)) {
        const answer = await http.post<AssociationAnswer>(`/crm/v4/associations/${type}/${to}/batch/read`, {
          json: { inputs: part.map((id) => ({ id })) },
          idempotent: true,
          priority,
          signal: asSignal(signal),
        });
        for (const result of answer?.results ?? []) {
          const from = result.from?.id === undefined ? undefined : String(result.from.id);
          if (from === undefined || !out.has(from)) continue;
          const list = (result.to ?? []).map((target) => ({
            id: String(target.toObjectId),
            primary: (target.associationTypes ?? []).some(
              (t) =>
                (typeof t.label === 'string' && t.label.toLowerCase() === 'primary') ||
                (t.category === 'HUBSPOT_DEFINED' && (t.typeId === 1 || t.typeId === 5)),
            ),
          }));
          const entry = out.get(from)!;
          entry[to] = [...(entry[to] ?? []), ...list];
        }
      }
    }
    return out;
  };

  // ----- batch read of current objects ---------------------------------------------------------------------------

  const readObjects = async (
    type: HubspotObjectType,
    ids: readonly string[],
    signal: AbortSignalLike | undefined,
    priority: RequestOptions['priority'],
    withAssociations = true,
  ): Promise<{
    objects: Map<string, HubspotObject>;
    associations: Map<string, HubspotAssociations>;
    /** Ids HubSpot answered `OBJECT_NOT_FOUND` for, or returned archived. */
    notFound: Set<string>;
  }> => {
    const objects = new Map<string, HubspotObject>();
    const notFound = new Set<string>();
    const properties = await propertiesOf(type, signal);
    for (const part of chunks([...new Set(ids)], BATCH_SIZE)) {
      const answer = await http.post<BatchAnswer>(`/crm/v3/objects/${type}/batch/read`, {
        json: { inputs: part.map((id) => ({ id })), properties, propertiesWithHistory: [] },
        searchParams: { archived: false },
        idempotent: true,
        priority,
        signal: asSignal(signal),
      });
      for (const object of answer?.results ?? []) {
        if (object.archived !== true) objects.set(String(object.id), { ...object, id: String(object.id) });
        else notFound.add(String(object.id));
      }
      // Other per-id errors (say a transient one) prove nothing about the object: its id is in neither list.
      for (const error of answer?.errors ?? []) {
        if (error.category !== 'OBJECT_NOT_FOUND') continue;
        for (const id of error.context?.ids ?? []) notFound.add(String(id));
      }
    }
    const associations = withAssociations
      ? await readAssociations(type, [...objects.keys()], signal, priority)
      : new Map<string, HubspotAssociations>();
    return { objects, associations, notFound };
  };

  // ----- read ---------------------------------------------------------------------------------------------------

  const selectedTypes = (types: readonly RecordType[] | undefined): HubspotObjectType[] =>
    s.objects.filter((type) => types === undefined || types.includes(HUBSPOT_OBJECTS[type].recordType));

  async function* fullPass(
    types: HubspotObjectType[],
    startIndex: number,
    startAfter: string | undefined,
    passStartedAt: string,
    signal: AbortSignalLike | undefined,
  ): AsyncGenerator<SyncBatch> {
    const since = new Date(Date.parse(passStartedAt) - s.overlapMs).toISOString();
    const finalCheckpoint: IncrementalCheckpoint = {
      v: 1,
      mode: 'incremental',
      since: Object.fromEntries(types.map((type) => [type, since])),
    };
    if (startIndex >= types.length) {
      yield { records: [], checkpoint: encodeCheckpoint(finalCheckpoint) };
      return;
    }
    for (let index = startIndex; index < types.length; index++) {
      const type = types[index]!;
      const properties = (await propertiesOf(type, signal)).join(',');
      const associations = HUBSPOT_OBJECTS[type].associations.join(',');
      const pages = paginate<HubspotObject, string>(
        async (after, pageSignal) => {
          const answer = await http.get<ListPage>(`/crm/v3/objects/${type}`, {
            searchParams: {
              limit: s.pageSize,
              after,
              properties,
              associations: associations === '' ? undefined : associations,
              archived: false,
            },
            priority: 'background',
            signal: asSignal(pageSignal),
          });
          return { items: answer?.results ?? [], next: answer?.paging?.next?.after };
        },
        { cursor: index === startIndex ? startAfter : undefined, signal },
      );
      for await (const page of pages) {
        const { records, refused } = mapObjects(
          type,
          page.items.map((o) => ({ ...o, id: String(o.id) })),
          associationsFromV3,
        );
        let checkpoint: HubspotCheckpoint;
        if (page.next !== undefined) {
          checkpoint = { v: 1, mode: 'full', types, index, after: page.next, passStartedAt };
        } else if (index + 1 < types.length) {
          checkpoint = { v: 1, mode: 'full', types, index: index + 1, passStartedAt };
        } else checkpoint = finalCheckpoint;
        yield { records, checkpoint: encodeCheckpoint(checkpoint), ...(refused.length > 0 ? { refused } : {}) };
      }
    }
  }

  /** Milliseconds of an object's last modification (the search's sort key). */
  const modifiedMs = (type: HubspotObjectType, object: HubspotObject): number => {
    const raw = object.properties?.[HUBSPOT_OBJECTS[type].lastModifiedProperty] ?? object.updatedAt;
    const iso = toTimestamp(raw ?? undefined);
    return iso === undefined ? 0 : Date.parse(iso);
  };

  async function* incrementalPass(
    types: HubspotObjectType[],
    start: IncrementalCheckpoint,
    signal: AbortSignalLike | undefined,
  ): AsyncGenerator<SyncBatch> {
    const runStartedAt = now();
    const nextSince = new Date(runStartedAt - s.overlapMs).toISOString();
    const since: Partial<Record<HubspotObjectType, string>> = { ...start.since };
    if (types.length === 0) {
      yield { records: [], checkpoint: encodeCheckpoint({ v: 1, mode: 'incremental', since }) };
      return;
    }
    for (const type of types) {
      const property = HUBSPOT_OBJECTS[type].lastModifiedProperty;
      const properties = await propertiesOf(type, signal);
      // Keyset paging: every page is a new search from the last modification time seen (GTE), skipping the objects
      // already read at exactly that time. Offset paging (`after`) would skip objects when others are modified
      // while the search pages (they move to the end), and HubSpot stops it at 10,000 results; offsets are used only
      // to page through more objects than one page that share one modification time.
      let boundaryMs = since[type] === undefined ? 0 : Date.parse(since[type]!);
      let boundaryIds = new Set<string>();
      let offset = 0;
      for (;;) {
        throwIfAborted(signal);
        if (offset + s.searchPageSize > s.searchResultCap) {
          throw new VendorError({
            vendor: 'hubspot',
            retryable: false,
            message: `[crmkit/hubspot] More than ${s.searchResultCap} ${type} share the modification time ${new Date(boundaryMs).toISOString()}; HubSpot's search cannot page past them.`,
          });
        }
        const answer = await searchHttp.post<ListPage & { total?: number }>(`/crm/v3/objects/${type}/search`, {
          json: {
            filterGroups: [{ filters: [{ propertyName: property, operator: 'GTE', value: String(boundaryMs) }] }],
            sorts: [{ propertyName: property, direction: 'ASCENDING' }],
            properties,
            limit: s.searchPageSize,
            // The spec requires `after`; HubSpot reads it as an offset into the result.
            after: String(offset),
          },
          idempotent: true,
          priority: 'background',
          signal: asSignal(signal),
        });
        const results = (answer?.results ?? []).map((o) => ({ ...o, id: String(o.id) }));
        const fresh: HubspotObject[] = [];
        const startBoundary = boundaryMs;
        for (const object of results) {
          const ms = modifiedMs(type, object);
          if (ms < boundaryMs || (ms === boundaryMs && boundaryIds.has(object.id))) continue;
          fresh.push(object);
          if (ms > boundaryMs) {
            boundaryMs = ms;
            boundaryIds = new Set();
          }
          boundaryIds.add(object.id);
        }
        const associations = await readAssociations(
          type,
          fresh.map((o) => o.id),
          signal,
          'background',
        );
        const { records, refused } = mapObjects(type, fresh, (o) => associations.get(o.id) ?? {});
        const more = answer?.paging?.next?.after !== undefined && results.length > 0;
        // A page without anything new is a group of objects sharing one modification time: page through it.
        if (more && boundaryMs === startBoundary) offset += results.length;
        else offset = 0;
        since[type] = more ? new Date(boundaryMs).toISOString() : nextSince;
        yield {
          records,
          checkpoint: encodeCheckpoint({ v: 1, mode: 'incremental', since: { ...since } }),
          ...(refused.length > 0 ? { refused } : {}),
        };
        if (!more) break;
      }
    }
  }

  /** Decodes the checkpoint lazily, so a malformed one fails the iteration (as the contract's consumers expect). */
  async function* read(options: ReadOptions = {}): AsyncGenerator<SyncBatch> {
    assertOpen();
    const checkpoint = options.checkpoint === undefined ? undefined : decodeCheckpoint(options.checkpoint);
    const types = selectedTypes(options.types);
    if (checkpoint === undefined) {
      yield* fullPass(types, 0, undefined, new Date(now()).toISOString(), options.signal);
    } else if (checkpoint.mode === 'full') {
      yield* fullPass(checkpoint.types, checkpoint.index, checkpoint.after, checkpoint.passStartedAt, options.signal);
    } else {
      yield* incrementalPass(types, checkpoint, options.signal);
    }
  }

  // ----- write --------------------------------------------------------------------------------------------------

  const writeKeyReady = new Map<HubspotObjectType, Promise<void>>();
  const ensureWriteKey = (type: HubspotObjectType, signal: AbortSignalLike | undefined): Promise<void> => {
    let pending = writeKeyReady.get(type);
    if (pending === undefined) {
      pending = (async () => {
        let existing: { hasUniqueValue?: boolean } | undefined;
        try {
          existing = await http.get(`/crm/v3/properties/${type}/${WRITE_KEY_PROPERTY}`, { signal: asSignal(signal) });
        } catch (error) {
          if (!(VendorError.isInstance(error) && error.status === 404)) throw error;
        }
        if (existing !== undefined) {
          if (existing?.hasUniqueValue === true) return;
          throw new VendorError({
            vendor: 'hubspot',
            retryable: false,
            message: `[crmkit/hubspot] The ${type} property ${WRITE_KEY_PROPERTY} exists without unique values, so creates cannot be made idempotent; delete it and let the adapter create it.`,
          });
        }
        try {
          await http.post(`/crm/v3/properties/${type}`, {
            json: {
              name: WRITE_KEY_PROPERTY,
              label: 'crmkit write key',
              description: 'Idempotency key of the crmkit write that created this record (do not edit).',
              type: 'string',
              fieldType: 'text',
              groupName: WRITE_KEY_GROUPS[type],
              hasUniqueValue: true,
              hidden: true,
              formField: false,
            },
            signal: asSignal(signal),
          });
        } catch (error) {
          // 409: another writer created it meanwhile.
          if (!(VendorError.isInstance(error) && error.status === 409)) throw error;
        }
      })();
      pending.catch(() => writeKeyReady.delete(type));
      writeKeyReady.set(type, pending);
    }
    return pending;
  };

  interface Prepared {
    index: number;
    change: WriteChange;
    type: HubspotObjectType;
    id?: string;
    mapped: PropertiesResult;
  }

  const prepare = (change: WriteChange, index: number): Prepared | WriteResult => {
    if (typeof change?.idempotencyKey !== 'string' || change.idempotencyKey === '') {
      return failure(change, 'VALIDATION_FAILED', 'idempotencyKey is required', false);
    }
    let type: HubspotObjectType | undefined;
    let id: string | undefined;
    if (change.operation === 'create') {
      type =
        change.type === 'interaction'
          ? engagementTypeOfActivity((change.data?.activity as { kind?: unknown } | undefined)?.kind)
          : objectTypeOfRecord(change.type);
      if (type === undefined) {
        return failure(
          change,
          'VALIDATION_FAILED',
          change.type === 'interaction'
            ? 'activity.kind must be note, call, meeting or task to create a HubSpot engagement'
            : `HubSpot cannot hold records of type ${change.type}`,
          false,
        );
      }
    } else {
      if (change.externalId === undefined) {
        return failure(change, 'VALIDATION_FAILED', `externalId is required to ${change.operation}`, false);
      }
      type = objectTypeOfRecord(change.type, change.externalId);
      id = change.type === 'interaction' ? parseEngagementId(change.externalId)?.id : change.externalId;
      if (type === undefined || id === undefined || !/^\d+$/.test(id)) {
        return failure(change, 'VALIDATION_FAILED', `externalId "${change.externalId}" is not a HubSpot id`, false);
      }
    }
    if (!s.objects.includes(type)) {
      return failure(change, 'VALIDATION_FAILED', `The adapter does not sync HubSpot ${type}`, false);
    }
    const mapped =
      change.operation === 'delete'
        ? { properties: {}, associations: [], fields: {}, errors: [] }
        : toHubspotProperties(type, change.data ?? {}, { mapping: s.mapping, defaultCurrency: s.defaultCurrency });
    if (mapped.errors.length > 0) {
      const detail = mapped.errors.map((e) => `data.${e.field}: ${e.message}`).join('; ');
      return failure(change, 'VALIDATION_FAILED', `[crmkit/hubspot] ${detail}`.slice(0, 2000), false);
    }
    if (WRITE_KEY_PROPERTY in mapped.properties) {
      return failure(change, 'VALIDATION_FAILED', `${WRITE_KEY_PROPERTY} is managed by the adapter`, false);
    }
    return { index, change, type, ...(id === undefined ? {} : { id }), mapped };
  };

  const associate = async (
    type: HubspotObjectType,
    pairs: { from: string; to: HubspotAssociationTarget }[],
    signal: AbortSignalLike | undefined,
  ): Promise<void> => {
    const byTarget = new Map<HubspotObjectType, { from: string; to: string }[]>();
    for (const pair of pairs) {
      const list = byTarget.get(pair.to.type) ?? [];
      list.push({ from: pair.from, to: pair.to.id });
      byTarget.set(pair.to.type, list);
    }
    for (const [to, list] of byTarget) {
      for (const part of chunks(list, BATCH_SIZE)) {
        await http.post(`/crm/v4/associations/${type}/${to}/batch/associate/default`, {
          json: { inputs: part.map((p) => ({ from: { id: p.from }, to: { id: p.to } })) },
          idempotent: true,
          signal: asSignal(signal),
        });
      }
    }
  };

  /** Runs a batch call; on a whole-batch input error, runs each item alone to find the per-record outcome. */
  const runBatch = async (
    items: Prepared[],
    call: (items: Prepared[]) => Promise<BatchAnswer | undefined>,
    match: (items: Prepared[], answer: BatchAnswer | undefined, results: Map<number, WriteResult>) => void,
    results: Map<number, WriteResult>,
  ): Promise<void> => {
    for (const part of chunks(items, BATCH_SIZE)) {
      try {
        match(part, await call(part), results);
      } catch (error) {
        if (part.length > 1 && isInputError(error)) {
          for (const item of part) {
            try {
              match([item], await call([item]), results);
            } catch (inner) {
              results.set(item.index, failureOf(item.change, inner));
            }
          }
        } else for (const item of part) results.set(item.index, failureOf(item.change, error));
      }
    }
  };

  const matchErrors = (
    items: Prepared[],
    answer: BatchAnswer | undefined,
    results: Map<number, WriteResult>,
    keyOf: (item: Prepared) => string,
  ) => {
    for (const error of answer?.errors ?? []) {
      const ids = idsOfError(error);
      const { code, retryable } = codeOfBatchError(error);
      for (const item of items) {
        if (results.has(item.index)) continue;
        const key = keyOf(item);
        const named = ids.size > 0 ? ids.has(key) : items.length === 1 || (error.message ?? '').includes(`"${key}"`);
        if (named) {
          results.set(
            item.index,
            failure(item.change, code, `[crmkit/hubspot] ${error.message ?? 'HubSpot refused the record.'}`, retryable),
          );
        }
      }
    }
  };

  const write = async (
    changes: readonly WriteChange[],
    options: { signal?: AbortSignalLike } = {},
  ): Promise<WriteResult[]> => {
    assertOpen();
    const signal = options.signal;
    throwIfAborted(signal);
    const results = new Map<number, WriteResult>();
    const prepared: Prepared[] = [];
    changes.forEach((change, index) => {
      const item = prepare(change, index);
      if ('mapped' in item) prepared.push(item);
      else results.set(index, item);
    });
    const groups = new Map<string, Prepared[]>();
    for (const item of prepared) {
      const key = `${item.type}:${item.change.operation}`;
      groups.set(key, [...(groups.get(key) ?? []), item]);
    }
    for (const [key, items] of groups) {
      const [type, operation] = key.split(':') as [HubspotObjectType, WriteChange['operation']];
      if (operation === 'create') await writeCreates(type, items, results, signal);
      else if (operation === 'update') await writeUpdates(type, items, results, signal);
      else await writeDeletes(type, items, results, signal);
    }
    return changes.map(
      (change, index) =>
        results.get(index) ??
        failure(change, 'VENDOR_ERROR', '[crmkit/hubspot] HubSpot returned no result for this record.', true),
    );
  };

  const writeCreates = async (
    type: HubspotObjectType,
    items: Prepared[],
    results: Map<number, WriteResult>,
    signal: AbortSignalLike | undefined,
  ) => {
    try {
      await ensureWriteKey(type, signal);
    } catch (error) {
      for (const item of items) results.set(item.index, failureOf(item.change, error));
      return;
    }
    // One write per key: a repeated key in one call writes once and answers both.
    const byKey = new Map<string, Prepared[]>();
    for (const item of items)
      byKey.set(item.change.idempotencyKey, [...(byKey.get(item.change.idempotencyKey) ?? []), item]);
    const unique = [...byKey.values()].map((list) => list[0]!);
    const created = new Map<number, string>();
    await runBatch(
      unique,
      (part) =>
        http.post<BatchAnswer>(`/crm/v3/objects/${type}/batch/upsert`, {
          json: {
            inputs: part.map((item) => ({
              id: item.change.idempotencyKey,
              idProperty: WRITE_KEY_PROPERTY,
              properties: { ...item.mapped.properties, [WRITE_KEY_PROPERTY]: item.change.idempotencyKey },
            })),
          },
          idempotent: true,
          signal: asSignal(signal),
        }),
      (part, answer, out) => {
        const byWriteKey = new Map<string, HubspotObject>();
        (answer?.results ?? []).forEach((object, i) => {
          const key =
            object.properties?.[WRITE_KEY_PROPERTY] ?? (part.length === 1 ? part[0]!.change.idempotencyKey : undefined);
          if (key) byWriteKey.set(key, object);
          else if (answer?.results?.length === part.length) byWriteKey.set(part[i]!.change.idempotencyKey, object);
        });
        for (const item of part) {
          const object = byWriteKey.get(item.change.idempotencyKey);
          if (object === undefined) continue;
          created.set(item.index, String(object.id));
          out.set(item.index, {
            ok: true,
            idempotencyKey: item.change.idempotencyKey,
            externalId: externalIdFor(type, String(object.id)),
          });
        }
        matchErrors(part, answer, out, (item) => item.change.idempotencyKey);
      },
      results,
    );
    for (const list of byKey.values()) {
      const first = results.get(list[0]!.index);
      for (const item of list.slice(1))
        if (first) results.set(item.index, { ...first, idempotencyKey: item.change.idempotencyKey });
    }
    await associateAfterWrite(type, unique, created, results, signal);
  };

  const externalIdFor = (type: HubspotObjectType, id: string) => (isEngagementType(type) ? `${type}:${id}` : id);

  const associateAfterWrite = async (
    type: HubspotObjectType,
    items: Prepared[],
    ids: Map<number, string>,
    results: Map<number, WriteResult>,
    signal: AbortSignalLike | undefined,
  ) => {
    const withLinks = items.filter((item) => ids.has(item.index) && item.mapped.associations.length > 0);
    if (withLinks.length === 0) return;
    try {
      await associate(
        type,
        withLinks.flatMap((item) => item.mapped.associations.map((to) => ({ from: ids.get(item.index)!, to }))),
        signal,
      );
    } catch (error) {
      // The record is written but its links are not: report it so the Hub retries (the write is idempotent).
      for (const item of withLinks) {
        const base = failureOf(item.change, error);
        if (!base.ok) {
          results.set(item.index, {
            ...base,
            message: `[crmkit/hubspot] The record was written but its associations failed: ${base.message}`,
          });
        }
      }
    }
  };

  const writeUpdates = async (
    type: HubspotObjectType,
    items: Prepared[],
    results: Map<number, WriteResult>,
    signal: AbortSignalLike | undefined,
  ) => {
    const toWrite: Prepared[] = [];
    const withBase = items.filter((item) => item.change.base !== undefined);
    let current: Awaited<ReturnType<typeof readObjects>> | undefined;
    if (withBase.length > 0) {
      try {
        current = await readObjects(
          type,
          withBase.map((item) => item.id!),
          signal,
          'interactive',
          false,
        );
        // Only objects HubSpot changed after the change's base can conflict: their associations are read (to compare
        // references and to hand back the current record); the common case costs one batch read, not two.
        const changedSince = withBase
          .filter((item) => {
            const object = current?.objects.get(item.id!);
            const vendorMs = Date.parse(toTimestamp(object?.updatedAt) ?? '');
            return object !== undefined && !(vendorMs <= Date.parse(item.change.base!.observedAt));
          })
          .map((item) => item.id!);
        if (changedSince.length > 0) {
          const associations = await readAssociations(type, changedSince, signal, 'interactive');
          for (const [id, value] of associations) current.associations.set(id, value);
        }
      } catch (error) {
        for (const item of withBase) results.set(item.index, failureOf(item.change, error));
      }
    }
    for (const item of items) {
      if (results.has(item.index)) continue;
      if (item.change.base !== undefined && current !== undefined) {
        const object = current.objects.get(item.id!);
        if (object === undefined) {
          results.set(
            item.index,
            failure(item.change, 'NOT_FOUND', `[crmkit/hubspot] HubSpot ${type} ${item.id} does not exist.`, false),
          );
          continue;
        }
        const conflict = conflictOf(type, item, object, current.associations.get(item.id!) ?? {});
        if (conflict !== undefined) {
          results.set(item.index, conflict);
          continue;
        }
      }
      toWrite.push(item);
    }
    const updated = new Map<number, string>();
    const withProperties = toWrite.filter((item) => Object.keys(item.mapped.properties).length > 0);
    for (const item of toWrite) {
      if (Object.keys(item.mapped.properties).length === 0) {
        updated.set(item.index, item.id!);
        results.set(item.index, {
          ok: true,
          idempotencyKey: item.change.idempotencyKey,
          externalId: item.change.externalId!,
        });
      }
    }
    for (const round of rounds(withProperties, (item) => item.id!)) {
      await runBatch(
        round,
        (part) =>
          http.post<BatchAnswer>(`/crm/v3/objects/${type}/batch/update`, {
            json: { inputs: part.map((item) => ({ id: item.id!, properties: item.mapped.properties })) },
            // Setting the same values again is harmless, so the update may be retried.
            idempotent: true,
            signal: asSignal(signal),
          }),
        (part, answer, out) => {
          const ids = new Set((answer?.results ?? []).map((o) => String(o.id)));
          for (const item of part) {
            if (!ids.has(item.id!)) continue;
            updated.set(item.index, item.id!);
            out.set(item.index, {
              ok: true,
              idempotencyKey: item.change.idempotencyKey,
              externalId: item.change.externalId!,
            });
          }
          matchErrors(part, answer, out, (item) => item.id!);
        },
        results,
      );
    }
    await associateAfterWrite(type, toWrite, updated, results, signal);
  };

  /** A `CONFLICT` result when HubSpot changed a written field after the change's base was observed. */
  const conflictOf = (
    type: HubspotObjectType,
    item: Prepared,
    object: HubspotObject,
    associations: HubspotAssociations,
  ): WriteResult | undefined => {
    const base = item.change.base!;
    const vendorMs = Date.parse(toTimestamp(object.updatedAt) ?? '');
    const baseMs = Date.parse(base.observedAt);
    if (!(Number.isFinite(vendorMs) && Number.isFinite(baseMs) && vendorMs > baseMs)) return undefined;
    const mappedCurrent = toSourceRecord(type, object, associations, context);
    const currentData = mappedCurrent.ok ? (mappedCurrent.record.data as Record<string, unknown>) : undefined;
    const changed: string[] = [];
    for (const field of Object.keys(item.change.data ?? {})) {
      if (!(field in base.data)) continue;
      // The HubSpot properties this field writes (nested attribute paths included), compared with the base's values.
      const properties = Object.entries(item.mapped.fields)
        .filter(([written]) => written === field || written.startsWith(`${field}.`))
        .flatMap(([, names]) => names);
      const baseProps = toHubspotProperties(type, { [field]: base.data[field] ?? null } as Record<string, JsonValue>, {
        mapping: s.mapping,
        defaultCurrency: s.defaultCurrency,
      }).properties;
      let differs = properties.some(
        (property) =>
          property in baseProps && !sameValue(baseProps[property], object.properties?.[property] ?? undefined),
      );
      // References are associations, not properties: compare them on the mapped record.
      if (!differs && ASSOCIATION_FIELDS.has(field) && currentData !== undefined) {
        const known = refsOf(field, base.data[field]);
        if (known !== undefined) differs = canonical(refsOf(field, currentData[field])) !== canonical(known);
      }
      if (differs) changed.push(field);
    }
    if (changed.length === 0) return undefined;
    return failure(
      item.change,
      'CONFLICT',
      `[crmkit/hubspot] HubSpot ${type} ${object.id} changed ${changed.join(', ')} after ${base.observedAt} (at ${toTimestamp(object.updatedAt)}); not overwritten.`,
      false,
      mappedCurrent.ok ? mappedCurrent.record : undefined,
    );
  };

  const writeDeletes = async (
    type: HubspotObjectType,
    items: Prepared[],
    results: Map<number, WriteResult>,
    signal: AbortSignalLike | undefined,
  ) => {
    for (const part of rounds(items, (item) => item.id!).flatMap((round) => chunks(round, BATCH_SIZE))) {
      try {
        // Archiving is idempotent: archiving an archived or unknown id succeeds too.
        await http.post(`/crm/v3/objects/${type}/batch/archive`, {
          json: { inputs: part.map((item) => ({ id: item.id! })) },
          idempotent: true,
          signal: asSignal(signal),
        });
        for (const item of part) {
          results.set(item.index, {
            ok: true,
            idempotencyKey: item.change.idempotencyKey,
            externalId: item.change.externalId!,
          });
        }
      } catch (error) {
        for (const item of part) results.set(item.index, failureOf(item.change, error));
      }
    }
  };

  // ----- erase --------------------------------------------------------------------------------------------------

  const erase = async (request: EraseRequest, options: { signal?: AbortSignalLike } = {}): Promise<EraseResult> => {
    assertOpen();
    const signal = options.signal;
    const ids = [
      ...new Set(
        request.records.filter((r) => r.type === 'person' && /^\d+$/.test(r.externalId)).map((r) => r.externalId),
      ),
    ];
    const problems: string[] = [];
    let erased = 0;
    // Emails of the known contacts are erased with them; only the others are erased by email.
    const covered = new Set<string>();
    if (ids.length > 0) {
      try {
        const { objects } = await readObjects('contacts', ids, signal, 'interactive');
        for (const object of objects.values()) {
          for (const name of ['email', 'hs_additional_emails']) {
            for (const email of (object.properties?.[name] ?? '').split(/[;,\s]+/)) {
              if (email) covered.add(email.toLowerCase());
            }
          }
        }
      } catch (error) {
        if (AbortedError.isInstance(error)) throw error;
      }
    }
    const gdprDelete = async (body: { objectId: string; idProperty?: string }, label: string) => {
      try {
        await http.post(`/crm/v3/objects/contacts/gdpr-delete`, {
          json: body,
          idempotent: true,
          signal: asSignal(signal),
        });
        erased += 1;
      } catch (error) {
        if (AbortedError.isInstance(error)) throw error;
        if (VendorError.isInstance(error) && error.status === 404) return; // already gone
        problems.push(`${label}: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    for (const id of ids) await gdprDelete({ objectId: id }, `contact ${id}`);
    const emails = [...new Set(request.emails.map((e) => e.trim().toLowerCase()).filter(Boolean))];
    for (const email of emails) {
      if (covered.has(email)) continue;
      await gdprDelete({ objectId: email, idProperty: 'email' }, 'a contact by email');
    }
    if (problems.length > 0) {
      return { status: 'failed', erased, detail: `[crmkit/hubspot] ${problems.join('; ')}`.slice(0, 2000) };
    }
    return {
      status: 'erased',
      erased,
      detail: `HubSpot GDPR-deleted ${erased} contact(s); companies, deals and engagements are not personal records and stay.`,
    };
  };

  // ----- webhooks -----------------------------------------------------------------------------------------------

  const parseWebhook = async (request: WebhookRequest): Promise<WebhookEvent[]> => {
    assertOpen();
    const verification = await verifyHubspotRequest(
      { method: request.method, url: s.webhookUrl ?? request.url, headers: request.headers, body: request.body },
      { clientSecret: s.clientSecret!, now: now() },
    );
    if (!verification.valid) {
      throw new WebhookRejectedError({
        reason: verification.reason,
        message: `[crmkit/hubspot] Webhook refused: ${verification.reason}.`,
      });
    }
    return parseHubspotEvents(request.body, { objects: s.objects, portalId: s.portalId });
  };

  const resolveWebhook = async (
    events: readonly WebhookEvent[],
    options: { signal?: AbortSignalLike; onRefused?: (refused: RefusedSourceRecord) => void } = {},
  ): Promise<SourceRecordInput[]> => {
    assertOpen();
    const latest = new Map<string, WebhookEvent>();
    for (const event of events) {
      const key = `${event.type}\u0000${event.externalId}`;
      const known = latest.get(key);
      if (known === undefined || Date.parse(event.occurredAt) >= Date.parse(known.occurredAt)) {
        // A delete at the same instant as an upsert wins: HubSpot sends the deletion last.
        if (!(known !== undefined && known.action === 'delete' && event.occurredAt === known.occurredAt)) {
          latest.set(key, event);
        }
      }
    }
    const out: SourceRecordInput[] = [];
    const changed: { type: RecordType; externalId: string }[] = [];
    for (const event of latest.values()) {
      const type = objectTypeOfRecord(event.type, event.externalId);
      const id = event.type === 'interaction' ? parseEngagementId(event.externalId)?.id : event.externalId;
      if (type === undefined || id === undefined || !s.objects.includes(type)) continue;
      if (event.action === 'delete') out.push(toTombstone(type, id, event.occurredAt, s.source));
      else changed.push(event);
    }
    const read = await readRecords(changed, options.signal, 'interactive');
    out.push(...read.records);
    if (options.onRefused) for (const refused of read.refused) options.onRefused(refused);
    return out;
  };

  /**
   * The current state of records by type and external id; records HubSpot no longer has are left out, and listed in
   * `notFound` when HubSpot said so. Refs of object types this adapter does not read are in neither list.
   */
  const readRecords = async (
    refs: readonly { type: RecordType; externalId: string }[],
    signal: AbortSignalLike | undefined,
    priority: RequestOptions['priority'],
  ): Promise<SyncBatch & { refused: RefusedSourceRecord[]; notFound: { type: RecordType; externalId: string }[] }> => {
    const out: SyncBatch & { refused: RefusedSourceRecord[]; notFound: { type: RecordType; externalId: string }[] } = {
      records: [],
      refused: [],
      notFound: [],
    };
    const toRead = new Map<HubspotObjectType, Map<string, { type: RecordType; externalId: string }[]>>();
    for (const ref of refs) {
      const type = objectTypeOfRecord(ref.type, ref.externalId);
      const id = ref.type === 'interaction' ? parseEngagementId(ref.externalId)?.id : ref.externalId;
      if (type === undefined || id === undefined || !s.objects.includes(type)) continue;
      const byId = toRead.get(type) ?? new Map<string, { type: RecordType; externalId: string }[]>();
      toRead.set(type, byId);
      byId.set(id, [...(byId.get(id) ?? []), { type: ref.type, externalId: ref.externalId }]);
    }
    for (const [type, byId] of toRead) {
      const { objects, associations, notFound } = await readObjects(type, [...byId.keys()], signal, priority);
      const mapped = mapObjects(type, [...objects.values()], (o) => associations.get(o.id) ?? {});
      out.records.push(...mapped.records);
      out.refused.push(...mapped.refused);
      for (const id of notFound) if (!objects.has(id)) out.notFound.push(...(byId.get(id) ?? []));
    }
    return out;
  };

  const readByIds = async (
    refs: readonly { type: RecordType; externalId: string }[],
    options: { signal?: AbortSignalLike } = {},
  ): Promise<SyncBatch> => {
    assertOpen();
    const { records, refused, notFound } = await readRecords(refs, options.signal, 'background');
    return {
      records,
      ...(refused.length > 0 ? { refused } : {}),
      ...(notFound.length > 0 ? { notFound } : {}),
    };
  };

  // ----- owners -------------------------------------------------------------------------------------------------

  const owners = async (options: { signal?: AbortSignalLike; archived?: boolean } = {}): Promise<HubspotOwner[]> => {
    assertOpen();
    const out: HubspotOwner[] = [];
    const items = paginateItems<Record<string, unknown>, string>(
      async (after, signal) => {
        const answer = await http.get<{ results?: Record<string, unknown>[]; paging?: { next?: { after?: string } } }>(
          '/crm/v3/owners',
          { searchParams: { limit: 100, after, archived: options.archived ?? false }, signal: asSignal(signal) },
        );
        return { items: answer?.results ?? [], next: answer?.paging?.next?.after };
      },
      { signal: options.signal },
    );
    for await (const owner of items) {
      const id = String(owner.id);
      const name = [owner.firstName, owner.lastName].filter((v) => typeof v === 'string' && v !== '').join(' ');
      out.push({
        id: `${OWNER_ID_PREFIX}${id}`,
        hubspotId: id,
        ...(typeof owner.email === 'string' && owner.email !== '' ? { email: owner.email } : {}),
        ...(name === '' ? {} : { name }),
        archived: owner.archived === true,
      });
    }
    return out;
  };

  // ----- capabilities -------------------------------------------------------------------------------------------

  const webhooks = s.clientSecret !== undefined;
  const capabilities: AdapterCapabilities = { objects: {}, erase: true };
  for (const type of s.objects) {
    capabilities.objects[HUBSPOT_OBJECTS[type].recordType] = {
      read: true,
      incremental: true,
      write: true,
      webhooks,
      deletes: webhooks,
    };
  }

  const adapter: HubspotAdapter = {
    specificationVersion: 'v1',
    id: 'hubspot',
    source: s.source,
    capabilities,
    read,
    readByIds,
    write,
    erase,
    owners,
    stats: () => ({ invalid: invalidCount }),
    close: async () => {
      closed = true;
    },
  };
  if (webhooks) {
    adapter.parseWebhook = parseWebhook;
    adapter.resolveWebhook = resolveWebhook;
  }
  return adapter;
}
