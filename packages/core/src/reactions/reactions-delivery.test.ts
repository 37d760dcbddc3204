import { definePlugin } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { createHub } from '../hub';
import { createMemoryStore } from '../store/memory-store';
import { manualClock, person } from './reactions.test-support';

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
    const counter = () => {
      let n = 0;
      return (prefix: string) => `${prefix}_${String(++n).padStart(6, '0')}`;
    };
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
    const a = createHub({ ...options, generateId: counter() });
    const b = createHub({ ...options, generateId: counter() });
    await Promise.all([a.idle(), b.idle()]); // both checkpoints exist (at the head)
    const writer = createHub({ store, clock, generateId: counter(), reactions: { deliver: false } });
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
