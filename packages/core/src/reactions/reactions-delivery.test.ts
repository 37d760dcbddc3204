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
    const seen: { key: string; customerId: string }[] = [];
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
