import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgClient } from './client';
import { createPostgresStore, type PostgresStore } from './store';
import { killWhenWorking, spawnCrashChild, withTimeout } from './testing/crash-parent';

const url = process.env.DATABASE_URL;

/** As in src/testing/crash-child.ts (not imported: importing it would run it). */
const RECORDS_PER_BATCH = 20;
const CONSUMER = 'effects';

const ITERATIONS = 15;
/** Kills that always happen, however slow the machine; the rest (up to ITERATIONS) only within KILL_PHASE_BUDGET_MS. */
const MIN_KILLS = 5;
/** Stop killing earlier than ITERATIONS when this much time has passed (slow machines). */
const KILL_PHASE_BUDGET_MS = 45_000;
/** A child is killed only once it has reported this many committed (ACKed) batches: the kill hits a working child. */
const ACKS_BEFORE_KILL = 2;
/** How long a child may take to start, or to ACK its first batches, on a loaded machine before the test gives up. */
const CHILD_PATIENCE_MS = 90_000;
/** Batch numbers of child `i` start at `i * BATCH_STRIDE`. */
const BATCH_STRIDE = 100_000;

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const childScript = fileURLToPath(new URL('./testing/crash-child.ts', import.meta.url));
const startChild = (env: Record<string, string>) => spawnCrashChild(childScript, packageDir, env);

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

    for (let i = 1; i <= ITERATIONS && (i <= MIN_KILLS || Date.now() - started < KILL_PHASE_BUDGET_MS); i++) {
      const child = startChild({ ...env, CRASH_MODE: 'run', CRASH_START: String(i * BATCH_STRIDE) });
      running.add(child.process);
      await withTimeout(child.ready, CHILD_PATIENCE_MS, `child ${i} start`);
      // Kill a child that is working: after it has committed some batches (however long that takes on a busy
      // machine), at a random moment of the batches that follow.
      const code = await killWhenWorking(child, {
        acks: ACKS_BEFORE_KILL,
        patienceMs: CHILD_PATIENCE_MS,
        jitterMs: 300,
      });
      running.delete(child.process);
      expect(code, `child ${i} ended by itself:\n${child.stderr}`).toBeNull(); // null: killed by the signal
      kills++;
      for (const batch of child.acks) acked.add(batch);
      stderr.push(child.stderr);
    }

    // A last child without killing: ingests a few batches more and waits until the consumer has caught up.
    const last = startChild({ ...env, CRASH_MODE: 'drain', CRASH_START: '0', CRASH_BATCHES: '4' });
    running.add(last.process);
    const code = await withTimeout(last.exited, 2 * CHILD_PATIENCE_MS, 'the final drain');
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

    // The run did real work: every kill hit a child that had committed batches.
    expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
    expect(acked.size).toBeGreaterThanOrEqual(kills * ACKS_BEFORE_KILL);
    const conflicts = [...stderr, last.stderr].join('').split('conflicted, sending it again').length - 1;
    console.info(
      `[crash] ${kills} kills in ${Date.now() - started} ms; ${stored.size} batches stored, ${acked.size} ACKed, ` +
        `${total.events} events, ${total.effects} effects; ${conflicts} batches resent after CONFLICT`,
    );
  }, 600_000); // a budget for a loaded 2-core machine; typically done in well under a minute
});
