import type { AbortSignalLike } from '../errors';
import type { JsonValue } from '../common';
import type { RecordType, SourceRecordInput } from '../source-record';

/** What an adapter can do with one kind of object. */
export interface ObjectCapabilities {
  /** Full reads. */
  read: boolean;
  /** Incremental reads from a checkpoint. */
  incremental: boolean;
  /** Write-back of changes to the vendor. */
  write: boolean;
  /** Change notifications by webhook. */
  webhooks: boolean;
  /** Reports deletions (tombstones). */
  deletes: boolean;
}

/** An adapter's capability matrix, per record type. Absent types are not supported at all. */
export interface AdapterCapabilities {
  objects: Partial<Record<RecordType, ObjectCapabilities>>;
  /** The adapter can erase a person in the vendor system (GDPR Art. 17), e.g. HubSpot's GDPR delete. */
  erase?: boolean;
}

/** What the Hub asks an adapter to erase: the records of one person in this adapter's source. */
export interface EraseRequest {
  /** The person's records in the vendor, by type and external id. */
  records: { type: RecordType; externalId: string }[];
  /** Normalised emails of the person (vendors such as HubSpot erase by email). */
  emails: string[];
}

/** What an adapter did for an {@link EraseRequest}. */
export interface EraseResult {
  status: 'erased' | 'failed';
  /** Records the vendor erased. */
  erased: number;
  detail?: string;
}

/**
 * A vendor object the adapter read but could not turn into a valid record (e.g. a value the model refuses). The
 * sync engine sets it aside in its dead-letter list, like a record the Hub refuses, and reads it again later.
 */
export interface RefusedSourceRecord {
  type: RecordType;
  externalId: string;
  /** Why, as an error code, e.g. `VALIDATION_FAILED`. */
  code: string;
  message: string;
  /** The first offending path in the mapped record, e.g. `data.givenName`. */
  path?: string;
}

/** A batch of records read from a vendor, and the checkpoint to resume after it. */
export interface SyncBatch {
  records: SourceRecordInput[];
  /** Opaque resume token; persisted by the sync engine after the batch is ingested. */
  checkpoint?: string;
  /** Objects of this batch the adapter could not map to valid records (optional: adapters that report them). */
  refused?: RefusedSourceRecord[];
  /**
   * From `readByIds`: the refs asked for that the vendor says it does not have (deleted or never there). The sync
   * engine clears the dead letters of these records, and only these; an adapter that cannot tell leaves it out
   * (and the letters stay).
   */
  notFound?: { type: RecordType; externalId: string }[];
}

/** Options of {@link Adapter.read}. */
export interface ReadOptions {
  /** Record types to read. @default every readable type */
  types?: readonly RecordType[];
  /** Resume incrementally from this checkpoint; a full read when absent. */
  checkpoint?: string;
  signal?: AbortSignalLike;
}

/** One change to write back to the vendor. */
export interface WriteChange {
  type: RecordType;
  /** The vendor's id; absent to create. */
  externalId?: string;
  operation: 'create' | 'update' | 'delete';
  /** Fields to write, in crmkit's model names. */
  data: Record<string, JsonValue>;
  /** Idempotency key, so a retried write does not duplicate (a retried create finds the record it made). */
  idempotencyKey: string;
  /**
   * What the Hub knew of the vendor record when it decided this change: the record's `observedAt` and the values of
   * the fields it writes, in model names. When the vendor's record changed after `observedAt` and a written field no
   * longer holds the known value, the adapter refuses the change with code `CONFLICT` instead of overwriting a newer
   * vendor value. Without `base` the write is unconditional.
   */
  base?: { observedAt: string; data: Record<string, JsonValue | null> };
}

/** Result of one {@link WriteChange}, in the order of the changes. */
export type WriteResult =
  | { ok: true; idempotencyKey: string; externalId: string }
  | {
      ok: false;
      idempotencyKey: string;
      /** `CONFLICT` (the vendor holds a newer value), `NOT_FOUND`, `VALIDATION_FAILED`, `VENDOR_ERROR`, ... */
      code: string;
      message: string;
      retryable: boolean;
      /** For `CONFLICT`: the vendor's current record, so the Hub can ingest the newer value. */
      current?: SourceRecordInput;
    };

/** An incoming HTTP request, runtime-neutral. */
export interface WebhookRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The raw body, exactly as received (signatures are computed over it). */
  body: string;
}

/**
 * One change notification from a verified webhook delivery. Deliveries can repeat and arrive out of order: `id` is
 * the vendor's event id (the inbox key that drops repeats) and `occurredAt` orders them.
 */
export interface WebhookEvent {
  /** The vendor's event id, unique per change (repeated deliveries carry the same id). */
  id: string;
  type: RecordType;
  externalId: string;
  /** `upsert`: the record was created or changed; `delete`: it was deleted; `associate`: its links changed. */
  action: 'upsert' | 'delete' | 'associate';
  occurredAt: string;
}

/**
 * The Adapter contract: a vendor CRM (HubSpot, Salesforce, Dynamics, Pipedrive ...) as a source of records.
 * Only `read` is required; the rest is advertised in `capabilities`.
 */
export interface Adapter {
  readonly specificationVersion: 'v1';
  /** Vendor id, e.g. `hubspot`. */
  readonly id: string;
  /** Source name records are tagged with, e.g. `hubspot-sales`. */
  readonly source: string;
  readonly capabilities: AdapterCapabilities;
  /** Reads records in batches (full, or incremental from a checkpoint). */
  read(options?: ReadOptions): AsyncIterable<SyncBatch>;
  /**
   * Reads the current state of records by type and external id (a batch without checkpoint); records the vendor no
   * longer has are left out (and listed in `notFound` when the vendor said so), objects it has but that do not map to
   * valid records are in `refused`.
   * Optional: the sync engine uses it to retry records the Hub refused (its dead-letter list), and falls back to
   * `resolveWebhook` when it is absent.
   */
  readByIds?(
    refs: readonly { type: RecordType; externalId: string }[],
    options?: { signal?: AbortSignalLike },
  ): Promise<SyncBatch>;
  /** Writes changes back to the vendor. Present only when some object advertises `write`. */
  write?(changes: readonly WriteChange[], options?: { signal?: AbortSignalLike }): Promise<WriteResult[]>;
  /** Erases a person in the vendor system (GDPR Art. 17). Present only when `capabilities.erase` is true. */
  erase?(request: EraseRequest, options?: { signal?: AbortSignalLike }): Promise<EraseResult>;
  /**
   * Verifies a webhook delivery's signature on the raw body and parses it into events. Throws a `CrmkitError` with
   * code `WEBHOOK_REJECTED` for a bad or stale signature. Present only when some object advertises `webhooks`.
   */
  parseWebhook?(request: WebhookRequest): Promise<WebhookEvent[]>;
  /**
   * Turns webhook events into records: the current state of changed records (read from the vendor, so a reordered
   * delivery never brings back an older value) and tombstones for deleted ones. Present with `parseWebhook`.
   * Objects the vendor has but that do not map to valid records are left out and, when the caller passes
   * `onRefused`, handed to it (the sync engine sets them aside in its dead-letter list).
   */
  resolveWebhook?(
    events: readonly WebhookEvent[],
    options?: { signal?: AbortSignalLike; onRefused?: (refused: RefusedSourceRecord) => void },
  ): Promise<SourceRecordInput[]>;
  close?(): Promise<void>;
}
