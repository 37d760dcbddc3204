/** The model of the store contract the model-based test compares against, its bounds, and names inside a run. */

import type fc from 'fast-check';
import type {
  AuditEntry,
  CustomerRow,
  CustomerStatus,
  ExtensionRow,
  IdentityLink,
  JournalEntry,
  JsonValue,
  RecordType,
  ReviewItem,
  ReviewStatus,
  Store,
  StoredDocument,
  StoredRecord,
  WorkflowRun,
} from '@crmkit/model';
import { compareStrings } from '@crmkit/model';

export const RECORD_IDS = 6;
export const MATCH_KEYS = 5;
export const BLOCK_KEYS = 4;
export const IDENTITY_LINKS = 4;
export const REVIEWS = 4;
export const REF_KEYS = 4;
export const CUSTOMERS = 6;
export const LOOKUP_KEYS = 5;
export const EXTENSION_ENTITIES = 3;
export const WORKFLOW_RUNS = 3;
export const DOCUMENTS = 4;
export const AUDIT_TARGETS = 3;
export const MAX_COMMANDS = 60;
export const RECORD_TYPES = ['person', 'organization', 'interaction'] as const satisfies readonly RecordType[];
export const STATUSES = ['active', 'merged', 'deleted'] as const satisfies readonly CustomerStatus[];
export const REVIEW_STATUSES = ['open', 'accepted', 'rejected'] as const satisfies readonly ReviewStatus[];
export const PARTY_TYPES = ['person', 'organization'] as const satisfies readonly RecordType[];
export const EXTENSION_NAMESPACES = ['acme', 'beta'] as const;
export const EXTENSION_TYPES = ['customer', 'order'] as const;
export const EXTENSION_FIELDS = ['tier', 'score', 'flag'] as const;
export const WORKFLOWS = ['acme.sync', 'acme.notify'] as const;
export const DOCUMENT_KINDS = ['consent', 'policy'] as const;

export type ModelRecordType = (typeof RECORD_TYPES)[number];

/** The contract, as plain maps and lists. */
export interface Model {
  ns: string;
  /** Every record by key, tombstones included. */
  records: Map<string, StoredRecord>;
  customers: Map<string, CustomerRow>;
  identityLinks: Map<string, IdentityLink>;
  reviews: Map<string, ReviewItem>;
  /** Extension rows by {@link extensionKey}. */
  extensions: Map<string, ExtensionRow>;
  workflowRuns: Map<string, WorkflowRun>;
  /** Governance documents by {@link documentKey}. */
  documents: Map<string, StoredDocument>;
  /** The run's audit entries, in seq order (redactions applied). */
  audit: AuditEntry[];
  /** The head of the audit log when the run started. */
  auditBase: AuditEntry | undefined;
  /** The run's journal entries, in append order (redactions applied). */
  journal: JournalEntry[];
  nextJournal: number;
  /** Ids of the run's committed events, in append order. */
  outbox: string[];
  /** Payload of each committed event (redactions applied). */
  payloads: Map<string, JsonValue>;
  /** Seq of each committed event, once a read has seen it. */
  seqs: Map<string, number>;
  /** Last seq before the run started (`undefined` when the outbox was empty). */
  base: number | undefined;
  nextEvent: number;
  nextVersion: number;
}

export interface Real {
  store: Store;
}

export type Command = fc.AsyncCommand<Model, Real>;

/** Thrown inside a transaction to roll it back; the model stays unchanged. */
export class ModelRollback extends Error {
  constructor() {
    super('model-based test: rollback');
    this.name = 'ModelRollback';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Names inside a run's namespace
// ---------------------------------------------------------------------------------------------------------------

export const recordKey = (m: Model, type: ModelRecordType, id: number) => `${m.ns}/${type}/r${id}`;
export const matchKey = (m: Model, i: number) => `${m.ns}:m${i}`;
export const blockKey = (m: Model, i: number) => `${m.ns}:b${i}`;
export const identityLinkId = (m: Model, i: number) => `${m.ns}l${i}`;
export const reviewId = (m: Model, i: number) => `${m.ns}v${i}`;
export const refKey = (m: Model, i: number) => `${m.ns}:ref${i}`;
export const customerId = (m: Model, i: number) => `${m.ns}c${i}`;
export const lookupKey = (m: Model, i: number) => `${m.ns}:k${i}`;
export const extensionEntityId = (m: Model, i: number) => `${m.ns}x${i}`;
export const workflowRunId = (m: Model, i: number) => `${m.ns}w${i}`;
export const extensionKey = (row: Pick<ExtensionRow, 'namespace' | 'entityType' | 'entityId'>) =>
  JSON.stringify([row.namespace, row.entityType, row.entityId]);
export const documentId = (m: Model, i: number) => `${m.ns}d${i}`;
export const documentKey = (kind: string, id: string) => JSON.stringify([kind, id]);
export const auditTarget = (m: Model, i: number) => `${m.ns}:t${i}`;
/** The head of the audit log as the model has it. */
export const auditHead = (m: Model) => m.audit.at(-1) ?? m.auditBase;

/** True when `value` holds one of `ids` as a JSON string value, at any depth. */
export function mentionsAny(value: JsonValue, ids: ReadonlySet<string>): boolean {
  if (typeof value === 'string') return ids.has(value);
  if (Array.isArray(value)) return value.some((v) => mentionsAny(v, ids));
  if (value !== null && typeof value === 'object') return Object.values(value).some((v) => mentionsAny(v!, ids));
  return false;
}

export function allRecordKeys(m: Model): string[] {
  return RECORD_TYPES.flatMap((type) => Array.from({ length: RECORD_IDS }, (_, id) => recordKey(m, type, id)));
}

export const sortedRecords = (list: Iterable<StoredRecord>) => [...list].sort((a, b) => compareStrings(a.key, b.key));
export const sortedRows = (list: Iterable<CustomerRow>) => [...list].sort((a, b) => compareStrings(a.id, b.id));
export const liveRecords = (m: Model) => [...m.records.values()].filter((r) => !r.deleted);
