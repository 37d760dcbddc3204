/**
 * Ingest profile: one process, one Hub, `syntheticPeople(people)` ingested in batches, printing wall time, the
 * process's CPU time and the SQL statements per kind. Run from the repository root:
 *   node --conditions=@crmkit/source --import tsx bench/profile/ingest.ts <memory|pglite|embedded|postgres> [people] [batch] [audit:on|off]
 * Add `--cpu-prof --cpu-prof-dir=/tmp/prof` before `--import` for a CPU profile. PostgreSQL uses DATABASE_URL.
 */
import { createHub } from '@crmkit/core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresStore, embeddedClient, pgClient, pgliteClient, type SqlClient } from '@crmkit/store-postgres';
import { syntheticPeople } from '@crmkit/testing';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { countingClient, counts } from './sql-count';

const backend = process.argv[2] ?? 'memory';
const people = Number(process.argv[3] ?? 10_000);
const batch = Number(process.argv[4] ?? 1000);
const audit = (process.argv[5] ?? 'on') !== 'off';
const records = syntheticPeople(people);

let pool: pg.Pool | undefined;
const schema = `prof_${process.pid}_${Date.now()}`;
let client: SqlClient | undefined;
if (backend === 'pglite') client = pgliteClient(new PGlite(), { ownsDatabase: true });
// The embedded default: PGlite in a folder on disk, default durability (what the `crmkit` package's createHub opens).
const dataDir = backend === 'embedded' ? mkdtempSync(join(tmpdir(), 'crmkit-prof-')) : undefined;
if (dataDir) client = embeddedClient({ dataDir });
if (backend === 'postgres') {
  pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
  client = pgClient(pool);
}
const store = client
  ? createPostgresStore({ client: countingClient(client), ...(backend === 'postgres' ? { schema } : {}) })
  : undefined;
const hub = createHub({ ...(store ? { store } : {}), defaultCountry: 'NL', audit } as never);
await hub.ingest(records.slice(0, 1) as never); // migrations, warm-up
counts.clear();
const cpu0 = process.cpuUsage();
const started = performance.now();
for (let i = 1; i < records.length; i += batch) await hub.ingest(records.slice(i, i + batch) as never);
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpu0);
const batches = Math.ceil((records.length - 1) / batch);
if (backend === 'postgres') await client!.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
await hub.close();
await pool?.end().catch(() => {});
if (dataDir) rmSync(dataDir, { recursive: true, force: true });
const rows = [...counts.entries()].sort((a, b) => b[1].ms - a[1].ms);
const total = rows.reduce((s, [, c]) => s + c.n, 0);
console.log(
  JSON.stringify({
    backend,
    records: records.length - 1,
    batch,
    audit,
    seconds: +seconds.toFixed(2),
    perSecond: Math.round((records.length - 1) / seconds),
    cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
    statements: total,
    statementsPerBatch: +(total / batches).toFixed(1),
    heapMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
  }),
);
for (const [k, c] of rows) console.log(`${String(c.n).padStart(7)} ${c.ms.toFixed(0).padStart(7)} ms  ${k}`);
