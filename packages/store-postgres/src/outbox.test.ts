import { PGlite } from '@electric-sql/pglite';
import { createHub, type Hub } from '@crmkit/core';
import type { OutboxEvent } from '@crmkit/model';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgClient, pgliteClient, type SqlClient } from './client';
import { consumeOutbox, getConsumerCheckpoint, type OutboxHandler, processOutboxOnce } from './outbox';
import { createPostgresStore, type PostgresStore } from './store';

const url = process.env.DATABASE_URL;
const T = '2026-01-01T00:00:00Z';

interface Fixture {
  store: PostgresStore;
  hub: Hub;
  /** The quoted schema. */
  s: string;
  cleanup(): Promise<void>;
}

function uniqueSchema(): string {
  return `t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

async function fixture(makeClient: () => SqlClient): Promise<Fixture> {
  const client = makeClient();
  const store = createPostgresStore({ client, schema: uniqueSchema() });
  await store.ready();
  const s = store.schema;
  await client.query(`CREATE TABLE ${s}.effects (consumer text NOT NULL, event_id text NOT NULL)`);
  const hub = createHub({ store });
  return {
    store,
    hub,
    s,
    async cleanup() {
      await client.query(`DROP SCHEMA ${s} CASCADE`);
      await hub.close();
    },
  };
}

/** Ingests `count` people of batch `batch` (one transaction). */
function ingestBatch(hub: Hub, batch: number, count = 2) {
  return hub.ingest(
    Array.from({ length: count }, (_, i) => ({
      type: 'person' as const,
      source: 'test',
      externalId: `${batch}-${i}`,
      observedAt: T,
      data: { fullName: `Person ${batch}-${i}`, emails: [`p${batch}-${i}@example.com`] },
    })),
  );
}

async function allEvents(hub: Hub): Promise<OutboxEvent[]> {
  return hub.outbox({ limit: 10_000 });
}

async function effectCounts(f: Fixture, consumer: string): Promise<Map<string, number>> {
  const { rows } = await f.store.client.query<{ event_id: string; n: string | number }>(
    `SELECT event_id, count(*) AS n FROM ${f.s}.effects WHERE consumer = $1 GROUP BY event_id`,
    [consumer],
  );
  return new Map(rows.map((row) => [row.event_id, Number(row.n)]));
}

function effectWriter(f: Fixture, consumer: string, seen: OutboxEvent[]): OutboxHandler {
  return async (event, { sql }) => {
    await sql.query(`INSERT INTO ${f.s}.effects (consumer, event_id) VALUES ($1, $2)`, [consumer, event.id]);
    seen.push(event);
  };
}

/** Runs rounds until one acknowledges nothing; returns the events handed to the handler. */
async function drain(f: Fixture, consumer: string, batchSize = 3): Promise<OutboxEvent[]> {
  const seen: OutboxEvent[] = [];
  while ((await processOutboxOnce(f.store, { consumer, batchSize, handle: effectWriter(f, consumer, seen) })) > 0) {}
  return seen;
}

async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function suite(makeClient: () => SqlClient) {
  it('delivers events in seq order, each exactly once across repeated rounds', async () => {
    const f = await fixture(makeClient);
    try {
      for (let batch = 1; batch <= 3; batch++) await ingestBatch(f.hub, batch);
      const first = await drain(f, 'c1', 2);
      const events = await allEvents(f.hub);
      expect(events.length).toBeGreaterThanOrEqual(6);
      expect(first.map((e) => e.id)).toEqual(events.map((e) => e.id));
      expect(first.map((e) => e.seq)).toEqual([...first.map((e) => e.seq)].sort((a, b) => a! - b!));
      expect(await getConsumerCheckpoint(f.store, 'c1')).toBe(events.at(-1)!.seq);

      expect(await drain(f, 'c1')).toEqual([]); // nothing new, nothing repeated
      await ingestBatch(f.hub, 4);
      const second = await drain(f, 'c1');
      const after = await allEvents(f.hub);
      expect(second.map((e) => e.id)).toEqual(after.slice(events.length).map((e) => e.id));
      const counts = await effectCounts(f, 'c1');
      expect(counts.size).toBe(after.length);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await f.cleanup();
    }
  });

  it('does not repeat effects when events are delivered again (the inbox)', async () => {
    const f = await fixture(makeClient);
    try {
      await ingestBatch(f.hub, 1);
      await ingestBatch(f.hub, 2);
      const events = await allEvents(f.hub);
      expect((await drain(f, 'c1')).length).toBe(events.length);
      await f.store.client.query(`UPDATE ${f.s}.crmkit_outbox_consumers SET last_seq = 0 WHERE consumer = 'c1'`);
      expect(await getConsumerCheckpoint(f.store, 'c1')).toBe(0);
      const again: OutboxEvent[] = [];
      // The round acknowledges the events again but hands none of them to the handler.
      expect(await processOutboxOnce(f.store, { consumer: 'c1', handle: effectWriter(f, 'c1', again) })).toBe(
        events.length,
      );
      expect(again).toEqual([]);
      expect(await drain(f, 'c1')).toEqual([]);
      expect(await getConsumerCheckpoint(f.store, 'c1')).toBe(events.at(-1)!.seq);
      const counts = await effectCounts(f, 'c1');
      expect(counts.size).toBe(events.length);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await f.cleanup();
    }
  });

  it('rolls a round back when the handler throws, and delivers the same events again', async () => {
    const f = await fixture(makeClient);
    try {
      await ingestBatch(f.hub, 1);
      const events = await allEvents(f.hub);
      let calls = 0;
      const failing: OutboxHandler = async (event, { sql }) => {
        await sql.query(`INSERT INTO ${f.s}.effects (consumer, event_id) VALUES ('c1', $1)`, [event.id]);
        if (++calls === 2) throw new Error('handler failed');
      };
      await expect(processOutboxOnce(f.store, { consumer: 'c1', handle: failing, batchSize: 10 })).rejects.toThrow(
        'handler failed',
      );
      expect(await getConsumerCheckpoint(f.store, 'c1')).toBe(0);
      expect((await effectCounts(f, 'c1')).size).toBe(0);
      const { rows } = await f.store.client.query(`SELECT * FROM ${f.s}.crmkit_inbox`);
      expect(rows).toEqual([]);

      const again = await drain(f, 'c1', 10);
      expect(again.map((e) => e.id)).toEqual(events.map((e) => e.id));
      const counts = await effectCounts(f, 'c1');
      expect(counts.size).toBe(events.length);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await f.cleanup();
    }
  });

  it('gives every event to each consumer', async () => {
    const f = await fixture(makeClient);
    try {
      await ingestBatch(f.hub, 1);
      const a1 = await drain(f, 'a');
      await ingestBatch(f.hub, 2);
      const b = await drain(f, 'b');
      const a2 = await drain(f, 'a');
      const events = (await allEvents(f.hub)).map((e) => e.id);
      expect(b.map((e) => e.id)).toEqual(events);
      expect([...a1, ...a2].map((e) => e.id)).toEqual(events);
    } finally {
      await f.cleanup();
    }
  });

  it('consumeOutbox wakes on NOTIFY well before the poll interval, retries failed rounds, and stops on abort', async () => {
    const f = await fixture(makeClient);
    const controller = new AbortController();
    const errors: unknown[] = [];
    let failOnce = true;
    const write = effectWriter(f, 'live', []);
    const delivered = async () => [...(await effectCounts(f, 'live')).values()].reduce((a, b) => a + b, 0);
    // The poll interval is far longer than the test's budget: only a NOTIFY can deliver in time, and only the abort can
    // end the wait. No assertion on elapsed time (see "Tests on a busy machine" in the README).
    const running = consumeOutbox(f.store, {
      consumer: 'live',
      pollIntervalMs: 600_000,
      signal: controller.signal,
      onError: (error) => errors.push(error),
      async handle(event, context) {
        if (failOnce && JSON.stringify(event.payload).includes('2-0')) {
          failOnce = false;
          throw new Error('transient');
        }
        await write(event, context);
      },
    });
    try {
      await ingestBatch(f.hub, 1);
      const firstCount = (await allEvents(f.hub)).length;
      await waitFor(async () => (await delivered()) === firstCount, 60_000);

      // The consumer now waits up to 10 minutes; only the append's NOTIFY can wake it within this wait.
      await ingestBatch(f.hub, 2);
      const events = await allEvents(f.hub);
      await waitFor(async () => (await delivered()) === events.length, 60_000);
      expect(failOnce).toBe(false);
      expect(errors).toHaveLength(1); // the transient failure: rolled back, retried after a backoff
      const counts = await effectCounts(f, 'live');
      expect([...counts.keys()].sort()).toEqual(events.map((e) => e.id).sort());
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
      expect(await getConsumerCheckpoint(f.store, 'live')).toBe(events.at(-1)!.seq);

      controller.abort();
      await running; // without the abort ending the 10-minute wait, this outlasts the test's budget
    } finally {
      controller.abort();
      await running.catch(() => undefined);
      await f.cleanup();
    }
  }, 180_000);

  it('rejects invalid options', async () => {
    const f = await fixture(makeClient);
    try {
      const handle: OutboxHandler = async () => {};
      await expect(processOutboxOnce(f.store, { consumer: '', handle })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      await expect(processOutboxOnce(f.store, { consumer: 'x', handle, batchSize: 0 })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      await expect(consumeOutbox(f.store, { consumer: 'x', handle, pollIntervalMs: -1 })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      expect(await getConsumerCheckpoint(f.store, 'never-ran')).toBe(0);
    } finally {
      await f.cleanup();
    }
  });
}

describe('outbox consumers on PGlite (memory)', () => {
  let db: PGlite;
  beforeAll(async () => {
    db = new PGlite();
    await db.waitReady;
  });
  afterAll(async () => {
    await db.close();
  });
  suite(() => pgliteClient(db));
});

describe.skipIf(!url)(`outbox consumers on PostgreSQL${url ? '' : ' (skipped: set DATABASE_URL)'}`, () => {
  let pool: pg.Pool;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: url, max: 12 });
  });
  afterAll(async () => {
    await pool.end();
  });
  suite(() => pgClient(pool));

  type Tx = Parameters<Parameters<PostgresStore['transaction']>[0]>[0];

  /** Opens a store transaction: runs `first`, then waits for `release()`, runs `then` and commits. */
  function openTransaction(store: PostgresStore, first: (tx: Tx) => Promise<void>, then?: (tx: Tx) => Promise<void>) {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let stepped!: () => void;
    const ready = new Promise<void>((resolve) => {
      stepped = resolve;
    });
    const done = store.transaction(async (tx) => {
      await first(tx);
      stepped();
      await gate;
      if (then) await then(tx);
    });
    return { ready, release, done };
  }

  function event(id: string): OutboxEvent {
    return { id, type: 'test.event', at: T, payload: { id } };
  }

  it('never skips an event whose transaction commits late (lower seq still open, a later append waits)', async () => {
    const f = await fixture(() => pgClient(pool));
    try {
      await ingestBatch(f.hub, 0);
      const before = await drain(f, 'c1');
      // A appends (lower seq) and stays open.
      const a = openTransaction(f.store, (tx) => tx.appendOutbox([event('A')]));
      await a.ready;
      // B, a whole Hub ingest, appends after A: its events get higher seqs and it cannot commit before A ends.
      let bDone = false;
      const b = ingestBatch(f.hub, 1).then(() => {
        bDone = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(bDone).toBe(false);
      expect(await drain(f, 'c1')).toEqual([]);

      a.release();
      await a.done;
      await b;
      const events = await allEvents(f.hub);
      const rest = await drain(f, 'c1');
      expect([...before, ...rest].map((e) => e.id)).toEqual(events.map((e) => e.id));
      expect(rest[0]!.id).toBe('A');
      const counts = await effectCounts(f, 'c1');
      expect(counts.get('A')).toBe(1);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await f.cleanup();
    }
  });

  it('never skips an event when the older transaction (lower txid) appends after a younger one', async () => {
    // X gets its txid first but appends last; Y appends first (lower seq) and commits last. Filtering on
    // txid < snapshot xmin alone would show X's event while Y is open, and a checkpoint on X's seq would skip Y's.
    const f = await fixture(() => pgClient(pool));
    try {
      const x = openTransaction(
        f.store,
        (tx) => tx.putOverride({ customerId: 'cus-x', field: 'note', value: 'x', at: T }), // assigns X's txid
        (tx) => tx.appendOutbox([event('X')]),
      );
      await x.ready;
      const y = openTransaction(f.store, (tx) => tx.appendOutbox([event('Y')]));
      await y.ready;
      x.release(); // X appends (higher seq) and commits, or waits for Y
      await new Promise((resolve) => setTimeout(resolve, 300));
      const firstRound = await drain(f, 'c1');
      y.release();
      await y.done;
      await x.done;
      const rest = await drain(f, 'c1');
      expect([...firstRound, ...rest].map((e) => e.id)).toEqual(['Y', 'X']);
      const counts = await effectCounts(f, 'c1');
      expect(Object.fromEntries(counts)).toEqual({ X: 1, Y: 1 });
    } finally {
      await f.cleanup();
    }
  });

  it('never runs two rounds of one consumer at once, and hands each event over once', async () => {
    const f = await fixture(() => pgClient(pool));
    try {
      for (let batch = 1; batch <= 4; batch++) await ingestBatch(f.hub, batch);
      const events = await allEvents(f.hub);
      let active = 0;
      let maxActive = 0;
      const seen: OutboxEvent[] = [];
      const write = effectWriter(f, 'shared', seen);
      const handle: OutboxHandler = async (event, context) => {
        maxActive = Math.max(maxActive, ++active);
        await new Promise((resolve) => setTimeout(resolve, 2));
        await write(event, context);
        active--;
      };
      const worker = async () => {
        while ((await processOutboxOnce(f.store, { consumer: 'shared', handle, batchSize: 3 })) > 0) {}
      };
      await Promise.all([worker(), worker(), worker()]);
      await worker(); // a round that started behind a full one may have stopped early
      expect(maxActive).toBe(1);
      expect(seen.map((e) => e.id)).toEqual(events.map((e) => e.id));
      const counts = await effectCounts(f, 'shared');
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await f.cleanup();
    }
  });
});
