import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Clock, createHub, systemClock } from '@crmkit/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgClient } from './client';
import { createPostgresStore } from './store';
import { createEffectsTable, crashPlugin, STEPS } from './testing/workflow-crash-plugin';

/**
 * A workflow whose process is killed (SIGKILL) in the middle of a step, or in the middle of compensating, is taken
 * over by another process on the same PostgreSQL database once its lease has expired: the interrupted step runs
 * again with the same idempotency key, completed steps do not run again, and each compensation happens once.
 */
const url = process.env.DATABASE_URL;
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const childScript = fileURLToPath(new URL('./testing/workflow-crash-child.ts', import.meta.url));
const LEASE_MS = 800;
/** How long a child may take to start and reach the step to kill it in, on a loaded machine. */
const CHILD_PATIENCE_MS = 120_000;

interface Killed {
  runId: string;
  started: string[];
}

/** Runs the child until it announces `START <hang>`, then kills it with SIGKILL. */
function runChildUntil(env: Record<string, string>, hang: string): Promise<Killed> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@crmkit/source', '--import', 'tsx', childScript], {
      cwd: packageDir,
      env: { ...process.env, ...env, CRASH_HANG: hang, CRASH_LEASE_MS: String(LEASE_MS) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let runId = '';
    const started: string[] = [];
    let buffered = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not reach ${hang} in time: ${stderr}`));
    }, CHILD_PATIENCE_MS);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('RUN ')) runId = line.slice(4);
        if (line.startsWith('START ')) {
          started.push(line.slice(6));
          if (line.slice(6) === hang) {
            child.kill('SIGKILL');
          }
        }
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && started.includes(hang)) resolve({ runId, started });
      else reject(new Error(`child exited (${code ?? signal}) before ${hang}: ${stderr}`));
    });
  });
}

describe.skipIf(!url)('workflow crash and resume on PostgreSQL (SIGKILL)', () => {
  let pool: pg.Pool;
  const schemas: string[] = [];

  beforeAll(() => {
    pool = new pg.Pool({ connectionString: url, max: 4 });
  });
  afterAll(async () => {
    for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });

  async function setup() {
    const schema = `wfcrash_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    schemas.push(schema);
    await createEffectsTable(pool, schema);
    return schema;
  }

  async function effects(schema: string): Promise<Record<string, number>> {
    const { rows } = await pool.query<{ what: string; times: number }>(
      `SELECT what, times FROM "${schema}".wf_effects`,
    );
    const out: Record<string, number> = {};
    for (const row of rows) out[row.what] = (out[row.what] ?? 0) + row.times;
    return out;
  }

  /**
   * The survivor's clock: real timers, and `now()` moved by `skew` ms, so a test puts the survivor before or after the
   * dead process's lease without sleeping and without racing the machine's speed.
   */
  function skewedClock(): Clock & { skew: number } {
    return {
      skew: 0,
      now() {
        return Date.now() + this.skew;
      },
      setTimeout: systemClock.setTimeout,
      clearTimeout: systemClock.clearTimeout,
    };
  }

  async function survivor(schema: string, failShip: boolean, clock: Clock) {
    const store = createPostgresStore({
      client: pgClient(new pg.Pool({ connectionString: url, max: 4 }), { ownsPool: true }),
      schema,
    });
    const hub = createHub({
      store,
      plugins: [crashPlugin({ pool, schema, failShip })],
      workflows: { leaseMs: LEASE_MS, scheduler: false, workerId: 'survivor' },
      clock,
    });
    return hub;
  }

  it('resumes a run killed in the middle of a step: done steps stay done, the step runs again once', async () => {
    const schema = await setup();
    const { runId, started } = await runChildUntil({ CRASH_SCHEMA: schema }, 'charge');
    expect(started).toEqual(['reserve', 'charge']);
    expect(await effects(schema)).toEqual({ reserve: 1 });

    const clock = skewedClock();
    const hub = await survivor(schema, false, clock);
    // While the dead process's lease is valid nobody takes the run over.
    const early = await hub.workflows.get(runId);
    const leaseUntil = Date.parse(early?.leaseUntil ?? '');
    expect(leaseUntil).toBeGreaterThan(0);
    clock.skew = leaseUntil - 60_000 - Date.now(); // well within the lease, however slowly runDue() runs
    expect(await hub.workflows.runDue()).toBe(0);
    clock.skew = leaseUntil + 1 - Date.now(); // the lease has just expired
    expect(await hub.workflows.runDue()).toBe(1);
    await hub.workflows.idle();
    const run = await hub.workflows.get(runId);
    expect(run?.status).toBe('completed');
    expect(run?.completed).toEqual([...STEPS]);
    expect(run?.history.some((h) => h.action === 'resumed' && h.step === 'charge')).toBe(true);
    expect(await effects(schema)).toEqual({ reserve: 1, charge: 1, ship: 1 });
    // The same idempotency key starts no second run.
    expect(await hub.workflows.start('crash.order', { order: 42 }, { idempotencyKey: 'order-42' })).toBe(runId);
    await hub.close();
  }, 300_000);

  it('resumes a compensation killed half way: every completed step is undone exactly once', async () => {
    const schema = await setup();
    const { runId, started } = await runChildUntil({ CRASH_SCHEMA: schema, CRASH_FAIL_SHIP: '1' }, 'undo:reserve');
    // ship failed twice (1 retry), charge was undone, then the process died while undoing reserve.
    expect(started).toEqual(['reserve', 'charge', 'ship', 'ship', 'undo:charge', 'undo:reserve']);
    expect(await effects(schema)).toEqual({ reserve: 1, charge: 1, 'undo:charge': 1 });

    const clock = skewedClock();
    const hub = await survivor(schema, true, clock);
    clock.skew = Date.parse((await hub.workflows.get(runId))?.leaseUntil ?? '') + 1 - Date.now(); // lease expired
    expect(await hub.workflows.runDue()).toBe(1);
    await hub.workflows.idle();
    const run = await hub.workflows.get(runId);
    expect(run?.status).toBe('compensated');
    expect(run?.error).toMatchObject({ step: 'ship', message: expect.stringContaining('carrier refused') });
    expect(await effects(schema)).toEqual({ reserve: 1, charge: 1, 'undo:charge': 1, 'undo:reserve': 1 });
    await hub.close();
  }, 300_000);
});
