import {
  type HookPayloads,
  type HubEvent,
  type HubEventType,
  InvalidArgumentError,
  type OutboxEvent,
  type Store,
  type StoreTransaction,
} from '@crmkit/model';
import type { Clock } from '../runtime/clock';
import { AfterHookFailures, type PluginHost } from '../plugins/host';
import type { WorkflowEngine } from '../workflows';
import {
  type ConsumerSettings,
  ensureCheckpoints,
  isRedacted,
  type Operation,
  OutboxConsumer,
  type RoundResult,
} from './consumer';

export { CHECKPOINT_KIND, DEAD_LETTER_KIND } from './consumer';

/** Options of the Hub's reactions (`HubOptions.reactions`): how committed events reach hooks, workflows, listeners. */
export interface ReactionsOptions {
  /**
   * Deliver plugin after-hooks, event-triggered workflow runs and durable listeners in this process. Turn it off in
   * a writer whose reactions another process (with the same plugins, on the same store) delivers. @default true
   */
  deliver?: boolean;
  /**
   * A write resolves only after this process delivered the reactions to it (as before reactions came from the
   * outbox), so tests stay deterministic. Writes made while a hook or a durable listener of this process runs do not
   * wait (the hook may be waiting for them); `await hub.idle()` does.
   * @default true
   */
  awaitDelivery?: boolean;
  /** How often (on the Hub's clock) this process looks for events other processes committed. @default 1000 */
  pollMs?: number;
  /** How long a process holds a consumer without renewing; a dead holder's consumers move on after it. @default 30000 */
  leaseMs?: number;
  /** Events read per round. @default 100 */
  batchSize?: number;
  /**
   * How long a missing outbox position (a transaction not yet committed) holds a consumer's checkpoint; events after
   * it are still delivered. Only stores whose positions can commit out of order need it. @default 1000
   */
  gapGraceMs?: number;
  /**
   * Attempts at one operation's hooks (or one listener call) before it is dead-lettered (a `reaction.dead-letter`
   * document) and the consumer moves on. @default 1
   */
  maxAttempts?: number;
  /** This process's id in consumer leases. @default a random id */
  holderId?: string;
  /**
   * Test seam (internal): called right after a write committed, before anything is delivered. The crash tests kill
   * the process here.
   * @internal
   */
  afterCommit?: () => void;
}

/** Options of `hub.subscribe()`. */
export interface SubscribeOptions {
  /** Only these event types (default: every type). */
  types?: readonly HubEventType[];
}

/** A durable listener: gets each committed event once, with its outbox position. */
export type DurableListener = (event: HubEvent & { seq: number }) => void | Promise<void>;

/** The reactions of one Hub: outbox consumers for plugins, workflows and durable listeners. */
export interface Reactions {
  /** In the writer's transaction, before the events are appended: creates the checkpoints of new consumers. */
  prepare(tx: StoreTransaction): Promise<void>;
  /** The operation's events as the outbox keeps them (with the operation id, size and origin). */
  outboxEvents(events: readonly HubEvent[], origin: string | undefined): OutboxEvent[];
  /**
   * After a commit of `operation` (the id of its first event): delivers it and waits until this process's consumers
   * handled it or, inside a hook or listener, schedules delivery.
   */
  committed(operation?: string): Promise<void>;
  /** True when event-triggered workflow runs are created by the `workflows` consumer (not by the writer). */
  readonly createsRuns: boolean;
  idle(): Promise<void>;
  subscribe(name: string, listener: DurableListener, options?: SubscribeOptions): () => void;
  stop(): Promise<void>;
}

/** What the reactions need from the Hub. */
export interface ReactionsDeps {
  store: Store;
  clock: Clock;
  host: PluginHost;
  engine: WorkflowEngine;
  /** True when a plugin has a workflow with an event trigger. */
  eventWorkflows: boolean;
  holderId: string;
  options: ReactionsOptions | undefined;
  reportPluginError(error: unknown, info: { plugin?: string; hook?: string }): void;
  reportListenerError(error: unknown, event: HubEvent): void;
}

function positiveInteger(options: ReactionsOptions, key: keyof ReactionsOptions, fallback: number, min = 1): number {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError({
      argument: `reactions.${key}`,
      message: `[crmkit/core] reactions.${key} must be an integer >= ${min}.`,
    });
  }
  return value;
}

/** Validates `HubOptions.reactions` (typed errors naming the option); returns it with defaults. */
export function resolveReactionsOptions(options: unknown) {
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new InvalidArgumentError({ argument: 'reactions', message: '[crmkit/core] reactions must be an object.' });
  }
  const o = (options ?? {}) as ReactionsOptions;
  for (const key of ['deliver', 'awaitDelivery'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'boolean') {
      throw new InvalidArgumentError({
        argument: `reactions.${key}`,
        message: `[crmkit/core] reactions.${key} must be a boolean.`,
      });
    }
  }
  if (o.holderId !== undefined && (typeof o.holderId !== 'string' || o.holderId === '')) {
    throw new InvalidArgumentError({
      argument: 'reactions.holderId',
      message: '[crmkit/core] reactions.holderId must be a non-empty string.',
    });
  }
  if (o.afterCommit !== undefined && typeof o.afterCommit !== 'function') {
    throw new InvalidArgumentError({
      argument: 'reactions.afterCommit',
      message: '[crmkit/core] reactions.afterCommit must be a function.',
    });
  }
  return {
    deliver: o.deliver ?? true,
    awaitDelivery: o.awaitDelivery ?? true,
    pollMs: positiveInteger(o, 'pollMs', 1000),
    leaseMs: positiveInteger(o, 'leaseMs', 30_000),
    batchSize: positiveInteger(o, 'batchSize', 100),
    gapGraceMs: positiveInteger(o, 'gapGraceMs', 1000, 0),
    maxAttempts: positiveInteger(o, 'maxAttempts', 1),
    ...(o.holderId ? { holderId: o.holderId } : {}),
    ...(o.afterCommit ? { afterCommit: o.afterCommit } : {}),
  };
}

function toHubEvent(event: OutboxEvent): HubEvent {
  return { id: event.id, type: event.type, at: event.at, payload: event.payload } as unknown as HubEvent;
}

/** The record summary `ingest:after` gets for one operation: its `record.ingested` events. */
function ingestSummary(events: readonly HubEvent[]): HookPayloads['ingest:after'] | undefined {
  const ingested = events.filter((e): e is HubEvent<'record.ingested'> => e.type === 'record.ingested');
  if (ingested.length === 0) return undefined;
  return {
    records: ingested.map(({ payload }) => ({
      key: payload.key,
      type: payload.type,
      change: payload.change,
      customerId: payload.customerId,
    })),
  };
}

/**
 * Creates the reactions of a Hub: one outbox consumer per plugin with after-hooks (`plugin:<name>`), one for
 * event-triggered workflow runs (`workflows`) and one per durable listener (`listener:<name>`). Nothing starts
 * until the first write or `idle()`; a poll on the Hub's clock picks up what other processes committed.
 */
export function createReactions(deps: ReactionsDeps): Reactions {
  const settings = resolveReactionsOptions(deps.options);
  const { store, clock, host, engine } = deps;
  const consumers: OutboxConsumer[] = [];
  /** Consumers whose checkpoint a committed write of this Hub has made sure of; `preparing`: not committed yet. */
  const prepared = new Set<string>();
  const preparing = new Set<string>();
  let stopped = false;
  let handlerDepth = 0;

  const consumerSettings: ConsumerSettings = {
    store,
    clock,
    holder: settings.holderId ?? deps.holderId,
    leaseMs: settings.leaseMs,
    batchSize: settings.batchSize,
    gapGraceMs: settings.gapGraceMs,
    maxAttempts: settings.maxAttempts,
    onError(error: unknown, info: { consumer: string; operation: string; attempt: number; final: boolean }) {
      if (error instanceof ListenerFailure) {
        deps.reportListenerError(error.error, error.event);
      } else if (error instanceof AfterHookFailures) {
        const plugin = info.consumer.replace(/^plugin:/, '');
        for (const failure of error.failures) deps.reportPluginError(failure.error, { plugin, hook: failure.hook });
      } else deps.reportPluginError(error, { hook: info.consumer });
    },
  };
  const add = (spec: ConstructorParameters<typeof OutboxConsumer>[0]) => {
    const consumer = new OutboxConsumer(spec, consumerSettings, () => stopped);
    consumers.push(consumer);
    return consumer;
  };
  const guarded = async (fn: () => Promise<void>) => {
    handlerDepth++;
    try {
      await fn();
    } finally {
      handlerDepth--;
    }
  };

  // The hook calls that returned, per operation being delivered: a retry (`maxAttempts`) runs only the failed ones.
  const succeeded = new WeakMap<Operation, Set<string>>();
  for (const plugin of host.eventHookPlugins()) {
    const types = host.afterHookEventTypes(plugin);
    add({
      name: `plugin:${plugin}`,
      active: () => host.isActive(plugin),
      skip: (operation) =>
        operation.origin === plugin || !operation.events.some((e) => types.has(e.type) && !isRedacted(e)),
      deliver: (operation: Operation) =>
        guarded(async () => {
          const events = operation.events.filter((e) => !isRedacted(e)).map(toHubEvent);
          if (events.length === 0) return;
          const calls = succeeded.get(operation) ?? new Set<string>();
          succeeded.set(operation, calls);
          await host.deliverAfter(plugin, events, ingestSummary(events), operation.origin, calls);
        }),
    });
  }
  const createsRuns = deps.eventWorkflows;
  if (createsRuns) {
    add({
      name: 'workflows',
      deliverInTransaction: async (tx, operations) => {
        const created: string[] = [];
        for (const operation of operations) {
          const events = operation.events.filter((e) => !isRedacted(e)).map(toHubEvent);
          if (events.length === 0) continue;
          const runs = await engine.createRunsForEvents(tx, events, events[0]!.at, (plugin, event) =>
            host.projectEvent(plugin, event),
          );
          created.push(...runs.map((run) => run.id));
        }
        return created.length > 0 ? () => engine.kick(created) : undefined;
      },
    });
  }

  // ---- writes waiting for their own delivery (`committed`): one waiter per operation, until every consumer of
  // this process handled it, or a round of that consumer that began after the commit ended without progress.
  interface Waiter {
    id: number;
    operation: string;
    pending: Set<string>;
    resolve: () => void;
  }
  const waiters = new Set<Waiter>();
  let waiterSeq = 0;
  const settle = (waiter: Waiter, consumer?: string) => {
    if (consumer !== undefined) waiter.pending.delete(consumer);
    if (consumer !== undefined && waiter.pending.size > 0) return;
    waiters.delete(waiter);
    waiter.resolve();
  };
  consumerSettings.handled = (consumer: string, operations: readonly string[]) => {
    for (const waiter of [...waiters]) if (operations.includes(waiter.operation)) settle(waiter, consumer);
  };
  /** Settles the waiters registered up to `mark` for `consumer` (every consumer when absent). */
  const settleUpTo = (mark: number, consumer?: string) => {
    for (const waiter of [...waiters]) if (waiter.id <= mark) settle(waiter, consumer);
  };

  // ---- the pump: one pass runs rounds of every consumer until none has anything left (or is held elsewhere)
  let pumping: Promise<boolean> | undefined;
  /** The one pass after the running one, shared by every caller that asked while a pass ran. */
  let queued: { promise: Promise<boolean>; resolve: (busy: boolean) => void } | undefined;
  let timer: unknown;
  /** The waits of `idle()` callers on the clock (stop() clears them). */
  const idleTimers = new Set<{ handle: unknown; resolve: () => void }>();
  const pumpOnce = async (): Promise<boolean> => {
    const passMark = waiterSeq;
    let busy = false;
    try {
      for (const consumer of [...consumers]) {
        let result: RoundResult;
        do {
          const mark = waiterSeq;
          result = await consumer.round();
          if (result !== 'progress') settleUpTo(mark, consumer.name);
        } while (result === 'progress');
        if (result === 'busy') busy = true;
      }
    } finally {
      // Every consumer had a round that began after these waiters' commits.
      settleUpTo(passMark);
    }
    return busy;
  };
  const arm = () => {
    if (stopped || !settings.deliver || consumers.length === 0 || timer !== undefined) return;
    timer = clock.setTimeout(() => {
      timer = undefined;
      kick();
    }, settings.pollMs);
    (timer as { unref?: () => void } | undefined)?.unref?.();
  };
  const start = (): Promise<boolean> => {
    const pass = pumpOnce().catch((error: unknown) => {
      deps.reportPluginError(error, { hook: 'reactions' });
      return false;
    });
    const current = pass.finally(() => {
      if (pumping === current) pumping = undefined;
      const next = queued;
      queued = undefined;
      if (next && !stopped) void start().then(next.resolve);
      else {
        next?.resolve(false);
        arm();
      }
    });
    pumping = current;
    return current;
  };
  /**
   * Starts a pass, or (while one runs, which may have read the outbox before the caller's commit) the one after it.
   * Resolves when that pass ended: true when a consumer was held by another process. A caller never waits for more
   * than the running pass and the next one.
   */
  const kick = (): Promise<boolean> => {
    if (stopped || !settings.deliver || consumers.length === 0) return Promise.resolve(false);
    if (!pumping) return start();
    if (!queued) {
      let resolve!: (busy: boolean) => void;
      const promise = new Promise<boolean>((r) => {
        resolve = r;
      });
      queued = { promise, resolve };
    }
    return queued.promise;
  };

  return {
    createsRuns,
    async prepare(tx) {
      const missing = consumers.map((c) => c.name).filter((name) => !prepared.has(name));
      if (missing.length === 0) return;
      await ensureCheckpoints(tx, missing, new Date(clock.now()).toISOString());
      // Counted as done only once a write committed (see `committed`): a rolled-back one checks again next time.
      for (const name of missing) preparing.add(name);
    },
    outboxEvents(events, origin) {
      const op = events[0]?.id ?? '';
      return events.map((e) => ({
        ...e,
        payload: e.payload as unknown as OutboxEvent['payload'],
        meta: { op, n: events.length, ...(origin ? { origin } : {}) },
      }));
    },
    async committed(operation) {
      for (const name of preparing) prepared.add(name);
      preparing.clear();
      settings.afterCommit?.();
      if (stopped || !settings.deliver || consumers.length === 0) return;
      // A write made while a hook or listener of this process runs does not wait: the hook may be waiting for it.
      if (!settings.awaitDelivery || handlerDepth > 0 || operation === undefined) {
        void kick();
        return;
      }
      // Waits for its own operation only: later writes (a steady stream) keep the pump going, not this caller.
      await new Promise<void>((resolve) => {
        waiters.add({ id: ++waiterSeq, operation, pending: new Set(consumers.map((c) => c.name)), resolve });
        void kick();
      });
    },
    async idle() {
      if (!settings.deliver) return;
      // Called from a hook or listener of this process: the delivery running it cannot end before it returns.
      if (handlerDepth > 0) {
        void kick();
        return;
      }
      while (!stopped && (await kick())) {
        // Another process holds a consumer: wait for it (or for its lease to expire) on the Hub's clock.
        await new Promise<void>((resolve) => {
          const wait = {
            resolve,
            handle: clock.setTimeout(() => {
              if (idleTimers.delete(wait)) resolve();
            }, settings.pollMs),
          };
          idleTimers.add(wait);
        });
      }
    },
    subscribe(name, listener, options = {}) {
      if (typeof name !== 'string' || name === '') {
        throw new InvalidArgumentError({ argument: 'name', message: '[crmkit/core] subscribe() takes a name.' });
      }
      if (typeof listener !== 'function') {
        throw new InvalidArgumentError({
          argument: 'listener',
          message: '[crmkit/core] subscribe() takes a listener function.',
        });
      }
      if (options.types !== undefined && !Array.isArray(options.types)) {
        throw new InvalidArgumentError({
          argument: 'options.types',
          message: '[crmkit/core] subscribe() options.types must be an array of event types.',
        });
      }
      const full = `listener:${name}`;
      if (consumers.some((c) => c.name === full)) {
        throw new InvalidArgumentError({
          argument: 'name',
          message: `[crmkit/core] A durable listener named "${name}" is subscribed already.`,
        });
      }
      const types = options.types ? new Set<string>(options.types) : undefined;
      const consumer = add({
        name: full,
        skip: (operation) => !operation.events.some((e) => (!types || types.has(e.type)) && !isRedacted(e)),
        deliver: (operation) =>
          guarded(async () => {
            for (const event of operation.events) {
              if (isRedacted(event) || (types && !types.has(event.type))) continue;
              const hubEvent = { ...toHubEvent(event), seq: event.seq ?? 0 };
              try {
                await listener(hubEvent);
              } catch (error) {
                throw new ListenerFailure(error, hubEvent);
              }
            }
          }),
      });
      void kick();
      return () => {
        const index = consumers.indexOf(consumer);
        if (index >= 0) consumers.splice(index, 1);
      };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      for (const wait of idleTimers) {
        clock.clearTimeout(wait.handle);
        wait.resolve();
      }
      idleTimers.clear();
      while (pumping) await pumping;
      settleUpTo(waiterSeq);
      for (const consumer of consumers) {
        await consumer.release().catch(() => {});
      }
    },
  };
}

/** A durable listener threw on an event. */
class ListenerFailure {
  constructor(
    readonly error: unknown,
    readonly event: HubEvent,
  ) {}
}
