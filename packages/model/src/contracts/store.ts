import type { JsonValue } from '../common';
import type { AbortSignalLike } from '../errors';
import type { CustomerGroup } from '../engagement';
import type { Customer, CustomerStatus } from '../golden';
import type { AuditEntry } from '../governance';
import type { LiveSourceRecord, RecordType } from '../source-record';

/** A source record as the store keeps it, with the Hub's linking data. */
export interface StoredRecord {
  /** `source/type/externalId`, unique. */
  key: string;
  type: RecordType;
  source: string;
  externalId: string;
  observedAt: string;
  /** A tombstone kept so an older observation cannot resurrect the record. */
  deleted: boolean;
  /** The validated data; `null` for tombstones. */
  data: LiveSourceRecord['data'] | null;
  /** Stable hash of the content, to skip no-op updates. */
  contentHash: string;
  /** Deterministic identity keys (e.g. `person:email:ada@example.com`); records sharing one are linked. */
  matchKeys: string[];
  /** Keys of the parties this record refers to (interaction participants, opportunity customer). */
  refKeys: string[];
  /**
   * Blocking keys from the identity matcher: records sharing one are compared by the probabilistic engine. `[]` when
   * the Hub has no matcher, for records that are not parties, and for tombstones.
   */
  blockKeys: string[];
  /** The customer the record is linked to now (party records). */
  customerId: string | null;
  /** The customer the record was first linked to; decides ids when clusters split again. */
  homeId: string | null;
  /** Increases with every stored change of the record. */
  version: number;
  ingestedAt: string;
}

/** A customer as the store keeps it: the customer plus lookup keys for `find`. */
export interface CustomerRow extends Customer {
  /** Keys for lookups: `email:...`, `phone:...`, `name:...` tokens, `ext:source/type/id`. */
  lookupKeys: string[];
}

/** A manual merge: all records homed at `a` and all homed at `b` are one customer while the link exists. */
export interface MergeLink {
  id: string;
  a: string;
  b: string;
  createdAt: string;
  actor?: string;
  reason?: string;
}

/**
 * A record-to-record identity edge: while it exists, records `a` and `b` belong to one customer.
 *
 * - `auto` links are derived from the records' current content by the identity matcher: the Hub recomputes them
 *   whenever either record changes, and removes them when either is deleted.
 * - `accepted` links record a person's decision on a {@link ReviewItem}; they stay until someone unlinks them.
 */
export interface IdentityLink {
  id: string;
  /** Record key (`source/type/externalId`) of one side; `a < b` in code-unit order. */
  a: string;
  /** Record key of the other side. */
  b: string;
  kind: 'auto' | 'accepted';
  /** Match probability the matcher gave the pair, in [0, 1]. */
  probability: number;
  /** Why the pair matched: the matcher's per-field contributions, rule or guard. */
  explanation: JsonValue;
  createdAt: string;
  /** Who accepted the link (accepted links). */
  actor?: string;
  /** The review item an accepted link came from. */
  reviewId?: string;
}

/** Status of a {@link ReviewItem}. */
export type ReviewStatus = 'open' | 'accepted' | 'rejected';

/**
 * A pair of records the matcher was unsure about, for a person to decide; or a pair a person decided on. A
 * `rejected` pair is never linked automatically again nor proposed again; an `accepted` one became an
 * `accepted` {@link IdentityLink}. There is at most one item per pair.
 */
export interface ReviewItem {
  id: string;
  status: ReviewStatus;
  /** Record key of one side; `a < b` in code-unit order. */
  a: string;
  /** Record key of the other side. */
  b: string;
  /** `${a}|${b}`: finds the item of a pair. */
  pairKey: string;
  /** The customers the two records belonged to when the item was opened (or decided). */
  customerIds: string[];
  /** Match probability the matcher gave the pair, in [0, 1]. */
  probability: number;
  /** Why the pair scored so: the matcher's per-field contributions. */
  explanation: JsonValue;
  createdAt: string;
  decidedAt?: string;
  /** Who decided. */
  decidedBy?: string;
  /** Why, as the person deciding said. */
  reason?: string;
  /** The link an acceptance created (or, for a pair rejected by an unlink, the link that was removed). */
  linkId?: string;
}

/** An explicit override of one golden field. */
export interface FieldOverride {
  customerId: string;
  field: string;
  value: JsonValue;
  at: string;
  actor?: string;
  reason?: string;
}

/** One line of the journal: what changed identity or overrides, when, by whom. */
export interface JournalEntry {
  id: string;
  at: string;
  kind:
    | 'merge'
    | 'unmerge'
    | 'auto-merge'
    | 'split'
    | 'override'
    | 'override-cleared'
    /** An identity link was added (data: the link, with probability and explanation). */
    | 'link'
    /** An identity link was removed (by a person, or because the evidence for an auto link went away). */
    | 'unlink'
    /** A review item was accepted or rejected. */
    | 'review'
    /** Plugin fields were written on a customer through the plugin API (data: the values). */
    | 'fields';
  actor?: string;
  customerIds: string[];
  data: JsonValue;
}

/** An event waiting in (or delivered from) the outbox. */
export interface OutboxEvent {
  /** Unique event id. */
  id: string;
  /** Position in the outbox, assigned by the store on append. */
  seq?: number;
  type: string;
  at: string;
  payload: JsonValue;
  /**
   * Which operation wrote the event and on whose behalf, for outbox consumers (the Hub's reactions). Stores keep it
   * as given and return it from {@link StoreTransaction.listOutbox}; it holds no personal data, so redaction leaves it.
   */
  meta?: OutboxEventMeta;
}

/** What the Hub records about the operation that wrote an outbox event (see {@link OutboxEvent.meta}). */
export interface OutboxEventMeta {
  /** Id of the operation (the id of its first event); the events of one operation are appended together. */
  op: string;
  /** How many events the operation appended. */
  n: number;
  /** The plugin whose write this was (its own after-hooks skip it); absent for the app. */
  origin?: string;
}

/** One plugin field value, with when and by whom it was written. */
export interface ExtensionValue {
  value: JsonValue;
  at: string;
  actor?: string;
}

/**
 * A plugin's field values on one entity (`attributes.<namespace>.<field>`), written through the plugin API. For
 * customers (`entityType` `customer`) they follow the customer through merges and unmerges like overrides do, and
 * take part in survivorship with provenance `plugin:<namespace>`.
 */
export interface ExtensionRow {
  namespace: string;
  /** `customer` (the values follow the customer id). */
  entityType: string;
  entityId: string;
  /** Values by field name. */
  fields: Record<string, ExtensionValue>;
  updatedAt: string;
}

/** Lifecycle of a {@link WorkflowRun}. */
export type WorkflowRunStatus = 'pending' | 'running' | 'compensating' | 'completed' | 'compensated' | 'failed';

/** One line of a workflow run's history. */
export interface WorkflowRunHistoryEntry {
  at: string;
  step: string;
  /** `started`/`completed`/`failed` an attempt, `compensated` a step, `compensation-failed`, `resumed` after a crash. */
  action: 'started' | 'completed' | 'failed' | 'compensated' | 'compensation-failed' | 'resumed';
  attempt?: number;
  error?: { code: string; message: string };
}

/**
 * A durable workflow run. The host writes it after every step, so a run whose process died resumes (or
 * compensates) from its last recorded state when its lease has expired.
 */
export interface WorkflowRun {
  /** Deterministic for event and schedule triggers, so a trigger starts at most one run. */
  id: string;
  /** `<plugin>.<workflow>`. */
  workflow: string;
  status: WorkflowRunStatus;
  input: JsonValue;
  trigger: { kind: 'event' | 'schedule' | 'manual'; eventId?: string; slot?: string; key?: string };
  /** Running: index of the next step to run. Compensating: index of the next completed step to undo. */
  step: number;
  /** Attempts made of the current step. */
  attempt: number;
  /** Outputs of the completed steps, by step name. */
  results: Record<string, JsonValue>;
  /** Names of the steps that completed, in order (what compensation undoes). */
  completed: string[];
  history: WorkflowRunHistoryEntry[];
  error?: { code: string; message: string; step?: string };
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
  /** Not to be worked on before this time (retry backoff). */
  notBefore?: string;
  /** The worker holding the run, and until when; an expired lease may be taken over. */
  leaseOwner?: string;
  leaseUntil?: string;
  /** Increases on every write. */
  version: number;
}

/**
 * A governance document: policy versions, consent captures, contact arrangements, change requests, erasure
 * tombstones and similar low-volume records, kept by `kind` and `id`, with one lookup reference (`ref`, e.g. the
 * customer id of a consent capture).
 */
export interface StoredDocument {
  kind: string;
  id: string;
  /** What the document is about, for {@link StoreTransaction.listDocuments} (`null`: nothing). */
  ref: string | null;
  data: JsonValue;
  updatedAt: string;
}

/**
 * Kind of the link documents that tie a store document to a source record it is about: `ref` is the record key
 * (`source/type/externalId`), `data` is `{ kind, id }` of the document. Documents kept above the Hub that can hold a
 * person's values (the sync engine's dead-letter list) are written together with their links
 * ({@link recordDocumentLinks}); `gdpr.export` lists the linked documents of the person's records and `gdpr.erase`
 * deletes them with their links. Whoever deletes such a document deletes its links too.
 */
export const RECORD_DOCUMENT_KIND = 'crmkit.record-document';

/** The id of the {@link RECORD_DOCUMENT_KIND} link between document `kind`/`id` and one record key. */
export function recordDocumentLinkId(kind: string, id: string, recordKey: string): string {
  return `${kind}|${id}|${recordKey}`;
}

/**
 * The {@link RECORD_DOCUMENT_KIND} links that declare `document` to be about `recordKeys`, for the same transaction
 * that writes the document: erasure of a person whose records have one of these keys then deletes the document.
 */
export function recordDocumentLinks(
  document: Pick<StoredDocument, 'kind' | 'id' | 'updatedAt'>,
  recordKeys: readonly string[],
): StoredDocument[] {
  return [...new Set(recordKeys)].map((key) => ({
    kind: RECORD_DOCUMENT_KIND,
    id: recordDocumentLinkId(document.kind, document.id, key),
    ref: key,
    data: { kind: document.kind, id: document.id },
    updatedAt: document.updatedAt,
  }));
}

/** Paging options for lists ordered by id. */
export interface ListOptions {
  /** Return rows whose id sorts after this one. */
  after?: string;
  limit: number;
}

/**
 * Everything the Hub does to a store happens inside one transaction: either all of it is kept, or none.
 * Implementations must give each transaction a consistent view and serialise conflicting writers.
 *
 * Ownership: a store keeps no reference to a value passed in (it copies or serialises what it keeps), so the caller
 * may change the value afterwards. Values read are read-only for the caller: a store may hand out the objects it
 * keeps, deeply frozen (the in-memory store of `@crmkit/core` does), so code that wants to change one copies it
 * first. Arrays a call returns are the caller's.
 */
export interface StoreTransaction {
  getRecords(keys: readonly string[]): Promise<StoredRecord[]>;
  /** Insert or replace records by key. */
  putRecords(records: readonly StoredRecord[]): Promise<void>;
  /** Live party records that carry any of these match keys. */
  findRecordsByMatchKeys(matchKeys: readonly string[]): Promise<StoredRecord[]>;
  /**
   * Live records of one type that carry any of these blocking keys, ordered by key, at most `limit` of them (the
   * first ones in key order).
   */
  findRecordsByBlockKeys(
    blockKeys: readonly string[],
    options: { type: RecordType; limit: number },
  ): Promise<StoredRecord[]>;
  /**
   * Live records of one type observed before `observedBefore`, oldest first (ties by key), at most `limit`: what a
   * retention rule purges. A record whose `observedAt` the database cannot compare (year 0, stored before the time
   * bounds existed) counts as the oldest; it must not fail the call.
   */
  listRecords(options: { type: RecordType; observedBefore: string; limit: number }): Promise<StoredRecord[]>;
  /**
   * Live records of one source and type, ordered by external id (in the store's own consistent order) after `after`,
   * at most `limit`: how a sync engine walks what the Hub holds of a vendor, page by page, to find deletions.
   */
  listRecordsBySource(options: {
    source: string;
    type: RecordType;
    after?: string;
    limit: number;
  }): Promise<StoredRecord[]>;
  /** Live records that refer to any of these keys, optionally of one type. */
  findRecordsByRefKeys(refKeys: readonly string[], type?: RecordType): Promise<StoredRecord[]>;
  /** Live records linked to any of these customers. */
  listRecordsByCustomer(customerIds: readonly string[]): Promise<StoredRecord[]>;
  getCustomers(ids: readonly string[]): Promise<CustomerRow[]>;
  putCustomers(rows: readonly CustomerRow[]): Promise<void>;
  /** Customers ordered by id. */
  listCustomers(options: ListOptions & { status?: CustomerStatus }): Promise<CustomerRow[]>;
  /** Active customers carrying any of these lookup keys, ordered by id. */
  findCustomersByLookupKeys(keys: readonly string[], limit: number): Promise<CustomerRow[]>;
  getMergeLink(id: string): Promise<MergeLink | undefined>;
  /** Links that touch any of these home ids. */
  listMergeLinks(homeIds: readonly string[]): Promise<MergeLink[]>;
  putMergeLink(link: MergeLink): Promise<void>;
  deleteMergeLink(id: string): Promise<void>;
  getIdentityLink(id: string): Promise<IdentityLink | undefined>;
  /** Identity links that touch any of these record keys (as `a` or `b`), ordered by id. */
  listIdentityLinks(recordKeys: readonly string[]): Promise<IdentityLink[]>;
  /** Insert or replace an identity link by id. */
  putIdentityLink(link: IdentityLink): Promise<void>;
  /**
   * Insert or replace identity links by id, as one write: the same end state as a `putIdentityLink` of each in order
   * (the last of two with one id wins), at the cost of one statement rather than one per link. `[]` does nothing.
   */
  putIdentityLinks(links: readonly IdentityLink[]): Promise<void>;
  deleteIdentityLink(id: string): Promise<void>;
  /** Delete identity links by id, as one write; ids that do not exist (and repeated ids) are ignored. */
  deleteIdentityLinks(ids: readonly string[]): Promise<void>;
  getReviewItem(id: string): Promise<ReviewItem | undefined>;
  /** Review items of any of these pairs (`pairKey`), any status, ordered by id. */
  findReviewItems(pairKeys: readonly string[]): Promise<ReviewItem[]>;
  /** Review items ordered by id, optionally of one status. */
  listReviewItems(options: ListOptions & { status?: ReviewStatus }): Promise<ReviewItem[]>;
  /** Insert or replace a review item by id. */
  putReviewItem(item: ReviewItem): Promise<void>;
  getOverrides(customerIds: readonly string[]): Promise<FieldOverride[]>;
  putOverride(override: FieldOverride): Promise<void>;
  deleteOverride(customerId: string, field: string): Promise<void>;
  appendJournal(entries: readonly JournalEntry[]): Promise<void>;
  /** Journal entries, oldest first; filtered to those naming `customerId` when given. */
  listJournal(options: { customerId?: string; limit: number }): Promise<JournalEntry[]>;
  /** Append events; the store assigns `seq`. */
  appendOutbox(events: readonly OutboxEvent[]): Promise<void>;
  /** Events with `seq` greater than `after`, in order. */
  listOutbox(options: { after?: number; limit: number }): Promise<OutboxEvent[]>;
  /** Plugin field values of these entities, any namespace. */
  getExtensions(entityType: string, entityIds: readonly string[]): Promise<ExtensionRow[]>;
  /** Insert or replace by (namespace, entityType, entityId). */
  putExtension(row: ExtensionRow): Promise<void>;
  deleteExtension(namespace: string, entityType: string, entityId: string): Promise<void>;
  getWorkflowRun(id: string): Promise<WorkflowRun | undefined>;
  /** Insert or replace a run by id. */
  putWorkflowRun(run: WorkflowRun): Promise<void>;
  /** Runs ordered by id, optionally filtered by status and workflow. */
  listWorkflowRuns(
    options: ListOptions & { status?: readonly WorkflowRunStatus[]; workflow?: string },
  ): Promise<WorkflowRun[]>;
  /**
   * Appends audit entries. The caller assigns `seq` (the last entry's plus one) and the hashes; a store must refuse
   * (throw) an entry whose `seq` exists already, so two concurrent writers cannot both extend the chain.
   */
  appendAudit(entries: readonly AuditEntry[]): Promise<void>;
  /** The entry with the highest `seq`. */
  lastAudit(): Promise<AuditEntry | undefined>;
  /**
   * Entries in `seq` order after `after`, optionally only those of one target. An entry is returned with every
   * member it is stored with, and a store that keeps some members in separate columns (to filter on them) returns
   * the column values, so what a filter matched is what the chain verifies.
   */
  listAudit(options: { after?: number; limit: number; target?: string }): Promise<AuditEntry[]>;
  /**
   * Redacts every entry about these targets as {@link redactedAuditEntry} says (`changes: null`, `redacted: true`,
   * and on format-2 entries no `reason` and no `salt`); the rest of each entry, its commitments and hashes stay, so
   * the chain still verifies. Used by GDPR erasure, which lists the redacted `seq`s in its own entry. Entries with
   * action {@link UNREDACTABLE_AUDIT_ACTION} (`gdpr.erase`) are never redacted: they hold those lists. Returns how
   * many.
   */
  redactAudit(targets: readonly string[]): Promise<number>;
  getDocuments(kind: string, ids: readonly string[]): Promise<StoredDocument[]>;
  /** Insert or replace by (kind, id). */
  putDocument(document: StoredDocument): Promise<void>;
  deleteDocument(kind: string, id: string): Promise<void>;
  /** Documents of one kind ordered by id, optionally only those with this `ref`. */
  listDocuments(kind: string, options: ListOptions & { ref?: string }): Promise<StoredDocument[]>;
  /**
   * Replaces the `data` of journal entries naming any of these customers with `{ redacted: true }` (GDPR erasure:
   * merge snapshots and override values carry personal data). Returns how many.
   */
  redactJournal(customerIds: readonly string[]): Promise<number>;
  /**
   * Replaces with `{ redacted: true }` the payload of every outbox event whose payload mentions any of these ids
   * (customer ids, record keys: unique tokens, matched as JSON string values). Returns how many.
   */
  redactOutbox(ids: readonly string[]): Promise<number>;
  getGroups(ids?: readonly string[]): Promise<CustomerGroup[]>;
  putGroup(group: CustomerGroup): Promise<void>;
  deleteGroup(id: string): Promise<void>;
}

/** Options of {@link Store.transaction}. */
export interface TransactionOptions {
  /** Abort before the transaction commits; it is rolled back. */
  signal?: AbortSignalLike;
  /** The transaction only reads; a store may run it concurrently with others. */
  readOnly?: boolean;
}

/**
 * The Store contract: where the Hub keeps source records, customers, links, the journal and the outbox.
 * `@crmkit/core` ships an in-memory store; `@crmkit/store-postgres` implements it on PostgreSQL and PGlite.
 */
export interface Store {
  readonly specificationVersion: 'v1';
  /** Name for messages, e.g. `memory` or `postgres`. */
  readonly name: string;
  /** Runs `fn` in a transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: StoreTransaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Releases connections. */
  close(): Promise<void>;
}

/**
 * A store whose transactions are those of `inner` with some methods replaced: `override(tx)` returns the
 * replacements for one transaction, and each may call the original through `tx`. For tests and instrumentation:
 * injecting a fault into one method, counting calls.
 *
 * @example
 * ```ts
 * const refusing = overrideTransactions(store, (tx) => ({
 *   putRecords: async (records) => {
 *     if (records.some((r) => r.source === 'bad')) throw new Error('refused');
 *     return tx.putRecords(records);
 *   },
 * }));
 * ```
 */
export function overrideTransactions(
  inner: Store,
  override: (tx: StoreTransaction) => Partial<StoreTransaction>,
): Store {
  return {
    specificationVersion: inner.specificationVersion,
    name: inner.name,
    close: () => inner.close(),
    transaction: (fn, options) =>
      inner.transaction((tx) => {
        const replaced = override(tx) as Record<PropertyKey, unknown>;
        return fn(
          new Proxy(tx, {
            get: (target, prop, receiver) =>
              Object.hasOwn(replaced, prop) ? replaced[prop] : Reflect.get(target, prop, receiver),
          }),
        );
      }, options),
  };
}

/**
 * True when `value` holds one of `ids` as a JSON string value, at any depth (inside objects and arrays). Object keys,
 * numbers and substrings of longer strings do not count. The matching rule of {@link StoreTransaction.redactOutbox},
 * for store implementations.
 */
export function mentionsAnyId(value: unknown, ids: ReadonlySet<string>): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === 'string') {
      if (ids.has(current)) return true;
    } else if (Array.isArray(current)) {
      for (const item of current) stack.push(item);
    } else if (current !== null && typeof current === 'object') {
      for (const item of Object.values(current)) stack.push(item);
    }
  }
  return false;
}

/**
 * The audit action {@link StoreTransaction.redactAudit} never redacts: a GDPR erasure's entry, which lists the `seq`s
 * it redacted (a later erasure naming the same customer must not take that list away).
 */
export const UNREDACTABLE_AUDIT_ACTION = 'gdpr.erase';

/**
 * An audit entry as {@link StoreTransaction.redactAudit} leaves it: `changes: null`, `redacted: true`, and for a
 * format-2 entry (`v: 2`) without `salt` and without `reason` (its commitment `reasonDigest` stays). Every other
 * member is kept as it was. For store implementations.
 */
export function redactedAuditEntry(entry: AuditEntry): AuditEntry {
  const { salt: _salt, reason, ...rest } = entry;
  return {
    ...rest,
    ...(entry.v !== 2 && reason !== undefined ? { reason } : {}),
    changes: null,
    redacted: true,
  };
}
