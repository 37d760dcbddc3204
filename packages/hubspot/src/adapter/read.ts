/**
 * Reading from HubSpot: full passes (list calls, resumable at the page) and incremental runs (searches by last
 * modification time, keyset-paged), and reads by id.
 *
 * @module
 */
import { paginate } from '@crmkit/adapter-kit';
import {
  type AbortSignalLike,
  type ReadOptions,
  type RecordType,
  type SyncBatch,
  throwIfAborted,
  VendorError,
} from '@crmkit/model';
import { decodeCheckpoint, encodeCheckpoint, type HubspotCheckpoint, type IncrementalCheckpoint } from '../checkpoint';
import { associationsFromV3, type HubspotObject, toTimestamp } from '../mapping';
import { HUBSPOT_OBJECTS, type HubspotObjectType } from '../objects';
import { asSignal, type HubspotContext, type ListPage } from './context';
import type { BatchReader } from './batch-read';

/** The reads of the adapter described by `ctx`. */
export function createReader(
  ctx: HubspotContext,
  reader: BatchReader,
): {
  read(options?: ReadOptions): AsyncGenerator<SyncBatch>;
  readByIds(
    refs: readonly { type: RecordType; externalId: string }[],
    options?: { signal?: AbortSignalLike },
  ): Promise<SyncBatch>;
} {
  const { s, http, searchHttp, assertOpen } = ctx;
  const now = s.now;
  const { propertiesOf, mapObjects, readAssociations, readRecords } = reader;

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

  return { read, readByIds };
}
