import type { HubEvent, HubEventType, SourceRecordInput } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { createHub } from '../hub';
import { createMemoryStore } from '../store/memory-store';
import { EVENT_CAUSE_RANK, orderByCause } from './events';

const T = '2026-03-01T10:00:00Z';
const person = (externalId: string, email: string, observedAt = T): SourceRecordInput => ({
  type: 'person',
  source: 'crm',
  externalId,
  observedAt,
  data: { givenName: 'Ada', emails: [email] },
});

const types = (events: readonly { type: string }[]) => events.map((e) => e.type);

describe('events in causal order', () => {
  it('orders by cause, keeps the raised order within a cause, and hands the drawn ids out in that order', () => {
    const raised = (
      [
        'customer.created',
        'record.ingested',
        'customer.updated',
        'review.opened',
        'record.ingested',
        'customer.merged',
      ] as HubEventType[]
    ).map((type, i) => ({ id: `evt_${i}`, type, at: T, payload: { n: i } }) as unknown as HubEvent);
    orderByCause(raised);
    expect(types(raised)).toEqual([
      'record.ingested',
      'record.ingested',
      'customer.merged',
      'customer.created',
      'customer.updated',
      'review.opened',
    ]);
    expect(raised.map((e) => (e.payload as unknown as { n: number }).n)).toEqual([1, 4, 5, 0, 2, 3]);
    expect(raised.map((e) => e.id)).toEqual(['evt_0', 'evt_1', 'evt_2', 'evt_3', 'evt_4', 'evt_5']);
  });

  it('the outbox holds record.ingested before the customer.created it caused (memory store)', async () => {
    const store = createMemoryStore();
    const hub = createHub({ store });
    const heard: string[] = [];
    hub.on('*', (event) => heard.push(event.type));
    await hub.ingest([person('1', 'ada@example.com')]);
    const outbox = await store.transaction((tx) => tx.listOutbox({ limit: 100 }), { readOnly: true });
    expect(types(outbox)).toEqual(['record.ingested', 'customer.created']);
    expect(heard).toEqual(['record.ingested', 'customer.created']);
    // Outbox order, ids and seq agree.
    expect([...outbox.map((e) => e.id)].sort()).toEqual(outbox.map((e) => e.id));
  });

  it('a record that joins two customers: its ingest, then the merge, then the update the merge caused', async () => {
    const store = createMemoryStore();
    const hub = createHub({ store });
    await hub.ingest([person('1', 'ada@example.com')]);
    await hub.ingest([
      {
        type: 'person',
        source: 'erp',
        externalId: '2',
        observedAt: T,
        data: { fullName: 'Ada K', phones: ['+31 20 123 4567'] },
      },
    ]);
    const before = (await hub.outbox({ limit: 100 })).length;
    await hub.ingest([
      {
        type: 'person',
        source: 'web',
        externalId: '3',
        observedAt: T,
        data: { givenName: 'Ada', emails: ['ada@example.com'], phones: ['+31 20 123 4567'] },
      },
    ]);
    const outbox = (await store.transaction((tx) => tx.listOutbox({ limit: 100 }), { readOnly: true })).slice(before);
    const order = types(outbox);
    expect(order[0]).toBe('record.ingested');
    expect(order).toContain('customer.merged');
    expect(order.indexOf('customer.merged')).toBeLessThan(order.indexOf('customer.updated'));
    const ranks = outbox.map((e) => EVENT_CAUSE_RANK[e.type as HubEventType]);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  });

  it('a manual merge: the merge, then the update it caused', async () => {
    const hub = createHub();
    const a = await hub.ingest([person('1', 'ada@example.com')]);
    const b = await hub.ingest([person('2', 'bob@example.com')]);
    const seen = (await hub.outbox({ limit: 1000 })).length;
    await hub.merge(a.customerIds[0]!, b.customerIds[0]!);
    expect(types((await hub.outbox({ limit: 1000 })).slice(seen))).toEqual(['customer.merged', 'customer.updated']);
  });
});
