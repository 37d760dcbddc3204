/**
 * Reading objects HubSpot holds now, by id: the properties to ask for, batch reads of objects and of their
 * associations (v4), and mapping them to records (objects that do not map are reported and returned as refused).
 *
 * @module
 */
import type { RequestOptions } from '@crmkit/adapter-kit';
import {
  type AbortSignalLike,
  ErrorCode,
  type RecordType,
  type RefusedSourceRecord,
  type SourceRecordInput,
  type SyncBatch,
} from '@crmkit/model';
import { type HubspotAssociations, type HubspotObject, toSourceRecord } from '../mapping';
import {
  externalIdOf,
  HUBSPOT_OBJECTS,
  type HubspotObjectType,
  objectTypeOfRecord,
  parseEngagementId,
} from '../objects';
import { type AssociationAnswer, asSignal, BATCH_SIZE, type BatchAnswer, chunks, type HubspotContext } from './context';

/** What a batch read of current objects found. */
export interface CurrentObjects {
  objects: Map<string, HubspotObject>;
  associations: Map<string, HubspotAssociations>;
  /** Ids HubSpot answered `OBJECT_NOT_FOUND` for, or returned archived. */
  notFound: Set<string>;
}

/** The batch reads of one adapter. */
export interface BatchReader {
  /** The properties to read of `type` (the mapping's, the settings', and all of them with `allProperties`). */
  propertiesOf(type: HubspotObjectType, signal?: AbortSignalLike): Promise<string[]>;
  /** Maps objects to records; objects that do not map to valid records are reported and returned as `refused`. */
  mapObjects(
    type: HubspotObjectType,
    objects: HubspotObject[],
    associationsOf: (object: HubspotObject) => HubspotAssociations,
  ): { records: SourceRecordInput[]; refused: RefusedSourceRecord[] };
  /** The associations of objects (v4 batch read). */
  readAssociations(
    type: HubspotObjectType,
    ids: readonly string[],
    signal: AbortSignalLike | undefined,
    priority: RequestOptions['priority'],
  ): Promise<Map<string, HubspotAssociations>>;
  /** Objects by id, with their associations unless `withAssociations` is false. */
  readObjects(
    type: HubspotObjectType,
    ids: readonly string[],
    signal: AbortSignalLike | undefined,
    priority: RequestOptions['priority'],
    withAssociations?: boolean,
  ): Promise<CurrentObjects>;
  /**
   * The current state of records by type and external id; records HubSpot no longer has are left out, and listed in
   * `notFound` when HubSpot said so. Refs of object types this adapter does not read are in neither list.
   */
  readRecords(
    refs: readonly { type: RecordType; externalId: string }[],
    signal: AbortSignalLike | undefined,
    priority: RequestOptions['priority'],
  ): Promise<SyncBatch & { refused: RefusedSourceRecord[]; notFound: { type: RecordType; externalId: string }[] }>;
}

/** The batch reads of the adapter described by `ctx`. */
export function createBatchReader(ctx: HubspotContext): BatchReader {
  const { s, http, context, stats } = ctx;
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
        stats.invalid += 1;
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

  return { propertiesOf, mapObjects, readAssociations, readObjects, readRecords };
}
