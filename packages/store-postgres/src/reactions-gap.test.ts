import { PGlite } from '@electric-sql/pglite';
import { type Clock, createHub, REACTION_CHECKPOINT_KIND } from '@crmkit/core';
import type { SourceRecordInput } from '@crmkit/model';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { pgClient, pgliteClient, type SqlClient } from './client';
import { createPostgresStore } from './store';

/**
 * Outbox consumers (decision 011) across a permanent gap in the outbox: a transaction that appended an event and
 * rolled back consumed a `seq`. The consumer delivers what comes after it at once (through its inbox), keeps its
 * checkpoint below the gap for the grace period (a slow transaction could still commit there on a store without
 * ordered visibility), then passes it. Every event is delivered once, in order.
 */
const url = process.env.DATABASE_URL;
const T = '2026-01-01T00:00:00Z';

function people(batch: string): SourceRecordInput[] {
  return [0, 1].map((i) => ({
    type: 'person' as const,
    source: 'gap',
    externalId: `${batch}-${i}`,
    observedAt: T,
    data: { fullName: `Gap ${batch} ${i}`, emails: [`${batch}-${i}@example.com`] },
  }));
}

function manualClock(): Clock & { advance(ms: number): void } {
  let now = Date.parse(T);
  return {
    now: () => now,
    setTimeout: () => 0,
    clearTimeout: () => {},
    advance(ms) {
      now += ms;
    },
  };
}

async function scenario(client: SqlClient): Promise<void> {
  const schema = `t_gap_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const store = createPostgresStore({ client, schema });
  await store.ready();
  const clock = manualClock();
  const hub = createHub({ store, clock, reactions: { gapGraceMs: 500 } });
  const got: { id: string; seq: number }[] = [];
  hub.subscribe('copy', (event) => {
    got.push({ id: event.id, seq: event.seq });
  });
  const checkpoint = async () => {
    const [doc] = await store.transaction((tx) => tx.getDocuments(REACTION_CHECKPOINT_KIND, ['listener:copy']));
    return doc?.data as { seq: number; done: number[]; gap?: { seq: number } };
  };
  try {
    await hub.ingest(people('a'));
    const rolledBack = await store
      .transaction(async (tx) => {
        await tx.appendOutbox([{ id: 'ghost', type: 'customer.deleted', at: T, payload: {} }]);
        throw new Error('rolled back on purpose');
      })
      .catch((error: unknown) => error);
    expect(String(rolledBack)).toContain('rolled back on purpose');
    await hub.ingest(people('b'));
    await hub.ingest(people('c'));
    const outbox = await hub.outbox({ limit: 1000 });
    const seqs = outbox.map((e) => e.seq!);
    const firstB = outbox.findIndex((e) => e.meta?.op !== outbox[0]!.meta?.op);
    expect(seqs[firstB]! - seqs[firstB - 1]!, 'the rolled-back append left a hole').toBeGreaterThan(1);
    // Delivered at once, though the checkpoint waits below the hole.
    expect(got.map((e) => e.id)).toEqual(outbox.map((e) => e.id));
    const held = await checkpoint();
    expect(held.seq).toBeLessThan(seqs[firstB]!);
    expect(held.done).toEqual(seqs.slice(firstB));
    expect(held.gap?.seq).toBe(seqs[firstB - 1]! + 1);

    clock.advance(600);
    await hub.idle();
    expect(await checkpoint()).toMatchObject({ seq: seqs.at(-1), done: [] });
    expect(got.map((e) => e.id)).toEqual(outbox.map((e) => e.id)); // nothing twice
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS ${store.schema} CASCADE`);
    await hub.close();
  }
}

describe('an outbox consumer across a rolled-back append', () => {
  it('on PGlite', async () => {
    const db = new PGlite();
    await db.waitReady;
    await scenario(pgliteClient(db, { ownsDatabase: true }));
  }, 120_000);

  it.skipIf(!url)(
    `on PostgreSQL${url ? '' : ' (skipped: set DATABASE_URL to run it)'}`,
    async () => {
      const pool = new pg.Pool({ connectionString: url, max: 4 });
      await scenario(pgClient(pool, { ownsPool: true }));
    },
    120_000,
  );
});
