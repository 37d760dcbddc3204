/**
 * The two SQL backends a test runs its cases on: PGlite always (one shared database, a schema per case: opening
 * PGlite is the slow part) and PostgreSQL when DATABASE_URL is set. Call at the top level of a test file: it
 * registers an `afterAll` that runs the cleanups, ends the pools and closes PGlite. Test support, not published API.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll } from 'vitest';
import { pgClient, pgliteClient, type SqlClient } from '../client';

/** A backend of {@link sqlBackends}. */
export interface SqlBackend {
  name: 'PGlite' | 'PostgreSQL';
  /** True when the backend is not available (PostgreSQL without DATABASE_URL). */
  skip: boolean;
  /** A client on the backend (PGlite: the shared database, whose `close` does nothing). */
  client(): SqlClient;
}

/** The backends, and the list of cleanups (e.g. dropping a schema) run after all tests of the file. */
export function sqlBackends(): { backends: SqlBackend[]; cleanups: (() => Promise<unknown>)[] } {
  const url = process.env.DATABASE_URL;
  const pools: pg.Pool[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  const pglite = new PGlite();
  const sharedPglite = pgliteClient(pglite);
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    await Promise.all(pools.map((pool) => pool.end().catch(() => undefined)));
    await pglite.close();
  });
  const backends: SqlBackend[] = [
    { name: 'PGlite', skip: false, client: () => ({ ...sharedPglite, close: async () => undefined }) },
    {
      name: 'PostgreSQL',
      skip: !url,
      client: () => {
        const pool = new pg.Pool({ connectionString: url, max: 3 });
        pools.push(pool);
        return pgClient(pool);
      },
    },
  ];
  return { backends, cleanups };
}
