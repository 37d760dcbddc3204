/**
 * Ingest and golden-record benchmarks on the in-memory store. Run with `npm run bench` at the repo root;
 * results and the machine go in docs/benchmarks.md.
 */
import type { SourceRecordInput } from '@crmkit/model';
import { syntheticPeople as dataset } from '@crmkit/testing';
import { bench, describe } from 'vitest';
import { createHub, deriveGolden, type Hub } from '@crmkit/core';

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
  bench(
    'initial load into a new Hub, audit log off',
    async () => {
      await load(createHub({ defaultCallingCode: '31', audit: false }), tenThousandPeople);
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
