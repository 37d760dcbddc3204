import {
  assertSpecificationVersion,
  ConflictError,
  CrmkitError,
  type Customer,
  type CustomerGroup,
  type CustomerGroupInput,
  CustomerGroupSchema,
  type CustomerRow,
  ErrorCode,
  type GroupCondition,
  type HubEvent,
  type HubEventType,
  type IdentityLink,
  InvalidArgumentError,
  type InteractionData,
  type JournalEntry,
  type JsonValue,
  JsonValueSchema,
  NotFoundError,
  type OpportunityData,
  type OutboxEvent,
  type PartyRecordType,
  type RecordType,
  type ReviewItem,
  type ReviewStatus,
  type SourceRef,
  type Store,
  type StoredRecord,
  type StoreTransaction,
  throwIfAborted,
  type AbortSignalLike,
  ValidationError,
  formatPath,
  type HookName,
  type HookOrder,
  type HookPayloads,
  type BeforeHookResult,
  type OutgoingMessage,
  type Plugin,
  type PluginContext,
  type PluginEntity,
  type SourceRecord,
  type SourceRecordInput,
  type WorkflowRun,
  type WorkflowRunStatus,
  type Actor,
  type Adapter,
  type AuditChange,
  type AuditEntry,
  type AuditVerification,
  type ConsentCapture,
  type ContactArrangement,
  ContactChannelSchema,
  type ContactDecision,
  ContactPurposeSchema,
  ContactRefusedError,
  DEFAULT_POLICY,
  type ErasureReport,
  type Policy,
  type RetentionPolicy,
  RetentionPolicySchema,
  type InputLimits,
  quoteValue,
} from '@crmkit/model';
import { EventEmitter } from 'eventemitter3';
import { buildAuditEntries, diffFields, verifyStoreAudit } from './governance/audit';
import { createDirectory, parsePolicy } from './governance/policy';
import { createScopedHub, type ScopedHub } from './governance/scoped';
import {
  createGovernanceServices,
  DOC,
  ERASURE_KIND,
  loadPolicy,
  type PersonExport,
  type PurgeReport,
} from './governance/service';
import { redactSecrets, SecretFields } from './governance/secrets';
import { APP_ACTOR, auditOfJournal, auditOfRecord } from './governance/trail';
import { type Clock, systemClock } from './clock';
import { type CommandInfo, PluginHost, type PluginInfo } from './plugins/host';
import { WorkflowEngine } from './workflows';
import type { DepartmentSources, SurvivorshipOptions } from './golden';
import { createProbabilisticResolver, type IdentityResolver, prepareRecord, recordKey, rekeyRecord } from './identity';
import { pairOf, updateIdentity } from './identity-links';
import { createIdGenerator, type IdGenerator } from './ids';
import {
  type CleanedRecord,
  outOfBounds,
  parseBatch,
  resolveDuplicates,
  resolveHubInputLimits,
  type SupersededRecord,
} from './ingest-checks';
import { checkActorOptions, checkOverride, checkValueLimits } from './override-checks';
import { OperationContext, publicCustomer, relink } from './linker';
import { createMemoryStore } from './memory-store';
import { nameTokens, normalizeEmail, normalizePhone } from './normalize';
import { createReactions, type DurableListener, type ReactionsOptions, type SubscribeOptions } from './reactions';
import { runtime } from './runtime';
import { compareStrings } from './stable';

/** Options of {@link createHub}. */
export interface HubOptions {
  /** Where the Hub keeps its state. @default createMemoryStore() */
  store?: Store;
  /**
   * How party records are linked into customers. The default links records that share a normalised email or phone
   * number, and links likely duplicates found by the probabilistic matcher of `@crmkit/identity` (uncertain pairs
   * become review items). Pass `createDeterministicResolver()` for email and phone keys only.
   * @default createProbabilisticResolver({ defaultCallingCode })
   */
  identity?: IdentityResolver;
  /** Survivorship rules for golden fields. @default every field `mostRecent` */
  survivorship?: SurvivorshipOptions;
  /** Departments and the source systems they own (for `departmentOwned` rules). */
  departments?: readonly DepartmentSources[];
  /** Country calling code for national phone numbers, e.g. `'31'`. */
  defaultCallingCode?: string;
  /** Largest batch `ingest()` accepts. @default 10000 */
  maxBatchSize?: number;
  /**
   * Limits on each source record and override (size, string length, depth, key count), the text policy (`reject`
   * or `clean` NUL characters and unpaired surrogates) and the time bounds (earliest `observedAt`, how far in the
   * future it may be, earliest birth date). A record outside them is refused with a `ValidationError` naming it and
   * the path. See docs/limits.md. @default DEFAULT_INPUT_LIMITS
   */
  input?: Partial<InputLimits>;
  /** Clock, for tests. @default () => new Date() */
  now?: () => Date;
  /** Id generator, for tests. @default createIdGenerator() */
  generateId?: IdGenerator;
  /** Called when an event listener throws; listeners never break the operation that raised the event. */
  onListenerError?: (error: unknown, event: HubEvent) => void;
  /**
   * Plugins (see `definePlugin` in `@crmkit/model`), registered at start. A bad set (unknown dependency, cycle,
   * conflicting namespace, wrong contract version, hooks without a read grant) is refused with a
   * `PluginInvalidError` (code `PLUGIN_INVALID`) or `UnsupportedSpecificationError`.
   */
  plugins?: readonly Plugin[];
  /**
   * Time and timers for workflows (timeouts, retries, schedules). `now` defaults to it when given.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * How plugin after-hooks, event-triggered workflow runs and durable listeners get committed events: from the
   * outbox, through one consumer each (checkpoint, lease, inbox), in any process with the Hub. Validated at start.
   * See docs/decisions/011-outbox-driven-reactions.md.
   */
  reactions?: ReactionsOptions;
  /** Workflow engine settings. */
  workflows?: {
    /** Identifies this process in run leases. @default a random id */
    workerId?: string;
    /** How long a run stays claimed without renewal; a crashed process's runs resume after it. @default 30000 */
    leaseMs?: number;
    /**
     * Run schedule triggers and pick up due runs (retries, crashed runs) in the background. Turn it off to drive
     * runs with `hub.workflows.runDue()` yourself. @default true when a plugin has workflows
     */
    scheduler?: boolean;
    /** How often the background loop looks for due runs. @default 1000 */
    pollMs?: number;
  };
  /**
   * The policy in force until one is stored with `governance.setPolicy` (validated at start: a malformed policy or
   * an unknown role is a `ValidationError`). @default DEFAULT_POLICY
   */
  policy?: unknown;
  /** Users (owners of customers) and their department and team, for row scopes `team` and `department`. */
  users?: readonly { id: string; departmentId?: string; teamId?: string }[];
  /** Connected adapters: GDPR erasure asks the one of each source system to erase the person there too. */
  adapters?: readonly Adapter[];
  /** Keep the hash-chained audit log of every change. @default true */
  audit?: boolean;
  /**
   * Retention rules applied on a schedule (on the Hub's `clock`): every `everyMs` (default a day) records older than
   * each rule's age are purged, as `system:retention`. Validated at start. Stops with `close()`.
   */
  retention?: { rules: readonly RetentionPolicy[]; everyMs?: number };
  /** Called when a plugin's hook, workflow step or compensation fails; plugins never break one another. */
  onPluginError?: (error: unknown, info: { plugin?: string; hook?: string; runId?: string; step?: string }) => void;
  /** Where plugins' `context.log()` goes. @default the console (warn and error only) */
  logger?: (level: 'debug' | 'info' | 'warn' | 'error', message: string, data: Record<string, JsonValue>) => void;
}

/** A hook handler registered by the app (not a plugin): it sees every payload in full. */
export type AppHookHandler<H extends HookName> = (
  payload: HookPayloads[H],
) => H extends `${string}:before`
  ? BeforeHookResult<HookPayloads[H]> | Promise<BeforeHookResult<HookPayloads[H]>>
  : void | Promise<void>;

/** Options of {@link Hub.hooks}`.on()`. */
export interface AppHookOptions extends HookOrder {
  /** Unique id of the registration on this hook (used in `before`/`after` of others and in veto errors). */
  id: string;
  /** What a throwing before-hook means. @default 'skip' */
  onError?: 'skip' | 'veto';
}

/** Options of {@link Hub.workflows}`.list()`. */
export interface WorkflowListOptions extends CallOptions {
  status?: readonly WorkflowRunStatus[];
  /** `<plugin>.<workflow>`. */
  workflow?: string;
  /** Runs with ids after this one. */
  after?: string;
  /** @default 50 */
  limit?: number;
}

/** Options every waiting Hub call takes. */
export interface CallOptions {
  signal?: AbortSignalLike;
}

/** Who does something, for the journal. */
export interface ActorOptions extends CallOptions {
  /** User id or system name recorded in the journal. */
  actor?: string;
  /** Why, recorded in the journal. */
  reason?: string;
}

/** Options of `gdpr.erase()`. */
export interface EraseOptions extends ActorOptions {
  /**
   * Customers to erase with the person: only ids from the person's open probable matches (customers paired with one
   * of the person's records by an open review item; see `report.hub.possibleMatches` and the export's
   * `possibleMatches`), after a person confirmed they are the same person. Any other id is refused with
   * `INVALID_ARGUMENT` and nothing is erased. Default none.
   */
  alsoErase?: readonly string[];
}

/** What one `ingest()` call did. */
export interface IngestResult {
  /** Records stored for the first time. */
  created: number;
  /** Records whose stored version changed (newer observation or new content). */
  updated: number;
  /** Records received as tombstones that deleted a live record. */
  deleted: number;
  /**
   * Records whose content changed nothing (same content, or older than what is stored). Includes records that were
   * re-keyed: stored with stale identity keys (by an older version or another identity configuration), they got the
   * keys the current resolver derives, and their links and customers were recomputed (no `record.ingested` event).
   */
  unchanged: number;
  /** Active customers touched by the batch (including those of re-keyed records), sorted. */
  customerIds: string[];
  /** Number of events written to the outbox. */
  events: number;
  /** Review items the batch opened (pairs the identity matcher was unsure about). */
  reviews: number;
  /**
   * Records refused because the person they belong to was erased (GDPR Art. 17): their keys carry an erasure
   * tombstone, so a later sync cannot bring the data back. Not stored, no events.
   */
  suppressed: number;
  /** Records whose text was cleaned (only with the text policy `clean`), with the paths cleaned. */
  cleaned: CleanedRecord[];
  /**
   * Copies of a record that lost to another copy with other content in the same batch (same type, source and
   * external id): the newest observation won, deterministically. Identical copies are not listed.
   */
  superseded: SupersededRecord[];
  /** Stored records whose out-of-bounds `observedAt` was replaced (only with `repairTimestamps`). Audited. */
  repaired: number;
}

/** Options of {@link Hub.ingest}. */
export interface IngestOptions extends ActorOptions {
  /**
   * Lets a record replace the stored version of itself when the stored `observedAt` lies outside the time bounds
   * (before `input.minObservedAt`, or later than the clock plus `input.maxFutureSkewMs`), even though it is older:
   * the way to repair a record stored with a bad time. Each repair is audited as `record.retimed`. @default false
   */
  repairTimestamps?: boolean;
}

/** Progress of {@link Hub.reindex}, reported after each batch. */
export interface ReindexProgress {
  /** Live party records checked so far. */
  records: number;
  /** Records whose keys were derived anew so far. */
  rekeyed: number;
}

/** Options of {@link Hub.reindex}. */
export interface ReindexOptions {
  /** About how many records each transaction checks (a customer's records stay in one batch). @default 200 */
  batchSize?: number;
  /** Stops between batches (and rolls back the current one) with an `AbortedError`; finished batches stay. */
  signal?: AbortSignalLike;
  /** Called after each committed batch. */
  onProgress?: (progress: ReindexProgress) => void;
  /** User id or system name recorded on the journal entries the re-index writes. */
  actor?: string;
}

/** What {@link Hub.reindex} did. */
export interface ReindexResult {
  /**
   * Live party records checked: the records of every active customer, in customer id order. When the run itself
   * moves records (a new link merges customers), a record moved ahead of the cursor is counted twice and one moved
   * behind it is counted only when its keys were stale; otherwise this is the number of live party records.
   */
  records: number;
  /** Records whose stored keys differed from the current resolver's, and were stored with the new keys. */
  rekeyed: number;
  /** Automatic identity links added (each journaled as `link`). */
  links: number;
  /** Automatic identity links removed because the new keys no longer support them (each journaled as `unlink`). */
  unlinks: number;
  /** Review items opened for uncertain pairs. */
  reviews: number;
}

/** Result of a manual merge. */
export interface MergeResult {
  /** Id of the merge; pass it to `unmerge()`. */
  mergeId: string;
  /** The customer that holds the records now. */
  into: string;
  /** The customer that now redirects to `into`. */
  from: string;
}

/** Result of an unmerge. */
export interface UnmergeResult {
  mergeId: string;
  /** The active customers the merge's two sides are again. */
  customerIds: [string, string];
}

/** Options of `hub.reviews.list()`. */
export interface ReviewListOptions extends CallOptions {
  /** Only items of this status. @default every status */
  status?: ReviewStatus;
  /** Items whose id sorts after this one (the last id of the previous page). */
  after?: string;
  /** @default 50 (at most 1000) */
  limit?: number;
}

/** Result of accepting or rejecting a review item. */
export interface ReviewDecision {
  /** The item as decided. */
  review: ReviewItem;
  /** The link an acceptance created. */
  link?: IdentityLink;
  /** The active customers of the pair's two records afterwards (one when they are one customer), sorted. */
  customerIds: string[];
}

/** Result of {@link Hub.unlink}. */
export interface UnlinkResult {
  /** The link that was removed. */
  linkId: string;
  /** The pair's review item, now `rejected`: the pair is not linked automatically nor proposed again. */
  review: ReviewItem;
  /**
   * The customers of the link's two records afterwards, `a` then `b` (`null` for a deleted record). Equal when the
   * records are still one customer through other evidence (shared keys, other links, a merge).
   */
  customerIds: [string | null, string | null];
}

/** Queries `find()` accepts: exactly one of them. */
export type FindQuery =
  | { email: string }
  | { phone: string }
  | { source: string; externalId: string; type?: PartyRecordType }
  | { name: string };

/** A page of results and the cursor to the next page. */
export interface Page<T> {
  items: T[];
  /** Pass to the next call; absent on the last page. */
  nextCursor?: string;
}

/** An interaction or opportunity as the customer view shows it. */
export interface ActivityView<T> {
  /** Record key: `source/type/externalId`. */
  key: string;
  source: SourceRef;
  data: T;
}

/** Everything the central view knows about one customer. */
export interface CustomerView {
  customer: Customer;
  /** When `id` was merged away, the id that was asked for. */
  redirectedFrom?: string;
  /** Interactions from every source, newest first. */
  interactions: ActivityView<InteractionData>[];
  /** Opportunities from every source, by close date. */
  opportunities: ActivityView<OpportunityData>[];
  /** Groups the customer is a member of (static or by rule). */
  groups: CustomerGroup[];
  /** For a person: the organisations their records refer to; for an organisation: the people that refer to it. */
  related: Customer[];
}

/** Handler of one event type. */
export type HubListener<T extends HubEventType> = (event: HubEvent<T>) => void;

type EmitterEvents = { [K in HubEventType]: (event: HubEvent<K>) => void } & { '*': (event: HubEvent) => void };

/** The central customer view. Create one with {@link createHub}. */
export interface Hub {
  /** The store behind the Hub. */
  readonly store: Store;
  /**
   * Validates, stores and links a batch of source records, and recomputes the golden records they touch; all in one
   * transaction. A bad record refuses the whole batch with a {@link ValidationError} naming it and the path: the
   * schemas, the input limits, the text policy and the time bounds of the Hub's `input` option (docs/limits.md).
   * `repairTimestamps` replaces records stored with an `observedAt` outside the bounds (see {@link IngestOptions}).
   */
  ingest(records: readonly unknown[], options?: IngestOptions): Promise<IngestResult>;
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
   * Otherwise a {@link ValidationError} with path `field` or `value...`, and nothing is stored.
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

const PARTY_TYPES: ReadonlySet<RecordType> = new Set(['person', 'organization']);

/** Total order for competing observations of one record: newer wins; a tombstone wins a tie; then content. */
function supersedes(next: StoredRecord, prev: StoredRecord): boolean {
  const a = Date.parse(next.observedAt);
  const b = Date.parse(prev.observedAt);
  if (a !== b) return a > b;
  if (next.deleted !== prev.deleted) return next.deleted;
  return next.contentHash > prev.contentHash;
}

function encodeCursor(id: string): string {
  return runtime.btoa(id).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

function decodeCursor(cursor: string): string {
  try {
    const base64 = cursor.replace(/-/g, '+').replace(/_/g, '/');
    return runtime.atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  } catch (cause) {
    throw new InvalidArgumentError({ argument: 'cursor', message: '[crmkit/core] Invalid cursor.', cause });
  }
}

function checkLimit(limit: number | undefined, fallback: number, max = 1000): number {
  const value = limit ?? fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new InvalidArgumentError({
      argument: 'limit',
      message: `[crmkit/core] "limit" must be an integer from 1 to ${max}; got ${String(limit)}.`,
    });
  }
  return value;
}

function matchesCondition(customer: Customer, condition: GroupCondition): boolean {
  const field = customer.golden.fields[condition.field];
  const value = field?.value ?? (condition.field === 'kind' ? customer.kind : undefined);
  const wanted = condition.value;
  switch (condition.op) {
    case 'exists':
      return (value !== undefined && value !== null) === (wanted === undefined ? true : wanted === true);
    case 'eq':
      return value === wanted;
    case 'neq':
      return value !== wanted;
    case 'in':
      return (
        Array.isArray(wanted) && (typeof value === 'string' || typeof value === 'number') && wanted.includes(value)
      );
    case 'contains':
      if (typeof value === 'string' && typeof wanted === 'string')
        return value.toLowerCase().includes(wanted.toLowerCase());
      return Array.isArray(value) && value.some((item) => item === wanted);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (
        !(typeof value === 'number' || typeof value === 'string') ||
        !(typeof wanted === 'number' || typeof wanted === 'string')
      )
        return false;
      if (typeof value !== typeof wanted) return false;
      const cmp = value < wanted ? -1 : value > wanted ? 1 : 0;
      return condition.op === 'gt'
        ? cmp > 0
        : condition.op === 'gte'
          ? cmp >= 0
          : condition.op === 'lt'
            ? cmp < 0
            : cmp <= 0;
    }
  }
}

/** True when a customer is in a group (static member, or matches the group's rule). */
export function isGroupMember(group: CustomerGroup, customer: Customer): boolean {
  if (group.memberIds.includes(customer.id)) return true;
  if (!group.rule) return false;
  const results = group.rule.conditions.map((condition) => matchesCondition(customer, condition));
  return group.rule.match === 'any' ? results.some(Boolean) : results.every(Boolean);
}

/**
 * Creates the Hub: the central customer view over every source.
 *
 * @example
 * ```ts
 * import { createHub } from '@crmkit/core';
 *
 * const hub = createHub();
 * await hub.ingest([
 *   { type: 'person', source: 'hubspot', externalId: '101', observedAt: '2026-03-01T10:00:00Z',
 *     data: { givenName: 'Ada', familyName: 'Lovelace', emails: ['ada@example.com'] } },
 *   { type: 'person', source: 'dynamics', externalId: 'c-9', observedAt: '2026-03-02T08:00:00Z',
 *     data: { fullName: 'Ada King', emails: ['ADA@example.com'], phones: ['+44 20 7946 0000'] } },
 * ]);
 * const [ada] = await hub.find({ email: 'ada@example.com' }); // one customer, two sources
 * ```
 */
export function createHub(options: HubOptions = {}): Hub {
  const store = options.store ?? createMemoryStore();
  assertSpecificationVersion('store', store);
  const identity =
    options.identity ??
    createProbabilisticResolver(options.defaultCallingCode ? { defaultCallingCode: options.defaultCallingCode } : {});
  const timers = options.clock ?? systemClock;
  const clock = options.now ?? (options.clock ? () => new Date(timers.now()) : () => new Date());
  const newId = options.generateId ?? createIdGenerator(() => clock().getTime());
  const maxBatchSize = options.maxBatchSize ?? 10_000;
  const inputLimits = resolveHubInputLimits(options.input);
  const settings = {
    ...(options.survivorship ? { survivorship: options.survivorship } : {}),
    ...(options.departments ? { departments: options.departments } : {}),
    ...(options.defaultCallingCode ? { defaultCallingCode: options.defaultCallingCode } : {}),
  };
  const emitter = new EventEmitter<EmitterEvents>();
  let closed = false;
  const auditEnabled = options.audit !== false;
  const defaultPolicy: Policy = options.policy === undefined ? DEFAULT_POLICY : parsePolicy(options.policy);
  const directory = createDirectory({
    ...(options.users ? { users: options.users } : {}),
    ...(options.departments ? { departments: options.departments } : {}),
  });
  const currentPolicy = (tx: StoreTransaction): Promise<Policy> => loadPolicy(tx, defaultPolicy);
  /** The secret fields of the policy in force in `tx` (read now: an operation may have changed the policy). */
  const currentSecrets = async (tx: StoreTransaction): Promise<SecretFields> =>
    new SecretFields((await currentPolicy(tx)).secretFields);
  /**
   * {@link currentSecrets}, read once on first use (for what an operation stores while it runs, its audit entries and
   * events); `forget` drops what was read, after the operation stored a new policy.
   */
  const secretsOnce = (tx: StoreTransaction): { get: () => Promise<SecretFields>; forget: () => void } => {
    let loaded: Promise<SecretFields> | undefined;
    return {
      get: () => {
        loaded ??= currentSecrets(tx);
        return loaded;
      },
      forget: () => {
        loaded = undefined;
      },
    };
  };
  /** Plugins whose installation is audited (and recorded) with the first write of this Hub. */
  let pluginsAudited = false;

  const reportPluginError = (
    error: unknown,
    info: { plugin?: string; hook?: string; runId?: string; step?: string; command?: string },
  ): void => {
    if (options.onPluginError) options.onPluginError(error, info);
    else
      runtime.console?.error?.(
        `[crmkit/core] Plugin ${info.plugin ?? ''} failed (${info.hook ?? info.step ?? ''}):`,
        error,
      );
  };
  const host: PluginHost = new PluginHost(options.plugins ?? [], {
    now: () => clock().toISOString(),
    getCustomer: (id) => hub.get(id),
    findCandidates: (query, scan) => findCandidates(query, scan),
    listRecords: (customerId) => recordsOfCustomer(customerId),
    listGroups: () => hub.groups.list(),
    customerKinds: async (ids) =>
      ids.length === 0
        ? new Map()
        : new Map(
            (await store.transaction((tx) => tx.getCustomers(ids), { readOnly: true })).map((row) => [
              row.id,
              row.kind,
            ]),
          ),
    groupMembers: (groupId) => hub.groups.members(groupId),
    canContact: (customerId, channel, purpose, at) => services.canContact(customerId, channel, purpose, at),
    checkValueLimits: (value, path, what) => checkValueLimits(value, inputLimits, path, what),
    setFields: (customerId, values, actor) => writeFields(customerId, values, { actor }, actor.replace(/^plugin:/, '')),
    ingest: (records, origin) => ingestRecords(records, {}, origin),
    startWorkflow: (workflow, input, idempotencyKey) =>
      engine.start(
        workflow,
        checkValueLimits(input, inputLimits, ['input'], `The input of workflow ${quoteValue(workflow)}`),
        idempotencyKey ? { idempotencyKey } : {},
      ),
    log: (level, message, data) => {
      if (options.logger) options.logger(level, message, data);
      else if (level === 'warn' || level === 'error') runtime.console?.[level]?.(`[crmkit] ${message}`, data);
    },
    onError: reportPluginError,
  });
  if (host.schemas.namespaces.size > 0)
    (settings as { namespaces?: ReadonlySet<string> }).namespaces = host.schemas.namespaces;
  const engine: WorkflowEngine = new WorkflowEngine({
    store,
    clock: timers,
    workerId: options.workflows?.workerId ?? `wrk_${newId('wrk').slice(-12)}`,
    ...(options.workflows?.leaseMs !== undefined ? { leaseMs: options.workflows.leaseMs } : {}),
    contextFor: (plugin) => host.context(plugin),
    onError: (error, info) =>
      reportPluginError(error, {
        ...(info.workflow ? { plugin: info.workflow.split('.')[0]! } : {}),
        ...(info.runId ? { runId: info.runId } : {}),
        ...(info.step ? { step: info.step } : {}),
      }),
  });
  let hasWorkflows = false;
  for (const { plugin } of host.plugins()) {
    for (const [name, definition] of Object.entries(plugin.workflows ?? {})) {
      engine.register(plugin.name, name, definition);
      hasWorkflows = true;
    }
  }
  const reactions = createReactions({
    store,
    clock: timers,
    host,
    engine,
    eventWorkflows: host
      .plugins()
      .some(({ plugin }) => Object.values(plugin.workflows ?? {}).some((w) => w.triggers.some((t) => 'event' in t))),
    holderId: `rx_${Math.random().toString(36).slice(2, 10)}${timers.now().toString(36)}`,
    options: options.reactions,
    reportPluginError,
    reportListenerError: (error, event) => {
      if (options.onListenerError) options.onListenerError(error, event);
      else runtime.console?.error?.('[crmkit/core] A durable listener threw:', error);
    },
  });
  if (hasWorkflows && options.workflows?.scheduler !== false) {
    engine.startScheduler(options.workflows?.pollMs !== undefined ? { pollMs: options.workflows.pollMs } : {});
  }

  function ensureOpen(): void {
    if (closed) throw new CrmkitError({ code: ErrorCode.CLOSED, message: '[crmkit/core] The Hub is closed.' });
  }

  /** Runs one write operation in one transaction, then publishes its events. */
  async function write<T>(
    signal: AbortSignalLike | undefined,
    fn: (ctx: OperationContext) => Promise<T>,
    origin?: string,
    actor?: string,
  ): Promise<T> {
    ensureOpen();
    throwIfAborted(signal);
    let ctx: OperationContext | undefined;
    const result = await guardStore(
      store.transaction(
        async (tx) => {
          ctx = new OperationContext(tx, clock().toISOString(), newId, settings);
          ctx.actor = actor ?? (origin ? `plugin:${origin}` : APP_ACTOR);
          // One read of the policy per operation at most, shared by the operation, its audit and its events; an
          // operation that stores a new policy calls `ctx.forgetSecrets()`, so the audit and events use that one.
          const secrets = secretsOnce(tx);
          ctx.secrets = secrets.get;
          ctx.forgetSecrets = secrets.forget;
          const value = await fn(ctx);
          if (!pluginsAudited && auditEnabled) await auditPluginInstalls(ctx);
          await appendAudit(ctx, ctx.secrets);
          // Secret values stay in the records and the golden record: events, runs and the journal get a placeholder.
          if (ctx.events.length > 0 || ctx.journal.length > 0) redactSecrets(ctx, await ctx.secrets());
          if (ctx.journal.length > 0) await tx.appendJournal(ctx.journal);
          // Reactions (after-hooks, workflow runs, durable listeners) are delivered from the committed outbox.
          if (ctx.events.length > 0) {
            await reactions.prepare(tx);
            await tx.appendOutbox(reactions.outboxEvents(ctx.events, origin));
          }
          throwIfAborted(signal);
          return value;
        },
        signal ? { signal } : {},
      ),
    );
    if (ctx) {
      pluginsAudited = true;
      publish(ctx.events);
      if (ctx.events.length > 0) await reactions.committed();
      // The app's own after-hooks (`hub.hooks.on`) run in this process, after the commit, as listeners do.
      if (!host.hasAfterHooks()) return result;
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
    return result;
  }

  /** Appends the operation's audit entries (its journal and its own) to the hash-chained log, in its transaction. */
  async function appendAudit(ctx: OperationContext, secrets: () => Promise<SecretFields>): Promise<void> {
    if (!auditEnabled) return;
    const inputs = [...ctx.audit, ...ctx.journal.map((entry) => auditOfJournal(entry, ctx.actor))];
    if (inputs.length === 0) return;
    const last = await ctx.tx.lastAudit();
    const entries = await buildAuditEntries(last, inputs, { secretFields: (await secrets()).auditPatterns() });
    await ctx.tx.appendAudit(entries);
  }

  /** Audits plugins that are new (or of another version) since the store last saw them: `plugin.install`. */
  async function auditPluginInstalls(ctx: OperationContext): Promise<void> {
    const active = host.plugins();
    if (active.length === 0) return;
    const known = new Map(
      (
        await ctx.tx.getDocuments(
          DOC.plugin,
          active.map((p) => p.plugin.name),
        )
      ).map((d) => [d.id, d.data]),
    );
    for (const { plugin } of active) {
      const prior = known.get(plugin.name) as { version?: string } | undefined;
      if (prior?.version === plugin.version) continue;
      await ctx.tx.putDocument({
        kind: DOC.plugin,
        id: plugin.name,
        ref: null,
        data: { version: plugin.version, installedAt: ctx.now },
        updatedAt: ctx.now,
      });
      ctx.audit.push({
        actor: APP_ACTOR,
        action: prior ? 'plugin.upgrade' : 'plugin.install',
        target: `plugin:${plugin.name}`,
        changes: [{ field: 'version', ...(prior?.version ? { old: prior.version } : {}), new: plugin.version }],
        at: ctx.now,
      });
    }
  }

  /** The lookup keys of a `find()` query, and its name tokens (every one must match). */
  function findKeys(query: FindQuery): { keys: string[]; tokens: string[] } {
    if (query && 'email' in query && typeof query.email === 'string') {
      const email = normalizeEmail(query.email);
      return { keys: email ? [`email:${email}`] : [], tokens: [] };
    }
    if (query && 'phone' in query && typeof query.phone === 'string') {
      const phone = normalizePhone(
        query.phone,
        options.defaultCallingCode ? { defaultCallingCode: options.defaultCallingCode } : {},
      );
      return { keys: phone ? [`phone:${phone}`] : [], tokens: [] };
    }
    if (query && 'externalId' in query && typeof query.externalId === 'string' && typeof query.source === 'string') {
      const types: PartyRecordType[] = query.type ? [query.type] : ['person', 'organization'];
      return {
        keys: types.map((type) => `rec:${recordKey({ source: query.source, type, externalId: query.externalId })}`),
        tokens: [],
      };
    }
    if (query && 'name' in query && typeof query.name === 'string') {
      const tokens = nameTokens(query.name);
      return { keys: tokens.length > 0 ? [`name:${tokens[0]}`] : [], tokens };
    }
    throw new InvalidArgumentError({
      argument: 'query',
      message: '[crmkit/core] find() takes { email }, { phone }, { source, externalId } or { name }.',
    });
  }

  /**
   * The customers matching a `find()` query among the first `scan` customers (by id) carrying its first lookup key;
   * `complete` when there were no more. The scoped Hub widens `scan` until enough of them are visible.
   */
  async function findCandidates(
    query: FindQuery,
    scan: number,
    signal?: AbortSignalLike,
  ): Promise<{ customers: Customer[]; complete: boolean }> {
    const { keys, tokens } = findKeys(query);
    if (keys.length === 0) return { customers: [], complete: true };
    return read(signal, async (tx) => {
      const rows = await tx.findCustomersByLookupKeys(keys, scan);
      return {
        customers: rows
          .filter((row) => tokens.every((token) => row.lookupKeys.includes(`name:${token}`)))
          .map(publicCustomer),
        complete: rows.length < scan,
      };
    });
  }

  /** Runs `ingest:before` and `interaction:before`; re-validates what handlers changed. */
  async function beforeIngest(records: SourceRecord[], origin: string | undefined): Promise<SourceRecord[]> {
    const revalidate = (inputs: readonly SourceRecordInput[]): SourceRecord[] =>
      host.schemas.checkRecords(parseBatch(inputs, inputLimits, clock()).records);
    let current = records;
    if (host.hooks.has('ingest:before')) {
      const { records: next } = await host.before('ingest:before', { records: current as SourceRecordInput[] }, origin);
      if (next !== (current as unknown)) current = revalidate(next);
    }
    if (host.hooks.has('interaction:before')) {
      const positions: number[] = [];
      current.forEach((record, index) => {
        if (record.type === 'interaction' && !record.deleted) positions.push(index);
      });
      if (positions.length > 0) {
        const subset = positions.map((index) => current[index]!) as SourceRecordInput[];
        const { records: next } = await host.before('interaction:before', { records: subset }, origin);
        if (next !== subset) {
          const checked = revalidate(next);
          const merged = [...current];
          positions.forEach((index, i) => {
            merged[index] = checked[i]!;
          });
          current = merged;
        }
      }
    }
    return current;
  }

  /** Every live record of a customer: its party records and the records that refer to it. */
  async function recordsOfCustomer(customerId: string): Promise<StoredRecord[]> {
    return read(undefined, async (tx) => {
      const row = await resolveActive(tx, customerId);
      if (row?.status !== 'active') return [];
      const own = await tx.listRecordsByCustomer([row.id]);
      const refKeys = row.lookupKeys.filter(
        (k) => k.startsWith('rec:') || k.startsWith('email:') || k.startsWith('phone:'),
      );
      const referring = refKeys.length > 0 ? await tx.findRecordsByRefKeys(refKeys) : [];
      const seen = new Set<string>();
      return [...own, ...referring].filter((r) => !seen.has(r.key) && seen.add(r.key) && !r.deleted);
    });
  }

  /** Writes plugin field values (golden paths `attributes.<ns>.<field>`) on a customer, with `update:before`. */
  async function writeFields(
    customerId: string,
    paths: Record<string, JsonValue | null>,
    callOptions: ActorOptions,
    origin?: string,
  ): Promise<Customer> {
    // The limits before the hooks (handlers never see an unchecked value) and again on what they return.
    const given = checkValueLimits(paths, inputLimits, ['values'], 'Plugin field values');
    const hooked = await host.before('update:before', { customerId, values: given }, origin);
    const values =
      hooked.values === given ? given : checkValueLimits(hooked.values, inputLimits, ['values'], 'Plugin field values');
    return write(
      callOptions.signal,
      async (ctx) => {
        const row = await requireActive(ctx.tx, customerId, 'customerId');
        const byNamespace = new Map<string, Record<string, JsonValue | null>>();
        for (const [path, value] of Object.entries(values)) {
          const match = /^attributes\.([^.]+)\.([^.]+)$/.exec(path);
          if (!match)
            throw new InvalidArgumentError({
              argument: 'values',
              message: `[crmkit/core] "${path}" is not a plugin field path.`,
            });
          const list = byNamespace.get(match[1]!) ?? {};
          list[match[2]!] = value;
          byNamespace.set(match[1]!, list);
        }
        const existing = await ctx.tx.getExtensions('customer', [row.id]);
        for (const [namespace, raw] of byNamespace) {
          const checked = host.schemas.checkValues(namespace, row.kind as PluginEntity, raw, ['values']);
          if (checked.issues.length > 0) {
            throw new ValidationError({
              message: `[crmkit/core] Plugin fields are invalid at ${checked.issues[0]!.pathString}: ${checked.issues[0]!.message}`,
              issues: checked.issues,
            });
          }
          const prior = existing.find((e) => e.namespace === namespace);
          const fields = { ...(prior?.fields ?? {}) };
          for (const [field, value] of Object.entries(checked.values)) {
            if (value === null) delete fields[field];
            else fields[field] = { value, at: ctx.now, ...(callOptions.actor ? { actor: callOptions.actor } : {}) };
          }
          if (Object.keys(fields).length === 0) {
            if (prior) await ctx.tx.deleteExtension(namespace, 'customer', row.id);
          } else
            await ctx.tx.putExtension({
              namespace,
              entityType: 'customer',
              entityId: row.id,
              fields,
              updatedAt: ctx.now,
            });
        }
        await relink(ctx, [row.id], new Map(), { kind: 'override' });
        ctx.journal.push({
          id: ctx.newId('jrn'),
          at: ctx.now,
          kind: 'fields',
          customerIds: [row.id],
          data: values as JsonValue,
          ...(callOptions.actor ? { actor: callOptions.actor } : {}),
        });
        const [after] = await ctx.tx.getCustomers([row.id]);
        return publicCustomer(after!);
      },
      origin,
    );
  }

  async function read<T>(signal: AbortSignalLike | undefined, fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    ensureOpen();
    throwIfAborted(signal);
    return guardStore(store.transaction(fn, { readOnly: true, ...(signal ? { signal } : {}) }));
  }

  /** Store failures surface as `STORE_FAILED` with the original error as `cause`; crmkit errors pass through. */
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

  function publish(events: readonly HubEvent[]): void {
    for (const event of events) {
      for (const name of [event.type, '*'] as const) {
        for (const listener of emitter.listeners(name) as ((e: HubEvent) => void)[]) {
          try {
            listener(event);
          } catch (error) {
            if (options.onListenerError) options.onListenerError(error, event);
            else runtime.console?.error?.('[crmkit/core] An event listener threw:', error);
          }
        }
      }
    }
  }

  async function resolveActive(tx: StoreTransaction, id: string): Promise<CustomerRow | undefined> {
    let current = id;
    for (let hop = 0; hop < 64; hop++) {
      const [row] = await tx.getCustomers([current]);
      if (!row) return undefined;
      if (row.status !== 'merged' || !row.mergedInto) return row;
      current = row.mergedInto;
    }
    return undefined;
  }

  async function requireActive(tx: StoreTransaction, id: string, argument: string): Promise<CustomerRow> {
    if (typeof id !== 'string' || id === '') {
      throw new InvalidArgumentError({ argument, message: `[crmkit/core] "${argument}" must be a customer id.` });
    }
    const [row] = await tx.getCustomers([id]);
    if (!row) throw new NotFoundError({ entity: 'customer', id });
    if (row.status === 'merged') {
      throw new ConflictError({
        message: `[crmkit/core] Customer "${id}" was merged into "${row.mergedInto}"; use that id.`,
      });
    }
    if (row.status === 'deleted') throw new ConflictError({ message: `[crmkit/core] Customer "${id}" is deleted.` });
    return row;
  }

  async function customersReferredBy(tx: StoreTransaction, refKeys: readonly string[]): Promise<string[]> {
    if (refKeys.length === 0) return [];
    return (await tx.findCustomersByLookupKeys(refKeys, 1000)).map((row) => row.id);
  }

  function requireId(id: unknown, argument: string): void {
    if (typeof id !== 'string' || id === '') {
      throw new InvalidArgumentError({ argument, message: `[crmkit/core] "${argument}" must be a non-empty id.` });
    }
  }

  function decidedBy(callOptions: ActorOptions): { decidedBy?: string; reason?: string } {
    return {
      ...(callOptions.actor ? { decidedBy: callOptions.actor } : {}),
      ...(callOptions.reason ? { reason: callOptions.reason } : {}),
    };
  }

  /** The active customers the two records are linked to now, sorted and unique. */
  async function pairCustomers(tx: StoreTransaction, a: string, b: string): Promise<string[]> {
    const ids = (await tx.getRecords([a, b])).flatMap((r) => (!r.deleted && r.customerId ? [r.customerId] : []));
    return [...new Set(ids)].sort(compareStrings);
  }

  /** The customers of `a` and `b` after a relink (records outside it keep their stored customer). */
  async function pairCustomersAfter(
    tx: StoreTransaction,
    customerOf: ReadonlyMap<string, string>,
    a: string,
    b: string,
  ): Promise<[string | null, string | null]> {
    const records = new Map((await tx.getRecords([a, b])).map((r) => [r.key, r]));
    const of = (key: string): string | null => {
      const record = records.get(key);
      if (!record || record.deleted) return null;
      return customerOf.get(key) ?? record.customerId;
    };
    return [of(a), of(b)];
  }

  /** Accepts or rejects an open review item, in one transaction. */
  async function decide(
    id: string,
    decision: 'accepted' | 'rejected',
    callOptions: ActorOptions,
  ): Promise<ReviewDecision> {
    requireId(id, 'id');
    return write(callOptions.signal, async (ctx) => {
      const { tx } = ctx;
      const item = await tx.getReviewItem(id);
      if (!item) throw new NotFoundError({ entity: 'review item', id });
      if (item.status !== 'open') {
        throw new ConflictError({ message: `[crmkit/core] Review item "${id}" was already ${item.status}.` });
      }
      const records = await tx.getRecords([item.a, item.b]);
      if (decision === 'accepted' && (records.length < 2 || records.some((r) => r.deleted))) {
        throw new ConflictError({
          message: `[crmkit/core] Review item "${id}" cannot be accepted: one of its records was deleted.`,
        });
      }
      const before = await pairCustomers(tx, item.a, item.b);
      // The pair's automatic link (if the evidence grew since the item opened) makes way for the decision.
      const pairLinks = (await tx.listIdentityLinks([item.a])).filter((l) => pairOf(l.a, l.b).pairKey === item.pairKey);
      for (const l of pairLinks) await tx.deleteIdentityLink(l.id);
      let link: IdentityLink | undefined;
      if (decision === 'accepted') {
        link = {
          id: ctx.newId('lnk'),
          a: item.a,
          b: item.b,
          kind: 'accepted',
          probability: item.probability,
          explanation: item.explanation,
          createdAt: ctx.now,
          reviewId: item.id,
          ...(callOptions.actor ? { actor: callOptions.actor } : {}),
        };
        await tx.putIdentityLink(link);
      }
      const review: ReviewItem = {
        ...item,
        status: decision,
        customerIds: before.length > 0 ? before : item.customerIds,
        decidedAt: ctx.now,
        ...decidedBy(callOptions),
        ...(link ? { linkId: link.id } : {}),
      };
      await tx.putReviewItem(review);
      const linkId = link?.id ?? pairLinks[0]?.id;
      const result =
        link || pairLinks.length > 0
          ? await relink(ctx, before, new Map(), {
              kind: 'identity',
              ...(linkId ? { linkId } : {}),
              ...(callOptions.actor ? { actor: callOptions.actor } : {}),
            })
          : undefined;
      const after = await pairCustomersAfter(tx, result?.customerOf ?? new Map(), item.a, item.b);
      const customerIds = [...new Set(after.filter((c): c is string => c !== null))].sort(compareStrings);
      ctx.journal.push({
        id: ctx.newId('jrn'),
        at: ctx.now,
        kind: 'review',
        customerIds: [...new Set([...customerIds, ...before])],
        data: {
          reviewId: item.id,
          decision,
          a: item.a,
          b: item.b,
          probability: item.probability,
          before,
          after: customerIds,
          ...(link ? { linkId: link.id } : {}),
          ...(pairLinks.length > 0 ? { removedLinks: pairLinks.map((l) => l.id) } : {}),
          ...(callOptions.reason ? { reason: callOptions.reason } : {}),
        },
        ...(callOptions.actor ? { actor: callOptions.actor } : {}),
      });
      ctx.emit('review.decided', { review, decision });
      return { review, ...(link ? { link } : {}), customerIds };
    });
  }

  /**
   * One batch of `reindex()`: first the records an earlier batch moved, unchecked, into a customer the cursor had
   * passed (`revisit`), then the records of active customers after `cursor` in id order, about `batchSize` of them;
   * re-keys the records whose derived keys changed and takes them through {@link updateIdentity}. A relink can move
   * records of a customer not reached yet into one already passed: those whose keys are stale are returned as the
   * next `revisit`.
   */
  async function reindexBatch(
    ctx: OperationContext,
    input: { cursor: string | undefined; revisit: readonly string[]; batchSize: number; actor?: string },
  ): Promise<{
    records: number;
    rekeyed: number;
    links: number;
    unlinks: number;
    reviews: number;
    cursor: string | undefined;
    revisit: string[];
    done: boolean;
  }> {
    const { tx } = ctx;
    const { batchSize } = input;
    const records: StoredRecord[] = input.revisit.length > 0 ? await tx.getRecords(input.revisit) : [];
    const page = await tx.listCustomers({
      status: 'active',
      limit: batchSize,
      ...(input.cursor === undefined ? {} : { after: input.cursor }),
    });
    let cursor = input.cursor;
    let taken = 0;
    if (page.length > 0) {
      const byCustomer = new Map<string, StoredRecord[]>();
      for (const record of await tx.listRecordsByCustomer(page.map((row) => row.id))) {
        const list = byCustomer.get(record.customerId!) ?? [];
        list.push(record);
        byCustomer.set(record.customerId!, list);
      }
      for (const row of page) {
        const own = byCustomer.get(row.id) ?? [];
        if (taken > 0 && records.length + own.length > batchSize) break;
        records.push(...own);
        cursor = row.id;
        taken++;
      }
    }
    const exhausted = page.length < batchSize && taken === page.length;

    const checked = new Set<string>();
    const changedParty = new Map<string, StoredRecord>();
    const seeds = new Set<string>();
    for (const record of records) {
      if (checked.has(record.key) || record.deleted || !PARTY_TYPES.has(record.type)) continue;
      checked.add(record.key);
      const fresh = rekeyRecord(record, identity);
      if (!fresh) continue;
      changedParty.set(record.key, fresh);
      if (record.customerId) seeds.add(record.customerId);
    }
    const result = {
      records: checked.size,
      rekeyed: changedParty.size,
      links: 0,
      unlinks: 0,
      reviews: 0,
      cursor,
      revisit: [] as string[],
      done: false,
    };
    if (changedParty.size > 0) {
      const update = await updateIdentity(ctx, identity, changedParty, seeds, {
        trigger: 'reindex',
        ...(input.actor ? { actor: input.actor } : {}),
      });
      result.links = update.autoLinks.added.length;
      result.unlinks = update.autoLinks.removed.length;
      result.reviews = update.reviews;
      // Records this batch did not check that now sit in a customer the cursor has passed: the stale ones among
      // them are checked in the next batch.
      const passed = [...(update.relinked?.customerOf ?? [])]
        .filter(
          ([key, customerId]) => !checked.has(key) && cursor !== undefined && compareStrings(customerId, cursor) <= 0,
        )
        .map(([key]) => key);
      if (passed.length > 0) {
        result.revisit = (await tx.getRecords(passed))
          .filter((record) => !record.deleted && rekeyRecord(record, identity) !== undefined)
          .map((record) => record.key)
          .sort(compareStrings);
      }
    }
    result.done = exhausted && result.revisit.length === 0;
    return result;
  }

  function validateField(field: string): void {
    if (typeof field !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_-]+)*$/.test(field)) {
      throw new InvalidArgumentError({
        argument: 'field',
        message: `[crmkit/core] Invalid field name ${quoteValue(field)}.`,
      });
    }
  }

  async function ingestRecords(
    inputs: readonly unknown[],
    callOptions: IngestOptions = {},
    origin?: string,
  ): Promise<IngestResult> {
    ensureOpen();
    callOptions = checkActorOptions(callOptions, inputLimits);
    if (!Array.isArray(inputs)) {
      throw new InvalidArgumentError({
        argument: 'records',
        message: '[crmkit/core] ingest() takes an array of records.',
      });
    }
    if (inputs.length > maxBatchSize) {
      throw new InvalidArgumentError({
        argument: 'records',
        message: `[crmkit/core] A batch holds at most ${maxBatchSize} records; got ${inputs.length}. Split it.`,
      });
    }
    // Validate everything before anything is written.
    const batch = parseBatch(inputs, inputLimits, clock());
    const parsed = await beforeIngest(host.schemas.checkRecords(batch.records), origin);
    if (parsed.length === 0)
      return {
        created: 0,
        updated: 0,
        deleted: 0,
        unchanged: 0,
        customerIds: [],
        events: 0,
        reviews: 0,
        suppressed: 0,
        cleaned: batch.cleaned,
        superseded: [],
        repaired: 0,
      };

    return write(
      callOptions.signal,
      async (ctx) => {
        const { tx, now } = ctx;
        // The newest observation of each key in the batch competes with what is stored.
        const {
          winners: incoming,
          superseded,
          duplicates,
        } = resolveDuplicates(
          parsed.map((record) => prepareRecord(record, { identity, now })),
          supersedes,
        );
        let unchanged = duplicates;
        let repaired = 0;
        // Erased records stay erased: a sync that brings them again is refused, record by record.
        let suppressed = 0;
        if (incoming.size > 0) {
          for (const tombstone of await tx.getDocuments(ERASURE_KIND, [...incoming.keys()])) {
            incoming.delete(tombstone.id);
            suppressed++;
          }
        }
        const existing = new Map((await tx.getRecords([...incoming.keys()])).map((r) => [r.key, r]));
        const changedParty = new Map<string, StoredRecord>();
        const changedOther: { record: StoredRecord; prev: StoredRecord | undefined }[] = [];
        const seeds = new Set<string>();
        const changes: { record: StoredRecord; change: 'created' | 'updated' | 'deleted' }[] = [];
        let created = 0;
        let updated = 0;
        let deleted = 0;
        // Stored rows whose content stays but whose derived keys are stale (written by an older version, or under
        // another identity configuration): re-keyed, and taken through the identity path like a changed record.
        const rekeyed: string[] = [];
        const rekeyedOther: StoredRecord[] = [];
        for (const [key, candidate] of incoming) {
          const prev = existing.get(key);
          const repair =
            callOptions.repairTimestamps === true &&
            prev !== undefined &&
            !supersedes(candidate, prev) &&
            outOfBounds(prev.observedAt, inputLimits, new Date(now));
          if (repair) {
            repaired++;
            if (auditEnabled) {
              ctx.audit.push({
                actor: ctx.actor,
                action: 'record.retimed',
                target: `record:${key}`,
                changes: [{ field: 'observedAt', old: prev.observedAt, new: candidate.observedAt }],
                at: now,
              });
            }
          }
          if (prev && !repair && !supersedes(candidate, prev)) {
            unchanged++;
            const fresh = rekeyRecord(prev, identity);
            if (fresh && PARTY_TYPES.has(fresh.type) && !fresh.deleted) {
              rekeyed.push(key);
              changedParty.set(key, fresh);
              if (prev.customerId) seeds.add(prev.customerId);
            } else if (fresh) rekeyedOther.push(fresh);
            continue;
          }
          if (!prev && candidate.deleted) {
            // A tombstone for a record never seen: keep it, so an older observation cannot resurrect the record.
            await tx.putRecords([candidate]);
            unchanged++;
            continue;
          }
          const record = { ...toStoredFrom(candidate, prev) };
          const change =
            !prev || prev.deleted ? (record.deleted ? 'deleted' : 'created') : record.deleted ? 'deleted' : 'updated';
          if (change === 'created') created++;
          else if (change === 'updated') updated++;
          else if (prev && !prev.deleted) deleted++;
          if (prev?.deleted && record.deleted) {
            await tx.putRecords([record]);
            unchanged++;
            continue;
          }
          changes.push({ record, change });
          if (auditEnabled) ctx.audit.push(auditOfRecord(record, prev, change, ctx.actor, ctx.now));
          if (PARTY_TYPES.has(record.type)) {
            changedParty.set(key, record);
            if (prev?.customerId) seeds.add(prev.customerId);
          } else changedOther.push({ record, prev });
        }

        // Links, relink, journal and review items: the identity path every write of party records shares.
        const { relinked, seeds: relinkedSeeds, reviews } = await updateIdentity(ctx, identity, changedParty, seeds);

        const emitIngested = (
          record: StoredRecord,
          change: 'created' | 'updated' | 'deleted',
          customerId: string | null,
        ) =>
          ctx.emit('record.ingested', {
            key: record.key,
            type: record.type,
            source: record.source,
            externalId: record.externalId,
            change,
            customerId,
          });
        // Customers a record left (tombstone, changed keys) are touched too; merged-away ones are filtered out below.
        const touched = new Set<string>(relinkedSeeds);
        for (const key of rekeyed) {
          const customerId = relinked?.customerOf.get(key);
          if (customerId) touched.add(customerId);
        }
        for (const id of relinked?.merged.values() ?? []) touched.add(id);
        for (const { record, change } of changes) {
          const customerId = relinked?.customerOf.get(record.key) ?? null;
          if (customerId) touched.add(customerId);
          if (PARTY_TYPES.has(record.type)) emitIngested(record, change, customerId);
        }
        if (changedOther.length > 0 || rekeyedOther.length > 0)
          await tx.putRecords([...changedOther.map((c) => c.record), ...rekeyedOther]);
        const changeOf = new Map(changes.map((c) => [c.record.key, c.change]));
        for (const { record, prev } of changedOther) {
          const customerIds = record.deleted ? [] : await customersReferredBy(tx, record.refKeys);
          for (const id of customerIds) touched.add(id);
          emitIngested(record, changeOf.get(record.key)!, customerIds[0] ?? null);
          if (record.deleted || record.data === null) continue;
          if (record.type === 'interaction' && (!prev || prev.deleted)) {
            ctx.emit('interaction.recorded', {
              key: record.key,
              source: record.source,
              externalId: record.externalId,
              customerIds,
              interaction: record.data as InteractionData,
            });
          } else if (record.type === 'opportunity') {
            ctx.emit('opportunity.upserted', {
              key: record.key,
              source: record.source,
              externalId: record.externalId,
              customerId: customerIds[0] ?? null,
              opportunity: record.data as OpportunityData,
            });
          }
        }
        const activeTouched = (await tx.getCustomers([...touched]))
          .filter((r) => r.status === 'active')
          .map((r) => r.id);
        return {
          created,
          updated,
          deleted,
          unchanged,
          customerIds: activeTouched.sort(compareStrings),
          events: ctx.events.length,
          reviews,
          suppressed,
          cleaned: batch.cleaned,
          superseded,
          repaired,
        };
      },
      origin,
      callOptions.actor,
    );

    function toStoredFrom(candidate: StoredRecord, prev: StoredRecord | undefined): StoredRecord {
      return {
        ...candidate,
        customerId: prev?.customerId ?? null,
        homeId: prev?.homeId ?? null,
        version: (prev?.version ?? 0) + 1,
        ingestedAt: prev?.ingestedAt ?? candidate.ingestedAt,
      };
    }
  }

  const hub: Hub = {
    store,

    async ingest(inputs, callOptions = {}) {
      return ingestRecords(inputs, callOptions);
    },

    async reindex(callOptions = {}) {
      ensureOpen();
      const batchSize = callOptions.batchSize ?? 200;
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > maxBatchSize) {
        throw new InvalidArgumentError({
          argument: 'batchSize',
          message: `[crmkit/core] "batchSize" must be an integer from 1 to ${maxBatchSize}; got ${String(callOptions.batchSize)}.`,
        });
      }
      const { signal, onProgress, actor } = callOptions;
      const totals: ReindexResult = { records: 0, rekeyed: 0, links: 0, unlinks: 0, reviews: 0 };
      let cursor: string | undefined;
      let revisit: string[] = [];
      while (true) {
        throwIfAborted(signal);
        // The batch function may run again when the store retries a transaction: it only reads `cursor`/`revisit`.
        const batch = await write(signal, (ctx) =>
          reindexBatch(ctx, { cursor, revisit, batchSize, ...(actor ? { actor } : {}) }),
        );
        totals.records += batch.records;
        totals.rekeyed += batch.rekeyed;
        totals.links += batch.links;
        totals.unlinks += batch.unlinks;
        totals.reviews += batch.reviews;
        cursor = batch.cursor;
        revisit = batch.revisit;
        onProgress?.({ records: totals.records, rekeyed: totals.rekeyed });
        if (batch.done) return totals;
      }
    },

    async merge(a, b, callOptions = {}) {
      callOptions = checkActorOptions(callOptions, inputLimits);
      ensureOpen();
      await host.before('merge:before', {
        into: a,
        from: b,
        ...(callOptions.reason ? { reason: callOptions.reason } : {}),
      });
      return write(callOptions.signal, async (ctx) => {
        const rowA = await requireActive(ctx.tx, a, 'a');
        const rowB = await requireActive(ctx.tx, b, 'b');
        if (rowA.id === rowB.id)
          throw new ConflictError({ message: `[crmkit/core] Cannot merge customer "${a}" with itself.` });
        if (rowA.kind !== rowB.kind) {
          throw new ConflictError({
            message: `[crmkit/core] Cannot merge a ${rowA.kind} ("${a}") with a ${rowB.kind} ("${b}").`,
          });
        }
        const mergeId = ctx.newId('mrg');
        await ctx.tx.putMergeLink({
          id: mergeId,
          a: rowA.id,
          b: rowB.id,
          createdAt: ctx.now,
          ...(callOptions.actor ? { actor: callOptions.actor } : {}),
          ...(callOptions.reason ? { reason: callOptions.reason } : {}),
        });
        const result = await relink(ctx, [rowA.id, rowB.id], new Map(), {
          kind: 'merge',
          mergeId,
          ...(callOptions.actor ? { actor: callOptions.actor } : {}),
        });
        const into = result.merged.get(rowA.id) ?? result.merged.get(rowB.id);
        const from = result.merged.has(rowA.id) ? rowA.id : rowB.id;
        if (!into) throw new CrmkitError({ code: ErrorCode.CONFLICT, message: '[crmkit/core] Merge had no effect.' });
        ctx.journal.push({
          id: ctx.newId('jrn'),
          at: ctx.now,
          kind: 'merge',
          customerIds: [into, from],
          data: {
            mergeId,
            into,
            from,
            before: [publicCustomer(rowA), publicCustomer(rowB)] as unknown as JsonValue,
            ...(callOptions.reason ? { reason: callOptions.reason } : {}),
          },
          ...(callOptions.actor ? { actor: callOptions.actor } : {}),
        });
        return { mergeId, into, from };
      });
    },

    async unmerge(mergeId, callOptions = {}) {
      callOptions = checkActorOptions(callOptions, inputLimits);
      return write(callOptions.signal, async (ctx) => {
        const link = await ctx.tx.getMergeLink(mergeId);
        if (!link) throw new NotFoundError({ entity: 'merge', id: mergeId });
        await ctx.tx.deleteMergeLink(mergeId);
        const holderA = await resolveActive(ctx.tx, link.a);
        const holderB = await resolveActive(ctx.tx, link.b);
        const seeds = [link.a, link.b, holderA?.id, holderB?.id].filter((id): id is string => Boolean(id));
        const result = await relink(ctx, seeds, new Map(), {
          kind: 'unmerge',
          mergeId,
          ...(callOptions.actor ? { actor: callOptions.actor } : {}),
        });
        const customerOfHome = (home: string): string | undefined => {
          for (const [key, h] of result.homeOf) if (h === home) return result.customerOf.get(key);
          return undefined;
        };
        const sideA = customerOfHome(link.a);
        const sideB = customerOfHome(link.b);
        if (!sideA || !sideB) {
          throw new ConflictError({
            code: ErrorCode.UNMERGE_BLOCKED,
            message: `[crmkit/core] Merge "${mergeId}" cannot be undone: one side has no live records left.`,
          });
        }
        if (sideA === sideB) {
          throw new ConflictError({
            code: ErrorCode.UNMERGE_BLOCKED,
            message: `[crmkit/core] Merge "${mergeId}" cannot be undone: "${link.a}" and "${link.b}" are still linked by shared identity keys or another merge.`,
          });
        }
        ctx.journal.push({
          id: ctx.newId('jrn'),
          at: ctx.now,
          kind: 'unmerge',
          customerIds: [sideA, sideB],
          data: { mergeId, customers: [sideA, sideB] },
          ...(callOptions.actor ? { actor: callOptions.actor } : {}),
        });
        return { mergeId, customerIds: [sideA, sideB] };
      });
    },

    async links(customerId, callOptions = {}) {
      return read(callOptions.signal, async (tx) => {
        const row = await resolveActive(tx, customerId);
        if (row?.status !== 'active') throw new NotFoundError({ entity: 'customer', id: customerId });
        const keys = new Set((await tx.listRecordsByCustomer([row.id])).map((r) => r.key));
        if (keys.size === 0) return [];
        return (await tx.listIdentityLinks([...keys])).filter((link) => keys.has(link.a) && keys.has(link.b));
      });
    },

    async unlink(linkId, callOptions = {}) {
      callOptions = checkActorOptions(callOptions, inputLimits);
      requireId(linkId, 'linkId');
      return write(callOptions.signal, async (ctx) => {
        const { tx } = ctx;
        const link = await tx.getIdentityLink(linkId);
        if (!link) throw new NotFoundError({ entity: 'identity link', id: linkId });
        await tx.deleteIdentityLink(linkId);
        const before = await pairCustomers(tx, link.a, link.b);
        const { pairKey } = pairOf(link.a, link.b);
        const [existing] = await tx.findReviewItems([pairKey]);
        const review: ReviewItem = {
          ...(existing ?? {
            id: ctx.newId('rev'),
            a: link.a,
            b: link.b,
            pairKey,
            probability: link.probability,
            explanation: link.explanation,
            createdAt: ctx.now,
          }),
          status: 'rejected',
          customerIds: before,
          decidedAt: ctx.now,
          linkId,
          ...decidedBy(callOptions),
        };
        if (!callOptions.actor) delete review.decidedBy;
        if (!callOptions.reason) delete review.reason;
        await tx.putReviewItem(review);
        const result = await relink(ctx, before, new Map(), {
          kind: 'identity',
          linkId,
          ...(callOptions.actor ? { actor: callOptions.actor } : {}),
        });
        const after = await pairCustomersAfter(tx, result.customerOf, link.a, link.b);
        ctx.journal.push({
          id: ctx.newId('jrn'),
          at: ctx.now,
          kind: 'unlink',
          customerIds: [...new Set([...after.filter((id): id is string => id !== null), ...before])],
          data: {
            linkId,
            a: link.a,
            b: link.b,
            kind: link.kind,
            probability: link.probability,
            reviewId: review.id,
            customers: after,
            ...(callOptions.reason ? { reason: callOptions.reason } : {}),
          },
          ...(callOptions.actor ? { actor: callOptions.actor } : {}),
        });
        ctx.emit('review.decided', { review, decision: 'rejected' });
        return { linkId, review, customerIds: after };
      });
    },

    reviews: {
      async list(callOptions = {}) {
        const limit = checkLimit(callOptions.limit, 50);
        return read(callOptions.signal, (tx) =>
          tx.listReviewItems({
            limit,
            ...(callOptions.status ? { status: callOptions.status } : {}),
            ...(callOptions.after === undefined ? {} : { after: callOptions.after }),
          }),
        );
      },
      async get(id, callOptions = {}) {
        return read(callOptions.signal, (tx) => tx.getReviewItem(id));
      },
      async accept(id, callOptions = {}) {
        callOptions = checkActorOptions(callOptions, inputLimits);
        if (host.hooks.has('link:before')) {
          const item = await read(callOptions.signal, (tx) => tx.getReviewItem(id));
          if (item?.status === 'open') {
            await host.before('link:before', {
              reviewId: item.id,
              a: item.a,
              b: item.b,
              probability: item.probability,
            });
          }
        }
        return decide(id, 'accepted', callOptions);
      },
      async reject(id, callOptions = {}) {
        callOptions = checkActorOptions(callOptions, inputLimits);
        return decide(id, 'rejected', callOptions);
      },
    },

    async setOverride(customerId, field, value, callOptions = {}) {
      callOptions = checkActorOptions(callOptions, inputLimits);
      validateField(field);
      value = checkValueLimits(value, inputLimits, ['value'], `The override of ${quoteValue(field)}`);
      const checked = JsonValueSchema.safeParse(value);
      if (!checked.success || value === undefined) {
        throw new ValidationError({
          message: `[crmkit/core] Override value for "${field}" must be JSON.`,
          issues: [
            {
              path: ['value'],
              pathString: formatPath(['value']),
              message: 'Expected a JSON value',
              issueCode: 'invalid_type',
            },
          ],
        });
      }
      if (host.hooks.has('update:before')) {
        const { values } = await host.before('update:before', { customerId, values: { [field]: value } });
        if (values[field] !== undefined && values[field] !== null) value = values[field];
      }
      return write(callOptions.signal, async (ctx) => {
        const row = await requireActive(ctx.tx, customerId, 'customerId');
        value = checkOverride(row.kind as PartyRecordType, field, value, {
          limits: inputLimits,
          now: new Date(ctx.now),
          schemas: host.schemas,
        });
        await ctx.tx.putOverride({
          customerId: row.id,
          field,
          value,
          at: ctx.now,
          ...(callOptions.actor ? { actor: callOptions.actor } : {}),
          ...(callOptions.reason ? { reason: callOptions.reason } : {}),
        });
        await relink(ctx, [row.id], new Map(), { kind: 'override' });
        ctx.journal.push({
          id: ctx.newId('jrn'),
          at: ctx.now,
          kind: 'override',
          customerIds: [row.id],
          data: { field, value, ...(callOptions.reason ? { reason: callOptions.reason } : {}) },
          ...(callOptions.actor ? { actor: callOptions.actor } : {}),
        });
        const [after] = await ctx.tx.getCustomers([row.id]);
        return publicCustomer(after!);
      });
    },

    async clearOverride(customerId, field, callOptions = {}) {
      callOptions = checkActorOptions(callOptions, inputLimits);
      validateField(field);
      return write(callOptions.signal, async (ctx) => {
        const row = await requireActive(ctx.tx, customerId, 'customerId');
        await ctx.tx.deleteOverride(row.id, field);
        await relink(ctx, [row.id], new Map(), { kind: 'override' });
        ctx.journal.push({
          id: ctx.newId('jrn'),
          at: ctx.now,
          kind: 'override-cleared',
          customerIds: [row.id],
          data: { field },
          ...(callOptions.actor ? { actor: callOptions.actor } : {}),
        });
        const [after] = await ctx.tx.getCustomers([row.id]);
        return publicCustomer(after!);
      });
    },

    async get(id, callOptions = {}) {
      return read(callOptions.signal, async (tx) => {
        if (callOptions.followMerges === false) {
          const [row] = await tx.getCustomers([id]);
          return row ? publicCustomer(row) : undefined;
        }
        const row = await resolveActive(tx, id);
        return row ? publicCustomer(row) : undefined;
      });
    },

    async find(query, callOptions = {}) {
      const limit = checkLimit(callOptions.limit, 50);
      const { tokens } = findKeys(query);
      const { customers } = await findCandidates(query, tokens.length > 1 ? 10_000 : limit, callOptions.signal);
      return customers.slice(0, limit);
    },

    async list(callOptions = {}) {
      const limit = checkLimit(callOptions.limit, 50);
      const after = callOptions.cursor === undefined ? undefined : decodeCursor(callOptions.cursor);
      return read(callOptions.signal, async (tx) => {
        const rows = await tx.listCustomers({
          limit: limit + 1,
          status: callOptions.status ?? 'active',
          ...(after === undefined ? {} : { after }),
        });
        const items = rows.slice(0, limit).map(publicCustomer);
        const last = items[items.length - 1];
        return rows.length > limit && last ? { items, nextCursor: encodeCursor(last.id) } : { items };
      });
    },

    async view(id, callOptions = {}) {
      return read(callOptions.signal, async (tx) => {
        const row = await resolveActive(tx, id);
        if (row?.status !== 'active') throw new NotFoundError({ entity: 'customer', id });
        const refKeys = row.lookupKeys.filter(
          (k) => k.startsWith('rec:') || k.startsWith('email:') || k.startsWith('phone:'),
        );
        const toView = <T>(record: StoredRecord): ActivityView<T> => ({
          key: record.key,
          source: { system: record.source, externalId: record.externalId, observedAt: record.observedAt },
          data: record.data as T,
        });
        // One read for everything that refers to the customer: interactions, opportunities, people (of an organisation).
        const referring = await tx.findRecordsByRefKeys(refKeys);
        const interactions = referring
          .filter((r) => r.type === 'interaction')
          .map((r) => toView<InteractionData>(r))
          .sort((a, b) => compareStrings(b.data.occurredAt, a.data.occurredAt) || compareStrings(a.key, b.key));
        const opportunities = referring
          .filter((r) => r.type === 'opportunity')
          .map((r) => toView<OpportunityData>(r))
          .sort(
            (a, b) =>
              compareStrings(a.data.closeDate ?? '9999', b.data.closeDate ?? '9999') || compareStrings(a.key, b.key),
          );
        const customer = publicCustomer(row);
        const groups = (await tx.getGroups()).filter((group) => isGroupMember(group, customer));
        let related: Customer[];
        if (row.kind === 'person') {
          const own = await tx.listRecordsByCustomer([row.id]);
          const orgKeys = [...new Set(own.flatMap((r) => r.refKeys))];
          related =
            orgKeys.length > 0
              ? (await tx.findCustomersByLookupKeys(orgKeys, 100))
                  .filter((c) => c.kind === 'organization')
                  .map(publicCustomer)
              : [];
        } else {
          const people = referring.filter((r) => r.type === 'person');
          const ids = [...new Set(people.map((p) => p.customerId).filter((c): c is string => c !== null))];
          related = (await tx.getCustomers(ids)).filter((c) => c.status === 'active').map(publicCustomer);
        }
        return {
          customer,
          ...(row.id !== id ? { redirectedFrom: id } : {}),
          interactions,
          opportunities,
          groups,
          related: related.sort((a, b) => compareStrings(a.id, b.id)),
        };
      });
    },

    async journal(callOptions = {}) {
      const limit = checkLimit(callOptions.limit, 100, 10_000);
      return read(callOptions.signal, (tx) =>
        tx.listJournal({ limit, ...(callOptions.customerId ? { customerId: callOptions.customerId } : {}) }),
      );
    },

    async outbox(callOptions = {}) {
      const limit = checkLimit(callOptions.limit, 100, 10_000);
      return read(callOptions.signal, (tx) =>
        tx.listOutbox({ limit, ...(callOptions.after === undefined ? {} : { after: callOptions.after }) }),
      );
    },

    groups: {
      async define(input, callOptions = {}) {
        callOptions = checkActorOptions(callOptions, inputLimits);
        ensureOpen();
        // Bad text and oversized input are refused (VALIDATION_FAILED at `group...`) before the store sees them.
        input = checkValueLimits(input, inputLimits, ['group'], 'The group');
        const now = clock().toISOString();
        const id = input.id ?? newId('grp');
        return write(
          callOptions.signal,
          async (ctx) => {
            const [existing] = await ctx.tx.getGroups([id]);
            const parsed = CustomerGroupSchema.safeParse({
              ...input,
              id,
              createdAt: existing?.createdAt ?? now,
              updatedAt: now,
              sources: existing?.sources ?? [],
            });
            if (!parsed.success) {
              const issues = parsed.error.issues.map((issue) => {
                const path = issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k));
                return { path, pathString: formatPath(path, 'group'), message: issue.message, issueCode: issue.code };
              });
              throw new ValidationError({
                message: `[crmkit/core] Group is invalid at ${issues[0]?.pathString}: ${issues[0]?.message}`,
                issues,
                cause: parsed.error,
              });
            }
            await ctx.tx.putGroup(parsed.data);
            ctx.audit.push({
              actor: ctx.actor,
              action: existing ? 'group.update' : 'group.define',
              target: `group:${id}`,
              changes: diffFields(
                (existing ?? {}) as unknown as Record<string, JsonValue>,
                parsed.data as unknown as Record<string, JsonValue>,
              ).filter((c) => c.field !== 'updatedAt' && c.field !== 'createdAt'),
              at: ctx.now,
            });
            return parsed.data;
          },
          undefined,
          callOptions.actor,
        );
      },
      async get(id, callOptions = {}) {
        return read(callOptions.signal, async (tx) => (await tx.getGroups([id]))[0]);
      },
      async list(callOptions = {}) {
        return read(callOptions.signal, (tx) => tx.getGroups());
      },
      async remove(id, callOptions = {}) {
        callOptions = checkActorOptions(callOptions, inputLimits);
        await write(
          callOptions.signal,
          async (ctx) => {
            const [existing] = await ctx.tx.getGroups([id]);
            if (!existing) throw new NotFoundError({ entity: 'group', id });
            await ctx.tx.deleteGroup(id);
            ctx.audit.push({
              actor: ctx.actor,
              action: 'group.remove',
              target: `group:${id}`,
              changes: [],
              at: ctx.now,
            });
          },
          undefined,
          callOptions.actor,
        );
      },
      async members(id, callOptions = {}) {
        return read(callOptions.signal, async (tx) => {
          const [group] = await tx.getGroups([id]);
          if (!group) throw new NotFoundError({ entity: 'group', id });
          const members: Customer[] = [];
          let after: string | undefined;
          while (true) {
            const page = await tx.listCustomers({ limit: 500, status: 'active', ...(after ? { after } : {}) });
            for (const row of page) {
              const customer = publicCustomer(row);
              if (isGroupMember(group, customer)) members.push(customer);
            }
            if (page.length < 500) break;
            after = page[page.length - 1]!.id;
          }
          return members;
        });
      },
    },

    async setFields(customerId, namespace, values, callOptions = {}) {
      callOptions = checkActorOptions(callOptions, inputLimits);
      ensureOpen();
      if (!host.schemas.has(namespace)) {
        throw new InvalidArgumentError({
          argument: 'namespace',
          message: `[crmkit/core] No registered plugin owns the namespace "${namespace}".`,
        });
      }
      if (typeof values !== 'object' || values === null || Array.isArray(values)) {
        throw new InvalidArgumentError({
          argument: 'values',
          message: '[crmkit/core] setFields() takes an object of field values.',
        });
      }
      const paths: Record<string, JsonValue | null> = {};
      for (const [field, value] of Object.entries(values)) paths[`attributes.${namespace}.${field}`] = value;
      return writeFields(customerId, paths, callOptions);
    },

    plugins: {
      list: () => host.list(),
      context: (name) => host.context(name),
      unregister(name) {
        host.unregister(name);
        engine.unregisterPlugin(name);
      },
    },

    hooks: {
      on(hook, handler, hookOptions) {
        if (typeof handler !== 'function') {
          throw new InvalidArgumentError({
            argument: 'handler',
            message: '[crmkit/core] hooks.on() takes a function.',
          });
        }
        return host.hooks.register(hook, handler as never, {
          id: hookOptions.id,
          rank: -1,
          ...(hookOptions.stage !== undefined ? { stage: hookOptions.stage } : {}),
          ...(hookOptions.before ? { before: hookOptions.before } : {}),
          ...(hookOptions.after ? { after: hookOptions.after } : {}),
          ...(hookOptions.onError ? { onError: hookOptions.onError } : {}),
        });
      },
      order: (hook) => host.hookOrder(hook),
    },

    commands: {
      list: () => host.listCommands(),
      async run(name, input) {
        ensureOpen();
        // A command's input can reach the store (a workflow run, plugin fields): checked like a source record.
        const checked = checkValueLimits(input, inputLimits, ['input'], `The input of command ${quoteValue(name)}`);
        return host.runCommand(name, checked);
      },
    },

    workflows: {
      async start(workflow, input, startOptions = {}) {
        ensureOpen();
        // The input is kept in the workflow run: checked like a source record.
        const checked = checkValueLimits(
          input,
          inputLimits,
          ['input'],
          `The input of workflow ${quoteValue(workflow)}`,
        );
        return engine.start(workflow, checked, startOptions);
      },
      async get(runId, callOptions = {}) {
        return read(callOptions.signal, (tx) => tx.getWorkflowRun(runId));
      },
      async list(listOptions = {}) {
        const limit = checkLimit(listOptions.limit, 50);
        return read(listOptions.signal, (tx) =>
          tx.listWorkflowRuns({
            limit,
            ...(listOptions.status ? { status: listOptions.status } : {}),
            ...(listOptions.workflow ? { workflow: listOptions.workflow } : {}),
            ...(listOptions.after === undefined ? {} : { after: listOptions.after }),
          }),
        );
      },
      runDue(dueOptions = {}) {
        ensureOpen();
        return engine.runDue(dueOptions);
      },
      idle: () => engine.idle(),
    },

    async send(message, deliver) {
      ensureOpen();
      if (typeof message !== 'object' || message === null) {
        throw new InvalidArgumentError({
          argument: 'message',
          message: '[crmkit/core] send() takes a message object.',
        });
      }
      for (const key of ['customerId', 'channel', 'purpose'] as const) {
        if (typeof message[key] !== 'string' || message[key] === '') {
          throw new InvalidArgumentError({
            argument: `message.${key}`,
            message: `[crmkit/core] message.${key} must be a non-empty string.`,
          });
        }
      }
      if (typeof deliver !== 'function') {
        throw new InvalidArgumentError({
          argument: 'deliver',
          message: '[crmkit/core] send() takes a deliver function.',
        });
      }
      const { message: final } = await host.before('send:before', { message });
      // Every send goes through canContact: consent, arrangement, quiet hours, frequency cap.
      if (
        ContactChannelSchema.safeParse(final.channel).success &&
        ContactPurposeSchema.safeParse(final.purpose).success
      ) {
        const decision = await services.canContact(final.customerId, final.channel, final.purpose);
        if (!decision.allowed) {
          throw new ContactRefusedError({
            customerId: final.customerId,
            reason: decision.reason,
            detail: decision.detail,
          });
        }
      } else {
        throw new ContactRefusedError({
          customerId: final.customerId,
          reason: 'unknown-channel-or-purpose',
          detail: `"${final.channel}" for "${final.purpose}" is not a contact channel and purpose crmkit knows.`,
        });
      }
      const result = await deliver(final);
      if (host.hooks.has('send:after')) await host.hooks.call('send:after', { message: final, result });
      return { message: final, result };
    },

    as(actor) {
      ensureOpen();
      return createScopedHub(actor, { hub, services, directory, findCandidates });
    },

    governance: {
      policy: () => services.policy(),
      setPolicy: (policy, callOptions = {}) =>
        services.setPolicy(policy, callOptions.actor ?? APP_ACTOR, callOptions.reason),
      policyHistory: () => services.policyHistory(),
      async audit(auditOptions = {}) {
        return read(undefined, (tx) =>
          tx.listAudit({
            limit: checkLimit(auditOptions.limit, 100),
            ...(auditOptions.after !== undefined ? { after: auditOptions.after } : {}),
            ...(auditOptions.target ? { target: auditOptions.target } : {}),
          }),
        );
      },
      verifyAudit: (verifyOptions = {}) => verifyStoreAudit(store, verifyOptions),
      recordAdminAction: (input, callOptions = {}) => services.recordAdminAction(input, callOptions.actor ?? APP_ACTOR),
    },

    consent: {
      record: (capture, callOptions = {}) => services.recordConsent(capture, callOptions.actor ?? APP_ACTOR),
      list: (customerId) => services.consents(customerId),
      setArrangement: (customerId, arrangement, callOptions = {}) =>
        services.setArrangement(customerId, arrangement, callOptions.actor ?? APP_ACTOR),
      removeArrangement: (customerId, channel, callOptions = {}) =>
        services.removeArrangement(customerId, channel, callOptions.actor ?? APP_ACTOR),
      arrangements: (customerId) => services.arrangements(customerId),
    },

    canContact: (customerId, channel, purpose, at) => services.canContact(customerId, channel, purpose, at),

    gdpr: {
      export: (customerId, callOptions = {}) => services.exportPerson(customerId, callOptions.actor ?? APP_ACTOR),
      erase: (customerId, callOptions = {}) =>
        services.erase(customerId, callOptions.actor ?? APP_ACTOR, callOptions.reason, callOptions.alsoErase),
      purge: (rules, callOptions = {}) => services.purge(rules, callOptions.actor ?? APP_ACTOR, callOptions.now),
    },

    on(type: HubEventType | '*', listener: (event: HubEvent) => void): () => void {
      emitter.on(type, listener as never);
      return () => {
        emitter.off(type, listener as never);
      };
    },

    subscribe(name, listener, subscribeOptions) {
      ensureOpen();
      return reactions.subscribe(name, listener, subscribeOptions);
    },

    idle: () => reactions.idle(),

    async close() {
      if (closed) return;
      closed = true;
      if (retentionTimer !== undefined) timers.clearTimeout(retentionTimer);
      await reactions.stop();
      await engine.stop();
      emitter.removeAllListeners();
      await store.close();
    },
  };
  // Retention on a schedule: validated now (a bad rule fails createHub), run every `everyMs` on the Hub's clock.
  let retentionTimer: unknown;
  if (options.retention) {
    const { rules, everyMs = 86_400_000 } = options.retention;
    rules.forEach((rule, index) => {
      const parsed = RetentionPolicySchema.safeParse(rule);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const path = ['retention', 'rules', index, ...issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k))];
        throw new ValidationError({
          message: `[crmkit/core] ${formatPath(path)}: ${issue.message}`,
          issues: [{ path, pathString: formatPath(path), message: issue.message, issueCode: issue.code }],
        });
      }
    });
    if (!Number.isFinite(everyMs) || everyMs < 1000) {
      throw new InvalidArgumentError({
        argument: 'retention.everyMs',
        message: '[crmkit/core] retention.everyMs must be at least 1000.',
      });
    }
    const tick = () => {
      retentionTimer = timers.setTimeout(() => {
        if (closed) return;
        services
          .purge(rules, 'system:retention')
          .catch((error: unknown) => runtime.console?.error?.('[crmkit/core] Retention run failed:', error))
          .finally(() => {
            if (!closed) tick();
          });
      }, everyMs);
    };
    tick();
  }
  const services = createGovernanceServices({
    write: (signal, fn, origin, actor) => write(signal, fn, origin, actor),
    read: (signal, fn) => read(signal, fn),
    resolveActive,
    relink,
    publicCustomer,
    isGroupMember,
    defaultPolicy,
    adapters: options.adapters ?? [],
    limits: inputLimits,
    now: () => clock().toISOString(),
    newId: (prefix) => newId(prefix),
  });
  return hub;
}
