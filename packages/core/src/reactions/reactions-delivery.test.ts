import { definePlugin, type OutboxEvent, type SourceRecordInput, type Store } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { createHub } from '../hub';
import type { Clock } from '../runtime/clock';
import { createMemoryStore } from '../store/memory-store';
import { CHECKPOINT_KIND, type ConsumerSettings, OutboxConsumer } from './consumer';
import { checkpoint, countingIds, manualClock, person, recorder, T1 } from './reactions.test-support';

describe('erasure between the claim and the delivery', () => {
  it('a person erased after the consumer read the page never reaches a hook', async () => {
    const store = createMemoryStore();
    const writer = createHub({ store, reactions: { deliver: false } });
    let erasedId = '';
    const seen: { key: string; customerId: string | null }[] = [];
    // The hook of the first operation erases the person of the second one: the consumer read both in its claim.
    const eraser = definePlugin({
      name: 'eraser',
      version: '1.0.0',
      permissions: { read: { entities: ['person'] } },
      hooks: {
        'ingest:after': async ({ records }) => {
          for (const r of records) seen.push({ key: r.key, customerId: r.customerId });
          if (seen.length === 1) await writer.gdpr.erase(erasedId);
        },
      },
    });
    const hub = createHub({ store, plugins: [eraser] });
    await hub.idle(); // its checkpoint starts here
    await writer.ingest([person('1', 'a@example.com')]);
    erasedId = (await writer.ingest([person('2', 'b@example.com')])).customerIds[0]!;
    await hub.idle();
    expect(seen.map((s) => s.key)).toEqual(['hubspot/person/1']);
    expect(seen.some((s) => s.customerId === erasedId)).toBe(false);
    await hub.close();
  });
});

describe('lease holders', () => {
  it('two Hubs with the same deterministic generateId are different holders: only one delivers', async () => {
    const store = createMemoryStore();
    const clock = manualClock();
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = definePlugin({
      name: 'slow',
      version: '1.0.0',
      permissions: { read: { entities: ['person'] } },
      hooks: {
        'ingest:after': async ({ records }) => {
          seen.push(...records.map((r) => r.key));
          await gate;
        },
      },
    });
    const options = { store, clock, plugins: [slow], reactions: { pollMs: 1000 } };
    const a = createHub({ ...options, generateId: countingIds() });
    const b = createHub({ ...options, generateId: countingIds() });
    await Promise.all([a.idle(), b.idle()]); // both checkpoints exist (at the head)
    const writer = createHub({ store, clock, generateId: countingIds(), reactions: { deliver: false } });
    await writer.ingest([person('1', 'a@example.com')]);
    const first = a.idle();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).toEqual(['hubspot/person/1']); // a holds the lease, its hook waits
    const second = b.idle();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).toEqual(['hubspot/person/1']); // b is another holder: it waits for a
    release();
    await first;
    clock.advance(1000);
    await second;
    expect(seen).toEqual(['hubspot/person/1']);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('a steady stream of writes', () => {
  it('a write resolves once its own operation was delivered, while other writes keep the consumer busy', async () => {
    const store = createMemoryStore();
    const got: string[] = [];
    const hub = createHub({ store });
    // A listener slower than the writes: there is always more to deliver.
    hub.subscribe('copy', async (e) => {
      await new Promise((resolve) => setTimeout(resolve, 3));
      got.push(e.id);
    });
    await hub.idle();
    // Another process writes without pause (until told to stop, or 300 writes): this Hub delivers those too.
    const other = createHub({ store, reactions: { deliver: false } });
    let stop = false;
    let writes = 0;
    const stream = (async () => {
      while (!stop && writes < 300) {
        await other.ingest([person(`s${writes}`, `s${writes}@example.com`)]);
        writes++;
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    })();
    while (writes < 3) await new Promise((resolve) => setTimeout(resolve, 1));
    const { customerIds } = await hub.ingest([person('mine', 'mine@example.com')]);
    const writesWhenResolved = writes;
    const gotWhenResolved = [...got];
    stop = true;
    await stream;
    expect(customerIds).toHaveLength(1);
    // Its own events were delivered before it resolved, long before the stream ended.
    const own = (await hub.outbox({ limit: 1000 })).filter(
      (e) => (e.payload as { key?: string }).key === 'hubspot/person/mine',
    );
    expect(own.length).toBeGreaterThan(0);
    expect(own.every((e) => gotWhenResolved.includes(e.id))).toBe(true);
    expect(writesWhenResolved).toBeLessThan(300);
    await hub.close();
  }, 60_000);
});

function outboxEvent(seq: number): OutboxEvent {
  return { id: `e${seq}`, seq, type: 'customer.created', at: T1, payload: {}, meta: { op: `e${seq}`, n: 1 } };
}

async function storeWithEvents(count: number): Promise<Store> {
  const store = createMemoryStore();
  await store.transaction(async (tx) => {
    await tx.appendOutbox(Array.from({ length: count }, (_, i) => outboxEvent(i + 1)));
    await tx.putDocument({ kind: CHECKPOINT_KIND, id: 'c', ref: null, data: { seq: 0, done: [] }, updatedAt: T1 });
  });
  return store;
}

function settings(store: Store, clock: Clock, holder: string): ConsumerSettings {
  const base = { store, clock, holder, leaseMs: 30_000, batchSize: 10, gapGraceMs: 0, maxAttempts: 1 };
  return { ...base, onError: () => {} };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('the lease while a hook runs', () => {
  it('is renewed every leaseMs / 3 on the Hub clock, so a hook slower than leaseMs is not run again elsewhere', async () => {
    const store = await storeWithEvents(1);
    const clock = manualClock();
    const handled: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = new OutboxConsumer(
      {
        name: 'c',
        deliver: async (op) => {
          handled.push(`slow:${op.id}`);
          await gate;
        },
      },
      settings(store, clock, 'slow'),
      () => false,
    );
    const other = new OutboxConsumer(
      {
        name: 'c',
        deliver: async (op) => {
          handled.push(`other:${op.id}`);
        },
      },
      settings(store, clock, 'other'),
      () => false,
    );
    const running = slow.round();
    await tick();
    expect(handled).toEqual(['slow:e1']);
    // 60 s pass while the hook runs (twice the lease), in steps of 10 s.
    for (let i = 0; i < 6; i++) {
      clock.advance(10_000);
      await tick();
    }
    expect((await checkpoint(store, 'c'))?.leaseUntil).toBeGreaterThan(clock.now());
    expect(await other.round()).toBe('busy');
    release();
    expect(await running).toBe('progress');
    expect(handled).toEqual(['slow:e1']);
    expect(clock.pending()).toBe(0); // renewal stopped with the delivery
  });
});

describe('a claim transaction the store runs again', () => {
  it('does not keep what a rolled-back attempt prepared', async () => {
    const memory = await storeWithEvents(1);
    let retryNext = true;
    // The first attempt of the claim is rolled back (a serialization failure); meanwhile another process handled
    // the event, so the second attempt has nothing to do.
    const store: Store = {
      ...memory,
      transaction: async (fn, options) => {
        if (retryNext) {
          retryNext = false;
          await memory
            .transaction(async (tx) => {
              await fn(tx);
              throw new Error('serialization failure');
            }, options)
            .catch(() => {});
          await memory.transaction((tx) =>
            tx.putDocument({ kind: CHECKPOINT_KIND, id: 'c', ref: null, data: { seq: 1, done: [] }, updatedAt: T1 }),
          );
        }
        return memory.transaction(fn, options);
      },
    };
    let kicked = 0;
    const consumer = new OutboxConsumer(
      {
        name: 'c',
        deliverInTransaction: async (_tx, operations) => (operations.length > 0 ? () => kicked++ : undefined),
      },
      settings(store, manualClock(), 'me'),
      () => false,
    );
    expect(await consumer.round()).toBe('idle');
    expect(kicked).toBe(0);
  });
});

describe('idle() while another process holds a consumer', () => {
  it('its wait on the clock is cleared by close(), and it resolves', async () => {
    const store = createMemoryStore();
    const clock = manualClock();
    const writer = createHub({ store, clock, plugins: [recorder('rec', [])], reactions: { deliver: false } });
    await writer.ingest([person('1', 'a@example.com')]);
    await store.transaction(async (tx) => {
      const [doc] = await tx.getDocuments(CHECKPOINT_KIND, ['plugin:rec']);
      await tx.putDocument({
        ...doc!,
        data: { ...(doc!.data as object), holder: 'alive', leaseUntil: clock.now() + 60_000 },
      });
    });
    const hub = createHub({ store, clock, plugins: [recorder('rec', [])], reactions: { pollMs: 1000 } });
    let resolved = false;
    const waiting = hub.idle().then(() => {
      resolved = true;
    });
    await tick();
    expect(resolved).toBe(false);
    await hub.close();
    expect(clock.pending()).toBe(0);
    await tick();
    expect(resolved).toBe(true);
    await waiting;
  });
});

describe('retries (maxAttempts)', () => {
  it('run again only the hooks that failed, not those of the same plugin that already ran', async () => {
    const calls: string[] = [];
    let failIngest = 1;
    const plugin = definePlugin({
      name: 'both',
      version: '1.0.0',
      permissions: { read: { entities: ['person'], events: ['customer.updated'] } },
      hooks: {
        'update:after': () => {
          calls.push('update');
        },
        'ingest:after': () => {
          calls.push('ingest');
          if (failIngest-- > 0) throw new Error('ingest hook failed');
        },
      },
    });
    const errors: unknown[] = [];
    const hub = createHub({ plugins: [plugin], reactions: { maxAttempts: 2 }, onPluginError: (e) => errors.push(e) });
    await hub.ingest([person('1', 'a@example.com')]);
    calls.length = 0;
    failIngest = 1;
    errors.length = 0;
    await hub.ingest([
      {
        ...person('1', 'a@example.com'),
        data: { givenName: 'Changed', emails: ['a@example.com'] },
      } as SourceRecordInput,
    ]);
    expect(calls).toEqual(['update', 'ingest', 'ingest']);
    expect(errors).toHaveLength(1);
    await hub.close();
  });
});

describe('workflow workers', () => {
  it('two Hubs with the same deterministic generateId are different workers: a held run is not run twice', async () => {
    const store = createMemoryStore();
    let steps = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const plugin = definePlugin({
      name: 'wf',
      version: '1.0.0',
      permissions: {},
      workflows: {
        slow: {
          triggers: [{ manual: true }],
          steps: [
            {
              name: 'wait',
              run: async () => {
                steps++;
                await gate;
                return null;
              },
            },
          ],
        },
      },
    });
    const options = { store, plugins: [plugin], workflows: { scheduler: false } };
    const a = createHub({ ...options, generateId: countingIds() });
    const b = createHub({ ...options, generateId: countingIds() });
    const started = a.workflows.start('wf.slow', {});
    await tick();
    expect(steps).toBe(1);
    const due = b.workflows.runDue();
    await tick();
    expect(steps).toBe(1); // b sees a's lease: another worker
    release();
    await Promise.all([started, due]);
    await Promise.all([a.workflows.idle(), b.workflows.idle()]);
    expect(steps).toBe(1);
    await Promise.all([a.close(), b.close()]);
  });
});
