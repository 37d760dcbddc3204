/** Store contract cases: concurrency (conflicts, serialisation, barriers). */

import { expect } from 'vitest';
import { auditEntry, customer, describeOutcome, event, group, hex64, idsOf, rec, rejectionOf, tick } from '../fixtures';
import {
  type AddCase,
  barrier,
  expectIncreasingSeqs,
  isConflict,
  isOrWrapsA,
  readWholeOutbox,
  Rollback,
  SLOW,
} from './shared';

/** Adds the cases about concurrency (conflicts, serialisation, barriers) to the suite. */
export function concurrencyCases(add: AddCase): void {
  // ---------------------------------------------------------------- concurrency
  add(
    'concurrency',
    'never loses an update: two concurrent read-modify-write transactions give +2, or one fails with CONFLICT',
    async (store) => {
      for (let round = 0; round < 8; round++) {
        const id = `c${round}`;
        await store.transaction((tx) => tx.putCustomers([customer(id, { version: 10 })]));
        const bothHaveRead = barrier(2, 25);
        const results = await Promise.allSettled(
          [0, 1].map((writer) =>
            store.transaction(async (tx) => {
              const [row] = await tx.getCustomers([id]);
              await bothHaveRead();
              await tx.putCustomers([{ ...row!, version: row!.version + 1, displayName: `writer ${writer}` }]);
            }),
          ),
        );
        const outcomes = results.map(describeOutcome).join('; ');
        const fulfilled = results.filter((r) => r.status === 'fulfilled').length;
        for (const result of results) {
          if (result.status === 'rejected') expect(isConflict(result.reason), outcomes).toBe(true);
        }
        expect(fulfilled, outcomes).toBeGreaterThanOrEqual(1);
        const [row] = await store.transaction((tx) => tx.getCustomers([id]));
        expect(row!.version, `round ${round}: ${outcomes}`).toBe(10 + fulfilled);
      }
    },
    SLOW,
  );

  add(
    'concurrency',
    'never loses an update among many concurrent read-modify-write transactions',
    async (store) => {
      await store.transaction((tx) => tx.putCustomers([customer('c1', { version: 1 })]));
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          store.transaction(async (tx) => {
            const [row] = await tx.getCustomers(['c1']);
            await tick(i % 3);
            await tx.putCustomers([{ ...row!, version: row!.version + 1 }]);
          }),
        ),
      );
      const outcomes = results.map(describeOutcome).join('; ');
      for (const result of results) {
        if (result.status === 'rejected') expect(isConflict(result.reason), outcomes).toBe(true);
      }
      const fulfilled = results.filter((r) => r.status === 'fulfilled').length;
      expect(fulfilled, outcomes).toBeGreaterThanOrEqual(1);
      const [row] = await store.transaction((tx) => tx.getCustomers(['c1']));
      expect(row!.version, outcomes).toBe(1 + fulfilled);
    },
    SLOW,
  );

  add(
    'concurrency',
    'gives unique, strictly increasing seq values to many concurrent outbox appends',
    async (store) => {
      const writers = 20;
      const results = await Promise.allSettled(
        Array.from({ length: writers }, (_, w) =>
          store.transaction(async (tx) => {
            await tx.appendOutbox([event(`w${w}-0`), event(`w${w}-1`)]);
            await tick(w % 3);
            await tx.appendOutbox([event(`w${w}-2`)]);
          }),
        ),
      );
      const outcomes = results.map(describeOutcome).join('; ');
      for (const result of results) {
        if (result.status === 'rejected') expect(isConflict(result.reason), outcomes).toBe(true);
      }
      const committed = results.flatMap((r, w) => (r.status === 'fulfilled' ? [w] : []));
      expect(committed.length, outcomes).toBeGreaterThanOrEqual(1);
      const all = await readWholeOutbox(store, 7);
      expectIncreasingSeqs(all);
      expect(new Set(all.map((e) => e.seq)).size).toBe(all.length);
      const expected = committed.flatMap((w) => [`w${w}-0`, `w${w}-1`, `w${w}-2`]);
      expect(idsOf(all).sort()).toEqual(expected.sort());
      // Within one transaction the events keep their order.
      for (const w of committed) {
        const positions = [0, 1, 2].map((i) => idsOf(all).indexOf(`w${w}-${i}`));
        expect(positions, `writer ${w}`).toEqual([...positions].sort((a, b) => a - b));
      }
    },
    SLOW,
  );

  add(
    'concurrency',
    'never commits an event at or below a seq a reader has already seen (no event slips behind a checkpoint)',
    async (store) => {
      for (let round = 0; round < 4; round++) {
        let releaseSlow!: () => void;
        const readerDone = new Promise<void>((resolve) => {
          releaseSlow = resolve;
        });
        // The slow writer appends first and commits last; meanwhile a fast writer commits and a reader checkpoints.
        const slow = store.transaction(async (tx) => {
          await tx.appendOutbox([event(`slow-${round}`)]);
          await Promise.race([readerDone, tick(50)]);
        });
        await tick(2);
        const fast = store.transaction((tx) => tx.appendOutbox([event(`fast-${round}`)]));
        await Promise.race([fast, tick(25)]);
        const seen = await store.transaction((tx) => tx.listOutbox({ limit: 1000 }), { readOnly: true });
        releaseSlow();
        const results = await Promise.allSettled([slow, fast]);
        const outcomes = results.map(describeOutcome).join('; ');
        for (const result of results) {
          if (result.status === 'rejected') expect(isConflict(result.reason), outcomes).toBe(true);
        }
        const checkpoint = Math.max(0, ...seen.map((e) => e.seq!));
        const all = await readWholeOutbox(store);
        const seenIds = new Set(idsOf(seen));
        for (const later of all.filter((e) => !seenIds.has(e.id))) {
          expect(later.seq!, `${later.id} committed after a reader saw seq ${checkpoint}`).toBeGreaterThan(checkpoint);
        }
        // Reading from the checkpoint delivers exactly the events the reader has not seen yet.
        const rest = await store.transaction((tx) => tx.listOutbox({ after: checkpoint, limit: 1000 }));
        expect(idsOf(rest).sort()).toEqual(
          idsOf(all)
            .filter((id) => !seenIds.has(id))
            .sort(),
        );
      }
    },
    SLOW,
  );

  add(
    'concurrency',
    'never lets two concurrent writers extend the audit log from one head: seqs stay unique and contiguous',
    async (store) => {
      let committed = 0;
      for (let round = 0; round < 6; round++) {
        const bothHaveRead = barrier(2, 25);
        const results = await Promise.allSettled(
          [0, 1].map((writer) =>
            store.transaction(async (tx) => {
              const head = await tx.lastAudit();
              await bothHaveRead();
              await tx.appendAudit([
                auditEntry((head?.seq ?? 0) + 1, {
                  target: `customer:w${writer}`,
                  prevHash: head?.hash ?? '0'.repeat(64),
                  hash: hex64(`round ${round} writer ${writer}`),
                }),
              ]);
            }),
          ),
        );
        const outcomes = results.map(describeOutcome).join('; ');
        for (const result of results) {
          if (result.status === 'rejected') expect(isConflict(result.reason), outcomes).toBe(true);
        }
        const fulfilled = results.filter((r) => r.status === 'fulfilled').length;
        expect(fulfilled, outcomes).toBeGreaterThanOrEqual(1);
        committed += fulfilled;
        const log = await store.transaction((tx) => tx.listAudit({ limit: 1000 }));
        expect(
          log.map((e) => e.seq),
          `round ${round}: ${outcomes}`,
        ).toEqual(Array.from({ length: committed }, (_, i) => i + 1));
        // Every entry extends the one before it: no writer appended onto a head that was not the last.
        for (let i = 1; i < log.length; i++) expect(log[i]!.prevHash, `seq ${log[i]!.seq}`).toBe(log[i - 1]!.hash);
      }
    },
    SLOW,
  );

  add('concurrency', 'runs the next transaction after one that failed, without its writes', async (store) => {
    const failing = store.transaction(async (tx) => {
      await tx.putGroup(group('g-failed'));
      await tick();
      throw new Error('fail');
    });
    const next = store.transaction((tx) => tx.getGroups());
    await expect(failing).rejects.toThrow('fail');
    await expect(next).resolves.toEqual([]);
    expect(await store.transaction((tx) => tx.getGroups())).toEqual([]);
  });

  add('concurrency', 'never shows uncommitted writes to a concurrent reader', async (store) => {
    let readerDone!: () => void;
    const gate = new Promise<void>((resolve) => {
      readerDone = resolve;
    });
    const writer = store.transaction(async (tx) => {
      await tx.putCustomers([customer('c-dirty', { lookupKeys: ['name:dirty'] })]);
      await tx.putRecords([rec('dirty', { matchKeys: ['m:dirty'] })]);
      await tx.appendOutbox([event('e-dirty')]);
      await Promise.race([gate, tick(50)]);
      throw new Rollback();
    });
    // Handled from the start: on a slow machine the writer gives up waiting and rejects before the reader is done.
    const writerFailed = rejectionOf(writer);
    await tick(2);
    const seen = await store.transaction(
      async (tx) => ({
        customers: await tx.findCustomersByLookupKeys(['name:dirty'], 10),
        records: await tx.findRecordsByMatchKeys(['m:dirty']),
        outbox: await tx.listOutbox({ limit: 10 }),
      }),
      { readOnly: true },
    );
    readerDone();
    const writerError = await writerFailed;
    expect(isOrWrapsA(writerError, Rollback), String(writerError)).toBe(true);
    expect(seen).toEqual({ customers: [], records: [], outbox: [] });
  });
}
