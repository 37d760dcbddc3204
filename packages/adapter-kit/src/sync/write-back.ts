/**
 * Write-back: changes written to the vendor through a ledger in the store (each change once, in batches, with
 * per-change outcomes), and central changes found in the Hub's outbox.
 *
 * @module
 */
import {
  type AbortSignalLike,
  CrmkitError,
  ErrorCode,
  InvalidArgumentError,
  type JsonValue,
  type RecordType,
  SECRET_PLACEHOLDER,
  type SourceRecordInput,
  type StoredDocument,
  type StoredRecord,
  throwIfAborted,
  type WriteChange,
  type WriteResult,
} from '@crmkit/model';
import type { SyncCheckpoints } from './checkpoints';
import { emptyReport, type SyncContext } from './context';
import type { SyncDeadLetters } from './dead-letters';
import { SYNC_DOCUMENT_KINDS, type SyncState, type WriteBackFilter, type WriteReport } from './types';

/** Golden fields written back unless the options name others. */
export const DEFAULT_WRITE_FIELDS = [
  'givenName',
  'familyName',
  'jobTitle',
  'lifecycleStage',
  'name',
  'domain',
  'industry',
  'employees',
];

const PARTY_TYPES: ReadonlySet<RecordType> = new Set(['person', 'organization']);

/** What write-back needs besides the context. */
export interface WriteSettings {
  /** Changes per `adapter.write()` call. */
  writeBatchSize: number;
  /** Attempts of a change that fails transiently, within one write-back run. */
  writeAttempts: number;
  /** Golden fields written back, in model names. */
  writeFields: ReadonlySet<string>;
  /** Which changes count as central. */
  writeFilter: WriteBackFilter;
  /** Waits between write retries. */
  sleep: (ms: number) => Promise<void>;
}

/** The write-back of the engine described by `ctx` (`writeBack` callers hold the state lock). */
export function createWriteBack(
  ctx: SyncContext,
  settings: WriteSettings,
  checkpoints: SyncCheckpoints,
  letters: SyncDeadLetters,
): {
  push(changes: readonly WriteChange[], signal?: AbortSignalLike): Promise<WriteReport>;
  writeBack(signal?: AbortSignalLike, limit?: number): Promise<WriteReport>;
} {
  const { hub, adapter, name, iso, emitter } = ctx;
  const { writeBatchSize, writeAttempts, writeFields, writeFilter, sleep } = settings;
  const { loadState, saveState } = checkpoints;

  interface LedgerEntry {
    status: 'written' | 'conflict' | 'failed';
    externalId?: string;
    code?: string;
  }

  async function push(changes: readonly WriteChange[], signal?: AbortSignalLike): Promise<WriteReport> {
    if (!adapter.write) {
      throw new InvalidArgumentError({
        argument: 'adapter',
        message: `[crmkit/adapter-kit] Adapter "${adapter.id}" cannot write back.`,
      });
    }
    const keys = changes.map((c) => c.idempotencyKey);
    if (new Set(keys).size !== keys.length) {
      throw new InvalidArgumentError({
        argument: 'changes',
        message: '[crmkit/adapter-kit] Each change needs its own idempotencyKey.',
      });
    }
    const report: WriteReport = { written: 0, skipped: 0, conflicts: 0, failed: 0, deferred: 0, outcomes: [] };
    const ledger = new Map<string, LedgerEntry>();
    for (let i = 0; i < keys.length; i += 500) {
      const docs = await hub.store.transaction(
        (tx) =>
          tx.getDocuments(
            SYNC_DOCUMENT_KINDS.write,
            keys.slice(i, i + 500).map((k) => `${name}:${k}`),
          ),
        { readOnly: true },
      );
      for (const doc of docs) ledger.set(doc.id.slice(name.length + 1), doc.data as unknown as LedgerEntry);
    }
    let pending: WriteChange[] = [];
    for (const change of changes) {
      const entry = ledger.get(change.idempotencyKey);
      if (entry) {
        report.skipped++;
        report.outcomes.push({ status: 'skipped', change, reason: 'already-written' });
      } else pending.push(change);
    }
    for (let attempt = 1; pending.length > 0 && attempt <= writeAttempts; attempt++) {
      if (attempt > 1) await sleep(Math.min(10_000, 250 * 2 ** attempt));
      const retry: WriteChange[] = [];
      for (let i = 0; i < pending.length; i += writeBatchSize) {
        throwIfAborted(signal);
        const batch = pending.slice(i, i + writeBatchSize);
        let results: WriteResult[];
        try {
          results = await adapter.write(batch, signal ? { signal } : {});
        } catch (error) {
          if (CrmkitError.isInstance(error) && error.code === ErrorCode.ABORTED) throw error;
          // The whole call failed (rate limit budget spent, vendor down): every change of it stays pending.
          results = batch.map((c) => ({
            ok: false as const,
            idempotencyKey: c.idempotencyKey,
            code: CrmkitError.isInstance(error) ? error.code : ErrorCode.VENDOR_ERROR,
            message: error instanceof Error ? error.message : String(error),
            retryable: true,
          }));
        }
        const byKey = new Map(results.map((r) => [r.idempotencyKey, r]));
        const docs: StoredDocument[] = [];
        const newer: SourceRecordInput[] = [];
        for (const change of batch) {
          const result = byKey.get(change.idempotencyKey);
          if (!result) {
            retry.push(change);
            continue;
          }
          if (result.ok) {
            report.written++;
            report.outcomes.push({ status: 'written', change, externalId: result.externalId });
            docs.push(ledgerDoc(change, { status: 'written', externalId: result.externalId }));
          } else if (result.code === ErrorCode.CONFLICT) {
            report.conflicts++;
            const outcome = { status: 'conflict' as const, change, result };
            report.outcomes.push(outcome);
            docs.push(ledgerDoc(change, { status: 'conflict', code: result.code }));
            if (result.current) newer.push(result.current);
            emitter.emit('conflict', outcome);
          } else if (result.retryable && attempt < writeAttempts) {
            retry.push(change);
          } else if (result.retryable) {
            report.deferred++;
          } else {
            report.failed++;
            const outcome = { status: 'failed' as const, change, result };
            report.outcomes.push(outcome);
            docs.push(ledgerDoc(change, { status: 'failed', code: result.code }));
            emitter.emit('write-failed', outcome);
          }
        }
        if (newer.length > 0) {
          const ignored = emptyReport('incremental', false);
          await letters.ingest(newer, ignored);
        }
        if (docs.length > 0) {
          await hub.store.transaction(async (tx) => {
            for (const doc of docs) await tx.putDocument(doc);
          });
        }
      }
      pending = retry;
    }
    return report;
  }

  function ledgerDoc(change: WriteChange, entry: LedgerEntry): StoredDocument {
    return {
      kind: SYNC_DOCUMENT_KINDS.write,
      id: `${name}:${change.idempotencyKey}`,
      ref: name,
      data: { ...entry } as unknown as JsonValue,
      updatedAt: iso(),
    };
  }

  type CustomerFields = Record<string, { value: JsonValue; provenance?: { source?: string } }>;
  interface CustomerPayload {
    customer?: { id?: string; golden?: { fields?: CustomerFields } };
    changedFields?: string[];
  }

  /**
   * Changes for one page of outbox events: for each `customer.updated`, the changed central fields, for each of the
   * customer's records in this source. One store read for the whole page.
   */
  async function changesFor(
    events: readonly { id: string; type: string; payload: JsonValue }[],
  ): Promise<WriteChange[]> {
    const wanted: { eventId: string; customerId: string; fields: CustomerFields; names: string[] }[] = [];
    for (const event of events) {
      if (event.type !== 'customer.updated') continue;
      const payload = event.payload as unknown as CustomerPayload;
      const customer = payload.customer;
      if (!customer?.id || !customer.golden?.fields) continue;
      const fields = customer.golden.fields;
      const names = (payload.changedFields ?? []).filter((field) => {
        const golden = fields[field];
        return writeFields.has(field) && golden !== undefined && writeFilter(field, golden.provenance?.source ?? '');
      });
      if (names.length > 0) wanted.push({ eventId: event.id, customerId: customer.id, fields, names });
    }
    if (wanted.length === 0) return [];
    const ids = [...new Set(wanted.map((w) => w.customerId))];
    // Events carry SECRET_PLACEHOLDER for secret fields (`policy.secretFields`): their values come from the
    // customers as they are now, read with the records.
    const secret = wanted.some((w) => w.names.some((field) => w.fields[field]?.value === SECRET_PLACEHOLDER));
    const { records, current } = await hub.store.transaction(
      async (tx) => ({
        records: await tx.listRecordsByCustomer(ids),
        current: secret ? await tx.getCustomers(ids) : [],
      }),
      { readOnly: true },
    );
    const currentFields = new Map(current.map((c) => [c.id, c.golden.fields]));
    const byCustomer = new Map<string, StoredRecord[]>();
    for (const record of records) {
      if (record.source !== adapter.source || !PARTY_TYPES.has(record.type) || record.deleted) continue;
      if (!adapter.capabilities.objects[record.type]?.write || !record.customerId) continue;
      byCustomer.set(record.customerId, [...(byCustomer.get(record.customerId) ?? []), record]);
    }
    const changes: WriteChange[] = [];
    for (const { eventId, customerId, fields, names } of wanted) {
      for (const record of byCustomer.get(customerId) ?? []) {
        const known = (record.data ?? {}) as Record<string, JsonValue>;
        const data: Record<string, JsonValue> = {};
        const base: Record<string, JsonValue | null> = {};
        for (const field of names) {
          let value = fields[field]?.value;
          if (value === SECRET_PLACEHOLDER) value = currentFields.get(customerId)?.[field]?.value;
          if (value === undefined || JSON.stringify(known[field]) === JSON.stringify(value)) continue;
          data[field] = value;
          base[field] = known[field] ?? null;
        }
        if (Object.keys(data).length === 0) continue;
        changes.push({
          type: record.type,
          externalId: record.externalId,
          operation: 'update',
          data,
          idempotencyKey: `${eventId}:${record.key}`,
          base: { observedAt: record.observedAt, data: base },
        });
      }
    }
    return changes;
  }

  async function writeBack(signal?: AbortSignalLike, limit = 500): Promise<WriteReport> {
    const total: WriteReport = { written: 0, skipped: 0, conflicts: 0, failed: 0, deferred: 0, outcomes: [] };
    // A copy: what the store returned may be frozen (the memory store's are), and outboxAfter moves on below.
    const state: SyncState = { ...((await loadState()) ?? { mode: 'full', running: false, seenChunks: 0 }) };
    for (;;) {
      throwIfAborted(signal);
      const after = state.outboxAfter;
      const events = await hub.store.transaction(
        (tx) => tx.listOutbox({ limit, ...(after !== undefined ? { after } : {}) }),
        { readOnly: true },
      );
      if (events.length === 0) break;
      const report = await push(await changesFor(events), signal);
      total.written += report.written;
      total.skipped += report.skipped;
      total.conflicts += report.conflicts;
      total.failed += report.failed;
      total.deferred += report.deferred;
      total.outcomes.push(...report.outcomes);
      if (report.deferred > 0) break; // the vendor keeps failing: stay at this page, the ledger skips what went out
      state.outboxAfter = events.at(-1)?.seq ?? state.outboxAfter;
      const latest = (await loadState()) ?? state;
      await saveState({ ...latest, ...(state.outboxAfter !== undefined ? { outboxAfter: state.outboxAfter } : {}) });
      if (events.length < limit) break;
    }
    return total;
  }

  return { push, writeBack };
}
