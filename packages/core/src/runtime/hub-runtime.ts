/**
 * The runtime every module of the Hub receives: the store, time, ids, settings and limits, the plugin host and the
 * workflow engine, the event listeners, and the transaction runners {@link HubRuntime.write} and
 * {@link HubRuntime.read}. Modules are factories or functions of it; nothing depends on declaration order.
 *
 * @module
 */
import {
  type AbortSignalLike,
  CrmkitError,
  ErrorCode,
  type HubEvent,
  type InputLimits,
  type JournalEntry,
  type Store,
  type StoreTransaction,
  throwIfAborted,
} from '@crmkit/model';
import { EventEmitter } from 'eventemitter3';
import { appendAudit, auditPluginInstalls, secretsOnce } from '../governance/operation-audit';
import { redactedCopies } from '../governance/secrets';
import { APP_ACTOR } from '../governance/trail';
import type { IdentityResolver } from '../identity/resolver';
import type { PluginHost } from '../plugins/host';
import type { Reactions } from '../reactions';
import type { WorkflowEngine } from '../workflows';
import type { Clock } from './clock';
import { type EmitterEvents, orderByCause, publishEvents } from './events';
import type { IdGenerator } from './ids';
import { type LinkerSettings, OperationContext } from './operation-context';
import type { ResolvedHubOptions } from './options';

/** Runs one write operation: `fn` in one transaction, then the reactions to its committed events. */
export type WriteOperation = <T>(
  signal: AbortSignalLike | undefined,
  fn: (ctx: OperationContext) => Promise<T>,
  origin?: string,
  actor?: string,
) => Promise<T>;

/** Runs one read in a read-only transaction. */
export type ReadOperation = <T>(
  signal: AbortSignalLike | undefined,
  fn: (tx: StoreTransaction) => Promise<T>,
) => Promise<T>;

/** What every module of the Hub works with. */
export interface HubRuntime {
  readonly store: Store;
  readonly options: ResolvedHubOptions;
  readonly identity: IdentityResolver;
  /** The Hub's clock. */
  now(): Date;
  /** Timers (workflows, retention). */
  readonly timers: Clock;
  readonly newId: IdGenerator;
  /** Golden-record settings; the plugin namespaces are added when the plugin host is attached. */
  readonly settings: LinkerSettings;
  readonly limits: InputLimits;
  readonly emitter: EventEmitter<EmitterEvents>;
  /** The plugin host (set by {@link HubRuntime.attach}). */
  readonly host: PluginHost;
  /** The workflow engine (set by {@link HubRuntime.attach}). */
  readonly engine: WorkflowEngine;
  /** The outbox consumers: plugin after-hooks, workflow runs, durable listeners (set by {@link HubRuntime.attach}). */
  readonly reactions: Reactions;
  /**
   * Connects the plugin host, the workflow engine and the reactions; `createHub` does it once, before the Hub is
   * returned.
   */
  attach(parts: { host: PluginHost; engine: WorkflowEngine; reactions: Reactions }): void;
  /** Throws `CLOSED` once the Hub is closed. */
  ensureOpen(): void;
  /** True once {@link HubRuntime.markClosed} was called. */
  readonly closed: boolean;
  markClosed(): void;
  write: WriteOperation;
  read: ReadOperation;
  /** Store failures surface as `STORE_FAILED` with the original error as `cause`; crmkit errors pass through. */
  guardStore<T>(operation: Promise<T>): Promise<T>;
}

/** Creates the runtime of a Hub over `store` (nothing starts: no timer, no scheduler). */
export function createHubRuntime(
  options: ResolvedHubOptions,
  parts: { store: Store; identity: IdentityResolver; newId: IdGenerator },
): HubRuntime {
  const { store } = parts;
  const settings: LinkerSettings = { ...options.settings };
  const emitter = new EventEmitter<EmitterEvents>();
  let host: PluginHost | undefined;
  let engine: WorkflowEngine | undefined;
  let reactions: Reactions | undefined;
  let closed = false;
  /** Plugins whose installation is audited (and recorded) with the first write of this Hub. */
  let pluginsAudited = false;

  const attached = (): { host: PluginHost; engine: WorkflowEngine; reactions: Reactions } => {
    if (!host || !engine || !reactions)
      throw new Error('[crmkit/core] The Hub runtime is used before its plugin host is attached.');
    return { host, engine, reactions };
  };

  function ensureOpen(): void {
    if (closed) throw new CrmkitError({ code: ErrorCode.CLOSED, message: '[crmkit/core] The Hub is closed.' });
  }

  async function guardStore<T>(operation: Promise<T>): Promise<T> {
    try {
      return await operation;
    } catch (error) {
      if (CrmkitError.isInstance(error)) throw error;
      throw new CrmkitError({
        code: ErrorCode.STORE_FAILED,
        message: `[crmkit/core] The ${store.name} store failed; the operation was rolled back.`,
        cause: error,
      });
    }
  }

  /**
   * The end of an operation inside its transaction: events in causal order, plugin installs and the audit log,
   * secrets redacted from events and journal, then journal and outbox. Everything that reacts to the events (plugin
   * after-hooks, event-triggered workflow runs, durable listeners) reads them from the committed outbox (decision
   * 011); `origin` (the plugin that wrote) is kept with them so its own after-hooks are not called back.
   *
   * The audit append and the journal are independent writes: the journal is issued without waiting for the audit,
   * so a driver with a connection queue sends it while Node builds the audit entries. The outbox goes last, once the
   * audit is written: appending to it takes the appenders' lock until commit (its `seq` order is commit order), so
   * the lock is held no longer than before. Every write is settled before the transaction commits; the first failure
   * (in the order the store reports them) is thrown. The audit reads the operation's journal unredacted, as before:
   * redaction works on copies until every write settled.
   */
  async function beforeCommit(ctx: OperationContext, origin: string | undefined): Promise<void> {
    const { host, reactions } = attached();
    orderByCause(ctx.events);
    if (!pluginsAudited && options.audit) await auditPluginInstalls(ctx, host);
    const writes = new PendingWrites();
    const audit = options.audit ? appendAudit(ctx) : undefined;
    if (audit) writes.add(audit);
    let events: readonly HubEvent[] = ctx.events;
    let journal: readonly JournalEntry[] = ctx.journal;
    try {
      // Secret values stay in the records and the golden record: events, runs and the journal get a placeholder.
      if (events.length > 0 || journal.length > 0) ({ events, journal } = redactedCopies(ctx, await ctx.secrets()));
      if (journal.length > 0) writes.add(ctx.tx.appendJournal(journal));
      if (events.length > 0) {
        const outbox = events;
        writes.add(
          (audit ?? Promise.resolve())
            .then(() => reactions.prepare(ctx.tx))
            .then(() => ctx.tx.appendOutbox(reactions.outboxEvents(outbox, origin))),
        );
      }
    } catch (error) {
      writes.fail(error);
    }
    await writes.settled();
    // The committed events (listeners, after-hooks) are the redacted ones.
    for (let i = 0; events !== ctx.events && i < events.length; i++) ctx.events[i] = events[i]!;
    for (let i = 0; journal !== ctx.journal && i < journal.length; i++) ctx.journal[i] = journal[i]!;
  }

  /**
   * What happens after an operation committed: in-process listeners get its events, this process's outbox consumers
   * deliver them (plugin after-hooks, workflow runs, durable listeners; awaited unless `reactions.awaitDelivery` is
   * off), and the app's own after-hooks (`hub.hooks.on`) run here (`origin`: the plugin that wrote).
   */
  async function afterCommit(ctx: OperationContext, origin?: string): Promise<void> {
    const { host, reactions } = attached();
    pluginsAudited = true;
    publishEvents(emitter, ctx.events, options.given.onListenerError);
    if (ctx.events.length > 0) await reactions.committed(ctx.events[0]!.id);
    if (!host.hasAfterHooks()) return;
    const events = ctx.events;
    const ingested = events.filter((e): e is HubEvent<'record.ingested'> => e.type === 'record.ingested');
    await host.after(
      events,
      ingested.length > 0
        ? {
            records: ingested.map(({ payload }) => ({
              key: payload.key,
              type: payload.type,
              change: payload.change,
              customerId: payload.customerId,
            })),
          }
        : undefined,
      origin,
    );
  }

  const write: WriteOperation = async (signal, fn, origin, actor) => {
    ensureOpen();
    throwIfAborted(signal);
    let ctx: OperationContext | undefined;
    const result = await guardStore(
      store.transaction(
        async (tx) => {
          ctx = new OperationContext(tx, options.now().toISOString(), parts.newId, settings);
          ctx.actor = actor ?? (origin ? `plugin:${origin}` : APP_ACTOR);
          // One read of the policy per operation at most, shared by the operation, its audit and its events; an
          // operation that stores a new policy calls `ctx.forgetSecrets()`, so the audit and events use that one.
          const secrets = secretsOnce(tx, options.defaultPolicy);
          ctx.secrets = secrets.get;
          ctx.forgetSecrets = secrets.forget;
          const value = await fn(ctx);
          await beforeCommit(ctx, origin);
          throwIfAborted(signal);
          return value;
        },
        signal ? { signal } : {},
      ),
    );
    if (ctx) await afterCommit(ctx, origin);
    return result;
  };

  const read: ReadOperation = async (signal, fn) => {
    ensureOpen();
    throwIfAborted(signal);
    return guardStore(store.transaction(fn, { readOnly: true, ...(signal ? { signal } : {}) }));
  };

  return {
    store,
    options,
    identity: parts.identity,
    now: options.now,
    timers: options.timers,
    newId: parts.newId,
    settings,
    limits: options.limits,
    emitter,
    get host() {
      return attached().host;
    },
    get engine() {
      return attached().engine;
    },
    get reactions() {
      return attached().reactions;
    },
    attach(next) {
      host = next.host;
      engine = next.engine;
      reactions = next.reactions;
      if (host.schemas.namespaces.size > 0) settings.namespaces = host.schemas.namespaces;
    },
    ensureOpen,
    get closed() {
      return closed;
    },
    markClosed() {
      closed = true;
    },
    write,
    read,
    guardStore,
  };
}

/**
 * Writes issued together in one transaction: {@link PendingWrites.settled} waits for all of them and then throws the
 * first failure in the order the failures arrived (on a connection that runs statements in order, the statement that
 * failed first; later ones fail because the transaction is aborted). No rejection is left unhandled.
 */
class PendingWrites {
  private readonly pending: Promise<void>[] = [];
  private failed = false;
  private error: unknown;

  add(write: Promise<unknown>): void {
    this.pending.push(
      write.then(
        () => undefined,
        (error: unknown) => this.fail(error),
      ),
    );
  }

  fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.error = error;
  }

  async settled(): Promise<void> {
    await Promise.all(this.pending);
    if (this.failed) throw this.error;
  }
}
