/**
 * Ingest: validate a batch of source records (schemas, input limits, text policy, time bounds, `:before` hooks),
 * store what is new, take the party records through the identity path and raise the events of the batch.
 *
 * @module
 */
import {
  type CustomerRow,
  InvalidArgumentError,
  type InteractionData,
  type OpportunityData,
  type RecordType,
  type SourceRecord,
  type SourceRecordInput,
  type StoredRecord,
  type StoreTransaction,
} from '@crmkit/model';
import type { IngestOptions } from '../api/options';
import type { IngestResult } from '../api/results';
import { checkActorOptions } from '../golden/override-checks';
import { ERASURE_KIND } from '../governance/service';
import { auditOfRecord } from '../governance/trail';
import { updateIdentity } from '../identity/links';
import { prepareRecord, rekeyRecord } from '../identity/resolver';
import type { HubRuntime } from '../runtime/hub-runtime';
import { compareStrings } from '../runtime/stable';
import { outOfBounds, parseBatch, resolveDuplicates } from './ingest-checks';

/** The record types that are parties (linked into customers). */
export const PARTY_TYPES: ReadonlySet<RecordType> = new Set(['person', 'organization']);

/** Total order for competing observations of one record: newer wins; a tombstone wins a tie; then content. */
function supersedes(next: StoredRecord, prev: StoredRecord): boolean {
  const a = Date.parse(next.observedAt);
  const b = Date.parse(prev.observedAt);
  if (a !== b) return a > b;
  if (next.deleted !== prev.deleted) return next.deleted;
  return next.contentHash > prev.contentHash;
}

/** At most this many customers are named per record that refers to parties (interactions, opportunities). */
const REFERRED_LIMIT = 1000;
/** Rows read at once for the references of a whole batch; past it, each record asks on its own. */
const BATCH_REFERRED_LIMIT = 10_000;

/**
 * The active customers whose lookup keys each record's reference keys name (ordered by id, at most
 * {@link REFERRED_LIMIT}), by record key; one store read for the batch when it returns everything. Every customer
 * found is active (the store finds active customers only): recorded in `statusOf`.
 */
async function customersReferredBy(
  tx: StoreTransaction,
  records: readonly StoredRecord[],
  statusOf: Map<string, CustomerRow['status']>,
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const referring = records.filter((record) => !record.deleted && record.refKeys.length > 0);
  if (referring.length === 0) return out;
  const allKeys = [...new Set(referring.flatMap((record) => record.refKeys))];
  const rows = await tx.findCustomersByLookupKeys(allKeys, BATCH_REFERRED_LIMIT);
  for (const row of rows) statusOf.set(row.id, row.status);
  const complete = rows.length < BATCH_REFERRED_LIMIT;
  for (const record of referring) {
    if (!complete) {
      const own = await tx.findCustomersByLookupKeys(record.refKeys, REFERRED_LIMIT);
      for (const row of own) statusOf.set(row.id, row.status);
      out.set(
        record.key,
        own.map((row) => row.id),
      );
      continue;
    }
    const keys = new Set(record.refKeys);
    const ids: string[] = [];
    for (const row of rows) {
      if (ids.length === REFERRED_LIMIT) break;
      if (row.lookupKeys.some((key) => keys.has(key))) ids.push(row.id);
    }
    out.set(record.key, ids);
  }
  return out;
}

/** Ingest as the Hub's modules use it. */
export interface Ingest {
  /**
   * Ingests a batch (`inputs` are validated here: the Hub's typed `ingest()` and the plugins' `ctx.ingest` share
   * it). `origin` is the plugin that ingests, whose own hooks are not called back.
   */
  ingestRecords(inputs: readonly unknown[], callOptions?: IngestOptions, origin?: string): Promise<IngestResult>;
}

/** Creates the ingest of a Hub. */
export function createIngest(rt: HubRuntime): Ingest {
  /** Runs `ingest:before` and `interaction:before`; re-validates what handlers changed. */
  async function beforeIngest(records: SourceRecord[], origin: string | undefined): Promise<SourceRecord[]> {
    const revalidate = (inputs: readonly SourceRecordInput[]): SourceRecord[] =>
      rt.host.schemas.checkRecords(parseBatch(inputs, rt.limits, rt.now()).records);
    let current = records;
    if (rt.host.hooks.has('ingest:before')) {
      const { records: next } = await rt.host.before(
        'ingest:before',
        { records: current as SourceRecordInput[] },
        origin,
      );
      if (next !== (current as unknown)) current = revalidate(next);
    }
    if (rt.host.hooks.has('interaction:before')) {
      const positions: number[] = [];
      current.forEach((record, index) => {
        if (record.type === 'interaction' && !record.deleted) positions.push(index);
      });
      if (positions.length > 0) {
        const subset = positions.map((index) => current[index]!) as SourceRecordInput[];
        const { records: next } = await rt.host.before('interaction:before', { records: subset }, origin);
        if (next !== subset) {
          const checked = revalidate(next);
          const merged = [...current];
          positions.forEach((index, i) => {
            merged[index] = checked[i]!;
          });
          current = merged;
        }
      }
    }
    return current;
  }

  async function ingestRecords(
    inputs: readonly unknown[],
    callOptions: IngestOptions = {},
    origin?: string,
  ): Promise<IngestResult> {
    rt.ensureOpen();
    callOptions = checkActorOptions(callOptions, rt.limits);
    if (!Array.isArray(inputs)) {
      throw new InvalidArgumentError({
        argument: 'records',
        message: '[crmkit/core] ingest() takes an array of records.',
      });
    }
    if (inputs.length > rt.options.maxBatchSize) {
      throw new InvalidArgumentError({
        argument: 'records',
        message: `[crmkit/core] A batch holds at most ${rt.options.maxBatchSize} records; got ${inputs.length}. Split it.`,
      });
    }
    // Validate everything before anything is written.
    const batch = parseBatch(inputs, rt.limits, rt.now());
    const parsed = await beforeIngest(rt.host.schemas.checkRecords(batch.records), origin);
    if (parsed.length === 0)
      return {
        created: 0,
        updated: 0,
        deleted: 0,
        unchanged: 0,
        customerIds: [],
        events: 0,
        reviews: 0,
        suppressed: 0,
        cleaned: batch.cleaned,
        superseded: [],
        repaired: 0,
      };

    return rt.write(
      callOptions.signal,
      async (ctx) => {
        const { tx, now } = ctx;
        // The newest observation of each key in the batch competes with what is stored.
        const {
          winners: incoming,
          superseded,
          duplicates,
        } = resolveDuplicates(
          parsed.map((record) => prepareRecord(record, { identity: rt.identity, now })),
          supersedes,
        );
        let unchanged = duplicates;
        let repaired = 0;
        // Erased records stay erased: a sync that brings them again is refused, record by record.
        let suppressed = 0;
        if (incoming.size > 0) {
          for (const tombstone of await tx.getDocuments(ERASURE_KIND, [...incoming.keys()])) {
            incoming.delete(tombstone.id);
            suppressed++;
          }
        }
        const existing = new Map((await tx.getRecords([...incoming.keys()])).map((r) => [r.key, r]));
        const changedParty = new Map<string, StoredRecord>();
        const changedOther: { record: StoredRecord; prev: StoredRecord | undefined }[] = [];
        const seeds = new Set<string>();
        const changes: { record: StoredRecord; change: 'created' | 'updated' | 'deleted' }[] = [];
        let created = 0;
        let updated = 0;
        let deleted = 0;
        // Stored rows whose content stays but whose derived keys are stale (written by an older version, or under
        // another identity configuration): re-keyed, and taken through the identity path like a changed record.
        const rekeyed: string[] = [];
        const rekeyedOther: StoredRecord[] = [];
        for (const [key, candidate] of incoming) {
          const prev = existing.get(key);
          const repair =
            callOptions.repairTimestamps === true &&
            prev !== undefined &&
            !supersedes(candidate, prev) &&
            outOfBounds(prev.observedAt, rt.limits, new Date(now));
          if (repair) {
            repaired++;
            if (rt.options.audit) {
              ctx.audit.push({
                actor: ctx.actor,
                action: 'record.retimed',
                target: `record:${key}`,
                changes: [{ field: 'observedAt', old: prev.observedAt, new: candidate.observedAt }],
                at: now,
              });
            }
          }
          if (prev && !repair && !supersedes(candidate, prev)) {
            unchanged++;
            const fresh = rekeyRecord(prev, rt.identity);
            if (fresh && PARTY_TYPES.has(fresh.type) && !fresh.deleted) {
              rekeyed.push(key);
              changedParty.set(key, fresh);
              if (prev.customerId) seeds.add(prev.customerId);
            } else if (fresh) rekeyedOther.push(fresh);
            continue;
          }
          if (!prev && candidate.deleted) {
            // A tombstone for a record never seen: keep it, so an older observation cannot resurrect the record.
            await tx.putRecords([candidate]);
            unchanged++;
            continue;
          }
          const record = toStoredFrom(candidate, prev);
          const change =
            !prev || prev.deleted ? (record.deleted ? 'deleted' : 'created') : record.deleted ? 'deleted' : 'updated';
          if (change === 'created') created++;
          else if (change === 'updated') updated++;
          else if (prev && !prev.deleted) deleted++;
          if (prev?.deleted && record.deleted) {
            await tx.putRecords([record]);
            unchanged++;
            continue;
          }
          changes.push({ record, change });
          if (rt.options.audit) ctx.audit.push(auditOfRecord(record, prev, change, ctx.actor, ctx.now));
          if (PARTY_TYPES.has(record.type)) {
            changedParty.set(key, record);
            if (prev?.customerId) seeds.add(prev.customerId);
          } else changedOther.push({ record, prev });
        }

        // Links, relink, journal and review items: the identity path every write of party records shares.
        const { relinked, seeds: relinkedSeeds, reviews } = await updateIdentity(ctx, rt.identity, changedParty, seeds);

        const emitIngested = (
          record: StoredRecord,
          change: 'created' | 'updated' | 'deleted',
          customerId: string | null,
        ) =>
          ctx.emit('record.ingested', {
            key: record.key,
            type: record.type,
            source: record.source,
            externalId: record.externalId,
            change,
            customerId,
          });
        // Customers a record left (tombstone, changed keys) are touched too; merged-away ones are filtered out below.
        const touched = new Set<string>(relinkedSeeds);
        for (const key of rekeyed) {
          const customerId = relinked?.customerOf.get(key);
          if (customerId) touched.add(customerId);
        }
        for (const id of relinked?.merged.values() ?? []) touched.add(id);
        for (const { record, change } of changes) {
          const customerId = relinked?.customerOf.get(record.key) ?? null;
          if (customerId) touched.add(customerId);
          if (PARTY_TYPES.has(record.type)) emitIngested(record, change, customerId);
        }
        if (changedOther.length > 0 || rekeyedOther.length > 0)
          await tx.putRecords([...changedOther.map((c) => c.record), ...rekeyedOther]);
        const changeOf = new Map(changes.map((c) => [c.record.key, c.change]));
        // The status of the touched customers as this operation leaves them: what the relink wrote or read, and the
        // rows the references found (read after the relink); only customers known from neither are read.
        const statusOf = new Map(relinked?.statusOf);
        const referred = await customersReferredBy(
          tx,
          changedOther.map((c) => c.record),
          statusOf,
        );
        for (const { record, prev } of changedOther) {
          const customerIds = referred.get(record.key) ?? [];
          for (const id of customerIds) touched.add(id);
          emitIngested(record, changeOf.get(record.key)!, customerIds[0] ?? null);
          if (record.deleted || record.data === null) continue;
          if (record.type === 'interaction' && (!prev || prev.deleted)) {
            ctx.emit('interaction.recorded', {
              key: record.key,
              source: record.source,
              externalId: record.externalId,
              customerIds,
              interaction: record.data as InteractionData,
            });
          } else if (record.type === 'opportunity') {
            ctx.emit('opportunity.upserted', {
              key: record.key,
              source: record.source,
              externalId: record.externalId,
              customerId: customerIds[0] ?? null,
              opportunity: record.data as OpportunityData,
            });
          }
        }
        const unknown = [...touched].filter((id) => !statusOf.has(id));
        for (const row of unknown.length > 0 ? await tx.getCustomers(unknown) : []) statusOf.set(row.id, row.status);
        const activeTouched = [...touched].filter((id) => statusOf.get(id) === 'active');
        return {
          created,
          updated,
          deleted,
          unchanged,
          customerIds: activeTouched.sort(compareStrings),
          events: ctx.events.length,
          reviews,
          suppressed,
          cleaned: batch.cleaned,
          superseded,
          repaired,
        };
      },
      origin,
      callOptions.actor,
    );

    function toStoredFrom(candidate: StoredRecord, prev: StoredRecord | undefined): StoredRecord {
      return {
        ...candidate,
        customerId: prev?.customerId ?? null,
        homeId: prev?.homeId ?? null,
        version: (prev?.version ?? 0) + 1,
        ingestedAt: prev?.ingestedAt ?? candidate.ingestedAt,
      };
    }
  }

  return { ingestRecords };
}
