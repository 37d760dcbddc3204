/** What the case modules share: the case and context types, `add`, and the helpers several areas use. */

import { expect } from 'vitest';
import {
  CrmkitError,
  type CustomerGroup,
  type FieldOverride,
  type JournalEntry,
  type MergeLink,
  type OutboxEvent,
  type Store,
  type StoreTransaction,
} from '@crmkit/model';
import { tick } from '../fixtures';

/** Settings a case may read. */
export interface ContractContext {
  /** Runs of the model-based test. */
  numRuns: number;
  /** Stop the model-based test at the first failure, without shrinking (for the package's own tests). */
  endOnFailure?: boolean;
  /** Fixed fast-check seed for the model-based test (for the package's own tests). */
  seed?: number;
}

/** One test of the suite. */
export interface ContractCase {
  /** The `describe` block the test belongs to. */
  group: string;
  name: string;
  /** Test timeout in milliseconds, when the default is too short for a remote store. */
  timeout?: number;
  run(store: Store, context: ContractContext): Promise<void>;
}

/** Budget of the heavy cases: a few seconds normally, minutes on a loaded 2-core machine (PGlite blocks its thread). */
export const SLOW = 300_000;

/** Thrown to roll a transaction back on purpose. */
export class Rollback extends Error {
  constructor() {
    super('rollback requested by the test');
    this.name = 'Rollback';
  }
}

/**
 * True when `error` is `thrown`, or wraps it in its `cause` chain: a store may wrap what the transaction function
 * threw (e.g. in a `STORE_FAILED` error), as long as the original stays reachable.
 */
export function isOrWraps(error: unknown, thrown: unknown): boolean {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    if (current === thrown) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Same as {@link isOrWraps}, for an error class. */
export function isOrWrapsA(error: unknown, type: new (...args: never[]) => Error): boolean {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    if (current instanceof type) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** True when `error` is a crmkit error with code `CONFLICT`. */
export function isConflict(error: unknown): boolean {
  return CrmkitError.isInstance(error) && error.code === 'CONFLICT';
}

/**
 * A rendezvous for `parties` concurrent transactions: each waits until all have arrived, or `timeoutMs` has passed
 * (a store that serialises transactions never lets the others arrive while the first is waiting).
 */
export function barrier(parties: number, timeoutMs: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => {
    release = resolve;
  });
  return async () => {
    arrived++;
    if (arrived >= parties) release();
    await Promise.race([all, tick(timeoutMs)]);
  };
}

/**
 * Tries to change a value a store returned, one change per function: a store may return a copy (the change then
 * must not reach the store) or the deeply frozen object it keeps (the change then throws a `TypeError` in this
 * strict-mode module, which counts as refused). Any other error propagates.
 */
export function tryToChange(...changes: (() => void)[]): void {
  for (const change of changes) {
    try {
      change();
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
    }
  }
}

/** The values a fresh read must return, whatever the previous read's objects were mutated into. */
export function pristineRead(
  pristine: { l: MergeLink; o: FieldOverride; j: JournalEntry; e: OutboxEvent; g: CustomerGroup },
  seq: number,
) {
  return {
    l: pristine.l,
    linked: [pristine.l],
    o: pristine.o,
    j: pristine.j,
    e: { ...pristine.e, seq },
    g: pristine.g,
    all: [pristine.g],
  };
}

/**
 * What a store list returns read `limit` rows at a time, each read after the cursor (`cursorOf`) of the last row read,
 * until an empty page (at most 1000 reads): the cursors in the order read. Checks that no page holds more than `limit`
 * rows; a page cut short does not end the reading, so a store that shortens pages is still read to the end.
 */
export async function cursorsPaged<R, C extends string | number>(
  store: Store,
  limit: number,
  list: (tx: StoreTransaction, page: { limit: number; after?: NoInfer<C> }) => Promise<R[]>,
  cursorOf: (row: R) => C,
): Promise<C[]> {
  const seen: C[] = [];
  let after: C | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const rows = await store.transaction((tx) => list(tx, after === undefined ? { limit } : { limit, after }));
    expect(rows.length).toBeLessThanOrEqual(limit);
    if (rows.length === 0) break;
    seen.push(...rows.map(cursorOf));
    after = cursorOf(rows[rows.length - 1]!);
  }
  return seen;
}

/** The cursor of a row listed by id, for {@link cursorsPaged}. */
export const byIdCursor = (row: { id: string }): string => row.id;

/** Every outbox event, paging with `after`. */
export async function readWholeOutbox(store: Store, pageSize = 50): Promise<OutboxEvent[]> {
  const out: OutboxEvent[] = [];
  let after: number | undefined;
  for (;;) {
    const page = await store.transaction((tx) =>
      tx.listOutbox({ limit: pageSize, ...(after === undefined ? {} : { after }) }),
    );
    out.push(...page);
    if (page.length < pageSize) return out;
    after = page[page.length - 1]!.seq!;
  }
}

/** Asserts seq values are integers, unique and strictly increasing in list order. */
export function expectIncreasingSeqs(events: readonly OutboxEvent[]): void {
  for (let i = 0; i < events.length; i++) {
    const seq = events[i]!.seq;
    expect(Number.isInteger(seq), `seq of ${events[i]!.id} is an integer`).toBe(true);
    if (i > 0) expect(seq!, `seq of ${events[i]!.id} after ${events[i - 1]!.id}`).toBeGreaterThan(events[i - 1]!.seq!);
  }
}

/** Adds one case to the suite (in call order). */
export type AddCase = (group: string, name: string, run: ContractCase['run'], timeout?: number) => void;
