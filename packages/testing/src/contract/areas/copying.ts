/**
 * Store contract cases: copying (what a store returns and keeps is never shared with the caller). A store keeps no
 * reference to what it is given; what it returns is a copy or deeply frozen, so a change the caller makes to it either
 * throws or stays with the caller.
 */

import { expect } from 'vitest';
import {
  customer,
  doc,
  event,
  extension,
  extensionValue,
  fullAuditEntry,
  fullWorkflowRun,
  group,
  identityLink,
  journalEntry,
  jsonCopy,
  link,
  override,
  rec,
  reviewItem,
  T1,
  T2,
} from '../fixtures';
import { type AddCase, pristineRead, tryToChange } from './shared';

/** Adds the cases about copying (what a store returns and keeps is never shared with the caller) to the suite. */
export function copyingCases(add: AddCase): void {
  // ---------------------------------------------------------------- copying
  add('copying', 'copies records in and out', async (store) => {
    const input = rec('a1', { matchKeys: ['m:a'], refKeys: ['rec:a'], customerId: 'c1' });
    const pristine = jsonCopy(input);
    await store.transaction((tx) => tx.putRecords([input]));
    input.matchKeys.push('m:mutated');
    input.observedAt = T2;
    (input.data as { givenName?: string }).givenName = 'Mutated';
    const [out] = await store.transaction((tx) => tx.getRecords([pristine.key]));
    expect(out).toEqual(pristine);
    tryToChange(
      () => {
        out!.matchKeys.length = 0;
      },
      () => {
        (out!.data as { givenName?: string }).givenName = 'Mutated again';
      },
    );
    const [found] = await store.transaction((tx) => tx.findRecordsByMatchKeys(['m:a']));
    expect(found).toEqual(pristine);
    tryToChange(() => {
      found!.customerId = 'c-mutated';
    });
    const [referring] = await store.transaction((tx) => tx.findRecordsByRefKeys(['rec:a']));
    expect(referring).toEqual(pristine);
    tryToChange(() => referring!.refKeys.push('rec:mutated'));
    expect(await store.transaction((tx) => tx.listRecordsByCustomer(['c1']))).toEqual([pristine]);
    expect(await store.transaction((tx) => tx.findRecordsByMatchKeys(['m:mutated']))).toEqual([]);
    expect(await store.transaction((tx) => tx.findRecordsByRefKeys(['rec:mutated']))).toEqual([]);
  });

  add('copying', 'copies customers in and out', async (store) => {
    const input = customer('c1', { lookupKeys: ['name:ada'] });
    const pristine = jsonCopy(input);
    await store.transaction((tx) => tx.putCustomers([input]));
    input.displayName = 'Mutated';
    input.lookupKeys.push('name:mutated');
    input.golden.sources.push({ system: 's', externalId: 'e', observedAt: T1 });
    const [out] = await store.transaction((tx) => tx.getCustomers(['c1']));
    expect(out).toEqual(pristine);
    tryToChange(() => {
      out!.golden.fields.x = {
        value: 1,
        candidates: 1,
        provenance: { source: 's', recordType: 'person', externalId: 'e', observedAt: T1, rule: 'mostRecent' },
      };
    });
    const [listed] = await store.transaction((tx) => tx.listCustomers({ limit: 10 }));
    expect(listed).toEqual(pristine);
    tryToChange(() => {
      listed!.status = 'deleted';
    });
    const [found] = await store.transaction((tx) => tx.findCustomersByLookupKeys(['name:ada'], 10));
    expect(found).toEqual(pristine);
    expect(await store.transaction((tx) => tx.findCustomersByLookupKeys(['name:mutated'], 10))).toEqual([]);
  });

  add('copying', 'copies links, overrides, journal entries, outbox events and groups', async (store) => {
    const l = link('l1', 'h1', 'h2');
    const o = override('c1', 'attributes.x', { list: [1] });
    const j = journalEntry('j1', ['c1']);
    const e = event('e1', { nested: { n: 1 } });
    const g = group('g1', { memberIds: ['c1'] });
    const pristine = jsonCopy({ l, o, j, e, g });
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
    tryToChange(
      () => {
        first.l!.a = 'x';
      },
      () => {
        first.linked[0]!.a = 'x';
      },
      () => {
        (first.o!.value as { list: number[] }).list.length = 0;
      },
      () => {
        first.j!.customerIds.length = 0;
      },
      () => {
        (first.e!.payload as { nested: { n: number } }).nested.n = 3;
      },
      () => {
        first.e!.seq = -1;
      },
      () => {
        first.g!.memberIds.length = 0;
      },
      () => {
        first.all[0]!.name = 'x';
      },
    );
    const second = await read();
    expect(second).toEqual(pristineRead(pristine, seq));
    expect(await store.transaction((tx) => tx.listMergeLinks(['mutated']))).toEqual([]);
    expect(await store.transaction((tx) => tx.listJournal({ customerId: 'c-mutated', limit: 10 }))).toEqual([]);
  });

  add('copying', 'copies identity links and review items in and out', async (store) => {
    const l = identityLink('il1', 'crm/person/z1', 'crm/person/z2', { explanation: { contributions: [{ w: 1 }] } });
    const r = reviewItem('rv1', 'crm/person/z1', 'crm/person/z3', {
      customerIds: ['c1'],
      explanation: { contributions: [{ w: 2 }] },
    });
    const pristine = jsonCopy({ l, r });
    await store.transaction(async (tx) => {
      await tx.putIdentityLink(l);
      await tx.putReviewItem(r);
    });
    l.b = 'crm/person/mutated';
    (l.explanation as { contributions: unknown[] }).contributions.push('x');
    r.customerIds.push('c-mutated');
    r.status = 'rejected';
    const read = () =>
      store.transaction(async (tx) => ({
        l: await tx.getIdentityLink('il1'),
        ls: await tx.listIdentityLinks(['crm/person/z1']),
        r: await tx.getReviewItem('rv1'),
        rs: await tx.findReviewItems([pristine.r.pairKey]),
        all: await tx.listReviewItems({ limit: 10 }),
      }));
    const first = await read();
    const expected = { l: pristine.l, ls: [pristine.l], r: pristine.r, rs: [pristine.r], all: [pristine.r] };
    expect(first).toEqual(expected);
    tryToChange(
      () => {
        first.l!.a = 'x';
      },
      () => {
        first.ls[0]!.probability = 0;
      },
      () => {
        first.r!.customerIds.length = 0;
      },
      () => {
        first.rs[0]!.status = 'accepted';
      },
      () => {
        first.all[0]!.pairKey = 'x';
      },
    );
    expect(await read()).toEqual(expected);
    expect(await store.transaction((tx) => tx.listIdentityLinks(['crm/person/mutated']))).toEqual([]);
  });

  add('copying', 'copies extension rows and workflow runs in and out', async (store) => {
    const x = extension('acme', 'c1', { tags: extensionValue(['a']), obj: extensionValue({ n: 1 }) });
    const w = fullWorkflowRun('wr1');
    const pristine = jsonCopy({ x, w });
    await store.transaction(async (tx) => {
      await tx.putExtension(x);
      await tx.putWorkflowRun(w);
    });
    (x.fields.tags!.value as string[]).push('mutated');
    x.fields.added = extensionValue(1);
    x.entityId = 'c-mutated';
    (w.results.fetch as { rows: number[] }).rows.push(4);
    w.history.length = 0;
    w.status = 'running';
    const read = () =>
      store.transaction(async (tx) => ({
        xs: await tx.getExtensions('customer', ['c1']),
        w: await tx.getWorkflowRun('wr1'),
        ws: await tx.listWorkflowRuns({ limit: 10 }),
      }));
    const expected = { xs: [pristine.x], w: pristine.w, ws: [pristine.w] };
    const first = await read();
    expect(first).toEqual(expected);
    tryToChange(
      () => {
        (first.xs[0]!.fields.tags!.value as string[]).length = 0;
      },
      () => {
        (first.xs[0]!.fields.obj!.value as { n: number }).n = 2;
      },
      () => {
        first.xs[0]!.updatedAt = T2;
      },
      () => first.w!.completed.push('x'),
      () => {
        first.w!.trigger.kind = 'manual';
      },
      () => {
        first.ws[0]!.version = 99;
      },
    );
    expect(await read()).toEqual(expected);
    expect(await store.transaction((tx) => tx.getExtensions('customer', ['c-mutated']))).toEqual([]);
  });

  add('copying', 'copies audit entries and documents in and out', async (store) => {
    const a = fullAuditEntry(1);
    const d = doc('d1', { ref: 'c1', data: { purposes: ['marketing'], nested: { n: 1 } } });
    const pristine = jsonCopy({ a, d });
    await store.transaction(async (tx) => {
      await tx.appendAudit([a]);
      await tx.putDocument(d);
    });
    a.changes![0]!.field = 'mutated';
    a.target = 'customer:mutated';
    a.reason = 'mutated';
    (d.data as { purposes: string[] }).purposes.push('mutated');
    d.ref = 'c-mutated';
    const read = () =>
      store.transaction(async (tx) => ({
        last: await tx.lastAudit(),
        list: await tx.listAudit({ limit: 10 }),
        byTarget: await tx.listAudit({ target: pristine.a.target, limit: 10 }),
        docs: await tx.getDocuments('consent', ['d1']),
        listed: await tx.listDocuments('consent', { limit: 10 }),
        byRef: await tx.listDocuments('consent', { ref: 'c1', limit: 10 }),
      }));
    const expected = {
      last: pristine.a,
      list: [pristine.a],
      byTarget: [pristine.a],
      docs: [pristine.d],
      listed: [pristine.d],
      byRef: [pristine.d],
    };
    const first = await read();
    expect(first).toStrictEqual(expected);
    tryToChange(
      () => {
        first.last!.changes!.length = 0;
      },
      () => {
        first.list[0]!.hash = 'mutated';
      },
      () => {
        first.byTarget[0]!.redacted = true;
      },
      () => {
        (first.docs[0]!.data as { purposes: string[] }).purposes.length = 0;
      },
      () => {
        first.listed[0]!.ref = 'c-mutated';
      },
      () => {
        (first.byRef[0]!.data as { nested: { n: number } }).nested.n = 2;
      },
    );
    expect(await read()).toStrictEqual(expected);
    expect(await store.transaction((tx) => tx.listAudit({ target: 'customer:mutated', limit: 10 }))).toEqual([]);
    expect(await store.transaction((tx) => tx.listDocuments('consent', { ref: 'c-mutated', limit: 10 }))).toEqual([]);
  });
}
