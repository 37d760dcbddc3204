/**
 * Child process of the crash test (src/crash.test.ts); not part of the package API. Ingests numbered batches through
 * a Hub on PostgreSQL and prints `ACK <batch>` once each `ingest()` has resolved, while a consumer writes one row per
 * outbox event into `effects` through its transaction. The parent kills it with SIGKILL at a random moment once it
 * has ACKed some batches (./crash-parent.ts).
 *
 * Environment: `DATABASE_URL`, `CRASH_SCHEMA`, `CRASH_START` (first batch number), `CRASH_MODE` (`run`: ingest until
 * killed; `drain`: ingest `CRASH_BATCHES` batches, wait until the consumer has caught up, print `DRAINED`, exit).
 *
 * Run: `node --conditions=@crmkit/source --import tsx src/testing/crash-child.ts` from packages/store-postgres.
 *
 * @module
 */
import { createHub } from '@crmkit/core';
import pg from 'pg';
import { pgClient } from '../client';
import { consumeOutbox, getConsumerCheckpoint } from '../outbox';
import { createPostgresStore } from '../store';

/** Records per batch (the parent checks batches against the same number). */
const RECORDS_PER_BATCH = 20;
/** Name of the consumer that writes the effects. */
const CONSUMER = 'effects';

/** The records of one batch: `batch-i` external ids, distinct emails. */
function batchRecords(batch: number) {
  return Array.from({ length: RECORDS_PER_BATCH }, (_, i) => ({
    type: 'person' as const,
    source: 'crash',
    externalId: `${batch}-${i}`,
    observedAt: '2026-01-01T00:00:00Z',
    data: { fullName: `Crash ${batch} ${i}`, emails: [`b${batch}-${i}@example.com`] },
  }));
}

function say(line: string): void {
  // stdout is a pipe: writes are synchronous on Linux, so a line is out before the next statement runs.
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  const schema = process.env.CRASH_SCHEMA;
  if (!url || !schema) throw new Error('DATABASE_URL and CRASH_SCHEMA are required');
  const start = Number(process.env.CRASH_START ?? '0');
  const mode = process.env.CRASH_MODE ?? 'run';
  const batches = Number(process.env.CRASH_BATCHES ?? '2');

  const pool = new pg.Pool({ connectionString: url, max: 6 });
  pool.on('error', () => {}); // idle connections dropping must not crash the child; the parent checks the outcome
  const store = createPostgresStore({ client: pgClient(pool, { ownsPool: true }), schema });
  await store.ready();
  const hub = createHub({ store });
  const controller = new AbortController();
  const consuming = consumeOutbox(store, {
    consumer: CONSUMER,
    batchSize: 25,
    pollIntervalMs: 200,
    signal: controller.signal,
    onError: (error) => process.stderr.write(`consumer error: ${String(error)}\n`),
    async handle(event, { sql }) {
      await sql.query(`INSERT INTO ${store.schema}.effects (event_id) VALUES ($1)`, [event.id]);
    },
  });
  say('READY');

  // Two writers in parallel, so appends of concurrent transactions interleave.
  const writer = async (lane: number, count: number) => {
    for (let n = 0; n < count; n++) {
      const batch = start + 2 * n + lane;
      for (;;) {
        try {
          await hub.ingest(batchRecords(batch));
          break;
        } catch (error) {
          // Concurrent SERIALIZABLE writers can exhaust the store's retries under load: not acknowledged, so a
          // client sends the same batch again (ingest is idempotent).
          if ((error as { code?: unknown }).code !== 'CONFLICT') throw error;
          process.stderr.write(`batch ${batch} conflicted, sending it again\n`);
        }
      }
      say(`ACK ${batch}`);
    }
  };
  if (mode === 'run') {
    await Promise.all([writer(0, Number.POSITIVE_INFINITY), writer(1, Number.POSITIVE_INFINITY)]);
    return;
  }
  await Promise.all([writer(0, Math.ceil(batches / 2)), writer(1, Math.floor(batches / 2))]);
  for (;;) {
    const { rows } = await store.client.query<{ max: string | null }>(
      `SELECT max(seq) AS max FROM ${store.schema}.crmkit_outbox`,
    );
    if ((await getConsumerCheckpoint(store, CONSUMER)) >= Number(rows[0]?.max ?? 0)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  controller.abort();
  await consuming;
  say('DRAINED');
  await hub.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`crash-child failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
