/** Store contract cases: the identity index: blocking keys, identity links and review items. */

import { expect } from 'vitest';
import { identityLink, idsOf, keysOf, rec, reviewItem, T2 } from '../fixtures';
import type { AddCase } from './shared';

/** Adds the cases about the identity index: blocking keys, identity links and review items to the suite. */
export function identityCases(add: AddCase): void {
  // ---------------------------------------------------------------- identity: blocking keys
  add('blocking keys', 'finds live records of one type by blocking key, ordered by key, once each', async (store) => {
    await store.transaction((tx) =>
      tx.putRecords([
        rec('b3', { blockKeys: ['b:smith', 'b:1980'] }),
        rec('b1', { blockKeys: ['b:smith'] }),
        rec('b2', { blockKeys: ['b:1980'] }),
        rec('b4', { blockKeys: ['b:other'] }),
        rec('o1', { type: 'organization', data: { name: 'Smith BV' }, blockKeys: ['b:smith'] }),
        rec('d1', { deleted: true, blockKeys: ['b:smith'] }),
      ]),
    );
    await store.transaction(async (tx) => {
      const found = await tx.findRecordsByBlockKeys(['b:smith', 'b:1980', 'b:smith', 'b:missing'], {
        type: 'person',
        limit: 10,
      });
      expect(found.map((r) => r.key)).toEqual(['crm/person/b1', 'crm/person/b2', 'crm/person/b3']);
      expect(keysOf(await tx.findRecordsByBlockKeys(['b:smith'], { type: 'organization', limit: 10 }))).toEqual([
        'crm/organization/o1',
      ]);
      expect(await tx.findRecordsByBlockKeys(['b:other'], { type: 'organization', limit: 10 })).toEqual([]);
      expect(await tx.findRecordsByBlockKeys([], { type: 'person', limit: 10 })).toEqual([]);
    });
  });

  add('blocking keys', 'returns the first records in key order, up to the limit', async (store) => {
    await store.transaction((tx) =>
      tx.putRecords(['b5', 'b2', 'b4', 'b1', 'b3'].map((id) => rec(id, { blockKeys: ['b:k', `b:${id}`] }))),
    );
    await store.transaction(async (tx) => {
      const two = await tx.findRecordsByBlockKeys(['b:k'], { type: 'person', limit: 2 });
      expect(two.map((r) => r.key)).toEqual(['crm/person/b1', 'crm/person/b2']);
      const mixed = await tx.findRecordsByBlockKeys(['b:b5', 'b:b4', 'b:b3'], { type: 'person', limit: 2 });
      expect(mixed.map((r) => r.key)).toEqual(['crm/person/b3', 'crm/person/b4']);
      expect(await tx.findRecordsByBlockKeys(['b:k'], { type: 'person', limit: 0 })).toEqual([]);
    });
  });

  add('blocking keys', 'moves blocking keys when a record is replaced, drops them for tombstones', async (store) => {
    const first = rec('b1', { blockKeys: ['b:old', 'b:kept'] });
    await store.transaction((tx) => tx.putRecords([first]));
    const next = rec('b1', { blockKeys: ['b:kept', 'b:new'], version: 2 });
    await store.transaction((tx) => tx.putRecords([next]));
    await store.transaction(async (tx) => {
      const find = (key: string) => tx.findRecordsByBlockKeys([key], { type: 'person', limit: 10 });
      expect(await find('b:old')).toEqual([]);
      expect(await find('b:kept')).toEqual([next]);
      expect(await find('b:new')).toEqual([next]);
    });
    const dead = rec('b1', { deleted: true, blockKeys: ['b:kept'], version: 3 });
    await store.transaction((tx) => tx.putRecords([dead]));
    expect(
      await store.transaction((tx) => tx.findRecordsByBlockKeys(['b:kept', 'b:new'], { type: 'person', limit: 10 })),
    ).toEqual([]);
    expect(await store.transaction((tx) => tx.getRecords([dead.key]))).toEqual([dead]);
    await store.transaction((tx) => tx.putRecords([first]));
    expect(
      await store.transaction((tx) => tx.findRecordsByBlockKeys(['b:old'], { type: 'person', limit: 10 })),
    ).toEqual([first]);
  });

  add('blocking keys', 'sees its own blocking-key writes inside a transaction', async (store) => {
    await store.transaction(async (tx) => {
      const a = rec('b1', { blockKeys: ['b:own'] });
      await tx.putRecords([a]);
      expect(await tx.findRecordsByBlockKeys(['b:own'], { type: 'person', limit: 5 })).toEqual([a]);
    });
  });

  // ---------------------------------------------------------------- identity: links
  add(
    'identity links',
    'puts, gets, lists by either record key, replaces and deletes identity links',
    async (store) => {
      const l1 = identityLink('il1', 'crm/person/x1', 'crm/person/x2');
      const l2 = identityLink('il2', 'crm/person/x2', 'crm/person/x3', {
        kind: 'accepted',
        actor: 'usr_1',
        reviewId: 'rv1',
        probability: 0.7,
        explanation: { contributions: [], note: 'accepted by a person', nested: { list: [1, 'two', null, true] } },
      });
      const l3 = identityLink('il3', 'crm/person/x4', 'crm/person/x5');
      await store.transaction(async (tx) => {
        await tx.putIdentityLink(l3);
        await tx.putIdentityLink(l2);
        await tx.putIdentityLink(l1);
      });
      await store.transaction(async (tx) => {
        expect(await tx.getIdentityLink('il1')).toEqual(l1);
        expect(await tx.getIdentityLink('il2')).toEqual(l2);
        expect(await tx.getIdentityLink('missing')).toBeUndefined();
        expect(await tx.listIdentityLinks(['crm/person/x1'])).toEqual([l1]);
        expect(await tx.listIdentityLinks(['crm/person/x2'])).toEqual([l1, l2]);
        expect(await tx.listIdentityLinks(['crm/person/x3'])).toEqual([l2]);
        expect(await tx.listIdentityLinks(['crm/person/x5', 'crm/person/x1', 'crm/person/x2'])).toEqual([l1, l2, l3]);
        expect(await tx.listIdentityLinks(['crm/person/none'])).toEqual([]);
        expect(await tx.listIdentityLinks([])).toEqual([]);
      });
      const moved = identityLink('il1', 'crm/person/x1', 'crm/person/x6', { probability: 0.99 });
      await store.transaction((tx) => tx.putIdentityLink(moved));
      await store.transaction(async (tx) => {
        expect(await tx.getIdentityLink('il1')).toEqual(moved);
        expect(await tx.listIdentityLinks(['crm/person/x2'])).toEqual([l2]);
        expect(await tx.listIdentityLinks(['crm/person/x6'])).toEqual([moved]);
      });
      await store.transaction((tx) => tx.deleteIdentityLink('il2'));
      await store.transaction(async (tx) => {
        expect(await tx.getIdentityLink('il2')).toBeUndefined();
        expect(await tx.listIdentityLinks(['crm/person/x2', 'crm/person/x3'])).toEqual([]);
      });
      await store.transaction((tx) => tx.deleteIdentityLink('never-existed'));
    },
  );

  add(
    'identity links',
    'puts and deletes identity links in bulk: the same end state as one call per link, in order',
    async (store) => {
      const l1 = identityLink('il1', 'crm/person/z1', 'crm/person/z2');
      const l2 = identityLink('il2', 'crm/person/z2', 'crm/person/z3', { kind: 'accepted', actor: 'usr_1' });
      const l3 = identityLink('il3', 'crm/person/z4', 'crm/person/z5', { explanation: { quote: 'say "hi" \\ ok' } });
      const many = Array.from({ length: 300 }, (_, i) =>
        identityLink(`il_many_${String(i).padStart(3, '0')}`, `crm/person/m${i}`, 'crm/person/hub', {
          probability: i / 300,
        }),
      );
      const moved = identityLink('il1', 'crm/person/z1', 'crm/person/z6', { probability: 0.5 });
      await store.transaction(async (tx) => {
        await tx.putIdentityLinks([]);
        // il1 twice in one call: the later one wins.
        await tx.putIdentityLinks([l1, l3, l2, moved, ...many]);
        expect(await tx.getIdentityLink('il1'), 'reads its own bulk write').toEqual(moved);
      });
      await store.transaction(async (tx) => {
        expect(await tx.getIdentityLink('il1')).toEqual(moved);
        expect(await tx.getIdentityLink('il2')).toEqual(l2);
        expect(await tx.getIdentityLink('il3')).toEqual(l3);
        expect(await tx.listIdentityLinks(['crm/person/z2'])).toEqual([l2]);
        expect(await tx.listIdentityLinks(['crm/person/z6'])).toEqual([moved]);
        expect(await tx.listIdentityLinks(['crm/person/hub'])).toEqual(many);
      });
      // Replaces what exists, next to new ones.
      const back = identityLink('il1', 'crm/person/z1', 'crm/person/z2', { probability: 0.8 });
      const l4 = identityLink('il4', 'crm/person/z3', 'crm/person/z7');
      await store.transaction((tx) => tx.putIdentityLinks([back, l4]));
      expect(await store.transaction((tx) => tx.listIdentityLinks(['crm/person/z2', 'crm/person/z6']))).toEqual([
        back,
        l2,
      ]);
      // Deletes: missing and repeated ids are ignored; [] does nothing.
      await store.transaction(async (tx) => {
        await tx.deleteIdentityLinks([]);
        await tx.deleteIdentityLinks(['il2', 'never-existed', 'il4', 'il2', ...many.slice(100).map((l) => l.id)]);
        expect(await tx.getIdentityLink('il2'), 'reads its own bulk delete').toBeUndefined();
      });
      await store.transaction(async (tx) => {
        expect(await tx.getIdentityLink('il2')).toBeUndefined();
        expect(await tx.getIdentityLink('il4')).toBeUndefined();
        expect(await tx.getIdentityLink('il1')).toEqual(back);
        expect(await tx.getIdentityLink('il3')).toEqual(l3);
        expect(await tx.listIdentityLinks(['crm/person/z3', 'crm/person/z7'])).toEqual([]);
        expect(await tx.listIdentityLinks(['crm/person/hub'])).toEqual(many.slice(0, 100));
      });
    },
  );

  add('identity links', 'rolls back bulk identity link writes with the transaction', async (store) => {
    const kept = identityLink('il1', 'crm/person/w1', 'crm/person/w2');
    await store.transaction((tx) => tx.putIdentityLinks([kept]));
    await expect(
      store.transaction(async (tx) => {
        await tx.deleteIdentityLinks(['il1']);
        await tx.putIdentityLinks([identityLink('il2', 'crm/person/w2', 'crm/person/w3')]);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow();
    await store.transaction(async (tx) => {
      expect(await tx.getIdentityLink('il1')).toEqual(kept);
      expect(await tx.getIdentityLink('il2')).toBeUndefined();
      expect(await tx.listIdentityLinks(['crm/person/w2'])).toEqual([kept]);
    });
  });

  add('identity links', 'keeps identity links of records that are gone (they lead nowhere)', async (store) => {
    const l = identityLink('il1', 'crm/person/y1', 'crm/person/y2', { kind: 'accepted' });
    await store.transaction(async (tx) => {
      await tx.putRecords([rec('y1'), rec('y2', { deleted: true })]);
      await tx.putIdentityLink(l);
    });
    expect(await store.transaction((tx) => tx.listIdentityLinks(['crm/person/y2']))).toEqual([l]);
  });

  // ---------------------------------------------------------------- identity: review items
  add('review items', 'puts, gets, replaces and finds review items by pair key', async (store) => {
    const open = reviewItem('rv1', 'crm/person/p2', 'crm/person/p1', { customerIds: ['c1', 'c2'] });
    const other = reviewItem('rv2', 'crm/person/p3', 'crm/person/p4');
    await store.transaction(async (tx) => {
      await tx.putReviewItem(other);
      await tx.putReviewItem(open);
    });
    expect(open.pairKey).toBe('crm/person/p1|crm/person/p2');
    await store.transaction(async (tx) => {
      expect(await tx.getReviewItem('rv1')).toEqual(open);
      expect(await tx.getReviewItem('missing')).toBeUndefined();
      expect(await tx.findReviewItems([open.pairKey])).toEqual([open]);
      expect(await tx.findReviewItems([other.pairKey, open.pairKey, 'x|y', open.pairKey])).toEqual([open, other]);
      expect(await tx.findReviewItems([])).toEqual([]);
    });
    const decided = reviewItem('rv1', 'crm/person/p1', 'crm/person/p2', {
      status: 'accepted',
      customerIds: ['c1', 'c2'],
      decidedAt: T2,
      decidedBy: 'usr_1',
      reason: 'same person',
      linkId: 'il9',
    });
    await store.transaction((tx) => tx.putReviewItem(decided));
    await store.transaction(async (tx) => {
      expect(await tx.getReviewItem('rv1')).toEqual(decided);
      expect(await tx.findReviewItems([open.pairKey])).toEqual([decided]);
      expect(await tx.listReviewItems({ limit: 10, status: 'open' })).toEqual([other]);
      expect(await tx.listReviewItems({ limit: 10, status: 'accepted' })).toEqual([decided]);
    });
  });

  add('review items', 'lists review items ordered by id with after, limit and status', async (store) => {
    const statuses = ['open', 'accepted', 'rejected'] as const;
    const ids = ['rv_05', 'rv_01', 'rv_10', 'rv_03', 'rv_07', 'rv_02'];
    const items = ids.map((id, i) =>
      reviewItem(id, `crm/person/${id}a`, `crm/person/${id}b`, { status: statuses[i % 3]! }),
    );
    await store.transaction(async (tx) => {
      for (const item of items) await tx.putReviewItem(item);
    });
    const sorted = [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    await store.transaction(async (tx) => {
      expect(await tx.listReviewItems({ limit: 100 })).toEqual(sorted);
      expect(idsOf(await tx.listReviewItems({ limit: 2 }))).toEqual(['rv_01', 'rv_02']);
      expect(idsOf(await tx.listReviewItems({ limit: 2, after: 'rv_02' }))).toEqual(['rv_03', 'rv_05']);
      expect(idsOf(await tx.listReviewItems({ limit: 100, after: 'rv_10' }))).toEqual([]);
      expect(idsOf(await tx.listReviewItems({ limit: 100, status: 'open' }))).toEqual(['rv_03', 'rv_05']);
      expect(idsOf(await tx.listReviewItems({ limit: 1, status: 'open', after: 'rv_03' }))).toEqual(['rv_05']);
      expect(idsOf(await tx.listReviewItems({ limit: 100, status: 'accepted' }))).toEqual(['rv_01', 'rv_07']);
      expect(idsOf(await tx.listReviewItems({ limit: 100, status: 'rejected' }))).toEqual(['rv_02', 'rv_10']);
    });
  });
}
