import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgClient } from './client';
import { createPostgresStore, type PostgresStore } from './store';

const url = process.env.DATABASE_URL;

/** As in src/testing/crash-child.ts (not imported: importing it would run it). */
const RECORDS_PER_BATCH = 20;
const CONSUMER = 'effects';

const ITERATIONS = 15;
/** Stop killing earlier than ITERATIONS when this much time has passed (slow machines). */
const KILL_PHASE_BUDGET_MS = 45_000;
/** Batch numbers of child `i` start at `i * BATCH_STRIDE`. */
const BATCH_STRIDE = 100_000;

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const childScript = fileURLToPath(new URL('./testing/crash-child.ts', import.meta.url));

interface Child {
  process: ChildProcess;
  acks: number[];
  stderr: string;
  ready: Promise<void>;
  exited: Promise<number | null>;
  drained: () => boolean;
}

function startChild(env: Record<string, string>): Child {
  // One node process (no tsx/npx wrapper), so SIGKILL hits the process that holds the connections.
  const child = spawn(process.execPath, ['--conditions=@crmkit/source', '--import', 'tsx', childScript], {
    cwd: packageDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acks: number[] = [];
  let stderr = '';
  let drained = false;
  let buffered = '';
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (line === 'READY') onReady();
      else if (line === 'DRAINED') drained = true;
      else if (line.startsWith('ACK ')) acks.push(Number(line.slice(4)));
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    process: child,
    acks,
    get stderr() {
      return stderr;
    },
    ready,
    exited,
    drained: () => drained,
  };
}

function timeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]);
}

describe.skipIf(!url)(`crash safety on PostgreSQL${url ? '' : ' (skipped: set DATABASE_URL)'}`, () => {
  let pool: pg.Pool;
  let store: PostgresStore;
  const schema = `t_crash_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const running = new Set<ChildProcess>();

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: url, max: 4 });
    store = createPostgresStore({ client: pgClient(pool), schema });
    await store.ready();
    // A plain table without a key: a duplicate effect would show as a second row.
    await pool.query(`CREATE TABLE ${store.schema}.effects (event_id text NOT NULL)`);
  });

  afterAll(async () => {
    for (const child of running) child.kill('SIGKILL');
    await pool?.query(`DROP SCHEMA IF EXISTS ${store.schema} CASCADE`);
    await pool?.end();
  });

  it('keeps ACKed batches whole, never half-writes a batch, and applies every event exactly once across SIGKILLs', async () => {
    const env = { DATABASE_URL: url!, CRASH_SCHEMA: schema };
    const acked = new Set<number>();
    const stderr: string[] = [];
    const started = Date.now();
    let kills = 0;

    for (let i = 1; i <= ITERATIONS && Date.now() - started < KILL_PHASE_BUDGET_MS; i++) {
      const child = startChild({ ...env, CRASH_MODE: 'run', CRASH_START: String(i * BATCH_STRIDE) });
      running.add(child.process);
      await timeout(child.ready, 30_000, `child ${i} start`);
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 750));
      child.process.kill('SIGKILL');
      const code = await child.exited;
      running.delete(child.process);
      expect(code, `child ${i} ended by itself:\n${child.stderr}`).toBeNull(); // null: killed by the signal
      kills++;
      for (const batch of child.acks) acked.add(batch);
      stderr.push(child.stderr);
    }

    // A last child without killing: ingests a few batches more and waits until the consumer has caught up.
    const last = startChild({ ...env, CRASH_MODE: 'drain', CRASH_START: '0', CRASH_BATCHES: '4' });
    running.add(last.process);
    const code = await timeout(last.exited, 60_000, 'the final drain');
    running.delete(last.process);
    expect(code, last.stderr).toBe(0);
    expect(last.drained()).toBe(true);
    for (const batch of last.acks) acked.add(batch);
    expect(stderr.join('')).not.toContain('crash-child failed');

    const s = store.schema;
    // Batches: all or nothing, and every ACKed batch complete.
    const { rows: batches } = await pool.query<{ batch: string; n: string; unlinked: string }>(
      `SELECT split_part(external_id, '-', 1) AS batch, count(*) AS n, count(*) FILTER (WHERE customer_id IS NULL) AS unlinked
       FROM ${s}.crmkit_records WHERE source = 'crash' GROUP BY 1`,
    );
    const stored = new Map(batches.map((row) => [Number(row.batch), Number(row.n)]));
    const partial = [...stored].filter(([, n]) => n !== RECORDS_PER_BATCH);
    expect(partial, 'batches written in part').toEqual([]);
    expect(batches.filter((row) => Number(row.unlinked) > 0)).toEqual([]);
    const lost = [...acked].filter((batch) => !stored.has(batch));
    expect(lost, 'ACKed batches not stored').toEqual([]);

    // Effects: exactly one per outbox event, none without an event.
    const { rows: wrong } = await pool.query(
      `SELECT o.id, count(e.event_id) AS n FROM ${s}.crmkit_outbox o LEFT JOIN ${s}.effects e ON e.event_id = o.id
       GROUP BY o.id HAVING count(e.event_id) <> 1 LIMIT 10`,
    );
    expect(wrong, 'events without exactly one effect').toEqual([]);
    const { rows: orphans } = await pool.query(
      `SELECT e.event_id FROM ${s}.effects e WHERE NOT EXISTS (SELECT 1 FROM ${s}.crmkit_outbox o WHERE o.id = e.event_id) LIMIT 10`,
    );
    expect(orphans, 'effects without an event').toEqual([]);

    const { rows: totals } = await pool.query<{ events: string; effects: string; inbox: string; max_seq: string }>(
      `SELECT (SELECT count(*) FROM ${s}.crmkit_outbox) AS events, (SELECT count(*) FROM ${s}.effects) AS effects,
              (SELECT count(*) FROM ${s}.crmkit_inbox WHERE consumer = $1) AS inbox,
              (SELECT max(seq) FROM ${s}.crmkit_outbox) AS max_seq`,
      [CONSUMER],
    );
    const total = totals[0]!;
    expect(Number(total.effects)).toBe(Number(total.events));
    expect(Number(total.inbox)).toBe(Number(total.events));
    const { rows: checkpoint } = await pool.query<{ last_seq: string }>(
      `SELECT last_seq FROM ${s}.crmkit_outbox_consumers WHERE consumer = $1`,
      [CONSUMER],
    );
    expect(Number(checkpoint[0]?.last_seq)).toBe(Number(total.max_seq));

    // The run did real work: kills hit a busy child, most batches were ACKed.
    expect(kills).toBeGreaterThanOrEqual(5);
    expect(acked.size).toBeGreaterThan(kills);
    const conflicts = [...stderr, last.stderr].join('').split('conflicted, sending it again').length - 1;
    console.info(
      `[crash] ${kills} kills in ${Date.now() - started} ms; ${stored.size} batches stored, ${acked.size} ACKed, ` +
        `${total.events} events, ${total.effects} effects; ${conflicts} batches resent after CONFLICT`,
    );
  }, 120_000);
});
