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

/** A batch of records read from a vendor, and the checkpoint to resume after it. */
export interface SyncBatch {
  records: SourceRecordInput[];
  /** Opaque resume token; persisted by the sync engine after the batch is ingested. */
  checkpoint?: string;
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
  /** Idempotency key, so a retried write does not duplicate. */
  idempotencyKey: string;
}

/** Result of one {@link WriteChange}. */
export type WriteResult =
  | { ok: true; idempotencyKey: string; externalId: string }
  | { ok: false; idempotencyKey: string; code: string; message: string; retryable: boolean };

/** An incoming HTTP request, runtime-neutral. */
export interface WebhookRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The raw body, exactly as received (signatures are computed over it). */
  body: string;
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
  /** Writes changes back to the vendor. Present only when some object advertises `write`. */
  write?(changes: readonly WriteChange[], options?: { signal?: AbortSignalLike }): Promise<WriteResult[]>;
  /** Erases a person in the vendor system (GDPR Art. 17). Present only when `capabilities.erase` is true. */
  erase?(request: EraseRequest, options?: { signal?: AbortSignalLike }): Promise<EraseResult>;
  /** Verifies and parses a webhook delivery into records. Present only when some object advertises `webhooks`. */
  parseWebhook?(request: WebhookRequest): Promise<SourceRecordInput[]>;
  close?(): Promise<void>;
}
