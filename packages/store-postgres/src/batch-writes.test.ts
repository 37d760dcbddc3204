/**
 * The write path at batch cost, on PGlite and PostgreSQL (skipped without DATABASE_URL): each bulk write is one
 * statement, key rows a record or customer keeps are left in place (not deleted and inserted again), and a customer
 * refused for a stale version keeps its lookup key rows.
 */
import { PGlite } from '@electric-sql/pglite';
import { ConflictError, type CustomerRow, type IdentityLink, type StoredRecord } from '@crmkit/model';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { pgClient, pgliteClient, type SqlClient, type SqlExecutor } from './client';
import { createPostgresStore } from './store';

const url = process.env.DATABASE_URL;
const T = '2026-03-01T10:00:00.000Z';
let counter = 0;
const uniqueSchema = () => `batch_${Date.now().toString(36)}_${(counter++).toString(36)}`;

/** The client with every statement run inside transactions recorded in `log`, and the open transaction's SQL. */
function logging(client: SqlClient, log: string[], open: { sql?: SqlExecutor }): SqlClient {
  const wrap = (sql: SqlExecutor): SqlExecutor => ({
    query(text, params) {
      log.push(text.trim());
      return sql.query(text, params);
    },
  });
  return {
    ...client,
    transaction: (fn, options) =>
      client.transaction((sql) => {
        open.sql = sql;
        return fn(wrap(sql));
      }, options),
  };
}

function record(id: string, matchKeys: string[], blockKeys: string[], extra: Partial<StoredRecord> = {}): StoredRecord {
  return {
    key: `crm/person/${id}`,
    type: 'person',
    source: 'crm',
    externalId: id,
    observedAt: T,
    deleted: false,
    data: { name: `Person ${id}`, quote: 'say "hi" \\ {a,b}' },
    contentHash: `h-${id}`,
    matchKeys,
    refKeys: [],
    blockKeys,
    customerId: null,
    homeId: null,
    version: 1,
    ingestedAt: T,
    ...extra,
  } as StoredRecord;
}

function customer(id: string, lookupKeys: string[], version = 1): CustomerRow {
  return {
    id,
    kind: 'person',
    status: 'active',
    displayName: id,
    createdAt: T,
    updatedAt: T,
    version,
    golden: { fields: {} },
    lookupKeys,
  } as unknown as CustomerRow;
}

function link(id: string, a: string, b: string): IdentityLink {
  return { id, a, b, kind: 'auto', probability: 0.97, explanation: { note: 'x' }, createdAt: T };
}

const pools: pg.Pool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end().catch(() => undefined)));
});

const backends: [string, () => { client: SqlClient; done: () => Promise<void> }][] = [
  [
    'pglite',
    () => {
      const db = new PGlite();
      return { client: pgliteClient(db, { ownsDatabase: true }), done: async () => {} };
    },
  ],
];
if (url) {
  backends.push([
    'postgres',
    () => {
      const pool = new pg.Pool({ connectionString: url, max: 2 });
      pools.push(pool);
      return { client: pgClient(pool), done: async () => {} };
    },
  ]);
}

describe.each(backends)('batch writes on %s', (_name, connect) => {
  async function setup() {
    const { client } = connect();
    const schema = uniqueSchema();
    const log: string[] = [];
    const open: { sql?: SqlExecutor } = {};
    const store = createPostgresStore({ client: logging(client, log, open), schema });
    await store.ready();
    const s = `"${schema}"`;
    /** Physical row ids of key rows: a row deleted and inserted again gets a new one. */
    const ctids = async (table: string, where: string) =>
      (await client.query<{ ctid: string }>(`SELECT ctid::text AS ctid FROM ${s}.${table} WHERE ${where}`)).rows.map(
        (row) => row.ctid,
      );
    const finish = async () => {
      await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      await store.close();
    };
    return { store, log, ctids, finish, open, s };
  }

  it('writes records, customers, events, journal entries and links with one statement per call', async () => {
    const { store, log, finish } = await setup();
    try {
      await store.transaction(async (tx) => {
        log.length = 0;
        await tx.putRecords([record('r1', ['m:1', 'm:2'], ['b:1']), record('r2', ['m:2'], ['b:1', 'b:2'])]);
        await tx.putCustomers([customer('c1', ['email:a', 'name:x']), customer('c2', ['name:x'])]);
        await tx.appendOutbox([
          { id: 'e1', type: 'customer.created', at: T, payload: { id: 'c1' } },
          { id: 'e2', type: 'customer.created', at: T, payload: null, meta: { op: 'e1', n: 2 } },
        ]);
        await tx.appendJournal([{ id: 'j1', at: T, kind: 'link', customerIds: ['c1', 'c"2'], data: null }]);
        await tx.putIdentityLinks([link('l1', 'crm/person/r1', 'crm/person/r2'), link('l2', 'x', 'y')]);
        await tx.deleteIdentityLinks(['l2', 'missing']);
        expect(log).toHaveLength(6);
      });
      await store.transaction(async (tx) => {
        expect((await tx.listOutbox({ limit: 10 })).map((e) => [e.id, e.payload, e.meta])).toEqual([
          ['e1', { id: 'c1' }, undefined],
          ['e2', null, { op: 'e1', n: 2 }],
        ]);
        expect(await tx.listJournal({ limit: 10 })).toEqual([
          { id: 'j1', at: T, kind: 'link', customerIds: ['c1', 'c"2'], data: null },
        ]);
        expect(await tx.getRecords(['crm/person/r1'])).toEqual([record('r1', ['m:1', 'm:2'], ['b:1'])]);
        expect((await tx.listIdentityLinks(['crm/person/r1', 'x'])).map((l) => l.id)).toEqual(['l1']);
      });
    } finally {
      await finish();
    }
  });

  it('leaves the key rows a record or customer keeps in place, and moves the ones it lost or gained', async () => {
    const { store, ctids, finish } = await setup();
    try {
      await store.transaction(async (tx) => {
        await tx.putRecords([record('r1', ['m:kept', 'm:old'], ['b:kept', 'b:old'])]);
        await tx.putCustomers([customer('c1', ['name:kept', 'name:old'])]);
      });
      const before = {
        match: await ctids('crmkit_record_keys', `key = 'm:kept'`),
        block: await ctids('crmkit_record_block_keys', `block_key = 'b:kept'`),
        lookup: await ctids('crmkit_customer_keys', `key = 'name:kept'`),
      };
      await store.transaction(async (tx) => {
        const [stored] = await tx.getCustomers(['c1']);
        await tx.putRecords([record('r1', ['m:kept', 'm:new'], ['b:kept', 'b:new'], { version: 2 })]);
        await tx.putCustomers([{ ...stored!, lookupKeys: ['name:kept', 'name:new'], version: 2 }]);
      });
      expect(await ctids('crmkit_record_keys', `key = 'm:kept'`)).toEqual(before.match);
      expect(await ctids('crmkit_record_block_keys', `block_key = 'b:kept'`)).toEqual(before.block);
      expect(await ctids('crmkit_customer_keys', `key = 'name:kept'`)).toEqual(before.lookup);
      await store.transaction(async (tx) => {
        expect((await tx.findRecordsByMatchKeys(['m:old'])).length).toBe(0);
        expect((await tx.findRecordsByMatchKeys(['m:new'])).map((r) => r.key)).toEqual(['crm/person/r1']);
        expect(await tx.findRecordsByBlockKeys(['b:old'], { type: 'person', limit: 5 })).toEqual([]);
        expect((await tx.findRecordsByBlockKeys(['b:new'], { type: 'person', limit: 5 })).length).toBe(1);
        expect(await tx.findCustomersByLookupKeys(['name:old'], 5)).toEqual([]);
        expect((await tx.findCustomersByLookupKeys(['name:new', 'name:kept'], 5)).map((c) => c.id)).toEqual(['c1']);
      });
      // A tombstone and a customer that is no longer active lose all their key rows.
      await store.transaction(async (tx) => {
        const [stored] = await tx.getCustomers(['c1']);
        await tx.putRecords([record('r1', ['m:kept'], ['b:kept'], { deleted: true, data: null, version: 3 })]);
        await tx.putCustomers([{ ...stored!, status: 'merged', mergedInto: 'c2', version: 3 }]);
      });
      expect(await ctids('crmkit_record_keys', 'true')).toEqual([]);
      expect(await ctids('crmkit_record_block_keys', 'true')).toEqual([]);
      expect(await ctids('crmkit_customer_keys', 'true')).toEqual([]);
    } finally {
      await finish();
    }
  });

  it('keeps the lookup key rows of a customer refused for a stale version', async () => {
    const { store, finish, open, s } = await setup();
    try {
      await store.transaction((tx) => tx.putCustomers([customer('c1', ['name:a'])]));
      const committed = await store.transaction(async (tx) => {
        const [stale] = await tx.getCustomers(['c1']);
        // c1 moves on after this transaction read it (in the same transaction: another one would conflict first).
        await open.sql!.query(`UPDATE ${s}.crmkit_customers SET version = 5 WHERE id = 'c1'`);
        // The caller catches the refusal and commits: the refused customer's key rows must not have moved.
        const refused = await tx
          .putCustomers([{ ...stale!, lookupKeys: ['name:b'], version: 2 }, customer('c2', ['name:b'])])
          .catch((error: unknown) => error);
        return refused;
      });
      expect(committed).toBeInstanceOf(ConflictError);
      await store.transaction(async (tx) => {
        expect((await tx.findCustomersByLookupKeys(['name:a'], 5)).map((c) => c.id)).toEqual(['c1']);
        expect((await tx.findCustomersByLookupKeys(['name:b'], 5)).map((c) => c.id)).toEqual(['c2']);
      });
    } finally {
      await finish();
    }
  });
});
