/**
 * Read passes: full passes and incremental runs from the adapter's checkpoint, reading ahead of the ingest, storing
 * the checkpoint after each batch, and the sweep after a complete full pass that writes tombstones for the records
 * the pass did not see.
 *
 * @module
 */
import {
  type AbortSignalLike,
  InvalidArgumentError,
  type RecordType,
  type StoredDocument,
  type StoredRecord,
  throwIfAborted,
} from '@crmkit/model';
import type { SyncCheckpoints } from './checkpoints';
import { emptyReport, recordId, type SyncContext, syncError } from './context';
import type { SyncDeadLetters } from './dead-letters';
import { documentPages } from './documents';
import { SYNC_DOCUMENT_KINDS, type SyncReport, type SyncRunOptions, type SyncState } from './types';

/** What a read pass needs besides the context. */
export interface PassSettings {
  /** Record types to read. */
  types: readonly RecordType[];
  /** Types whose deletes the sweep detects. */
  sweepTypes: readonly RecordType[];
  /** Batches read ahead of the one being ingested. */
  readAheadDepth: number;
  /** Records per `ingest()` call for tombstones. */
  sweepBatchSize: number;
  /** Retry the dead letters after a completed run. */
  retryAfterRuns: boolean;
}

/**
 * Pulls up to `depth` items of `source` ahead of the consumer. Items (and a failure) arrive in order: a failure of a
 * read-ahead pull surfaces only after every item before it was consumed.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, depth: number): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  if (depth <= 0) {
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  const queue: Promise<IteratorResult<T>>[] = [];
  let finished = false;
  const pull = () => {
    if (finished) return;
    const next = iterator.next();
    next.then(
      (r) => {
        if (r.done) finished = true;
      },
      () => {
        finished = true;
      },
    );
    queue.push(next);
  };
  try {
    for (let i = 0; i <= depth; i++) pull();
    for (;;) {
      const next = await (queue.shift() as Promise<IteratorResult<T>>);
      if (next.done) return;
      pull();
      yield next.value;
    }
  } finally {
    // Pending pulls settle on their own (an async generator runs them one after another); then it is closed.
    await Promise.allSettled(queue);
    await iterator.return?.();
  }
}

/** The read passes of the engine described by `ctx`: `runOnce` runs one (callers hold the state lock). */
export function createPasses(
  ctx: SyncContext,
  settings: PassSettings,
  checkpoints: SyncCheckpoints,
  letters: SyncDeadLetters,
): { runOnce(runOptions: SyncRunOptions): Promise<SyncReport> } {
  const { hub, adapter, name, now, iso, emitter } = ctx;
  const { types, sweepTypes, readAheadDepth, sweepBatchSize, retryAfterRuns } = settings;
  const { loadState, saveState, dropSeen } = checkpoints;

  async function sweep(state: SyncState, report: SyncReport, signal?: AbortSignalLike): Promise<void> {
    const passRef = `${name}:${state.passId}`;
    const seen = new Set<string>();
    for await (const page of documentPages(hub.store, SYNC_DOCUMENT_KINDS.seen, { ref: passRef, pageSize: 200 })) {
      for (const doc of page) for (const id of doc.data as string[]) seen.add(id);
    }
    const startedAt = state.passStartedAt ?? iso();
    const started = Date.parse(startedAt);
    for (const type of sweepTypes) {
      let cursor: string | undefined;
      let count = 0;
      for (;;) {
        throwIfAborted(signal);
        const page: StoredRecord[] = await hub.store.transaction(
          (tx) =>
            tx.listRecordsBySource({
              source: adapter.source,
              type,
              limit: sweepBatchSize,
              ...(cursor ? { after: cursor } : {}),
            }),
          { readOnly: true },
        );
        // Not seen by the pass, and not observed since it began (a webhook may have brought it in meanwhile).
        const gone = page.filter(
          (r) => !seen.has(recordId(r.type, r.externalId)) && Date.parse(r.observedAt) < started,
        );
        if (gone.length > 0) {
          await letters.ingest(
            gone.map((r) => ({
              type: r.type,
              source: r.source,
              externalId: r.externalId,
              observedAt: startedAt,
              deleted: true as const,
            })),
            report,
          );
          count += gone.length;
        }
        if (page.length < sweepBatchSize) break;
        cursor = page.at(-1)?.externalId;
      }
      report.tombstones += count;
      if (count > 0) emitter.emit('tombstones', { type, count });
    }
  }

  async function runOnce(runOptions: SyncRunOptions): Promise<SyncReport> {
    const { signal } = runOptions;
    const mode = runOptions.mode ?? 'auto';
    const startedMs = now();
    const stored = await loadState();
    let state: SyncState;
    let resumed = false;
    const fresh = !stored || (!stored.checkpoint && !stored.running);
    if (mode === 'incremental' && fresh) {
      throw new InvalidArgumentError({
        argument: 'mode',
        message: `[crmkit/adapter-kit] Sync "${name}" has no checkpoint yet: run a full pass first.`,
      });
    }
    if (mode === 'full' || fresh || !stored) {
      if (stored?.running && stored.mode === 'full') await dropSeen(stored.passId);
      state = {
        ...(stored ?? { seenChunks: 0 }),
        mode: 'full',
        running: true,
        passId: `${startedMs.toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
        passStartedAt: iso(),
        seenChunks: 0,
      };
      delete state.checkpoint;
    } else {
      resumed = stored.running;
      state = { ...stored, running: true, mode: stored.running ? stored.mode : 'incremental' };
      if (mode === 'incremental' && state.mode === 'full') {
        throw new InvalidArgumentError({
          argument: 'mode',
          message: `[crmkit/adapter-kit] Sync "${name}" has an interrupted full pass; resume it with mode 'auto' or start over with 'full'.`,
        });
      }
    }
    await saveState(state);
    const report = emptyReport(state.mode, resumed);
    /**
     * Records this run read (and so offered to the Hub already) that are open dead letters: the retry after the pass
     * leaves them alone. Only letters are kept, not every id of the pass.
     */
    const tried = new Set<string>();
    try {
      await letters.loadOpenLetters();
      const reading = readAhead(
        adapter.read({
          types,
          ...(state.checkpoint ? { checkpoint: state.checkpoint } : {}),
          ...(signal ? { signal } : {}),
        }),
        readAheadDepth,
      );
      for await (const batch of reading) {
        throwIfAborted(signal);
        await letters.ingestBatch(batch, report);
        for (const r of [...batch.records, ...(batch.refused ?? [])]) {
          const id = letters.letterId(r.type, r.externalId);
          if (letters.isOpen(id)) tried.add(id);
        }
        report.batches++;
        report.records += batch.records.length + (batch.refused?.length ?? 0);
        const extra: StoredDocument[] = [];
        if (state.mode === 'full' && batch.records.length + (batch.refused?.length ?? 0) > 0) {
          extra.push({
            kind: SYNC_DOCUMENT_KINDS.seen,
            // Zero-padded so the documents list in pass order; a replayed batch overwrites its own chunk.
            id: `${name}:${state.passId}:${String(state.seenChunks).padStart(8, '0')}`,
            ref: `${name}:${state.passId}`,
            // Objects the adapter refused are seen too: the sweep must not delete the version the Hub holds.
            data: [
              ...batch.records.filter((r) => !r.deleted).map((r) => recordId(r.type, r.externalId)),
              ...(batch.refused ?? []).map((r) => recordId(r.type, r.externalId)),
            ],
            updatedAt: iso(),
          });
          state.seenChunks++;
        }
        if (batch.checkpoint !== undefined) state.checkpoint = batch.checkpoint;
        await saveState(state, extra);
        emitter.emit('progress', {
          mode: state.mode,
          batches: report.batches,
          records: report.records,
          ...(state.checkpoint ? { checkpoint: state.checkpoint } : {}),
        });
      }
      if (state.mode === 'full') {
        await sweep(state, report, signal);
        await dropSeen(state.passId);
        state.lastFullAt = iso();
        delete state.passId;
        delete state.passStartedAt;
        state.seenChunks = 0;
      }
      state.running = false;
      state.mode = 'incremental';
      state.lastCompletedAt = iso();
      await saveState(state);
    } catch (error) {
      const failure = syncError(
        `[crmkit/adapter-kit] Sync "${name}" stopped after ${report.batches} batch(es); the next run resumes from the last checkpoint.`,
        error,
      );
      emitter.emit('failed', failure);
      throw failure;
    }
    if (retryAfterRuns && letters.openCount() > 0) {
      try {
        await letters.retry(signal, report, tried);
      } catch (error) {
        // The pass completed and is saved; the dead letters stay and the next run retries them.
        emitter.emit(
          'retry-failed',
          syncError(
            `[crmkit/adapter-kit] Sync "${name}" could not retry its dead letters; the next run tries again.`,
            error,
          ),
        );
      }
    }
    report.durationMs = now() - startedMs;
    emitter.emit('completed', report);
    return report;
  }

  return { runOnce };
}
