/**
 * What durability costs on the embedded database: Hub ingest on PGlite in a folder with `durability: 'full'` (the
 * default, every commit flushed to disk) against `'relaxed'` (no flush until `close()`), with PGlite in memory as the
 * reference, all in the same run. Run with `npm run bench` at the repo root (or
 * `npm run bench -- bench/src/store-postgres/embedded.bench.ts`); results go in docs/benchmarks.md.
 *
 * The folders are made under `BENCH_DIR` (default: the OS temp folder): put it on the disk you care about, since an
 * fsync costs what the device makes it cost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHub, type Hub } from '@crmkit/core';
import { syntheticPeople } from '@crmkit/testing';
import { bench, describe } from 'vitest';
import {
  createPostgresStore,
  type EmbeddedDurability,
  embeddedClient,
  type PostgresStore,
} from '@crmkit/store-postgres';

const records = syntheticPeople(10_000); // 19,969 records; each iteration takes slices no other iteration used
const BATCH_RECORDS = 1000;
const BATCH_SIZE = 100;
const SINGLES = 50;
const COMMITS = 100;
const ITERATIONS = 3;
const WARMUP = 1;

interface Target {
  name: string;
  dataDir: () => string;
  durability?: EmbeddedDurability;
}

const folders: string[] = [];
function folder(): string {
  const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'crmkit-bench-'));
  folders.push(dir);
  return dir;
}

const targets: Target[] = [
  { name: "PGlite folder, durability 'full' (default)", dataDir: folder, durability: 'full' },
  { name: "PGlite folder, durability 'relaxed'", dataDir: folder, durability: 'relaxed' },
  { name: 'PGlite in memory (reference)', dataDir: () => 'memory://' },
];

const open: Array<{ hub: Hub; store: PostgresStore }> = [];

/** One Hub per target, opened (and migrated) by the first bench's setup, outside the timed part. */
function lazyHub(target: Target): () => Promise<{ hub: Hub; store: PostgresStore }> {
  let opened: Promise<{ hub: Hub; store: PostgresStore }> | undefined;
  return () => {
    opened ??= (async () => {
      const store = createPostgresStore({
        client: embeddedClient({ dataDir: target.dataDir(), durability: target.durability ?? 'full' }),
      });
      await store.ready();
      await store.client.exec('CREATE TABLE IF NOT EXISTS bench_commits (n integer)');
      const each = { hub: createHub({ store }), store };
      open.push(each);
      return each;
    })();
    return opened;
  };
}

for (const target of targets) {
  const hubOf = lazyHub(target);
  let hub: Hub;
  let store: PostgresStore;
  const options = {
    iterations: ITERATIONS,
    warmupIterations: WARMUP,
    time: 0,
    warmupTime: 0,
    async setup() {
      ({ hub, store } = await hubOf());
    },
  };

  describe(target.name, () => {
    let batchRound = 0;
    bench(
      `ingest ${BATCH_RECORDS} records in batches of ${BATCH_SIZE} (${BATCH_RECORDS / BATCH_SIZE} commits)`,
      async () => {
        const slice = records.slice(batchRound * BATCH_RECORDS, ++batchRound * BATCH_RECORDS);
        for (let i = 0; i < slice.length; i += BATCH_SIZE) await hub.ingest(slice.slice(i, i + BATCH_SIZE));
      },
      options,
    );

    let singleRound = 0;
    bench(
      `ingest ${SINGLES} records one per call (${SINGLES} commits)`,
      async () => {
        const end = records.length - singleRound * SINGLES;
        singleRound++;
        for (const record of records.slice(end - SINGLES, end)) await hub.ingest([record]);
      },
      options,
    );

    bench(
      `${COMMITS} one-row INSERT commits (the commit alone, no Hub)`,
      async () => {
        for (let i = 0; i < COMMITS; i++) await store.client.query('INSERT INTO bench_commits (n) VALUES ($1)', [i]);
      },
      options,
    );
  });
}

// Runs last (file-level benches run after every describe): vitest bench has no afterAll hook.
bench(
  'cleanup: close the Hubs, remove the folders (not a measurement)',
  async () => {
    for (const { hub } of open.splice(0)) await hub.close();
    for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
  },
  { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 },
);
