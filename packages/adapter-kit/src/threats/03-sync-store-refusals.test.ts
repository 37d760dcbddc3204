/**
 * Threat 3 (review follow-up): the dead-letter list must hold records whose data the store refuses, and only those.
 * A store refusal carries its SQLSTATE (`StoreError.sqlState`): classes 22 (data exception), 23 (integrity) and 54
 * (program limit) are about the record and set it aside; any other class (a dropped connection, a shutdown) is the
 * database failing and stops the run, which resumes later, with nothing set aside. Refusals a record causes never
 * stop a pass however many records share them; a validation error naming no record does stop it.
 */
import { createHub, createMemoryStore, type Hub } from '@crmkit/core';
import {
  type Adapter,
  type SourceRecordInput,
  type StoredRecord,
  StoreError,
  type SyncBatch,
  ValidationError,
  overrideTransactions,
} from '@crmkit/model';
import { afterEach, describe, expect, it } from 'vitest';
import { createSyncEngine } from '../sync';

const clock = Date.parse('2026-05-01T00:00:00Z');

/** A vendor with people `p1`..`pN`, all in one page. */
function vendor(count: number, name = (i: number) => `Person ${i}`) {
  const records = (): SourceRecordInput[] =>
    Array.from({ length: count }, (_, i) => ({
      type: 'person',
      source: 'vendor',
      externalId: `p${i + 1}`,
      observedAt: new Date(clock).toISOString(),
      data: { givenName: name(i + 1), emails: [`p${i + 1}@example.com`] },
    }));
  return {
    specificationVersion: 'v1',
    id: 'vendor',
    source: 'vendor',
    capabilities: {
      objects: { person: { read: true, incremental: true, write: false, webhooks: false, deletes: false } },
    },
    async *read(): AsyncIterable<SyncBatch> {
      yield { records: records(), checkpoint: 'done' };
    },
  } satisfies Adapter;
}

/**
 * A memory store that refuses, like PostgreSQL, every transaction writing a record `refuse` picks, with a
 * `StoreError` of SQLSTATE `sqlState`. `times` limits how many refusals it gives (a passing fault).
 */
function refusingStore(refuse: (record: StoredRecord) => boolean, sqlState: string, times = Infinity) {
  const counts = { refusals: 0 };
  const store = overrideTransactions(createMemoryStore(), (tx) => ({
    async putRecords(records) {
      if (counts.refusals < times && records.some(refuse)) {
        counts.refusals++;
        throw new StoreError({
          message: `[crmkit/store-postgres] refused (SQLSTATE ${sqlState}); the transaction was rolled back.`,
          sqlState,
        });
      }
      return tx.putRecords(records);
    },
  }));
  return { store, counts };
}

/** Stands for a value PostgreSQL refuses (a NUL, which the Hub's own text policy may refuse first). */
const isBad = (record: StoredRecord) => JSON.stringify(record.data ?? null).includes('Bad');
const isP2 = (record: StoredRecord) => record.externalId === 'p2';

let hub: Hub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

async function liveIds(h: Hub): Promise<string[]> {
  const records = await h.store.transaction(
    (tx) => tx.listRecordsBySource({ source: 'vendor', type: 'person', limit: 1000 }),
    { readOnly: true },
  );
  return records.map((r) => r.externalId).sort();
}

describe('threat 3: the dead-letter list holds only records the store refuses for their data', () => {
  it('stops the run on a dropped connection (SQLSTATE 08006) and sets nothing aside', async () => {
    const { store } = refusingStore(isP2, '08006');
    hub = createHub({ store });
    const sync = createSyncEngine({ hub, adapter: vendor(3), now: () => clock, sleep: async () => {} });
    await expect(sync.run()).rejects.toMatchObject({ code: 'SYNC_FAILED' });
    expect(await sync.deadLetters()).toEqual([]);
    expect((await sync.status()).deadLetters).toBe(0);
  });

  it.each(['57P01', '53100', '57014'])('stops the run on SQLSTATE %s (not the data) too', async (state) => {
    const { store } = refusingStore(() => true, state);
    hub = createHub({ store });
    const sync = createSyncEngine({ hub, adapter: vendor(1), now: () => clock, sleep: async () => {} });
    await expect(sync.run()).rejects.toMatchObject({ code: 'SYNC_FAILED' });
    expect(await sync.deadLetters()).toEqual([]);
  });

  it('sets aside a record the store refuses for its data (SQLSTATE 22P05) and lands the rest', async () => {
    const { store } = refusingStore(isP2, '22P05');
    hub = createHub({ store });
    const sync = createSyncEngine({ hub, adapter: vendor(3), now: () => clock, sleep: async () => {} });
    const report = await sync.run();
    expect(report.deadLettered).toBe(1);
    expect(await sync.deadLetters()).toEqual([expect.objectContaining({ externalId: 'p2', code: 'STORE_FAILED' })]);
    expect(await liveIds(hub)).toEqual(['p1', 'p3']);
  });

  it('tries a record refused alone once more before setting it aside (a passing fault)', async () => {
    // Two refusals: the batch, then p2 alone; the retry of p2 goes in.
    const { store, counts } = refusingStore(isP2, '22P05', 2);
    hub = createHub({ store });
    const sync = createSyncEngine({ hub, adapter: vendor(2), now: () => clock, sleep: async () => {} });
    const report = await sync.run();
    expect(counts.refusals).toBe(2);
    expect(report.deadLettered).toBe(0);
    expect(await sync.deadLetters()).toEqual([]);
    expect(await liveIds(hub)).toEqual(['p1', 'p2']);
  });

  it('sets aside four records the store each refuses with one message (22P05, as for a NUL), and the pass completes', async () => {
    const { store } = refusingStore(isBad, '22P05');
    hub = createHub({ store });
    const sync = createSyncEngine({
      hub,
      adapter: vendor(4, (i) => `Bad ${i}`),
      now: () => clock,
      sleep: async () => {},
    });
    const report = await sync.run();
    expect(report.deadLettered).toBe(4);
    const letters = await sync.deadLetters();
    expect(letters.map((l) => l.externalId).sort()).toEqual(['p1', 'p2', 'p3', 'p4']);
    expect(letters.every((l) => l.code === 'STORE_FAILED')).toBe(true);
    expect((await sync.state())?.mode).toBe('incremental');
  });

  it('stops the run on a validation error that names no record, and sets nothing aside', async () => {
    const inner = createHub();
    hub = inner;
    const failing = {
      store: inner.store,
      ingest: async () => {
        throw new ValidationError({
          message: '[crmkit/core] The "reason" option is longer than 1000 characters.',
          issues: [{ path: ['reason'], pathString: 'reason', message: 'too long', issueCode: 'too_big' }],
        });
      },
    };
    for (const count of [1, 5]) {
      const sync = createSyncEngine({
        hub: failing,
        adapter: vendor(count),
        name: `n${count}`,
        now: () => clock,
        sleep: async () => {},
      });
      await expect(sync.run()).rejects.toMatchObject({ code: 'SYNC_FAILED' });
      expect(await sync.deadLetters()).toEqual([]);
      // The checkpoint did not move on: the next run reads the pass again.
      expect(await sync.state()).toMatchObject({ mode: 'full' });
      expect((await sync.state())?.checkpoint).toBeUndefined();
    }
  });
});
