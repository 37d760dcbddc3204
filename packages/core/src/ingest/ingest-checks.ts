import {
  type InputLimits,
  parseSourceRecord,
  resolveInputLimits,
  type SourceRecord,
  type StoredRecord,
  ValidationError,
} from '@crmkit/model';

/**
 * What ingest checks besides the schemas: input limits and the text policy (through `parseSourceRecord`), the
 * timestamp bounds, duplicates of one record inside a batch, and the repair of records stored with a time outside
 * the bounds.
 *
 * @module
 */

/** A record of a batch whose text was cleaned (text policy `clean`). */
export interface CleanedRecord {
  /** Index of the record in the batch. */
  index: number;
  source: string;
  externalId: string;
  /** Where text was cleaned, e.g. `records[3].data.givenName` (a key's object path when a key was cleaned). */
  paths: string[];
}

/**
 * A record of a batch that lost to another copy of the same record (same type, source and external id) in the same
 * batch, with different content. The winner is the newest observation; on a tie a tombstone, then the larger
 * content hash (a total order: the result never depends on the order inside the batch).
 */
export interface SupersededRecord {
  /** Index of the copy that lost. */
  index: number;
  /** Index of the copy that won (and was compared with what is stored). */
  by: number;
  type: StoredRecord['type'];
  source: string;
  externalId: string;
}

/** Resolves the Hub's `input` option; a bad limit is an error at start. */
export function resolveHubInputLimits(limits: Partial<InputLimits> | undefined): InputLimits {
  try {
    return resolveInputLimits(limits);
  } catch (cause) {
    throw new ValidationError({
      message: `[crmkit/core] The "input" option is invalid: ${(cause as Error).message}`,
      issues: [{ path: ['input'], pathString: 'input', message: (cause as Error).message, issueCode: 'invalid_limit' }],
      cause,
    });
  }
}

/**
 * Validates a batch: every record against the schemas, the limits, the text policy and the time bounds. Throws a
 * {@link ValidationError} naming the first bad record (index, source, external id, path); returns the records and
 * what was cleaned otherwise.
 */
export function parseBatch(
  inputs: readonly unknown[],
  limits: InputLimits,
  now: Date,
): { records: SourceRecord[]; cleaned: CleanedRecord[] } {
  const cleaned: CleanedRecord[] = [];
  const records = inputs.map((input, index) => {
    let paths: string[] | undefined;
    const record = parseSourceRecord(input, {
      index,
      root: 'records',
      limits,
      now,
      onCleaned: (issues) => {
        paths = issues.map((issue) => issue.pathString);
      },
    });
    if (paths) cleaned.push({ index, source: record.source, externalId: record.externalId, paths });
    return record;
  });
  return { records, cleaned };
}

/** True when a stored `observedAt` lies outside the bounds (it may be replaced with `repairTimestamps`). */
export function outOfBounds(observedAt: string, limits: InputLimits, now: Date): boolean {
  const at = Date.parse(observedAt);
  return at < Date.parse(limits.minObservedAt) || at > now.getTime() + limits.maxFutureSkewMs;
}

/**
 * Picks one copy of each record of a batch. `supersedes` is the Hub's total order on observations. Copies with the
 * same content are harmless and not reported; a copy with other content that lost is.
 */
export function resolveDuplicates(
  prepared: readonly StoredRecord[],
  supersedes: (next: StoredRecord, prev: StoredRecord) => boolean,
): { winners: Map<string, StoredRecord>; superseded: SupersededRecord[]; duplicates: number } {
  const winners = new Map<string, StoredRecord>();
  const winnerIndex = new Map<string, number>();
  const copies = new Map<string, number[]>();
  let duplicates = 0;
  prepared.forEach((record, index) => {
    const other = winners.get(record.key);
    if (other) {
      duplicates++;
      copies.get(record.key)!.push(index);
      if (!supersedes(record, other)) return;
    } else copies.set(record.key, [index]);
    winners.set(record.key, record);
    winnerIndex.set(record.key, index);
  });
  const superseded: SupersededRecord[] = [];
  for (const [key, indexes] of copies) {
    if (indexes.length < 2) continue;
    const by = winnerIndex.get(key)!;
    const winner = prepared[by]!;
    for (const index of indexes) {
      const loser = prepared[index]!;
      if (index === by || (loser.contentHash === winner.contentHash && loser.deleted === winner.deleted)) continue;
      superseded.push({ index, by, type: loser.type, source: loser.source, externalId: loser.externalId });
    }
  }
  superseded.sort((a, b) => a.index - b.index);
  return { winners, superseded, duplicates };
}
