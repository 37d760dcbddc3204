/** Store contract cases: transactions (commit, rollback, read-only, abort). */

import { expect } from 'vitest';
import { CrmkitError, type AbortSignalLike, type StoreTransaction } from '@crmkit/model';
import { event, group, idsOf, rec, rejectionOf, seed, snapshot, snapshotOf, writes } from '../fixtures';
import { type AddCase, isOrWraps, isOrWrapsA, Rollback, SLOW } from './shared';

/** Adds the cases about transactions (commit, rollback, read-only, abort) to the suite. */
export function transactionCases(add: AddCase): void {
  // ---------------------------------------------------------------- transactions
  for (const writeName of Object.keys(writes)) {
    add('transactions', `rolls back: ${writeName}`, async (store) => {
      await seed(store);
      const before = await snapshot(store);
      const failure = new Error('boom');
      const error = await rejectionOf(
        store.transaction(async (tx) => {
          await writes[writeName]!(tx);
          throw failure;
        }),
      );
      expect(isOrWraps(error, failure), String(error)).toBe(true);
      expect(await snapshot(store)).toEqual(before);
    });
  }

  add(
    'transactions',
    'each write is visible inside its transaction and changes the seeded state (so the rollback tests are meaningful)',
    async (store) => {
      await seed(store);
      for (const [writeName, write] of Object.entries(writes)) {
        const error = await rejectionOf(
          store.transaction(async (tx) => {
            const before = await snapshotOf(tx);
            await write(tx);
            expect(await snapshotOf(tx), writeName).not.toEqual(before);
            throw new Rollback();
          }),
        );
        expect(isOrWrapsA(error, Rollback), String(error)).toBe(true);
      }
    },
    SLOW,
  );

  add('transactions', 'rolls back every kind of write at once, exactly', async (store) => {
    await seed(store);
    const before = await snapshot(store);
    const failure = new Error('late failure');
    const error = await rejectionOf(
      store.transaction(async (tx) => {
        for (const write of Object.values(writes)) await write(tx);
        expect(await tx.getGroups(['g3'])).toHaveLength(1);
        throw failure;
      }),
    );
    expect(isOrWraps(error, failure), String(error)).toBe(true);
    expect(await snapshot(store)).toEqual(before);
  });

  add('transactions', 'makes a committed transaction visible, exactly, to the next', async (store) => {
    await seed(store);
    const inside = await store.transaction(async (tx) => {
      for (const write of Object.values(writes)) await write(tx);
      return snapshotOf(tx);
    });
    expect(await snapshot(store)).toEqual(inside);
    expect(await store.transaction(snapshotOf)).toEqual(inside);
  });

  add('transactions', 'keeps working after a rollback, with outbox seq beyond every committed one', async (store) => {
    await seed(store);
    const committed = await store.transaction((tx) => tx.listOutbox({ limit: 100 }));
    await rejectionOf(
      store.transaction(async (tx) => {
        await tx.appendOutbox([event('lost')]);
        throw new Error('x');
      }),
    );
    await store.transaction((tx) => tx.appendOutbox([event('kept')]));
    const all = await store.transaction((tx) => tx.listOutbox({ limit: 100 }));
    expect(idsOf(all)).toEqual(['e1', 'e2', 'kept']);
    const maxCommitted = Math.max(...committed.map((e) => e.seq!));
    expect(all[2]!.seq!).toBeGreaterThan(maxCommitted);
    expect(idsOf(await store.transaction((tx) => tx.listOutbox({ after: maxCommitted, limit: 10 })))).toEqual(['kept']);
  });

  add('transactions', 'rolls back when the signal is aborted during the transaction', async (store) => {
    await seed(store);
    const before = await snapshot(store);
    const signal: { aborted: boolean; reason?: unknown } = { aborted: false };
    const error = await rejectionOf(
      store.transaction(
        async (tx) => {
          for (const write of Object.values(writes)) await write(tx);
          signal.aborted = true;
          signal.reason = 'user cancelled';
          return 'done';
        },
        { signal },
      ),
    );
    expect(CrmkitError.isInstance(error), String(error)).toBe(true);
    expect((error as CrmkitError).code).toBe('ABORTED');
    expect((error as CrmkitError).cause).toBe('user cancelled');
    expect(await snapshot(store)).toEqual(before);
  });

  add('transactions', 'rolls back when an AbortController aborts before commit', async (store) => {
    const { AbortController: Controller } = globalThis as unknown as {
      AbortController?: new () => { signal: AbortSignalLike; abort(reason?: unknown): void };
    };
    if (!Controller) return;
    await seed(store);
    const before = await snapshot(store);
    const controller = new Controller();
    const error = await rejectionOf(
      store.transaction(
        async (tx) => {
          await writes['insert a record']!(tx);
          await writes['append to the outbox']!(tx);
          controller.abort('stop');
        },
        { signal: controller.signal },
      ),
    );
    expect(CrmkitError.isInstance(error) && error.code === 'ABORTED', String(error)).toBe(true);
    expect(await snapshot(store)).toEqual(before);
  });

  add('transactions', 'does not commit when the signal is already aborted', async (store) => {
    await seed(store);
    const before = await snapshot(store);
    const signal: AbortSignalLike = { aborted: true, reason: 'early' };
    const error = await rejectionOf(
      store.transaction(async (tx) => tx.putRecords([rec('r9', { matchKeys: ['m:r9'] })]), { signal }),
    );
    expect(CrmkitError.isInstance(error) && error.code === 'ABORTED', String(error)).toBe(true);
    expect(await snapshot(store)).toEqual(before);
  });

  add('transactions', 'commits when the signal stays live', async (store) => {
    const signal: AbortSignalLike = { aborted: false };
    await store.transaction((tx) => tx.putGroup(group('g1')), { signal });
    expect(idsOf(await store.transaction((tx) => tx.getGroups()))).toEqual(['g1']);
  });

  add('transactions', 'refuses use of a transaction after it has finished, writing nothing', async (store) => {
    let leaked: StoreTransaction | undefined;
    await store.transaction(async (tx) => {
      leaked = tx;
    });
    let failed = false;
    try {
      await leaked!.putGroup(group('g-late'));
    } catch {
      failed = true;
    }
    expect(await store.transaction((tx) => tx.getGroups()), 'the late write must not be stored').toEqual([]);
    expect(failed, 'the late call must throw or reject').toBe(true);
  });

  add('transactions', 'refuses transactions after close (and close may be called again)', async (store) => {
    await store.close();
    await expect(store.transaction(async () => 1)).rejects.toThrow();
  });
}
