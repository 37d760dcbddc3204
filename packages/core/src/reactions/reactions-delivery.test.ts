import { definePlugin } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { createHub } from '../hub';
import { createMemoryStore } from '../store/memory-store';
import { person } from './reactions.test-support';

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
