import type { JsonValue } from '../common';
import type { AbortSignalLike } from '../errors';
import type { CustomerGroup } from '../engagement';
import type { Customer, CustomerStatus } from '../golden';
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
  kind: 'merge' | 'unmerge' | 'auto-merge' | 'split' | 'override' | 'override-cleared';
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
 */
export interface StoreTransaction {
  getRecords(keys: readonly string[]): Promise<StoredRecord[]>;
  /** Insert or replace records by key. */
  putRecords(records: readonly StoredRecord[]): Promise<void>;
  /** Live party records that carry any of these match keys. */
  findRecordsByMatchKeys(matchKeys: readonly string[]): Promise<StoredRecord[]>;
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
