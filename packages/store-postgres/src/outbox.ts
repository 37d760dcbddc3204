/**
 * Outbox consumers with per-consumer checkpoints and an inbox: every event is handed to a consumer's handler in
 * `seq` order, and an effect the handler writes through `context.sql` commits together with the checkpoint and the
 * inbox row, so it happens exactly once even when an event is delivered again.
 *
 * @module
 */
import { InvalidArgumentError, type OutboxEvent } from '@crmkit/model';
import type { SqlExecutor } from './client';
import { listVisibleOutbox, outboxChannel, type PostgresStore } from './store';

/** What a handler gets besides the event. */
export interface OutboxHandlerContext {
  /**
   * The consumer's transaction: writes through it commit together with the checkpoint and the inbox row (or not at
   * all). Do not use the store or the database outside it from the handler on PGlite, which runs one transaction at
   * a time.
   */
  sql: SqlExecutor;
}

/** Handles one outbox event; throwing rolls back the whole round, which is retried later. */
export type OutboxHandler = (event: OutboxEvent, context: OutboxHandlerContext) => Promise<void>;

/** Options of {@link processOutboxOnce}. */
export interface ProcessOutboxOptions {
  /** Name of the consumer; each consumer has its own checkpoint and inbox and gets every event. */
  consumer: string;
  /** Called once per event, in `seq` order. */
  handle: OutboxHandler;
  /** Events per round (one transaction). @default 100 */
  batchSize?: number;
}

/** Options of {@link consumeOutbox}. */
export interface ConsumeOutboxOptions extends ProcessOutboxOptions {
  /** Longest wait between rounds when no NOTIFY arrives, in milliseconds. @default 1000 */
  pollIntervalMs?: number;
  /** Stops the consumer: the promise resolves after the running round ends. */
  signal?: AbortSignal;
  /** Told about every failed round (it is rolled back and retried after a backoff) and a failed LISTEN. */
  onError?: (error: unknown) => void;
}

const DEFAULT_BATCH_SIZE = 100;
const DEFAULT_POLL_INTERVAL_MS = 1000;
const MAX_BACKOFF_MS = 30_000;

function requireConsumer(consumer: unknown): string {
  if (typeof consumer !== 'string' || consumer.length === 0) {
    throw new InvalidArgumentError({
      argument: 'consumer',
      message: '[crmkit/store-postgres] "consumer" must be a non-empty string.',
    });
  }
  return consumer;
}

function requirePositiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError({
      argument: name,
      message: `[crmkit/store-postgres] "${name}" must be a positive integer.`,
    });
  }
  return value;
}

async function runRound(
  store: PostgresStore,
  consumer: string,
  handle: OutboxHandler,
  batchSize: number,
): Promise<number> {
  await store.ready();
  const s = store.schema;
  return store.client.transaction(
    async (sql) => {
      await sql.query(
        `INSERT INTO ${s}.crmkit_outbox_consumers (consumer) VALUES ($1) ON CONFLICT (consumer) DO NOTHING`,
        [consumer],
      );
      // Locks the checkpoint: another process running the same consumer waits here until this round commits, then
      // reads the advanced checkpoint (READ COMMITTED re-reads the locked row).
      const { rows } = await sql.query<{ last_seq: string | number }>(
        `SELECT last_seq FROM ${s}.crmkit_outbox_consumers WHERE consumer = $1 FOR UPDATE`,
        [consumer],
      );
      const lastSeq = Number(rows[0]?.last_seq ?? 0);
      const events = await listVisibleOutbox(sql, s, lastSeq, batchSize);
      for (const event of events) {
        const inserted = await sql.query(
          `INSERT INTO ${s}.crmkit_inbox (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id`,
          [consumer, event.id],
        );
        // Not inserted: handled before (the checkpoint was reset or moved back); acknowledged without a second call.
        if (inserted.rows.length > 0) await handle(event, { sql });
      }
      const last = events.at(-1)?.seq;
      if (last !== undefined && last > lastSeq) {
        await sql.query(
          `UPDATE ${s}.crmkit_outbox_consumers SET last_seq = $2, updated_at = now() WHERE consumer = $1`,
          [consumer, last],
        );
      }
      return events.length;
    },
    { isolation: 'read committed' },
  );
}

/**
 * Runs one round of a consumer in one transaction: locks the consumer's checkpoint, reads up to `batchSize` events
 * after it, records each in the consumer's inbox, calls `handle` for those the inbox did not hold yet, and advances
 * the checkpoint. When `handle` throws, the round is rolled back (nothing is acknowledged) and the error is thrown.
 * Resolves to the number of events the round acknowledged (including any skipped because the inbox already held
 * them), so a loop until it returns 0 drains the outbox.
 *
 * @example
 * ```ts
 * // e.g. from a cron job: drain what is there, then exit
 * while ((await processOutboxOnce(store, { consumer: 'search-index', handle: indexEvent })) > 0) {}
 * ```
 */
export async function processOutboxOnce(store: PostgresStore, options: ProcessOutboxOptions): Promise<number> {
  const consumer = requireConsumer(options.consumer);
  const batchSize = requirePositiveInteger('batchSize', options.batchSize, DEFAULT_BATCH_SIZE);
  return runRound(store, consumer, options.handle, batchSize);
}

/**
 * Runs a consumer until `signal` aborts: rounds as in {@link processOutboxOnce}, back to back while batches come
 * back full, otherwise waiting for a NOTIFY of a new append (on {@link outboxChannel}) or `pollIntervalMs`,
 * whichever comes first. A failed round is rolled back, reported to `onError` and retried after a growing backoff
 * (100 ms, doubling, at most 30 s). Effects written through `context.sql` happen exactly once; anything else the
 * handler does (an HTTP call) happens at least once, so make it idempotent, keyed by `event.id`.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * const running = consumeOutbox(store, {
 *   consumer: 'mailer',
 *   signal: controller.signal,
 *   onError: (error) => console.error(error),
 *   async handle(event, { sql }) {
 *     if (event.type === 'customer.created') {
 *       await sql.query('INSERT INTO welcome_mails (event_id) VALUES ($1)', [event.id]);
 *     }
 *   },
 * });
 * // ... on shutdown:
 * controller.abort();
 * await running;
 * ```
 */
export async function consumeOutbox(store: PostgresStore, options: ConsumeOutboxOptions): Promise<void> {
  const consumer = requireConsumer(options.consumer);
  const batchSize = requirePositiveInteger('batchSize', options.batchSize, DEFAULT_BATCH_SIZE);
  const pollIntervalMs = requirePositiveInteger('pollIntervalMs', options.pollIntervalMs, DEFAULT_POLL_INTERVAL_MS);
  const { signal, handle } = options;
  const report = (error: unknown): void => {
    try {
      options.onError?.(error);
    } catch {
      // a failing error reporter must not stop the consumer
    }
  };

  let notified = false;
  let wake: (() => void) | undefined;
  const onWake = (): void => {
    notified = true;
    wake?.();
  };
  /** Waits for `ms`, a NOTIFY (unless `notifications` is false) or the abort, whichever comes first. */
  const pause = (ms: number, notifications: boolean): Promise<void> =>
    new Promise<void>((resolve) => {
      if (signal?.aborted || (notifications && notified)) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      if (notifications) wake = done;
    });

  let unlisten: (() => Promise<void>) | undefined;
  try {
    let failures = 0;
    while (!signal?.aborted) {
      if (!unlisten) {
        // Subscribed before the round reads, so no append after the read goes unnoticed; retried each round if the
        // LISTEN fails (the consumer polls meanwhile).
        try {
          unlisten = await store.client.listen(outboxChannel(store.schemaName), onWake);
        } catch (error) {
          report(error);
        }
      }
      notified = false;
      let full = false;
      try {
        full = (await runRound(store, consumer, handle, batchSize)) >= batchSize;
        failures = 0;
      } catch (error) {
        failures++;
        report(error);
        const backoff = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(failures - 1, 16));
        await pause(backoff * (0.75 + Math.random() * 0.5), false);
        continue;
      }
      if (!full) await pause(pollIntervalMs, true);
    }
  } finally {
    if (unlisten) {
      try {
        await unlisten();
      } catch (error) {
        report(error);
      }
    }
  }
}

/**
 * The `seq` of the last event a consumer has acknowledged; 0 when it has never run.
 *
 * @example
 * ```ts
 * const lastSeq = await getConsumerCheckpoint(store, 'mailer');
 * const [next] = await hub.outbox({ after: lastSeq, limit: 1 }); // the next event the consumer will get
 * ```
 */
export async function getConsumerCheckpoint(store: PostgresStore, consumer: string): Promise<number> {
  requireConsumer(consumer);
  await store.ready();
  const { rows } = await store.client.query<{ last_seq: string | number }>(
    `SELECT last_seq FROM ${store.schema}.crmkit_outbox_consumers WHERE consumer = $1`,
    [consumer],
  );
  return Number(rows[0]?.last_seq ?? 0);
}
