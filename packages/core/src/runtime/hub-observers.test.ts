import type { HubEvent } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { customerPartition, recordEvents } from './hub-observers';

describe('Hub test helpers', () => {
  it('customerPartition ignores customer ids and the order of customers and sources', async () => {
    const customer = (...sources: [string, string][]) => ({
      golden: { sources: sources.map(([system, externalId]) => ({ system, externalId })) },
    });
    const one = { list: async () => ({ items: [customer(['b', '2'], ['a', '1']), customer(['c', '3'])] }) };
    const two = { list: async () => ({ items: [customer(['c', '3']), customer(['a', '1'], ['b', '2'])] }) };
    expect(await customerPartition(one)).toEqual(['a/1+b/2', 'c/3']);
    expect(await customerPartition(two)).toEqual(await customerPartition(one));
    const three = { list: async () => ({ items: [customer(['a', '1']), customer(['b', '2'], ['c', '3'])] }) };
    expect(await customerPartition(three)).not.toEqual(await customerPartition(one));
  });

  it('recordEvents keeps every published event in order', () => {
    let listener: ((event: HubEvent) => void) | undefined;
    const events = recordEvents({ on: (_type, fn) => (listener = fn) });
    const event = (id: string) =>
      ({ id, type: 'customer.created', at: '2026-01-01T00:00:00.000Z' }) as unknown as HubEvent;
    listener?.(event('e1'));
    listener?.(event('e2'));
    expect(events.map((e) => e.id)).toEqual(['e1', 'e2']);
  });
});
