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
  type SyncBatch,
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
  /** Records per group of pages on a first load (0: no grouping). */
  initialLoadBatchSize: number;
}

/** Pages of one group: their records and refusals in one batch, the last checkpoint, and how many pages. */
interface Group {
  batch: SyncBatch;
  pages: number;
}

/**
 * Groups pages into batches of about `size` records: a page is never split; a group is closed when it reaches
 * `size`, or before a page that would take it over `size` (so a group holds at most `max(size, page size)`
 * records). The checkpoint of a group is the last one its pages carried: storing it after the group commits resumes
 * after the whole group. When reading fails, the pages read so far still come as a group before the failure.
 */
export async function* groupPages(pages: AsyncIterable<SyncBatch>, size: number): AsyncGenerator<Group> {
  let group: Group | undefined;
  const countOf = (b: SyncBatch) => b.records.length + (b.refused?.length ?? 0);
  try {
    for await (const page of pages) {
      if (group && countOf(group.batch) + countOf(page) > size) {
        yield group;
        group = undefined;
      }
      if (!group) {
        group = { batch: { records: [...page.records] }, pages: 1 };
      } else {
        group.batch.records.push(...page.records);
        group.pages++;
      }
      if (page.refused && page.refused.length > 0) {
        group.batch.refused = [...(group.batch.refused ?? []), ...page.refused];
      }
      if (page.checkpoint !== undefined) group.batch.checkpoint = page.checkpoint;
      if (countOf(group.batch) >= size) {
        const full = group;
        group = undefined;
        yield full;
      }
    }
  } catch (error) {
    if (group) {
      const partial = group;
      group = undefined;
      yield partial;
    }
    throw error;
  }
  if (group) yield group;
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
  const { types, sweepTypes, readAheadDepth, sweepBatchSize, retryAfterRuns, initialLoadBatchSize } = settings;

  /** True when the Hub holds no record of this source of any type the engine reads. */
  async function hubHasNone(): Promise<boolean> {
    return hub.store.transaction(
      async (tx) => {
        for (const type of types) {
          if ((await tx.listRecordsBySource({ source: adapter.source, type, limit: 1 })).length > 0) return false;
        }
        return true;
      },
      { readOnly: true },
    );
  }
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
      delete state.initialLoad;
      // A first full pass of a source the Hub holds nothing of: a load, in large groups through the bulk path.
      if (initialLoadBatchSize > 0 && (await hubHasNone())) state.initialLoad = true;
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
    const loading = state.mode === 'full' && state.initialLoad === true;
    if (loading) report.initialLoad = true;
    /**
     * Records this run read (and so offered to the Hub already) that are open dead letters: the retry after the pass
     * leaves them alone. Only letters are kept, not every id of the pass.
     */
    const tried = new Set<string>();
    try {
      await letters.loadOpenLetters();
      const pages = readAhead(
        adapter.read({
          types,
          ...(state.checkpoint ? { checkpoint: state.checkpoint } : {}),
          ...(signal ? { signal } : {}),
        }),
        readAheadDepth,
      );
      // A first load reads the next group while the Hub loads this one; otherwise each page is a group of one.
      const reading: AsyncIterable<Group> = loading
        ? readAhead(groupPages(pages, initialLoadBatchSize), 1)
        : (async function* () {
            for await (const batch of pages) yield { batch, pages: 1 };
          })();
      for await (const { batch, pages: pageCount } of reading) {
        throwIfAborted(signal);
        await letters.ingestBatch(batch, report, true, loading);
        for (const r of [...batch.records, ...(batch.refused ?? [])]) {
          const id = letters.letterId(r.type, r.externalId);
          if (letters.isOpen(id)) tried.add(id);
        }
        report.batches += pageCount;
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
        delete state.initialLoad;
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
