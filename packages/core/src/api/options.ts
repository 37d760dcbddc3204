/**
 * The options of the Hub and of its calls (public API, exported by the package entry).
 *
 * @module
 */
import type {
  AbortSignalLike,
  Adapter,
  BeforeHookResult,
  HubEvent,
  HookName,
  HookOrder,
  HookPayloads,
  InputLimits,
  JsonValue,
  PartyRecordType,
  Plugin,
  RetentionPolicy,
  ReviewStatus,
  Store,
  WorkflowRunStatus,
} from '@crmkit/model';
import type { DepartmentSources, SurvivorshipOptions } from '../golden/derive';
import type { IdentityResolver } from '../identity/resolver';
import type { ReactionsOptions } from '../reactions';
import type { Clock } from '../runtime/clock';
import type { IdGenerator } from '../runtime/ids';

/** Options of {@link createHub}. */
export interface HubOptions {
  /** Where the Hub keeps its state. @default createMemoryStore() */
  store?: Store;
  /**
   * How party records are linked into customers. The default links records that share a normalised email or phone
   * number, and links likely duplicates found by the probabilistic matcher of `@crmkit/identity` (uncertain pairs
   * become review items). Pass `createDeterministicResolver()` for email and phone keys only.
   * @default createProbabilisticResolver({ defaultCountry })
   */
  identity?: IdentityResolver;
  /** Survivorship rules for golden fields. @default every field `mostRecent` */
  survivorship?: SurvivorshipOptions;
  /** Departments and the source systems they own (for `departmentOwned` rules). */
  departments?: readonly DepartmentSources[];
  /**
   * ISO 3166-1 alpha-2 country for phone numbers written without a calling code, e.g. `'NL'` (`06-12345678` is read
   * as `+31612345678`). Without it, such numbers link nothing (they stay on the golden record).
   */
  defaultCountry?: string;
  /**
   * Country calling code for national phone numbers, e.g. `'31'`.
   * @deprecated Pass `defaultCountry` (`'NL'`); the calling code is read as the main country of the code.
   */
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

/** Options of {@link Hub.ingest}. */
export interface IngestOptions extends ActorOptions {
  /**
   * Lets a record replace the stored version of itself when the stored `observedAt` lies outside the time bounds
   * (before `input.minObservedAt`, or later than the clock plus `input.maxFutureSkewMs`), even though it is older:
   * the way to repair a record stored with a bad time. Each repair is audited as `record.retimed`. @default false
   */
  repairTimestamps?: boolean;
}

/** Progress of {@link Hub.load}, reported after each committed batch (running totals). */
export interface LoadProgress {
  /** Records read from the source and committed (every record of the committed batches). */
  records: number;
  /** Batches committed. */
  batches: number;
  /** Records stored for the first time. */
  created: number;
  /** Records whose stored version changed. */
  updated: number;
  /** Tombstones that deleted a live record. */
  deleted: number;
  /** Records that changed nothing (same content, older than what is stored, or a copy later in the same batch). */
  unchanged: number;
  /** Records refused because their person was erased (GDPR Art. 17). */
  suppressed: number;
  /** Review items opened. */
  reviews: number;
  /** Events written to the outbox. */
  events: number;
}

/** Options of {@link Hub.load}. */
export interface LoadOptions extends ActorOptions {
  /**
   * Records per batch; each batch is one transaction through the ingest pipeline. At most the Hub's
   * `maxBatchSize`. @default 5000 (or `maxBatchSize` when smaller)
   */
  batchSize?: number;
  /** Stops between batches (and rolls back the current one) with an `AbortedError`; committed batches stay. */
  signal?: CallOptions['signal'];
  /** Called after each committed batch with the running totals. */
  onProgress?: (progress: LoadProgress) => void;
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

/** Options of `hub.reviews.list()`. */
export interface ReviewListOptions extends CallOptions {
  /** Only items of this status. @default every status */
  status?: ReviewStatus;
  /** Items whose id sorts after this one (the last id of the previous page). */
  after?: string;
  /** @default 50 (at most 1000) */
  limit?: number;
}

/** Queries `find()` accepts: exactly one of them. */
export type FindQuery =
  | { email: string }
  | { phone: string }
  | { source: string; externalId: string; type?: PartyRecordType }
  | { name: string };
