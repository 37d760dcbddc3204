/**
 * Threat 3 (review follow-up): a dead letter is cleared as "gone" only when the adapter says the vendor does not have
 * the record (`SyncBatch.notFound` from `readByIds`). A record `readByIds` merely did not return (an object type out of
 * the adapter's reach, a per-id error of the vendor) keeps its letter, so a refused record is not forgotten unproven.
 */
import { createHub, type Hub } from '@crmkit/core';
import type { Adapter, RecordType, SyncBatch } from '@crmkit/model';
import { afterEach, describe, expect, it } from 'vitest';
import { createSyncEngine } from '../sync';

const clock = Date.parse('2026-05-01T00:00:00Z');

/** A vendor whose full read refuses `p1` (so it is dead-lettered) and whose `readByIds` returns nothing. */
function vendor(reportNotFound: boolean) {
  const asked: { type: RecordType; externalId: string }[][] = [];
  const adapter = {
    specificationVersion: 'v1',
    id: 'vendor',
    source: 'vendor',
    capabilities: {
      objects: { person: { read: true, incremental: true, write: false, webhooks: false, deletes: false } },
    },
    async *read(): AsyncIterable<SyncBatch> {
      yield {
        records: [],
        refused: [{ type: 'person', externalId: 'p1', code: 'VALIDATION_FAILED', message: 'bad', path: 'data' }],
        checkpoint: 'done',
      };
    },
    async readByIds(refs): Promise<SyncBatch> {
      asked.push([...refs]);
      return reportNotFound ? { records: [], notFound: refs.map((r) => ({ ...r })) } : { records: [] };
    },
  } satisfies Adapter;
  return { adapter, asked };
}

let hub: Hub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

describe('threat 3: a dead letter is cleared as gone only on proof', () => {
  it('keeps the letter of a record readByIds did not return without saying it is not found', async () => {
    const { adapter, asked } = vendor(false);
    hub = createHub();
    const sync = createSyncEngine({ hub, adapter, now: () => clock, sleep: async () => {} });
    await sync.run();
    expect((await sync.deadLetters()).map((l) => l.externalId)).toEqual(['p1']);
    const retry = await sync.retryDeadLetters();
    expect(asked).toHaveLength(1);
    expect(retry).toMatchObject({ retried: 1, cleared: 0, remaining: 1 });
    expect((await sync.deadLetters()).map((l) => l.externalId)).toEqual(['p1']);
  });

  it('clears the letter of a record the adapter reports not found', async () => {
    const { adapter } = vendor(true);
    hub = createHub();
    const sync = createSyncEngine({ hub, adapter, now: () => clock, sleep: async () => {} });
    const cleared: string[] = [];
    sync.on('dead-letter-cleared', (e) => cleared.push(`${e.externalId}:${e.reason}`));
    await sync.run();
    expect(await sync.retryDeadLetters()).toMatchObject({ retried: 1, cleared: 1, remaining: 0 });
    expect(await sync.deadLetters()).toEqual([]);
    expect(cleared).toEqual(['p1:gone']);
  });
});
