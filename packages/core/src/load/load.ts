/**
 * Initial load (`hub.load`): a stream of source records into the Hub in large batches, each batch through the same
 * ingest pipeline as `hub.ingest` (so the end state is the one ingest gives, whatever the batching: ingest is order-
 * and batch-independent), with the next batch read from the source while the current one commits, and nothing kept
 * across batches but counters. Decision 013 (docs/decisions/013-initial-load.md) says why it is built this way and
 * what it emits.
 *
 * @module
 */
import {
  InvalidArgumentError,
  type SourceRecordInput,
  throwIfAborted,
  ValidationError,
  type ValidationIssue,
} from '@crmkit/model';
import type { IngestOptions, LoadOptions, LoadProgress } from '../api/options';
import type { IngestResult, LoadResult } from '../api/results';

/** Records per batch of {@link runLoad} when the caller gives none (capped by the Hub's `maxBatchSize`). */
export const DEFAULT_LOAD_BATCH_SIZE = 5000;

/** What a load feeds each batch to: the Hub's ingest (or a scoped Hub's, with its permission checks). */
export type IngestBatch = (records: readonly SourceRecordInput[], options: IngestOptions) => Promise<IngestResult>;

/** Where the records of a load come from: an array, any iterable, or an async iterable (a file, a vendor's pages). */
export type LoadSource = Iterable<SourceRecordInput> | AsyncIterable<SourceRecordInput>;

/** The batch size a load uses: `requested` (validated) or the default, never above `maxBatchSize`. */
export function loadBatchSize(requested: number | undefined, maxBatchSize: number): number {
  if (requested === undefined) return Math.min(DEFAULT_LOAD_BATCH_SIZE, maxBatchSize);
  if (!Number.isInteger(requested) || requested < 1 || requested > maxBatchSize) {
    throw new InvalidArgumentError({
      argument: 'batchSize',
      message: `[crmkit/core] load() takes a "batchSize" from 1 to the Hub's maxBatchSize (${maxBatchSize}); got ${String(requested)}.`,
    });
  }
  return requested;
}

/** Reads `source` a batch at a time; `next()` resolves to an empty array at the end. */
function batchReader(
  source: LoadSource,
  size: number,
): { next(): Promise<SourceRecordInput[]>; close(): Promise<void> } {
  if (source === null || typeof source !== 'object' || !(Symbol.iterator in source || Symbol.asyncIterator in source)) {
    throw new InvalidArgumentError({
      argument: 'records',
      message: '[crmkit/core] load() takes an array, an iterable or an async iterable of source records.',
    });
  }
  if (Symbol.iterator in source && !(Symbol.asyncIterator in source)) {
    const iterator = source[Symbol.iterator]();
    let done = false;
    return {
      async next() {
        const batch: SourceRecordInput[] = [];
        while (!done && batch.length < size) {
          const item = iterator.next();
          if (item.done) done = true;
          else batch.push(item.value);
        }
        return batch;
      },
      async close() {
        if (!done) iterator.return?.();
      },
    };
  }
  const iterator = (source as AsyncIterable<SourceRecordInput>)[Symbol.asyncIterator]();
  let done = false;
  return {
    async next() {
      const batch: SourceRecordInput[] = [];
      while (!done && batch.length < size) {
        const item = await iterator.next();
        if (item.done) done = true;
        else batch.push(item.value);
      }
      return batch;
    },
    async close() {
      if (!done) await iterator.return?.();
    },
  };
}

/** A validation error of one batch, restated with the record's position in the whole load. */
function positioned(error: ValidationError, offset: number): ValidationError {
  const index = error.index === undefined ? undefined : error.index + offset;
  const shift = (issue: ValidationIssue): ValidationIssue => {
    if (index === undefined || typeof issue.path[0] !== 'number') return issue;
    const local = issue.path[0];
    return {
      ...issue,
      path: [local + offset, ...issue.path.slice(1)],
      pathString: issue.pathString.replace(`records[${local}]`, `records[${local + offset}]`),
    };
  };
  const issues = error.issues.map(shift);
  const where =
    index === undefined
      ? ''
      : ` Record ${index}${error.source !== undefined ? ` (${error.source}/${error.externalId ?? ''})` : ''} of the load is invalid at ${issues[0]?.pathString ?? `records[${index}]`}: ${issues[0]?.message ?? error.message}.`;
  return new ValidationError({
    message: `[crmkit/core] load() stopped:${where || ` ${error.message}`} The ${offset} records before its batch are loaded; nothing of its batch was written.`,
    issues,
    ...(index === undefined ? {} : { index }),
    ...(error.source === undefined ? {} : { source: error.source }),
    ...(error.externalId === undefined ? {} : { externalId: error.externalId }),
    cause: error,
  });
}

function emptyProgress(): LoadProgress {
  return {
    records: 0,
    batches: 0,
    created: 0,
    updated: 0,
    deleted: 0,
    unchanged: 0,
    suppressed: 0,
    reviews: 0,
    events: 0,
  };
}

/**
 * Loads `source` through `ingest` in batches of `batchSize`: batch after batch, each in its own transaction, the
 * next batch read from the source while the current one commits. A bad record stops the load with a
 * `ValidationError` whose `index` (and issue paths) count from the start of the load; the batches before its batch
 * stay committed, so running the load again (ingest is idempotent) finishes it. `signal` stops between batches.
 */
export async function runLoad(
  ingest: IngestBatch,
  source: LoadSource,
  options: LoadOptions & { batchSize: number },
): Promise<LoadResult> {
  const { batchSize, signal, onProgress } = options;
  const ingestOptions: IngestOptions = {
    ...(options.actor === undefined ? {} : { actor: options.actor }),
    ...(options.reason === undefined ? {} : { reason: options.reason }),
    ...(signal === undefined ? {} : { signal }),
  };
  throwIfAborted(signal);
  const reader = batchReader(source, batchSize);
  const progress = emptyProgress();
  let cleaned = 0;
  let superseded = 0;
  let reading: Promise<SourceRecordInput[]> | undefined;
  try {
    let batch = await reader.next();
    while (batch.length > 0) {
      throwIfAborted(signal);
      // Read the next batch (a file, a vendor's pages) while this one is validated, linked and committed.
      reading = reader.next();
      // The rejection is handled where it is awaited; this keeps it from being reported as unhandled meanwhile.
      reading.catch(() => undefined);
      let result: IngestResult;
      try {
        result = await ingest(batch, ingestOptions);
      } catch (error) {
        if (ValidationError.isInstance(error)) throw positioned(error, progress.records);
        throw error;
      }
      progress.records += batch.length;
      progress.batches++;
      progress.created += result.created;
      progress.updated += result.updated;
      progress.deleted += result.deleted;
      progress.unchanged += result.unchanged;
      progress.suppressed += result.suppressed;
      progress.reviews += result.reviews;
      progress.events += result.events;
      cleaned += result.cleaned.length;
      superseded += result.superseded.length;
      onProgress?.({ ...progress });
      batch = await reading;
      reading = undefined;
    }
  } finally {
    if (reading) await reading.catch(() => undefined);
    await reader.close();
  }
  return { ...progress, cleaned, superseded };
}
