/** Store contract cases: redaction (journal, outbox, audit). */

import { expect } from 'vitest';
import type { JournalEntry, JsonValue } from '@crmkit/model';
import { event, idsOf, journalEntry, rejectionOf, seed, snapshot } from '../fixtures';
import { type AddCase, isOrWrapsA, Rollback } from './shared';

/** Adds the cases about redaction (journal, outbox, audit) to the suite. */
export function redactionCases(add: AddCase): void {
  // ---------------------------------------------------------------- redaction
  add(
    'redaction',
    'redacts the data of the journal entries naming any of the customers, keeping the rest, and counts them',
    async (store) => {
      const entries: JournalEntry[] = [
        journalEntry('j1', ['c1', 'c2']),
        journalEntry('j2', ['c2']),
        journalEntry('j3', ['c10']),
        { ...journalEntry('j4', ['c3', 'c1']), actor: 'usr_1' },
        // Mentions c1 in its data but does not name it: not about c1.
        { ...journalEntry('j5', ['c4']), kind: 'override', data: { field: 'x', value: 'c1' } },
      ];
      await store.transaction((tx) => tx.appendJournal(entries));
      const redacted = (e: JournalEntry): JournalEntry => ({ ...e, data: { redacted: true } });
      const [j1, j2, j3, j4, j5] = entries as JournalEntry[];
      expect(await store.transaction((tx) => tx.redactJournal(['c1', 'c-none']))).toBe(2);
      let expected = [redacted(j1!), j2!, j3!, redacted(j4!), j5!];
      await store.transaction(async (tx) => {
        expect(await tx.listJournal({ limit: 10 })).toStrictEqual(expected);
        expect(await tx.listJournal({ customerId: 'c1', limit: 10 })).toStrictEqual([expected[0], expected[3]]);
      });
      // The count is of the entries naming the customers, redacted before or not; each entry counts once.
      expect(await store.transaction((tx) => tx.redactJournal(['c1']))).toBe(2);
      expect(await store.transaction((tx) => tx.redactJournal(['c2', 'c2', 'c1']))).toBe(3);
      expected = [expected[0]!, redacted(j2!), j3!, expected[3]!, j5!];
      expect(await store.transaction((tx) => tx.redactJournal([]))).toBe(0);
      expect(await store.transaction((tx) => tx.redactJournal(['c']))).toBe(0);
      expect(await store.transaction((tx) => tx.listJournal({ limit: 10 }))).toStrictEqual(expected);
    },
  );

  add(
    'redaction',
    'redacts the payload of every outbox event holding an id as a JSON string value at any depth, and no other',
    async (store) => {
      let deep: JsonValue = ['c1'];
      for (let i = 0; i < 40; i++) deep = i % 2 === 0 ? { level: i, inner: deep } : [i, deep];
      const events = [
        event('e1', { customerId: 'c1' }),
        // An id another id starts with, contains or differs from in case only: no.
        event('e2', { customerId: 'c10' }),
        event('e3', { note: 'xc1', ids: ['c1x', ' c1', 'C1', 'c1 '] }),
        // Inside nested objects and arrays: yes.
        event('e4', { nested: { deeper: [{ who: ['c2', 'c1'] }] } }),
        // Object keys equal to the id are not values: no.
        event('e5', { c1: 'key only', list: [{ c1: true }] }),
        // The payload itself: yes.
        event('e6', 'c1'),
        event('e7', ['a', ['b', ['c1']]]),
        // Numbers, booleans, null and the id quoted inside a longer string: no.
        event('e8', { n: 1, flag: true, none: null, text: '"c1"', json: '{"id":"c1"}' }),
        // The event's own id is not its payload: no.
        event('c1', { other: 'x' }),
        event('e9', { ref: 'crm/person/1' }),
        event('e10', { ref: 'crm/person/10' }),
        // What LIKE wildcards would match: no.
        event('e11', { v: 'aXb', w: 'cx1' }),
        event('e12', { v: 'back\\slash' }),
        event('e13', { who: 'Zoë 🚀' }),
        event('e14', { q: ['q"uote'] }),
        event('e15', { deep }),
      ];
      await store.transaction((tx) => tx.appendOutbox(events));
      const before = await store.transaction((tx) => tx.listOutbox({ limit: 100 }));
      expect(idsOf(before)).toEqual(idsOf(events));
      const redactedIds = new Set<string>();
      const expectRedacted = async (ids: string[], hits: string[]) => {
        expect(await store.transaction((tx) => tx.redactOutbox(ids)), `redactOutbox([${ids}])`).toBe(hits.length);
        for (const id of hits) redactedIds.add(id);
        const expected = before.map((e) => (redactedIds.has(e.id) ? { ...e, payload: { redacted: true } } : e));
        expect(await store.transaction((tx) => tx.listOutbox({ limit: 100 })), `after [${ids}]`).toStrictEqual(
          expected,
        );
      };
      await expectRedacted(['c1', 'crm/person/1', 'a%b', 'c_1'], ['e1', 'e4', 'e6', 'e7', 'e9', 'e15']);
      await expectRedacted(['1', 'true', 'null', 'key', 'c'], []);
      await expectRedacted(['back\\slash'], ['e12']);
      await expectRedacted(['Zoë 🚀', 'q"uote'], ['e13', 'e14']);
      // Redacted payloads mention nothing any more.
      await expectRedacted(['c1', 'redacted'], []);
      await expectRedacted([], []);
    },
  );

  add('redaction', 'sees its own redactions; a rollback restores journal data and outbox payloads', async (store) => {
    await seed(store);
    const before = await snapshot(store);
    const error = await rejectionOf(
      store.transaction(async (tx) => {
        expect(await tx.redactJournal(['c1'])).toBe(1);
        expect(await tx.redactOutbox(['e1', 'e2'])).toBe(2);
        expect(await tx.redactAudit(['customer:c1', 'policy'])).toBe(2);
        expect((await tx.listJournal({ limit: 10 })).map((e) => e.data)).toEqual([{ redacted: true }]);
        expect((await tx.listOutbox({ limit: 10 })).map((e) => e.payload)).toEqual([
          { redacted: true },
          { redacted: true },
        ]);
        expect((await tx.listAudit({ limit: 10 })).map((e) => e.redacted ?? false)).toEqual([true, false, true]);
        throw new Rollback();
      }),
    );
    expect(isOrWrapsA(error, Rollback), String(error)).toBe(true);
    expect(await snapshot(store)).toEqual(before);
  });
}
