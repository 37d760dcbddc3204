/**
 * What every part of a sync engine shares: the Hub, the adapter, the engine's name, clock and events, plus the small
 * helpers the parts have in common.
 *
 * @module
 */
import { type Adapter, CrmkitError, ErrorCode } from '@crmkit/model';
import type { EventEmitter } from 'eventemitter3';
import type { SyncEvents, SyncHub, SyncReport } from './types';

/** The engine's settings and collaborators, handed to each of its parts. */
export interface SyncContext {
  readonly hub: SyncHub;
  readonly adapter: Adapter;
  /** Name of the sync: its documents are keyed by it. */
  readonly name: string;
  /** Actor recorded on ingests. */
  readonly actor: string;
  /** Clock in milliseconds. */
  readonly now: () => number;
  /** The clock as an ISO 8601 string. */
  readonly iso: () => string;
  readonly emitter: EventEmitter<SyncEvents>;
}

/** Wraps a failure as `SYNC_FAILED` (an abort stays an abort). */
export function syncError(message: string, cause: unknown): CrmkitError {
  if (CrmkitError.isInstance(cause) && cause.code === ErrorCode.ABORTED) return cause;
  return new CrmkitError({ code: ErrorCode.SYNC_FAILED, message, cause });
}

/** A report with every count at zero. */
export function emptyReport(mode: SyncReport['mode'], resumed: boolean): SyncReport {
  return {
    mode,
    resumed,
    batches: 0,
    records: 0,
    created: 0,
    updated: 0,
    deleted: 0,
    unchanged: 0,
    invalid: 0,
    tombstones: 0,
    deadLettered: 0,
    deadLettersCleared: 0,
    durationMs: 0,
  };
}

/** A record's id within its source (`type/externalId`). */
export function recordId(type: string, externalId: string): string {
  return `${type}/${externalId}`;
}
