import type { JsonValue, OutboxEvent, Store, StoreTransaction } from '@crmkit/model';
import type { Clock } from '../runtime/clock';

/** Document kind of a consumer's checkpoint, lease and inbox (id: the consumer's name). */
export const CHECKPOINT_KIND = 'reaction.checkpoint';
/** Document kind of an operation a consumer gave up on after `maxAttempts` (id: `<consumer>|<operation>`). */
export const DEAD_LETTER_KIND = 'reaction.dead-letter';

/** The committed events of one write operation, in `seq` order, as a consumer gets them. */
export interface Operation {
  /** The operation id (the id of its first event). */
  id: string;
  /** The plugin whose write it was; absent for the app. */
  origin?: string;
  events: OutboxEvent[];
}

/** What one consumer does with operations. */
export interface ConsumerSpec {
  /** Unique name; each name has its own checkpoint and gets every event once. */
  name: string;
  /**
   * Side effects outside any transaction (after-hooks, listeners). Recorded as done right after it resolves, so an
   * operation is handed over again only when the process died (or lost its lease) while this ran.
   */
  deliver?: (operation: Operation) => Promise<void>;
  /**
   * Effects inside the consumer's transaction (workflow runs): they commit together with the checkpoint, so each
   * operation is handled exactly once. Returns what to do after the commit.
   */
  deliverInTransaction?: (tx: StoreTransaction, operations: readonly Operation[]) => Promise<(() => void) | undefined>;
  /** True for an operation with nothing for this consumer (no hook matches): recorded without a delivery. */
  skip?: (operation: Operation) => boolean;
  /** False while this process cannot deliver for the consumer (its plugin was unregistered). */
  active?: () => boolean;
}

/** Settings shared by the consumers of one Hub. */
export interface ConsumerSettings {
  store: Store;
  clock: Clock;
  /** This process's id in leases. */
  holder: string;
  leaseMs: number;
  batchSize: number;
  gapGraceMs: number;
  maxAttempts: number;
  /** Told, after the commit, about the operations a round handled (delivered, skipped or dead-lettered). */
  handled?(consumer: string, operations: readonly string[]): void;
  /** Told about every failed attempt (`final`: the operation was dead-lettered). */
  onError(error: unknown, info: { consumer: string; operation: string; attempt: number; final: boolean }): void;
}

/** What a consumer keeps in its checkpoint document. */
export interface CheckpointState {
  /** Every event with `seq` up to this one is handled. */
  seq: number;
  /** The inbox: `seq`s above the checkpoint that are handled (past a gap the checkpoint waits at). */
  done: number[];
  /** The process delivering for the consumer, and until when (ms on the Hub clock). */
  holder?: string;
  leaseUntil?: number;
  /** The first missing `seq` above the checkpoint, and since when it is missing. */
  gap?: { seq: number; since: number };
}

/** Outcome of one round: delivered something, nothing to do, another process holds the lease, or stopped. */
export type RoundResult = 'progress' | 'idle' | 'busy' | 'stopped';

const REDACTED_KEYS = ['redacted'];

/** True for an event whose payload GDPR erasure replaced with `{ redacted: true }`. */
export function isRedacted(event: OutboxEvent): boolean {
  const payload = event.payload as Record<string, unknown> | null;
  return (
    typeof payload === 'object' &&
    payload !== null &&
    payload.redacted === true &&
    Object.keys(payload).every((key) => REDACTED_KEYS.includes(key))
  );
}

/** The highest `seq` in the outbox now (0 when empty): where a new consumer starts. Pages through the outbox once. */
export async function outboxHead(tx: StoreTransaction): Promise<number> {
  let head = 0;
  for (;;) {
    const page = await tx.listOutbox({ after: head, limit: 1000 });
    if (page.length === 0) return head;
    head = page[page.length - 1]!.seq ?? head;
    if (page.length < 1000) return head;
  }
}

/** Creates the checkpoints of these consumers that do not exist yet, at the head of the outbox. */
export async function ensureCheckpoints(tx: StoreTransaction, names: readonly string[], now: string): Promise<void> {
  if (names.length === 0) return;
  const existing = new Set((await tx.getDocuments(CHECKPOINT_KIND, names)).map((doc) => doc.id));
  const missing = names.filter((name) => !existing.has(name));
  if (missing.length === 0) return;
  const head = await outboxHead(tx);
  for (const name of missing) await writeState(tx, name, { seq: head, done: [] }, now);
}

async function readState(tx: StoreTransaction, name: string): Promise<CheckpointState | undefined> {
  const [doc] = await tx.getDocuments(CHECKPOINT_KIND, [name]);
  return doc ? (doc.data as unknown as CheckpointState) : undefined;
}

async function writeState(tx: StoreTransaction, name: string, state: CheckpointState, now: string): Promise<void> {
  await tx.putDocument({
    kind: CHECKPOINT_KIND,
    id: name,
    ref: null,
    data: state as unknown as JsonValue,
    updatedAt: now,
  });
}

/**
 * Groups events (in `seq` order) into operations, leaving out those in `done`. The events of one operation are
 * appended together; a trailing operation with fewer events than its `meta.n` is cut off by the page and left for
 * the next round (`complete: false`).
 */
export function groupOperations(
  events: readonly OutboxEvent[],
  done: ReadonlySet<number>,
): { operations: Operation[]; incomplete?: { after: number; missing: number; operation: Operation } } {
  const operations: Operation[] = [];
  const sizes: number[] = [];
  let current: Operation | undefined;
  for (const event of events) {
    if (done.has(event.seq ?? -1)) continue;
    const op = event.meta?.op ?? event.id;
    if (!current || current.id !== op) {
      current = { id: op, ...(event.meta?.origin ? { origin: event.meta.origin } : {}), events: [] };
      operations.push(current);
      sizes.push(event.meta?.n ?? 1);
    }
    current.events.push(event);
  }
  const last = operations[operations.length - 1];
  const size = sizes[sizes.length - 1] ?? 0;
  const tail = events[events.length - 1];
  if (last && tail && last.events.length < size && (tail.meta?.op ?? tail.id) === last.id) {
    operations.pop();
    return { operations, incomplete: { after: tail.seq ?? 0, missing: size - last.events.length, operation: last } };
  }
  return { operations };
}

/**
 * Moves the checkpoint over the handled `seq`s in `done`. A missing `seq` (a transaction that has not committed
 * yet, or rolled back) holds the checkpoint while events above it are handled through the inbox, until it has been
 * missing for `graceMs`; then the checkpoint passes the whole hole.
 */
export function advance(
  state: CheckpointState,
  handled: readonly number[],
  visible: ReadonlySet<number>,
  now: number,
  graceMs: number,
): CheckpointState {
  const done = new Set([...state.done, ...handled]);
  let seq = state.seq;
  let gap = state.gap;
  for (;;) {
    const next = seq + 1;
    if (done.has(next)) {
      done.delete(next);
      seq = next;
      continue;
    }
    if (visible.has(next)) break;
    let above = Number.POSITIVE_INFINITY;
    for (const s of [...done, ...visible]) if (s > next && s < above) above = s;
    if (above === Number.POSITIVE_INFINITY) break;
    if (!gap || gap.seq !== next) {
      gap = { seq: next, since: now };
      break;
    }
    if (now - gap.since < graceMs) break;
    seq = above - 1;
    gap = undefined;
  }
  for (const s of done) if (s <= seq) done.delete(s);
  if (gap && gap.seq <= seq) gap = undefined;
  return {
    seq,
    done: [...done].sort((a, b) => a - b),
    ...(gap ? { gap } : {}),
    ...(state.holder !== undefined ? { holder: state.holder } : {}),
    ...(state.leaseUntil !== undefined ? { leaseUntil: state.leaseUntil } : {}),
  };
}

/**
 * A named outbox consumer: reads committed events after its checkpoint, hands them over one operation at a time,
 * and records each operation as done (checkpoint + inbox) in the store, so each event is handled once per consumer
 * across crashes and processes. One process at a time delivers a consumer (a lease in the checkpoint document; a
 * dead holder's lease expires after `leaseMs`).
 */
export class OutboxConsumer {
  constructor(
    readonly spec: ConsumerSpec,
    private readonly settings: ConsumerSettings,
    private readonly stopped: () => boolean,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  private iso(): string {
    return new Date(this.settings.clock.now()).toISOString();
  }

  /** One round: claims the lease, reads a page of events, delivers each operation and records it. */
  async round(): Promise<RoundResult> {
    if (this.stopped()) return 'stopped';
    if (this.spec.active && !this.spec.active()) return 'idle';
    const { store, clock, holder, leaseMs, batchSize, gapGraceMs } = this.settings;
    const name = this.spec.name;
    const inTx = this.spec.deliverInTransaction;
    let after: (() => void) | undefined;
    const claim = await store.transaction(async (tx) => {
      // A store may run this again (a serialization failure): nothing from a rolled-back attempt may remain.
      after = undefined;
      const now = clock.now();
      await ensureCheckpoints(tx, [name], this.iso());
      const state = (await readState(tx, name))!;
      if (!inTx && state.holder !== undefined && state.holder !== holder && (state.leaseUntil ?? 0) > now)
        return 'busy' as const;
      const events = await tx.listOutbox({ after: state.seq, limit: batchSize });
      const done = new Set(state.done);
      let { operations, incomplete } = groupOperations(events, done);
      if (incomplete && operations.length === 0) {
        // One operation larger than a page: read the rest of it.
        const rest = await tx.listOutbox({ after: incomplete.after, limit: incomplete.missing });
        events.push(...rest);
        ({ operations, incomplete } = groupOperations(events, done));
        if (incomplete) operations.push(incomplete.operation);
      }
      const visible = new Set(events.map((e) => e.seq ?? 0));
      if (inTx) {
        if (operations.length > 0) after = (await inTx(tx, operations)) ?? undefined;
        const handled = operations.flatMap((op) => op.events.map((e) => e.seq ?? 0));
        const next = advance(state, handled, visible, now, gapGraceMs);
        if (handled.length > 0 || JSON.stringify(next) !== JSON.stringify(state))
          await writeState(tx, name, next, this.iso());
        return { operations, visible, state: next };
      }
      const next = advance(state, [], visible, now, gapGraceMs);
      if (operations.length === 0) {
        // Nothing to deliver: give the lease up (another process may go on at once) and record a gap seen.
        const { holder: was, leaseUntil: _until, ...rest } = next;
        if (was === holder || next.seq !== state.seq || next.gap?.seq !== state.gap?.seq)
          await writeState(tx, name, was === holder ? rest : next, this.iso());
        return { operations, visible, state: next };
      }
      await writeState(tx, name, { ...next, holder, leaseUntil: now + leaseMs }, this.iso());
      return { operations, visible, state: next };
    });
    if (claim === 'busy') return 'busy';
    if (inTx) {
      after?.();
      if (claim.operations.length > 0)
        this.settings.handled?.(
          name,
          claim.operations.map((op) => op.id),
        );
      return claim.operations.length > 0 ? 'progress' : 'idle';
    }
    if (claim.operations.length === 0) return 'idle';
    // Operations with nothing for this consumer are recorded together with the next one that has (or at the end):
    // handing one over again would do nothing, so they need no transaction of their own.
    let skipped: number[] = [];
    let skippedOps: string[] = [];
    for (const claimed of claim.operations) {
      if (this.spec.skip?.(claimed)) {
        skipped.push(...claimed.events.map((e) => e.seq ?? 0));
        skippedOps.push(claimed.id);
        continue;
      }
      // Read again just before delivering: an erasure committed since the claim has redacted events of this
      // operation, and no hook may see an erased person (decision 011).
      const operation = await this.reread(claimed);
      if (this.spec.skip?.(operation)) {
        skipped.push(...claimed.events.map((e) => e.seq ?? 0));
        skippedOps.push(claimed.id);
        continue;
      }
      const outcome = await this.deliverOne(operation);
      if (outcome === 'stopped') return 'stopped';
      const recorded = await this.record(claimed, claim.visible, outcome, skipped);
      if (!recorded) return 'busy';
      this.settings.handled?.(name, [...skippedOps, claimed.id]);
      skipped = [];
      skippedOps = [];
    }
    if (skipped.length > 0) {
      if (!(await this.record(undefined, claim.visible, 'ok', skipped))) return 'busy';
      this.settings.handled?.(name, skippedOps);
    }
    return 'progress';
  }

  /**
   * The operation's events as the outbox holds them now (one read-only transaction over its `seq` range). An event
   * no longer in the outbox is left out.
   */
  private async reread(operation: Operation): Promise<Operation> {
    const seqs = operation.events.map((e) => e.seq ?? 0);
    const first = Math.min(...seqs);
    const last = Math.max(...seqs);
    const fresh = await this.settings.store.transaction(
      (tx) => tx.listOutbox({ after: first - 1, limit: last - first + 1 }),
      { readOnly: true },
    );
    const bySeq = new Map(fresh.map((e) => [e.seq ?? 0, e]));
    const events = seqs.flatMap((seq) => {
      const event = bySeq.get(seq);
      return event ? [event] : [];
    });
    return { ...operation, events };
  }

  /**
   * Delivers one operation, retrying a throwing delivery up to `maxAttempts` times in all. The lease is renewed every
   * `leaseMs / 3` (on the Hub's clock) while it runs, so a slow hook is not handed to another process.
   */
  private async deliverOne(operation: Operation): Promise<'ok' | 'stopped' | { error: unknown; attempts: number }> {
    const stopRenewing = this.keepLease();
    try {
      return await this.attempts(operation);
    } finally {
      await stopRenewing();
    }
  }

  /** Renews the lease every `leaseMs / 3` until the returned function is called (it waits for a renewal under way). */
  private keepLease(): () => Promise<void> {
    const { clock, leaseMs } = this.settings;
    let done = false;
    let handle: unknown;
    let renewing: Promise<void> = Promise.resolve();
    const schedule = () => {
      handle = clock.setTimeout(
        () => {
          handle = undefined;
          renewing = this.renew()
            .catch(() => {}) // a failed renewal is retried at the next tick; record() finds a lost lease
            .then(() => {
              if (!done) schedule();
            });
        },
        Math.max(1, Math.floor(leaseMs / 3)),
      );
      (handle as { unref?: () => void } | undefined)?.unref?.();
    };
    schedule();
    return async () => {
      done = true;
      if (handle !== undefined) clock.clearTimeout(handle);
      await renewing;
    };
  }

  /** Moves this process's lease `leaseMs` ahead (when it still holds it). */
  private async renew(): Promise<void> {
    const { store, clock, holder, leaseMs } = this.settings;
    const name = this.spec.name;
    await store.transaction(async (tx) => {
      const state = await readState(tx, name);
      if (!state || state.holder !== holder || this.stopped()) return;
      await writeState(tx, name, { ...state, leaseUntil: clock.now() + leaseMs }, this.iso());
    });
  }

  private async attempts(operation: Operation): Promise<'ok' | 'stopped' | { error: unknown; attempts: number }> {
    const deliver = this.spec.deliver!;
    const { maxAttempts } = this.settings;
    for (let attempt = 1; ; attempt++) {
      try {
        await deliver(operation);
        return 'ok';
      } catch (error) {
        // A Hub that is closing makes hooks fail: that is not the operation's fault; it stays for the next process.
        if (this.stopped()) return 'stopped';
        const final = attempt >= maxAttempts;
        this.settings.onError(error, { consumer: this.spec.name, operation: operation.id, attempt, final });
        if (final) return { error, attempts: attempt };
      }
    }
  }

  /** Records the operation as handled (and dead-lettered, when it failed); false when the lease was lost. */
  private async record(
    operation: Operation | undefined,
    visible: ReadonlySet<number>,
    outcome: 'ok' | { error: unknown; attempts: number },
    skipped: readonly number[],
  ): Promise<boolean> {
    const { store, clock, holder, leaseMs, gapGraceMs } = this.settings;
    const name = this.spec.name;
    return store.transaction(async (tx) => {
      const now = clock.now();
      const state = await readState(tx, name);
      // Another process took the consumer over (our lease expired): it delivers from its own reading.
      if (!state || state.holder !== holder) return false;
      const handled = [...skipped, ...(operation?.events.map((e) => e.seq ?? 0) ?? [])];
      const next = advance(state, handled, visible, now, gapGraceMs);
      await writeState(tx, name, { ...next, holder, leaseUntil: now + leaseMs }, this.iso());
      if (operation && outcome !== 'ok') {
        // Hook failures and listener failures wrap the error a plugin or listener threw: record that one.
        const wrapped = outcome.error as { failures?: { error: unknown }[]; error?: unknown } | undefined;
        const error = (wrapped?.failures?.[0]?.error ?? wrapped?.error ?? outcome.error) as
          | { code?: unknown; message?: unknown }
          | undefined;
        await tx.putDocument({
          kind: DEAD_LETTER_KIND,
          id: `${name}|${operation.id}`,
          ref: name,
          data: {
            consumer: name,
            operation: operation.id,
            events: operation.events.map((e) => ({ id: e.id, seq: e.seq ?? 0, type: e.type })),
            attempts: outcome.attempts,
            error: {
              code: typeof error?.code === 'string' ? error.code : 'HOOK_FAILED',
              message: typeof error?.message === 'string' ? error.message : String(error),
            },
          },
          updatedAt: this.iso(),
        });
      }
      return true;
    });
  }

  /** Gives the lease up (on close), so another process can deliver at once. */
  async release(): Promise<void> {
    if (this.spec.deliverInTransaction) return;
    const { store, holder } = this.settings;
    await store.transaction(async (tx) => {
      const state = await readState(tx, this.spec.name);
      if (!state || state.holder !== holder) return;
      const { holder: _holder, leaseUntil: _until, ...rest } = state;
      await writeState(tx, this.spec.name, rest, this.iso());
    });
  }
}
