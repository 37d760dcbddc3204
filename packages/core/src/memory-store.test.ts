import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AbortedError,
  type AbortSignalLike,
  type CustomerGroup,
  type CustomerRow,
  type CustomerStatus,
  type FieldOverride,
  type JournalEntry,
  type MergeLink,
  type OutboxEvent,
  type RecordType,
  type Store,
  type StoredRecord,
  type StoreTransaction,
} from '@crmkit/model';
import { createIdGenerator } from './ids';
import { createMemoryStore } from './memory-store';

const T1 = '2026-01-01T00:00:00Z';
const T2 = '2026-02-01T00:00:00Z';

/** Every key, id and index value the fixtures used, so a snapshot can read the whole store through its interface. */
const universe = {
  recordKeys: new Set<string>(),
  matchKeys: new Set<string>(),
  refKeys: new Set<string>(),
  customerIds: new Set<string>(),
  lookupKeys: new Set<string>(),
  linkIds: new Set<string>(),
  groupIds: new Set<string>(),
};

function rec(externalId: string, options: Partial<Omit<StoredRecord, 'key' | 'externalId'>> = {}): StoredRecord {
  const type: RecordType = options.type ?? 'person';
  const source = options.source ?? 'crm';
  const record: StoredRecord = {
    key: `${source}/${type}/${externalId}`,
    type,
    source,
    externalId,
    observedAt: T1,
    deleted: false,
    data: { givenName: externalId, emails: [{ value: `${externalId}@example.com` }] },
    contentHash: `hash-${externalId}`,
    matchKeys: [],
    refKeys: [],
    customerId: null,
    homeId: null,
    version: 1,
    ingestedAt: T1,
    ...options,
  };
  if (record.deleted && options.data === undefined) record.data = null;
  universe.recordKeys.add(record.key);
  for (const k of record.matchKeys) universe.matchKeys.add(k);
  for (const k of record.refKeys) universe.refKeys.add(k);
  if (record.customerId) universe.customerIds.add(record.customerId);
  if (record.homeId) universe.customerIds.add(record.homeId);
  return record;
}

function customer(id: string, options: Partial<Omit<CustomerRow, 'id'>> = {}): CustomerRow {
  const row: CustomerRow = {
    id,
    kind: 'person',
    status: 'active',
    displayName: `Customer ${id}`,
    createdAt: T1,
    updatedAt: T1,
    version: 1,
    golden: { kind: 'person', fields: {}, contactPoints: [], sources: [] },
    lookupKeys: [],
    ...options,
  };
  universe.customerIds.add(id);
  for (const k of row.lookupKeys) universe.lookupKeys.add(k);
  return row;
}

function link(id: string, a: string, b: string, extra: Partial<MergeLink> = {}): MergeLink {
  universe.linkIds.add(id);
  universe.customerIds.add(a);
  universe.customerIds.add(b);
  return { id, a, b, createdAt: T1, ...extra };
}

function override(customerId: string, field: string, value: FieldOverride['value']): FieldOverride {
  universe.customerIds.add(customerId);
  return { customerId, field, value, at: T1, actor: 'usr_1' };
}

function journalEntry(id: string, customerIds: string[]): JournalEntry {
  for (const c of customerIds) universe.customerIds.add(c);
  return { id, at: T1, kind: 'merge', customerIds, data: { note: id } };
}

function event(id: string, payload: OutboxEvent['payload'] = { id }): OutboxEvent {
  return { id, type: 'customer.updated', at: T1, payload };
}

function group(id: string, options: Partial<Omit<CustomerGroup, 'id'>> = {}): CustomerGroup {
  universe.groupIds.add(id);
  return {
    id,
    createdAt: T1,
    updatedAt: T1,
    sources: [],
    name: `Group ${id}`,
    managerId: 'usr_1',
    memberIds: [],
    defaultArrangements: [],
    ...options,
  };
}

const keysOf = (records: readonly StoredRecord[]): string[] => records.map((r) => r.key).sort();
const idsOf = (rows: readonly { id: string }[]): string[] => rows.map((r) => r.id);

/** Per-key lookups, leaving out keys with no result so a growing universe does not change the snapshot. */
async function perKey<T>(keys: Iterable<string>, read: (key: string) => Promise<T[]>, map: (items: T[]) => unknown) {
  const out: Record<string, unknown> = {};
  for (const key of [...keys].sort()) {
    const items = await read(key);
    if (items.length > 0) out[key] = map(items);
  }
  return out;
}

/** Everything observable through the Store interface, for the keys the fixtures have used. */
async function snapshot(store: Store) {
  return store.transaction(
    async (tx) => {
      const statuses: CustomerStatus[] = ['active', 'merged', 'deleted'];
      const linkById: Record<string, MergeLink> = {};
      for (const id of [...universe.linkIds].sort()) {
        const found = await tx.getMergeLink(id);
        if (found) linkById[id] = found;
      }
      const journalByCustomer = await perKey(
        universe.customerIds,
        (id) => tx.listJournal({ customerId: id, limit: 1000 }),
        (entries) => entries,
      );
      return {
        records: [...(await tx.getRecords([...universe.recordKeys]))].sort((a, b) => (a.key < b.key ? -1 : 1)),
        byMatchKey: await perKey(universe.matchKeys, (k) => tx.findRecordsByMatchKeys([k]), keysOf),
        byRefKey: await perKey(universe.refKeys, (k) => tx.findRecordsByRefKeys([k]), keysOf),
        byCustomer: await perKey(universe.customerIds, (id) => tx.listRecordsByCustomer([id]), keysOf),
        customers: await tx.listCustomers({ limit: 10_000 }),
        customersByStatus: Object.fromEntries(
          await Promise.all(
            statuses.map(async (s) => [s, idsOf(await tx.listCustomers({ limit: 10_000, status: s }))]),
          ),
        ),
        byLookupKey: await perKey(universe.lookupKeys, (k) => tx.findCustomersByLookupKeys([k], 1000), idsOf),
        links: linkById,
        linksByHome: await perKey(universe.customerIds, (id) => tx.listMergeLinks([id]), idsOf),
        overrides: await tx.getOverrides([...universe.customerIds]),
        journal: await tx.listJournal({ limit: 10_000 }),
        journalByCustomer,
        outbox: await tx.listOutbox({ limit: 10_000 }),
        groups: await tx.getGroups(),
      };
    },
    { readOnly: true },
  );
}

/** Resolves after other queued work (timers included) has had a chance to run. */
function tick(ms = 5): Promise<void> {
  const { setTimeout } = globalThis as unknown as { setTimeout(fn: () => void, ms: number): unknown };
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

/** Seeds a store with one of everything. */
async function seed(store: Store): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.putRecords([
      rec('r1', { matchKeys: ['person:email:r1@example.com'], refKeys: ['rec:x'], customerId: 'c1', homeId: 'c1' }),
      rec('r2', { deleted: true, matchKeys: ['person:email:r2@example.com'], customerId: 'c1' }),
      rec('i1', {
        type: 'interaction',
        refKeys: ['rec:crm/person/r1', 'email:r1@example.com'],
        customerId: null,
        data: {
          channel: 'email',
          direction: 'inbound',
          participants: [{ ref: { email: 'r1@example.com' }, role: 'from' }],
          occurredAt: T1,
          activity: { kind: 'note' },
        },
      }),
    ]);
    await tx.putCustomers([
      customer('c1', { lookupKeys: ['email:r1@example.com', 'name:ada'] }),
      customer('c2', { status: 'merged', mergedInto: 'c1', lookupKeys: ['name:ada', 'name:bob'] }),
    ]);
    await tx.putMergeLink(link('l1', 'c1', 'c2', { actor: 'usr_1', reason: 'same person' }));
    await tx.putOverride(override('c1', 'jobTitle', 'CTO'));
    await tx.putOverride(override('c1', 'attributes.vip', true));
    await tx.appendJournal([journalEntry('j1', ['c1', 'c2'])]);
    await tx.appendOutbox([event('e1'), event('e2')]);
    await tx.putGroup(group('g1', { memberIds: ['c1'] }));
    await tx.putGroup(group('g2'));
  });
}

/** One of every kind of write, each changing seeded state. */
const writes: Record<string, (tx: StoreTransaction) => Promise<void>> = {
  'insert a record': (tx) =>
    tx.putRecords([rec('r3', { matchKeys: ['person:email:new@example.com'], refKeys: ['rec:y'], customerId: 'c3' })]),
  'replace a record with other index keys': (tx) =>
    tx.putRecords([
      rec('r1', { matchKeys: ['person:phone:+31612345678'], refKeys: ['rec:z'], customerId: 'c9', version: 2 }),
    ]),
  'replace a record twice': async (tx) => {
    await tx.putRecords([rec('r1', { matchKeys: ['m:a'], customerId: 'c7' })]);
    await tx.putRecords([rec('r1', { matchKeys: ['m:b'], customerId: 'c8' })]);
  },
  'turn a record into a tombstone': (tx) => tx.putRecords([rec('r1', { deleted: true, customerId: 'c1' })]),
  'revive a tombstone': (tx) =>
    tx.putRecords([rec('r2', { matchKeys: ['person:email:r2@example.com'], customerId: 'c1' })]),
  'insert a customer': (tx) => tx.putCustomers([customer('c3', { lookupKeys: ['name:ada', 'name:cyd'] })]),
  'merge away a customer': (tx) =>
    tx.putCustomers([customer('c1', { status: 'merged', mergedInto: 'c2', lookupKeys: ['name:eve'], version: 2 })]),
  'reactivate a merged customer': (tx) => tx.putCustomers([customer('c2', { lookupKeys: ['name:bob'] })]),
  'insert a merge link': (tx) => tx.putMergeLink(link('l2', 'c3', 'c4')),
  'replace a merge link': (tx) => tx.putMergeLink(link('l1', 'c5', 'c6')),
  'delete a merge link': (tx) => tx.deleteMergeLink('l1'),
  'insert an override': (tx) => tx.putOverride(override('c2', 'jobTitle', 'CEO')),
  'replace an override': (tx) => tx.putOverride(override('c1', 'jobTitle', 'CFO')),
  'delete an override': (tx) => tx.deleteOverride('c1', 'jobTitle'),
  'append to the journal': (tx) => tx.appendJournal([journalEntry('j2', ['c1']), journalEntry('j3', ['c3'])]),
  'append to the outbox': (tx) => tx.appendOutbox([event('e3'), event('e4')]),
  'insert a group': (tx) => tx.putGroup(group('g3')),
  'replace a group': (tx) => tx.putGroup(group('g1', { name: 'Renamed', memberIds: ['c1', 'c2'] })),
  'delete a group': (tx) => tx.deleteGroup('g2'),
};

function describeStoreContract(name: string, makeStore: () => Store | Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await makeStore();
    });

    afterEach(async () => {
      await store.close();
    });

    it('declares specification version v1 and a name', () => {
      expect(store.specificationVersion).toBe('v1');
      expect(typeof store.name).toBe('string');
      expect(store.name.length).toBeGreaterThan(0);
    });

    it('returns the value of the transaction function', async () => {
      await expect(store.transaction(async () => 42)).resolves.toBe(42);
    });

    describe('records', () => {
      it('puts and gets records, skipping unknown keys', async () => {
        const a = rec('a1');
        const b = rec('b1', { type: 'organization', data: { name: 'Acme' } });
        await store.transaction((tx) => tx.putRecords([a, b]));
        const got = await store.transaction((tx) => tx.getRecords([b.key, 'nope/person/x', a.key]));
        // Sorted by key: crm/organization/... before crm/person/...
        expect(got.sort((x, y) => (x.key < y.key ? -1 : 1))).toEqual([b, a]);
        expect(await store.transaction((tx) => tx.getRecords([]))).toEqual([]);
      });

      it('replaces a record by key', async () => {
        await store.transaction((tx) => tx.putRecords([rec('a1')]));
        const next = rec('a1', { version: 2, observedAt: T2, data: { givenName: 'New' } });
        await store.transaction((tx) => tx.putRecords([next]));
        expect(await store.transaction((tx) => tx.getRecords([next.key]))).toEqual([next]);
      });

      it('keeps tombstones readable by key', async () => {
        const dead = rec('d1', { deleted: true, matchKeys: ['m:dead'] });
        await store.transaction((tx) => tx.putRecords([dead]));
        expect(await store.transaction((tx) => tx.getRecords([dead.key]))).toEqual([dead]);
      });

      it('finds live records by match key, once each', async () => {
        await store.transaction((tx) =>
          tx.putRecords([
            rec('a1', { matchKeys: ['m:1', 'm:2'] }),
            rec('a2', { matchKeys: ['m:2'] }),
            rec('a3', { matchKeys: ['m:3'] }),
          ]),
        );
        const found = await store.transaction((tx) => tx.findRecordsByMatchKeys(['m:1', 'm:2', 'm:missing']));
        expect(keysOf(found)).toEqual(['crm/person/a1', 'crm/person/a2']);
        expect(found).toHaveLength(2);
        expect(keysOf(await store.transaction((tx) => tx.findRecordsByMatchKeys(['m:3'])))).toEqual(['crm/person/a3']);
        expect(await store.transaction((tx) => tx.findRecordsByMatchKeys([]))).toEqual([]);
      });

      it('finds live records by ref key, optionally of one type', async () => {
        const interaction = rec('i1', { type: 'interaction', refKeys: ['rec:p1'], data: null });
        const opportunity = rec('o1', { type: 'opportunity', refKeys: ['rec:p1', 'rec:p2'], data: null });
        await store.transaction((tx) => tx.putRecords([interaction, opportunity, rec('p9', { refKeys: ['rec:p2'] })]));
        const all = await store.transaction((tx) => tx.findRecordsByRefKeys(['rec:p1', 'rec:p2']));
        expect(keysOf(all)).toEqual(['crm/interaction/i1', 'crm/opportunity/o1', 'crm/person/p9']);
        const onlyInteractions = await store.transaction((tx) =>
          tx.findRecordsByRefKeys(['rec:p1', 'rec:p2'], 'interaction'),
        );
        expect(onlyInteractions).toEqual([interaction]);
        const onlyOpportunities = await store.transaction((tx) => tx.findRecordsByRefKeys(['rec:p2'], 'opportunity'));
        expect(keysOf(onlyOpportunities)).toEqual(['crm/opportunity/o1']);
        expect(await store.transaction((tx) => tx.findRecordsByRefKeys(['rec:p1'], 'person'))).toEqual([]);
      });

      it('lists live records by customer', async () => {
        await store.transaction((tx) =>
          tx.putRecords([
            rec('a1', { customerId: 'c1' }),
            rec('a2', { customerId: 'c2' }),
            rec('a3', { customerId: 'c1' }),
            rec('a4', { customerId: null }),
          ]),
        );
        const list = await store.transaction((tx) => tx.listRecordsByCustomer(['c1']));
        expect(keysOf(list)).toEqual(['crm/person/a1', 'crm/person/a3']);
        const both = await store.transaction((tx) => tx.listRecordsByCustomer(['c1', 'c2', 'c1']));
        expect(keysOf(both)).toEqual(['crm/person/a1', 'crm/person/a2', 'crm/person/a3']);
      });

      it('leaves tombstones out of every index', async () => {
        await store.transaction((tx) =>
          tx.putRecords([rec('d1', { deleted: true, matchKeys: ['m:d'], refKeys: ['rec:d'], customerId: 'cd' })]),
        );
        await store.transaction(async (tx) => {
          expect(await tx.findRecordsByMatchKeys(['m:d'])).toEqual([]);
          expect(await tx.findRecordsByRefKeys(['rec:d'])).toEqual([]);
          expect(await tx.listRecordsByCustomer(['cd'])).toEqual([]);
        });
      });

      it('removes a record from the indexes when it becomes a tombstone, and restores it when revived', async () => {
        const live = rec('a1', { matchKeys: ['m:a'], refKeys: ['rec:a'], customerId: 'ca' });
        await store.transaction((tx) => tx.putRecords([live]));
        await store.transaction((tx) =>
          tx.putRecords([rec('a1', { deleted: true, matchKeys: ['m:a'], refKeys: ['rec:a'], customerId: 'ca' })]),
        );
        await store.transaction(async (tx) => {
          expect(await tx.findRecordsByMatchKeys(['m:a'])).toEqual([]);
          expect(await tx.findRecordsByRefKeys(['rec:a'])).toEqual([]);
          expect(await tx.listRecordsByCustomer(['ca'])).toEqual([]);
        });
        await store.transaction((tx) => tx.putRecords([live]));
        await store.transaction(async (tx) => {
          expect(await tx.findRecordsByMatchKeys(['m:a'])).toEqual([live]);
          expect(await tx.findRecordsByRefKeys(['rec:a'])).toEqual([live]);
          expect(await tx.listRecordsByCustomer(['ca'])).toEqual([live]);
        });
      });

      it('moves index entries when a record is replaced', async () => {
        await store.transaction((tx) =>
          tx.putRecords([rec('a1', { matchKeys: ['m:old', 'm:kept'], refKeys: ['rec:old'], customerId: 'c-old' })]),
        );
        const next = rec('a1', {
          matchKeys: ['m:kept', 'm:new'],
          refKeys: ['rec:new'],
          customerId: 'c-new',
          version: 2,
        });
        await store.transaction((tx) => tx.putRecords([next]));
        await store.transaction(async (tx) => {
          expect(await tx.findRecordsByMatchKeys(['m:old'])).toEqual([]);
          expect(await tx.findRecordsByMatchKeys(['m:kept'])).toEqual([next]);
          expect(await tx.findRecordsByMatchKeys(['m:new'])).toEqual([next]);
          expect(await tx.findRecordsByRefKeys(['rec:old'])).toEqual([]);
          expect(await tx.findRecordsByRefKeys(['rec:new'])).toEqual([next]);
          expect(await tx.listRecordsByCustomer(['c-old'])).toEqual([]);
          expect(await tx.listRecordsByCustomer(['c-new'])).toEqual([next]);
        });
      });

      it('sees its own writes inside a transaction', async () => {
        await store.transaction(async (tx) => {
          const a = rec('a1', { matchKeys: ['m:own'], customerId: 'c-own' });
          await tx.putRecords([a]);
          expect(await tx.getRecords([a.key])).toEqual([a]);
          expect(await tx.findRecordsByMatchKeys(['m:own'])).toEqual([a]);
          expect(await tx.listRecordsByCustomer(['c-own'])).toEqual([a]);
        });
      });
    });

    describe('customers', () => {
      it('puts and gets customers, skipping unknown ids', async () => {
        const c1 = customer('c1', { lookupKeys: ['name:ada'] });
        const c2 = customer('c2', { status: 'merged', mergedInto: 'c1' });
        await store.transaction((tx) => tx.putCustomers([c1, c2]));
        const got = await store.transaction((tx) => tx.getCustomers(['c2', 'missing', 'c1']));
        expect([...got].sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual([c1, c2]);
      });

      it('finds only active customers by lookup key, ordered by id, once each, up to the limit', async () => {
        await store.transaction((tx) =>
          tx.putCustomers([
            customer('c3', { lookupKeys: ['name:ada', 'email:ada@example.com'] }),
            customer('c1', { lookupKeys: ['name:ada'] }),
            customer('c2', { status: 'merged', mergedInto: 'c1', lookupKeys: ['name:ada'] }),
            customer('c4', { status: 'deleted', lookupKeys: ['name:ada'] }),
            customer('c5', { lookupKeys: ['email:ada@example.com'] }),
          ]),
        );
        await store.transaction(async (tx) => {
          expect(idsOf(await tx.findCustomersByLookupKeys(['name:ada'], 10))).toEqual(['c1', 'c3']);
          expect(idsOf(await tx.findCustomersByLookupKeys(['name:ada', 'email:ada@example.com'], 10))).toEqual([
            'c1',
            'c3',
            'c5',
          ]);
          expect(idsOf(await tx.findCustomersByLookupKeys(['name:ada', 'email:ada@example.com'], 2))).toEqual([
            'c1',
            'c3',
          ]);
          expect(await tx.findCustomersByLookupKeys(['name:nobody'], 10)).toEqual([]);
        });
      });

      it('updates the lookup index when a customer changes status or keys', async () => {
        await store.transaction((tx) => tx.putCustomers([customer('c1', { lookupKeys: ['name:ada', 'name:old'] })]));
        await store.transaction((tx) => tx.putCustomers([customer('c1', { lookupKeys: ['name:ada', 'name:new'] })]));
        await store.transaction(async (tx) => {
          expect(await tx.findCustomersByLookupKeys(['name:old'], 10)).toEqual([]);
          expect(idsOf(await tx.findCustomersByLookupKeys(['name:new'], 10))).toEqual(['c1']);
        });
        await store.transaction((tx) =>
          tx.putCustomers([customer('c1', { status: 'merged', mergedInto: 'c2', lookupKeys: ['name:ada'] })]),
        );
        expect(await store.transaction((tx) => tx.findCustomersByLookupKeys(['name:ada', 'name:new'], 10))).toEqual([]);
        const revived = customer('c1', { lookupKeys: ['name:ada'] });
        await store.transaction((tx) => tx.putCustomers([revived]));
        expect(await store.transaction((tx) => tx.findCustomersByLookupKeys(['name:ada'], 10))).toEqual([revived]);
      });

      it('lists customers ordered by id with after, limit and status', async () => {
        const ids = ['cus_05', 'cus_01', 'cus_10', 'cus_03', 'cus_07', 'cus_02'];
        await store.transaction((tx) =>
          tx.putCustomers(ids.map((id, i) => customer(id, { status: i % 3 === 2 ? 'merged' : 'active' }))),
        );
        await store.transaction(async (tx) => {
          expect(idsOf(await tx.listCustomers({ limit: 100 }))).toEqual([
            'cus_01',
            'cus_02',
            'cus_03',
            'cus_05',
            'cus_07',
            'cus_10',
          ]);
          expect(idsOf(await tx.listCustomers({ limit: 2 }))).toEqual(['cus_01', 'cus_02']);
          expect(idsOf(await tx.listCustomers({ limit: 2, after: 'cus_02' }))).toEqual(['cus_03', 'cus_05']);
          expect(idsOf(await tx.listCustomers({ limit: 100, after: 'cus_04' }))).toEqual([
            'cus_05',
            'cus_07',
            'cus_10',
          ]);
          expect(idsOf(await tx.listCustomers({ limit: 100, after: 'cus_10' }))).toEqual([]);
          expect(idsOf(await tx.listCustomers({ limit: 100, status: 'merged' }))).toEqual(['cus_02', 'cus_10']);
          expect(idsOf(await tx.listCustomers({ limit: 1, status: 'active', after: 'cus_01' }))).toEqual(['cus_03']);
          expect(idsOf(await tx.listCustomers({ limit: 100, status: 'active', after: 'cus_03' }))).toEqual([
            'cus_05',
            'cus_07',
          ]);
          expect(await tx.listCustomers({ limit: 100, status: 'deleted' })).toEqual([]);
        });
      });

      it('pages through every customer exactly once', async () => {
        const ids = Array.from({ length: 23 }, (_, i) => `c${String((i * 7) % 23).padStart(2, '0')}`);
        await store.transaction((tx) => tx.putCustomers(ids.map((id) => customer(id))));
        const seen: string[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await store.transaction((tx) => tx.listCustomers({ limit: 5, ...(after ? { after } : {}) }));
          if (page.length === 0) break;
          seen.push(...idsOf(page));
          after = page[page.length - 1]!.id;
        }
        expect(seen).toEqual([...ids].sort());
      });
    });

    describe('merge links', () => {
      it('puts, gets, lists by either home id, and deletes links', async () => {
        const l1 = link('l1', 'h1', 'h2', { actor: 'usr_1', reason: 'same' });
        const l2 = link('l2', 'h2', 'h3');
        const l3 = link('l3', 'h4', 'h5');
        await store.transaction(async (tx) => {
          await tx.putMergeLink(l1);
          await tx.putMergeLink(l2);
          await tx.putMergeLink(l3);
        });
        await store.transaction(async (tx) => {
          expect(await tx.getMergeLink('l1')).toEqual(l1);
          expect(await tx.getMergeLink('missing')).toBeUndefined();
          expect(idsOf(await tx.listMergeLinks(['h1']))).toEqual(['l1']);
          expect(idsOf(await tx.listMergeLinks(['h2'])).sort()).toEqual(['l1', 'l2']);
          expect(idsOf(await tx.listMergeLinks(['h3']))).toEqual(['l2']);
          expect(idsOf(await tx.listMergeLinks(['h1', 'h2', 'h3'])).sort()).toEqual(['l1', 'l2']);
          expect(await tx.listMergeLinks(['h9'])).toEqual([]);
        });
        await store.transaction((tx) => tx.deleteMergeLink('l1'));
        await store.transaction(async (tx) => {
          expect(await tx.getMergeLink('l1')).toBeUndefined();
          expect(await tx.listMergeLinks(['h1'])).toEqual([]);
          expect(idsOf(await tx.listMergeLinks(['h2']))).toEqual(['l2']);
          await tx.deleteMergeLink('never-existed');
        });
      });

      it('moves a replaced link in the home index', async () => {
        await store.transaction((tx) => tx.putMergeLink(link('l1', 'h1', 'h2')));
        const moved = link('l1', 'h3', 'h1');
        await store.transaction((tx) => tx.putMergeLink(moved));
        await store.transaction(async (tx) => {
          expect(await tx.listMergeLinks(['h2'])).toEqual([]);
          expect(await tx.listMergeLinks(['h1'])).toEqual([moved]);
          expect(await tx.listMergeLinks(['h3'])).toEqual([moved]);
        });
      });
    });

    describe('overrides', () => {
      it('puts, replaces, gets by customer and deletes overrides', async () => {
        await store.transaction(async (tx) => {
          await tx.putOverride(override('c1', 'jobTitle', 'CTO'));
          await tx.putOverride(override('c1', 'givenName', 'Ada'));
          await tx.putOverride(override('c2', 'jobTitle', 'CEO'));
          await tx.putOverride(override('c1', 'jobTitle', 'CFO'));
        });
        await store.transaction(async (tx) => {
          const c1 = await tx.getOverrides(['c1']);
          expect(c1.map((o) => [o.field, o.value]).sort()).toEqual([
            ['givenName', 'Ada'],
            ['jobTitle', 'CFO'],
          ]);
          expect(await tx.getOverrides(['c2'])).toEqual([override('c2', 'jobTitle', 'CEO')]);
          expect(await tx.getOverrides(['c1', 'c2'])).toHaveLength(3);
          expect(await tx.getOverrides(['c3'])).toEqual([]);
        });
        await store.transaction((tx) => tx.deleteOverride('c1', 'jobTitle'));
        await store.transaction(async (tx) => {
          expect((await tx.getOverrides(['c1'])).map((o) => o.field)).toEqual(['givenName']);
          expect(await tx.getOverrides(['c2'])).toHaveLength(1);
          await tx.deleteOverride('c1', 'nothing');
        });
      });

      it('keeps JSON override values intact', async () => {
        const value = { tags: ['a', 'b'], nested: { n: 1, z: null } };
        await store.transaction((tx) => tx.putOverride(override('c1', 'attributes.x', value)));
        const [got] = await store.transaction((tx) => tx.getOverrides(['c1']));
        expect(got?.value).toEqual(value);
      });
    });

    describe('journal', () => {
      it('lists entries oldest first, filtered by customer, up to the limit', async () => {
        await store.transaction((tx) =>
          tx.appendJournal([journalEntry('j1', ['c1', 'c2']), journalEntry('j2', ['c2'])]),
        );
        await store.transaction((tx) => tx.appendJournal([journalEntry('j3', ['c1'])]));
        await store.transaction(async (tx) => {
          expect(idsOf(await tx.listJournal({ limit: 100 }))).toEqual(['j1', 'j2', 'j3']);
          expect(idsOf(await tx.listJournal({ limit: 2 }))).toEqual(['j1', 'j2']);
          expect(idsOf(await tx.listJournal({ customerId: 'c1', limit: 100 }))).toEqual(['j1', 'j3']);
          expect(idsOf(await tx.listJournal({ customerId: 'c2', limit: 1 }))).toEqual(['j1']);
          expect(await tx.listJournal({ customerId: 'c9', limit: 100 })).toEqual([]);
          expect((await tx.listJournal({ limit: 1 }))[0]).toEqual(journalEntry('j1', ['c1', 'c2']));
        });
      });
    });

    describe('outbox', () => {
      it('assigns increasing seq and lists after a position', async () => {
        await store.transaction((tx) => tx.appendOutbox([event('e1'), { ...event('e2'), seq: 999 }]));
        await store.transaction((tx) => tx.appendOutbox([event('e3')]));
        const all = await store.transaction((tx) => tx.listOutbox({ limit: 100 }));
        expect(idsOf(all)).toEqual(['e1', 'e2', 'e3']);
        const seqs = all.map((e) => e.seq!);
        for (const seq of seqs) expect(Number.isInteger(seq)).toBe(true);
        expect(seqs[1]!).toBeGreaterThan(seqs[0]!);
        expect(seqs[2]!).toBeGreaterThan(seqs[1]!);
        expect(seqs).not.toContain(999);
        expect(all[0]).toEqual({ ...event('e1'), seq: seqs[0] });
        expect(idsOf(await store.transaction((tx) => tx.listOutbox({ after: seqs[0]!, limit: 100 })))).toEqual([
          'e2',
          'e3',
        ]);
        expect(idsOf(await store.transaction((tx) => tx.listOutbox({ after: seqs[0]!, limit: 1 })))).toEqual(['e2']);
        expect(await store.transaction((tx) => tx.listOutbox({ after: seqs[2]!, limit: 100 }))).toEqual([]);
      });
    });

    describe('groups', () => {
      it('puts, replaces, gets all or by id, and deletes groups', async () => {
        const g2 = group('g2');
        const g1 = group('g1', {
          memberIds: ['c1'],
          rule: { match: 'all', conditions: [{ field: 'x', op: 'exists' }] },
        });
        await store.transaction(async (tx) => {
          await tx.putGroup(g2);
          await tx.putGroup(group('g1'));
          await tx.putGroup(g1);
        });
        await store.transaction(async (tx) => {
          expect(await tx.getGroups()).toEqual([g1, g2]);
          expect(await tx.getGroups(['g2', 'missing'])).toEqual([g2]);
          expect(await tx.getGroups([])).toEqual([]);
        });
        await store.transaction((tx) => tx.deleteGroup('g1'));
        expect(await store.transaction((tx) => tx.getGroups())).toEqual([g2]);
      });
    });

    describe('rollback', () => {
      it.each(Object.keys(writes))('rolls back: %s', async (writeName) => {
        await seed(store);
        const before = await snapshot(store);
        const failure = new Error('boom');
        const error = await rejectionOf(
          store.transaction(async (tx) => {
            await writes[writeName]!(tx);
            throw failure;
          }),
        );
        expect(error).toBe(failure);
        expect(await snapshot(store)).toEqual(before);
      });

      it('each write changes the seeded state when committed (so the rollback tests are meaningful)', async () => {
        for (const [writeName, write] of Object.entries(writes)) {
          const fresh = await makeStore();
          await seed(fresh);
          const before = await snapshot(fresh);
          await fresh.transaction(write);
          expect(await snapshot(fresh), writeName).not.toEqual(before);
          await fresh.close();
        }
      });

      it('rolls back every kind of write at once, exactly', async () => {
        await seed(store);
        const before = await snapshot(store);
        const error = await rejectionOf(
          store.transaction(async (tx) => {
            for (const write of Object.values(writes)) await write(tx);
            expect(await tx.getGroups(['g3'])).toHaveLength(1);
            throw new Error('late failure');
          }),
        );
        expect((error as Error).message).toBe('late failure');
        expect(await snapshot(store)).toEqual(before);
      });

      it('keeps working after a rollback, with outbox seq beyond every committed one', async () => {
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
        expect(idsOf(await store.transaction((tx) => tx.listOutbox({ after: maxCommitted, limit: 10 })))).toEqual([
          'kept',
        ]);
      });

      it('rolls back when the signal is aborted during the transaction', async () => {
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
        expect(AbortedError.isInstance(error)).toBe(true);
        expect((error as AbortedError).code).toBe('ABORTED');
        expect((error as AbortedError).cause).toBe('user cancelled');
        expect(await snapshot(store)).toEqual(before);
      });

      it('does not commit when the signal is already aborted', async () => {
        await seed(store);
        const before = await snapshot(store);
        const signal: AbortSignalLike = { aborted: true, reason: 'early' };
        const error = await rejectionOf(
          store.transaction(async (tx) => tx.putRecords([rec('r9', { matchKeys: ['m:r9'] })]), { signal }),
        );
        expect(AbortedError.isInstance(error)).toBe(true);
        expect(await snapshot(store)).toEqual(before);
      });

      it('commits when the signal stays live', async () => {
        const signal: AbortSignalLike = { aborted: false };
        await store.transaction((tx) => tx.putGroup(group('g1')), { signal });
        expect(idsOf(await store.transaction((tx) => tx.getGroups()))).toEqual(['g1']);
      });
    });

    describe('copying', () => {
      it('copies records in and out', async () => {
        const input = rec('a1', { matchKeys: ['m:a'], customerId: 'c1' });
        const pristine = structuredCopy(input);
        await store.transaction((tx) => tx.putRecords([input]));
        input.matchKeys.push('m:mutated');
        input.observedAt = T2;
        (input.data as { givenName?: string }).givenName = 'Mutated';
        const [out] = await store.transaction((tx) => tx.getRecords([pristine.key]));
        expect(out).toEqual(pristine);
        out!.matchKeys.length = 0;
        (out!.data as { givenName?: string }).givenName = 'Mutated again';
        const [found] = await store.transaction((tx) => tx.findRecordsByMatchKeys(['m:a']));
        expect(found).toEqual(pristine);
        found!.customerId = 'c-mutated';
        expect(await store.transaction((tx) => tx.listRecordsByCustomer(['c1']))).toEqual([pristine]);
        expect(await store.transaction((tx) => tx.findRecordsByMatchKeys(['m:mutated']))).toEqual([]);
      });

      it('copies customers in and out', async () => {
        const input = customer('c1', { lookupKeys: ['name:ada'] });
        const pristine = structuredCopy(input);
        await store.transaction((tx) => tx.putCustomers([input]));
        input.displayName = 'Mutated';
        input.lookupKeys.push('name:mutated');
        input.golden.sources.push({ system: 's', externalId: 'e', observedAt: T1 });
        const [out] = await store.transaction((tx) => tx.getCustomers(['c1']));
        expect(out).toEqual(pristine);
        out!.golden.fields.x = {
          value: 1,
          candidates: 1,
          provenance: { source: 's', recordType: 'person', externalId: 'e', observedAt: T1, rule: 'mostRecent' },
        };
        const [listed] = await store.transaction((tx) => tx.listCustomers({ limit: 10 }));
        expect(listed).toEqual(pristine);
        listed!.status = 'deleted';
        const [found] = await store.transaction((tx) => tx.findCustomersByLookupKeys(['name:ada'], 10));
        expect(found).toEqual(pristine);
        expect(await store.transaction((tx) => tx.findCustomersByLookupKeys(['name:mutated'], 10))).toEqual([]);
      });

      it('copies links, overrides, journal entries, outbox events and groups', async () => {
        const l = link('l1', 'h1', 'h2');
        const o = override('c1', 'attributes.x', { list: [1] });
        const j = journalEntry('j1', ['c1']);
        const e = event('e1', { nested: { n: 1 } });
        const g = group('g1', { memberIds: ['c1'] });
        const pristine = structuredCopy({ l, o, j, e, g });
        await store.transaction(async (tx) => {
          await tx.putMergeLink(l);
          await tx.putOverride(o);
          await tx.appendJournal([j]);
          await tx.appendOutbox([e]);
          await tx.putGroup(g);
        });
        l.b = 'mutated';
        (o.value as { list: number[] }).list.push(2);
        j.customerIds.push('c-mutated');
        (e.payload as { nested: { n: number } }).nested.n = 2;
        g.memberIds.push('c-mutated');
        const read = () =>
          store.transaction(async (tx) => ({
            l: await tx.getMergeLink('l1'),
            linked: await tx.listMergeLinks(['h1']),
            o: (await tx.getOverrides(['c1']))[0],
            j: (await tx.listJournal({ limit: 10 }))[0],
            e: (await tx.listOutbox({ limit: 10 }))[0],
            g: (await tx.getGroups(['g1']))[0],
            all: await tx.getGroups(),
          }));
        const first = await read();
        expect(first.l).toEqual(pristine.l);
        expect(first.linked).toEqual([pristine.l]);
        expect(first.o).toEqual(pristine.o);
        expect(first.j).toEqual(pristine.j);
        expect(first.e).toEqual({ ...pristine.e, seq: first.e!.seq });
        expect(first.g).toEqual(pristine.g);
        const seq = first.e!.seq!;
        first.l!.a = 'x';
        first.linked[0]!.a = 'x';
        (first.o!.value as { list: number[] }).list.length = 0;
        first.j!.customerIds.length = 0;
        (first.e!.payload as { nested: { n: number } }).nested.n = 3;
        first.e!.seq = -1;
        first.g!.memberIds.length = 0;
        first.all[0]!.name = 'x';
        const second = await read();
        expect(second).toEqual(pristineRead(pristine, seq));
        expect(await store.transaction((tx) => tx.listMergeLinks(['mutated']))).toEqual([]);
        expect(await store.transaction((tx) => tx.listJournal({ customerId: 'c-mutated', limit: 10 }))).toEqual([]);
      });
    });

    describe('concurrency', () => {
      it('serialises transactions: the second starts only after the first has finished', async () => {
        const events: string[] = [];
        let release!: () => void;
        const gate = new Promise<void>((resolve) => {
          release = resolve;
        });
        const first = store.transaction(async (tx) => {
          events.push('first:start');
          await tx.putRecords([rec('a1', { matchKeys: ['m:serial'] })]);
          await gate;
          events.push('first:end');
        });
        const second = store.transaction(async (tx) => {
          events.push('second:start');
          events.push(`second:sees:${(await tx.findRecordsByMatchKeys(['m:serial'])).length}`);
        });
        await tick();
        expect(events).toEqual(['first:start']);
        release();
        await Promise.all([first, second]);
        expect(events).toEqual(['first:start', 'first:end', 'second:start', 'second:sees:1']);
      });

      it('does not lose updates under concurrent read-modify-write transactions', async () => {
        await store.transaction((tx) => tx.putCustomers([customer('c1', { version: 0 })]));
        await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            store.transaction(async (tx) => {
              const [row] = await tx.getCustomers(['c1']);
              await tick(i % 3);
              await tx.putCustomers([{ ...row!, version: row!.version + 1 }]);
            }),
          ),
        );
        const [row] = await store.transaction((tx) => tx.getCustomers(['c1']));
        expect(row!.version).toBe(20);
      });

      it('runs the next transaction after one that failed, without its writes', async () => {
        const failing = store.transaction(async (tx) => {
          await tx.putGroup(group('g-failed'));
          await tick();
          throw new Error('fail');
        });
        const next = store.transaction((tx) => tx.getGroups());
        await expect(failing).rejects.toThrow('fail');
        await expect(next).resolves.toEqual([]);
      });

      it('refuses use of a transaction after it has finished', async () => {
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
        expect(failed).toBe(true);
        expect(await store.transaction((tx) => tx.getGroups())).toEqual([]);
      });

      it('refuses transactions after close', async () => {
        await store.close();
        await expect(store.transaction(async () => 1)).rejects.toThrow();
      });
    });
  });
}

/** A deep copy via JSON (fixtures are plain JSON). */
function structuredCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The values a fresh read must return, whatever the previous read's objects were mutated into. */
function pristineRead(
  pristine: { l: MergeLink; o: FieldOverride; j: JournalEntry; e: OutboxEvent; g: CustomerGroup },
  seq: number,
) {
  return {
    l: pristine.l,
    linked: [pristine.l],
    o: pristine.o,
    j: pristine.j,
    e: { ...pristine.e, seq },
    g: pristine.g,
    all: [pristine.g],
  };
}

describeStoreContract('memory', () => createMemoryStore());

describe('createMemoryStore', () => {
  it('is named memory unless told otherwise', () => {
    expect(createMemoryStore().name).toBe('memory');
    expect(createMemoryStore({ name: 'test-store' }).name).toBe('test-store');
  });

  it('numbers the outbox densely: a rolled-back append does not use up positions', async () => {
    const store = createMemoryStore();
    await store.transaction((tx) => tx.appendOutbox([event('e1'), event('e2')]));
    await rejectionOf(
      store.transaction(async (tx) => {
        await tx.appendOutbox([event('lost1'), event('lost2')]);
        throw new Error('x');
      }),
    );
    await store.transaction((tx) => tx.appendOutbox([event('e3')]));
    const seqs = (await store.transaction((tx) => tx.listOutbox({ limit: 10 }))).map((e) => e.seq);
    expect(seqs).toEqual([1, 2, 3]);
  });

  it('keeps separate stores separate', async () => {
    const a = createMemoryStore();
    const b = createMemoryStore();
    await a.transaction((tx) => tx.putGroup(group('g1')));
    expect(await b.transaction((tx) => tx.getGroups())).toEqual([]);
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
