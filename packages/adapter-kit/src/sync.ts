/**
 * The sync engine: moves records between a vendor {@link Adapter} and a crmkit Hub, and back.
 *
 * - **Read** — full passes and incremental runs from the adapter's checkpoint. The checkpoint is stored in the Hub's
 *   store after each batch is ingested, so a crashed run resumes after the last batch that made it (a batch replayed
 *   after a crash changes nothing: ingest is idempotent).
 * - **Deletes** — a full pass records which records it saw; only when the pass completes are the source's records it
 *   did not see (and that nobody observed since the pass began) ingested as tombstones. A failed pass deletes nothing.
 * - **Write-back** — central changes (by default: fields a person overrode in the central view) are read from the
 *   Hub's outbox and written to the vendor in batches, each change once: a ledger in the store remembers what was
 *   written, and adapters make creates idempotent. A change the vendor has overtaken is refused by the adapter as
 *   `CONFLICT`; the engine ingests the vendor's newer record instead of overwriting it.
 * - **Webhooks** — deliveries are verified by the adapter, each event claimed in an inbox in the store before it is
 *   resolved (so concurrent copies of one delivery are processed once; a failed claim is released, a crashed one
 *   expires), and the records resolved and ingested.
 * - **Dead letters** — a record the Hub refuses (validation, or a store error the record causes) is set aside in a
 *   dead-letter list with the reason; the rest of its batch and of the pass goes in. Each later run (or
 *   {@link SyncEngine.retryDeadLetters}) reads the set-aside records again by id from the vendor and ingests them;
 *   an entry is cleared once its record goes in.
 *
 * Everything the engine keeps lives in the Hub's store as documents (kinds `crmkit.sync.*`), so it works on every
 * store and survives restarts.
 *
 * @module
 */
import {
  type AbortSignalLike,
  type Adapter,
  CrmkitError,
  ErrorCode,
  formatPath,
  InvalidArgumentError,
  type JsonValue,
  type RecordType,
  type RefusedSourceRecord,
  SECRET_PLACEHOLDER,
  type SourceRecordInput,
  type Store,
  type StoredDocument,
  type StoredRecord,
  StoreError,
  type SyncBatch,
  throwIfAborted,
  ValidationError,
  type WebhookEvent,
  type WebhookRequest,
  type WriteChange,
  type WriteResult,
  RECORD_DOCUMENT_KIND,
  recordDocumentLinkId,
  recordDocumentLinks,
} from '@crmkit/model';
import { EventEmitter } from 'eventemitter3';

/** Document kinds the sync engine keeps in the store. */
export const SYNC_DOCUMENT_KINDS = {
  state: 'crmkit.sync.state',
  seen: 'crmkit.sync.seen',
  inbox: 'crmkit.sync.inbox',
  write: 'crmkit.sync.write',
  deadLetter: 'crmkit.sync.dead-letter',
} as const;

/** What one `ingest()` call reported (the fields the engine reads of the Hub's `IngestResult`). */
export interface SyncIngestResult {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  suppressed?: number;
}

/**
 * The part of a crmkit Hub the engine uses. A `Hub` from `@crmkit/core` fits; adapters and the engine never import
 * `core` itself.
 */
export interface SyncHub {
  /** The Hub's store: checkpoints, seen sets, the webhook inbox and the write ledger live there. */
  readonly store: Store;
  /** Ingests source records (validated; all or nothing per call). */
  ingest(records: readonly unknown[], options?: { actor?: string; reason?: string }): Promise<SyncIngestResult>;
}

/** Where a read pass stands, as stored. */
export interface SyncState {
  /** Mode of the pass in progress, or of the last one. */
  mode: 'full' | 'incremental';
  /** The adapter's checkpoint after the last ingested batch; absent before the first batch of a first full pass. */
  checkpoint?: string;
  /** Set while a pass is running or was interrupted (and will be resumed). */
  running: boolean;
  /** Id of the current full pass (its seen set is stored under it). */
  passId?: string;
  /** When the current full pass began. */
  passStartedAt?: string;
  /** Seen-set chunks written by the current full pass. */
  seenChunks: number;
  /** When the last full pass completed. */
  lastFullAt?: string;
  /** When the last pass (any mode) completed. */
  lastCompletedAt?: string;
  /** Write-back: the outbox position up to which every change was handled. */
  outboxAfter?: number;
}

/** What one {@link SyncEngine.run} did. */
export interface SyncReport {
  mode: 'full' | 'incremental';
  /** True when the run resumed an interrupted pass. */
  resumed: boolean;
  batches: number;
  /** Records received from the adapter, with the objects it refused to map (see `deadLettered`). */
  records: number;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  /** Records refused by validation (reported through the `invalid` event) and left out. */
  invalid: number;
  /** Tombstones written by the sweep after a complete full pass. */
  tombstones: number;
  /** Records the Hub refused in this run, set aside in the dead-letter list (including the `invalid` ones). */
  deadLettered: number;
  /** Dead letters cleared in this run: their record went in (read again by the pass or by the retry). */
  deadLettersCleared: number;
  durationMs: number;
}

/**
 * A record the Hub refused, set aside so the rest of the pass could go in. Kept in the store (kind
 * `crmkit.sync.dead-letter`) until the record goes in: each run reads it again by id from the vendor.
 */
export interface SyncDeadLetter {
  /** Source of the record (the adapter's `source`). */
  source: string;
  type: RecordType;
  externalId: string;
  /** Code of the Hub's refusal, e.g. `VALIDATION_FAILED` or `STORE_FAILED`. */
  code: string;
  /** The refusal's message. */
  message: string;
  /** Where in the record the problem is (validation errors), e.g. `data.givenName`. */
  path?: string;
  /** When the record was first refused. */
  firstSeenAt: string;
  /** When it was last refused. */
  lastSeenAt: string;
  /** How many times it was refused (the first ingest and each retry). */
  attempts: number;
}

/** What one {@link SyncEngine.retryDeadLetters} did. */
export interface DeadLetterRetryReport {
  /** Dead letters whose record was read again from the vendor and offered to the Hub. */
  retried: number;
  /** Dead letters cleared: the record went in, or the vendor no longer has it. */
  cleared: number;
  /** Dead letters still open. */
  remaining: number;
  /**
   * False when the adapter cannot read records by id (no `resolveWebhook`): its dead letters then wait until the
   * record comes back through a read (changed at the vendor, or the next full pass).
   */
  supported: boolean;
}

/** What {@link SyncEngine.status} shows. */
export interface SyncStatus {
  name: string;
  /** True while a run of this engine is in progress. */
  running: boolean;
  /** The stored state, or `undefined` before the first run. */
  state: SyncState | undefined;
  /** Records set aside and not yet cleared (list them with {@link SyncEngine.deadLetters}). */
  deadLetters: number;
}

/** A record the Hub refused, and why. */
export interface SyncInvalidRecord {
  type: RecordType;
  externalId: string;
  error: ValidationError;
}

/** Per-change outcome of a write-back. */
export type WriteOutcome =
  | { status: 'written'; change: WriteChange; externalId: string }
  | { status: 'skipped'; change: WriteChange; reason: 'already-written' }
  | { status: 'conflict'; change: WriteChange; result: Extract<WriteResult, { ok: false }> }
  | { status: 'failed'; change: WriteChange; result: Extract<WriteResult, { ok: false }> };

/** What one write-back did. */
export interface WriteReport {
  written: number;
  /** Changes the ledger already held as written (a replay after a crash); not sent again. */
  skipped: number;
  /** Changes refused because the vendor holds a newer value; the vendor's record was ingested instead. */
  conflicts: number;
  /** Changes the vendor refused for good (not retryable, or retries exhausted within the run). */
  failed: number;
  /** Changes left for the next run because the vendor kept failing transiently. */
  deferred: number;
  outcomes: WriteOutcome[];
}

/** What one webhook delivery did. */
export interface WebhookReport {
  /**
   * HTTP status to answer the vendor with: 200 when every event is handled (now or before); 401 for a refused
   * delivery; 503 when another copy of an event is being processed right now (answer `Retry-After` with
   * {@link WebhookReport.retryAfterSeconds}): the vendor delivers again later, by when that copy has finished (the
   * repeat is then dropped) or failed and released its claim (the repeat is then processed).
   */
  status: 200 | 401 | 503;
  events: number;
  /** Events the inbox already held as processed (repeated deliveries). */
  duplicates: number;
  /** Events another copy of the delivery is processing right now (status 503). */
  inProgress: number;
  records: number;
  /** Why the delivery was refused (status 401). */
  rejected?: string;
  /** With status 503: seconds to put in `Retry-After`. */
  retryAfterSeconds?: number;
}

/** Events of a {@link SyncEngine}. */
export interface SyncEvents {
  /** After each ingested batch. */
  progress: [progress: { mode: 'full' | 'incremental'; batches: number; records: number; checkpoint?: string }];
  /** A record the Hub refused as invalid; it is set aside (see `dead-letter`) and the run goes on. */
  invalid: [record: SyncInvalidRecord];
  /** A record the Hub refused was set aside in the dead-letter list (or refused again); the run goes on. */
  'dead-letter': [letter: SyncDeadLetter];
  /** A dead letter was cleared: its record went in, or the vendor no longer has it (`gone`). */
  'dead-letter-cleared': [info: { type: RecordType; externalId: string; reason: 'ingested' | 'gone' }];
  /** Retrying the dead letters after a completed run failed (the run itself completed); the next run retries. */
  'retry-failed': [error: CrmkitError];
  /** The sweep after a complete full pass wrote tombstones. */
  tombstones: [info: { type: RecordType; count: number }];
  /** A write-back change lost to a newer vendor value. */
  conflict: [outcome: Extract<WriteOutcome, { status: 'conflict' }>];
  /** A write-back change the vendor refused for good. */
  'write-failed': [outcome: Extract<WriteOutcome, { status: 'failed' }>];
  /** A run completed. */
  completed: [report: SyncReport];
  /** A run failed; its checkpoint is kept. */
  failed: [error: CrmkitError];
}

/**
 * Decides which changed golden fields are central changes to write back: gets the field's provenance source (e.g.
 * `crmkit:override`, `plugin:sales`, `salesforce`). Default: only `crmkit:override` (edits made in the central view).
 */
export type WriteBackFilter = (field: string, provenanceSource: string) => boolean;

/** Options of {@link createSyncEngine}. */
export interface SyncEngineOptions {
  hub: SyncHub;
  adapter: Adapter;
  /** Name of this sync (its documents are keyed by it). @default adapter.source */
  name?: string;
  /** Record types to read. @default every type the adapter can read */
  types?: readonly RecordType[];
  /**
   * Batches read ahead of the one being ingested. The vendor's next page is fetched while the Hub ingests this one,
   * and after a slow answer or a retry the reader catches up with the vendor's rate window instead of carrying the
   * delay to the end of the pass. Checkpoints are still stored in order, after each ingested batch. @default 4
   */
  readAhead?: number;
  /** Records per `ingest()` call for tombstones. @default 500 */
  sweepBatchSize?: number;
  /** Changes per `adapter.write()` call. @default 100 */
  writeBatchSize?: number;
  /** Attempts of a change that fails transiently, within one write-back run. @default 3 */
  writeAttempts?: number;
  /** Golden fields written back, in model names. @default givenName, familyName, jobTitle, lifecycleStage, name, domain, industry, employees */
  writeFields?: readonly string[];
  /** Which changes count as central. @default provenance `crmkit:override` */
  writeFilter?: WriteBackFilter;
  /** Actor recorded on ingests. @default `sync:<name>` */
  actor?: string;
  /**
   * Read the dead letters' records again by id from the vendor after each completed run (needs an adapter that
   * resolves webhooks). @default true
   */
  retryDeadLetters?: boolean;
  /**
   * How long a webhook event's claim in the inbox holds before another copy of the delivery may take it over (the
   * process handling it died). Keep it above the time a delivery takes to resolve and ingest. @default 300000
   */
  webhookClaimMs?: number;
  /** Clock in milliseconds. @default Date.now */
  now?: () => number;
  /** Waits between write retries. @default setTimeout-based */
  sleep?: (ms: number) => Promise<void>;
}

/** Options of {@link SyncEngine.run}. */
export interface SyncRunOptions {
  /**
   * `auto` resumes an interrupted pass, else runs incrementally from the checkpoint, else a full pass. `full` starts
   * a new full pass (an interrupted one is abandoned; its seen set is dropped). @default 'auto'
   */
  mode?: 'auto' | 'full' | 'incremental';
  signal?: AbortSignalLike;
}

/** A sync between one adapter and a Hub. Create it with {@link createSyncEngine}. */
export interface SyncEngine extends EventEmitter<SyncEvents> {
  readonly name: string;
  /** Reads from the vendor into the Hub (see {@link SyncRunOptions.mode}). One run at a time per engine. */
  run(options?: SyncRunOptions): Promise<SyncReport>;
  /** Writes changes to the vendor through the ledger: each change once, in batches, with per-change outcomes. */
  push(changes: readonly WriteChange[], options?: { signal?: AbortSignalLike }): Promise<WriteReport>;
  /** Writes central changes from the Hub's outbox back to the vendor, from where the last write-back stopped. */
  writeBack(options?: { signal?: AbortSignalLike; limit?: number }): Promise<WriteReport>;
  /**
   * Verifies a webhook delivery, claims its events in the inbox (each event is processed once, however many copies
   * arrive at the same time), and ingests what changed. Never throws for a bad signature: answers 401. Answers 503
   * for events another copy is processing right now. Throws when resolving or ingesting fails: the claims are
   * released, so the vendor's retry is processed.
   */
  handleWebhook(request: WebhookRequest, options?: { signal?: AbortSignalLike }): Promise<WebhookReport>;
  /** Where the sync stands: its state and how many records sit in the dead-letter list. */
  status(): Promise<SyncStatus>;
  /** The dead-letter list: records the Hub refused, with the reason, ordered by type and external id. */
  deadLetters(options?: { limit?: number }): Promise<SyncDeadLetter[]>;
  /**
   * Reads the dead letters' records again by id from the vendor and ingests them: an entry is cleared when its
   * record goes in (or the vendor no longer has it), else its `attempts` grows. Runs after each completed run too
   * (see {@link SyncEngineOptions.retryDeadLetters}).
   */
  retryDeadLetters(options?: { signal?: AbortSignalLike }): Promise<DeadLetterRetryReport>;
  /** Drops inbox entries older than `olderThanMs` (vendors stop redelivering after a few days). Returns how many. */
  pruneInbox(olderThanMs: number): Promise<number>;
  /** The stored state, or `undefined` before the first run. */
  state(): Promise<SyncState | undefined>;
  /** Forgets the checkpoint and any interrupted pass: the next `auto` run is a full pass. */
  reset(): Promise<void>;
}

const DEFAULT_WRITE_FIELDS = [
  'givenName',
  'familyName',
  'jobTitle',
  'lifecycleStage',
  'name',
  'domain',
  'industry',
  'employees',
];

const PARTY_TYPES: ReadonlySet<RecordType> = new Set(['person', 'organization']);

const emptyClaim = { mine: [] as WebhookEvent[], done: 0, busy: 0, busyUntil: 0 };

function syncError(message: string, cause: unknown): CrmkitError {
  if (CrmkitError.isInstance(cause) && cause.code === ErrorCode.ABORTED) return cause;
  return new CrmkitError({ code: ErrorCode.SYNC_FAILED, message, cause });
}

/**
 * Pulls up to `depth` items of `source` ahead of the consumer. Items (and a failure) arrive in order: a failure of a
 * read-ahead pull surfaces only after every item before it was consumed.
 */
async function* readAhead<T>(source: AsyncIterable<T>, depth: number): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  if (depth <= 0) {
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  const queue: Promise<IteratorResult<T>>[] = [];
  let finished = false;
  const pull = () => {
    if (finished) return;
    const next = iterator.next();
    next.then(
      (r) => {
        if (r.done) finished = true;
      },
      () => {
        finished = true;
      },
    );
    queue.push(next);
  };
  try {
    for (let i = 0; i <= depth; i++) pull();
    for (;;) {
      const next = await (queue.shift() as Promise<IteratorResult<T>>);
      if (next.done) return;
      pull();
      yield next.value;
    }
  } finally {
    // Pending pulls settle on their own (an async generator runs them one after another); then it is closed.
    await Promise.allSettled(queue);
    await iterator.return?.();
  }
}

function emptyReport(mode: SyncReport['mode'], resumed: boolean): SyncReport {
  return {
    mode,
    resumed,
    batches: 0,
    records: 0,
    created: 0,
    updated: 0,
    deleted: 0,
    unchanged: 0,
    invalid: 0,
    tombstones: 0,
    deadLettered: 0,
    deadLettersCleared: 0,
    durationMs: 0,
  };
}

function recordId(type: string, externalId: string): string {
  return `${type}/${externalId}`;
}

/** The key of the source record a dead letter is about (`source/type/externalId`). */
function letterRecordKey(letter: Pick<SyncDeadLetter, 'source' | 'type' | 'externalId'>): string {
  return `${letter.source}/${letter.type}/${letter.externalId}`;
}

/**
 * Refusals that say the Hub cannot work right now, whatever the records: the run stops (and resumes later) instead
 * of setting records aside.
 */
const NOT_ABOUT_A_RECORD: ReadonlySet<string> = new Set([
  ErrorCode.ABORTED,
  ErrorCode.CONFLICT,
  ErrorCode.CLOSED,
  ErrorCode.TIMEOUT,
  ErrorCode.PERMISSION_DENIED,
  ErrorCode.UNSUPPORTED_SPECIFICATION_VERSION,
  ErrorCode.VENDOR_ERROR,
  ErrorCode.RATE_LIMITED,
  ErrorCode.SYNC_FAILED,
  'STORE_LOCKED',
]);

/**
 * Batches at least this large whose every record is refused with one identical error of unknown cause stop the run
 * (see `systemicRefusal`).
 */
const SYSTEMIC_BATCH = 4;

/**
 * SQLSTATE classes a record's data can cause: data exception (22), integrity constraint violation (23), program limit
 * exceeded (54). Any other class (a dropped connection 08, shutdown or cancel 57, out of resources 53 ...) is the
 * database failing: the run stops and resumes later instead of setting good records aside.
 */
const RECORD_SQL_CLASSES: ReadonlySet<string> = new Set(['22', '23', '54']);

/** The SQLSTATE of a store refusal, when the store gave one. */
function sqlStateOf(error: unknown): string | undefined {
  return StoreError.isInstance(error) ? error.sqlState : undefined;
}

/** Longest message or path kept in a dead letter. */
const LETTER_TEXT = 1000;

function clip(text: string): string {
  return text.length > LETTER_TEXT ? `${text.slice(0, LETTER_TEXT)}...` : text;
}

/** Where in the record a validation error points: its first issue's path without the batch index. */
function pathInRecord(error: ValidationError): string {
  const path = error.issues[0]?.path ?? [];
  return error.index !== undefined && path[0] === error.index ? formatPath(path.slice(1)) : formatPath(path);
}

/**
 * Whether a refusal of an ingest may be caused by one of its records (bad data the store or Hub refuses). A
 * validation error that names no record (the ingest's options, say) is not; a store refusal with a SQLSTATE is only
 * when its class is one data causes.
 */
function recordMayCause(error: unknown): boolean {
  if (ValidationError.isInstance(error)) return error.index !== undefined;
  const state = sqlStateOf(error);
  if (state !== undefined) return RECORD_SQL_CLASSES.has(state.slice(0, 2));
  if (CrmkitError.isInstance(error)) return !NOT_ABOUT_A_RECORD.has(error.code);
  // A raw error out of the Hub (e.g. a RangeError from a deeply nested value) is about the data it was given.
  return error instanceof Error;
}

/**
 * Creates a sync engine between an adapter and a Hub.
 *
 * @example
 * ```ts
 * const sync = createSyncEngine({ hub, adapter: createHubspot({ credentials: { type: 'token', token } }) });
 * sync.on('progress', (p) => console.log(p.records));
 * await sync.run();               // full pass first, incremental afterwards
 * await sync.writeBack();         // central edits to HubSpot
 * ```
 */
export function createSyncEngine(options: SyncEngineOptions): SyncEngine {
  const { hub, adapter } = options;
  const name = options.name ?? adapter.source;
  const now = options.now ?? Date.now;
  const actor = options.actor ?? `sync:${name}`;
  const sweepBatchSize = options.sweepBatchSize ?? 500;
  const readAheadDepth = options.readAhead ?? 4;
  const writeBatchSize = options.writeBatchSize ?? 100;
  const writeAttempts = options.writeAttempts ?? 3;
  const retryAfterRuns = options.retryDeadLetters ?? true;
  const claimMs = options.webhookClaimMs ?? 300_000;
  const writeFields = new Set(options.writeFields ?? DEFAULT_WRITE_FIELDS);
  const writeFilter: WriteBackFilter = options.writeFilter ?? ((_field, source) => source === 'crmkit:override');
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const readable = (Object.entries(adapter.capabilities.objects) as [RecordType, { read: boolean; deletes: boolean }][])
    .filter(([, c]) => c.read)
    .map(([type]) => type);
  const types = options.types ?? readable;
  for (const type of types) {
    if (!readable.includes(type)) {
      throw new InvalidArgumentError({
        argument: 'types',
        message: `[crmkit/adapter-kit] Adapter "${adapter.id}" cannot read "${type}" records.`,
      });
    }
  }
  const sweepTypes = types.filter((type) => adapter.capabilities.objects[type]?.deletes);
  const iso = () => new Date(now()).toISOString();

  const emitter = new EventEmitter<SyncEvents>();
  let running: Promise<unknown> | undefined;
  /** One run or write-back at a time mutates the state document (webhooks do not touch it). */
  let stateLock: Promise<unknown> = Promise.resolve();
  const withStateLock = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = stateLock.then(fn, fn);
    stateLock = next.catch(() => undefined);
    return next;
  };

  async function loadState(): Promise<SyncState | undefined> {
    const [doc] = await hub.store.transaction((tx) => tx.getDocuments(SYNC_DOCUMENT_KINDS.state, [name]), {
      readOnly: true,
    });
    return doc ? (doc.data as unknown as SyncState) : undefined;
  }

  function stateDocument(state: SyncState): StoredDocument {
    return {
      kind: SYNC_DOCUMENT_KINDS.state,
      id: name,
      ref: null,
      data: JSON.parse(JSON.stringify(state)) as JsonValue,
      updatedAt: iso(),
    };
  }

  async function saveState(state: SyncState, extra: readonly StoredDocument[] = []): Promise<void> {
    await hub.store.transaction(async (tx) => {
      for (const doc of extra) await tx.putDocument(doc);
      await tx.putDocument(stateDocument(state));
    });
  }

  // ---- ingest and dead letters ------------------------------------------------------------------------------------

  const letterId = (type: string, externalId: string) => `${name}:${recordId(type, externalId)}`;
  /** Ids of the open dead letters, as last loaded or changed by this engine (to clear them without a read). */
  let openLetters: Set<string> | undefined;

  async function listLetterDocs(limit = Number.POSITIVE_INFINITY): Promise<StoredDocument[]> {
    const out: StoredDocument[] = [];
    let after: string | undefined;
    while (out.length < limit) {
      const page = await hub.store.transaction(
        (tx) =>
          tx.listDocuments(SYNC_DOCUMENT_KINDS.deadLetter, {
            ref: name,
            limit: Math.min(500, limit - out.length),
            ...(after ? { after } : {}),
          }),
        { readOnly: true },
      );
      out.push(...page);
      if (page.length < 500) break;
      after = page.at(-1)?.id;
    }
    return out;
  }

  /** How many dead letters are open, page by page (no page is kept). */
  async function countLetters(): Promise<number> {
    let count = 0;
    let after: string | undefined;
    for (;;) {
      const page = await hub.store.transaction(
        (tx) =>
          tx.listDocuments(SYNC_DOCUMENT_KINDS.deadLetter, { ref: name, limit: 500, ...(after ? { after } : {}) }),
        { readOnly: true },
      );
      count += page.length;
      if (page.length < 500) return count;
      after = page.at(-1)?.id;
    }
  }

  async function loadOpenLetters(): Promise<Set<string>> {
    openLetters = new Set((await listLetterDocs()).map((d) => d.id));
    return openLetters;
  }

  /** A store that answers a read is working: a refusal it gave was about the data written, not the store. */
  async function storeWorks(): Promise<boolean> {
    try {
      await hub.store.transaction((tx) => tx.getDocuments(SYNC_DOCUMENT_KINDS.state, [name]), { readOnly: true });
      return true;
    } catch {
      return false;
    }
  }

  /** A record the Hub refused (`error`), or an object the adapter could not map (`refused`). */
  type Refusal = { record: SourceRecordInput; error: unknown } | { refused: RefusedSourceRecord };

  /**
   * Ingests `records`, isolating records the Hub refuses: a validation error that names an index drops that record;
   * any other refusal a record can cause splits the batch in halves until the refused records are alone. Returns
   * the records that went in; refused ones are added to `refused`. A record refused alone is tried once more before
   * it is set aside (a passing fault). Errors that say the Hub cannot work now (aborted, conflicts, closed, a
   * validation error naming no record, a store SQLSTATE outside classes 22/23/54, or a store that no longer answers)
   * are thrown.
   */
  async function ingestIsolating(
    records: SourceRecordInput[],
    report: SyncReport,
    refused: Refusal[],
  ): Promise<SourceRecordInput[]> {
    let remaining = records;
    let retried = false;
    while (remaining.length > 0) {
      try {
        const result = await hub.ingest(remaining, { actor, reason: `sync ${name}` });
        report.created += result.created;
        report.updated += result.updated;
        report.deleted += result.deleted;
        report.unchanged += result.unchanged;
        return remaining;
      } catch (error) {
        if (!recordMayCause(error)) throw error;
        const index = ValidationError.isInstance(error) ? error.index : undefined;
        const named = index === undefined ? undefined : remaining[index];
        if (named) {
          refused.push({ record: named, error });
          remaining = remaining.filter((_, i) => i !== index);
          continue;
        }
        if (remaining.length === 1) {
          if (!retried) {
            retried = true;
            continue;
          }
          if (!ValidationError.isInstance(error) && sqlStateOf(error) === undefined && !(await storeWorks())) {
            throw error;
          }
          refused.push({ record: remaining[0] as SourceRecordInput, error });
          return [];
        }
        const half = Math.ceil(remaining.length / 2);
        const first = await ingestIsolating(remaining.slice(0, half), report, refused);
        const second = await ingestIsolating(remaining.slice(half), report, refused);
        return [...first, ...second];
      }
    }
    return [];
  }

  /**
   * Ingests records; a record the Hub refuses is set aside in the dead-letter list (and reported through the
   * `dead-letter` event, and `invalid` for validation errors), the rest go in. Dead letters of records that went in
   * are cleared. With `guard`, a batch whose every record is refused with one identical non-validation error stops
   * the run instead (the Hub is failing, not the records).
   */
  async function ingest(records: SourceRecordInput[], report: SyncReport, guard = true): Promise<void> {
    const refused: Refusal[] = [];
    const ingested = await ingestIsolating(records, report, refused);
    // (Not when retrying dead letters: those records were refused before, all of them may be refused again.)
    const systemic = guard ? systemicRefusal(records.length, refused) : undefined;
    if (systemic !== undefined) throw systemic;
    const open = openLetters ?? (await loadOpenLetters());
    if (refused.length > 0) await setAside(refused, report);
    const cleared = [
      ...new Map(
        ingested
          .filter((r) => open.has(letterId(r.type, r.externalId)))
          .map((r) => [letterId(r.type, r.externalId), r]),
      ).values(),
    ].filter(
      (r) => !refused.some((f) => 'record' in f && f.record.type === r.type && f.record.externalId === r.externalId),
    );
    if (cleared.length > 0) await clearLetters(cleared, 'ingested', report);
  }

  /**
   * Every record of a batch (of several) refused with one and the same error of unknown cause: that is the Hub
   * failing (a plugin that throws on everything, say), not the records. Refusals whose cause is known to be the
   * record's data (a validation error naming it, a store SQLSTATE of class 22/23/54) are never systemic, however many
   * records share them; known systemic causes were thrown already (see `recordMayCause`). Returns the error to stop
   * the run on.
   */
  function systemicRefusal(size: number, refused: readonly Refusal[]): unknown {
    if (refused.length < size) return undefined;
    const errors = refused.map((r) => ('error' in r ? r.error : undefined));
    if (errors.some((e) => e === undefined || ValidationError.isInstance(e) || sqlStateOf(e) !== undefined)) {
      return undefined;
    }
    if (size < SYSTEMIC_BATCH) return undefined;
    const [first] = errors;
    if (first === undefined) return undefined;
    const code = CrmkitError.isInstance(first) ? first.code : undefined;
    const message = first instanceof Error ? first.message : String(first);
    const same = errors.every(
      (e) =>
        e !== undefined &&
        !ValidationError.isInstance(e) &&
        (CrmkitError.isInstance(e) ? e.code : undefined) === code &&
        (e instanceof Error ? e.message : String(e)) === message,
    );
    return same ? first : undefined;
  }

  function letterOf(refusal: Refusal, at: string): SyncDeadLetter {
    if ('refused' in refusal) {
      const { type, externalId, code, message, path } = refusal.refused;
      return {
        source: adapter.source,
        type,
        externalId,
        code,
        message: clip(message),
        ...(path !== undefined ? { path: clip(path) } : {}),
        firstSeenAt: at,
        lastSeenAt: at,
        attempts: 1,
      };
    }
    const { record, error } = refusal;
    return {
      source: record.source,
      type: record.type,
      externalId: record.externalId,
      code: CrmkitError.isInstance(error) ? error.code : ErrorCode.STORE_FAILED,
      message: clip(error instanceof Error ? error.message : String(error)),
      ...(ValidationError.isInstance(error) ? { path: clip(pathInRecord(error)) } : {}),
      firstSeenAt: at,
      lastSeenAt: at,
      attempts: 1,
    };
  }

  async function setAside(refused: readonly Refusal[], report: SyncReport): Promise<void> {
    const at = iso();
    const letters = new Map<string, SyncDeadLetter>();
    for (const refusal of refused) {
      const letter = letterOf(refusal, at);
      letters.set(letterId(letter.type, letter.externalId), letter);
    }
    const stored = await hub.store.transaction(async (tx) => {
      const known = new Map(
        (await tx.getDocuments(SYNC_DOCUMENT_KINDS.deadLetter, [...letters.keys()])).map((d) => [
          d.id,
          d.data as unknown as SyncDeadLetter,
        ]),
      );
      const out: SyncDeadLetter[] = [];
      for (const [id, letter] of letters) {
        const before = known.get(id);
        const next = before ? { ...letter, firstSeenAt: before.firstSeenAt, attempts: before.attempts + 1 } : letter;
        await tx.putDocument({
          kind: SYNC_DOCUMENT_KINDS.deadLetter,
          id,
          ref: name,
          data: JSON.parse(JSON.stringify(next)) as JsonValue,
          updatedAt: at,
        });
        // The message can quote the person's value: erasure of the record's person deletes the letter.
        for (const link of recordDocumentLinks({ kind: SYNC_DOCUMENT_KINDS.deadLetter, id, updatedAt: at }, [
          letterRecordKey(next),
        ])) {
          await tx.putDocument(link);
        }
        out.push(next);
      }
      return out;
    });
    for (const id of letters.keys()) openLetters?.add(id);
    report.deadLettered += refused.length;
    for (const refusal of refused) {
      if ('record' in refusal && ValidationError.isInstance(refusal.error)) {
        report.invalid++;
        const { record, error } = refusal;
        emitter.emit('invalid', { type: record.type, externalId: record.externalId, error });
      }
    }
    for (const letter of stored) emitter.emit('dead-letter', letter);
  }

  async function clearLetters(
    records: readonly { type: RecordType; externalId: string }[],
    reason: 'ingested' | 'gone',
    report?: SyncReport,
  ): Promise<number> {
    const ids = records.map((r) => letterId(r.type, r.externalId));
    const removed = await hub.store.transaction(async (tx) => {
      const docs = await tx.getDocuments(SYNC_DOCUMENT_KINDS.deadLetter, ids);
      for (const doc of docs) {
        await tx.deleteDocument(SYNC_DOCUMENT_KINDS.deadLetter, doc.id);
        const key = letterRecordKey(doc.data as unknown as SyncDeadLetter);
        await tx.deleteDocument(
          RECORD_DOCUMENT_KIND,
          recordDocumentLinkId(SYNC_DOCUMENT_KINDS.deadLetter, doc.id, key),
        );
      }
      return new Set(docs.map((d) => d.id));
    });
    for (const id of ids) openLetters?.delete(id);
    let count = 0;
    for (const record of records) {
      if (!removed.has(letterId(record.type, record.externalId))) continue;
      count++;
      emitter.emit('dead-letter-cleared', { type: record.type, externalId: record.externalId, reason });
    }
    if (report) report.deadLettersCleared += count;
    return count;
  }

  /** Reads records again by id: `adapter.readByIds`, else `resolveWebhook` with upsert events; absent: neither. */
  const readByIds: ((refs: readonly SyncDeadLetter[], signal?: AbortSignalLike) => Promise<SyncBatch>) | undefined =
    adapter.readByIds
      ? (refs, signal) =>
          (adapter.readByIds as NonNullable<Adapter['readByIds']>)(
            refs.map((l) => ({ type: l.type, externalId: l.externalId })),
            signal ? { signal } : {},
          )
      : adapter.resolveWebhook
        ? async (refs, signal) => {
            const at = iso();
            const events: WebhookEvent[] = refs.map((l) => ({
              id: `crmkit:retry:${recordId(l.type, l.externalId)}`,
              type: l.type,
              externalId: l.externalId,
              action: 'upsert',
              occurredAt: at,
            }));
            const resolve = adapter.resolveWebhook as NonNullable<Adapter['resolveWebhook']>;
            const refused: RefusedSourceRecord[] = [];
            const records = await resolve(events, { ...(signal ? { signal } : {}), onRefused: (r) => refused.push(r) });
            return refused.length > 0 ? { records, refused } : { records };
          }
        : undefined;

  async function retryDeadLetters(
    signal?: AbortSignalLike,
    report?: SyncReport,
    skip?: ReadonlySet<string>,
  ): Promise<DeadLetterRetryReport> {
    const all = (await listLetterDocs()).map((d) => d.data as unknown as SyncDeadLetter);
    openLetters = new Set(all.map((l) => letterId(l.type, l.externalId)));
    const letters = all.filter((l) => !skip?.has(letterId(l.type, l.externalId)));
    const out: DeadLetterRetryReport = { retried: 0, cleared: 0, remaining: all.length, supported: true };
    if (!readByIds) return { ...out, supported: false };
    const counts = report ?? emptyReport('incremental', false);
    const clearedBefore = counts.deadLettersCleared;
    for (let i = 0; i < letters.length; i += 100) {
      throwIfAborted(signal);
      const chunk = letters.slice(i, i + 100);
      const batch = await readByIds(chunk, signal);
      out.retried += chunk.length;
      await ingestBatch(batch, counts, false);
      // Cleared as gone only on the adapter's word: a record it did not return may be out of its reach for now.
      const returned = new Set([...batch.records, ...(batch.refused ?? [])].map((r) => recordId(r.type, r.externalId)));
      const notFound = new Set((batch.notFound ?? []).map((r) => recordId(r.type, r.externalId)));
      const gone = chunk.filter(
        (l) => notFound.has(recordId(l.type, l.externalId)) && !returned.has(recordId(l.type, l.externalId)),
      );
      if (gone.length > 0) await clearLetters(gone, 'gone', counts);
    }
    out.cleared = counts.deadLettersCleared - clearedBefore;
    out.remaining = openLetters.size;
    return out;
  }

  /** Ingests a batch read from the vendor and sets aside the objects the adapter refused. */
  async function ingestBatch(batch: SyncBatch, report: SyncReport, guard = true): Promise<void> {
    if (batch.records.length > 0) await ingest(batch.records, report, guard);
    if (batch.refused && batch.refused.length > 0) {
      await setAside(
        batch.refused.map((refused) => ({ refused })),
        report,
      );
    }
  }

  async function sweep(state: SyncState, report: SyncReport, signal?: AbortSignalLike): Promise<void> {
    const passRef = `${name}:${state.passId}`;
    const seen = new Set<string>();
    let after: string | undefined;
    for (;;) {
      const page = await hub.store.transaction(
        (tx) => tx.listDocuments(SYNC_DOCUMENT_KINDS.seen, { ref: passRef, limit: 200, ...(after ? { after } : {}) }),
        { readOnly: true },
      );
      for (const doc of page) for (const id of doc.data as string[]) seen.add(id);
      if (page.length < 200) break;
      after = page.at(-1)?.id;
    }
    const startedAt = state.passStartedAt ?? iso();
    const started = Date.parse(startedAt);
    for (const type of sweepTypes) {
      let cursor: string | undefined;
      let count = 0;
      for (;;) {
        throwIfAborted(signal);
        const page: StoredRecord[] = await hub.store.transaction(
          (tx) =>
            tx.listRecordsBySource({
              source: adapter.source,
              type,
              limit: sweepBatchSize,
              ...(cursor ? { after: cursor } : {}),
            }),
          { readOnly: true },
        );
        // Not seen by the pass, and not observed since it began (a webhook may have brought it in meanwhile).
        const gone = page.filter(
          (r) => !seen.has(recordId(r.type, r.externalId)) && Date.parse(r.observedAt) < started,
        );
        if (gone.length > 0) {
          await ingest(
            gone.map((r) => ({
              type: r.type,
              source: r.source,
              externalId: r.externalId,
              observedAt: startedAt,
              deleted: true as const,
            })),
            report,
          );
          count += gone.length;
        }
        if (page.length < sweepBatchSize) break;
        cursor = page.at(-1)?.externalId;
      }
      report.tombstones += count;
      if (count > 0) emitter.emit('tombstones', { type, count });
    }
  }

  async function dropSeen(passId: string | undefined): Promise<void> {
    if (!passId) return;
    const ref = `${name}:${passId}`;
    for (;;) {
      const page = await hub.store.transaction((tx) => tx.listDocuments(SYNC_DOCUMENT_KINDS.seen, { ref, limit: 500 }));
      if (page.length === 0) return;
      await hub.store.transaction(async (tx) => {
        for (const doc of page) await tx.deleteDocument(SYNC_DOCUMENT_KINDS.seen, doc.id);
      });
    }
  }

  async function runOnce(runOptions: SyncRunOptions): Promise<SyncReport> {
    const { signal } = runOptions;
    const mode = runOptions.mode ?? 'auto';
    const startedMs = now();
    const stored = await loadState();
    let state: SyncState;
    let resumed = false;
    const fresh = !stored || (!stored.checkpoint && !stored.running);
    if (mode === 'incremental' && fresh) {
      throw new InvalidArgumentError({
        argument: 'mode',
        message: `[crmkit/adapter-kit] Sync "${name}" has no checkpoint yet: run a full pass first.`,
      });
    }
    if (mode === 'full' || fresh || !stored) {
      if (stored?.running && stored.mode === 'full') await dropSeen(stored.passId);
      state = {
        ...(stored ?? { seenChunks: 0 }),
        mode: 'full',
        running: true,
        passId: `${startedMs.toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
        passStartedAt: iso(),
        seenChunks: 0,
      };
      delete state.checkpoint;
    } else {
      resumed = stored.running;
      state = { ...stored, running: true, mode: stored.running ? stored.mode : 'incremental' };
      if (mode === 'incremental' && state.mode === 'full') {
        throw new InvalidArgumentError({
          argument: 'mode',
          message: `[crmkit/adapter-kit] Sync "${name}" has an interrupted full pass; resume it with mode 'auto' or start over with 'full'.`,
        });
      }
    }
    await saveState(state);
    const report = emptyReport(state.mode, resumed);
    /**
     * Records this run read (and so offered to the Hub already) that are open dead letters: the retry after the pass
     * leaves them alone. Only letters are kept, not every id of the pass.
     */
    const tried = new Set<string>();
    try {
      await loadOpenLetters();
      const reading = readAhead(
        adapter.read({
          types,
          ...(state.checkpoint ? { checkpoint: state.checkpoint } : {}),
          ...(signal ? { signal } : {}),
        }),
        readAheadDepth,
      );
      for await (const batch of reading) {
        throwIfAborted(signal);
        await ingestBatch(batch, report);
        for (const r of [...batch.records, ...(batch.refused ?? [])]) {
          const id = letterId(r.type, r.externalId);
          if (openLetters?.has(id)) tried.add(id);
        }
        report.batches++;
        report.records += batch.records.length + (batch.refused?.length ?? 0);
        const extra: StoredDocument[] = [];
        if (state.mode === 'full' && batch.records.length + (batch.refused?.length ?? 0) > 0) {
          extra.push({
            kind: SYNC_DOCUMENT_KINDS.seen,
            // Zero-padded so the documents list in pass order; a replayed batch overwrites its own chunk.
            id: `${name}:${state.passId}:${String(state.seenChunks).padStart(8, '0')}`,
            ref: `${name}:${state.passId}`,
            // Objects the adapter refused are seen too: the sweep must not delete the version the Hub holds.
            data: [
              ...batch.records.filter((r) => !r.deleted).map((r) => recordId(r.type, r.externalId)),
              ...(batch.refused ?? []).map((r) => recordId(r.type, r.externalId)),
            ],
            updatedAt: iso(),
          });
          state.seenChunks++;
        }
        if (batch.checkpoint !== undefined) state.checkpoint = batch.checkpoint;
        await saveState(state, extra);
        emitter.emit('progress', {
          mode: state.mode,
          batches: report.batches,
          records: report.records,
          ...(state.checkpoint ? { checkpoint: state.checkpoint } : {}),
        });
      }
      if (state.mode === 'full') {
        await sweep(state, report, signal);
        await dropSeen(state.passId);
        state.lastFullAt = iso();
        delete state.passId;
        delete state.passStartedAt;
        state.seenChunks = 0;
      }
      state.running = false;
      state.mode = 'incremental';
      state.lastCompletedAt = iso();
      await saveState(state);
    } catch (error) {
      const failure = syncError(
        `[crmkit/adapter-kit] Sync "${name}" stopped after ${report.batches} batch(es); the next run resumes from the last checkpoint.`,
        error,
      );
      emitter.emit('failed', failure);
      throw failure;
    }
    if (retryAfterRuns && (openLetters?.size ?? 0) > 0) {
      try {
        await retryDeadLetters(signal, report, tried);
      } catch (error) {
        // The pass completed and is saved; the dead letters stay and the next run retries them.
        emitter.emit(
          'retry-failed',
          syncError(
            `[crmkit/adapter-kit] Sync "${name}" could not retry its dead letters; the next run tries again.`,
            error,
          ),
        );
      }
    }
    report.durationMs = now() - startedMs;
    emitter.emit('completed', report);
    return report;
  }

  // ---- write-back -------------------------------------------------------------------------------------------------

  interface LedgerEntry {
    status: 'written' | 'conflict' | 'failed';
    externalId?: string;
    code?: string;
  }

  async function push(changes: readonly WriteChange[], signal?: AbortSignalLike): Promise<WriteReport> {
    if (!adapter.write) {
      throw new InvalidArgumentError({
        argument: 'adapter',
        message: `[crmkit/adapter-kit] Adapter "${adapter.id}" cannot write back.`,
      });
    }
    const keys = changes.map((c) => c.idempotencyKey);
    if (new Set(keys).size !== keys.length) {
      throw new InvalidArgumentError({
        argument: 'changes',
        message: '[crmkit/adapter-kit] Each change needs its own idempotencyKey.',
      });
    }
    const report: WriteReport = { written: 0, skipped: 0, conflicts: 0, failed: 0, deferred: 0, outcomes: [] };
    const ledger = new Map<string, LedgerEntry>();
    for (let i = 0; i < keys.length; i += 500) {
      const docs = await hub.store.transaction(
        (tx) =>
          tx.getDocuments(
            SYNC_DOCUMENT_KINDS.write,
            keys.slice(i, i + 500).map((k) => `${name}:${k}`),
          ),
        { readOnly: true },
      );
      for (const doc of docs) ledger.set(doc.id.slice(name.length + 1), doc.data as unknown as LedgerEntry);
    }
    let pending: WriteChange[] = [];
    for (const change of changes) {
      const entry = ledger.get(change.idempotencyKey);
      if (entry) {
        report.skipped++;
        report.outcomes.push({ status: 'skipped', change, reason: 'already-written' });
      } else pending.push(change);
    }
    for (let attempt = 1; pending.length > 0 && attempt <= writeAttempts; attempt++) {
      if (attempt > 1) await sleep(Math.min(10_000, 250 * 2 ** attempt));
      const retry: WriteChange[] = [];
      for (let i = 0; i < pending.length; i += writeBatchSize) {
        throwIfAborted(signal);
        const batch = pending.slice(i, i + writeBatchSize);
        let results: WriteResult[];
        try {
          results = await adapter.write(batch, signal ? { signal } : {});
        } catch (error) {
          if (CrmkitError.isInstance(error) && error.code === ErrorCode.ABORTED) throw error;
          // The whole call failed (rate limit budget spent, vendor down): every change of it stays pending.
          results = batch.map((c) => ({
            ok: false as const,
            idempotencyKey: c.idempotencyKey,
            code: CrmkitError.isInstance(error) ? error.code : ErrorCode.VENDOR_ERROR,
            message: error instanceof Error ? error.message : String(error),
            retryable: true,
          }));
        }
        const byKey = new Map(results.map((r) => [r.idempotencyKey, r]));
        const docs: StoredDocument[] = [];
        const newer: SourceRecordInput[] = [];
        for (const change of batch) {
          const result = byKey.get(change.idempotencyKey);
          if (!result) {
            retry.push(change);
            continue;
          }
          if (result.ok) {
            report.written++;
            report.outcomes.push({ status: 'written', change, externalId: result.externalId });
            docs.push(ledgerDoc(change, { status: 'written', externalId: result.externalId }));
          } else if (result.code === ErrorCode.CONFLICT) {
            report.conflicts++;
            const outcome = { status: 'conflict' as const, change, result };
            report.outcomes.push(outcome);
            docs.push(ledgerDoc(change, { status: 'conflict', code: result.code }));
            if (result.current) newer.push(result.current);
            emitter.emit('conflict', outcome);
          } else if (result.retryable && attempt < writeAttempts) {
            retry.push(change);
          } else if (result.retryable) {
            report.deferred++;
          } else {
            report.failed++;
            const outcome = { status: 'failed' as const, change, result };
            report.outcomes.push(outcome);
            docs.push(ledgerDoc(change, { status: 'failed', code: result.code }));
            emitter.emit('write-failed', outcome);
          }
        }
        if (newer.length > 0) {
          const ignored = emptyReport('incremental', false);
          await ingest(newer, ignored);
        }
        if (docs.length > 0) {
          await hub.store.transaction(async (tx) => {
            for (const doc of docs) await tx.putDocument(doc);
          });
        }
      }
      pending = retry;
    }
    return report;
  }

  function ledgerDoc(change: WriteChange, entry: LedgerEntry): StoredDocument {
    return {
      kind: SYNC_DOCUMENT_KINDS.write,
      id: `${name}:${change.idempotencyKey}`,
      ref: name,
      data: { ...entry } as unknown as JsonValue,
      updatedAt: iso(),
    };
  }

  type CustomerFields = Record<string, { value: JsonValue; provenance?: { source?: string } }>;
  interface CustomerPayload {
    customer?: { id?: string; golden?: { fields?: CustomerFields } };
    changedFields?: string[];
  }

  /**
   * Changes for one page of outbox events: for each `customer.updated`, the changed central fields, for each of the
   * customer's records in this source. One store read for the whole page.
   */
  async function changesFor(
    events: readonly { id: string; type: string; payload: JsonValue }[],
  ): Promise<WriteChange[]> {
    const wanted: { eventId: string; customerId: string; fields: CustomerFields; names: string[] }[] = [];
    for (const event of events) {
      if (event.type !== 'customer.updated') continue;
      const payload = event.payload as unknown as CustomerPayload;
      const customer = payload.customer;
      if (!customer?.id || !customer.golden?.fields) continue;
      const fields = customer.golden.fields;
      const names = (payload.changedFields ?? []).filter((field) => {
        const golden = fields[field];
        return writeFields.has(field) && golden !== undefined && writeFilter(field, golden.provenance?.source ?? '');
      });
      if (names.length > 0) wanted.push({ eventId: event.id, customerId: customer.id, fields, names });
    }
    if (wanted.length === 0) return [];
    const ids = [...new Set(wanted.map((w) => w.customerId))];
    // Events carry SECRET_PLACEHOLDER for secret fields (`policy.secretFields`): their values come from the
    // customers as they are now, read with the records.
    const secret = wanted.some((w) => w.names.some((field) => w.fields[field]?.value === SECRET_PLACEHOLDER));
    const { records, current } = await hub.store.transaction(
      async (tx) => ({
        records: await tx.listRecordsByCustomer(ids),
        current: secret ? await tx.getCustomers(ids) : [],
      }),
      { readOnly: true },
    );
    const currentFields = new Map(current.map((c) => [c.id, c.golden.fields]));
    const byCustomer = new Map<string, StoredRecord[]>();
    for (const record of records) {
      if (record.source !== adapter.source || !PARTY_TYPES.has(record.type) || record.deleted) continue;
      if (!adapter.capabilities.objects[record.type]?.write || !record.customerId) continue;
      byCustomer.set(record.customerId, [...(byCustomer.get(record.customerId) ?? []), record]);
    }
    const changes: WriteChange[] = [];
    for (const { eventId, customerId, fields, names } of wanted) {
      for (const record of byCustomer.get(customerId) ?? []) {
        const known = (record.data ?? {}) as Record<string, JsonValue>;
        const data: Record<string, JsonValue> = {};
        const base: Record<string, JsonValue | null> = {};
        for (const field of names) {
          let value = fields[field]?.value;
          if (value === SECRET_PLACEHOLDER) value = currentFields.get(customerId)?.[field]?.value;
          if (value === undefined || JSON.stringify(known[field]) === JSON.stringify(value)) continue;
          data[field] = value;
          base[field] = known[field] ?? null;
        }
        if (Object.keys(data).length === 0) continue;
        changes.push({
          type: record.type,
          externalId: record.externalId,
          operation: 'update',
          data,
          idempotencyKey: `${eventId}:${record.key}`,
          base: { observedAt: record.observedAt, data: base },
        });
      }
    }
    return changes;
  }

  async function writeBack(signal?: AbortSignalLike, limit = 500): Promise<WriteReport> {
    const total: WriteReport = { written: 0, skipped: 0, conflicts: 0, failed: 0, deferred: 0, outcomes: [] };
    const state: SyncState = (await loadState()) ?? { mode: 'full', running: false, seenChunks: 0 };
    for (;;) {
      throwIfAborted(signal);
      const after = state.outboxAfter;
      const events = await hub.store.transaction(
        (tx) => tx.listOutbox({ limit, ...(after !== undefined ? { after } : {}) }),
        { readOnly: true },
      );
      if (events.length === 0) break;
      const report = await push(await changesFor(events), signal);
      total.written += report.written;
      total.skipped += report.skipped;
      total.conflicts += report.conflicts;
      total.failed += report.failed;
      total.deferred += report.deferred;
      total.outcomes.push(...report.outcomes);
      if (report.deferred > 0) break; // the vendor keeps failing: stay at this page, the ledger skips what went out
      state.outboxAfter = events.at(-1)?.seq ?? state.outboxAfter;
      const latest = (await loadState()) ?? state;
      await saveState({ ...latest, ...(state.outboxAfter !== undefined ? { outboxAfter: state.outboxAfter } : {}) });
      if (events.length < limit) break;
    }
    return total;
  }

  // ---- webhooks ---------------------------------------------------------------------------------------------------

  /**
   * An inbox entry. Absent: never seen. `claimed`: a copy of the delivery is processing the event, until `until`
   * (a claim past `until` belongs to a process that died and may be taken over). `done` (or no status: entries
   * written before claims existed): processed.
   */
  interface InboxEntry {
    status?: 'claimed' | 'done';
    owner?: string;
    until?: string;
    occurredAt?: string;
  }

  /**
   * Claims the events in one transaction: every store runs it atomically (the memory store serialises
   * transactions, PGlite has one connection, PostgreSQL runs it SERIALIZABLE and retries the loser, which then sees
   * the winner's claim). Returns the events this call now owns, and which ones are done or claimed by another copy.
   */
  async function claimEvents(
    events: readonly WebhookEvent[],
    owner: string,
  ): Promise<{ mine: WebhookEvent[]; done: number; busy: number; busyUntil: number }> {
    const byId = new Map(events.map((e) => [`${name}:${e.id}`, e]));
    return hub.store.transaction(async (tx) => {
      const at = now();
      const entries = new Map(
        (await tx.getDocuments(SYNC_DOCUMENT_KINDS.inbox, [...byId.keys()])).map((d) => [
          d.id,
          d.data as unknown as InboxEntry,
        ]),
      );
      const mine: WebhookEvent[] = [];
      let done = 0;
      let busy = 0;
      let busyUntil = at;
      for (const [id, event] of byId) {
        const entry = entries.get(id);
        if (entry && entry.status !== 'claimed') {
          done++;
          continue;
        }
        const until = entry?.until ? Date.parse(entry.until) : Number.NaN;
        if (entry && until > at) {
          busy++;
          busyUntil = Math.max(busyUntil, until);
          continue;
        }
        mine.push(event);
        await tx.putDocument({
          kind: SYNC_DOCUMENT_KINDS.inbox,
          id,
          ref: name,
          data: { status: 'claimed', owner, until: new Date(at + claimMs).toISOString() },
          updatedAt: new Date(at).toISOString(),
        });
      }
      return { mine, done, busy, busyUntil };
    });
  }

  /** Drops this owner's claims (processing failed), so a retried delivery is processed. */
  async function releaseClaims(events: readonly WebhookEvent[], owner: string): Promise<void> {
    const ids = events.map((e) => `${name}:${e.id}`);
    await hub.store.transaction(async (tx) => {
      for (const doc of await tx.getDocuments(SYNC_DOCUMENT_KINDS.inbox, ids)) {
        const entry = doc.data as unknown as InboxEntry;
        if (entry.status === 'claimed' && entry.owner === owner) {
          await tx.deleteDocument(SYNC_DOCUMENT_KINDS.inbox, doc.id);
        }
      }
    });
  }

  async function handleWebhook(request: WebhookRequest, signal?: AbortSignalLike): Promise<WebhookReport> {
    if (!adapter.parseWebhook || !adapter.resolveWebhook) {
      throw new InvalidArgumentError({
        argument: 'adapter',
        message: `[crmkit/adapter-kit] Adapter "${adapter.id}" does not take webhooks.`,
      });
    }
    let events: Awaited<ReturnType<NonNullable<Adapter['parseWebhook']>>>;
    try {
      events = await adapter.parseWebhook(request);
    } catch (error) {
      if (CrmkitError.isInstance(error) && error.code === ErrorCode.WEBHOOK_REJECTED) {
        return { status: 401, events: 0, duplicates: 0, inProgress: 0, records: 0, rejected: error.message };
      }
      throw error;
    }
    // Each event once even when a delivery repeats it.
    const unique = [...new Map(events.map((e) => [e.id, e])).values()];
    const owner = `${now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    const { mine, done, busy, busyUntil } = unique.length > 0 ? await claimEvents(unique, owner) : emptyClaim;
    const report: WebhookReport = {
      status: busy > 0 ? 503 : 200,
      events: events.length,
      duplicates: events.length - unique.length + done,
      inProgress: busy,
      records: 0,
      ...(busy > 0 ? { retryAfterSeconds: Math.max(1, Math.ceil((busyUntil - now()) / 1000)) } : {}),
    };
    if (mine.length === 0) return report;
    try {
      const refused: RefusedSourceRecord[] = [];
      const records = await adapter.resolveWebhook(mine, {
        ...(signal ? { signal } : {}),
        onRefused: (r) => refused.push(r),
      });
      // Objects that do not map go to the dead-letter list like the records the Hub refuses.
      await ingestBatch({ records, ...(refused.length > 0 ? { refused } : {}) }, emptyReport('incremental', false));
      report.records = records.length + refused.length;
      // After the ingest: a crash in between leaves the claim to expire, and the vendor's retry is processed then
      // (ingest is idempotent). A failed write of `done` releases the claims like a failed ingest.
      const at = iso();
      await hub.store.transaction(async (tx) => {
        for (const event of mine) {
          await tx.putDocument({
            kind: SYNC_DOCUMENT_KINDS.inbox,
            id: `${name}:${event.id}`,
            ref: name,
            data: { status: 'done', occurredAt: event.occurredAt },
            updatedAt: at,
          });
        }
      });
    } catch (error) {
      await releaseClaims(mine, owner).catch(() => undefined);
      throw error;
    }
    return report;
  }

  async function pruneInbox(olderThanMs: number): Promise<number> {
    const cutoff = now() - olderThanMs;
    let removed = 0;
    let after: string | undefined;
    for (;;) {
      const page = await hub.store.transaction(
        (tx) => tx.listDocuments(SYNC_DOCUMENT_KINDS.inbox, { ref: name, limit: 500, ...(after ? { after } : {}) }),
        { readOnly: true },
      );
      const old = page.filter((d) => Date.parse(d.updatedAt) < cutoff);
      if (old.length > 0) {
        await hub.store.transaction(async (tx) => {
          for (const doc of old) await tx.deleteDocument(SYNC_DOCUMENT_KINDS.inbox, doc.id);
        });
        removed += old.length;
      }
      if (page.length < 500) return removed;
      after = page.at(-1)?.id;
    }
  }

  const engine = Object.assign(emitter, {
    name,
    run(runOptions: SyncRunOptions = {}): Promise<SyncReport> {
      if (running) {
        return Promise.reject(
          new CrmkitError({
            code: ErrorCode.CONFLICT,
            message: `[crmkit/adapter-kit] Sync "${name}" is already running.`,
          }),
        );
      }
      const run = withStateLock(() => runOnce(runOptions));
      running = run;
      return run.finally(() => {
        running = undefined;
      });
    },
    push(changes: readonly WriteChange[], pushOptions: { signal?: AbortSignalLike } = {}) {
      return push(changes, pushOptions.signal);
    },
    writeBack(writeOptions: { signal?: AbortSignalLike; limit?: number } = {}) {
      return withStateLock(() => writeBack(writeOptions.signal, writeOptions.limit));
    },
    handleWebhook(request: WebhookRequest, webhookOptions: { signal?: AbortSignalLike } = {}) {
      return handleWebhook(request, webhookOptions.signal);
    },
    pruneInbox,
    state: loadState,
    async status(): Promise<SyncStatus> {
      const [state, deadLetters] = await Promise.all([loadState(), countLetters()]);
      return { name, running: running !== undefined, state, deadLetters };
    },
    async deadLetters(listOptions: { limit?: number } = {}): Promise<SyncDeadLetter[]> {
      return (await listLetterDocs(listOptions.limit)).map((d) => d.data as unknown as SyncDeadLetter);
    },
    retryDeadLetters(retryOptions: { signal?: AbortSignalLike } = {}): Promise<DeadLetterRetryReport> {
      return retryDeadLetters(retryOptions.signal);
    },
    async reset() {
      await withStateLock(async () => {
        const stored = await loadState();
        if (!stored) return;
        await dropSeen(stored.passId);
        await hub.store.transaction((tx) => tx.deleteDocument(SYNC_DOCUMENT_KINDS.state, name));
      });
    },
  });
  return engine as SyncEngine;
}
