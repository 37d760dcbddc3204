/**
 * Ingesting what the sync engine read, with a dead-letter list: a record the Hub refuses is set aside with the
 * reason while the rest of its batch goes in; later runs read the set-aside records again by id and clear an entry
 * once its record goes in (or the vendor no longer has it).
 *
 * @module
 */
import {
  type AbortSignalLike,
  type Adapter,
  type JsonValue,
  RECORD_DOCUMENT_KIND,
  type RecordType,
  type RefusedSourceRecord,
  recordDocumentLinkId,
  recordDocumentLinks,
  type SourceRecordInput,
  type StoredDocument,
  type SyncBatch,
  throwIfAborted,
  ValidationError,
  type WebhookEvent,
} from '@crmkit/model';
import { emptyReport, recordId, type SyncContext } from './context';
import { documentPages, listAllDocuments } from './documents';
import { letterOf, letterRecordKey, type Refusal, recordMayCause, sqlStateOf, systemicRefusal } from './refusals';
import { type DeadLetterRetryReport, SYNC_DOCUMENT_KINDS, type SyncDeadLetter, type SyncReport } from './types';

/** The dead-letter list of one engine, and the ingest that fills and clears it. */
export interface SyncDeadLetters {
  /** Id of the dead letter of a record (`name:type/externalId`). */
  letterId(type: string, externalId: string): string;
  /** Whether a dead letter is open, as last loaded or changed by this engine. */
  isOpen(id: string): boolean;
  /** How many dead letters are open, as last loaded or changed by this engine. */
  openCount(): number;
  /** Loads the ids of the open dead letters. */
  loadOpenLetters(): Promise<Set<string>>;
  /** The open dead letters (up to `limit`), ordered by type and external id. */
  list(limit?: number): Promise<SyncDeadLetter[]>;
  /** How many dead letters are open, counted in the store. */
  count(): Promise<number>;
  /**
   * Ingests records; a record the Hub refuses is set aside. With `guard`, a batch whose every record is refused
   * with one identical non-validation error stops the run instead.
   */
  ingest(records: SourceRecordInput[], report: SyncReport, guard?: boolean, bulk?: boolean): Promise<void>;
  /**
   * Ingests a batch read from the vendor and sets aside the objects the adapter refused. With `bulk`, through the
   * Hub's bulk path (`hub.load`, one transaction for the batch) when the Hub has one.
   */
  ingestBatch(batch: SyncBatch, report: SyncReport, guard?: boolean, bulk?: boolean): Promise<void>;
  /** Reads the dead letters' records again by id (but those in `skip`) and ingests them. */
  retry(signal?: AbortSignalLike, report?: SyncReport, skip?: ReadonlySet<string>): Promise<DeadLetterRetryReport>;
}

/** The dead letters of the engine described by `ctx`. */
export function createDeadLetters(ctx: SyncContext): SyncDeadLetters {
  const { hub, adapter, name, actor, iso, emitter } = ctx;

  const letterId = (type: string, externalId: string) => `${name}:${recordId(type, externalId)}`;
  /** Ids of the open dead letters, as last loaded or changed by this engine (to clear them without a read). */
  let openLetters: Set<string> | undefined;

  function listLetterDocs(limit = Number.POSITIVE_INFINITY): Promise<StoredDocument[]> {
    return listAllDocuments(hub.store, SYNC_DOCUMENT_KINDS.deadLetter, { ref: name, pageSize: 500, limit });
  }

  /** How many dead letters are open, page by page (no page is kept). */
  async function countLetters(): Promise<number> {
    let count = 0;
    for await (const page of documentPages(hub.store, SYNC_DOCUMENT_KINDS.deadLetter, { ref: name, pageSize: 500 })) {
      count += page.length;
    }
    return count;
  }

  async function loadOpenLetters(): Promise<Set<string>> {
    openLetters = new Set((await listLetterDocs()).map((d) => d.id));
    return openLetters;
  }

  /** A store that answers a read is working: a refusal it gave was about the data written, not the store. */
  async function storeWorks(): Promise<boolean> {
    try {
      await hub.store.transaction((tx) => tx.getDocuments(SYNC_DOCUMENT_KINDS.state, [name]), { readOnly: true });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Ingests `records`, isolating records the Hub refuses: a validation error that names an index drops that record;
   * any other refusal a record can cause splits the batch in halves until the refused records are alone. Returns
   * the records that went in; refused ones are added to `refused`. A record refused alone is tried once more before
   * it is set aside (a passing fault). Errors that say the Hub cannot work now (aborted, conflicts, closed, a
   * validation error naming no record, a store SQLSTATE outside classes 22/23/54, or a store that no longer answers)
   * are thrown.
   */
  async function ingestIsolating(
    records: SourceRecordInput[],
    report: SyncReport,
    refused: Refusal[],
    bulk = false,
  ): Promise<SourceRecordInput[]> {
    let remaining = records;
    let retried = false;
    while (remaining.length > 0) {
      try {
        const load = bulk ? hub.load : undefined;
        const result = load
          ? await load.call(hub, remaining, { actor, reason: `sync ${name}`, batchSize: remaining.length })
          : await hub.ingest(remaining, { actor, reason: `sync ${name}` });
        report.created += result.created;
        report.updated += result.updated;
        report.deleted += result.deleted;
        report.unchanged += result.unchanged;
        return remaining;
      } catch (error) {
        if (!recordMayCause(error)) throw error;
        const index = ValidationError.isInstance(error) ? error.index : undefined;
        const named = index === undefined ? undefined : remaining[index];
        if (named) {
          refused.push({ record: named, error });
          remaining = remaining.filter((_, i) => i !== index);
          continue;
        }
        if (remaining.length === 1) {
          if (!retried) {
            retried = true;
            continue;
          }
          if (!ValidationError.isInstance(error) && sqlStateOf(error) === undefined && !(await storeWorks())) {
            throw error;
          }
          refused.push({ record: remaining[0] as SourceRecordInput, error });
          return [];
        }
        const half = Math.ceil(remaining.length / 2);
        const first = await ingestIsolating(remaining.slice(0, half), report, refused, bulk);
        const second = await ingestIsolating(remaining.slice(half), report, refused, bulk);
        return [...first, ...second];
      }
    }
    return [];
  }

  /**
   * Ingests records; a record the Hub refuses is set aside in the dead-letter list (and reported through the
   * `dead-letter` event, and `invalid` for validation errors), the rest go in. Dead letters of records that went in
   * are cleared. With `guard`, a batch whose every record is refused with one identical non-validation error stops
   * the run instead (the Hub is failing, not the records).
   */
  async function ingest(records: SourceRecordInput[], report: SyncReport, guard = true, bulk = false): Promise<void> {
    const refused: Refusal[] = [];
    const ingested = await ingestIsolating(records, report, refused, bulk);
    // (Not when retrying dead letters: those records were refused before, all of them may be refused again.)
    const systemic = guard ? systemicRefusal(records.length, refused) : undefined;
    if (systemic !== undefined) throw systemic;
    const open = openLetters ?? (await loadOpenLetters());
    if (refused.length > 0) await setAside(refused, report);
    const cleared = [
      ...new Map(
        ingested
          .filter((r) => open.has(letterId(r.type, r.externalId)))
          .map((r) => [letterId(r.type, r.externalId), r]),
      ).values(),
    ].filter(
      (r) => !refused.some((f) => 'record' in f && f.record.type === r.type && f.record.externalId === r.externalId),
    );
    if (cleared.length > 0) await clearLetters(cleared, 'ingested', report);
  }

  async function setAside(refused: readonly Refusal[], report: SyncReport): Promise<void> {
    const at = iso();
    const letters = new Map<string, SyncDeadLetter>();
    for (const refusal of refused) {
      const letter = letterOf(refusal, at, adapter.source);
      letters.set(letterId(letter.type, letter.externalId), letter);
    }
    const stored = await hub.store.transaction(async (tx) => {
      const known = new Map(
        (await tx.getDocuments(SYNC_DOCUMENT_KINDS.deadLetter, [...letters.keys()])).map((d) => [
          d.id,
          d.data as unknown as SyncDeadLetter,
        ]),
      );
      const out: SyncDeadLetter[] = [];
      for (const [id, letter] of letters) {
        const before = known.get(id);
        const next = before ? { ...letter, firstSeenAt: before.firstSeenAt, attempts: before.attempts + 1 } : letter;
        await tx.putDocument({
          kind: SYNC_DOCUMENT_KINDS.deadLetter,
          id,
          ref: name,
          data: JSON.parse(JSON.stringify(next)) as JsonValue,
          updatedAt: at,
        });
        // The message can quote the person's value: erasure of the record's person deletes the letter.
        for (const link of recordDocumentLinks({ kind: SYNC_DOCUMENT_KINDS.deadLetter, id, updatedAt: at }, [
          letterRecordKey(next),
        ])) {
          await tx.putDocument(link);
        }
        out.push(next);
      }
      return out;
    });
    for (const id of letters.keys()) openLetters?.add(id);
    report.deadLettered += refused.length;
    for (const refusal of refused) {
      if ('record' in refusal && ValidationError.isInstance(refusal.error)) {
        report.invalid++;
        const { record, error } = refusal;
        emitter.emit('invalid', { type: record.type, externalId: record.externalId, error });
      }
    }
    for (const letter of stored) emitter.emit('dead-letter', letter);
  }

  async function clearLetters(
    records: readonly { type: RecordType; externalId: string }[],
    reason: 'ingested' | 'gone',
    report?: SyncReport,
  ): Promise<number> {
    const ids = records.map((r) => letterId(r.type, r.externalId));
    const removed = await hub.store.transaction(async (tx) => {
      const docs = await tx.getDocuments(SYNC_DOCUMENT_KINDS.deadLetter, ids);
      for (const doc of docs) {
        await tx.deleteDocument(SYNC_DOCUMENT_KINDS.deadLetter, doc.id);
        const key = letterRecordKey(doc.data as unknown as SyncDeadLetter);
        await tx.deleteDocument(
          RECORD_DOCUMENT_KIND,
          recordDocumentLinkId(SYNC_DOCUMENT_KINDS.deadLetter, doc.id, key),
        );
      }
      return new Set(docs.map((d) => d.id));
    });
    for (const id of ids) openLetters?.delete(id);
    let count = 0;
    for (const record of records) {
      if (!removed.has(letterId(record.type, record.externalId))) continue;
      count++;
      emitter.emit('dead-letter-cleared', { type: record.type, externalId: record.externalId, reason });
    }
    if (report) report.deadLettersCleared += count;
    return count;
  }

  /** Reads records again by id: `adapter.readByIds`, else `resolveWebhook` with upsert events; absent: neither. */
  const readByIds: ((refs: readonly SyncDeadLetter[], signal?: AbortSignalLike) => Promise<SyncBatch>) | undefined =
    adapter.readByIds
      ? (refs, signal) =>
          (adapter.readByIds as NonNullable<Adapter['readByIds']>)(
            refs.map((l) => ({ type: l.type, externalId: l.externalId })),
            signal ? { signal } : {},
          )
      : adapter.resolveWebhook
        ? async (refs, signal) => {
            const at = iso();
            const events: WebhookEvent[] = refs.map((l) => ({
              id: `crmkit:retry:${recordId(l.type, l.externalId)}`,
              type: l.type,
              externalId: l.externalId,
              action: 'upsert',
              occurredAt: at,
            }));
            const resolve = adapter.resolveWebhook as NonNullable<Adapter['resolveWebhook']>;
            const refused: RefusedSourceRecord[] = [];
            const records = await resolve(events, { ...(signal ? { signal } : {}), onRefused: (r) => refused.push(r) });
            return refused.length > 0 ? { records, refused } : { records };
          }
        : undefined;

  async function retryDeadLetters(
    signal?: AbortSignalLike,
    report?: SyncReport,
    skip?: ReadonlySet<string>,
  ): Promise<DeadLetterRetryReport> {
    const all = (await listLetterDocs()).map((d) => d.data as unknown as SyncDeadLetter);
    openLetters = new Set(all.map((l) => letterId(l.type, l.externalId)));
    const letters = all.filter((l) => !skip?.has(letterId(l.type, l.externalId)));
    const out: DeadLetterRetryReport = { retried: 0, cleared: 0, remaining: all.length, supported: true };
    if (!readByIds) return { ...out, supported: false };
    const counts = report ?? emptyReport('incremental', false);
    const clearedBefore = counts.deadLettersCleared;
    for (let i = 0; i < letters.length; i += 100) {
      throwIfAborted(signal);
      const chunk = letters.slice(i, i + 100);
      const batch = await readByIds(chunk, signal);
      out.retried += chunk.length;
      await ingestBatch(batch, counts, false);
      // Cleared as gone only on the adapter's word: a record it did not return may be out of its reach for now.
      const returned = new Set([...batch.records, ...(batch.refused ?? [])].map((r) => recordId(r.type, r.externalId)));
      const notFound = new Set((batch.notFound ?? []).map((r) => recordId(r.type, r.externalId)));
      const gone = chunk.filter(
        (l) => notFound.has(recordId(l.type, l.externalId)) && !returned.has(recordId(l.type, l.externalId)),
      );
      if (gone.length > 0) await clearLetters(gone, 'gone', counts);
    }
    out.cleared = counts.deadLettersCleared - clearedBefore;
    out.remaining = openLetters.size;
    return out;
  }

  /** Ingests a batch read from the vendor and sets aside the objects the adapter refused. */
  async function ingestBatch(batch: SyncBatch, report: SyncReport, guard = true, bulk = false): Promise<void> {
    if (batch.records.length > 0) await ingest(batch.records, report, guard, bulk);
    if (batch.refused && batch.refused.length > 0) {
      await setAside(
        batch.refused.map((refused) => ({ refused })),
        report,
      );
    }
  }

  return {
    letterId,
    isOpen: (id) => openLetters?.has(id) ?? false,
    openCount: () => openLetters?.size ?? 0,
    loadOpenLetters,
    list: async (limit) => (await listLetterDocs(limit)).map((d) => d.data as unknown as SyncDeadLetter),
    count: countLetters,
    ingest,
    ingestBatch,
    retry: retryDeadLetters,
  };
}
