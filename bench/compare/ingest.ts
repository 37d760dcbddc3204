/**
 * Same-run ingest comparison (see run.sh): from a crmkit checkout's root,
 *   node --conditions=@crmkit/source --import tsx compare-ingest.ts <memory|pglite|postgres> <people>
 * prints one JSON line: backend, records, seconds, records/s. It uses public entry points only (and the deprecated
 * `defaultCallingCode`, which both old and new code accept), so it runs unchanged on the code before and after a change.
 */
import { createHub } from '@crmkit/core';
import { createPostgresStore, pgClient, pgliteClient } from '@crmkit/store-postgres';
import { syntheticPeople } from '@crmkit/testing';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

const backend = process.argv[2] ?? 'memory';
const people = Number(process.argv[3] ?? 10_000);
const batch = 500;
const records = syntheticPeople(people);

async function main(): Promise<void> {
  let store: ReturnType<typeof createPostgresStore> | undefined;
  let pool: pg.Pool | undefined;
  const schema = `cmp_${process.pid}_${Date.now()}`;
  if (backend === 'pglite') store = createPostgresStore({ client: pgliteClient(new PGlite(), { ownsDatabase: true }) });
  if (backend === 'postgres') {
    pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
    store = createPostgresStore({ client: pgClient(pool), schema });
  }
  const hub = createHub({ ...(store ? { store } : {}), defaultCallingCode: '31' } as never);
  const started = performance.now();
  for (let i = 0; i < records.length; i += batch) await hub.ingest(records.slice(i, i + batch) as never);
  const seconds = (performance.now() - started) / 1000;
  if (store?.client.dialect === 'postgres') await store.client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await hub.close();
  await pool?.end().catch(() => {});
  console.log(
    JSON.stringify({
      backend,
      records: records.length,
      seconds: +seconds.toFixed(2),
      perSecond: Math.round(records.length / seconds),
    }),
  );
}
await main();
