/**
 * Events: the one place an operation's events are ordered and published. Every module raises its events with
 * `ctx.emit(type, payload)` on the {@link OperationContext}; when the operation ends, {@link orderByCause} puts them in
 * the order their causes happened, and that order is what the outbox stores and listeners see.
 *
 * @module
 */
import type { HubEvent, HubEventType } from '@crmkit/model';
import type { EventEmitter } from 'eventemitter3';
import { runtime } from './runtime';

/**
 * Where each event type stands in the chain of causes inside one operation: what a source or a person did first
 * (a record arrived, a review was decided), then what that did to customers (merges, splits and deletions before the
 * creations and updates they caused), then the review items the new state opened. Lower goes first; events of one
 * rank keep the order in which they were raised.
 */
export const EVENT_CAUSE_RANK: Readonly<Record<HubEventType, number>> = {
  'record.ingested': 0,
  'interaction.recorded': 0,
  'opportunity.upserted': 0,
  'review.decided': 1,
  'customer.merged': 2,
  'customer.split': 2,
  'customer.deleted': 2,
  'customer.created': 3,
  'customer.updated': 3,
  'review.opened': 4,
};

/**
 * Sorts an operation's events in place by {@link EVENT_CAUSE_RANK} (stable), and hands the event ids out again in
 * the order they were drawn, so ids still increase along the outbox order.
 */
export function orderByCause(events: HubEvent[]): void {
  if (events.length < 2) return;
  const ids = events.map((event) => event.id);
  const ordered = events
    .map((event, index) => ({ event, index }))
    .sort((a, b) => EVENT_CAUSE_RANK[a.event.type] - EVENT_CAUSE_RANK[b.event.type] || a.index - b.index);
  ordered.forEach(({ event }, index) => {
    events[index] = { ...event, id: ids[index]! };
  });
}

/** The in-process listeners of a Hub, by event type (`'*'` for every event). */
export type EmitterEvents = { [K in HubEventType]: (event: HubEvent<K>) => void } & { '*': (event: HubEvent) => void };

/** Calls the in-process listeners of each committed event; a throwing listener never breaks the others. */
export function publishEvents(
  emitter: EventEmitter<EmitterEvents>,
  events: readonly HubEvent[],
  onListenerError: ((error: unknown, event: HubEvent) => void) | undefined,
): void {
  for (const event of events) {
    for (const name of [event.type, '*'] as const) {
      for (const listener of emitter.listeners(name) as ((e: HubEvent) => void)[]) {
        try {
          listener(event);
        } catch (error) {
          if (onListenerError) onListenerError(error, event);
          else runtime.console?.error?.('[crmkit/core] An event listener threw:', error);
        }
      }
    }
  }
}
