/** Webhook subscriptions, event queue, signed (v3) delivery with retries and faults. */
import { createHmac } from 'node:crypto';
import { associationCategory } from './associations';
import type { FaultInjector } from './faults';
import { resolveObjectType } from './object-types';
import type { StoreChange } from './store';
import type {
  HubspotWebhookEvent,
  HubspotWebhookFlushOptions,
  HubspotWebhookSubscription,
  HubspotWebhookSubscriptionInput,
  HubspotWebhooks,
} from './types';

/** HubSpot signature v3: base64(HMAC-SHA256(secret, method + uri + body + timestamp)). */
export function hubspotSignatureV3(
  secret: string,
  method: string,
  uri: string,
  body: string,
  timestamp: string,
): string {
  return createHmac('sha256', secret)
    .update(method + uri + body + timestamp)
    .digest('base64');
}

interface Subscription {
  id: number;
  url: string;
  secret: string;
  appId: number;
  portalId: number;
  events: Set<string> | undefined;
  maxBatch: number;
}

interface Delivery {
  sub: Subscription;
  events: HubspotWebhookEvent[];
  attempt: number;
  dueAt: number;
}

/** Settings of the dispatcher. */
export interface WebhookDispatcherOptions {
  portalId: number;
  appId: number;
  flushIntervalMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  timeoutMs: number;
}

/** Counters of deliveries. */
export interface WebhookCounters {
  delivered: number;
  attempts: number;
  failures: number;
  givenUp: number;
}

const PRIMARY_TYPES = new Set([1, 2, 5, 6]);

/** Queues events for changes and delivers them to subscriptions. */
export class WebhookDispatcher implements HubspotWebhooks {
  private readonly subs = new Map<number, Subscription>();
  private queued: { sub: Subscription; event: HubspotWebhookEvent }[] = [];
  private retries: Delivery[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private inflightEvents = 0;
  private nextSubId = 1;
  private nextEventId = 1;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly abort = new AbortController();
  private closed = false;
  counters: WebhookCounters = { delivered: 0, attempts: 0, failures: 0, givenUp: 0 };

  constructor(
    private readonly options: WebhookDispatcherOptions,
    private readonly faults: FaultInjector,
  ) {
    if (options.flushIntervalMs > 0) {
      this.timer = setInterval(() => {
        void this.flush();
      }, options.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Registers a subscription. */
  subscribe(input: HubspotWebhookSubscriptionInput): HubspotWebhookSubscription {
    const sub: Subscription = {
      id: this.nextSubId++,
      url: input.url,
      secret: input.clientSecret ?? 'sandbox-client-secret',
      appId: input.appId ?? this.options.appId,
      portalId: input.portalId ?? this.options.portalId,
      events: input.events ? new Set(input.events) : undefined,
      maxBatch: Math.max(1, Math.min(100, input.maxBatch ?? 100)),
    };
    this.subs.set(sub.id, sub);
    return {
      id: sub.id,
      url: sub.url,
      unsubscribe: () => {
        this.subs.delete(sub.id);
        this.queued = this.queued.filter((q) => q.sub !== sub);
        this.retries = this.retries.filter((r) => r.sub !== sub);
      },
    };
  }

  /** Whether any subscription exists (changes are not turned into events otherwise). */
  hasSubscriptions(): boolean {
    return this.subs.size > 0;
  }

  /** Events queued, waiting for a retry, or being delivered. */
  pending(): number {
    return this.queued.length + this.retries.reduce((n, r) => n + r.events.length, 0) + this.inflightEvents;
  }

  /** Turns a store change into events for every matching subscription. */
  record(change: StoreChange): void {
    if (this.subs.size === 0 || this.closed) return;
    for (const sub of this.subs.values()) {
      for (const event of this.eventsFor(sub, change)) {
        if (!sub.events || sub.events.has(event.subscriptionType)) this.queued.push({ sub, event });
      }
    }
  }

  private base(sub: Subscription, change: StoreChange): Omit<HubspotWebhookEvent, 'subscriptionType' | 'objectId'> {
    return {
      eventId: 0,
      subscriptionId: sub.id,
      portalId: sub.portalId,
      appId: sub.appId,
      occurredAt: change.at,
      attemptNumber: 0,
      changeSource: change.source,
      ...(change.source === 'INTEGRATION' ? { sourceId: String(sub.appId) } : {}),
    };
  }

  private eventsFor(sub: Subscription, change: StoreChange): HubspotWebhookEvent[] {
    const out: HubspotWebhookEvent[] = [];
    const push = (event: Omit<HubspotWebhookEvent, 'eventId'>) => out.push({ ...event, eventId: this.nextEventId++ });
    if (change.kind === 'association') {
      const from = resolveObjectType(change.change.fromTypeId);
      const to = resolveObjectType(change.change.toTypeId);
      if (!from || !to) return out;
      push({
        ...this.base(sub, change),
        subscriptionType: from.genericEvents ? 'object.associationChange' : `${from.singular}.associationChange`,
        objectId: change.change.fromId,
        ...(from.genericEvents ? { objectTypeId: from.typeId } : {}),
        associationType: `${from.singular}_TO_${to.singular}`.toUpperCase(),
        fromObjectId: change.change.fromId,
        toObjectId: change.change.toId,
        associationRemoved: change.removed,
        isPrimaryAssociation: PRIMARY_TYPES.has(change.change.typeId),
        associationCategory: associationCategory(change.change.typeId),
        associationTypeId: change.change.typeId,
      });
      return out;
    }
    const type = change.object.type;
    const prefix = type.genericEvents ? 'object' : type.singular;
    const common = {
      ...this.base(sub, change),
      objectId: change.object.id,
      ...(type.genericEvents ? { objectTypeId: type.typeId } : {}),
    };
    switch (change.kind) {
      case 'creation':
        push({ ...common, subscriptionType: `${prefix}.creation`, changeFlag: 'NEW' });
        for (const name of change.changed) {
          if (name === 'createdate') continue;
          push({
            ...common,
            subscriptionType: `${prefix}.propertyChange`,
            propertyName: name,
            propertyValue: change.object.props[name] ?? '',
          });
        }
        break;
      case 'propertyChange':
        for (const name of change.changed) {
          push({
            ...common,
            subscriptionType: `${prefix}.propertyChange`,
            propertyName: name,
            propertyValue: change.object.props[name] ?? '',
          });
        }
        break;
      case 'deletion':
        push({ ...common, subscriptionType: `${prefix}.deletion`, changeFlag: 'DELETED' });
        break;
      case 'restore':
        push({ ...common, subscriptionType: `${prefix}.restore`, changeFlag: 'RESTORED' });
        break;
      case 'privacyDeletion':
        push({ ...common, subscriptionType: `${prefix}.privacyDeletion`, changeFlag: 'PRIVACY_DELETED' });
        break;
    }
    return out;
  }

  /** Delivers queued events and due retries (all retries with `force`); resolves when done. */
  async flush(options: HubspotWebhookFlushOptions = {}): Promise<void> {
    if (this.closed) return;
    const now = Date.now();
    const deliveries: Delivery[] = [];
    // Queued events -> batches per subscription, with drop / duplicate / reorder faults.
    const queued = this.queued;
    this.queued = [];
    const bySub = new Map<Subscription, HubspotWebhookEvent[]>();
    const duplicates: { sub: Subscription; event: HubspotWebhookEvent }[] = [];
    for (const { sub, event } of queued) {
      const fault = this.faults.forWebhookEvent();
      if (fault.drop) continue;
      let list = bySub.get(sub);
      if (!list) {
        list = [];
        bySub.set(sub, list);
      }
      list.push(event);
      if (fault.duplicate) duplicates.push({ sub, event: { ...event } });
    }
    for (const { sub, event } of duplicates) bySub.get(sub)?.push(event);
    for (const [sub, events] of bySub) {
      this.faults.reorder(events);
      for (let i = 0; i < events.length; i += sub.maxBatch) {
        deliveries.push({ sub, events: events.slice(i, i + sub.maxBatch), attempt: 0, dueAt: now });
      }
    }
    const due = this.retries.filter((r) => options.force || r.dueAt <= now);
    this.retries = this.retries.filter((r) => !due.includes(r));
    deliveries.push(...due);
    for (const delivery of deliveries) {
      const promise = this.deliver(delivery).finally(() => {
        this.inflight.delete(promise);
      });
      this.inflight.add(promise);
    }
    await Promise.all([...this.inflight]);
  }

  private async deliver(delivery: Delivery): Promise<void> {
    const { sub } = delivery;
    if (!this.subs.has(sub.id)) return;
    const events = delivery.events.map((e) => ({ ...e, attemptNumber: delivery.attempt }));
    const body = JSON.stringify(events);
    const timestamp = String(Date.now());
    const signature = hubspotSignatureV3(sub.secret, 'POST', sub.url, body, timestamp);
    this.inflightEvents += events.length;
    this.counters.attempts++;
    let ok = false;
    try {
      const response = await fetch(sub.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'HubSpot Connect 2.0 (http://dev.hubspot.com/)',
          'x-hubspot-signature-v3': signature,
          'x-hubspot-signature-version': 'v3',
          'x-hubspot-request-timestamp': timestamp,
        },
        body,
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.options.timeoutMs)]),
      });
      await response.arrayBuffer().catch(() => undefined);
      ok = response.status >= 200 && response.status < 300;
    } catch {
      ok = false;
    } finally {
      this.inflightEvents -= events.length;
    }
    if (ok) {
      this.counters.delivered += events.length;
      return;
    }
    this.counters.failures++;
    if (this.closed) return;
    const attempt = delivery.attempt + 1;
    if (attempt >= this.options.maxAttempts) {
      this.counters.givenUp += events.length;
      return;
    }
    this.retries.push({
      sub,
      events: delivery.events,
      attempt,
      dueAt: Date.now() + this.options.retryBaseMs * 2 ** (attempt - 1),
    });
  }

  /** Stops the timer and aborts deliveries in flight. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.abort.abort();
    await Promise.allSettled([...this.inflight]);
  }
}
