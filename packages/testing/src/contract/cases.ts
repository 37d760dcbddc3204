/**
 * The cases of the store conformance suite, as plain functions of a fresh store. `describeStoreContract` turns them
 * into vitest tests; the package's own tests also run them against deliberately broken stores to prove that each
 * kind of bug is caught. Internal to `@crmkit/testing`.
 *
 * @module
 */
import { expect } from 'vitest';
import {
  CrmkitError,
  type AbortSignalLike,
  type AuditEntry,
  type CustomerGroup,
  type FieldOverride,
  type JournalEntry,
  type JsonValue,
  type MergeLink,
  type OutboxEvent,
  type Store,
  type StoredDocument,
  type StoreTransaction,
  type WorkflowRun,
  redactedAuditEntry,
  UNREDACTABLE_AUDIT_ACTION,
} from '@crmkit/model';
import {
  auditEntry,
  byExtensionKey,
  byId,
  byKey,
  byOverrideKey,
  customer,
  describeOutcome,
  doc,
  event,
  extension,
  extensionValue,
  fullAuditEntry,
  fullWorkflowRun,
  group,
  hex64,
  identityLink,
  idsOf,
  journalEntry,
  jsonCopy,
  keysOf,
  link,
  override,
  rec,
  rejectionOf,
  reviewItem,
  seed,
  snapshot,
  snapshotOf,
  T1,
  T2,
  tick,
  workflowRun,
  writes,
} from './fixtures';
import { runStoreModel } from './model-run';

/** Settings a case may read. */
export interface ContractContext {
  /** Runs of the model-based test. */
  numRuns: number;
  /** Stop the model-based test at the first failure, without shrinking (for the package's own tests). */
  endOnFailure?: boolean;
  /** Fixed fast-check seed for the model-based test (for the package's own tests). */
  seed?: number;
}

/** One test of the suite. */
export interface ContractCase {
  /** The `describe` block the test belongs to. */
  group: string;
  name: string;
  /** Test timeout in milliseconds, when the default is too short for a remote store. */
  timeout?: number;
  run(store: Store, context: ContractContext): Promise<void>;
}

/** Budget of the heavy cases: a few seconds normally, minutes on a loaded 2-core machine (PGlite blocks its thread). */
const SLOW = 300_000;

/** Thrown to roll a transaction back on purpose. */
class Rollback extends Error {
  constructor() {
    super('rollback requested by the test');
    this.name = 'Rollback';
  }
}

/**
 * True when `error` is `thrown`, or wraps it in its `cause` chain: a store may wrap what the transaction function
 * threw (e.g. in a `STORE_FAILED` error), as long as the original stays reachable.
 */
function isOrWraps(error: unknown, thrown: unknown): boolean {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    if (current === thrown) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Same as {@link isOrWraps}, for an error class. */
function isOrWrapsA(error: unknown, type: new (...args: never[]) => Error): boolean {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    if (current instanceof type) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** True when `error` is a crmkit error with code `CONFLICT`. */
function isConflict(error: unknown): boolean {
  return CrmkitError.isInstance(error) && error.code === 'CONFLICT';
}

/**
 * A rendezvous for `parties` concurrent transactions: each waits until all have arrived, or `timeoutMs` has passed
 * (a store that serialises transactions never lets the others arrive while the first is waiting).
 */
function barrier(parties: number, timeoutMs: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => {
    release = resolve;
  });
  return async () => {
    arrived++;
    if (arrived >= parties) release();
    await Promise.race([all, tick(timeoutMs)]);
  };
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

/** Every outbox event, paging with `after`. */
async function readWholeOutbox(store: Store, pageSize = 50): Promise<OutboxEvent[]> {
  const out: OutboxEvent[] = [];
  let after: number | undefined;
  for (;;) {
    const page = await store.transaction((tx) =>
      tx.listOutbox({ limit: pageSize, ...(after === undefined ? {} : { after }) }),
    );
    out.push(...page);
    if (page.length < pageSize) return out;
    after = page[page.length - 1]!.seq!;
  }
}

/** Asserts seq values are integers, unique and strictly increasing in list order. */
function expectIncreasingSeqs(events: readonly OutboxEvent[]): void {
  for (let i = 0; i < events.length; i++) {
    const seq = events[i]!.seq;
    expect(Number.isInteger(seq), `seq of ${events[i]!.id} is an integer`).toBe(true);
    if (i > 0) expect(seq!, `seq of ${events[i]!.id} after ${events[i - 1]!.id}`).toBeGreaterThan(events[i - 1]!.seq!);
  }
}

/** Every case of the store contract, in order. */
export function storeContractCases(): ContractCase[] {
  const cases: ContractCase[] = [];
  const add = (group: string, name: string, run: ContractCase['run'], timeout?: number) =>
    cases.push({ group, name, run, ...(timeout === undefined ? {} : { timeout }) });

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
    const page = async (limit: number, status?: 'active' | 'merged') => {
      const seen: string[] = [];
      let after: string | undefined;
      for (let guard = 0; guard < 1000; guard++) {
        const rows = await store.transaction((tx) =>
          tx.listCustomers({ limit, ...(after === undefined ? {} : { after }), ...(status ? { status } : {}) }),
        );
        expect(rows.length).toBeLessThanOrEqual(limit);
        if (rows.length === 0) break;
        seen.push(...idsOf(rows));
        after = rows[rows.length - 1]!.id;
      }
      return seen;
    };
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

  // ---------------------------------------------------------------- groups
  add('groups', 'puts, replaces, gets all or by id, and deletes groups', async (store) => {
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
      expect(byId(await tx.getGroups())).toEqual([g1, g2]);
      expect(await tx.getGroups(['g2', 'missing'])).toEqual([g2]);
      expect(await tx.getGroups([])).toEqual([]);
    });
    await store.transaction((tx) => tx.deleteGroup('g1'));
    expect(await store.transaction((tx) => tx.getGroups())).toEqual([g2]);
    await store.transaction((tx) => tx.deleteGroup('never-existed'));
  });

  // ---------------------------------------------------------------- extensions
  add('extensions', 'puts, gets by entity in every namespace, replaces and deletes extension rows', async (store) => {
    const acme1 = extension('acme', 'c1', { tier: extensionValue('gold'), score: extensionValue(42) });
    const beta1 = extension('beta', 'c1', { flag: extensionValue(true, { actor: 'plugin:beta' }) });
    const acme2 = extension('acme', 'c2', { tier: extensionValue('silver') });
    const order1 = extension('acme', 'c1', { total: extensionValue(99.5) }, { entityType: 'order' });
    await store.transaction(async (tx) => {
      await tx.putExtension(acme2);
      await tx.putExtension(order1);
      await tx.putExtension(beta1);
      await tx.putExtension(acme1);
    });
    await store.transaction(async (tx) => {
      expect(byExtensionKey(await tx.getExtensions('customer', ['c1']))).toEqual([acme1, beta1]);
      expect(byExtensionKey(await tx.getExtensions('customer', ['c2', 'missing', 'c1', 'c2']))).toEqual([
        acme1,
        beta1,
        acme2,
      ]);
      expect(await tx.getExtensions('order', ['c1']), 'only rows of the entity type asked for').toEqual([order1]);
      expect(await tx.getExtensions('order', ['c2'])).toEqual([]);
      expect(await tx.getExtensions('customer', ['missing'])).toEqual([]);
      expect(await tx.getExtensions('customer', [])).toEqual([]);
    });
    // A put replaces the whole row: fields it leaves out are gone.
    const replaced = extension(
      'acme',
      'c1',
      { score: extensionValue(43, { at: T2, actor: 'usr_2' }) },
      { updatedAt: T2 },
    );
    await store.transaction((tx) => tx.putExtension(replaced));
    await store.transaction(async (tx) => {
      expect(byExtensionKey(await tx.getExtensions('customer', ['c1']))).toEqual([replaced, beta1]);
      expect(await tx.getExtensions('order', ['c1'])).toEqual([order1]);
    });
    await store.transaction((tx) => tx.deleteExtension('beta', 'customer', 'c1'));
    await store.transaction(async (tx) => {
      expect(await tx.getExtensions('customer', ['c1'])).toEqual([replaced]);
      await tx.deleteExtension('beta', 'customer', 'c1');
      await tx.deleteExtension('never', 'customer', 'c1');
    });
    await store.transaction((tx) => tx.deleteExtension('acme', 'customer', 'c1'));
    await store.transaction(async (tx) => {
      expect(await tx.getExtensions('customer', ['c1'])).toEqual([]);
      expect(await tx.getExtensions('order', ['c1']), 'a delete touches one entity type only').toEqual([order1]);
      expect(await tx.getExtensions('customer', ['c2'])).toEqual([acme2]);
    });
  });

  add('extensions', 'keeps field values and timestamps exactly as written', async (store) => {
    const row = extension(
      'acme',
      'c1',
      {
        object: extensionValue({ tags: ['a', 'b'], nested: { n: 1, z: null, deep: [{ x: [] }] } }),
        text: extensionValue('Zoë "quoted" \\ backslash, emoji 🚀, line\nbreak'),
        zero: extensionValue(0),
        negative: extensionValue(-1.5),
        big: extensionValue(1e21),
        small: extensionValue(1e-7),
        false: extensionValue(false),
        null: extensionValue(null),
        emptyList: extensionValue([]),
        emptyObject: extensionValue({}),
        'dotted.name': extensionValue('x', { at: '2026-02-01T00:00:01.250Z' }),
        anonymous: { value: 1, at: '2026-02-01T00:10:00.000+01:00' },
      },
      { updatedAt: '2026-02-01T00:00:01.250Z' },
    );
    await store.transaction((tx) => tx.putExtension(row));
    const [got] = await store.transaction((tx) => tx.getExtensions('customer', ['c1']));
    expect(got).toStrictEqual(row);
    expect(got!.updatedAt).toBe('2026-02-01T00:00:01.250Z');
    expect(got!.fields.anonymous).toStrictEqual({ value: 1, at: '2026-02-01T00:10:00.000+01:00' });
  });

  add('extensions', 'sees its own extension writes; a rollback leaves nothing behind', async (store) => {
    const kept = extension('acme', 'c1', { tier: extensionValue('gold') });
    await store.transaction((tx) => tx.putExtension(kept));
    const error = await rejectionOf(
      store.transaction(async (tx) => {
        const added = extension('beta', 'c1', { flag: extensionValue(true) });
        const other = extension('acme', 'c2', { tier: extensionValue('silver') });
        const changed = extension('acme', 'c1', { tier: extensionValue('bronze') }, { updatedAt: T2 });
        await tx.putExtension(added);
        await tx.putExtension(other);
        await tx.putExtension(changed);
        expect(byExtensionKey(await tx.getExtensions('customer', ['c1', 'c2']))).toEqual([changed, added, other]);
        await tx.deleteExtension('acme', 'customer', 'c1');
        expect(byExtensionKey(await tx.getExtensions('customer', ['c1', 'c2']))).toEqual([added, other]);
        throw new Rollback();
      }),
    );
    expect(isOrWrapsA(error, Rollback), String(error)).toBe(true);
    expect(await store.transaction((tx) => tx.getExtensions('customer', ['c1', 'c2']))).toEqual([kept]);
    const fresh = await rejectionOf(
      store.transaction(async (tx) => {
        await tx.putExtension(extension('gamma', 'c9', { x: extensionValue(1) }));
        throw new Rollback();
      }),
    );
    expect(isOrWrapsA(fresh, Rollback), String(fresh)).toBe(true);
    expect(await store.transaction((tx) => tx.getExtensions('customer', ['c9']))).toEqual([]);
  });

  // ---------------------------------------------------------------- workflow runs
  add('workflow runs', 'round-trips runs with and without the optional fields, exactly', async (store) => {
    const minimal = workflowRun('wr1');
    const full = fullWorkflowRun('wr2');
    const manual = workflowRun('wr3', { trigger: { kind: 'manual' }, input: null });
    await store.transaction(async (tx) => {
      await tx.putWorkflowRun(full);
      await tx.putWorkflowRun(minimal);
      await tx.putWorkflowRun(manual);
    });
    await store.transaction(async (tx) => {
      // toStrictEqual: an optional field left out must come back left out (not as undefined or null).
      expect(await tx.getWorkflowRun('wr1')).toStrictEqual(minimal);
      expect(await tx.getWorkflowRun('wr2')).toStrictEqual(full);
      expect(await tx.getWorkflowRun('wr3')).toStrictEqual(manual);
      expect(Object.keys((await tx.getWorkflowRun('wr1'))!).sort()).toEqual(Object.keys(minimal).sort());
      expect(await tx.getWorkflowRun('missing')).toBeUndefined();
      expect(await tx.listWorkflowRuns({ limit: 10 })).toStrictEqual([minimal, full, manual]);
    });
  });

  add(
    'workflow runs',
    'replaces a run by id on every write, dropping fields the new version leaves out',
    async (store) => {
      const pending = workflowRun('wr1');
      await store.transaction((tx) => tx.putWorkflowRun(pending));
      const running: WorkflowRun = {
        ...pending,
        status: 'running',
        step: 1,
        attempt: 2,
        results: { fetch: { rows: 3 } },
        completed: ['fetch'],
        history: [
          { at: T1, step: 'fetch', action: 'completed', attempt: 1 },
          { at: T2, step: 'push', action: 'failed', attempt: 1, error: { code: 'E', message: 'down' } },
        ],
        error: { code: 'E', message: 'down', step: 'push' },
        notBefore: T2,
        leaseOwner: 'worker-1',
        leaseUntil: T2,
        updatedAt: T2,
        version: 2,
      };
      await store.transaction((tx) => tx.putWorkflowRun(running));
      expect(await store.transaction((tx) => tx.getWorkflowRun('wr1'))).toStrictEqual(running);
      const { error: _error, notBefore: _notBefore, leaseOwner: _owner, leaseUntil: _until, ...rest } = running;
      const completed: WorkflowRun = {
        ...rest,
        status: 'completed',
        step: 2,
        attempt: 0,
        completed: ['fetch', 'push'],
        finishedAt: T2,
        version: 3,
      };
      await store.transaction((tx) => tx.putWorkflowRun(completed));
      await store.transaction(async (tx) => {
        expect(await tx.getWorkflowRun('wr1')).toStrictEqual(completed);
        expect(await tx.listWorkflowRuns({ limit: 10 })).toStrictEqual([completed]);
        expect(await tx.listWorkflowRuns({ limit: 10, status: ['running'] })).toEqual([]);
        expect(await tx.listWorkflowRuns({ limit: 10, status: ['completed'] })).toStrictEqual([completed]);
      });
      // Idempotent: the same write twice leaves one run.
      await store.transaction(async (tx) => {
        await tx.putWorkflowRun(completed);
        await tx.putWorkflowRun(completed);
      });
      expect(await store.transaction((tx) => tx.listWorkflowRuns({ limit: 10 }))).toStrictEqual([completed]);
    },
  );

  add(
    'workflow runs',
    'lists runs ordered by id with after, limit, any of several statuses and a workflow',
    async (store) => {
      const specs: [string, WorkflowRun['status'], string][] = [
        ['wr_05', 'running', 'acme.sync'],
        ['wr_01', 'pending', 'acme.sync'],
        ['wr_10', 'failed', 'acme.notify'],
        ['wr_03', 'pending', 'acme.notify'],
        ['wr_07', 'completed', 'acme.sync'],
        ['wr_02', 'compensating', 'acme.sync'],
        ['wr_04', 'running', 'acme.notify'],
        ['wr_06', 'compensated', 'acme.sync'],
      ];
      const runs = specs.map(([id, status, workflow]) => workflowRun(id, { status, workflow }));
      await store.transaction(async (tx) => {
        for (const run of runs) await tx.putWorkflowRun(run);
      });
      const sorted = [...runs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      await store.transaction(async (tx) => {
        expect(await tx.listWorkflowRuns({ limit: 100 })).toEqual(sorted);
        expect(idsOf(await tx.listWorkflowRuns({ limit: 2 }))).toEqual(['wr_01', 'wr_02']);
        expect(idsOf(await tx.listWorkflowRuns({ limit: 2, after: 'wr_02' }))).toEqual(['wr_03', 'wr_04']);
        expect(idsOf(await tx.listWorkflowRuns({ limit: 100, after: 'wr_065' }))).toEqual(['wr_07', 'wr_10']);
        expect(idsOf(await tx.listWorkflowRuns({ limit: 100, after: 'wr_10' }))).toEqual([]);
        expect(idsOf(await tx.listWorkflowRuns({ limit: 0 }))).toEqual([]);
        expect(idsOf(await tx.listWorkflowRuns({ limit: 100, status: ['pending'] }))).toEqual(['wr_01', 'wr_03']);
        expect(idsOf(await tx.listWorkflowRuns({ limit: 100, status: ['running', 'pending'] }))).toEqual([
          'wr_01',
          'wr_03',
          'wr_04',
          'wr_05',
        ]);
        expect(
          idsOf(
            await tx.listWorkflowRuns({ limit: 2, status: ['running', 'pending', 'compensating'], after: 'wr_01' }),
          ),
        ).toEqual(['wr_02', 'wr_03']);
        expect(idsOf(await tx.listWorkflowRuns({ limit: 100, workflow: 'acme.notify' }))).toEqual([
          'wr_03',
          'wr_04',
          'wr_10',
        ]);
        expect(
          idsOf(await tx.listWorkflowRuns({ limit: 100, workflow: 'acme.sync', status: ['running', 'compensated'] })),
        ).toEqual(['wr_05', 'wr_06']);
        expect(
          idsOf(
            await tx.listWorkflowRuns({
              limit: 1,
              workflow: 'acme.sync',
              status: ['running', 'compensated'],
              after: 'wr_05',
            }),
          ),
        ).toEqual(['wr_06']);
        expect(await tx.listWorkflowRuns({ limit: 100, workflow: 'acme.none' })).toEqual([]);
        expect(await tx.listWorkflowRuns({ limit: 100, workflow: 'acme.notify', status: ['completed'] })).toEqual([]);
      });
    },
  );

  add('workflow runs', 'pages through many runs with a cursor, seeing every run exactly once', async (store) => {
    const count = 61;
    const statuses = ['pending', 'running', 'failed'] as const;
    const ids = Array.from({ length: count }, (_, i) => `wr${String((i * 17) % count).padStart(3, '0')}`);
    const statusOf = (id: string) => statuses[Number(id.slice(2)) % 3]!;
    const workflowOf = (id: string) => (Number(id.slice(2)) % 2 === 0 ? 'acme.sync' : 'acme.notify');
    await store.transaction(async (tx) => {
      for (const id of ids)
        await tx.putWorkflowRun(workflowRun(id, { status: statusOf(id), workflow: workflowOf(id) }));
    });
    const page = async (limit: number, filter: { status?: WorkflowRun['status'][]; workflow?: string } = {}) => {
      const seen: string[] = [];
      let after: string | undefined;
      for (let guard = 0; guard < 1000; guard++) {
        const rows = await store.transaction((tx) =>
          tx.listWorkflowRuns({ limit, ...(after === undefined ? {} : { after }), ...filter }),
        );
        expect(rows.length).toBeLessThanOrEqual(limit);
        if (rows.length === 0) break;
        seen.push(...idsOf(rows));
        after = rows[rows.length - 1]!.id;
      }
      return seen;
    };
    const sorted = [...ids].sort();
    expect(await page(10)).toEqual(sorted);
    expect(await page(count)).toEqual(sorted);
    expect(await page(4, { status: ['pending', 'failed'] })).toEqual(sorted.filter((id) => statusOf(id) !== 'running'));
    expect(await page(3, { workflow: 'acme.sync', status: ['running'] })).toEqual(
      sorted.filter((id) => workflowOf(id) === 'acme.sync' && statusOf(id) === 'running'),
    );
  });

  add('workflow runs', 'sees its own run writes; a rollback leaves nothing behind', async (store) => {
    const kept = workflowRun('wr1');
    await store.transaction((tx) => tx.putWorkflowRun(kept));
    const error = await rejectionOf(
      store.transaction(async (tx) => {
        const advanced = fullWorkflowRun('wr1', { workflow: 'acme.sync', status: 'running', version: 2 });
        const added = workflowRun('wr2', { status: 'running' });
        await tx.putWorkflowRun(advanced);
        await tx.putWorkflowRun(added);
        expect(await tx.getWorkflowRun('wr1')).toStrictEqual(advanced);
        expect(await tx.listWorkflowRuns({ limit: 10, status: ['running'] })).toStrictEqual([advanced, added]);
        throw new Rollback();
      }),
    );
    expect(isOrWrapsA(error, Rollback), String(error)).toBe(true);
    await store.transaction(async (tx) => {
      expect(await tx.getWorkflowRun('wr1')).toStrictEqual(kept);
      expect(await tx.getWorkflowRun('wr2')).toBeUndefined();
      expect(await tx.listWorkflowRuns({ limit: 10 })).toStrictEqual([kept]);
      expect(await tx.listWorkflowRuns({ limit: 10, status: ['running'] })).toEqual([]);
    });
  });

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
    const page = async (limit: number, target?: string) => {
      const seen: number[] = [];
      let after: number | undefined;
      for (let guard = 0; guard < 1000; guard++) {
        const rows = await store.transaction((tx) =>
          tx.listAudit({ limit, ...(after === undefined ? {} : { after }), ...(target ? { target } : {}) }),
        );
        expect(rows.length).toBeLessThanOrEqual(limit);
        if (rows.length === 0) break;
        seen.push(...rows.map((e) => e.seq));
        after = rows[rows.length - 1]!.seq;
      }
      return seen;
    };
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
    const page = async (limit: number, ref?: string) => {
      const seen: string[] = [];
      let after: string | undefined;
      for (let guard = 0; guard < 1000; guard++) {
        const rows = await store.transaction((tx) =>
          tx.listDocuments('consent', { limit, ...(after === undefined ? {} : { after }), ...(ref ? { ref } : {}) }),
        );
        expect(rows.length).toBeLessThanOrEqual(limit);
        if (rows.length === 0) break;
        seen.push(...idsOf(rows));
        after = rows[rows.length - 1]!.id;
      }
      return seen;
    };
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

  // ---------------------------------------------------------------- transactions
  for (const writeName of Object.keys(writes)) {
    add('transactions', `rolls back: ${writeName}`, async (store) => {
      await seed(store);
      const before = await snapshot(store);
      const failure = new Error('boom');
      const error = await rejectionOf(
        store.transaction(async (tx) => {
          await writes[writeName]!(tx);
          throw failure;
        }),
      );
      expect(isOrWraps(error, failure), String(error)).toBe(true);
      expect(await snapshot(store)).toEqual(before);
    });
  }

  add(
    'transactions',
    'each write is visible inside its transaction and changes the seeded state (so the rollback tests are meaningful)',
    async (store) => {
      await seed(store);
      for (const [writeName, write] of Object.entries(writes)) {
        const error = await rejectionOf(
          store.transaction(async (tx) => {
            const before = await snapshotOf(tx);
            await write(tx);
            expect(await snapshotOf(tx), writeName).not.toEqual(before);
            throw new Rollback();
          }),
        );
        expect(isOrWrapsA(error, Rollback), String(error)).toBe(true);
      }
    },
    SLOW,
  );

  add('transactions', 'rolls back every kind of write at once, exactly', async (store) => {
    await seed(store);
    const before = await snapshot(store);
    const failure = new Error('late failure');
    const error = await rejectionOf(
      store.transaction(async (tx) => {
        for (const write of Object.values(writes)) await write(tx);
        expect(await tx.getGroups(['g3'])).toHaveLength(1);
        throw failure;
      }),
    );
    expect(isOrWraps(error, failure), String(error)).toBe(true);
    expect(await snapshot(store)).toEqual(before);
  });

  add('transactions', 'makes a committed transaction visible, exactly, to the next', async (store) => {
    await seed(store);
    const inside = await store.transaction(async (tx) => {
      for (const write of Object.values(writes)) await write(tx);
      return snapshotOf(tx);
    });
    expect(await snapshot(store)).toEqual(inside);
    expect(await store.transaction(snapshotOf)).toEqual(inside);
  });

  add('transactions', 'keeps working after a rollback, with outbox seq beyond every committed one', async (store) => {
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
    expect(idsOf(await store.transaction((tx) => tx.listOutbox({ after: maxCommitted, limit: 10 })))).toEqual(['kept']);
  });

  add('transactions', 'rolls back when the signal is aborted during the transaction', async (store) => {
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
    expect(CrmkitError.isInstance(error), String(error)).toBe(true);
    expect((error as CrmkitError).code).toBe('ABORTED');
    expect((error as CrmkitError).cause).toBe('user cancelled');
    expect(await snapshot(store)).toEqual(before);
  });

  add('transactions', 'rolls back when an AbortController aborts before commit', async (store) => {
    const { AbortController: Controller } = globalThis as unknown as {
      AbortController?: new () => { signal: AbortSignalLike; abort(reason?: unknown): void };
    };
    if (!Controller) return;
    await seed(store);
    const before = await snapshot(store);
    const controller = new Controller();
    const error = await rejectionOf(
      store.transaction(
        async (tx) => {
          await writes['insert a record']!(tx);
          await writes['append to the outbox']!(tx);
          controller.abort('stop');
        },
        { signal: controller.signal },
      ),
    );
    expect(CrmkitError.isInstance(error) && error.code === 'ABORTED', String(error)).toBe(true);
    expect(await snapshot(store)).toEqual(before);
  });

  add('transactions', 'does not commit when the signal is already aborted', async (store) => {
    await seed(store);
    const before = await snapshot(store);
    const signal: AbortSignalLike = { aborted: true, reason: 'early' };
    const error = await rejectionOf(
      store.transaction(async (tx) => tx.putRecords([rec('r9', { matchKeys: ['m:r9'] })]), { signal }),
    );
    expect(CrmkitError.isInstance(error) && error.code === 'ABORTED', String(error)).toBe(true);
    expect(await snapshot(store)).toEqual(before);
  });

  add('transactions', 'commits when the signal stays live', async (store) => {
    const signal: AbortSignalLike = { aborted: false };
    await store.transaction((tx) => tx.putGroup(group('g1')), { signal });
    expect(idsOf(await store.transaction((tx) => tx.getGroups()))).toEqual(['g1']);
  });

  add('transactions', 'refuses use of a transaction after it has finished, writing nothing', async (store) => {
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
    expect(await store.transaction((tx) => tx.getGroups()), 'the late write must not be stored').toEqual([]);
    expect(failed, 'the late call must throw or reject').toBe(true);
  });

  add('transactions', 'refuses transactions after close (and close may be called again)', async (store) => {
    await store.close();
    await expect(store.transaction(async () => 1)).rejects.toThrow();
  });

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
    out!.matchKeys.length = 0;
    (out!.data as { givenName?: string }).givenName = 'Mutated again';
    const [found] = await store.transaction((tx) => tx.findRecordsByMatchKeys(['m:a']));
    expect(found).toEqual(pristine);
    found!.customerId = 'c-mutated';
    const [referring] = await store.transaction((tx) => tx.findRecordsByRefKeys(['rec:a']));
    expect(referring).toEqual(pristine);
    referring!.refKeys.push('rec:mutated');
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
    first.l!.a = 'x';
    first.ls[0]!.probability = 0;
    first.r!.customerIds.length = 0;
    first.rs[0]!.status = 'accepted';
    first.all[0]!.pairKey = 'x';
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
    (first.xs[0]!.fields.tags!.value as string[]).length = 0;
    (first.xs[0]!.fields.obj!.value as { n: number }).n = 2;
    first.xs[0]!.updatedAt = T2;
    first.w!.completed.push('x');
    first.w!.trigger.kind = 'manual';
    first.ws[0]!.version = 99;
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
    first.last!.changes!.length = 0;
    first.list[0]!.hash = 'mutated';
    first.byTarget[0]!.redacted = true;
    (first.docs[0]!.data as { purposes: string[] }).purposes.length = 0;
    first.listed[0]!.ref = 'c-mutated';
    (first.byRef[0]!.data as { nested: { n: number } }).nested.n = 2;
    expect(await read()).toStrictEqual(expected);
    expect(await store.transaction((tx) => tx.listAudit({ target: 'customer:mutated', limit: 10 }))).toEqual([]);
    expect(await store.transaction((tx) => tx.listDocuments('consent', { ref: 'c-mutated', limit: 10 }))).toEqual([]);
  });

  // ---------------------------------------------------------------- concurrency
  add(
    'concurrency',
    'never loses an update: two concurrent read-modify-write transactions give +2, or one fails with CONFLICT',
    async (store) => {
      for (let round = 0; round < 8; round++) {
        const id = `c${round}`;
        await store.transaction((tx) => tx.putCustomers([customer(id, { version: 10 })]));
        const bothHaveRead = barrier(2, 25);
        const results = await Promise.allSettled(
          [0, 1].map((writer) =>
            store.transaction(async (tx) => {
              const [row] = await tx.getCustomers([id]);
              await bothHaveRead();
              await tx.putCustomers([{ ...row!, version: row!.version + 1, displayName: `writer ${writer}` }]);
            }),
          ),
        );
        const outcomes = results.map(describeOutcome).join('; ');
        const fulfilled = results.filter((r) => r.status === 'fulfilled').length;
        for (const result of results) {
          if (result.status === 'rejected') expect(isConflict(result.reason), outcomes).toBe(true);
        }
        expect(fulfilled, outcomes).toBeGreaterThanOrEqual(1);
        const [row] = await store.transaction((tx) => tx.getCustomers([id]));
        expect(row!.version, `round ${round}: ${outcomes}`).toBe(10 + fulfilled);
      }
    },
    SLOW,
  );

  add(
    'concurrency',
    'never loses an update among many concurrent read-modify-write transactions',
    async (store) => {
      await store.transaction((tx) => tx.putCustomers([customer('c1', { version: 1 })]));
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          store.transaction(async (tx) => {
            const [row] = await tx.getCustomers(['c1']);
            await tick(i % 3);
            await tx.putCustomers([{ ...row!, version: row!.version + 1 }]);
          }),
        ),
      );
      const outcomes = results.map(describeOutcome).join('; ');
      for (const result of results) {
        if (result.status === 'rejected') expect(isConflict(result.reason), outcomes).toBe(true);
      }
      const fulfilled = results.filter((r) => r.status === 'fulfilled').length;
      expect(fulfilled, outcomes).toBeGreaterThanOrEqual(1);
      const [row] = await store.transaction((tx) => tx.getCustomers(['c1']));
      expect(row!.version, outcomes).toBe(1 + fulfilled);
    },
    SLOW,
  );

  add(
    'concurrency',
    'gives unique, strictly increasing seq values to many concurrent outbox appends',
    async (store) => {
      const writers = 20;
      const results = await Promise.allSettled(
        Array.from({ length: writers }, (_, w) =>
          store.transaction(async (tx) => {
            await tx.appendOutbox([event(`w${w}-0`), event(`w${w}-1`)]);
            await tick(w % 3);
            await tx.appendOutbox([event(`w${w}-2`)]);
          }),
        ),
      );
      const outcomes = results.map(describeOutcome).join('; ');
      for (const result of results) {
        if (result.status === 'rejected') expect(isConflict(result.reason), outcomes).toBe(true);
      }
      const committed = results.flatMap((r, w) => (r.status === 'fulfilled' ? [w] : []));
      expect(committed.length, outcomes).toBeGreaterThanOrEqual(1);
      const all = await readWholeOutbox(store, 7);
      expectIncreasingSeqs(all);
      expect(new Set(all.map((e) => e.seq)).size).toBe(all.length);
      const expected = committed.flatMap((w) => [`w${w}-0`, `w${w}-1`, `w${w}-2`]);
      expect(idsOf(all).sort()).toEqual(expected.sort());
      // Within one transaction the events keep their order.
      for (const w of committed) {
        const positions = [0, 1, 2].map((i) => idsOf(all).indexOf(`w${w}-${i}`));
        expect(positions, `writer ${w}`).toEqual([...positions].sort((a, b) => a - b));
      }
    },
    SLOW,
  );

  add(
    'concurrency',
    'never commits an event at or below a seq a reader has already seen (no event slips behind a checkpoint)',
    async (store) => {
      for (let round = 0; round < 4; round++) {
        let releaseSlow!: () => void;
        const readerDone = new Promise<void>((resolve) => {
          releaseSlow = resolve;
        });
        // The slow writer appends first and commits last; meanwhile a fast writer commits and a reader checkpoints.
        const slow = store.transaction(async (tx) => {
          await tx.appendOutbox([event(`slow-${round}`)]);
          await Promise.race([readerDone, tick(50)]);
        });
        await tick(2);
        const fast = store.transaction((tx) => tx.appendOutbox([event(`fast-${round}`)]));
        await Promise.race([fast, tick(25)]);
        const seen = await store.transaction((tx) => tx.listOutbox({ limit: 1000 }), { readOnly: true });
        releaseSlow();
        const results = await Promise.allSettled([slow, fast]);
        const outcomes = results.map(describeOutcome).join('; ');
        for (const result of results) {
          if (result.status === 'rejected') expect(isConflict(result.reason), outcomes).toBe(true);
        }
        const checkpoint = Math.max(0, ...seen.map((e) => e.seq!));
        const all = await readWholeOutbox(store);
        const seenIds = new Set(idsOf(seen));
        for (const later of all.filter((e) => !seenIds.has(e.id))) {
          expect(later.seq!, `${later.id} committed after a reader saw seq ${checkpoint}`).toBeGreaterThan(checkpoint);
        }
        // Reading from the checkpoint delivers exactly the events the reader has not seen yet.
        const rest = await store.transaction((tx) => tx.listOutbox({ after: checkpoint, limit: 1000 }));
        expect(idsOf(rest).sort()).toEqual(
          idsOf(all)
            .filter((id) => !seenIds.has(id))
            .sort(),
        );
      }
    },
    SLOW,
  );

  add(
    'concurrency',
    'never lets two concurrent writers extend the audit log from one head: seqs stay unique and contiguous',
    async (store) => {
      let committed = 0;
      for (let round = 0; round < 6; round++) {
        const bothHaveRead = barrier(2, 25);
        const results = await Promise.allSettled(
          [0, 1].map((writer) =>
            store.transaction(async (tx) => {
              const head = await tx.lastAudit();
              await bothHaveRead();
              await tx.appendAudit([
                auditEntry((head?.seq ?? 0) + 1, {
                  target: `customer:w${writer}`,
                  prevHash: head?.hash ?? '0'.repeat(64),
                  hash: hex64(`round ${round} writer ${writer}`),
                }),
              ]);
            }),
          ),
        );
        const outcomes = results.map(describeOutcome).join('; ');
        for (const result of results) {
          if (result.status === 'rejected') expect(isConflict(result.reason), outcomes).toBe(true);
        }
        const fulfilled = results.filter((r) => r.status === 'fulfilled').length;
        expect(fulfilled, outcomes).toBeGreaterThanOrEqual(1);
        committed += fulfilled;
        const log = await store.transaction((tx) => tx.listAudit({ limit: 1000 }));
        expect(
          log.map((e) => e.seq),
          `round ${round}: ${outcomes}`,
        ).toEqual(Array.from({ length: committed }, (_, i) => i + 1));
        // Every entry extends the one before it: no writer appended onto a head that was not the last.
        for (let i = 1; i < log.length; i++) expect(log[i]!.prevHash, `seq ${log[i]!.seq}`).toBe(log[i - 1]!.hash);
      }
    },
    SLOW,
  );

  add('concurrency', 'runs the next transaction after one that failed, without its writes', async (store) => {
    const failing = store.transaction(async (tx) => {
      await tx.putGroup(group('g-failed'));
      await tick();
      throw new Error('fail');
    });
    const next = store.transaction((tx) => tx.getGroups());
    await expect(failing).rejects.toThrow('fail');
    await expect(next).resolves.toEqual([]);
    expect(await store.transaction((tx) => tx.getGroups())).toEqual([]);
  });

  add('concurrency', 'never shows uncommitted writes to a concurrent reader', async (store) => {
    let readerDone!: () => void;
    const gate = new Promise<void>((resolve) => {
      readerDone = resolve;
    });
    const writer = store.transaction(async (tx) => {
      await tx.putCustomers([customer('c-dirty', { lookupKeys: ['name:dirty'] })]);
      await tx.putRecords([rec('dirty', { matchKeys: ['m:dirty'] })]);
      await tx.appendOutbox([event('e-dirty')]);
      await Promise.race([gate, tick(50)]);
      throw new Rollback();
    });
    await tick(2);
    const seen = await store.transaction(
      async (tx) => ({
        customers: await tx.findCustomersByLookupKeys(['name:dirty'], 10),
        records: await tx.findRecordsByMatchKeys(['m:dirty']),
        outbox: await tx.listOutbox({ limit: 10 }),
      }),
      { readOnly: true },
    );
    readerDone();
    const writerError = await rejectionOf(writer);
    expect(isOrWrapsA(writerError, Rollback), String(writerError)).toBe(true);
    expect(seen).toEqual({ customers: [], records: [], outbox: [] });
  });

  // ---------------------------------------------------------------- model
  add(
    'model',
    'behaves like a simple model of the contract over random sequences of operations',
    (store, context) => runStoreModel(store, context),
    SLOW,
  );

  return cases;
}
