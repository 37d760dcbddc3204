/**
 * Benchmarks of the PostgreSQL/PGlite store. Run with `npm run bench` at the repo root (or
 * `npm run bench -- bench/src/store-postgres/store.bench.ts`); results and the machine go in docs/benchmarks.md.
 *
 * - PGlite (in memory) always runs.
 * - PostgreSQL runs when `DATABASE_URL` is set, in schemas of its own (`bench_<pid>_<time>_<n>`), dropped at the end.
 * - `BENCH_LARGE=1` (with `DATABASE_URL`) adds 1,000,000 customers: bulk load, then lookups, reads and pages.
 */
import { createDeterministicResolver, createHub, type Hub } from '@crmkit/core';
import { prepareRecord } from '@crmkit/core/internal';
import {
  type CustomerRow,
  parseSourceRecord,
  type SourceRecordInput,
  type StoredRecord,
  type StoreTransaction,
} from '@crmkit/model';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { seededRandom as random, syntheticPeople as dataset } from '@crmkit/testing';
import { bench, describe } from 'vitest';
import { createPostgresStore, pgClient, pgliteClient, type PostgresStore } from '@crmkit/store-postgres';
import { emailOf, idOf, namesOf, smallCustomer } from './small-customers';

const DATABASE_URL = process.env.DATABASE_URL;
const LARGE = process.env.BENCH_LARGE === '1';

if (!DATABASE_URL) {
  console.log(
    '[store-postgres bench] DATABASE_URL is not set: the PostgreSQL benchmarks are SKIPPED, only PGlite runs. ' +
      'Set DATABASE_URL=postgres://... to run them (and BENCH_LARGE=1 for the 1,000,000-customer run).',
  );
} else if (!LARGE) {
  console.log('[store-postgres bench] BENCH_LARGE is not set: the 1,000,000-customer PostgreSQL run is skipped.');
}

// ---------------------------------------------------------------------------------------------------------------
// Data: the synthetic people of @crmkit/testing (the same generator as bench/src/core/ingest.bench.ts).

const PEOPLE = 10_000;
const records = dataset(PEOPLE);
const RECORDS = records.length; // 19,969

/**
 * The same records as the Hub stores them (validated data, match keys, content hash), each linked to a customer:
 * what a bulk importer hands to `StoreTransaction.putRecords`.
 */
function storedRows(inputs: readonly SourceRecordInput[]): StoredRecord[] {
  const identity = createDeterministicResolver({ defaultCallingCode: '31' });
  const now = new Date(Date.UTC(2026, 10, 25)).toISOString();
  return inputs.map((input, index) => {
    const record = parseSourceRecord(input, { index });
    const person = /-(\d+)$/.exec(record.externalId)![1]!;
    return { ...prepareRecord(record, { identity, now }), customerId: `cus_${person}`, homeId: `cus_${person}` };
  });
}

const rows = storedRows(records);

// ---------------------------------------------------------------------------------------------------------------
// Backends: a fresh store per use, every one of them closed (PGlite) or dropped (PostgreSQL schema) at the end.

interface Backend {
  name: string;
  /** A new, migrated, empty store. */
  open(): Promise<PostgresStore>;
}

const opened = new Set<PostgresStore>();
let pool: pg.Pool | undefined;
let schemaCounter = 0;
const runTag = `${process.pid}_${Date.now().toString(36)}`;

async function dispose(store: PostgresStore): Promise<void> {
  if (!opened.delete(store)) return;
  if (store.client.dialect === 'postgres') await store.client.query(`DROP SCHEMA IF EXISTS ${store.schema} CASCADE`);
  await store.close();
}

const pglite: Backend = {
  name: 'PGlite (memory)',
  async open() {
    const store = createPostgresStore({ client: pgliteClient(new PGlite(), { ownsDatabase: true }) });
    opened.add(store);
    await store.ready();
    return store;
  },
};

const postgres: Backend | undefined = DATABASE_URL
  ? {
      name: 'PostgreSQL',
      async open() {
        pool ??= new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
        const store = createPostgresStore({ client: pgClient(pool), schema: `bench_${runTag}_${++schemaCounter}` });
        opened.add(store);
        await store.ready();
        return store;
      },
    }
  : undefined;

const backends = [postgres, pglite].filter((b): b is Backend => b !== undefined);

/**
 * Bench options that give every iteration (warm-up included) a fresh, migrated store outside the timed part: the
 * `setup` hook (awaited before the warm-up and before the run) opens them, and drops the ones used before.
 */
function freshStores(backend: Backend, iterations: number, warmupIterations: number) {
  let queue: PostgresStore[] = [];
  let used: PostgresStore[] = [];
  return {
    next(): PostgresStore {
      const store = queue.shift();
      if (!store) throw new Error('no fresh store left for this iteration');
      used.push(store);
      return store;
    },
    options: {
      iterations,
      warmupIterations,
      time: 0,
      warmupTime: 0,
      async setup(_task: unknown, mode: 'warmup' | 'run') {
        for (const store of [...used, ...queue]) await dispose(store);
        used = [];
        queue = [];
        for (let i = 0; i < (mode === 'warmup' ? warmupIterations : iterations); i++) queue.push(await backend.open());
      },
    },
  };
}

async function load(hub: Hub, batchSize: number): Promise<void> {
  for (let i = 0; i < records.length; i += batchSize) await hub.ingest(records.slice(i, i + batchSize));
}

// ---------------------------------------------------------------------------------------------------------------
// (a) ingest throughput

for (const backend of backends) {
  // PGlite runs in this process on one core and is several times slower: fewer iterations keep the run short.
  const iterations = backend === pglite ? 2 : 3;

  describe(`${backend.name}: bulk path, putRecords of ${RECORDS} prepared rows in batches of 1,000, one transaction per batch`, () => {
    const fresh = freshStores(backend, iterations, 1);
    bench(
      'putRecords into an empty store',
      async () => {
        const store = fresh.next();
        for (let i = 0; i < rows.length; i += 1000) {
          const batch = rows.slice(i, i + 1000);
          await store.transaction((tx) => tx.putRecords(batch));
        }
      },
      fresh.options,
    );
  });

  describe(`${backend.name}: Hub pipeline, ingest ${RECORDS} person records (${PEOPLE} people, 3 sources)`, () => {
    for (const batchSize of [500, 1000]) {
      const fresh = freshStores(backend, iterations, 0);
      bench(
        `initial load, batches of ${batchSize}`,
        async () => {
          await load(createHub({ store: fresh.next(), defaultCallingCode: '31' }), batchSize);
        },
        fresh.options,
      );
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// (b) reads of one customer on a loaded store, twice: right after the load, and after VACUUM ANALYZE. A load leaves
// the tables without planner statistics (and fresh pages without hint bits) until (auto)vacuum/analyze runs, which
// changes plans; autovacuum lags behind or is off (off on the PostgreSQL of docs/benchmarks.md), so both count.

interface Loaded {
  store: PostgresStore;
  hub: Hub;
  ids: string[];
  emails: string[];
}

async function vacuum(store: PostgresStore): Promise<void> {
  await store.client.query(`VACUUM ANALYZE ${store.schema}.crmkit_records, ${store.schema}.crmkit_customers`);
}

for (const backend of backends) {
  let loaded: Promise<Loaded> | undefined;
  let vacuumed: Promise<Loaded> | undefined;
  const ensureLoaded = (): Promise<Loaded> => {
    loaded ??= (async () => {
      const store = await backend.open();
      const hub = createHub({ store, defaultCallingCode: '31' });
      await load(hub, 1000);
      const customers = await store.transaction((tx) => tx.listCustomers({ status: 'active', limit: 1_000_000 }), {
        readOnly: true,
      });
      const ids = customers.map((c) => c.id);
      const emails = customers.flatMap((c) =>
        c.lookupKeys.filter((k) => k.startsWith('email:')).map((k) => k.slice(6)),
      );
      return { store, hub, ids, emails };
    })();
    return loaded;
  };
  const ensureVacuumed = (): Promise<Loaded> => {
    vacuumed ??= ensureLoaded().then(async (data) => {
      await vacuum(data.store);
      return data;
    });
    return vacuumed;
  };

  for (const [state, ready] of [
    ['right after the load', ensureLoaded],
    ['after VACUUM ANALYZE', ensureVacuumed],
  ] as const) {
    describe(`${backend.name}: reads, Hub loaded with ${PEOPLE} people (${RECORDS} records), ${state}`, () => {
      let data: Loaded | undefined;
      const rnd = random(7);
      const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
      const options = {
        time: 2000,
        warmupTime: 200,
        async setup() {
          data = await ready();
        },
      };
      bench(
        'hub.get(id)',
        async () => {
          if (!(await data!.hub.get(pick(data!.ids)))) throw new Error('customer not found');
        },
        options,
      );
      bench(
        'hub.view(id)',
        async () => {
          const view = await data!.hub.view(pick(data!.ids));
          if (view.customer.golden.contactPoints.length === 0) throw new Error('no contact points');
        },
        options,
      );
      bench(
        'hub.find({ email })',
        async () => {
          if ((await data!.hub.find({ email: pick(data!.emails) })).length !== 1)
            throw new Error('expected one customer');
        },
        options,
      );
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// (c) 1,000,000 customers on PostgreSQL (BENCH_LARGE=1), queried right after the load and after VACUUM ANALYZE.

const MILLION = 1_000_000;
const LOAD_BATCH = 5_000;

if (postgres && LARGE) {
  let target: Promise<PostgresStore> | undefined;
  let loaded: Promise<{ store: PostgresStore; hub: Hub }> | undefined;
  let vacuumed: Promise<{ store: PostgresStore; hub: Hub }> | undefined;
  const open = () => {
    target ??= postgres.open();
    return target;
  };
  const ensureLoaded = () => {
    loaded ??= open().then(async (store) => {
      const started = performance.now();
      let mark = started;
      const marks: string[] = [];
      for (let from = 0; from < MILLION; from += LOAD_BATCH) {
        const batch: CustomerRow[] = [];
        for (let i = from; i < from + LOAD_BATCH; i++) batch.push(smallCustomer(i));
        await store.transaction((tx) => tx.putCustomers(batch));
        if ((from + LOAD_BATCH) % 100_000 === 0) {
          const now = performance.now();
          marks.push(String(Math.round(100_000 / ((now - mark) / 1000))));
          mark = now;
        }
      }
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `[store-postgres bench] PostgreSQL: loaded ${MILLION} customers in ${seconds.toFixed(1)} s ` +
          `(${Math.round(MILLION / seconds)} rows/s; per 100,000 rows: ${marks.join(', ')} rows/s)`,
      );
      return { store, hub: createHub({ store, defaultCallingCode: '31' }) };
    });
    return loaded;
  };
  const ensureVacuumed = () => {
    vacuumed ??= ensureLoaded().then(async (data) => {
      const started = performance.now();
      await vacuum(data.store);
      const { rows: size } = await data.store.client.query<{ size: string }>(
        `SELECT pg_size_pretty(pg_total_relation_size('${data.store.schema}.crmkit_customers')) AS size`,
      );
      console.log(
        `[store-postgres bench] PostgreSQL: VACUUM ANALYZE of 1,000,000 customers took ` +
          `${((performance.now() - started) / 1000).toFixed(1)} s; crmkit_customers with indexes: ${size[0]?.size}`,
      );
      return data;
    });
    return vacuumed;
  };

  const rnd = random(11);
  const anyIndex = () => Math.floor(rnd() * MILLION);

  for (const [state, ready] of [
    ['right after the bulk load', ensureLoaded],
    ['after VACUUM ANALYZE', ensureVacuumed],
  ] as const) {
    describe(`PostgreSQL: ${MILLION.toLocaleString('en')} customers, ${state}`, () => {
      let data: { store: PostgresStore; hub: Hub } | undefined;
      const read = <T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> =>
        data!.store.transaction(fn, { readOnly: true });
      const options = {
        time: 2000,
        warmupTime: 200,
        async setup() {
          data = await ready();
        },
      };

      if (state === 'right after the bulk load') {
        bench(
          `bulk-load: putCustomers in batches of ${LOAD_BATCH.toLocaleString('en')} (one transaction each)`,
          async () => {
            await ensureLoaded();
          },
          {
            iterations: 1,
            warmupIterations: 0,
            time: 0,
            warmupTime: 0,
            async setup() {
              await open();
            },
          },
        );
      }
      bench(
        'findCustomersByLookupKeys([email:...], 50)',
        async () => {
          const found = await read((tx) => tx.findCustomersByLookupKeys([`email:${emailOf(anyIndex())}`], 50));
          if (found.length !== 1) throw new Error(`expected one customer, got ${found.length}`);
        },
        options,
      );
      bench(
        'findCustomersByLookupKeys([name:<given name>], 50), ~83,000 matches',
        async () => {
          const token = namesOf(anyIndex())[0].toLowerCase();
          const found = await read((tx) => tx.findCustomersByLookupKeys([`name:${token}`], 50));
          if (found.length !== 50) throw new Error(`expected 50 customers, got ${found.length}`);
        },
        options,
      );
      bench(
        'getCustomers([id])',
        async () => {
          const found = await read((tx) => tx.getCustomers([idOf(anyIndex())]));
          if (found.length !== 1) throw new Error('customer not found');
        },
        options,
      );
      bench(
        'listCustomers({ status: active, after: <random id>, limit: 51 })',
        async () => {
          const after = idOf(anyIndex() % (MILLION - 100));
          const page = await read((tx) => tx.listCustomers({ status: 'active', after, limit: 51 }));
          if (page.length !== 51) throw new Error(`expected 51 customers, got ${page.length}`);
        },
        options,
      );
      bench(
        'hub.get(id)',
        async () => {
          if (!(await data!.hub.get(idOf(anyIndex())))) throw new Error('customer not found');
        },
        options,
      );
      bench(
        'hub.find({ email })',
        async () => {
          const found = await data!.hub.find({ email: emailOf(anyIndex()) });
          if (found.length !== 1) throw new Error('expected one customer');
        },
        options,
      );
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Runs last (file-level benches run after every describe): vitest bench has no afterAll hook.

bench(
  'cleanup: drop the benchmark schemas, close PGlite (not a measurement)',
  async () => {
    for (const store of [...opened]) await dispose(store);
    await pool?.end();
    pool = undefined;
  },
  { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 },
);
