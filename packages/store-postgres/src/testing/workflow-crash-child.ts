/**
 * Child process of the workflow crash test (src/workflow-crash.test.ts); not part of the package API. Starts a run
 * of `crash.order` on a Hub over PostgreSQL with a short lease, prints `RUN <id>`, then `START <step>` as steps and
 * compensations begin; one of them hangs (`CRASH_HANG`) until the parent kills the process with SIGKILL.
 *
 * Environment: `DATABASE_URL`, `CRASH_SCHEMA`, `CRASH_HANG`, `CRASH_FAIL_SHIP` (`1`), `CRASH_LEASE_MS`.
 *
 * @module
 */
import { createHub } from '@crmkit/core';
import pg from 'pg';
import { pgClient } from '../client';
import { createPostgresStore } from '../store';
import { crashPlugin } from './workflow-crash-plugin';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  const schema = process.env.CRASH_SCHEMA;
  if (!url || !schema) throw new Error('DATABASE_URL and CRASH_SCHEMA are required');
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => {});
  const effects = new pg.Pool({ connectionString: url, max: 2 });
  effects.on('error', () => {});
  const store = createPostgresStore({ client: pgClient(pool, { ownsPool: true }), schema });
  await store.ready();
  const hub = createHub({
    store,
    plugins: [
      crashPlugin({
        pool: effects,
        schema,
        ...(process.env.CRASH_HANG ? { hang: process.env.CRASH_HANG } : {}),
        failShip: process.env.CRASH_FAIL_SHIP === '1',
        onStart: (what) => say(`START ${what}`),
      }),
    ],
    workflows: { leaseMs: Number(process.env.CRASH_LEASE_MS ?? '1000'), scheduler: false, workerId: 'child' },
  });
  const id = await hub.workflows.start('crash.order', { order: 42 }, { idempotencyKey: 'order-42' });
  say(`RUN ${id}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
