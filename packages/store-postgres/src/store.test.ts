/**
 * The Store conformance suite of @crmkit/testing, run against PGlite (one in-process database, a fresh schema per
 * test) and PostgreSQL (skipped without DATABASE_URL).
 */
import { PGlite } from '@electric-sql/pglite';
import { describeStoreContract } from '@crmkit/testing';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { pgClient, pgliteClient } from './client';
import { createPostgresStore, type PostgresStore } from './store';

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

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end().catch(() => undefined)));
  await pglite.close();
});
