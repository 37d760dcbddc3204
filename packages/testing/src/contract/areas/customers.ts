/** Store contract cases: customers, merge links, overrides and the journal. */

import { expect } from 'vitest';
import type { FieldOverride } from '@crmkit/model';
import { byId, byOverrideKey, customer, idsOf, journalEntry, link, override } from '../fixtures';
import { type AddCase, byIdCursor, cursorsPaged } from './shared';

/** Adds the cases about customers, merge links, overrides and the journal to the suite. */
export function customerCases(add: AddCase): void {
  // ---------------------------------------------------------------- customers
  add('customers', 'puts and gets customers, skipping unknown ids', async (store) => {
    const c1 = customer('c1', { lookupKeys: ['name:ada'] });
    const c2 = customer('c2', { status: 'merged', mergedInto: 'c1' });
    await store.transaction((tx) => tx.putCustomers([c1, c2]));
    const got = await store.transaction((tx) => tx.getCustomers(['c2', 'missing', 'c1']));
    expect(byId(got)).toEqual([c1, c2]);
    expect(await store.transaction((tx) => tx.getCustomers([]))).toEqual([]);
  });

  add('customers', 'is idempotent: putting the same customer twice leaves one', async (store) => {
    const c1 = customer('c1', { lookupKeys: ['name:ada'] });
    await store.transaction((tx) => tx.putCustomers([c1]));
    await store.transaction(async (tx) => {
      await tx.putCustomers([c1]);
      await tx.putCustomers([c1, c1]);
    });
    await store.transaction(async (tx) => {
      expect(await tx.getCustomers(['c1'])).toEqual([c1]);
      expect(await tx.listCustomers({ limit: 10 })).toEqual([c1]);
      expect(await tx.findCustomersByLookupKeys(['name:ada'], 10)).toEqual([c1]);
    });
  });

  add(
    'customers',
    'finds only active customers by lookup key, ordered by id, once each, up to the limit',
    async (store) => {
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
        expect(idsOf(await tx.findCustomersByLookupKeys(['email:ada@example.com', 'name:ada'], 2))).toEqual([
          'c1',
          'c3',
        ]);
        expect(idsOf(await tx.findCustomersByLookupKeys(['email:ada@example.com', 'name:ada'], 1))).toEqual(['c1']);
        expect(await tx.findCustomersByLookupKeys(['name:nobody'], 10)).toEqual([]);
        expect(await tx.findCustomersByLookupKeys([], 10)).toEqual([]);
      });
    },
  );

  add('customers', 'updates the lookup index when a customer changes status or keys', async (store) => {
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

  add('customers', 'lists customers ordered by id with after, limit and status', async (store) => {
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
      expect(idsOf(await tx.listCustomers({ limit: 100, after: 'cus_04' }))).toEqual(['cus_05', 'cus_07', 'cus_10']);
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

  add('customers', 'pages through many customers with a cursor, seeing every row exactly once', async (store) => {
    const count = 157;
    const ids = Array.from({ length: count }, (_, i) => `c${String((i * 37) % count).padStart(3, '0')}`);
    const statusOf = (id: string) => (Number(id.slice(1)) % 4 === 0 ? 'merged' : 'active');
    for (let i = 0; i < ids.length; i += 40) {
      const chunk = ids.slice(i, i + 40);
      await store.transaction((tx) => tx.putCustomers(chunk.map((id) => customer(id, { status: statusOf(id) }))));
    }
    const page = (limit: number, status?: 'active' | 'merged') =>
      cursorsPaged(
        store,
        limit,
        (tx, request) => tx.listCustomers({ ...request, ...(status ? { status } : {}) }),
        byIdCursor,
      );
    const sorted = [...ids].sort();
    expect(await page(10)).toEqual(sorted);
    expect(await page(1)).toEqual(sorted);
    expect(await page(count)).toEqual(sorted);
    expect(await page(7, 'active')).toEqual(sorted.filter((id) => statusOf(id) === 'active'));
    expect(await page(7, 'merged')).toEqual(sorted.filter((id) => statusOf(id) === 'merged'));
  });

  // ---------------------------------------------------------------- merge links
  add('merge links', 'puts, gets, lists by either home id, and deletes links', async (store) => {
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
      expect(await tx.listMergeLinks(['h1'])).toEqual([l1]);
      expect(byId(await tx.listMergeLinks(['h2']))).toEqual([l1, l2]);
      expect(await tx.listMergeLinks(['h3'])).toEqual([l2]);
      expect(byId(await tx.listMergeLinks(['h1', 'h2', 'h3']))).toEqual([l1, l2]);
      expect(await tx.listMergeLinks(['h9'])).toEqual([]);
      expect(await tx.listMergeLinks([])).toEqual([]);
    });
    await store.transaction((tx) => tx.deleteMergeLink('l1'));
    await store.transaction(async (tx) => {
      expect(await tx.getMergeLink('l1')).toBeUndefined();
      expect(await tx.listMergeLinks(['h1'])).toEqual([]);
      expect(idsOf(await tx.listMergeLinks(['h2']))).toEqual(['l2']);
      await tx.deleteMergeLink('never-existed');
    });
  });

  add('merge links', 'moves a replaced link in the home index', async (store) => {
    await store.transaction((tx) => tx.putMergeLink(link('l1', 'h1', 'h2')));
    const moved = link('l1', 'h3', 'h1');
    await store.transaction((tx) => tx.putMergeLink(moved));
    await store.transaction(async (tx) => {
      expect(await tx.getMergeLink('l1')).toEqual(moved);
      expect(await tx.listMergeLinks(['h2'])).toEqual([]);
      expect(await tx.listMergeLinks(['h1'])).toEqual([moved]);
      expect(await tx.listMergeLinks(['h3'])).toEqual([moved]);
    });
  });

  // ---------------------------------------------------------------- overrides
  add('overrides', 'puts, replaces, gets by customer and deletes overrides', async (store) => {
    await store.transaction(async (tx) => {
      await tx.putOverride(override('c1', 'jobTitle', 'CTO'));
      await tx.putOverride(override('c1', 'givenName', 'Ada'));
      await tx.putOverride(override('c2', 'jobTitle', 'CEO'));
      await tx.putOverride(override('c1', 'jobTitle', 'CFO'));
    });
    await store.transaction(async (tx) => {
      expect(byOverrideKey(await tx.getOverrides(['c1']))).toEqual([
        override('c1', 'givenName', 'Ada'),
        override('c1', 'jobTitle', 'CFO'),
      ]);
      expect(await tx.getOverrides(['c2'])).toEqual([override('c2', 'jobTitle', 'CEO')]);
      expect(await tx.getOverrides(['c1', 'c2'])).toHaveLength(3);
      expect(await tx.getOverrides(['c3'])).toEqual([]);
      expect(await tx.getOverrides([])).toEqual([]);
    });
    await store.transaction((tx) => tx.deleteOverride('c1', 'jobTitle'));
    await store.transaction(async (tx) => {
      expect((await tx.getOverrides(['c1'])).map((o) => o.field)).toEqual(['givenName']);
      expect(await tx.getOverrides(['c2'])).toHaveLength(1);
      await tx.deleteOverride('c1', 'nothing');
    });
  });

  add('overrides', 'keeps JSON override values intact', async (store) => {
    const values: FieldOverride['value'][] = [
      { tags: ['a', 'b'], nested: { n: 1, z: null } },
      'text',
      0,
      -1.5,
      false,
      null,
      [],
      {},
    ];
    await store.transaction(async (tx) => {
      for (const [i, value] of values.entries()) await tx.putOverride(override('c1', `attributes.v${i}`, value));
    });
    const got = await store.transaction((tx) => tx.getOverrides(['c1']));
    expect(byOverrideKey(got)).toEqual(values.map((value, i) => override('c1', `attributes.v${i}`, value)));
  });

  // ---------------------------------------------------------------- journal
  add('journal', 'lists entries oldest first, filtered by customer, up to the limit', async (store) => {
    await store.transaction((tx) =>
      tx.appendJournal([journalEntry('j1', ['c1', 'c2']), journalEntry('j0', ['c2']), journalEntry('j5', ['c3'])]),
    );
    await store.transaction((tx) => tx.appendJournal([journalEntry('j3', ['c1'])]));
    await store.transaction((tx) => tx.appendJournal([journalEntry('j2', ['c2', 'c1'])]));
    await store.transaction(async (tx) => {
      expect(idsOf(await tx.listJournal({ limit: 100 }))).toEqual(['j1', 'j0', 'j5', 'j3', 'j2']);
      expect(idsOf(await tx.listJournal({ limit: 2 }))).toEqual(['j1', 'j0']);
      expect(idsOf(await tx.listJournal({ customerId: 'c1', limit: 100 }))).toEqual(['j1', 'j3', 'j2']);
      expect(idsOf(await tx.listJournal({ customerId: 'c2', limit: 100 }))).toEqual(['j1', 'j0', 'j2']);
      expect(idsOf(await tx.listJournal({ customerId: 'c2', limit: 1 }))).toEqual(['j1']);
      expect(await tx.listJournal({ customerId: 'c9', limit: 100 })).toEqual([]);
      expect((await tx.listJournal({ limit: 1 }))[0]).toEqual(journalEntry('j1', ['c1', 'c2']));
    });
  });
}
