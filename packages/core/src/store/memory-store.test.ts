import { describe, expect, it } from 'vitest';
import type { AuditEntry, CustomerGroup, OutboxEvent, StoreTransaction } from '@crmkit/model';
import { createIdGenerator } from '../runtime/ids';
import { createMemoryStore } from './memory-store';

const T1 = '2026-01-01T00:00:00Z';

function event(id: string): OutboxEvent {
  return { id, type: 'customer.updated', at: T1, payload: { id } };
}

function group(id: string): CustomerGroup {
  return {
    id,
    createdAt: T1,
    updatedAt: T1,
    sources: [],
    name: `Group ${id}`,
    managerId: 'usr_1',
    memberIds: [],
    defaultArrangements: [],
  };
}

/** Resolves after other queued work (timers included) has had a chance to run. */
function tick(ms = 5): Promise<void> {
  const { setTimeout } = globalThis as unknown as { setTimeout(fn: () => void, ms: number): unknown };
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('createMemoryStore', () => {
  it('is named memory unless told otherwise', () => {
    expect(createMemoryStore().name).toBe('memory');
    expect(createMemoryStore({ name: 'test-store' }).name).toBe('test-store');
  });

  it('numbers the outbox densely: a rolled-back append does not use up positions', async () => {
    const store = createMemoryStore();
    await store.transaction((tx) => tx.appendOutbox([event('e1'), event('e2')]));
    await expect(
      store.transaction(async (tx) => {
        await tx.appendOutbox([event('lost1'), event('lost2')]);
        throw new Error('x');
      }),
    ).rejects.toThrow('x');
    await store.transaction((tx) => tx.appendOutbox([event('e3')]));
    const seqs = (await store.transaction((tx) => tx.listOutbox({ limit: 10 }))).map((e) => e.seq);
    expect(seqs).toEqual([1, 2, 3]);
  });

  it('refuses an audit seq that exists with CONFLICT, writing nothing of that call even when the caller goes on', async () => {
    const store = createMemoryStore();
    const entry = (seq: number): AuditEntry => ({
      seq,
      at: T1,
      actor: 'user:u1',
      action: 'customer.override',
      target: 'customer:c1',
      changes: [{ field: 'jobTitle', new: `t${seq}` }],
      changesDigest: 'd'.repeat(64),
      prevHash: '0'.repeat(64),
      hash: String(seq).padStart(64, '0'),
    });
    await store.transaction((tx) => tx.appendAudit([entry(1)]));
    await store.transaction(async (tx) => {
      await expect(tx.appendAudit([entry(2), entry(1)])).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(tx.appendAudit([entry(3), entry(3)])).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(tx.appendAudit([{ ...entry(4), seq: 4.5 }])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });
    const log = await store.transaction((tx) => tx.listAudit({ limit: 10 }));
    expect(log).toEqual([entry(1)]);
  });

  it('keeps separate stores separate', async () => {
    const a = createMemoryStore();
    const b = createMemoryStore();
    await a.transaction((tx) => tx.putGroup(group('g1')));
    expect(await b.transaction((tx) => tx.getGroups())).toEqual([]);
  });

  it('serialises transactions: the second starts only after the first has finished', async () => {
    const store = createMemoryStore();
    const events: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = store.transaction(async (tx) => {
      events.push('first:start');
      await tx.putGroup(group('g-serial'));
      await gate;
      events.push('first:end');
    });
    const second = store.transaction(async (tx) => {
      events.push('second:start');
      events.push(`second:sees:${(await tx.getGroups(['g-serial'])).length}`);
    });
    await tick();
    expect(events).toEqual(['first:start']);
    release();
    await Promise.all([first, second]);
    expect(events).toEqual(['first:start', 'first:end', 'second:start', 'second:sees:1']);
  });

  it('applies every one of many concurrent read-modify-write transactions (it never needs CONFLICT)', async () => {
    const store = createMemoryStore();
    await store.transaction((tx) => tx.putGroup({ ...group('g1'), memberIds: [] }));
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.transaction(async (tx) => {
          const [row] = await tx.getGroups(['g1']);
          await tick(i % 3);
          await tx.putGroup({ ...row!, memberIds: [...row!.memberIds, `c${i}`] });
        }),
      ),
    );
    const [row] = await store.transaction((tx) => tx.getGroups(['g1']));
    expect(row!.memberIds).toHaveLength(20);
  });
});

describe('createMemoryStore: frozen values, no copy on the way out', () => {
  it('returns what it keeps deeply frozen, the same object on every read, and a new one after a write', async () => {
    const store = createMemoryStore();
    const input = group('g1');
    input.memberIds.push('c1');
    await store.transaction((tx) => tx.putGroup(input));
    input.memberIds.push('c-mutated');
    const [first] = await store.transaction((tx) => tx.getGroups(['g1']));
    const [second] = await store.transaction((tx) => tx.getGroups());
    expect(first).toEqual({ ...group('g1'), memberIds: ['c1'] });
    expect(second).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first!.memberIds)).toBe(true);
    expect(() => first!.memberIds.push('x')).toThrow(TypeError);
    await store.transaction((tx) => tx.putGroup({ ...first!, name: 'Renamed' }));
    const [third] = await store.transaction((tx) => tx.getGroups(['g1']));
    expect(third).not.toBe(first);
    expect(third!.name).toBe('Renamed');
    expect(first!.name).toBe('Group g1');
  });

  it('hands out fresh arrays: a caller may sort or fill what a list call returned', async () => {
    const store = createMemoryStore();
    await store.transaction((tx) => tx.appendOutbox([event('e1'), event('e2')]));
    const listed = await store.transaction((tx) => tx.listOutbox({ limit: 10 }));
    listed.reverse();
    listed.push(event('e3'));
    expect((await store.transaction((tx) => tx.listOutbox({ limit: 10 }))).map((e) => e.id)).toEqual(['e1', 'e2']);
  });

  it('refuses every method of a transaction that has finished, committed or rolled back', async () => {
    const store = createMemoryStore();
    let kept: StoreTransaction | undefined;
    await store.transaction(async (tx) => {
      kept = tx;
    });
    expect(() => kept!.getGroups()).toThrow('Transaction already finished');
    expect(() => kept!.putGroup(group('g1'))).toThrow('Transaction already finished');
    await expect(
      store.transaction(async (tx) => {
        kept = tx;
        throw new Error('x');
      }),
    ).rejects.toThrow('x');
    expect(() => kept!.appendOutbox([event('e1')])).toThrow('Transaction already finished');
    expect(await store.transaction((tx) => tx.getGroups())).toEqual([]);
  });
});

describe('createIdGenerator', () => {
  const idPattern = /^cus_[0-9a-z]{10}[0-9a-v]{4}[0-9a-z]{8}$/;

  it('formats ids as prefix, time, counter and random part', () => {
    const next = createIdGenerator(() => 1_700_000_000_000);
    const id = next('cus');
    expect(id).toMatch(idPattern);
    expect(next('rec').startsWith('rec_')).toBe(true);
  });

  it('gives unique, strictly increasing ids within one millisecond', () => {
    const next = createIdGenerator(() => 1_700_000_000_000);
    const ids = Array.from({ length: 5000 }, () => next('cus'));
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!, `${ids[i - 1]} < ${ids[i]}`).toBe(true);
  });

  it('gives strictly increasing ids as the clock advances', () => {
    let now = 1_700_000_000_000;
    const next = createIdGenerator(() => now);
    const ids: string[] = [];
    for (let i = 0; i < 2000; i++) {
      if (i % 3 === 0) now += i % 7;
      ids.push(next('cus'));
    }
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
  });

  it('encodes time so later milliseconds sort later, across digit boundaries', () => {
    const times = [0, 1, 31, 32, 1023, 1024, 2 ** 40, 1_700_000_000_000, 1_700_000_000_001, 2 ** 45];
    const ids = times.map((t) => createIdGenerator(() => t)('x'));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids.map((id) => id.slice(0, 12))).size).toBe(times.length);
  });

  it('gives unique, increasing ids with the real clock', () => {
    const next = createIdGenerator();
    const ids = Array.from({ length: 10_000 }, () => next('cus'));
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
  });

  it('gives different ids from independent generators in the same millisecond', () => {
    const a = createIdGenerator(() => 5);
    const b = createIdGenerator(() => 5);
    expect(a('cus')).not.toBe(b('cus'));
  });

  it('stays unique and increasing past the per-millisecond counter (32^4 ids in one millisecond)', () => {
    const next = createIdGenerator(() => 1_700_000_000_000);
    const total = 32 ** 4 + 3;
    let previous = next('c');
    for (let i = 1; i < total; i++) {
      const id = next('c');
      if (!(id > previous)) throw new Error(`id ${i} (${id}) does not sort after ${previous}`);
      previous = id;
    }
    expect(previous).toMatch(/^c_[0-9a-z]{10}[0-9a-v]{4}[0-9a-z]{8}$/);
  });

  it('keeps ids increasing when the clock steps back (e.g. an NTP adjustment)', () => {
    const times = [1_700_000_000_500, 1_700_000_000_501, 1_700_000_000_100, 1_700_000_000_100, 1_700_000_000_600];
    let i = 0;
    const next = createIdGenerator(() => times[i++]!);
    const ids = times.map(() => next('cus'));
    expect(new Set(ids).size).toBe(ids.length);
    for (let k = 1; k < ids.length; k++) expect(ids[k]! > ids[k - 1]!, `id ${k} after id ${k - 1}`).toBe(true);
  });
});
