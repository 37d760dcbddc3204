/** Store contract cases: documents. */

import { expect } from 'vitest';
import type { StoredDocument } from '@crmkit/model';
import { byId, doc, idsOf, rejectionOf, T2 } from '../fixtures';
import { type AddCase, byIdCursor, cursorsPaged, isOrWrapsA, Rollback } from './shared';

/** Adds the cases about documents to the suite. */
export function documentCases(add: AddCase): void {
  // ---------------------------------------------------------------- documents
  add('documents', 'puts, gets by kind and id, replaces and deletes documents, exactly', async (store) => {
    const consent = doc('d1', { ref: 'c1' });
    const sameIdOtherKind = doc('d1', { kind: 'policy', data: { version: 3, roles: { user: ['customer.read'] } } });
    const values: StoredDocument['data'][] = [
      null,
      'text',
      0,
      -1.5,
      false,
      [],
      {},
      { nested: { list: [1, 'two', null, true], big: 1e21, small: 1e-7 }, text: 'Zoë "quoted" \\ 🚀, line\nbreak' },
    ];
    const odd = values.map((data, i) =>
      doc(`v${i}`, {
        kind: 'erasure',
        data,
        ref: i % 2 === 1 ? `c${i}` : null,
        updatedAt: i % 2 === 1 ? '2026-02-01T00:00:01.250Z' : '2026-02-01T00:10:00.000+01:00',
      }),
    );
    await store.transaction(async (tx) => {
      for (const d of [sameIdOtherKind, consent, ...odd]) await tx.putDocument(d);
    });
    await store.transaction(async (tx) => {
      expect(await tx.getDocuments('consent', ['d1'])).toStrictEqual([consent]);
      expect(await tx.getDocuments('policy', ['d1'])).toStrictEqual([sameIdOtherKind]);
      const ids = [...odd.map((d) => d.id).reverse(), 'missing', 'v0'];
      expect(byId(await tx.getDocuments('erasure', ids)), 'each once').toStrictEqual(odd);
      expect(await tx.getDocuments('consent', ['missing'])).toEqual([]);
      expect(await tx.getDocuments('consent', [])).toEqual([]);
      expect(await tx.getDocuments('other', ['d1']), 'only documents of the kind asked for').toEqual([]);
    });
    const replaced = doc('d1', { ref: null, data: { withdrawn: true }, updatedAt: T2 });
    await store.transaction((tx) => tx.putDocument(replaced));
    await store.transaction(async (tx) => {
      expect(await tx.getDocuments('consent', ['d1'])).toStrictEqual([replaced]);
      expect(await tx.getDocuments('policy', ['d1'])).toStrictEqual([sameIdOtherKind]);
    });
    await store.transaction((tx) => tx.deleteDocument('consent', 'd1'));
    await store.transaction(async (tx) => {
      expect(await tx.getDocuments('consent', ['d1'])).toEqual([]);
      expect(await tx.getDocuments('policy', ['d1']), 'a delete touches one kind only').toStrictEqual([
        sameIdOtherKind,
      ]);
      await tx.deleteDocument('consent', 'd1');
      await tx.deleteDocument('never', 'x');
    });
  });

  add('documents', 'lists documents of one kind ordered by id, with after, limit and ref', async (store) => {
    const specs: [string, string | null][] = [
      ['d05', 'c1'],
      ['d01', 'c2'],
      ['d10', null],
      ['d03', 'c1'],
      ['d07', 'c1'],
      ['d02', null],
      ['d04', 'c2'],
    ];
    const docs = specs.map(([id, ref]) => doc(id, { ref }));
    const policies = [doc('d00', { kind: 'policy', ref: 'c1' }), doc('d06', { kind: 'policy', ref: 'c1' })];
    await store.transaction(async (tx) => {
      for (const d of [...policies, ...docs]) await tx.putDocument(d);
    });
    await store.transaction(async (tx) => {
      const list = async (kind: string, options: { after?: string; limit: number; ref?: string }) =>
        idsOf(await tx.listDocuments(kind, options));
      expect(await tx.listDocuments('consent', { limit: 100 })).toStrictEqual(byId(docs));
      expect(await list('consent', { limit: 2 })).toEqual(['d01', 'd02']);
      expect(await list('consent', { limit: 2, after: 'd02' })).toEqual(['d03', 'd04']);
      expect(await list('consent', { limit: 100, after: 'd045' })).toEqual(['d05', 'd07', 'd10']);
      expect(await list('consent', { limit: 100, after: 'd10' })).toEqual([]);
      expect(await list('consent', { limit: 0 })).toEqual([]);
      expect(await list('consent', { limit: 100, ref: 'c1' })).toEqual(['d03', 'd05', 'd07']);
      expect(await list('consent', { limit: 1, ref: 'c1', after: 'd03' })).toEqual(['d05']);
      expect(await list('consent', { limit: 100, ref: 'c2' })).toEqual(['d01', 'd04']);
      expect(await list('consent', { limit: 100, ref: 'c' }), 'a ref is matched whole').toEqual([]);
      expect(await list('consent', { limit: 100, ref: 'none' })).toEqual([]);
      expect(await list('policy', { limit: 100 })).toEqual(['d00', 'd06']);
      expect(await list('policy', { limit: 100, ref: 'c1', after: 'd00' })).toEqual(['d06']);
      expect(await list('policy', { limit: 100, ref: 'c2' })).toEqual([]);
      expect(await list('none', { limit: 100 })).toEqual([]);
    });
  });

  add('documents', 'pages through many documents with a cursor, seeing every document exactly once', async (store) => {
    const count = 45;
    const ids = Array.from({ length: count }, (_, i) => `d${String((i * 17) % count).padStart(3, '0')}`);
    const refOf = (id: string) => (Number(id.slice(1)) % 3 === 0 ? null : `c${Number(id.slice(1)) % 3}`);
    await store.transaction(async (tx) => {
      for (const id of ids) await tx.putDocument(doc(id, { ref: refOf(id) }));
    });
    const page = (limit: number, ref?: string) =>
      cursorsPaged(
        store,
        limit,
        (tx, request) => tx.listDocuments('consent', { ...request, ...(ref ? { ref } : {}) }),
        byIdCursor,
      );
    const sorted = [...ids].sort();
    expect(await page(7)).toEqual(sorted);
    expect(await page(count)).toEqual(sorted);
    expect(await page(4, 'c1')).toEqual(sorted.filter((id) => refOf(id) === 'c1'));
  });

  add(
    'documents',
    'moves a replaced document to its new ref; sees its own writes; a rollback leaves nothing behind',
    async (store) => {
      const kept = doc('d1', { ref: 'c1' });
      await store.transaction((tx) => tx.putDocument(kept));
      const moved = doc('d1', { ref: 'c2', updatedAt: T2 });
      const error = await rejectionOf(
        store.transaction(async (tx) => {
          await tx.putDocument(moved);
          await tx.putDocument(doc('d2', { ref: 'c1' }));
          expect(idsOf(await tx.listDocuments('consent', { ref: 'c1', limit: 10 }))).toEqual(['d2']);
          expect(await tx.listDocuments('consent', { ref: 'c2', limit: 10 })).toStrictEqual([moved]);
          await tx.deleteDocument('consent', 'd2');
          expect(idsOf(await tx.listDocuments('consent', { limit: 10 }))).toEqual(['d1']);
          throw new Rollback();
        }),
      );
      expect(isOrWrapsA(error, Rollback), String(error)).toBe(true);
      await store.transaction(async (tx) => {
        expect(await tx.listDocuments('consent', { limit: 10 })).toStrictEqual([kept]);
        expect(await tx.listDocuments('consent', { ref: 'c2', limit: 10 })).toEqual([]);
      });
      await store.transaction((tx) => tx.putDocument(moved));
      await store.transaction(async (tx) => {
        expect(await tx.listDocuments('consent', { ref: 'c1', limit: 10 }), 'the old ref lists it no more').toEqual([]);
        expect(await tx.listDocuments('consent', { ref: 'c2', limit: 10 })).toStrictEqual([moved]);
      });
    },
  );
}
