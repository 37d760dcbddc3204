/** Store contract cases: the basics (version, name, transaction value, an empty start) and source records. */

import { expect } from 'vitest';
import { byKey, keysOf, rec, T2 } from '../fixtures';
import type { AddCase } from './shared';

/**
 * Adds the cases about the basics (version, name, transaction value, an empty start) and source records to the suite.
 */
export function recordCases(add: AddCase): void {
  // ---------------------------------------------------------------- basics
  add('basics', 'declares specification version v1 and a name', async (store) => {
    expect(store.specificationVersion).toBe('v1');
    expect(typeof store.name).toBe('string');
    expect(store.name.length).toBeGreaterThan(0);
  });

  add('basics', 'returns the value of the transaction function', async (store) => {
    await expect(store.transaction(async () => 42)).resolves.toBe(42);
    await expect(store.transaction(async () => 'read', { readOnly: true })).resolves.toBe('read');
  });

  add('basics', 'starts empty', async (store) => {
    await store.transaction(async (tx) => {
      expect(await tx.listCustomers({ limit: 10 })).toEqual([]);
      expect(await tx.listJournal({ limit: 10 })).toEqual([]);
      expect(await tx.listOutbox({ limit: 10 })).toEqual([]);
      expect(await tx.getGroups()).toEqual([]);
      expect(await tx.getExtensions('customer', ['c1'])).toEqual([]);
      expect(await tx.listWorkflowRuns({ limit: 10 })).toEqual([]);
      expect(await tx.lastAudit()).toBeUndefined();
      expect(await tx.listAudit({ limit: 10 })).toEqual([]);
      expect(await tx.listDocuments('consent', { limit: 10 })).toEqual([]);
      expect(await tx.redactJournal(['c1'])).toBe(0);
      expect(await tx.redactOutbox(['c1'])).toBe(0);
      expect(await tx.redactAudit(['customer:c1'])).toBe(0);
    });
  });

  // ---------------------------------------------------------------- records
  add('records', 'puts and gets records, skipping unknown keys', async (store) => {
    const a = rec('a1');
    const b = rec('b1', { type: 'organization', data: { name: 'Acme' } });
    await store.transaction((tx) => tx.putRecords([a, b]));
    const got = await store.transaction((tx) => tx.getRecords([b.key, 'nope/person/x', a.key]));
    expect(byKey(got)).toEqual([b, a]);
    expect(await store.transaction((tx) => tx.getRecords([]))).toEqual([]);
  });

  add('records', 'replaces a record by key', async (store) => {
    await store.transaction((tx) => tx.putRecords([rec('a1')]));
    const next = rec('a1', { version: 2, observedAt: T2, data: { givenName: 'New' } });
    await store.transaction((tx) => tx.putRecords([next]));
    expect(await store.transaction((tx) => tx.getRecords([next.key]))).toEqual([next]);
  });

  add('records', 'is idempotent: putting the same record twice leaves one', async (store) => {
    const a = rec('a1', { matchKeys: ['m:idem'], refKeys: ['rec:idem'], customerId: 'c-idem' });
    await store.transaction((tx) => tx.putRecords([a]));
    await store.transaction((tx) => tx.putRecords([a]));
    await store.transaction(async (tx) => {
      await tx.putRecords([a]);
      await tx.putRecords([a]);
    });
    await store.transaction(async (tx) => {
      expect(await tx.getRecords([a.key])).toEqual([a]);
      expect(await tx.findRecordsByMatchKeys(['m:idem'])).toEqual([a]);
      expect(await tx.findRecordsByRefKeys(['rec:idem'])).toEqual([a]);
      expect(await tx.listRecordsByCustomer(['c-idem'])).toEqual([a]);
    });
  });

  add('records', 'keeps the last of two records with one key in one call', async (store) => {
    const first = rec('a1', { matchKeys: ['m:first'], customerId: 'c-first' });
    const last = rec('a1', { matchKeys: ['m:last'], customerId: 'c-last', version: 2 });
    await store.transaction((tx) => tx.putRecords([first, last]));
    await store.transaction(async (tx) => {
      expect(await tx.getRecords([last.key])).toEqual([last]);
      expect(await tx.findRecordsByMatchKeys(['m:first'])).toEqual([]);
      expect(await tx.findRecordsByMatchKeys(['m:last'])).toEqual([last]);
      expect(await tx.listRecordsByCustomer(['c-first'])).toEqual([]);
      expect(await tx.listRecordsByCustomer(['c-last'])).toEqual([last]);
    });
  });

  add('records', 'keeps tombstones readable by key', async (store) => {
    const dead = rec('d1', { deleted: true, matchKeys: ['m:dead'] });
    await store.transaction((tx) => tx.putRecords([dead]));
    expect(await store.transaction((tx) => tx.getRecords([dead.key]))).toEqual([dead]);
  });

  add('records', 'finds live records by match key, once each', async (store) => {
    await store.transaction((tx) =>
      tx.putRecords([
        rec('a1', { matchKeys: ['m:1', 'm:2'] }),
        rec('a2', { matchKeys: ['m:2'] }),
        rec('a3', { matchKeys: ['m:3'] }),
      ]),
    );
    const found = await store.transaction((tx) => tx.findRecordsByMatchKeys(['m:1', 'm:2', 'm:missing', 'm:1']));
    expect(keysOf(found)).toEqual(['crm/person/a1', 'crm/person/a2']);
    expect(found).toHaveLength(2);
    expect(keysOf(await store.transaction((tx) => tx.findRecordsByMatchKeys(['m:3'])))).toEqual(['crm/person/a3']);
    expect(await store.transaction((tx) => tx.findRecordsByMatchKeys([]))).toEqual([]);
  });

  add('records', 'finds live records by ref key, optionally of one type', async (store) => {
    const interaction = rec('i1', { type: 'interaction', refKeys: ['rec:p1'], data: null });
    const opportunity = rec('o1', { type: 'opportunity', refKeys: ['rec:p1', 'rec:p2'], data: null });
    await store.transaction((tx) => tx.putRecords([interaction, opportunity, rec('p9', { refKeys: ['rec:p2'] })]));
    const all = await store.transaction((tx) => tx.findRecordsByRefKeys(['rec:p1', 'rec:p2']));
    expect(keysOf(all)).toEqual(['crm/interaction/i1', 'crm/opportunity/o1', 'crm/person/p9']);
    expect(all).toHaveLength(3);
    const onlyInteractions = await store.transaction((tx) =>
      tx.findRecordsByRefKeys(['rec:p1', 'rec:p2'], 'interaction'),
    );
    expect(onlyInteractions).toEqual([interaction]);
    const onlyOpportunities = await store.transaction((tx) => tx.findRecordsByRefKeys(['rec:p2'], 'opportunity'));
    expect(onlyOpportunities).toEqual([opportunity]);
    expect(await store.transaction((tx) => tx.findRecordsByRefKeys(['rec:p1'], 'person'))).toEqual([]);
    expect(await store.transaction((tx) => tx.findRecordsByRefKeys([]))).toEqual([]);
  });

  add('records', 'lists live records by customer', async (store) => {
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
    expect(both).toHaveLength(3);
    expect(await store.transaction((tx) => tx.listRecordsByCustomer([]))).toEqual([]);
  });

  add(
    'records',
    'lists live records of one type observed before a time, oldest first (ties by key), up to the limit',
    async (store) => {
      await store.transaction((tx) =>
        tx.putRecords([
          rec('a3', { observedAt: '2026-01-03T00:00:00Z' }),
          rec('a2', { observedAt: '2026-01-01T00:00:00Z' }),
          rec('a1', { observedAt: '2026-01-01T00:00:00.000Z' }),
          // 2026-01-01T23:00Z: compared as a time, not as text.
          rec('a0', { observedAt: '2026-01-02T01:00:00+02:00' }),
          rec('a4', { observedAt: '2026-01-05T00:00:00Z' }),
          rec('d1', { deleted: true, observedAt: '2025-12-01T00:00:00Z' }),
          rec('o1', { type: 'organization', data: { name: 'Acme' }, observedAt: '2025-12-01T00:00:00Z' }),
        ]),
      );
      await store.transaction(async (tx) => {
        const list = async (observedBefore: string, limit = 10, type: 'person' | 'organization' = 'person') =>
          (await tx.listRecords({ type, observedBefore, limit })).map((r) => r.externalId);
        expect(await list('2026-01-04T00:00:00Z')).toEqual(['a1', 'a2', 'a0', 'a3']);
        expect(await list('2026-01-04T00:00:00Z', 2)).toEqual(['a1', 'a2']);
        expect(await list('2026-01-04T00:00:00Z', 0)).toEqual([]);
        expect(await list('2026-01-01T00:00:00Z'), 'strictly before').toEqual([]);
        expect(await list('2026-01-01T00:00:00.001Z')).toEqual(['a1', 'a2']);
        expect(await list('2026-01-01T23:00:00.001Z')).toEqual(['a1', 'a2', 'a0']);
        expect(await list('2030-01-01T00:00:00Z', 10, 'organization')).toEqual(['o1']);
        const [first] = await tx.listRecords({ type: 'person', observedBefore: '2026-01-04T00:00:00Z', limit: 1 });
        expect(first).toEqual(rec('a1', { observedAt: '2026-01-01T00:00:00.000Z' }));
      });
    },
  );

  add('records', 'pages through the live records of one source and type by external id', async (store) => {
    const ids = ['a10', 'a2', 'b1', 'a1', 'z9', 'm5', 'a3'];
    await store.transaction((tx) =>
      tx.putRecords([
        ...ids.map((id) => rec(id)),
        rec('gone', { deleted: true }),
        rec('other', { source: 'erp' }),
        rec('o1', { type: 'organization', data: { name: 'Acme' } }),
      ]),
    );
    await store.transaction(async (tx) => {
      const seen: string[] = [];
      let after: string | undefined;
      for (let page = 0; page < 10; page++) {
        const batch = await tx.listRecordsBySource({
          source: 'crm',
          type: 'person',
          limit: 3,
          ...(after ? { after } : {}),
        });
        expect(batch.length).toBeLessThanOrEqual(3);
        if (batch.length === 0) break;
        seen.push(...batch.map((r) => r.externalId));
        after = batch.at(-1)?.externalId;
      }
      expect(new Set(seen).size, 'no record twice').toBe(seen.length);
      expect([...seen].sort()).toEqual([...ids].sort());
      const orgs = await tx.listRecordsBySource({ source: 'crm', type: 'organization', limit: 10 });
      expect(orgs.map((r) => r.externalId)).toEqual(['o1']);
      expect(await tx.listRecordsBySource({ source: 'none', type: 'person', limit: 10 })).toEqual([]);
      const [first] = await tx.listRecordsBySource({ source: 'erp', type: 'person', limit: 1 });
      expect(first).toEqual(rec('other', { source: 'erp' }));
    });
  });

  add('records', 'leaves tombstones out of every index', async (store) => {
    await store.transaction((tx) =>
      tx.putRecords([rec('d1', { deleted: true, matchKeys: ['m:d'], refKeys: ['rec:d'], customerId: 'cd' })]),
    );
    await store.transaction(async (tx) => {
      expect(await tx.findRecordsByMatchKeys(['m:d'])).toEqual([]);
      expect(await tx.findRecordsByRefKeys(['rec:d'])).toEqual([]);
      expect(await tx.findRecordsByRefKeys(['rec:d'], 'person')).toEqual([]);
      expect(await tx.listRecordsByCustomer(['cd'])).toEqual([]);
    });
  });

  add(
    'records',
    'removes a record from the indexes when it becomes a tombstone, and restores it when revived',
    async (store) => {
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
    },
  );

  add('records', 'moves index entries when a record is replaced', async (store) => {
    await store.transaction((tx) =>
      tx.putRecords([rec('a1', { matchKeys: ['m:old', 'm:kept'], refKeys: ['rec:old'], customerId: 'c-old' })]),
    );
    const next = rec('a1', { matchKeys: ['m:kept', 'm:new'], refKeys: ['rec:new'], customerId: 'c-new', version: 2 });
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

  add('records', 'sees its own writes inside a transaction', async (store) => {
    await store.transaction(async (tx) => {
      const a = rec('a1', { matchKeys: ['m:own'], refKeys: ['rec:own'], customerId: 'c-own' });
      await tx.putRecords([a]);
      expect(await tx.getRecords([a.key])).toEqual([a]);
      expect(await tx.findRecordsByMatchKeys(['m:own'])).toEqual([a]);
      expect(await tx.findRecordsByRefKeys(['rec:own'], 'person')).toEqual([a]);
      expect(await tx.listRecordsByCustomer(['c-own'])).toEqual([a]);
    });
  });
}
