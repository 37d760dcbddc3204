/**
 * The sync engine's public types: options, reports, stored state, events, and the document kinds it keeps.
 *
 * @module
 */
import type {
  AbortSignalLike,
  Adapter,
  CrmkitError,
  RecordType,
  SourceRecordInput,
  Store,
  ValidationError,
  WebhookRequest,
  WriteChange,
  WriteResult,
} from '@crmkit/model';
import type { EventEmitter } from 'eventemitter3';

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
  /**
   * The Hub's bulk path (`hub.load` of `@crmkit/core`): the engine uses it for the first full pass of a source the
   * Hub holds nothing of yet, one call per group of pages with `batchSize` the group's size (so one transaction,
   * all or nothing, like `ingest`). Optional: without it, that pass ingests its groups with `ingest`.
   */
  load?(
    records: Iterable<SourceRecordInput>,
    options?: { actor?: string; reason?: string; batchSize?: number },
  ): Promise<SyncIngestResult>;
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
  /**
   * Set while the current full pass is a first load (the Hub held none of the source's records when it began): its
   * pages are grouped into large batches for the Hub's bulk path. Kept when the pass is resumed.
   */
  initialLoad?: boolean;
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
  /** Present (true) when the run was (or resumed) a first full pass through the Hub's bulk path, in large batches. */
  initialLoad?: true;
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
  /**
   * The first full pass of a source the Hub holds nothing of yet groups the adapter's pages into batches of about
   * this many records (never splitting a page) and ingests each group through the Hub's bulk path (`hub.load`), one
   * transaction per group; the checkpoint and the seen set are stored after each group, so an interrupted load
   * resumes from its last group. `0` turns it off (every page is one `ingest()`). Off by default for now: the grouped
   * pass fetches a group's pages back to back, and under a vendor's rate limit with injected 429s (the HubSpot
   * randomised fault runs) it exhausted the HTTP client's retries and stopped syncs the page-by-page pass survives.
   * @default 0
   */
  initialLoadBatchSize?: number;
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
