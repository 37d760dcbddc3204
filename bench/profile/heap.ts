/**
 * Heap profile of Hub ingest: `syntheticPeople` records ingested in batches into a Hub, with the heap measured after
 * a forced garbage collection every `every` records. On PostgreSQL the Hub's working set must stay flat (everything
 * that grows with the input belongs in the database); on the memory store the heap grows with the data it keeps.
 * Run from the repository root:
 *   node --expose-gc --conditions=@crmkit/source --import tsx bench/profile/heap.ts [memory|postgres|both] [records=200000] [batch=1000] [every=20000]
 * PostgreSQL uses DATABASE_URL and a schema of its own, dropped at the end. The input is generated up front and held
 * to the end, so it adds a constant to every sample (printed as `inputMiB`). Prints one JSON line per sample and a
 * summary line per backend: `growthMiB` is the heap at the last sample minus the heap at the first one.
 */
import { createHub, type Hub } from '@crmkit/core';
import { createPostgresStore, pgClient } from '@crmkit/store-postgres';
import { syntheticPeople } from '@crmkit/testing';
import pg from 'pg';

const which = process.argv[2] ?? 'both';
const total = Number(process.argv[3] ?? 200_000);
const batch = Number(process.argv[4] ?? 1000);
const every = Number(process.argv[5] ?? 20_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('Run with node --expose-gc.');
if (!['memory', 'postgres', 'both'].includes(which)) throw new Error(`Unknown backend "${which}".`);

const MiB = 1024 * 1024;
const mib = (bytes: number): number => Math.round((bytes / MiB) * 10) / 10;

/** Heap after a full collection (twice: weak references and finalisers need a second pass). */
function measure(): NodeJS.MemoryUsage {
  gc!();
  gc!();
  return process.memoryUsage();
}

const before = measure();
// About two records per person (one to three copies each); take exactly `total`.
let records = syntheticPeople(Math.ceil(total / 1.9));
while (records.length < total) records = syntheticPeople(Math.ceil(records.length * 1.2));
records = records.slice(0, total);
const inputMiB = mib(measure().heapUsed - before.heapUsed);

async function run(backend: 'memory' | 'postgres'): Promise<void> {
  let pool: pg.Pool | undefined;
  const schema = `heap_${process.pid}_${Date.now()}`;
  let hub: Hub | undefined;
  if (backend === 'postgres') {
    pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
    hub = createHub({ store: createPostgresStore({ client: pgClient(pool), schema }), defaultCountry: 'NL' });
  } else hub = createHub({ defaultCountry: 'NL' });
  try {
    await hub.ingest(records.slice(0, 1)); // migrations, warm-up
    const start = measure();
    const samples: { records: number; heapMiB: number; rssMiB: number; seconds: number; cpuSeconds: number }[] = [];
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    let segmentStarted = started;
    let segmentCpu = process.cpuUsage();
    let nextSample = every;
    for (let i = 1; i < records.length; i += batch) {
      const end = Math.min(i + batch, records.length);
      await hub.ingest(records.slice(i, end));
      if (end >= nextSample || end === records.length) {
        nextSample += every;
        const seconds = (performance.now() - segmentStarted) / 1000;
        const cpu = process.cpuUsage(segmentCpu);
        const usage = measure();
        const sample = {
          records: end,
          heapMiB: mib(usage.heapUsed),
          rssMiB: mib(usage.rss),
          externalMiB: mib(usage.external),
          seconds: Math.round(seconds * 10) / 10,
          cpuSeconds: Math.round(((cpu.user + cpu.system) / 1e6) * 10) / 10,
        };
        samples.push(sample);
        console.log(JSON.stringify({ backend, ...sample }));
        segmentStarted = performance.now();
        segmentCpu = process.cpuUsage();
      }
    }
    const cpu = process.cpuUsage(cpu0);
    const first = samples[0]!;
    const last = samples[samples.length - 1]!;
    console.log(
      JSON.stringify({
        backend,
        summary: true,
        records: records.length,
        batch,
        inputMiB,
        startHeapMiB: mib(start.heapUsed),
        firstHeapMiB: first.heapMiB,
        lastHeapMiB: last.heapMiB,
        growthMiB: Math.round((last.heapMiB - first.heapMiB) * 10) / 10,
        peakRssMiB: Math.max(...samples.map((s) => s.rssMiB)),
        seconds: Math.round((performance.now() - started) / 100) / 10,
        cpuSeconds: Math.round((cpu.user + cpu.system) / 1e5) / 10,
      }),
    );
  } finally {
    await hub.close();
    if (pool) {
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool.end();
    }
  }
}

if (which !== 'postgres') await run('memory');
if (which !== 'memory') await run('postgres');
