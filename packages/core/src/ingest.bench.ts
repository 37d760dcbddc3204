/**
 * Ingest and golden-record benchmarks on the in-memory store. Run with `npm run bench` at the repo root;
 * results and the machine go in docs/benchmarks.md.
 */
import type { SourceRecordInput } from '@crmkit/model';
import { bench, describe } from 'vitest';
import { deriveGolden } from './golden';
import { createHub, type Hub } from './hub';

/** Deterministic pseudo-random numbers (mulberry32), so every run ingests the same data. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GIVEN = ['Ada', 'Grace', 'Jan', 'Sanne', 'Pieter', 'Maria', 'Ahmed', 'Li', 'Olga', 'Tom', 'Eva', 'Noah'];
const FAMILY = ['de Vries', 'Jansen', 'Bakker', 'Visser', 'Smit', 'Meijer', 'Mulder', 'Bos', 'Vos', 'Peters'];
const SOURCES = ['hubspot-sales', 'dynamics-service', 'pipedrive-sub'];

/**
 * `people` persons, each present in 1-3 sources; copies share the email or the phone (never both, sometimes
 * neither) and are spelled differently, like departmental CRMs.
 */
function dataset(people: number, seed = 42): SourceRecordInput[] {
  const rnd = random(seed);
  const out: SourceRecordInput[] = [];
  for (let i = 0; i < people; i++) {
    const given = GIVEN[Math.floor(rnd() * GIVEN.length)]!;
    const family = FAMILY[Math.floor(rnd() * FAMILY.length)]!;
    const email = `${given}.${family.replace(/\s/g, '')}.${i}@example.com`.toLowerCase();
    const phone = `+316${String(10_000_000 + i).slice(-8)}`;
    const copies = 1 + Math.floor(rnd() * 3);
    for (let c = 0; c < copies; c++) {
      const r = rnd();
      const observedAt = new Date(Date.UTC(2026, 0, 1) + Math.floor(rnd() * 300 * 86_400_000)).toISOString();
      out.push({
        type: 'person',
        source: SOURCES[c]!,
        externalId: `${c}-${i}`,
        observedAt,
        data: {
          givenName: c === 1 ? `${given[0]}.` : given,
          familyName: family,
          jobTitle: r < 0.5 ? 'Buyer' : 'Manager',
          emails: c === 0 || r < 0.6 ? [c === 2 ? email.toUpperCase() : email] : [],
          phones: c > 0 && r >= 0.4 ? [c === 1 ? `06-${phone.slice(4)}` : phone] : [],
        },
      });
    }
  }
  return out;
}

async function load(hub: Hub, records: SourceRecordInput[], batchSize = 500): Promise<void> {
  for (let i = 0; i < records.length; i += batchSize) await hub.ingest(records.slice(i, i + batchSize));
}

const tenThousandPeople = dataset(10_000);

describe(`ingest ${tenThousandPeople.length} person records (10,000 people, 3 sources), batches of 500`, () => {
  bench(
    'initial load into a new Hub',
    async () => {
      await load(createHub({ defaultCallingCode: '31' }), tenThousandPeople);
    },
    { iterations: 3, warmupIterations: 1, time: 0, warmupTime: 0 },
  );
});

describe('incremental update into a loaded Hub (10,000 people)', async () => {
  const heapBefore = process.memoryUsage().heapUsed;
  const hub = createHub({ defaultCallingCode: '31' });
  await load(hub, tenThousandPeople);
  const heapMiB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  console.log(
    `heap growth after loading ${tenThousandPeople.length} records: ${heapMiB.toFixed(0)} MiB (approximate, no forced GC)`,
  );
  let round = 0;
  bench(
    'batch of 100 changed records',
    async () => {
      round++;
      const changed = tenThousandPeople.slice(round * 100, round * 100 + 100).map((r) => ({
        ...r,
        observedAt: new Date(Date.UTC(2027, 0, 1) + round * 1000).toISOString(),
        data: { ...(r.data as object), jobTitle: `Title ${round}` },
      })) as SourceRecordInput[];
      await hub.ingest(changed);
    },
    { iterations: 50, time: 0 },
  );
  bench(
    'find by email',
    async () => {
      round++;
      await hub.find({ email: `ada.devries.${round % 10_000}@example.com` });
    },
    { time: 500 },
  );
});

describe('deriveGolden', async () => {
  const hub = createHub();
  await load(hub, dataset(200, 7));
  const [customer] = (await hub.list({ limit: 1 })).items;
  const records = await hub.store.transaction((tx) => tx.listRecordsByCustomer([customer!.id]));
  bench(`cluster of ${records.length} records`, () => {
    deriveGolden('person', records, { survivorship: { fields: { givenName: { rule: 'mostFrequent' } } } });
  });
});
