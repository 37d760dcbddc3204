/**
 * Child process of the reactions crash test (src/reactions-crash.test.ts); not part of the package API. Opens a Hub
 * on PostgreSQL (`REACT_SCHEMA`) or on an embedded PGlite folder (`REACT_DIR`) with a plugin whose `ingest:after`
 * hook appends one line per record key to `REACT_FILE`, then, by `REACT_MODE`:
 *
 * - `die`: ingests batch `a` (delivered as usual), then batch `b`, and kills itself with SIGKILL right after batch
 *   `b` committed, before its hooks are delivered (the Hub's internal `reactions.afterCommit` seam);
 * - `write`: ingests batch `REACT_BATCH` with delivery off (`reactions.deliver: false`), closes, prints `DONE`;
 * - `deliver`: writes nothing, waits until every committed event is delivered (`hub.idle()`), closes, prints `DONE`.
 *
 * @module
 */
import { appendFileSync } from 'node:fs';
import { createHub } from '@crmkit/core';
import { definePlugin } from '@crmkit/model';
import pg from 'pg';
import { pgClient } from '../client';
import { embeddedClient } from '../embedded';
import { createPostgresStore } from '../store';

function records(batch: string) {
  return Array.from({ length: 3 }, (_, i) => ({
    type: 'person' as const,
    source: 'crash',
    externalId: `${batch}-${i}`,
    observedAt: '2026-01-01T00:00:00Z',
    data: { fullName: `Crash ${batch} ${i}`, emails: [`${batch}-${i}@example.com`] },
  }));
}

async function main(): Promise<void> {
  const file = process.env.REACT_FILE;
  const mode = process.env.REACT_MODE;
  if (!file || !mode) throw new Error('REACT_FILE and REACT_MODE are required');
  const client = process.env.REACT_DIR
    ? embeddedClient({ dataDir: process.env.REACT_DIR })
    : pgClient(new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 }), { ownsPool: true });
  const store = createPostgresStore({
    client,
    ...(process.env.REACT_SCHEMA ? { schema: process.env.REACT_SCHEMA } : {}),
  });
  await store.ready();
  const appender = definePlugin({
    name: 'appender',
    version: '1.0.0',
    permissions: { read: { entities: ['person'] } },
    hooks: {
      'ingest:after': ({ records: changed }) => {
        appendFileSync(file, changed.map((r) => `${r.key}\n`).join(''));
      },
    },
  });
  let commits = 0;
  const hub = createHub({
    store,
    plugins: [appender],
    reactions: {
      deliver: mode !== 'write',
      pollMs: 100,
      leaseMs: 1000,
      afterCommit: () => {
        commits++;
        if (mode === 'die' && commits === 2) process.kill(process.pid, 'SIGKILL');
      },
    },
  });
  if (mode === 'die') {
    await hub.ingest(records('a'));
    await hub.ingest(records('b'));
    throw new Error('still alive after batch b committed');
  }
  if (mode === 'write') await hub.ingest(records(process.env.REACT_BATCH ?? 'c'));
  await hub.idle();
  await hub.close();
  process.stdout.write('DONE\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
