/**
 * How the sync engine judges a refusal of an ingest: whether a record may have caused it (the record is set aside)
 * or the Hub is failing (the run stops and resumes later), and the dead letter a refusal becomes.
 *
 * @module
 */
import {
  CrmkitError,
  ErrorCode,
  formatPath,
  type RefusedSourceRecord,
  type SourceRecordInput,
  StoreError,
  ValidationError,
} from '@crmkit/model';
import type { SyncDeadLetter } from './types';

/** A record the Hub refused (`error`), or an object the adapter could not map (`refused`). */
export type Refusal = { record: SourceRecordInput; error: unknown } | { refused: RefusedSourceRecord };

/** The key of the source record a dead letter is about (`source/type/externalId`). */
export function letterRecordKey(letter: Pick<SyncDeadLetter, 'source' | 'type' | 'externalId'>): string {
  return `${letter.source}/${letter.type}/${letter.externalId}`;
}

/**
 * Refusals that say the Hub cannot work right now, whatever the records: the run stops (and resumes later) instead
 * of setting records aside.
 */
const NOT_ABOUT_A_RECORD: ReadonlySet<string> = new Set([
  ErrorCode.ABORTED,
  ErrorCode.CONFLICT,
  ErrorCode.CLOSED,
  ErrorCode.TIMEOUT,
  ErrorCode.PERMISSION_DENIED,
  ErrorCode.UNSUPPORTED_SPECIFICATION_VERSION,
  ErrorCode.VENDOR_ERROR,
  ErrorCode.RATE_LIMITED,
  ErrorCode.SYNC_FAILED,
  'STORE_LOCKED',
]);

/**
 * Batches at least this large whose every record is refused with one identical error of unknown cause stop the run
 * (see `systemicRefusal`).
 */
const SYSTEMIC_BATCH = 4;

/**
 * SQLSTATE classes a record's data can cause: data exception (22), integrity constraint violation (23), program limit
 * exceeded (54). Any other class (a dropped connection 08, shutdown or cancel 57, out of resources 53 ...) is the
 * database failing: the run stops and resumes later instead of setting good records aside.
 */
const RECORD_SQL_CLASSES: ReadonlySet<string> = new Set(['22', '23', '54']);

/** The SQLSTATE of a store refusal, when the store gave one. */
export function sqlStateOf(error: unknown): string | undefined {
  return StoreError.isInstance(error) ? error.sqlState : undefined;
}

/** Longest message or path kept in a dead letter. */
const LETTER_TEXT = 1000;

export function clip(text: string): string {
  return text.length > LETTER_TEXT ? `${text.slice(0, LETTER_TEXT)}...` : text;
}

/** Where in the record a validation error points: its first issue's path without the batch index. */
export function pathInRecord(error: ValidationError): string {
  const path = error.issues[0]?.path ?? [];
  return error.index !== undefined && path[0] === error.index ? formatPath(path.slice(1)) : formatPath(path);
}

/**
 * Whether a refusal of an ingest may be caused by one of its records (bad data the store or Hub refuses). A
 * validation error that names no record (the ingest's options, say) is not; a store refusal with a SQLSTATE is only
 * when its class is one data causes.
 */
export function recordMayCause(error: unknown): boolean {
  if (ValidationError.isInstance(error)) return error.index !== undefined;
  const state = sqlStateOf(error);
  if (state !== undefined) return RECORD_SQL_CLASSES.has(state.slice(0, 2));
  if (CrmkitError.isInstance(error)) return !NOT_ABOUT_A_RECORD.has(error.code);
  // A raw error out of the Hub (e.g. a RangeError from a deeply nested value) is about the data it was given.
  return error instanceof Error;
}

/**
 * Every record of a batch (of several) refused with one and the same error of unknown cause: that is the Hub
 * failing (a plugin that throws on everything, say), not the records. Refusals whose cause is known to be the
 * record's data (a validation error naming it, a store SQLSTATE of class 22/23/54) are never systemic, however many
 * records share them; known systemic causes were thrown already (see `recordMayCause`). Returns the error to stop
 * the run on.
 */
export function systemicRefusal(size: number, refused: readonly Refusal[]): unknown {
  if (refused.length < size) return undefined;
  const errors = refused.map((r) => ('error' in r ? r.error : undefined));
  if (errors.some((e) => e === undefined || ValidationError.isInstance(e) || sqlStateOf(e) !== undefined)) {
    return undefined;
  }
  if (size < SYSTEMIC_BATCH) return undefined;
  const [first] = errors;
  if (first === undefined) return undefined;
  const code = CrmkitError.isInstance(first) ? first.code : undefined;
  const message = first instanceof Error ? first.message : String(first);
  const same = errors.every(
    (e) =>
      e !== undefined &&
      !ValidationError.isInstance(e) &&
      (CrmkitError.isInstance(e) ? e.code : undefined) === code &&
      (e instanceof Error ? e.message : String(e)) === message,
  );
  return same ? first : undefined;
}

export function letterOf(refusal: Refusal, at: string, source: string): SyncDeadLetter {
  if ('refused' in refusal) {
    const { type, externalId, code, message, path } = refusal.refused;
    return {
      source,
      type,
      externalId,
      code,
      message: clip(message),
      ...(path !== undefined ? { path: clip(path) } : {}),
      firstSeenAt: at,
      lastSeenAt: at,
      attempts: 1,
    };
  }
  const { record, error } = refusal;
  return {
    source: record.source,
    type: record.type,
    externalId: record.externalId,
    code: CrmkitError.isInstance(error) ? error.code : ErrorCode.STORE_FAILED,
    message: clip(error instanceof Error ? error.message : String(error)),
    ...(ValidationError.isInstance(error) ? { path: clip(pathInRecord(error)) } : {}),
    firstSeenAt: at,
    lastSeenAt: at,
    attempts: 1,
  };
}
