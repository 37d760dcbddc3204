/**
 * The {@link Hub} interface: everything a Hub does, as users see it (public API).
 *
 * @module
 */
import type {
  Actor,
  AuditChange,
  AuditEntry,
  AuditVerification,
  ConsentCapture,
  ContactArrangement,
  ContactDecision,
  Customer,
  CustomerGroup,
  CustomerGroupInput,
  ErasureReport,
  HookName,
  HubEvent,
  HubEventType,
  IdentityLink,
  JournalEntry,
  JsonValue,
  OutboxEvent,
  OutgoingMessage,
  Policy,
  PluginContext,
  RetentionPolicy,
  ReviewItem,
  SourceRecordInput,
  Store,
  WorkflowRun,
} from '@crmkit/model';
import type { ScopedHub } from '../governance/scoped';
import type { PersonExport, PurgeReport } from '../governance/service';
import type { CommandInfo, PluginInfo } from '../plugins/host';
import type { DurableListener, SubscribeOptions } from '../reactions';
import type {
  ActorOptions,
  AppHookHandler,
  AppHookOptions,
  CallOptions,
  EraseOptions,
  FindQuery,
  IngestOptions,
  LoadOptions,
  ReindexOptions,
  ReviewListOptions,
  WorkflowListOptions,
} from './options';
import type {
  CustomerView,
  IngestResult,
  LoadResult,
  MergeResult,
  Page,
  ReindexResult,
  ReviewDecision,
  UnlinkResult,
  UnmergeResult,
} from './results';

/** Handler of one event type. */
export type HubListener<T extends HubEventType> = (event: HubEvent<T>) => void;

/** The central customer view. Create one with {@link createHub}. */
export interface Hub {
  /** The store behind the Hub. */
  readonly store: Store;
  /**
   * Validates, stores and links a batch of source records, and recomputes the golden records they touch; all in one
   * transaction. A bad record refuses the whole batch with a `ValidationError` naming it and the path: the
   * schemas, the input limits, the text policy and the time bounds of the Hub's `input` option (docs/limits.md).
   * `repairTimestamps` replaces records stored with an `observedAt` outside the bounds (see {@link IngestOptions}).
   * The records are typed (`SourceRecordInput` of `@crmkit/model`) so a wrong shape is a compile error too; input
   * that is really untyped (a parsed file, a request body) is checked all the same: cast it at that boundary.
   */
  ingest(records: readonly SourceRecordInput[], options?: IngestOptions): Promise<IngestResult>;
  /**
   * Loads many source records (an array, an iterable, or an async iterable such as a file read line by line) into
   * the Hub: the documented bulk path for a first load of an empty or large Hub (`crmkit import`, a sync engine's
   * first full pass). The records go through the same pipeline as {@link Hub.ingest} in large batches (one
   * transaction each, 5,000 records by default), the next batch read from the source while the current one commits;
   * memory stays bounded (nothing but counters is kept across batches). The end state (customers, identity links,
   * review items, golden records, events and audit entries) is the one `ingest` gives for the same records in any
   * batching; a load emits the same per-record events as ingest (decision 013).
   *
   * A bad record stops the load with a `ValidationError` whose `index` counts from the start of the load; the
   * batches before it stay committed, so running the same load again (ingest is idempotent) finishes it.
   *
   * @example
   * ```ts
   * const result = await hub.load(records, {
   *   batchSize: 5000,
   *   onProgress: (p) => console.log(`${p.records} records, ${p.created} new`),
   * });
   * console.log(result.created, result.reviews);
   * ```
   */
  load(
    records: Iterable<SourceRecordInput> | AsyncIterable<SourceRecordInput>,
    options?: LoadOptions,
  ): Promise<LoadResult>;
  /**
   * Derives the identity keys (match, blocking and reference keys) of every stored live party record again with
   * the Hub's current resolver, and takes the records whose keys changed through the same identity path as ingest:
   * automatic links are recomputed (journaled as `link` / `unlink`), customers relinked (merges and splits raise
   * their events), uncertain pairs opened as review items. Content and `observedAt` stay; no
   * `record.ingested` events. One transaction per batch, in customer id order; a second run changes nothing.
   *
   * Run it after upgrading from a version that stored fewer keys (records written before `@crmkit/store-postgres`
   * migration 2 have no blocking keys, so the probabilistic matcher never finds them) and after changing the
   * identity configuration (resolver, thresholds, parameters, calling code, keys). Ingesting a record again
   * re-keys that one record the same way. Safe to run while others write; an aborted run can simply be repeated.
   *
   * @example
   * ```ts
   * const { rekeyed, links } = await hub.reindex({ onProgress: (p) => console.log(p.records, p.rekeyed) });
   * ```
   */
  reindex(options?: ReindexOptions): Promise<ReindexResult>;
  /** Merges two customers by hand; journaled, and exactly reversible with {@link Hub.unmerge}. */
  merge(a: string, b: string, options?: ActorOptions): Promise<MergeResult>;
  /** Undoes a manual merge: both customers come back with their ids and golden records. */
  unmerge(mergeId: string, options?: ActorOptions): Promise<UnmergeResult>;
  /**
   * Sets an explicit override of one golden field (wins over every rule). The field must be a golden field of the
   * customer's kind, a free attribute `attributes.<key>` or a declared plugin field `attributes.<plugin>.<field>`;
   * the value must pass that field's schema, the input limits and the time bounds (`null` blanks the field).
   * Otherwise a `ValidationError` with path `field` or `value...`, and nothing is stored.
   */
  setOverride(customerId: string, field: string, value: JsonValue, options?: ActorOptions): Promise<Customer>;
  /** Removes an override; the field is derived from the sources again. */
  clearOverride(customerId: string, field: string, options?: ActorOptions): Promise<Customer>;
  /** A customer by id; merged ids redirect to the customer that holds their records. */
  get(id: string, options?: CallOptions & { followMerges?: boolean }): Promise<Customer | undefined>;
  /** Active customers matching an email, phone, source record or name (all name tokens must match). */
  find(query: FindQuery, options?: CallOptions & { limit?: number }): Promise<Customer[]>;
  /** Customers ordered by id, a page at a time. */
  list(
    options?: CallOptions & { cursor?: string; limit?: number; status?: Customer['status'] },
  ): Promise<Page<Customer>>;
  /** The central view of one customer: golden record, interactions, opportunities, groups, related parties. */
  view(id: string, options?: CallOptions): Promise<CustomerView>;
  /**
   * The identity links inside a customer (automatic and accepted), ordered by id, each with the matcher's
   * probability and explanation: why these records are one customer. Merged ids redirect.
   */
  links(customerId: string, options?: CallOptions): Promise<IdentityLink[]>;
  /**
   * Removes an identity link: the pair is recorded as rejected (so it is not linked automatically nor proposed
   * again while both records exist), and the customer splits unless other evidence still connects the records.
   * Journaled.
   */
  unlink(linkId: string, options?: ActorOptions): Promise<UnlinkResult>;
  /** The review queue: pairs of records the identity matcher was unsure about. */
  readonly reviews: {
    /** Review items ordered by id, a page at a time (pass the last id as `after`). */
    list(options?: ReviewListOptions): Promise<ReviewItem[]>;
    get(id: string, options?: CallOptions): Promise<ReviewItem | undefined>;
    /**
     * Accepts an open item: the two records become one customer through an `accepted` identity link (undo it with
     * {@link Hub.unlink}). Journaled. A decided item throws a `ConflictError`.
     */
    accept(id: string, options?: ActorOptions): Promise<ReviewDecision>;
    /**
     * Rejects an open item: the pair stays apart (an automatic link of the pair is removed) and is not proposed
     * again. Journaled. A decided item throws a `ConflictError`.
     */
    reject(id: string, options?: ActorOptions): Promise<ReviewDecision>;
  };
  /** The identity journal (merges, unmerges, auto-merges, splits, links, reviews, overrides), oldest first. */
  journal(options?: CallOptions & { customerId?: string; limit?: number }): Promise<JournalEntry[]>;
  /** Events in the outbox after `after` (a `seq`), for relaying to other processes. */
  outbox(options?: CallOptions & { after?: number; limit?: number }): Promise<OutboxEvent[]>;
  /** Customer groups (segments with a responsible manager). */
  readonly groups: {
    /** Creates or replaces a group. */
    define(
      group: Omit<CustomerGroupInput, 'id' | 'createdAt' | 'updatedAt' | 'sources'> & { id?: string },
      options?: ActorOptions,
    ): Promise<CustomerGroup>;
    get(id: string, options?: CallOptions): Promise<CustomerGroup | undefined>;
    list(options?: CallOptions): Promise<CustomerGroup[]>;
    remove(id: string, options?: ActorOptions): Promise<void>;
    /** Active customers in the group (static members and rule matches), ordered by id. */
    members(id: string, options?: CallOptions): Promise<Customer[]>;
  };
  /**
   * Writes plugin fields on a customer as the app (full access): `values` maps field names of `namespace` (a
   * plugin's name) to values (`null` clears). Validated against the plugin's schema; the values take part in
   * survivorship with provenance `plugin:<namespace>` (or `actor`), follow the customer through merges and
   * unmerges, and show on the golden record as `attributes.<namespace>.<field>`. Journaled as `fields`.
   */
  setFields(
    customerId: string,
    namespace: string,
    values: Record<string, JsonValue | null>,
    options?: ActorOptions,
  ): Promise<Customer>;
  /** The registered plugins. */
  readonly plugins: {
    /** Active plugins in load order (dependencies first). */
    list(): PluginInfo[];
    /** The plugin's scoped view of the Hub: what its hooks, steps and commands get (useful in tests). */
    context(name: string): PluginContext;
    /** Stops a plugin at runtime: hooks, commands and triggers go; its data stays. Refused while another depends on it. */
    unregister(name: string): void;
  };
  /** Hooks registered by the app itself (plugins declare theirs in the manifest). */
  readonly hooks: {
    /** Registers a handler; returns the function that unregisters it. */
    on<H extends HookName>(hook: H, handler: AppHookHandler<H>, options: AppHookOptions): () => void;
    /**
     * Handler ids of a hook in the order they run. For after-hooks that committed events feed, plugins come first
     * (each is delivered by its own outbox consumer, decision 011), then the app's handlers.
     */
    order(hook: HookName): string[];
  };
  /** Plugin commands: named actions with validated input. */
  readonly commands: {
    list(): CommandInfo[];
    /** Runs `<plugin>.<command>`; a bad input throws a `ValidationError` with paths under `input`. */
    run(name: string, input?: unknown): Promise<unknown>;
  };
  /** Durable plugin workflows. */
  readonly workflows: {
    /** Starts a run of `<plugin>.<workflow>` (it needs a manual trigger); the same `idempotencyKey` gives the same run. */
    start(workflow: string, input?: JsonValue, options?: { idempotencyKey?: string }): Promise<string>;
    get(runId: string, options?: CallOptions): Promise<WorkflowRun | undefined>;
    list(options?: WorkflowListOptions): Promise<WorkflowRun[]>;
    /** Works the runs that are due now (pending, retry due, lease of a crashed process expired); returns how many. */
    runDue(options?: { limit?: number }): Promise<number>;
    /** Resolves when no run started by this Hub is in flight. */
    idle(): Promise<void>;
  };
  /**
   * Sends a message through `deliver` (a channel), with the `send:before` hooks (which may enrich or veto) and
   * `send:after` hooks around it. Channels call this so plugins see every send.
   */
  send<T extends JsonValue>(
    message: OutgoingMessage,
    deliver: (message: OutgoingMessage) => T | Promise<T>,
  ): Promise<{ message: OutgoingMessage; result: T }>;
  /**
   * The Hub as one actor (a user with roles, an API key, an adapter, the system) may use it: capabilities, row
   * scopes and field permissions of the policy in force are enforced on input and output, and the actor is recorded
   * on every change. A malformed actor (unknown role, unknown kind) is a `ValidationError`.
   */
  as(actor: Actor): ScopedHub;
  /** Policy, audit log and admin actions (as the app; use `as(actor)` to act as someone). */
  readonly governance: {
    /** The policy in force. */
    policy(): Promise<Policy>;
    /** Stores a new version of the policy (validated; audited as `policy.update` with the roles that changed). */
    setPolicy(policy: unknown, options?: ActorOptions): Promise<Policy>;
    /** Every stored policy version, oldest first. */
    policyHistory(): Promise<Policy[]>;
    /** Audit entries in order, a page at a time (pass the last `seq` as `after`), optionally of one target. */
    audit(options?: { after?: number; limit?: number; target?: string }): Promise<AuditEntry[]>;
    /** Verifies the whole hash chain (pass a head published earlier to detect a truncated tail). */
    verifyAudit(options?: { expectedHead?: { seq: number; hash: string } }): Promise<AuditVerification>;
    /**
     * Records an admin action made outside the Hub (adapter credentials, plugin configuration ...); secrets:
     * `secret: true`, no values. Validated and bounded (`ADMIN_ACTION_LIMITS`); the Hub's own actions
     * (`policy.*`, `customer.*`, `gdpr.*` ...) cannot be recorded. Scoped: needs the capability of the action's area.
     */
    recordAdminAction(
      input: { action: string; target: string; changes?: AuditChange[]; reason?: string },
      options?: ActorOptions,
    ): Promise<void>;
  };
  /** The consent ledger and contact arrangements. */
  readonly consent: {
    /** Appends a consent capture (validated: an unknown channel or purpose is a `ValidationError`). Audited. */
    record(capture: unknown, options?: ActorOptions): Promise<ConsentCapture>;
    /** The customer's consent captures (also those recorded on customers merged into it). */
    list(customerId: string): Promise<ConsentCapture[]>;
    /** Sets the customer's own arrangement for a channel (overrides the group default). Audited. */
    setArrangement(customerId: string, arrangement: unknown, options?: ActorOptions): Promise<ContactArrangement>;
    removeArrangement(customerId: string, channel: string, options?: ActorOptions): Promise<void>;
    arrangements(customerId: string): Promise<ContactArrangement[]>;
  };
  /**
   * May the customer be contacted on `channel` for `purpose` at `at` (default now)? Yes or no with the reason:
   * arrangement (the customer's own, else a group default), purpose, consent (latest capture; expiry; double
   * opt-in), quiet hours, frequency cap. `send()` goes through it.
   */
  canContact(customerId: string, channel: string, purpose: string, at?: string): Promise<ContactDecision>;
  /** GDPR (as the app; use `as(actor)` for the capability checks). */
  readonly gdpr: {
    /** Everything held on the person (Art. 15/20), with provenance and audit entries. Audited. */
    export(customerId: string, options?: ActorOptions): Promise<PersonExport>;
    /**
     * Erases the person (Art. 17): their source records become tombstones without data, their keys get erasure
     * tombstones (a later sync cannot bring them back), plugin fields, overrides, consents and arrangements go, change requests and workflow runs about
     * them, journal, audit values and reasons and outbox payloads are redacted; then every connected adapter is
     * asked to erase them in its system. Reports what it reached in the Hub (`report.hub`) and per system.
     * Customers paired with the person by an open review item (the matcher was unsure) are not erased: the items
     * are rejected and the customers reported in `report.hub.possibleMatches`; list confirmed ones in
     * `options.alsoErase` to erase them too.
     */
    erase(customerId: string, options?: EraseOptions): Promise<ErasureReport>;
    /** Applies retention rules: records older than each rule's age are purged (tombstoned without data). */
    purge(rules: readonly RetentionPolicy[], options?: ActorOptions & { now?: string }): Promise<PurgeReport>;
  };
  /** Subscribes to one event type (or `'*'` for all); returns the function that unsubscribes. */
  on<T extends HubEventType>(type: T, listener: HubListener<T>): () => void;
  on(type: '*', listener: (event: HubEvent) => void): () => void;
  /**
   * Subscribes a durable listener: it gets every event committed after its first subscription, once per event
   * across restarts and processes (delivered from the outbox like plugin after-hooks), in outbox order; events of
   * erased people (redacted) are skipped. A throwing listener goes to `onListenerError` (and the event to a
   * `reaction.dead-letter` document after `reactions.maxAttempts`). Returns the function that unsubscribes (the
   * checkpoint stays: subscribing again under the same name continues where it stopped).
   */
  subscribe(name: string, listener: DurableListener, options?: SubscribeOptions): () => void;
  /**
   * Resolves when this process's reactions (plugin after-hooks, workflow run creation, durable listeners) have
   * handled every event committed so far; waits on the Hub's clock while another process holds one of them. Called
   * from inside a hook or durable listener it does not wait (that delivery cannot end before the hook returns).
   */
  idle(): Promise<void>;
  /** Stops delivery and releases leases, closes the store; the Hub refuses calls afterwards. */
  close(): Promise<void>;
}
