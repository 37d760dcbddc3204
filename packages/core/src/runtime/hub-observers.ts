import type { HubEvent } from '@crmkit/model';

/** The part of a Hub that {@link customerPartition} reads (structural: any Hub-like object will do). */
export interface PartitionSource {
  list(options: { limit: number }): Promise<{
    items: readonly { golden: { sources: readonly { system: string; externalId: string }[] } }[];
  }>;
}

/**
 * The Hub's customers as a sorted list of `source/externalId+source/externalId...` strings: which source records
 * are one customer, whatever the customer ids and the order of sources. For comparing two Hubs (two stores, two
 * ingest orders) or a Hub before and after an operation. Reads at most `limit` customers.
 *
 * @example
 * ```ts
 * expect(await customerPartition(hubOnPostgres)).toEqual(await customerPartition(hubInMemory));
 * ```
 */
export async function customerPartition(hub: PartitionSource, limit = 1000): Promise<string[]> {
  const { items } = await hub.list({ limit });
  return items
    .map((customer) =>
      customer.golden.sources
        .map((s) => `${s.system}/${s.externalId}`)
        .sort()
        .join('+'),
    )
    .sort();
}

/** The part of a Hub that {@link recordEvents} needs. */
export interface EventSource {
  on(type: '*', listener: (event: HubEvent) => void): unknown;
}

/**
 * Collects every event the Hub publishes from now on, in order, into the returned array.
 *
 * @example
 * ```ts
 * const events = recordEvents(hub);
 * await hub.ingest(records);
 * expect(events.map((e) => e.type)).toContain('customer.merged');
 * ```
 */
export function recordEvents(hub: EventSource): HubEvent[] {
  const events: HubEvent[] = [];
  hub.on('*', (event) => events.push(event));
  return events;
}
