/** Store contract cases: the outbox. */

import { expect } from 'vitest';
import { event, idsOf } from '../fixtures';
import { type AddCase, expectIncreasingSeqs, readWholeOutbox } from './shared';

/** Adds the cases about the outbox to the suite. */
export function outboxCases(add: AddCase): void {
  // ---------------------------------------------------------------- outbox
  add('outbox', 'assigns increasing seq and lists after a position, in order', async (store) => {
    await store.transaction((tx) => tx.appendOutbox([event('e1'), { ...event('e2'), seq: 999 }]));
    await store.transaction((tx) => tx.appendOutbox([event('e3')]));
    const all = await store.transaction((tx) => tx.listOutbox({ limit: 100 }));
    expect(idsOf(all)).toEqual(['e1', 'e2', 'e3']);
    expectIncreasingSeqs(all);
    const seqs = all.map((e) => e.seq!);
    expect(seqs).not.toContain(999);
    expect(all[0]).toEqual({ ...event('e1'), seq: seqs[0] });
    expect(idsOf(await store.transaction((tx) => tx.listOutbox({ limit: 2 })))).toEqual(['e1', 'e2']);
    expect(idsOf(await store.transaction((tx) => tx.listOutbox({ after: seqs[0]!, limit: 100 })))).toEqual([
      'e2',
      'e3',
    ]);
    expect(idsOf(await store.transaction((tx) => tx.listOutbox({ after: seqs[0]!, limit: 1 })))).toEqual(['e2']);
    expect(await store.transaction((tx) => tx.listOutbox({ after: seqs[2]!, limit: 100 }))).toEqual([]);
    await store.transaction((tx) => tx.appendOutbox([]));
    expect(await store.transaction((tx) => tx.listOutbox({ limit: 100 }))).toEqual(all);
  });

  add('outbox', 'keeps event meta (operation, size, origin) as given, and redaction leaves it', async (store) => {
    const meta = { op: 'e1', n: 2, origin: 'sales' };
    await store.transaction((tx) =>
      tx.appendOutbox([
        { ...event('e1'), meta },
        { ...event('e2'), meta },
      ]),
    );
    await store.transaction((tx) => tx.appendOutbox([event('e3')]));
    const all = await store.transaction((tx) => tx.listOutbox({ limit: 100 }));
    expect(all.map((e) => e.meta)).toEqual([meta, meta, undefined]);
    expect(await store.transaction((tx) => tx.redactOutbox(['e1']))).toBe(1);
    const after = await store.transaction((tx) => tx.listOutbox({ limit: 100 }));
    expect(after[0]!.payload).not.toEqual(all[0]!.payload);
    expect(after.map((e) => e.meta)).toEqual([meta, meta, undefined]);
  });

  add('outbox', 'redelivers: listing again from the same checkpoint returns the same events', async (store) => {
    await store.transaction((tx) => tx.appendOutbox([event('e1'), event('e2'), event('e3')]));
    const [first] = await store.transaction((tx) => tx.listOutbox({ limit: 1 }));
    const checkpoint = first!.seq!;
    const once = await store.transaction((tx) => tx.listOutbox({ after: checkpoint, limit: 10 }));
    const twice = await store.transaction((tx) => tx.listOutbox({ after: checkpoint, limit: 10 }));
    expect(idsOf(once)).toEqual(['e2', 'e3']);
    expect(twice).toEqual(once);
    await store.transaction((tx) => tx.appendOutbox([event('e4')]));
    const later = await store.transaction((tx) => tx.listOutbox({ after: checkpoint, limit: 10 }));
    expect(later.slice(0, 2)).toEqual(once);
    expect(idsOf(later)).toEqual(['e2', 'e3', 'e4']);
    expectIncreasingSeqs(later);
  });

  add('outbox', 'pages through many events with a seq cursor, seeing every event exactly once', async (store) => {
    const ids: string[] = [];
    for (let t = 0; t < 12; t++) {
      const batch = Array.from({ length: (t % 4) + 1 }, (_, i) => `e${t}-${i}`);
      ids.push(...batch);
      await store.transaction((tx) => tx.appendOutbox(batch.map((id) => event(id))));
    }
    for (const pageSize of [1, 4, 100]) {
      const all = await readWholeOutbox(store, pageSize);
      expect(idsOf(all)).toEqual(ids);
      expectIncreasingSeqs(all);
    }
  });
}
