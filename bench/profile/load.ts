/**
 * Initial-load profile: `syntheticPeopleStream(people)` loaded with `hub.load` into an empty Hub (PostgreSQL in a
 * schema of its own, dropped at the end; or PGlite / memory), printing seconds, records/s, the process's CPU
 * seconds, SQL statements per kind and the peak RSS (sampled every 100 ms, and the kernel's maxRSS). The records
 * are generated as they are read, so memory shows what the load itself holds. Run from the repository root:
 *   node --conditions=@crmkit/source --import tsx bench/profile/load.ts [postgres|pglite|memory] [people=100000] [batch=5000] [audit:on|off]
 * (about two records per person). PostgreSQL uses DATABASE_URL. Add `--cpu-prof --cpu-prof-dir=/tmp/prof` before
 * `--import` for a CPU profile.
 */
import { createHub, type LoadProgress } from '@crmkit/core';
import { createPostgresStore, pgClient, pgliteClient, type SqlClient } from '@crmkit/store-postgres';
import { syntheticPeopleStream } from '@crmkit/testing';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { countingClient, counts } from './sql-count';

const backend = process.argv[2] ?? 'postgres';
const people = Number(process.argv[3] ?? 100_000);
const batchSize = Number(process.argv[4] ?? 5000);
const audit = (process.argv[5] ?? 'on') !== 'off';

let pool: pg.Pool | undefined;
const schema = `load_${process.pid}_${Date.now()}`;
let client: SqlClient | undefined;
if (backend === 'pglite') client = pgliteClient(new PGlite(), { ownsDatabase: true });
if (backend === 'postgres') {
  if (!process.env.DATABASE_URL) throw new Error('bench/profile/load.ts postgres needs DATABASE_URL');
  pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
  client = pgClient(pool);
}
const store = client
  ? createPostgresStore({ client: countingClient(client), ...(backend === 'postgres' ? { schema } : {}) })
  : undefined;
const hub = createHub({ ...(store ? { store } : {}), defaultCountry: 'NL', audit });
// Migrations and warm-up, outside the measurement (the first person's records; loading them again changes nothing).
await hub.load(syntheticPeopleStream(1));
counts.clear();

let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 100);
let last: LoadProgress | undefined;
const cpu0 = process.cpuUsage();
const started = performance.now();
const result = await hub.load(syntheticPeopleStream(people), {
  batchSize,
  onProgress: (p) => {
    last = p;
    if (p.batches % 20 === 0) {
      const s = (performance.now() - started) / 1000;
      console.error(
        `${p.records} records in ${s.toFixed(1)} s (${Math.round(p.records / s)}/s), rss ${Math.round(process.memoryUsage.rss() / 2 ** 20)} MiB`,
      );
    }
  },
});
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpu0);
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage.rss());
const customers = client
  ? Number(
      (
        await client.query<{ n: string }>(
          `SELECT count(*) AS n FROM "${backend === 'postgres' ? schema : 'crmkit'}".crmkit_customers WHERE status = 'active'`,
        )
      ).rows[0]?.n ?? 0,
    )
  : undefined;
if (backend === 'postgres') await client!.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
await hub.close();
await pool?.end().catch(() => {});
const rows = [...counts.entries()].sort((a, b) => b[1].ms - a[1].ms);
const total = rows.reduce((s, [, c]) => s + c.n, 0);
console.log(
  JSON.stringify({
    backend,
    people,
    records: result.records,
    batchSize,
    audit,
    seconds: +seconds.toFixed(2),
    perSecond: Math.round(result.records / seconds),
    cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
    peakRssMiB: Math.round(peakRss / 2 ** 20),
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    created: result.created,
    reviews: result.reviews,
    events: result.events,
    activeCustomers: customers,
    statements: total,
    statementsPerBatch: +(total / Math.max(1, last?.batches ?? 1)).toFixed(1),
  }),
);
for (const [k, c] of rows.slice(0, 25))
  console.log(`${String(c.n).padStart(8)} ${c.ms.toFixed(0).padStart(8)} ms  ${k}`);
