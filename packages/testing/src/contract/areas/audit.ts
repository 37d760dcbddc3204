/** Store contract cases: the audit log. */

import { expect } from 'vitest';
import { type AuditEntry, type StoreTransaction, redactedAuditEntry, UNREDACTABLE_AUDIT_ACTION } from '@crmkit/model';
import { auditEntry, doc, fullAuditEntry, hex64, rejectionOf } from '../fixtures';
import { type AddCase, cursorsPaged, isOrWrapsA, Rollback } from './shared';

/** Adds the cases about the audit log to the suite. */
export function auditCases(add: AddCase): void {
  // ---------------------------------------------------------------- audit log
  add(
    'audit log',
    'appends entries and reads them back exactly, in seq order, with and without the optional fields',
    async (store) => {
      const minimal = auditEntry(1);
      const full = fullAuditEntry(2);
      const redacted = auditEntry(3, { target: 'customer:c9', changes: null, redacted: true, reason: 'erased' });
      const noChanges = auditEntry(4, { target: 'policy', action: 'policy.update', changes: [] });
      expect(await store.transaction((tx) => tx.lastAudit())).toBeUndefined();
      await store.transaction((tx) => tx.appendAudit([minimal, full]));
      await store.transaction(async (tx) => {
        await tx.appendAudit([redacted]);
        await tx.appendAudit([noChanges]);
        await tx.appendAudit([]);
      });
      await store.transaction(async (tx) => {
        // toStrictEqual: an optional field left out must come back left out (not as undefined or null).
        expect(await tx.listAudit({ limit: 10 })).toStrictEqual([minimal, full, redacted, noChanges]);
        expect(await tx.lastAudit()).toStrictEqual(noChanges);
        const [first] = await tx.listAudit({ limit: 1 });
        expect(Object.keys(first!).sort()).toEqual(Object.keys(minimal).sort());
      });
    },
  );

  add(
    'audit log',
    'lists entries in seq order after a seq (exclusive), up to the limit, optionally of one target',
    async (store) => {
      const targets = ['customer:c1', 'customer:c2', 'policy'];
      const entries = Array.from({ length: 12 }, (_, i) => auditEntry(i + 1, { target: targets[i % 3]! }));
      await store.transaction((tx) => tx.appendAudit(entries.slice(0, 5)));
      // The log is in seq order whatever order the entries came in.
      await store.transaction((tx) => tx.appendAudit(entries.slice(5).reverse()));
      const seqs = (list: readonly AuditEntry[]) => list.map((e) => e.seq);
      await store.transaction(async (tx) => {
        expect(await tx.listAudit({ limit: 100 })).toStrictEqual(entries);
        expect(await tx.lastAudit()).toStrictEqual(entries[11]);
        expect(seqs(await tx.listAudit({ limit: 3 }))).toEqual([1, 2, 3]);
        expect(seqs(await tx.listAudit({ after: 3, limit: 4 }))).toEqual([4, 5, 6, 7]);
        expect(seqs(await tx.listAudit({ after: 0, limit: 100 }))).toEqual(seqs(entries));
        expect(await tx.listAudit({ after: 12, limit: 100 })).toEqual([]);
        expect(await tx.listAudit({ limit: 0 })).toEqual([]);
        expect(await tx.listAudit({ target: 'customer:c1', limit: 100 })).toStrictEqual(
          entries.filter((e) => e.target === 'customer:c1'),
        );
        expect(seqs(await tx.listAudit({ target: 'customer:c1', limit: 100 }))).toEqual([1, 4, 7, 10]);
        expect(seqs(await tx.listAudit({ target: 'customer:c1', after: 4, limit: 2 }))).toEqual([7, 10]);
        expect(seqs(await tx.listAudit({ target: 'customer:c1', after: 5, limit: 100 }))).toEqual([7, 10]);
        expect(seqs(await tx.listAudit({ target: 'policy', limit: 1 }))).toEqual([3]);
        expect(await tx.listAudit({ target: 'customer:c1', after: 10, limit: 100 })).toEqual([]);
        expect(await tx.listAudit({ target: 'customer:c', limit: 100 }), 'a target is matched whole').toEqual([]);
        expect(await tx.listAudit({ target: 'customer:none', limit: 100 })).toEqual([]);
      });
    },
  );

  add('audit log', 'pages through a long log with a seq cursor, seeing every entry exactly once', async (store) => {
    const count = 57;
    const targetOf = (seq: number) => `customer:c${seq % 4}`;
    const entries = Array.from({ length: count }, (_, i) => auditEntry(i + 1, { target: targetOf(i + 1) }));
    for (let i = 0; i < count; i += 20) await store.transaction((tx) => tx.appendAudit(entries.slice(i, i + 20)));
    const page = (limit: number, target?: string) =>
      cursorsPaged(
        store,
        limit,
        (tx, request) => tx.listAudit({ ...request, ...(target ? { target } : {}) }),
        (entry: { seq: number }) => entry.seq,
      );
    const all = entries.map((e) => e.seq);
    expect(await page(10)).toEqual(all);
    expect(await page(1)).toEqual(all);
    expect(await page(count)).toEqual(all);
    expect(await page(4, 'customer:c1')).toEqual(all.filter((seq) => targetOf(seq) === 'customer:c1'));
  });

  add(
    'audit log',
    'refuses (throws) an entry whose seq exists already, keeping nothing of that transaction',
    async (store) => {
      await store.transaction((tx) => tx.appendAudit([auditEntry(1), auditEntry(2)]));
      const before = await store.transaction((tx) => tx.listAudit({ limit: 10 }));
      const attempts: [string, (tx: StoreTransaction) => Promise<void>][] = [
        ['a stored seq', (tx) => tx.appendAudit([auditEntry(2, { target: 'customer:x' })])],
        ['a stored seq after a new one, in one call', (tx) => tx.appendAudit([auditEntry(3), auditEntry(1)])],
        [
          'a seq appended earlier in the transaction',
          async (tx) => {
            await tx.appendAudit([auditEntry(3)]);
            await tx.appendAudit([auditEntry(3, { target: 'customer:x' })]);
          },
        ],
        ['one seq twice in one call', (tx) => tx.appendAudit([auditEntry(3), auditEntry(3)])],
        [
          'after other writes',
          async (tx) => {
            await tx.putDocument(doc('d1'));
            await tx.appendAudit([auditEntry(3), auditEntry(2)]);
          },
        ],
      ];
      for (const [name, attempt] of attempts) {
        const outcome = await store.transaction(attempt).then(
          () => 'committed',
          () => 'refused',
        );
        expect(outcome, name).toBe('refused');
        await store.transaction(async (tx) => {
          expect(await tx.listAudit({ limit: 10 }), name).toStrictEqual(before);
          expect(await tx.lastAudit(), name).toStrictEqual(before[1]);
          expect(await tx.getDocuments('consent', ['d1']), name).toEqual([]);
        });
      }
      // The chain goes on from its head.
      const next = auditEntry(3, { target: 'customer:c3' });
      await store.transaction((tx) => tx.appendAudit([next]));
      expect(await store.transaction((tx) => tx.listAudit({ limit: 10 }))).toStrictEqual([...before, next]);
    },
  );

  add(
    'audit log',
    'redacts the changes of the entries about the named targets only (the rest exactly as written), and counts them',
    async (store) => {
      const entries = [
        auditEntry(1, { target: 'customer:c1' }),
        fullAuditEntry(2, { target: 'customer:c2' }),
        auditEntry(3, { target: 'customer:c10' }),
        fullAuditEntry(4, { target: 'customer:c1', reason: 'fix' }),
        auditEntry(5, { target: 'policy', changes: [] }),
        auditEntry(6, { target: 'customer:c1', changes: null, redacted: true }),
        auditEntry(7, { target: 'customer:c3', changes: [{ field: 'x', old: 'customer:c1', new: 'customer:c1' }] }),
      ];
      await store.transaction((tx) => tx.appendAudit(entries));
      const redacted = (e: AuditEntry): AuditEntry => ({ ...e, changes: null, redacted: true });
      const [e1, e2, e3, e4, e5, e6, e7] = entries;
      expect(await store.transaction((tx) => tx.redactAudit(['customer:c1', 'customer:none']))).toBe(3);
      let expected = [redacted(e1!), e2!, e3!, redacted(e4!), e5!, e6!, e7!];
      await store.transaction(async (tx) => {
        expect(await tx.listAudit({ limit: 10 })).toStrictEqual(expected);
        expect(await tx.listAudit({ target: 'customer:c1', limit: 10 })).toStrictEqual([
          expected[0],
          expected[3],
          expected[5],
        ]);
        expect(await tx.lastAudit()).toStrictEqual(e7);
      });
      // The count is of the entries about the targets, redacted before or not; a target named twice counts once.
      expect(await store.transaction((tx) => tx.redactAudit(['customer:c1', 'customer:c1']))).toBe(3);
      expect(await store.transaction((tx) => tx.redactAudit(['customer:c2', 'policy']))).toBe(2);
      expected = [expected[0]!, redacted(e2!), e3!, expected[3]!, redacted(e5!), e6!, e7!];
      expect(await store.transaction((tx) => tx.redactAudit([]))).toBe(0);
      expect(await store.transaction((tx) => tx.redactAudit(['customer:c', 'c1', 'customer']))).toBe(0);
      expect(await store.transaction((tx) => tx.listAudit({ limit: 10 }))).toStrictEqual(expected);
    },
  );

  add(
    'audit log',
    'redacts a format-2 entry: changes null, reason and salt removed, every other member (commitments) kept',
    async (store) => {
      const salt = '0123456789abcdef0123456789abcdef';
      const mine = fullAuditEntry(1, { v: 2, target: 'customer:c1', reasonDigest: hex64('reason-1'), salt });
      const other = fullAuditEntry(2, { v: 2, target: 'customer:c2', reasonDigest: hex64('reason-2'), salt });
      const noReason = auditEntry(3, { v: 2, target: 'customer:c1', salt });
      await store.transaction((tx) => tx.appendAudit([mine, other, noReason]));
      // Read back exactly, the format-2 members included.
      expect(await store.transaction((tx) => tx.listAudit({ limit: 10 }))).toStrictEqual([mine, other, noReason]);
      expect(await store.transaction((tx) => tx.redactAudit(['customer:c1']))).toBe(2);
      const { reason: _r, salt: _s, ...kept } = mine;
      const { salt: _s3, ...kept3 } = noReason;
      const expected = [{ ...kept, changes: null, redacted: true }, other, { ...kept3, changes: null, redacted: true }];
      expect(expected[0]).toStrictEqual(redactedAuditEntry(mine));
      await store.transaction(async (tx) => {
        expect(await tx.listAudit({ limit: 10 })).toStrictEqual(expected);
        expect(await tx.listAudit({ target: 'customer:c1', limit: 10 })).toStrictEqual([expected[0], expected[2]]);
        expect(await tx.lastAudit()).toStrictEqual(expected[2]);
      });
    },
  );

  add('audit log', 'never redacts a gdpr.erase entry (it lists the redactions it authorised)', async (store) => {
    const erasure = auditEntry(2, {
      v: 2,
      action: UNREDACTABLE_AUDIT_ACTION,
      target: 'customer:c1',
      changes: [{ field: 'redactedSeqs', new: [1] }],
    });
    await store.transaction((tx) => tx.appendAudit([auditEntry(1), erasure, auditEntry(3)]));
    expect(await store.transaction((tx) => tx.redactAudit(['customer:c1']))).toBe(2);
    expect(await store.transaction((tx) => tx.listAudit({ limit: 10 }))).toStrictEqual([
      { ...auditEntry(1), changes: null, redacted: true },
      erasure,
      { ...auditEntry(3), changes: null, redacted: true },
    ]);
  });

  add('audit log', 'sees its own appends and redactions; a rollback leaves nothing behind', async (store) => {
    await store.transaction((tx) => tx.appendAudit([auditEntry(1), auditEntry(2, { target: 'customer:c2' })]));
    const before = await store.transaction((tx) => tx.listAudit({ limit: 10 }));
    const error = await rejectionOf(
      store.transaction(async (tx) => {
        await tx.appendAudit([auditEntry(3)]);
        expect(await tx.lastAudit()).toStrictEqual(auditEntry(3));
        expect(await tx.redactAudit(['customer:c1'])).toBe(2);
        expect(await tx.listAudit({ target: 'customer:c1', limit: 10 })).toStrictEqual(
          [auditEntry(1), auditEntry(3)].map((e) => ({ ...e, changes: null, redacted: true })),
        );
        throw new Rollback();
      }),
    );
    expect(isOrWrapsA(error, Rollback), String(error)).toBe(true);
    await store.transaction(async (tx) => {
      expect(await tx.listAudit({ limit: 10 })).toStrictEqual(before);
      expect(await tx.lastAudit()).toStrictEqual(before[1]);
    });
    // The seq of the rolled-back entry is free again.
    const next = auditEntry(3, { target: 'customer:c3' });
    await store.transaction((tx) => tx.appendAudit([next]));
    expect(await store.transaction((tx) => tx.lastAudit())).toStrictEqual(next);
  });
}
