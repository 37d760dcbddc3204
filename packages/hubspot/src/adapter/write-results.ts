/**
 * Per-record outcomes of writes: failures from thrown errors and from HubSpot's batch errors, and rounds that keep
 * two changes of one object out of one batch.
 *
 * @module
 */
import {
  AbortedError,
  CrmkitError,
  RateLimitError,
  type SourceRecordInput,
  VendorError,
  type WriteChange,
  type WriteResult,
} from '@crmkit/model';
import type { BatchError } from './context';

/**
 * Splits items into rounds in which every key occurs once, in order (HubSpot refuses a batch that names one object
 * twice; a later change to the same object goes in a later round).
 */
export function rounds<T>(items: readonly T[], keyOf: (item: T) => string): T[][] {
  const out: { keys: Set<string>; items: T[] }[] = [];
  const lastRound = new Map<string, number>();
  for (const item of items) {
    const key = keyOf(item);
    const index = (lastRound.get(key) ?? -1) + 1;
    if (out[index] === undefined) out[index] = { keys: new Set(), items: [] };
    out[index]!.keys.add(key);
    out[index]!.items.push(item);
    lastRound.set(key, index);
  }
  return out.map((round) => round.items);
}
/** Is `error` a whole-request failure that says something about the input (so per-record retries tell more)? */
export function isInputError(error: unknown): error is VendorError {
  return VendorError.isInstance(error) && error.status !== undefined && [400, 404, 409, 422].includes(error.status);
}

/** A failed write result for `change`. */
export function failure(
  change: WriteChange,
  code: string,
  message: string,
  retryable: boolean,
  current?: SourceRecordInput,
): WriteResult {
  return {
    ok: false,
    idempotencyKey: change.idempotencyKey,
    code,
    message,
    retryable,
    ...(current === undefined ? {} : { current }),
  };
}

/** Maps a thrown error to a per-record write failure (aborts propagate). */
export function failureOf(change: WriteChange, error: unknown): WriteResult {
  if (AbortedError.isInstance(error)) throw error;
  if (RateLimitError.isInstance(error)) return failure(change, 'RATE_LIMITED', error.message, true);
  if (VendorError.isInstance(error)) {
    return failure(change, codeOfStatus(error.status), error.message, error.retryable);
  }
  if (CrmkitError.isInstance(error)) return failure(change, error.code, error.message, false);
  return failure(change, 'VENDOR_ERROR', error instanceof Error ? error.message : String(error), false);
}

/** The crmkit code of an HTTP status. */
export function codeOfStatus(status: number | string | undefined): string {
  const n = Number(status);
  if (n === 404) return 'NOT_FOUND';
  if (n === 409) return 'CONFLICT';
  if (n === 400 || n === 422) return 'VALIDATION_FAILED';
  return 'VENDOR_ERROR';
}

/** The crmkit code of a HubSpot batch error, and whether a retry may help. */
export function codeOfBatchError(error: BatchError): { code: string; retryable: boolean } {
  const category = (error.category ?? '').toUpperCase();
  const status = Number(error.status);
  if (category === 'OBJECT_NOT_FOUND' || status === 404) return { code: 'NOT_FOUND', retryable: false };
  if (category === 'CONFLICT' || category === 'OBJECT_ALREADY_EXISTS' || status === 409) {
    return { code: 'CONFLICT', retryable: false };
  }
  if (category === 'RATE_LIMITS' || status === 429) return { code: 'VENDOR_ERROR', retryable: true };
  if (status >= 500) return { code: 'VENDOR_ERROR', retryable: true };
  if (category === 'VALIDATION_ERROR' || status === 400) return { code: 'VALIDATION_FAILED', retryable: false };
  return { code: 'VENDOR_ERROR', retryable: false };
}

/** Every string in a batch error's context (and its details' contexts): the ids or keys it concerns. */
export function idsOfError(error: BatchError): Set<string> {
  const out = new Set<string>();
  const add = (context: Record<string, string[] | undefined> | undefined) => {
    for (const values of Object.values(context ?? {})) for (const v of values ?? []) out.add(String(v));
  };
  add(error.context);
  for (const detail of error.errors ?? []) add(detail.context);
  return out;
}
