/**
 * The targets of issue 15 (ingest at the speed of the database), each measured next to the raw `COPY` figure of the
 * same run, printed as a markdown table for docs/benchmarks.md. From the repository root:
 *
 *   npm run bench:targets [-- --only a,b,c] [-- --large]
 *   node --conditions=@crmkit/source --import tsx bench/src/targets/run.ts [--only a,b] [--large] [--load-batch N]
 *
 * Rows (the data is `syntheticPeople` of @crmkit/testing: 10,000 people are 19,969 person records):
 *   a  raw COPY of the 19,969 records as JSONB, batches of 1,000 (the reference; median of 5 rounds)
 *   b  Hub on PostgreSQL, default resolver, audit on: ingest of the 19,969 new records in batches of 1,000 (>= 20,000/s)
 *   c  the same people again with changed fields (job title, later observedAt), batches of 1,000 (>= 5,000/s)
 *   d  Hub on the embedded default (`crmkit`'s createHub on a folder, default durability), as b (>= 10,000/s)
 *   e  initial load with `hub.load` on PostgreSQL, 100,000 records (1,000,000 with --large): <= 60 s at 1M, peak RSS
 *      <= 2 GB, pairwise F1 against the generator's truth; "not available" when the Hub has no `load`
 *   f  HubSpot initial sync of 20,000 contacts (100,000 with --large) from the sandbox under HubSpot's rate limit into
 *      the Hub on the embedded default (PGlite on disk): share of what the limit allows (>= 90 %)
 *   g  reads at 100,000 customers (1,000,000 with --large) on PostgreSQL after VACUUM ANALYZE: `hub.get` p99 <= 1 ms,
 *      `hub.view` p99 <= 2 ms
 *
 * Every row runs in a child process of its own (b and c share one: c changes what b loaded), so a row's peak RSS and
 * heap are its own and a failing row does not stop the others. Before each row the child measures the COPY
 * reference again (3 rounds) and the load average, so each figure stands next to what the database did at that
 * moment. PostgreSQL rows need DATABASE_URL (without it they are skipped, and the other rows print no COPY figure);
 * each uses a schema of its own (`bt_<row>_<pid>_<time>`), dropped at the end. Progress goes to stderr, the table to
 * stdout.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSyncEngine } from '@crmkit/adapter-kit';
import { createDeterministicResolver, createHub as createCoreHub, type Hub } from '@crmkit/core';
import { createHubspot } from '@crmkit/hubspot';
import { type CustomerRow, parseSourceRecord, type SourceRecordInput, type StoredRecord } from '@crmkit/model';
import { resolve } from '@crmkit/identity';
import { identityRecordOf, recordKey } from '@crmkit/core/internal';
import { createPostgresStore, pgClient, type PostgresStore } from '@crmkit/store-postgres';
import { createHubspotSandbox, SYNTHETIC_SOURCES, seededRandom, syntheticPeople } from '@crmkit/testing';
import { createHub as createEmbeddedHub } from 'crmkit';
import pg from 'pg';
import { idOf, smallCustomer, smallRecord } from '../store-postgres/small-customers';
import { type CopyFigure, measureCopy } from './copy';
import { idealMs, latencies, pairwiseF1, percentile, personOf } from './measure';

// ---------------------------------------------------------------------------------------------------------------
// Options

const ROWS = ['a', 'b', 'c', 'd', 'e', 'f', 'g'] as const;
type Row = (typeof ROWS)[number];
const PG_ROWS: ReadonlySet<Row> = new Set(['a', 'b', 'c', 'e', 'g']);

function argValue(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  if (index >= 0) return process.argv[index + 1];
  const inline = process.argv.find((a) => a.startsWith(`${name}=`));
  return inline?.slice(name.length + 1);
}

const LARGE = process.argv.includes('--large');
const DATABASE_URL = process.env.DATABASE_URL || undefined;
const LOAD_BATCH = argValue('--load-batch') ? Number(argValue('--load-batch')) : undefined;
const PEOPLE = 10_000; // 19,969 person records: the issue's "20,000 synthetic person records"
const BATCH = 1000;
const LOAD_RECORDS = LARGE ? 1_000_000 : 100_000;
const SYNC_CONTACTS = LARGE ? 100_000 : 20_000;
const READ_CUSTOMERS = LARGE ? 1_000_000 : 100_000;
const RATE_LIMIT = { max: 190, intervalMs: 10_000 };
const RESULT = '@@target-result ';

/** One line of the table. */
interface Result {
  row: string;
  what: string;
  figure: string;
  target: string;
  met: 'yes' | 'no' | 'n/a' | 'not available' | 'skipped' | 'failed';
  /** 1-minute load average when the timed part started and ended. */
  load: string;
  /** The COPY reference measured just before, in records/s (and the row's rate as a share of it). */
  copy: string;
  /** Records per second of the row, when it measures a rate of records. */
  perSecond?: number;
  notes: string;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en');
const load1 = (): string => loadavg()[0]!.toFixed(1);
const log = (line: string): void => {
  process.stderr.write(`[targets] ${line}\n`);
};

// ---------------------------------------------------------------------------------------------------------------
// Child side: one group of rows in this process

const cleanups: (() => Promise<void>)[] = [];
let pool: pg.Pool | undefined;
const tag = `${process.pid}_${Date.now().toString(36)}`;

function pgPool(): pg.Pool {
  if (!DATABASE_URL) throw new Error('DATABASE_URL is not set');
  pool ??= new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
  return pool;
}

async function cleanup(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch((e) => log(`cleanup failed: ${String(e)}`));
}

/** A migrated, empty PostgreSQL store in a schema of its own (dropped by `cleanup`), and a default Hub on it. */
async function postgresHub(row: string): Promise<{ hub: Hub; store: PostgresStore }> {
  const schema = `bt_${row}_${tag}`;
  const store = createPostgresStore({ client: pgClient(pgPool()), schema });
  const hub = createCoreHub({ store, defaultCountry: 'NL' });
  cleanups.push(async () => {
    await hub.close();
    await pgPool().query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });
  await store.ready();
  return { hub, store };
}

/** A default Hub of the `crmkit` package on a new folder (default durability), removed by `cleanup`. */
async function embeddedHub(row: string): Promise<Hub> {
  const dir = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), `crmkit-targets-${row}-`));
  const hub = createEmbeddedHub({ dataDir: dir, defaultCountry: 'NL' });
  cleanups.push(async () => {
    await hub.close();
    await rm(dir, { recursive: true, force: true });
  });
  await (hub.store as Partial<PostgresStore>).ready?.();
  return hub;
}

let copyRecords: SourceRecordInput[] | undefined;
/** The COPY reference right now, or undefined without DATABASE_URL. */
async function copyNow(rounds = 3): Promise<CopyFigure | undefined> {
  if (!DATABASE_URL) return undefined;
  copyRecords ??= syntheticPeople(PEOPLE);
  return measureCopy(pgPool(), `bt_copy_${tag}`, copyRecords, { batch: BATCH, rounds });
}

function copyText(copy: CopyFigure | undefined): string {
  return copy ? `${fmt(copy.perSecond)}/s` : 'n/a (no DATABASE_URL)';
}

/** Ingests `records` in batches of 1,000, timed; returns records/s, seconds and the process's CPU seconds. */
async function timedIngest(hub: Hub, records: readonly SourceRecordInput[]) {
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const totals = { created: 0, updated: 0, unchanged: 0 };
  for (let i = 0; i < records.length; i += BATCH) {
    const result = await hub.ingest(records.slice(i, i + BATCH));
    totals.created += result.created;
    totals.updated += result.updated;
    totals.unchanged += result.unchanged;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: records.length / seconds, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, totals };
}

/** The same people with changed fields: another job title, observed a day later (so the change wins). */
function changedRecords(records: readonly SourceRecordInput[]): SourceRecordInput[] {
  return records.map((r) => {
    const data = r.data as { jobTitle?: string };
    return {
      ...r,
      observedAt: new Date(Date.parse(String(r.observedAt)) + 86_400_000).toISOString(),
      data: { ...data, jobTitle: data.jobTitle === 'Buyer' ? 'Head of Buying' : 'Director' },
    } as SourceRecordInput;
  });
}

/**
 * Pairwise F1 of the Hub's customers against the generator's truth: every pair of records in one customer against
 * every pair of records of one person. Reads every live record of `sources`.
 */
async function hubF1(hub: Hub, sources: readonly string[]) {
  const assignments: [string, string][] = [];
  for (const source of sources) {
    let after: string | undefined;
    for (;;) {
      const page: StoredRecord[] = await hub.store.transaction(
        (tx) => tx.listRecordsBySource({ source, type: 'person', limit: 10_000, ...(after ? { after } : {}) }),
        { readOnly: true },
      );
      for (const r of page) assignments.push([r.customerId ?? `none:${r.key}`, personOf(r.externalId)]);
      if (page.length < 10_000) break;
      after = page[page.length - 1]!.externalId;
    }
  }
  return pairwiseF1(assignments);
}

/**
 * The same records through the batch engine, as `crmkit resolve` runs it (`resolve` of @crmkit/identity, person
 * entity, default country NL, default thresholds), and its pairwise F1.
 */
async function engineF1(records: readonly SourceRecordInput[]) {
  const started = performance.now();
  const people = records.map(
    (input, index) => parseSourceRecord(input, { index }) as Parameters<typeof identityRecordOf>[0],
  );
  const result = await resolve(
    people.map((r) => identityRecordOf(r, { defaultCountry: 'NL' })),
    { entity: 'person', defaultCountry: 'NL' },
  );
  const seconds = (performance.now() - started) / 1000;
  const quality = pairwiseF1(
    people.map((r) => {
      const id = recordKey(r);
      return [result.clusterOf.get(id) ?? id, personOf(r.externalId)] as const;
    }),
  );
  return { ...quality, seconds };
}

type Emit = (result: Omit<Result, 'copy' | 'load'> & { load?: string }) => void;

/** Runs one row: measures and emits its result(s). `shared` carries b's loaded Hub to c. */
async function runRow(row: Row, emit: Emit, shared: { ingested?: Hub }): Promise<void> {
  const records = syntheticPeople(PEOPLE);
  switch (row) {
    case 'a': {
      const start = load1();
      const copy = (await copyNow(5))!;
      emit({
        row,
        what: `raw \`COPY\` of ${fmt(copy.records)} records as JSONB (csv), batches of ${fmt(BATCH)}, table with primary key`,
        figure: `${fmt(copy.perSecond)}/s (${fmt(copy.min)}-${fmt(copy.max)}, median of ${copy.rounds})`,
        target: 'reference',
        met: 'n/a',
        load: `${start} → ${load1()}`,
        notes: 'pg-copy-streams, one COPY statement per batch',
      });
      return;
    }
    case 'b': {
      const { hub } = await postgresHub('b');
      const start = load1();
      const r = await timedIngest(hub, records);
      shared.ingested = hub;
      emit({
        row,
        what: `Hub on PostgreSQL, default resolver, audit on: ingest of ${fmt(records.length)} new records, batches of ${fmt(BATCH)}`,
        figure: `${fmt(r.perSecond)}/s (${r.seconds.toFixed(1)} s)`,
        perSecond: r.perSecond,
        target: '>= 20,000/s',
        met: r.perSecond >= 20_000 ? 'yes' : 'no',
        load: `${start} → ${load1()}`,
        notes: `Node CPU ${r.cpuSeconds.toFixed(1)} s; created ${fmt(r.totals.created)}`,
      });
      return;
    }
    case 'c': {
      let hub = shared.ingested;
      if (!hub) {
        log('c: loading the records first (not timed)');
        hub = (await postgresHub('c')).hub;
        await timedIngest(hub, records);
      }
      const changed = changedRecords(records);
      const start = load1();
      const r = await timedIngest(hub, changed);
      emit({
        row,
        what: `Hub on PostgreSQL, as b: the same ${fmt(records.length)} records with changed fields (job title), batches of ${fmt(BATCH)}`,
        figure: `${fmt(r.perSecond)}/s (${r.seconds.toFixed(1)} s)`,
        perSecond: r.perSecond,
        target: '>= 5,000/s',
        met: r.perSecond >= 5_000 ? 'yes' : 'no',
        load: `${start} → ${load1()}`,
        notes: `Node CPU ${r.cpuSeconds.toFixed(1)} s; updated ${fmt(r.totals.updated)}, unchanged ${fmt(r.totals.unchanged)}`,
      });
      return;
    }
    case 'd': {
      const hub = await embeddedHub('d');
      const start = load1();
      const r = await timedIngest(hub, records);
      emit({
        row,
        what: `Hub on the embedded default (\`crmkit\` createHub, PGlite on disk, durability 'full'), audit on: ${fmt(records.length)} new records, batches of ${fmt(BATCH)}`,
        figure: `${fmt(r.perSecond)}/s (${r.seconds.toFixed(1)} s)`,
        perSecond: r.perSecond,
        target: '>= 10,000/s',
        met: r.perSecond >= 10_000 ? 'yes' : 'no',
        load: `${start} → ${load1()}`,
        notes: `process CPU ${r.cpuSeconds.toFixed(1)} s (PGlite runs in it); folder in ${process.env.BENCH_DIR ?? tmpdir()}`,
      });
      return;
    }
    case 'e': {
      const what = `initial load of ${fmt(LOAD_RECORDS)} person records on PostgreSQL with \`hub.load\`${LOAD_BATCH ? ` (batchSize ${fmt(LOAD_BATCH)})` : ''}`;
      const target = `<= 60 s at 1,000,000 (>= ~16,700/s), peak RSS <= 2 GB, F1 as \`crmkit resolve\``;
      const { hub } = await postgresHub('e');
      type Load = (records: readonly SourceRecordInput[], options?: { batchSize?: number }) => Promise<unknown>;
      const loadFn = (hub as unknown as { load?: Load }).load;
      if (typeof loadFn !== 'function') {
        emit({ row, what, figure: 'not available', target, met: 'not available', notes: 'this Hub has no `load`' });
        return;
      }
      const input = syntheticPeople(Math.round(LOAD_RECORDS / 2));
      const rssBefore = process.memoryUsage().rss;
      let peak = rssBefore;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 100);
      const start = load1();
      const cpu0 = process.cpuUsage();
      const started = performance.now();
      try {
        await loadFn.call(hub, input, LOAD_BATCH ? { batchSize: LOAD_BATCH } : undefined);
      } finally {
        clearInterval(sampler);
      }
      const seconds = (performance.now() - started) / 1000;
      const end = load1();
      const cpu = process.cpuUsage(cpu0);
      const maxRss = process.resourceUsage().maxRSS * 1024;
      peak = Math.max(peak, maxRss);
      const quality = await hubF1(hub, SYNTHETIC_SOURCES);
      log('e: resolving the same records with the batch engine (crmkit resolve) for its F1');
      const engine = await engineF1(input);
      const perSecond = input.length / seconds;
      const mib = (bytes: number) => `${fmt(bytes / 2 ** 20)} MiB`;
      const projected = 1_000_000 / perSecond;
      const met = projected <= 60 && peak <= 2 * 2 ** 30 && quality.f1 >= engine.f1 - 0.001 ? 'yes' : 'no';
      emit({
        row,
        what: `${what} (${fmt(input.length)} records)`,
        figure: `${seconds.toFixed(1)} s = ${fmt(perSecond)}/s; peak RSS ${mib(peak)}; F1 ${quality.f1.toFixed(4)}`,
        target,
        perSecond,
        met,
        load: `${start} → ${end}`,
        notes:
          `RSS before the load ${mib(rssBefore)} (input array in memory); Node CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s; ` +
          `P ${quality.precision.toFixed(4)} R ${quality.recall.toFixed(4)} over ${fmt(quality.records)} records; ` +
          `\`crmkit resolve\` engine on the same records: F1 ${engine.f1.toFixed(4)} (P ${engine.precision.toFixed(4)} R ${engine.recall.toFixed(4)}, ${engine.seconds.toFixed(0)} s)` +
          (LARGE ? '' : `; at this rate 1,000,000 take ~${projected.toFixed(0)} s`),
      });
      return;
    }
    case 'f': {
      const portalId = 880_000 + (process.pid % 100_000);
      const sandbox = await createHubspotSandbox({ portalId, rateLimit: RATE_LIMIT, webhookFlushIntervalMs: 0 });
      cleanups.push(() => sandbox.close());
      sandbox.seed({ contacts: SYNC_CONTACTS, seed: 1 });
      const hub = await embeddedHub('f');
      const adapter = createHubspot({
        credentials: { type: 'token', token: sandbox.accessToken },
        baseUrl: sandbox.url,
        portalId,
        objects: ['contacts'],
        http: { timeoutMs: 2_000, maxWaitMs: 120_000 },
      });
      const sync = createSyncEngine({ hub, adapter });
      const calls: number[] = [];
      sandbox.onExchange(() => calls.push(performance.now()));
      sandbox.resetStats();
      const start = load1();
      const cpu0 = process.cpuUsage();
      const started = performance.now();
      const ideal = idealMs(RATE_LIMIT, calls, started, SYNC_CONTACTS / 100);
      const read = await sync.run();
      const ms = performance.now() - started;
      const cpu = process.cpuUsage(cpu0);
      const share = (ideal / ms) * 100;
      emit({
        row,
        what: `HubSpot initial sync of ${fmt(SYNC_CONTACTS)} contacts (sandbox, 190 requests / 10 s, faults off) into the Hub on the embedded default (PGlite on disk, default resolver)`,
        figure: `${share.toFixed(1)} % of the limit (${(ms / 1000).toFixed(1)} s, ${fmt(read.records / (ms / 1000))} records/s)`,
        target: '>= 90 % of the limit',
        met: share >= 90 ? 'yes' : 'no',
        load: `${start} → ${load1()}`,
        notes: `the limit allows ${(ideal / 1000).toFixed(1)} s; ${sandbox.stats().requests} requests for ${SYNC_CONTACTS / 100} pages; process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (sandbox, Hub and PGlite in one process)`,
      });
      return;
    }
    case 'g': {
      const { hub, store } = await postgresHub('g');
      const identity = createDeterministicResolver({ defaultCountry: 'NL' });
      const now = new Date().toISOString();
      const loadStarted = performance.now();
      for (let from = 0; from < READ_CUSTOMERS; from += 5000) {
        const customers: CustomerRow[] = [];
        const stored: StoredRecord[] = [];
        for (let i = from; i < Math.min(READ_CUSTOMERS, from + 5000); i++) {
          customers.push(smallCustomer(i));
          stored.push(smallRecord(i, identity, now));
        }
        await store.transaction(async (tx) => {
          await tx.putCustomers(customers);
          await tx.putRecords(stored);
        });
        if ((from + 5000) % 100_000 === 0) log(`g: ${fmt(from + 5000)} customers loaded`);
      }
      const loadSeconds = (performance.now() - loadStarted) / 1000;
      const vacuumStarted = performance.now();
      const { rows: tables } = await pgPool().query<{ t: string }>(
        'SELECT tablename AS t FROM pg_tables WHERE schemaname = $1',
        [store.schemaName],
      );
      if (tables.length === 0) throw new Error(`no tables in schema ${store.schemaName}`);
      for (const { t } of tables) await pgPool().query(`VACUUM ANALYZE ${store.schema}.${t}`);
      const vacuumSeconds = (performance.now() - vacuumStarted) / 1000;
      const rnd = seededRandom(11);
      const anyId = () => idOf(Math.floor(rnd() * READ_CUSTOMERS));
      const setup = `bulk load (putCustomers + putRecords, 5,000 a transaction) ${loadSeconds.toFixed(0)} s, VACUUM ANALYZE of ${tables.length} tables ${vacuumSeconds.toFixed(1)} s`;
      for (const [name, limit, fn] of [
        [
          'hub.get(id)',
          1,
          async () => {
            if (!(await hub.get(anyId()))) throw new Error('customer not found');
          },
        ],
        [
          'hub.view(id)',
          2,
          async () => {
            const view = await hub.view(anyId());
            if (view.customer.golden.contactPoints.length === 0) throw new Error('no contact points');
          },
        ],
      ] as const) {
        const start = load1();
        const times = await latencies(fn, 5000, 500);
        const p99 = percentile(times, 99);
        emit({
          row: `${row}`,
          what: `\`${name}\` at ${fmt(READ_CUSTOMERS)} customers on PostgreSQL (one record each), after VACUUM ANALYZE, random ids, 5,000 sequential calls`,
          figure: `p99 ${p99.toFixed(2)} ms (p50 ${percentile(times, 50).toFixed(2)}, max ${times[times.length - 1]!.toFixed(1)})`,
          target: `p99 <= ${limit} ms`,
          met: p99 <= limit ? 'yes' : 'no',
          load: `${start} → ${load1()}`,
          notes: setup,
        });
      }
      return;
    }
  }
}

async function child(rows: Row[]): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void cleanup().finally(() => process.exit(130));
    });
  }
  const shared: { ingested?: Hub } = {};
  try {
    for (const row of rows) {
      const copy = row === 'a' ? undefined : await copyNow();
      const emit: Emit = (result) => {
        const share =
          copy && result.perSecond !== undefined
            ? ` (row = ${((result.perSecond / copy.perSecond) * 100).toFixed(1)} %)`
            : '';
        const line: Result = {
          load: load1(),
          ...result,
          copy: row === 'a' ? result.figure.split(' ')[0]! : `${copyText(copy)}${share}`,
        };
        process.stdout.write(`${RESULT}${JSON.stringify(line)}\n`);
      };
      log(`${row}: measuring${copy ? ` (COPY just now: ${fmt(copy.perSecond)}/s)` : ''}`);
      await runRow(row, emit, shared);
    }
  } finally {
    await cleanup();
    await pool?.end().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Parent side: one child per group, then the table

function runChild(
  rows: Row[],
  database: string | undefined,
): Promise<{ results: Result[]; code: number | null; stderrTail: string }> {
  const script = fileURLToPath(import.meta.url);
  const args = [...process.execArgv, script, '--child', rows.join(','), ...process.argv.slice(2)];
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DATABASE_URL: database ?? '' },
    });
    const results: Result[] = [];
    let buffer = '';
    let stderrTail = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith(RESULT)) {
          const result = JSON.parse(line.slice(RESULT.length)) as Result;
          results.push(result);
          // As it comes, so that a run stopped half-way still shows what it measured.
          log(
            `${result.row}: ${result.figure} (target ${result.target || '-'}; load ${result.load}; COPY ${result.copy})`,
          );
        } else if (line.trim()) process.stderr.write(`  ${line}\n`);
        nl = buffer.indexOf('\n');
      }
    });
    proc.stderr.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      stderrTail = (stderrTail + chunk.toString()).slice(-2000);
    });
    proc.on('close', (code) => resolve({ results, code, stderrTail }));
  });
}

async function parent(): Promise<void> {
  const only = argValue('--only');
  const selected = only ? ROWS.filter((r) => only.split(',').includes(r)) : [...ROWS];
  const unknown = only?.split(',').filter((r) => !(ROWS as readonly string[]).includes(r)) ?? [];
  if (unknown.length > 0) throw new Error(`--only: unknown rows ${unknown.join(', ')}; rows are ${ROWS.join(', ')}`);
  const startedAt = new Date();
  let pgVersion = 'n/a';
  let database = DATABASE_URL;
  if (database) {
    const client = new pg.Client({ connectionString: database, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      pgVersion =
        (await client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]?.v ?? '?';
    } catch (error) {
      log(`DATABASE_URL is set but PostgreSQL does not answer (${String(error)}): the PostgreSQL rows are SKIPPED.`);
      database = undefined;
    } finally {
      await client.end().catch(() => {});
    }
  } else {
    log(
      'DATABASE_URL is not set: the PostgreSQL rows (a, b, c, e, g) are SKIPPED and the other rows print no COPY ' +
        'reference. Set DATABASE_URL=postgres://... to run them.',
    );
  }
  const groups: Row[][] = [];
  for (const row of selected) {
    if (row === 'c' && groups.at(-1)?.[0] === 'b') groups.at(-1)!.push(row);
    else groups.push([row]);
  }
  const results: Result[] = [];
  for (const group of groups) {
    const runnable = database ? group : group.filter((r) => !PG_ROWS.has(r));
    for (const row of group.filter((r) => !runnable.includes(r))) {
      results.push({
        row,
        what: `row ${row} (PostgreSQL)`,
        figure: `skipped: ${DATABASE_URL ? 'PostgreSQL does not answer' : 'DATABASE_URL is not set'}`,
        target: '',
        met: 'skipped',
        load: load1(),
        copy: 'n/a',
        notes: '',
      });
    }
    if (runnable.length === 0) continue;
    log(
      `running ${runnable.join(', ')} (load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')})`,
    );
    const { results: got, code, stderrTail } = await runChild(runnable, database);
    results.push(...got);
    for (const row of runnable.filter((r) => !got.some((g) => g.row === r))) {
      const reason = stderrTail.trim().split('\n').filter(Boolean).at(-1) ?? `exit code ${code}`;
      results.push({
        row,
        what: `row ${row}`,
        figure: `failed (exit code ${code})`,
        target: '',
        met: 'failed',
        load: load1(),
        copy: 'n/a',
        notes: reason.replaceAll('|', '\\|').slice(0, 300),
      });
    }
  }
  const ended = new Date();
  const out: string[] = [];
  out.push(
    `Issue-15 targets, ${startedAt.toISOString().slice(0, 16).replace('T', ' ')}-${ended.toISOString().slice(11, 16)} UTC` +
      `${LARGE ? ', --large' : ''}: ${cpus().length} CPUs, Node.js ${process.version}, PostgreSQL ${pgVersion}. ` +
      'Load: 1-minute load average at the start and end of the timed part. COPY: raw COPY of the same 19,969 ' +
      'records as JSONB in batches of 1,000 (row a), measured again (median of 3) just before each row.',
    '',
    '| row | what | result | target | met | load | COPY same run | notes |',
    '|---|---|---|---|---|---|---|---|',
  );
  const order = (r: Result) => ROWS.indexOf(r.row as Row);
  for (const r of results.sort((x, y) => order(x) - order(y))) {
    out.push(`| ${r.row} | ${r.what} | ${r.figure} | ${r.target} | ${r.met} | ${r.load} | ${r.copy} | ${r.notes} |`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  if (results.some((r) => r.met === 'failed')) process.exitCode = 1;
}

const childRows = argValue('--child');
if (childRows) await child(childRows.split(',') as Row[]);
else await parent();
