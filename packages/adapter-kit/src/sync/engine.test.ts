import { createHub, type Hub } from '@crmkit/core';
import {
  type Adapter,
  CrmkitError,
  DEFAULT_POLICY,
  type JsonValue,
  type ReadOptions,
  SECRET_PLACEHOLDER,
  type SourceRecordInput,
  type SyncBatch,
  type WebhookEvent,
  WebhookRejectedError,
  type WriteChange,
  type WriteResult,
} from '@crmkit/model';
import { afterEach, describe, expect, it } from 'vitest';
import { createSyncEngine, SYNC_DOCUMENT_KINDS, type SyncEngine, type SyncEngineOptions } from './index';

/**
 * A scripted vendor for the engine's own tests: people with an update time, listed in pages of `pageSize`, with
 * faults on demand. (Real adapters are checked against vendor sandboxes by the adapter conformance suite.)
 */
interface VendorPerson {
  id: string;
  first: string;
  last: string;
  email: string;
  updatedAt: number;
}

function createVendor() {
  let clock = Date.parse('2026-05-01T00:00:00Z');
  const people = new Map<string, VendorPerson>();
  const writes: WriteChange[] = [];
  const faults = { failReadAtBatch: -1, failWrites: 0, invalidIds: new Set<string>() };
  const tick = () => {
    clock += 1000;
    return clock;
  };
  const toRecord = (p: VendorPerson): SourceRecordInput =>
    faults.invalidIds.has(p.id)
      ? ({
          type: 'person',
          source: 'vendor',
          externalId: p.id,
          observedAt: new Date(p.updatedAt).toISOString(),
          data: { emails: ['not-an-email'] },
        } as SourceRecordInput)
      : {
          type: 'person',
          source: 'vendor',
          externalId: p.id,
          observedAt: new Date(p.updatedAt).toISOString(),
          data: { givenName: p.first, familyName: p.last, emails: [p.email] },
        };
  const vendor = {
    people,
    writes,
    faults,
    now: () => clock,
    tick,
    put(id: string, first: string, last = 'Doe') {
      people.set(id, { id, first, last, email: `${id}@example.com`, updatedAt: tick() });
    },
    adapter: {
      specificationVersion: 'v1',
      id: 'vendor',
      source: 'vendor',
      capabilities: {
        objects: { person: { read: true, incremental: true, write: true, webhooks: true, deletes: true } },
      },
      async *read(options: ReadOptions = {}): AsyncIterable<SyncBatch> {
        const state = options.checkpoint
          ? (JSON.parse(options.checkpoint) as { mode: string; offset: number; since: number; started: number })
          : { mode: 'full', offset: 0, since: 0, started: clock };
        const sorted = [...people.values()]
          .filter((p) => state.mode === 'full' || p.updatedAt >= state.since)
          .sort((a, b) => a.id.localeCompare(b.id));
        const pageSize = 2;
        let batch = 0;
        for (let offset = state.mode === 'full' ? state.offset : 0; offset < sorted.length; offset += pageSize) {
          if (batch++ === faults.failReadAtBatch) {
            faults.failReadAtBatch = -1;
            throw new Error('vendor fell over');
          }
          const page = sorted.slice(offset, offset + pageSize);
          const last = offset + pageSize >= sorted.length;
          const checkpoint = last
            ? { mode: 'incremental', offset: 0, since: state.mode === 'full' ? state.started : clock, started: 0 }
            : { ...state, offset: offset + pageSize };
          yield { records: page.map(toRecord), checkpoint: JSON.stringify(checkpoint) };
        }
        if (sorted.length === 0) {
          yield {
            records: [],
            checkpoint: JSON.stringify({ mode: 'incremental', offset: 0, since: clock, started: 0 }),
          };
        }
      },
      async write(changes: readonly WriteChange[]): Promise<WriteResult[]> {
        return changes.map((change) => {
          if (faults.failWrites > 0) {
            faults.failWrites--;
            return {
              ok: false,
              idempotencyKey: change.idempotencyKey,
              code: 'VENDOR_ERROR',
              message: '503',
              retryable: true,
            };
          }
          const person = change.externalId ? people.get(change.externalId) : undefined;
          if (!person) {
            return {
              ok: false,
              idempotencyKey: change.idempotencyKey,
              code: 'NOT_FOUND',
              message: 'gone',
              retryable: false,
            };
          }
          if (change.base && person.updatedAt > Date.parse(change.base.observedAt)) {
            const current: Record<string, JsonValue> = { givenName: person.first, familyName: person.last };
            const moved = Object.keys(change.data).some((f) => current[f] !== change.base?.data[f]);
            if (moved) {
              return {
                ok: false,
                idempotencyKey: change.idempotencyKey,
                code: 'CONFLICT',
                message: 'newer vendor value',
                retryable: false,
                current: toRecord(person),
              };
            }
          }
          writes.push(change);
          if (typeof change.data.givenName === 'string') person.first = change.data.givenName;
          if (typeof change.data.familyName === 'string') person.last = change.data.familyName;
          person.updatedAt = tick();
          return { ok: true, idempotencyKey: change.idempotencyKey, externalId: person.id };
        });
      },
      async parseWebhook(request): Promise<WebhookEvent[]> {
        if (request.headers['x-signature'] !== 'good') {
          throw new WebhookRejectedError({ reason: 'bad-signature', message: 'bad signature' });
        }
        return JSON.parse(request.body) as WebhookEvent[];
      },
      async resolveWebhook(events): Promise<SourceRecordInput[]> {
        return events.flatMap((e): SourceRecordInput[] => {
          const person = people.get(e.externalId);
          if (e.action === 'delete') {
            return [
              { type: 'person', source: 'vendor', externalId: e.externalId, observedAt: e.occurredAt, deleted: true },
            ];
          }
          return person ? [toRecord(person)] : [];
        });
      },
    } satisfies Adapter,
  };
  return vendor;
}

let hub: Hub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

function setup(
  configure?: (vendor: ReturnType<typeof createVendor>) => void,
  engineOptions: Partial<SyncEngineOptions> = {},
) {
  const vendor = createVendor();
  for (const [i, name] of ['Ada', 'Ben', 'Cy', 'Di', 'Ed'].entries()) vendor.put(`p${i + 1}`, name);
  configure?.(vendor);
  hub = createHub({ now: () => new Date(vendor.now()) });
  const sync: SyncEngine = createSyncEngine({
    hub,
    adapter: vendor.adapter,
    now: vendor.now,
    sleep: async () => {},
    ...engineOptions,
  });
  return { vendor, hub, sync };
}

/** Page by page: the first full pass without the first-load grouping (tested on its own below). */
const PAGE_BY_PAGE = { initialLoadBatchSize: 0 };

async function liveIds(h: Hub): Promise<string[]> {
  const rows = await h.store.transaction((tx) =>
    tx.listRecordsBySource({ source: 'vendor', type: 'person', limit: 1000 }),
  );
  return rows.map((r) => r.externalId).sort();
}

/** The Hub with its bulk path counted: the batch size of every `load` call. */
function countLoads(h: Hub): number[] {
  const sizes: number[] = [];
  const load = h.load.bind(h);
  h.load = (records, options) => {
    sizes.push(options?.batchSize ?? -1);
    return load(records, options);
  };
  return sizes;
}

describe('sync engine: first full pass through the load path', () => {
  it('groups the pages of a first pass into load batches, storing the checkpoint after each group', async () => {
    const { vendor, hub, sync } = setup(undefined, { initialLoadBatchSize: 4 });
    const loads = countLoads(hub);
    const progress: number[] = [];
    sync.on('progress', (p) => progress.push(p.records));
    const full = await sync.run();
    expect(full).toMatchObject({ mode: 'full', initialLoad: true, records: 5, created: 5, batches: 3 });
    expect(loads).toEqual([4, 1]);
    expect(progress).toEqual([4, 5]);
    expect(await liveIds(hub)).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
    const state = await sync.state();
    expect(state).toMatchObject({ mode: 'incremental', running: false });
    expect(state).not.toHaveProperty('initialLoad');

    // Later passes are page by page through ingest: the Hub holds the source now.
    vendor.put('p6', 'Flo');
    const again = await sync.run({ mode: 'full' });
    expect(again.initialLoad).toBeUndefined();
    expect(again).toMatchObject({ created: 1, tombstones: 0 });
    expect(loads).toEqual([4, 1]);
  });

  it('is no first load when the Hub already holds a record of the source', async () => {
    const { vendor, hub, sync } = setup(undefined, { initialLoadBatchSize: 4 });
    await hub.ingest([
      {
        type: 'person',
        source: 'vendor',
        externalId: 'p1',
        observedAt: new Date(vendor.now() - 60_000).toISOString(),
        data: { givenName: 'Ada' },
      },
    ]);
    const loads = countLoads(hub);
    const full = await sync.run();
    expect(full.initialLoad).toBeUndefined();
    expect(loads).toEqual([]);
    expect(await liveIds(hub)).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
  });

  it('resumes an interrupted first load after its last committed group, still as a load', async () => {
    const { vendor, hub, sync } = setup(undefined, { initialLoadBatchSize: 4 });
    vendor.faults.failReadAtBatch = 2;
    const failed = await sync.run().catch((e: unknown) => e);
    expect(CrmkitError.isInstance(failed) && failed.code).toBe('SYNC_FAILED');
    expect(await sync.state()).toMatchObject({ mode: 'full', running: true, initialLoad: true });
    expect(await liveIds(hub)).toEqual(['p1', 'p2', 'p3', 'p4']);
    const loads = countLoads(hub);
    const resumed = await sync.run();
    expect(resumed).toMatchObject({ mode: 'full', resumed: true, initialLoad: true, records: 1, created: 1 });
    expect(loads).toEqual([1]);
    expect(await liveIds(hub)).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
  });

  it('sets a record the Hub refuses aside as a dead letter; the rest of its group goes in', async () => {
    const { hub, sync } = setup((v) => v.faults.invalidIds.add('p2'), { initialLoadBatchSize: 10 });
    const full = await sync.run();
    expect(full).toMatchObject({ initialLoad: true, created: 4, invalid: 1, deadLettered: 1 });
    expect(await liveIds(hub)).toEqual(['p1', 'p3', 'p4', 'p5']);
    expect((await sync.deadLetters()).map((l) => l.externalId)).toEqual(['p2']);
  });

  it('refuses a negative or fractional initialLoadBatchSize', () => {
    const vendor = createVendor();
    const h = createHub();
    for (const bad of [-1, 1.5]) {
      expect(() => createSyncEngine({ hub: h, adapter: vendor.adapter, initialLoadBatchSize: bad })).toThrow(
        /initialLoadBatchSize/,
      );
    }
  });
});

describe('sync engine: reads', () => {
  it('runs a full pass first, then incremental runs that bring only what changed', async () => {
    const { vendor, hub, sync } = setup(undefined, PAGE_BY_PAGE);
    const progress: number[] = [];
    sync.on('progress', (p) => progress.push(p.records));
    const full = await sync.run();
    expect(full).toMatchObject({ mode: 'full', resumed: false, records: 5, created: 5, batches: 3, tombstones: 0 });
    expect(progress).toEqual([2, 4, 5]);
    expect(await liveIds(hub)).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
    expect(await sync.state()).toMatchObject({ mode: 'incremental', running: false });

    vendor.put('p2', 'Benjamin');
    vendor.put('p6', 'Flo');
    const incremental = await sync.run();
    // p5 was changed at the instant the full pass began: the overlap window reads it again, and it changes nothing.
    expect(incremental).toMatchObject({ mode: 'incremental', records: 3, created: 1, updated: 1, unchanged: 1 });
    const [customer] = await hub.find({ email: 'p2@example.com' });
    expect(customer?.golden.fields.givenName?.value).toBe('Benjamin');
  });

  it('resumes a crashed pass after the last ingested batch, and holds every record once', async () => {
    const { vendor, hub, sync } = setup(undefined, PAGE_BY_PAGE);
    vendor.faults.failReadAtBatch = 2;
    const failed = await sync.run().catch((e: unknown) => e);
    expect(CrmkitError.isInstance(failed) && failed.code).toBe('SYNC_FAILED');
    expect(await sync.state()).toMatchObject({ mode: 'full', running: true });
    expect(await liveIds(hub)).toEqual(['p1', 'p2', 'p3', 'p4']);
    const resumed = await sync.run();
    expect(resumed).toMatchObject({ mode: 'full', resumed: true, records: 1, created: 1 });
    expect(await liveIds(hub)).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
  });

  it('writes tombstones only after a complete full pass, never after a failed one', async () => {
    const { vendor, hub, sync } = setup();
    await sync.run();
    vendor.people.delete('p3');
    expect(await sync.run()).toMatchObject({ mode: 'incremental', tombstones: 0 });
    expect(await liveIds(hub)).toContain('p3');

    vendor.faults.failReadAtBatch = 1;
    await expect(sync.run({ mode: 'full' })).rejects.toMatchObject({ code: 'SYNC_FAILED' });
    expect(await liveIds(hub), 'a failed pass deletes nothing').toContain('p3');

    const tombstones: number[] = [];
    sync.on('tombstones', (t) => tombstones.push(t.count));
    const completed = await sync.run();
    expect(completed).toMatchObject({ mode: 'full', resumed: true, tombstones: 1, deleted: 1 });
    expect(tombstones).toEqual([1]);
    expect(await liveIds(hub)).toEqual(['p1', 'p2', 'p4', 'p5']);
    const seen = await hub.store.transaction((tx) => tx.listDocuments(SYNC_DOCUMENT_KINDS.seen, { limit: 10 }));
    expect(seen, 'the seen set is dropped after the sweep').toEqual([]);
  });

  it('does not tombstone a record a webhook brought in while the full pass ran', async () => {
    const { vendor, hub, sync } = setup();
    await sync.run();
    const late = vendor.tick();
    // Observed after the pass began, by another path: the sweep must leave it alone.
    await hub.ingest([
      {
        type: 'person',
        source: 'vendor',
        externalId: 'p9',
        observedAt: new Date(late + 60_000).toISOString(),
        data: { givenName: 'Late', emails: ['late@example.com'] },
      },
    ]);
    await sync.run({ mode: 'full' });
    expect(await liveIds(hub)).toContain('p9');
  });

  it('reports a record the Hub refuses and goes on with the rest', async () => {
    const { vendor, hub, sync } = setup((v) => v.faults.invalidIds.add('p2'));
    const invalid: string[] = [];
    sync.on('invalid', (r) => invalid.push(`${r.externalId}:${r.error.code}`));
    const report = await sync.run();
    expect(report).toMatchObject({ records: 5, created: 4, invalid: 1 });
    expect(invalid).toEqual(['p2:VALIDATION_FAILED']);
    expect(await liveIds(hub)).toEqual(['p1', 'p3', 'p4', 'p5']);
    expect(vendor.people.size).toBe(5);
    // Set aside with the reason, and retried by id (through resolveWebhook) on the next run once it is fixed.
    expect(report.deadLettered).toBe(1);
    expect(await sync.deadLetters()).toEqual([
      expect.objectContaining({ externalId: 'p2', code: 'VALIDATION_FAILED', path: 'data.emails[0]', attempts: 1 }),
    ]);
    vendor.faults.invalidIds.delete('p2');
    const next = await sync.run();
    expect(next.deadLettersCleared).toBe(1);
    expect(await sync.deadLetters()).toEqual([]);
    expect(await liveIds(hub)).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
  });

  it('stops instead of setting every record aside when the Hub fails on all of them alike', async () => {
    const { vendor, hub } = setup();
    const failing = {
      store: hub.store,
      ingest: async () => {
        throw new Error('a plugin crashed');
      },
    };
    const sync = createSyncEngine({ hub: failing, adapter: vendor.adapter, now: vendor.now, sleep: async () => {} });
    const events = ['p1', 'p2', 'p3', 'p4', 'p5'].map((id, i) => ({
      id: `e${i}`,
      type: 'person',
      externalId: id,
      action: 'upsert',
      occurredAt: new Date(vendor.now()).toISOString(),
    }));
    const request = {
      method: 'POST',
      url: 'https://x',
      headers: { 'x-signature': 'good' },
      body: JSON.stringify(events),
    };
    await expect(sync.handleWebhook(request)).rejects.toThrow('a plugin crashed');
    expect(await sync.deadLetters()).toEqual([]);
    // The claims were released: the vendor's retry is processed once the Hub works again.
    const working = createSyncEngine({ hub, adapter: vendor.adapter, now: vendor.now, sleep: async () => {} });
    expect(await working.handleWebhook(request)).toMatchObject({ status: 200, records: 5, duplicates: 0 });
  });

  it('refuses an incremental run before the first full pass and a second concurrent run', async () => {
    const { sync } = setup();
    await expect(sync.run({ mode: 'incremental' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const first = sync.run();
    await expect(sync.run()).rejects.toMatchObject({ code: 'CONFLICT' });
    await first;
    await sync.reset();
    expect(await sync.state()).toBeUndefined();
  });
});

describe('sync engine: write-back', () => {
  it('writes central overrides back once, and nothing that came from the vendor', async () => {
    const { vendor, hub, sync } = setup();
    await sync.run();
    const [ada] = await hub.find({ email: 'p1@example.com' });
    await hub.setOverride(ada!.id, 'givenName', 'Augusta');
    const first = await sync.writeBack();
    expect(first).toMatchObject({ written: 1, conflicts: 0, failed: 0 });
    expect(vendor.people.get('p1')?.first).toBe('Augusta');
    expect(vendor.writes).toHaveLength(1);
    expect(vendor.writes[0]).toMatchObject({ type: 'person', externalId: 'p1', data: { givenName: 'Augusta' } });
    expect(vendor.writes[0]?.base).toMatchObject({ data: { givenName: 'Ada' } });

    // The vendor's echo comes back through the next run and is not written again.
    await sync.run();
    expect(await sync.writeBack()).toMatchObject({ written: 0, skipped: 0 });
    expect(vendor.writes).toHaveLength(1);
  });

  it('refuses to overwrite a newer vendor value and takes the vendor value instead', async () => {
    const { vendor, hub, sync } = setup();
    await sync.run();
    vendor.put('p1', 'Ada-Marie');
    const [ada] = await hub.find({ email: 'p1@example.com' });
    const conflicts: string[] = [];
    sync.on('conflict', (c) => conflicts.push(c.change.externalId ?? ''));
    await hub.setOverride(ada!.id, 'givenName', 'Augusta');
    const report = await sync.writeBack();
    expect(report).toMatchObject({ written: 0, conflicts: 1 });
    expect(conflicts).toEqual(['p1']);
    expect(vendor.people.get('p1')?.first).toBe('Ada-Marie');
    const records = await hub.store.transaction((tx) => tx.getRecords(['vendor/person/p1']));
    expect(records[0]?.data).toMatchObject({ givenName: 'Ada-Marie' });
  });

  it('retries transient failures, keeps a ledger so a replay sends nothing twice, and reports refusals', async () => {
    const { vendor, sync } = setup();
    await sync.run();
    const change = (id: string, key: string): WriteChange => ({
      type: 'person',
      externalId: id,
      operation: 'update',
      data: { familyName: 'Lovelace' },
      idempotencyKey: key,
    });
    vendor.faults.failWrites = 2;
    const failed: string[] = [];
    sync.on('write-failed', (f) => failed.push(f.result.code));
    const report = await sync.push([change('p1', 'k1'), change('p2', 'k2'), change('nope', 'k3')]);
    expect(report).toMatchObject({ written: 2, failed: 1, deferred: 0 });
    expect(failed).toEqual(['NOT_FOUND']);
    expect(vendor.writes.map((w) => w.idempotencyKey)).toEqual(['k1', 'k2']);
    const replay = await sync.push([change('p1', 'k1'), change('p2', 'k2')]);
    expect(replay).toMatchObject({ written: 0, skipped: 2 });
    expect(vendor.writes).toHaveLength(2);
    await expect(sync.push([change('p1', 'x'), change('p2', 'x')])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('defers changes when the vendor keeps failing, and sends them on the next run', async () => {
    const { vendor, hub, sync } = setup();
    await sync.run();
    const [ada] = await hub.find({ email: 'p1@example.com' });
    await hub.setOverride(ada!.id, 'familyName', 'Byron');
    vendor.faults.failWrites = 100;
    expect(await sync.writeBack()).toMatchObject({ written: 0, deferred: 1 });
    vendor.faults.failWrites = 0;
    expect(await sync.writeBack()).toMatchObject({ written: 1 });
    expect(vendor.people.get('p1')?.last).toBe('Byron');
  });
});

describe('sync engine: webhooks', () => {
  const request = (events: WebhookEvent[], signature = 'good') => ({
    method: 'POST',
    url: 'https://example.com/hooks',
    headers: { 'x-signature': signature },
    body: JSON.stringify(events),
  });

  it('answers 401 to a bad signature and ingests nothing', async () => {
    const { hub, sync } = setup();
    const report = await sync.handleWebhook(request([], 'forged'));
    expect(report).toMatchObject({ status: 401, records: 0 });
    expect(await liveIds(hub)).toEqual([]);
  });

  it('drops repeated deliveries through the inbox and applies deletions', async () => {
    const { vendor, hub, sync } = setup();
    const at = new Date(vendor.now()).toISOString();
    const upsert: WebhookEvent = { id: 'e1', type: 'person', externalId: 'p1', action: 'upsert', occurredAt: at };
    expect(await sync.handleWebhook(request([upsert, upsert]))).toMatchObject({
      status: 200,
      duplicates: 1,
      records: 1,
    });
    expect(await sync.handleWebhook(request([upsert]))).toMatchObject({ status: 200, duplicates: 1, records: 0 });
    expect(await liveIds(hub)).toEqual(['p1']);
    vendor.people.delete('p1');
    const later = new Date(vendor.tick()).toISOString();
    await sync.handleWebhook(
      request([{ id: 'e2', type: 'person', externalId: 'p1', action: 'delete', occurredAt: later }]),
    );
    expect(await liveIds(hub)).toEqual([]);
    expect(await sync.pruneInbox(2000)).toBe(0);
    vendor.tick();
    expect(await sync.pruneInbox(500)).toBe(2);
  });
});

describe('threat 13: write-back of a secret field', () => {
  it('writes the value although events carry only the placeholder', async () => {
    const vendor = createVendor();
    for (const [i, name] of ['Ada', 'Ben'].entries()) vendor.put(`p${i + 1}`, name);
    hub = createHub({
      now: () => new Date(vendor.now()),
      policy: { ...DEFAULT_POLICY, secretFields: ['givenName'] },
    });
    const sync = createSyncEngine({ hub, adapter: vendor.adapter, now: vendor.now, sleep: async () => {} });
    await sync.run();
    const [ada] = await hub.find({ email: 'p1@example.com' });
    await hub.setOverride(ada!.id, 'givenName', 'Augusta');
    const outbox = await hub.store.transaction((tx) => tx.listOutbox({ limit: 1000 }));
    expect(JSON.stringify(outbox)).not.toContain('Augusta');
    expect(await sync.writeBack()).toMatchObject({ written: 1, conflicts: 0, failed: 0 });
    expect(vendor.writes[0]).toMatchObject({ type: 'person', externalId: 'p1', data: { givenName: 'Augusta' } });
    expect(vendor.people.get('p1')?.first).toBe('Augusta');
    expect(JSON.stringify(vendor.writes)).not.toContain(SECRET_PLACEHOLDER);
  });
});
