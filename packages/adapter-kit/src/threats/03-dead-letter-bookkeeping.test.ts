/**
 * Threat 3 (review follow-up): the dead-letter bookkeeping stays small. `status()` counts the letters page by page
 * instead of loading the list, and a run remembers, of the records it read, only those that are open dead letters (so
 * the retry after the pass leaves them alone) rather than every id of a full pass.
 */
import { createHub, type Hub } from '@crmkit/core';
import type { Adapter, RecordType, SourceRecordInput, SyncBatch } from '@crmkit/model';
import { afterEach, describe, expect, it } from 'vitest';
import { createSyncEngine } from '../sync';

const clock = Date.parse('2026-05-01T00:00:00Z');

/** A vendor with `good` valid people and `bad` objects it refuses, read in pages of 400; `skip` leaves ids out. */
function vendor(good: number, bad: number) {
  const asked: { type: RecordType; externalId: string }[] = [];
  const skip = new Set<string>();
  const record = (id: string): SourceRecordInput => ({
    type: 'person',
    source: 'vendor',
    externalId: id,
    observedAt: new Date(clock).toISOString(),
    data: { givenName: 'Ada', emails: [`${id}@example.com`] },
  });
  const adapter = {
    specificationVersion: 'v1',
    id: 'vendor',
    source: 'vendor',
    capabilities: {
      objects: { person: { read: true, incremental: true, write: false, webhooks: false, deletes: false } },
    },
    async *read(): AsyncIterable<SyncBatch> {
      const ids = [
        ...Array.from({ length: good }, (_, i) => `g${i}`),
        ...Array.from({ length: bad }, (_, i) => `b${i}`),
      ].filter((id) => !skip.has(id));
      for (let i = 0; i < ids.length; i += 400) {
        const page = ids.slice(i, i + 400);
        yield {
          records: page.filter((id) => id.startsWith('g')).map(record),
          refused: page
            .filter((id) => id.startsWith('b'))
            .map((id) => ({ type: 'person' as const, externalId: id, code: 'VALIDATION_FAILED', message: 'bad' })),
          checkpoint: String(i),
        };
      }
    },
    async readByIds(refs): Promise<SyncBatch> {
      asked.push(...refs);
      return { records: [] };
    },
  } satisfies Adapter;
  return { adapter, asked, skip };
}

let hub: Hub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

describe('threat 3: dead-letter bookkeeping', () => {
  it('counts more than a page of dead letters in status()', { timeout: 60_000 }, async () => {
    const v = vendor(10, 1201);
    hub = createHub();
    const sync = createSyncEngine({ hub, adapter: v.adapter, now: () => clock, sleep: async () => {} });
    const report = await sync.run();
    expect(report.deadLettered).toBe(1201);
    expect((await sync.status()).deadLetters).toBe(1201);
    // Every letter was read by this pass: the retry after it asks for none of them again.
    expect(v.asked).toEqual([]);
  });

  it('retries after the pass only the letters the pass did not read', { timeout: 60_000 }, async () => {
    const v = vendor(3, 2);
    hub = createHub();
    const sync = createSyncEngine({ hub, adapter: v.adapter, now: () => clock, sleep: async () => {} });
    await sync.run();
    v.skip.add('b1');
    await sync.run({ mode: 'full' });
    expect(v.asked.map((r) => r.externalId)).toEqual(['b1']);
    expect((await sync.status()).deadLetters).toBe(2);
  });
});
