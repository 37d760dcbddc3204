/**
 * The Store conformance suite of @crmkit/testing, run against PGlite (one in-process database, a fresh schema per
 * test) and PostgreSQL (skipped without DATABASE_URL).
 */
import { PGlite } from '@electric-sql/pglite';
import { type AuditEntry, StoreError } from '@crmkit/model';
import { describeStoreContract } from '@crmkit/testing';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { pgClient, pgliteClient, type SqlClient } from './client';
import { createPostgresStore, isRetryable, type PostgresStore } from './store';

const url = process.env.DATABASE_URL;
let counter = 0;
const uniqueSchema = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${(counter++).toString(36)}`;

const pglite = new PGlite();
const sharedPglite = pgliteClient(pglite);

/** A store whose close() drops its schema (the shared database stays open). */
function disposable(store: PostgresStore, drop: () => Promise<void>): PostgresStore {
  let dropped: Promise<void> | undefined;
  return {
    ...store,
    async close() {
      dropped ??= drop().then(() => store.close());
      await dropped;
    },
  };
}

describeStoreContract('pglite', () => {
  const schema = uniqueSchema('c');
  const store = createPostgresStore({ client: { ...sharedPglite, close: async () => undefined }, schema });
  return disposable(store, async () => {
    await sharedPglite.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });
});

const pools: pg.Pool[] = [];
describeStoreContract(
  'postgres',
  () => {
    const schema = uniqueSchema('c');
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    pools.push(pool);
    const store = createPostgresStore({ client: pgClient(pool), schema });
    return disposable(store, async () => {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    });
  },
  { skip: url ? false : 'skipped: set DATABASE_URL' },
);

describe('bad input', () => {
  it('a wrong argument gets a typed error and leaves nothing behind', async () => {
    const store = createPostgresStore({
      client: { ...sharedPglite, close: async () => undefined },
      schema: uniqueSchema('bad'),
    });
    const error = await store
      .transaction(async (tx) => {
        await tx.putGroup({ id: 'g1' } as never);
        await tx.putRecords([{ key: 'k' } as never]);
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'records[0].type' });
    expect(await store.transaction((tx) => tx.getGroups())).toEqual([]);
    expect(() => createPostgresStore({ client: sharedPglite, schema: 'x; drop table y' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});

/** Where the tests below run: PGlite always, PostgreSQL with DATABASE_URL. */
const backends: { name: 'pglite' | 'postgres'; skip: boolean; client: () => SqlClient }[] = [
  { name: 'pglite', skip: false, client: () => ({ ...sharedPglite, close: async () => undefined }) },
  {
    name: 'postgres',
    skip: !url,
    client: () => {
      const pool = new pg.Pool({ connectionString: url, max: 4 });
      pools.push(pool);
      return pgClient(pool);
    },
  },
];
const dropSchemas: (() => Promise<unknown>)[] = [];

function entry(seq: number, extra: Partial<AuditEntry> = {}): AuditEntry {
  return {
    seq,
    at: '2026-01-01T00:00:00Z',
    actor: 'user:usr_1',
    action: 'customer.override',
    target: 'customer:c1',
    changes: [{ field: 'jobTitle', new: `title ${seq}` }],
    changesDigest: 'd'.repeat(64),
    prevHash: '0'.repeat(64),
    hash: String(seq).padStart(64, '0'),
    ...extra,
  };
}

/** The error a promise rejects with. */
async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

for (const backend of backends) {
  (backend.skip ? describe.skip : describe)(`audit log on ${backend.name}`, () => {
    function freshStore(): PostgresStore {
      const client = backend.client();
      const schema = uniqueSchema('audit');
      dropSchemas.push(() => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
      return createPostgresStore({ client, schema });
    }

    it('runs the writer that lost the race for a seq again: both commit, the second after the first', async () => {
      const store = freshStore();
      await store.transaction((tx) => tx.appendAudit([entry(1)]));
      const attempts = [0, 0];
      let arrived = 0;
      let release!: () => void;
      const bothHaveRead = new Promise<void>((resolve) => {
        release = resolve;
      });
      // PGlite runs one transaction at a time: the first writer cannot wait for the second there. On PostgreSQL the
      // first waits for the second to have read, however long a loaded machine takes (the test's budget bounds it).
      const patience = backend.name === 'postgres' ? 60_000 : 20;
      const writer = (w: number) =>
        store.transaction(async (tx) => {
          attempts[w]!++;
          const head = (await tx.lastAudit())!;
          if (attempts[w] === 1) {
            if (++arrived === 2) release();
            await Promise.race([bothHaveRead, new Promise((resolve) => setTimeout(resolve, patience))]);
          }
          await tx.appendAudit([entry(head.seq + 1, { target: `customer:w${w}`, prevHash: head.hash })]);
        });
      await Promise.all([writer(0), writer(1)]);
      const log = await store.transaction((tx) => tx.listAudit({ limit: 10 }));
      expect(log.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(log[1]!.prevHash).toBe(log[0]!.hash);
      expect(log[2]!.prevHash).toBe(log[1]!.hash);
      expect(
        log
          .slice(1)
          .map((e) => e.target)
          .sort(),
      ).toEqual(['customer:w0', 'customer:w1']);
      if (backend.name === 'postgres') {
        // Exactly one writer won the first time; the other ran again and appended after it.
        expect([...attempts].sort()).toEqual([1, 2]);
        expect(log[2]!.target).toBe(`customer:w${attempts.indexOf(2)}`);
      } else expect(attempts).toEqual([1, 1]);
    }, 180_000);

    it('refuses a seq the transaction can see at once, with CONFLICT and without running it again', async () => {
      const store = freshStore();
      await store.transaction((tx) => tx.appendAudit([entry(1), entry(2)]));
      let attempts = 0;
      const error = await errorOf(
        store.transaction(async (tx) => {
          attempts++;
          await tx.appendAudit([entry(3), entry(2)]);
        }),
      );
      expect(error).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('Audit entry 2 exists') });
      expect(attempts).toBe(1);
      const again = await errorOf(store.transaction((tx) => tx.appendAudit([entry(4), entry(4)])));
      expect(again).toMatchObject({ code: 'CONFLICT' });
      expect(await store.transaction((tx) => tx.listAudit({ limit: 10 }))).toStrictEqual([entry(1), entry(2)]);
    });

    it('retries a unique violation of the audit log key of its own schema only', async () => {
      const store = freshStore();
      await store.ready();
      const other = freshStore();
      await other.ready();
      const insert = (target: PostgresStore, seq: number) =>
        target.client.query(
          `INSERT INTO ${target.schema}.crmkit_audit_log (seq, at, actor, action, target, entry)
           VALUES ($1, 'at', 'actor', 'action', 'target', '{}')`,
          [seq],
        );
      await insert(store, 1);
      const duplicateSeq = await errorOf(insert(store, 1));
      expect(duplicateSeq).toMatchObject({ code: '23505' });
      expect(isRetryable(duplicateSeq, store.schemaName)).toBe(true);
      expect(isRetryable(duplicateSeq, other.schemaName), 'the audit log of another schema').toBe(false);
      await store.transaction((tx) => tx.appendOutbox([{ id: 'e1', type: 't', at: 'at', payload: null }]));
      const duplicateEvent = await errorOf(
        store.client.query(
          `INSERT INTO ${store.schema}.crmkit_outbox (id, type, at, payload) VALUES ('e1', 't', 'at', 'null')`,
        ),
      );
      expect(duplicateEvent).toMatchObject({ code: '23505' });
      expect(isRetryable(duplicateEvent, store.schemaName), 'another unique key').toBe(false);
      expect(isRetryable({ code: '40001' }, store.schemaName)).toBe(true);
      expect(isRetryable({ code: '40P01' }, store.schemaName)).toBe(true);
      expect(isRetryable({ code: '23503' }, store.schemaName)).toBe(false);
      expect(isRetryable(new Error('x'), store.schemaName)).toBe(false);
      expect(isRetryable(undefined, store.schemaName)).toBe(false);
      // An outbox event appended inside a store transaction with a duplicate id fails at once, not after retries.
      let attempts = 0;
      const failed = await errorOf(
        store.transaction(async (tx) => {
          attempts++;
          await tx.appendOutbox([{ id: 'e1', type: 't', at: 'at', payload: null }]);
        }),
      );
      expect(failed).toMatchObject({ code: 'STORE_FAILED' });
      // The SQLSTATE is on the error (callers tell data the database refused from a failing database by it).
      expect(StoreError.isInstance(failed) && failed.sqlState).toBe('23505');
      expect(attempts).toBe(1);
    });

    it('finds outbox events by quoted token and checks them parsed, whatever characters the ids hold', async () => {
      const store = freshStore();
      const ids = ['50%', 'a_b', 'back\\slash', 'quote"d', 'tab\there', 'Zoë', '🚀', '\u2028'];
      await store.transaction((tx) =>
        tx.appendOutbox([
          ...ids.map((id, i) => ({ id: `hit${i}`, type: 't', at: 'at', payload: { list: [{ id }] } })),
          { id: 'miss', type: 't', at: 'at', payload: { v: ['50x', 'aXb', 'back\\\\slash', 'quote', 'Zoe'] } },
        ]),
      );
      for (const [i, id] of ids.entries()) {
        expect(await store.transaction((tx) => tx.redactOutbox([id])), JSON.stringify(id)).toBe(1);
        const [event] = await store.transaction((tx) =>
          tx.listOutbox({ limit: 100 }).then((all) => all.filter((e) => e.id === `hit${i}`)),
        );
        expect(event!.payload).toEqual({ redacted: true });
      }
      const [miss] = await store.transaction((tx) => tx.listOutbox({ limit: 100 }).then((all) => all.slice(-1)));
      expect(miss!.payload).toEqual({ v: ['50x', 'aXb', 'back\\\\slash', 'quote', 'Zoe'] });
    });
  });
}

afterAll(async () => {
  for (const drop of dropSchemas) await drop().catch(() => undefined);
  await Promise.all(pools.map((pool) => pool.end().catch(() => undefined)));
  await pglite.close();
});
