/**
 * Scale: dedupe synthetic person records with known duplicates (the generator in @crmkit/testing: name, address,
 * email and phone distortions, namesakes, relatives at one address), and real-time `match()` against an index.
 *
 * - Default: 100,000 records (quick). `BENCH_LARGE=1`: 1,000,000 records, the figure the issue asks for.
 * - Prints seconds, peak resident memory (sampled every 50 ms) and pairwise precision/recall/F1 of the batch run;
 *   vitest prints the `match()` latency distribution (p99 is the target).
 *
 * Run: `BENCH_LARGE=1 npm run bench -- bench/src/identity/scale.bench.ts` (docs/benchmarks.md has the figures).
 */
import { evaluateClusters, syntheticIdentities } from '@crmkit/testing';
import { bench, describe } from 'vitest';
import { IdentityIndex, type IdentityRecord, resolve } from '@crmkit/identity';

const LARGE = process.env.BENCH_LARGE === '1';
const TARGET = LARGE ? 1_000_000 : 100_000;
if (!LARGE) console.log('[identity scale bench] BENCH_LARGE is not set: 100,000 records instead of 1,000,000.');

/** Entities to ask the generator for so that about TARGET records come out (1.6 records per entity on average). */
const entities = Math.round(TARGET / 1.6);

function mib(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)} MiB`;
}

describe(`dedupe ~${TARGET.toLocaleString('en')} synthetic person records`, async () => {
  let records: IdentityRecord[] = [];
  let entityOf = new Map<string, string>();
  {
    const generated = syntheticIdentities({ entities, seed: 2026 });
    records = generated.records as IdentityRecord[];
    entityOf = generated.entityOf;
  }
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const started = performance.now();
  const result = await resolve(records);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  const q = evaluateClusters(result.clusterOf, entityOf);
  console.log(
    `[identity scale] resolve ${records.length} records: ${seconds.toFixed(1)} s, peak RSS ${mib(peak)} ` +
      `(including the generated input); candidate pairs ${result.stats.candidatePairs}, links ${result.stats.links}, ` +
      `reviews ${result.stats.reviews}, clusters ${result.stats.clusters}; precision ${q.precision.toFixed(4)} ` +
      `recall ${q.recall.toFixed(4)} F1 ${q.f1.toFixed(4)}`,
  );
  const parameters = result.parameters;

  // Real time: an index of all records (fed one at a time, which is itself measured), probes are distorted copies.
  const index = new IdentityIndex({ parameters });
  const addStarted = performance.now();
  for (const record of records) index.add(record);
  const addSeconds = (performance.now() - addStarted) / 1000;
  const incremental = evaluateClusters(new Map(records.map((r) => [r.id, index.clusterOf(r.id)!])), entityOf);
  console.log(
    `[identity scale] IdentityIndex.add of ${records.length} records one at a time: ${addSeconds.toFixed(1)} s ` +
      `(${Math.round(records.length / addSeconds)} records/s), RSS now ${mib(process.memoryUsage().rss)}; ` +
      `F1 ${incremental.f1.toFixed(4)}`,
  );
  const probes: IdentityRecord[] = [];
  for (let i = 0; i < 5000; i++) {
    const source = records[(i * 7919) % records.length]!;
    const fields = { ...source.fields };
    if (typeof fields.familyName === 'string' && fields.familyName.length > 3) {
      fields.familyName = fields.familyName.slice(0, -2) + fields.familyName.at(-1) + fields.familyName.at(-2);
    }
    probes.push({ id: `probe-${i}`, fields });
  }
  let next = 0;
  bench(
    `IdentityIndex.match of one record against ${records.length} records`,
    () => {
      index.match(probes[next++ % probes.length]!);
    },
    { time: 3000, warmupTime: 500 },
  );
});
