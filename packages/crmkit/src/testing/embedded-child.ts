/**
 * Child process of the embedded-folder tests (src/threats/01-one-process-per-folder.test.ts); not part of the
 * package API. Opens the Hub on the embedded PGlite folder `CRMKIT_DATA_DIR` through `createHub`, the way an app does.
 *
 * Modes (`CHILD_MODE`):
 * - `hold`: ingests numbered batches of {@link RECORDS_PER_BATCH} records, with one audited admin action each, until
 *   killed; prints `READY <pid>` once the folder is open and `ACK <batch>` once a batch and its audit entry are
 *   acknowledged.
 * - `open`: opens the folder and reads from it; prints `OPENED` or `ERROR <json>` (code, pid, dataDir of the error)
 *   and exits 0.
 *
 * Run: `node --conditions=@crmkit/source --import tsx src/testing/embedded-child.ts` from packages/crmkit.
 *
 * @module
 */
import { createHub } from '../index';

/** Records per batch (the parent checks batches against the same number). */
const RECORDS_PER_BATCH = 5;

function say(line: string): void {
  // stdout is a pipe: writes are synchronous on Linux, so a line is out before the next statement runs.
  process.stdout.write(`${line}\n`);
}

/** The records of one batch: `batch-i` external ids, distinct emails. */
function batchRecords(batch: number) {
  return Array.from({ length: RECORDS_PER_BATCH }, (_, i) => ({
    type: 'person' as const,
    source: 'lock',
    externalId: `${batch}-${i}`,
    observedAt: '2026-01-01T00:00:00Z',
    data: { fullName: `Lock ${batch} ${i}`, emails: [`b${batch}-${i}@example.com`] },
  }));
}

async function main(): Promise<void> {
  const dataDir = process.env.CRMKIT_DATA_DIR;
  if (!dataDir) throw new Error('CRMKIT_DATA_DIR is required');
  const mode = process.env.CHILD_MODE ?? 'hold';

  if (mode === 'open') {
    try {
      const hub = createHub({ dataDir });
      await hub.list();
      say('OPENED');
      await hub.close();
    } catch (error) {
      const { code, pid, dataDir: folder, message } = error as Record<string, unknown>;
      say(`ERROR ${JSON.stringify({ code, pid, dataDir: folder, message })}`);
    }
    return;
  }

  const hub = createHub({ dataDir });
  await hub.list();
  say(`READY ${process.pid}`);
  for (let batch = 0; ; batch++) {
    await hub.ingest(batchRecords(batch));
    await hub.governance.recordAdminAction({ action: 'lock.test', target: `batch:${batch}` });
    say(`ACK ${batch}`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`embedded-child failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
