/**
 * The model-based test of the store conformance suite: fast-check generates random sequences of writes (records,
 * tombstones, customers, status changes, outbox appends, identity links, review items, plugin extension rows, workflow
 * runs, journal entries, audit entries, governance documents, and redactions of the audit log, the journal and the
 * outbox, some in transactions that then throw) and reads, runs them against the store and against a simple
 * in-memory model of the contract, and compares every read.
 *
 * Each run works in its own namespace (source, keys and ids start with `m000001`...), so runs share one store
 * without seeing each other: earlier runs' customer ids all sort before the current namespace, the outbox is read
 * from the last seq of the previous run and the audit log from the head the run started at. Internal to
 * `@crmkit/testing`.
 *
 * @module
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type {
  AuditEntry,
  CustomerRow,
  CustomerStatus,
  ExtensionRow,
  IdentityLink,
  JournalEntry,
  JsonValue,
  OutboxEvent,
  RecordType,
  ReviewItem,
  ReviewStatus,
  Store,
  StoredDocument,
  StoredRecord,
  StoreTransaction,
  WorkflowRun,
  WorkflowRunStatus,
} from '@crmkit/model';
import { redactedAuditEntry } from '@crmkit/model';
import { byExtensionKey, compare, hex64, T1, T2, WORKFLOW_RUN_STATUSES } from './fixtures';

const RECORD_IDS = 6;
const MATCH_KEYS = 5;
const BLOCK_KEYS = 4;
const IDENTITY_LINKS = 4;
const REVIEWS = 4;
const REF_KEYS = 4;
const CUSTOMERS = 6;
const LOOKUP_KEYS = 5;
const EXTENSION_ENTITIES = 3;
const WORKFLOW_RUNS = 3;
const DOCUMENTS = 4;
const AUDIT_TARGETS = 3;
const MAX_COMMANDS = 60;
const RECORD_TYPES = ['person', 'organization', 'interaction'] as const satisfies readonly RecordType[];
const STATUSES = ['active', 'merged', 'deleted'] as const satisfies readonly CustomerStatus[];
const REVIEW_STATUSES = ['open', 'accepted', 'rejected'] as const satisfies readonly ReviewStatus[];
const PARTY_TYPES = ['person', 'organization'] as const satisfies readonly RecordType[];
const EXTENSION_NAMESPACES = ['acme', 'beta'] as const;
const EXTENSION_TYPES = ['customer', 'order'] as const;
const EXTENSION_FIELDS = ['tier', 'score', 'flag'] as const;
const WORKFLOWS = ['acme.sync', 'acme.notify'] as const;
const DOCUMENT_KINDS = ['consent', 'policy'] as const;

type ModelRecordType = (typeof RECORD_TYPES)[number];

/** The contract, as plain maps and lists. */
interface Model {
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

interface Real {
  store: Store;
}

type Command = fc.AsyncCommand<Model, Real>;

/** Thrown inside a transaction to roll it back; the model stays unchanged. */
class ModelRollback extends Error {
  constructor() {
    super('model-based test: rollback');
    this.name = 'ModelRollback';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Names inside a run's namespace
// ---------------------------------------------------------------------------------------------------------------

const recordKey = (m: Model, type: ModelRecordType, id: number) => `${m.ns}/${type}/r${id}`;
const matchKey = (m: Model, i: number) => `${m.ns}:m${i}`;
const blockKey = (m: Model, i: number) => `${m.ns}:b${i}`;
const identityLinkId = (m: Model, i: number) => `${m.ns}l${i}`;
const reviewId = (m: Model, i: number) => `${m.ns}v${i}`;
const refKey = (m: Model, i: number) => `${m.ns}:ref${i}`;
const customerId = (m: Model, i: number) => `${m.ns}c${i}`;
const lookupKey = (m: Model, i: number) => `${m.ns}:k${i}`;
const extensionEntityId = (m: Model, i: number) => `${m.ns}x${i}`;
const workflowRunId = (m: Model, i: number) => `${m.ns}w${i}`;
const extensionKey = (row: Pick<ExtensionRow, 'namespace' | 'entityType' | 'entityId'>) =>
  JSON.stringify([row.namespace, row.entityType, row.entityId]);
const documentId = (m: Model, i: number) => `${m.ns}d${i}`;
const documentKey = (kind: string, id: string) => JSON.stringify([kind, id]);
const auditTarget = (m: Model, i: number) => `${m.ns}:t${i}`;
/** The head of the audit log as the model has it. */
const auditHead = (m: Model) => m.audit.at(-1) ?? m.auditBase;

/** True when `value` holds one of `ids` as a JSON string value, at any depth. */
function mentionsAny(value: JsonValue, ids: ReadonlySet<string>): boolean {
  if (typeof value === 'string') return ids.has(value);
  if (Array.isArray(value)) return value.some((v) => mentionsAny(v, ids));
  if (value !== null && typeof value === 'object') return Object.values(value).some((v) => mentionsAny(v!, ids));
  return false;
}

function allRecordKeys(m: Model): string[] {
  return RECORD_TYPES.flatMap((type) => Array.from({ length: RECORD_IDS }, (_, id) => recordKey(m, type, id)));
}

const sortedRecords = (list: Iterable<StoredRecord>) => [...list].sort((a, b) => compare(a.key, b.key));
const sortedRows = (list: Iterable<CustomerRow>) => [...list].sort((a, b) => compare(a.id, b.id));
const liveRecords = (m: Model) => [...m.records.values()].filter((r) => !r.deleted);

// ---------------------------------------------------------------------------------------------------------------
// Generated specs, turned into rows inside a run
// ---------------------------------------------------------------------------------------------------------------

interface RecordSpec {
  id: number;
  type: ModelRecordType;
  deleted: boolean;
  matchKeys: number[];
  blockKeys: number[];
  refKeys: number[];
  customer: number | null;
  name: string;
}

const recordSpecArb: fc.Arbitrary<RecordSpec> = fc.record({
  id: fc.nat(RECORD_IDS - 1),
  type: fc.constantFrom(...RECORD_TYPES),
  deleted: fc.nat(3).map((n) => n === 0),
  matchKeys: fc.uniqueArray(fc.nat(MATCH_KEYS - 1), { maxLength: 3 }),
  blockKeys: fc.uniqueArray(fc.nat(BLOCK_KEYS - 1), { maxLength: 3 }),
  refKeys: fc.uniqueArray(fc.nat(REF_KEYS - 1), { maxLength: 2 }),
  customer: fc.option(fc.nat(CUSTOMERS - 1), { nil: null }),
  name: fc.constantFrom('ada', 'bob', 'cyd'),
});

function recordOf(m: Model, spec: RecordSpec): StoredRecord {
  const data: StoredRecord['data'] = spec.deleted
    ? null
    : spec.type === 'person'
      ? { givenName: spec.name, emails: [{ value: `${spec.name}@example.com` }] }
      : spec.type === 'organization'
        ? { name: spec.name }
        : {
            channel: 'email',
            direction: 'inbound',
            participants: [{ ref: { email: `${spec.name}@example.com` }, role: 'from' }],
            occurredAt: T1,
            activity: { kind: 'note' },
          };
  const version = ++m.nextVersion;
  return {
    key: recordKey(m, spec.type, spec.id),
    type: spec.type,
    source: m.ns,
    externalId: `r${spec.id}`,
    observedAt: T1,
    deleted: spec.deleted,
    data,
    contentHash: `${spec.name}-${version}`,
    // Match keys identify parties; interactions carry only ref keys (as the Hub writes them).
    matchKeys: spec.type === 'interaction' ? [] : spec.matchKeys.map((i) => matchKey(m, i)),
    blockKeys: spec.type === 'interaction' ? [] : spec.blockKeys.map((i) => blockKey(m, i)),
    refKeys: spec.refKeys.map((i) => refKey(m, i)),
    customerId: spec.customer === null ? null : customerId(m, spec.customer),
    homeId: spec.customer === null ? null : customerId(m, spec.customer),
    version,
    ingestedAt: T1,
  };
}

interface CustomerSpec {
  id: number;
  status: CustomerStatus;
  lookupKeys: number[];
  name: string;
}

const customerSpecArb: fc.Arbitrary<CustomerSpec> = fc.record({
  id: fc.nat(CUSTOMERS - 1),
  status: fc.constantFrom<CustomerStatus>('active', 'active', 'merged', 'deleted'),
  lookupKeys: fc.uniqueArray(fc.nat(LOOKUP_KEYS - 1), { maxLength: 3 }),
  name: fc.constantFrom('Ada', 'Bob', 'Cyd'),
});

function withStatus(m: Model, row: CustomerRow, status: CustomerStatus): CustomerRow {
  const { mergedInto: _previous, ...rest } = row;
  return { ...rest, status, ...(status === 'merged' ? { mergedInto: customerId(m, 0) } : {}) };
}

function customerOf(m: Model, spec: CustomerSpec): CustomerRow {
  const id = customerId(m, spec.id);
  const row: CustomerRow = {
    id,
    kind: 'person',
    status: 'active',
    displayName: spec.name,
    createdAt: T1,
    updatedAt: T1,
    version: (m.customers.get(id)?.version ?? 0) + 1,
    golden: {
      kind: 'person',
      fields: {
        givenName: {
          value: spec.name,
          candidates: 1,
          provenance: { source: m.ns, recordType: 'person', externalId: 'r0', observedAt: T1, rule: 'mostRecent' },
        },
      },
      contactPoints: [],
      sources: [{ system: m.ns, externalId: 'r0', observedAt: T1 }],
    },
    lookupKeys: spec.lookupKeys.map((i) => lookupKey(m, i)),
  };
  return withStatus(m, row, spec.status);
}

interface LinkSpec {
  id: number;
  x: number;
  y: number;
  kind: IdentityLink['kind'];
  probability: number;
}

const linkSpecArb: fc.Arbitrary<LinkSpec> = fc.record({
  id: fc.nat(IDENTITY_LINKS - 1),
  x: fc.nat(RECORD_IDS - 1),
  y: fc.nat(RECORD_IDS - 1),
  kind: fc.constantFrom<IdentityLink['kind']>('auto', 'accepted'),
  probability: fc.constantFrom(0.61, 0.9, 0.999),
});

/** Both sides of a link or review are person records of the run; `a < b` (they may be equal in the model). */
function sides(m: Model, x: number, y: number): [string, string] {
  const a = recordKey(m, 'person', Math.min(x, y));
  const b = recordKey(m, 'person', Math.max(x, y));
  return [a, b];
}

function identityLinkOf(m: Model, spec: LinkSpec): IdentityLink {
  const [a, b] = sides(m, spec.x, spec.y);
  return {
    id: identityLinkId(m, spec.id),
    a,
    b,
    kind: spec.kind,
    probability: spec.probability,
    explanation: { contributions: [{ comparison: 'familyName', level: 'exact', weight: spec.probability }] },
    createdAt: T1,
    ...(spec.kind === 'accepted' ? { actor: 'usr_1', reviewId: reviewId(m, spec.id) } : {}),
  };
}

interface ReviewSpec {
  id: number;
  x: number;
  y: number;
  status: ReviewStatus;
}

const reviewSpecArb: fc.Arbitrary<ReviewSpec> = fc.record({
  id: fc.nat(REVIEWS - 1),
  x: fc.nat(RECORD_IDS - 1),
  y: fc.nat(RECORD_IDS - 1),
  status: fc.constantFrom(...REVIEW_STATUSES),
});

function reviewOf(m: Model, spec: ReviewSpec): ReviewItem {
  const [a, b] = sides(m, spec.x, spec.y);
  return {
    id: reviewId(m, spec.id),
    status: spec.status,
    a,
    b,
    pairKey: `${a}|${b}`,
    customerIds: [customerId(m, spec.x % CUSTOMERS)],
    probability: 0.75,
    explanation: { contributions: [] },
    createdAt: T1,
    ...(spec.status === 'open' ? {} : { decidedAt: T1, decidedBy: 'usr_1' }),
  };
}

interface ExtensionSpec {
  namespace: (typeof EXTENSION_NAMESPACES)[number];
  entityType: (typeof EXTENSION_TYPES)[number];
  entity: number;
  fields: (typeof EXTENSION_FIELDS)[number][];
  n: number;
}

const extensionSpecArb: fc.Arbitrary<ExtensionSpec> = fc.record({
  namespace: fc.constantFrom(...EXTENSION_NAMESPACES),
  entityType: fc.constantFrom(...EXTENSION_TYPES),
  entity: fc.nat(EXTENSION_ENTITIES - 1),
  fields: fc.uniqueArray(fc.constantFrom(...EXTENSION_FIELDS), { maxLength: 3 }),
  n: fc.nat(9),
});

function extensionOf(m: Model, spec: ExtensionSpec): ExtensionRow {
  const fields: ExtensionRow['fields'] = {};
  for (const name of spec.fields) {
    const value = name === 'tier' ? `tier-${spec.n}` : name === 'score' ? spec.n * 1.5 : spec.n % 2 === 0;
    fields[name] = { value, at: T1, ...(spec.n % 3 === 0 ? {} : { actor: `usr_${spec.n}` }) };
  }
  return {
    namespace: spec.namespace,
    entityType: spec.entityType,
    entityId: extensionEntityId(m, spec.entity),
    fields,
    updatedAt: spec.n % 2 === 0 ? T1 : T2,
  };
}

interface WorkflowRunSpec {
  id: number;
  workflow: (typeof WORKFLOWS)[number];
  status: WorkflowRunStatus;
  /** Sets the optional fields (lease, backoff, error, finish time) that replacing the run must drop again. */
  optional: boolean;
}

const workflowRunSpecArb: fc.Arbitrary<WorkflowRunSpec> = fc.record({
  id: fc.nat(WORKFLOW_RUNS - 1),
  workflow: fc.constantFrom(...WORKFLOWS),
  status: fc.constantFrom(...WORKFLOW_RUN_STATUSES),
  optional: fc.boolean(),
});

function workflowRunOf(m: Model, spec: WorkflowRunSpec): WorkflowRun {
  const id = workflowRunId(m, spec.id);
  const version = (m.workflowRuns.get(id)?.version ?? 0) + 1;
  return {
    id,
    workflow: spec.workflow,
    status: spec.status,
    input: { customerId: customerId(m, spec.id), n: version },
    trigger: spec.optional ? { kind: 'schedule', slot: T1 } : { kind: 'event', eventId: `${m.ns}e${spec.id}` },
    step: version,
    attempt: version % 3,
    results: { fetch: { version } },
    completed: version > 1 ? ['fetch'] : [],
    history: [
      { at: T1, step: 'fetch', action: 'started', attempt: 1 },
      ...(spec.optional
        ? [{ at: T2, step: 'push', action: 'failed' as const, error: { code: 'E', message: 'x' } }]
        : []),
    ],
    createdAt: T1,
    updatedAt: T2,
    ...(spec.optional
      ? {
          error: { code: 'E', message: 'x', step: 'push' },
          finishedAt: T2,
          notBefore: T2,
          leaseOwner: 'worker-1',
          leaseUntil: T2,
        }
      : {}),
    version,
  };
}

const failArb = fc.nat(3).map((n) => n === 0);

/** Runs `write` in its own transaction; when `fail`, the transaction throws afterwards and must roll back. */
async function inTransaction(real: Real, fail: boolean, write: (tx: StoreTransaction) => Promise<void>): Promise<void> {
  const outcome = real.store.transaction(async (tx) => {
    await write(tx);
    if (fail) throw new ModelRollback();
  });
  if (!fail) return outcome;
  try {
    await outcome;
  } catch (error) {
    // A store may wrap what the transaction threw, keeping it in the cause chain.
    for (let current: unknown = error, depth = 0; current && depth < 10; depth++) {
      if (current instanceof ModelRollback) return;
      current = (current as { cause?: unknown }).cause;
    }
    throw error;
  }
  throw new Error('a transaction that threw was reported as committed');
}

/** Runs a read in a read-only transaction. */
function read<T>(real: Real, fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
  return real.store.transaction(fn, { readOnly: true });
}

// ---------------------------------------------------------------------------------------------------------------
// Write commands
// ---------------------------------------------------------------------------------------------------------------

class PutRecords implements Command {
  constructor(
    readonly specs: RecordSpec[],
    readonly fail: boolean,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const records = this.specs.map((spec) => recordOf(m, spec));
    const keys = records.map((r) => r.key);
    // Match keys the replaced records had: the index must follow a replacement (or a rollback of one).
    const previous = new Set(keys.flatMap((key) => m.records.get(key)?.matchKeys ?? []));
    await inTransaction(real, this.fail, async (tx) => {
      await tx.putRecords(records);
      expect(sortedRecords(await tx.getRecords(keys)), 'reads its own record writes').toEqual(sortedRecords(records));
    });
    if (!this.fail) for (const record of records) m.records.set(record.key, record);
    const expected = keys.flatMap((key) => m.records.get(key) ?? []);
    expect(sortedRecords(await read(real, (tx) => tx.getRecords(keys)))).toEqual(sortedRecords(expected));
    if (previous.size > 0) {
      const found = await read(real, (tx) => tx.findRecordsByMatchKeys([...previous]));
      expect(sortedRecords(found), 'the match index follows replaced records').toEqual(
        sortedRecords(liveRecords(m).filter((r) => r.matchKeys.some((k) => previous.has(k)))),
      );
    }
  }
  toString() {
    return `putRecords(${this.specs.map((s) => `${s.type}/r${s.id}${s.deleted ? '(tombstone)' : ''} m[${s.matchKeys}] b[${s.blockKeys}] ref[${s.refKeys}] c=${s.customer}`).join(', ')})${this.fail ? ' then throw' : ''}`;
  }
}

class PutCustomers implements Command {
  constructor(
    readonly specs: CustomerSpec[],
    readonly fail: boolean,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const rows = this.specs.map((spec) => customerOf(m, spec));
    const ids = rows.map((r) => r.id);
    await inTransaction(real, this.fail, async (tx) => {
      await tx.putCustomers(rows);
      expect(sortedRows(await tx.getCustomers(ids)), 'reads its own customer writes').toEqual(sortedRows(rows));
    });
    if (!this.fail) for (const row of rows) m.customers.set(row.id, row);
    const expected = ids.flatMap((id) => m.customers.get(id) ?? []);
    expect(sortedRows(await read(real, (tx) => tx.getCustomers(ids)))).toEqual(sortedRows(expected));
  }
  toString() {
    return `putCustomers(${this.specs.map((s) => `c${s.id} ${s.status} k[${s.lookupKeys}]`).join(', ')})${this.fail ? ' then throw' : ''}`;
  }
}

class SetStatus implements Command {
  constructor(
    readonly customer: number,
    readonly status: CustomerStatus,
    readonly fail: boolean,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const id = customerId(m, this.customer);
    const known = m.customers.get(id);
    let next: CustomerRow | undefined;
    await inTransaction(real, this.fail, async (tx) => {
      const found = await tx.getCustomers([id]);
      expect(found).toEqual(known ? [known] : []);
      const [row] = found;
      if (!row) return;
      next = { ...withStatus(m, row, this.status), version: row.version + 1 };
      await tx.putCustomers([next]);
    });
    if (!this.fail && next) m.customers.set(id, next);
    const expected = m.customers.get(id);
    expect(await read(real, (tx) => tx.getCustomers([id]))).toEqual(expected ? [expected] : []);
  }
  toString() {
    return `setStatus(c${this.customer}, ${this.status})${this.fail ? ' then throw' : ''}`;
  }
}

class AppendOutbox implements Command {
  constructor(
    readonly batches: number[],
    readonly fail: boolean,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const batches = this.batches.map((size) =>
      Array.from({ length: size }, (): OutboxEvent => {
        const id = `${m.ns}e${m.nextEvent++}`;
        // The customer sits two levels down, so a redaction must look inside arrays and objects.
        const about: JsonValue[] = [{ customer: customerId(m, m.nextEvent % CUSTOMERS) }, { note: 'c' }];
        return { id, type: 'customer.updated', at: T1, payload: { id, n: m.nextEvent, about } };
      }),
    );
    await inTransaction(real, this.fail, async (tx) => {
      for (const batch of batches) await tx.appendOutbox(batch);
    });
    if (!this.fail) {
      for (const event of batches.flat()) {
        m.outbox.push(event.id);
        m.payloads.set(event.id, event.payload);
      }
    }
  }
  toString() {
    return `appendOutbox(${this.batches.join(' + ')} events)${this.fail ? ' then throw' : ''}`;
  }
}

class PutIdentityLink implements Command {
  constructor(
    readonly spec: LinkSpec,
    readonly fail: boolean,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const link = identityLinkOf(m, this.spec);
    await inTransaction(real, this.fail, async (tx) => {
      await tx.putIdentityLink(link);
      expect(await tx.getIdentityLink(link.id), 'reads its own link write').toEqual(link);
    });
    if (!this.fail) m.identityLinks.set(link.id, link);
    expect(await read(real, (tx) => tx.getIdentityLink(link.id))).toEqual(m.identityLinks.get(link.id));
  }
  toString() {
    return `putIdentityLink(l${this.spec.id} r${this.spec.x}-r${this.spec.y} ${this.spec.kind})${this.fail ? ' then throw' : ''}`;
  }
}

class DeleteIdentityLink implements Command {
  constructor(
    readonly id: number,
    readonly fail: boolean,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const id = identityLinkId(m, this.id);
    await inTransaction(real, this.fail, async (tx) => {
      await tx.deleteIdentityLink(id);
      expect(await tx.getIdentityLink(id)).toBeUndefined();
    });
    if (!this.fail) m.identityLinks.delete(id);
    expect(await read(real, (tx) => tx.getIdentityLink(id))).toEqual(m.identityLinks.get(id));
  }
  toString() {
    return `deleteIdentityLink(l${this.id})${this.fail ? ' then throw' : ''}`;
  }
}

class PutReviewItem implements Command {
  constructor(
    readonly spec: ReviewSpec,
    readonly fail: boolean,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const item = reviewOf(m, this.spec);
    await inTransaction(real, this.fail, async (tx) => {
      await tx.putReviewItem(item);
      expect(await tx.getReviewItem(item.id), 'reads its own review write').toEqual(item);
    });
    if (!this.fail) m.reviews.set(item.id, item);
    expect(await read(real, (tx) => tx.getReviewItem(item.id))).toEqual(m.reviews.get(item.id));
  }
  toString() {
    return `putReviewItem(v${this.spec.id} r${this.spec.x}-r${this.spec.y} ${this.spec.status})${this.fail ? ' then throw' : ''}`;
  }
}

class PutExtension implements Command {
  constructor(
    readonly spec: ExtensionSpec,
    readonly fail: boolean,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const row = extensionOf(m, this.spec);
    const own = (rows: ExtensionRow[]) => rows.filter((r) => r.namespace === row.namespace);
    await inTransaction(real, this.fail, async (tx) => {
      await tx.putExtension(row);
      expect(own(await tx.getExtensions(row.entityType, [row.entityId])), 'reads its own extension write').toEqual([
        row,
      ]);
    });
    if (!this.fail) m.extensions.set(extensionKey(row), row);
    expect(byExtensionKey(await read(real, (tx) => tx.getExtensions(row.entityType, [row.entityId])))).toEqual(
      expectedExtensions(m, row.entityType, [row.entityId]),
    );
  }
  toString() {
    const s = this.spec;
    return `putExtension(${s.namespace} ${s.entityType}/x${s.entity} [${s.fields}] n=${s.n})${this.fail ? ' then throw' : ''}`;
  }
}

class DeleteExtension implements Command {
  constructor(
    readonly spec: Pick<ExtensionSpec, 'namespace' | 'entityType' | 'entity'>,
    readonly fail: boolean,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const key = { ...this.spec, entityId: extensionEntityId(m, this.spec.entity) };
    await inTransaction(real, this.fail, async (tx) => {
      await tx.deleteExtension(key.namespace, key.entityType, key.entityId);
      const left = await tx.getExtensions(key.entityType, [key.entityId]);
      expect(left.filter((r) => r.namespace === key.namespace)).toEqual([]);
    });
    if (!this.fail) m.extensions.delete(extensionKey(key));
    expect(byExtensionKey(await read(real, (tx) => tx.getExtensions(key.entityType, [key.entityId])))).toEqual(
      expectedExtensions(m, key.entityType, [key.entityId]),
    );
  }
  toString() {
    const s = this.spec;
    return `deleteExtension(${s.namespace} ${s.entityType}/x${s.entity})${this.fail ? ' then throw' : ''}`;
  }
}

class PutWorkflowRun implements Command {
  constructor(
    readonly spec: WorkflowRunSpec,
    readonly fail: boolean,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const run = workflowRunOf(m, this.spec);
    await inTransaction(real, this.fail, async (tx) => {
      await tx.putWorkflowRun(run);
      expect(await tx.getWorkflowRun(run.id), 'reads its own run write').toStrictEqual(run);
    });
    if (!this.fail) m.workflowRuns.set(run.id, run);
    expect(await read(real, (tx) => tx.getWorkflowRun(run.id))).toStrictEqual(m.workflowRuns.get(run.id));
  }
  toString() {
    const s = this.spec;
    return `putWorkflowRun(w${s.id} ${s.workflow} ${s.status}${s.optional ? ' +optional' : ''})${this.fail ? ' then throw' : ''}`;
  }
}

/** Fields of a run the host sets only some of the time. */
const OPTIONAL_RUN_FIELDS = ['error', 'finishedAt', 'notBefore', 'leaseOwner', 'leaseUntil'] as const;

/**
 * Reads a run and writes its next version, as a host does after each step: the optional fields flip between set and
 * left out, so a store that merges a write into the stored run (instead of replacing it) keeps stale ones.
 */
class AdvanceWorkflowRun implements Command {
  constructor(
    readonly id: number,
    readonly fail: boolean,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const id = workflowRunId(m, this.id);
    const known = m.workflowRuns.get(id);
    let next: WorkflowRun | undefined;
    await inTransaction(real, this.fail, async (tx) => {
      const current = await tx.getWorkflowRun(id);
      expect(current).toStrictEqual(known);
      if (!current) return;
      const base: WorkflowRun = { ...current };
      for (const field of OPTIONAL_RUN_FIELDS) delete base[field];
      next = {
        ...base,
        status: current.status === 'pending' ? 'running' : current.status,
        step: current.step + 1,
        completed: [...current.completed, `step${current.step}`],
        results: { ...current.results, [`step${current.step}`]: current.step },
        history: [...current.history, { at: T2, step: `step${current.step}`, action: 'completed', attempt: 1 }],
        ...(current.leaseOwner === undefined ? { leaseOwner: 'worker-2', leaseUntil: T2, notBefore: T1 } : {}),
        version: current.version + 1,
      };
      await tx.putWorkflowRun(next);
      expect(await tx.getWorkflowRun(id), 'reads its own run write').toStrictEqual(next);
    });
    if (!this.fail && next) m.workflowRuns.set(id, next);
    expect(await read(real, (tx) => tx.getWorkflowRun(id))).toStrictEqual(m.workflowRuns.get(id));
  }
  toString() {
    return `advanceWorkflowRun(w${this.id})${this.fail ? ' then throw' : ''}`;
  }
}

interface DocumentSpec {
  kind: (typeof DOCUMENT_KINDS)[number];
  id: number;
  /** A customer of the run, or none. */
  ref: number | null;
  n: number;
}

const documentSpecArb: fc.Arbitrary<DocumentSpec> = fc.record({
  kind: fc.constantFrom(...DOCUMENT_KINDS),
  id: fc.nat(DOCUMENTS - 1),
  ref: fc.option(fc.nat(CUSTOMERS - 1), { nil: null }),
  n: fc.nat(9),
});

function documentOf(m: Model, spec: DocumentSpec): StoredDocument {
  return {
    kind: spec.kind,
    id: documentId(m, spec.id),
    ref: spec.ref === null ? null : customerId(m, spec.ref),
    data: spec.n % 3 === 0 ? null : { n: spec.n, tags: spec.n % 2 === 0 ? [] : ['a', spec.n] },
    updatedAt: spec.n % 2 === 0 ? T1 : T2,
  };
}

class PutDocument implements Command {
  constructor(
    readonly spec: DocumentSpec,
    readonly fail: boolean,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const document = documentOf(m, this.spec);
    await inTransaction(real, this.fail, async (tx) => {
      await tx.putDocument(document);
      expect(await tx.getDocuments(document.kind, [document.id]), 'reads its own document write').toStrictEqual([
        document,
      ]);
    });
    const key = documentKey(document.kind, document.id);
    if (!this.fail) m.documents.set(key, document);
    const known = m.documents.get(key);
    expect(await read(real, (tx) => tx.getDocuments(document.kind, [document.id]))).toStrictEqual(known ? [known] : []);
  }
  toString() {
    const s = this.spec;
    return `putDocument(${s.kind}/d${s.id} ref=${s.ref === null ? 'none' : `c${s.ref}`} n=${s.n})${this.fail ? ' then throw' : ''}`;
  }
}

class DeleteDocument implements Command {
  constructor(
    readonly kind: (typeof DOCUMENT_KINDS)[number],
    readonly id: number,
    readonly fail: boolean,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const id = documentId(m, this.id);
    await inTransaction(real, this.fail, async (tx) => {
      await tx.deleteDocument(this.kind, id);
      expect(await tx.getDocuments(this.kind, [id])).toEqual([]);
    });
    if (!this.fail) m.documents.delete(documentKey(this.kind, id));
    const known = m.documents.get(documentKey(this.kind, id));
    expect(await read(real, (tx) => tx.getDocuments(this.kind, [id]))).toStrictEqual(known ? [known] : []);
  }
  toString() {
    return `deleteDocument(${this.kind}/d${this.id})${this.fail ? ' then throw' : ''}`;
  }
}

/** Appends entries after the head it reads, about targets of the run, as the Hub extends the chain. */
class AppendAudit implements Command {
  constructor(
    readonly targets: number[],
    readonly reason: boolean,
    readonly fail: boolean,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    let appended: AuditEntry[] = [];
    await inTransaction(real, this.fail, async (tx) => {
      const head = await tx.lastAudit();
      expect(head, 'the head is the last entry appended').toStrictEqual(auditHead(m));
      appended = [];
      for (const [i, target] of this.targets.entries()) {
        const previous = appended[i - 1] ?? head;
        const seq = (previous?.seq ?? 0) + 1;
        appended.push({
          seq,
          at: T1,
          actor: 'user:usr_1',
          action: 'customer.override',
          target: auditTarget(m, target),
          ...(this.reason ? { reason: `reason ${seq}` } : {}),
          changes: [{ field: 'jobTitle', old: seq % 2 === 0 ? null : `t${seq - 1}`, new: `t${seq}` }],
          changesDigest: hex64(`digest ${m.ns} ${seq}`),
          prevHash: previous?.hash ?? '0'.repeat(64),
          hash: hex64(`${m.ns} ${seq}`),
        });
      }
      await tx.appendAudit(appended);
      expect(await tx.lastAudit(), 'reads its own audit append').toStrictEqual(appended.at(-1));
    });
    if (!this.fail) m.audit.push(...appended);
    expect(await read(real, (tx) => tx.lastAudit())).toStrictEqual(auditHead(m));
  }
  toString() {
    return `appendAudit(${this.targets.map((t) => `t${t}`).join(', ')}${this.reason ? ', with reasons' : ''})${this.fail ? ' then throw' : ''}`;
  }
}

class RedactAudit implements Command {
  constructor(
    readonly targets: number[],
    readonly fail: boolean,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const targets = new Set(this.targets.map((i) => auditTarget(m, i)));
    const expected = m.audit.filter((e) => targets.has(e.target)).length;
    await inTransaction(real, this.fail, async (tx) => {
      expect(await tx.redactAudit([...targets]), 'entries about the targets').toBe(expected);
    });
    if (!this.fail) {
      m.audit = m.audit.map((e) => (targets.has(e.target) ? redactedAuditEntry(e) : e));
    }
  }
  toString() {
    return `redactAudit(${this.targets.map((t) => `t${t}`).join(', ')})${this.fail ? ' then throw' : ''}`;
  }
}

class AppendJournal implements Command {
  constructor(
    readonly entries: number[][],
    readonly fail: boolean,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const entries = this.entries.map((customers): JournalEntry => {
      const id = `${m.ns}j${m.nextJournal++}`;
      const customerIds = customers.map((i) => customerId(m, i));
      return { id, at: T1, kind: 'merge', customerIds, data: { id, snapshot: { customers: customerIds } } };
    });
    await inTransaction(real, this.fail, (tx) => tx.appendJournal(entries));
    if (!this.fail) m.journal.push(...entries);
  }
  toString() {
    return `appendJournal(${this.entries.map((c) => `[${c.map((i) => `c${i}`)}]`).join(', ')})${this.fail ? ' then throw' : ''}`;
  }
}

class RedactJournal implements Command {
  constructor(
    readonly customers: number[],
    readonly fail: boolean,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const ids = new Set(this.customers.map((i) => customerId(m, i)));
    const hit = (e: JournalEntry) => e.customerIds.some((id) => ids.has(id));
    const expected = m.journal.filter(hit).length;
    await inTransaction(real, this.fail, async (tx) => {
      expect(await tx.redactJournal([...ids]), 'entries naming the customers').toBe(expected);
    });
    if (!this.fail) m.journal = m.journal.map((e) => (hit(e) ? { ...e, data: { redacted: true } } : e));
  }
  toString() {
    return `redactJournal(${this.customers.map((i) => `c${i}`)})${this.fail ? ' then throw' : ''}`;
  }
}

class RedactOutbox implements Command {
  constructor(
    readonly customers: number[],
    readonly fail: boolean,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const ids = new Set(this.customers.map((i) => customerId(m, i)));
    const hits = m.outbox.filter((id) => mentionsAny(m.payloads.get(id)!, ids));
    await inTransaction(real, this.fail, async (tx) => {
      expect(await tx.redactOutbox([...ids]), 'events mentioning the customers').toBe(hits.length);
    });
    if (!this.fail) for (const id of hits) m.payloads.set(id, { redacted: true });
    await learnSeqs(m, real, 100);
  }
  toString() {
    return `redactOutbox(${this.customers.map((i) => `c${i}`)})${this.fail ? ' then throw' : ''}`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Read checks
// ---------------------------------------------------------------------------------------------------------------

/** The run's documents of one kind, ordered by id, optionally with one ref. */
function expectedDocuments(m: Model, kind: string, ref?: string): StoredDocument[] {
  return [...m.documents.values()]
    .filter((d) => d.kind === kind && (ref === undefined || d.ref === ref))
    .sort((x, y) => compare(x.id, y.id));
}

class ListDocumentPages implements Command {
  constructor(
    readonly kind: (typeof DOCUMENT_KINDS)[number],
    readonly ref: number | undefined,
    readonly limit: number,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const ref = this.ref === undefined ? undefined : customerId(m, this.ref);
    const expected = expectedDocuments(m, this.kind, ref);
    let after = m.ns;
    for (let page = 0; ; page++) {
      const rows = await read(real, (tx) =>
        tx.listDocuments(this.kind, { after, limit: this.limit, ...(ref === undefined ? {} : { ref }) }),
      );
      expect(rows, `page ${page} after ${after}`).toStrictEqual(
        expected.slice(page * this.limit, (page + 1) * this.limit),
      );
      if (rows.length < this.limit) break;
      after = rows[rows.length - 1]!.id;
    }
  }
  toString() {
    return `listDocuments(${this.kind}) pages of ${this.limit}${this.ref === undefined ? '' : ` ref c${this.ref}`}`;
  }
}

/** The run's audit entries, optionally of one target. */
function expectedAudit(m: Model, target?: string): AuditEntry[] {
  return m.audit.filter((e) => target === undefined || e.target === target);
}

/** Pages through the audit log from where the run started, optionally of one target, `limit` entries at a time. */
async function auditPages(m: Model, tx: StoreTransaction, limit: number, target?: string): Promise<AuditEntry[][]> {
  const pages: AuditEntry[][] = [];
  let after = m.auditBase?.seq;
  for (;;) {
    // A store whose cursor does not advance would page for ever.
    if (pages.length > m.audit.length + 1) throw new Error(`listAudit pages of ${limit} never end (after ${after})`);
    const rows = await tx.listAudit({
      limit,
      ...(after === undefined ? {} : { after }),
      ...(target === undefined ? {} : { target }),
    });
    pages.push(rows);
    if (rows.length < limit) return pages;
    after = rows[rows.length - 1]!.seq;
  }
}

/** What {@link auditPages} must return. */
function expectedAuditPages(m: Model, limit: number, target?: string): AuditEntry[][] {
  const all = expectedAudit(m, target);
  const pages: AuditEntry[][] = [];
  for (let i = 0; ; i += limit) {
    pages.push(all.slice(i, i + limit));
    if (all.length < i + limit) return pages;
  }
}

class ListAuditPages implements Command {
  constructor(
    readonly limit: number,
    readonly target: number | undefined,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const target = this.target === undefined ? undefined : auditTarget(m, this.target);
    expect(await read(real, (tx) => auditPages(m, tx, this.limit, target))).toStrictEqual(
      expectedAuditPages(m, this.limit, target),
    );
  }
  toString() {
    return `listAudit pages of ${this.limit}${this.target === undefined ? '' : ` (t${this.target})`}`;
  }
}

class FindRecordsByMatchKeys implements Command {
  constructor(readonly keys: number[]) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const keys = this.keys.map((i) => matchKey(m, i));
    const wanted = new Set(keys);
    const expected = liveRecords(m).filter((r) => r.matchKeys.some((k) => wanted.has(k)));
    const found = await read(real, (tx) => tx.findRecordsByMatchKeys(keys));
    expect(sortedRecords(found)).toEqual(sortedRecords(expected));
  }
  toString() {
    return `findRecordsByMatchKeys([${this.keys}])`;
  }
}

const byLimitedKey = (list: StoredRecord[], limit: number) => sortedRecords(list).slice(0, limit);

/** What `findRecordsByBlockKeys` must return: live records of the type with any of the keys, by key, up to `limit`. */
function expectedByBlockKeys(m: Model, keys: readonly string[], type: RecordType, limit: number): StoredRecord[] {
  const wanted = new Set(keys);
  return byLimitedKey(
    liveRecords(m).filter((r) => r.type === type && r.blockKeys.some((k) => wanted.has(k))),
    limit,
  );
}

class FindRecordsByBlockKeys implements Command {
  constructor(
    readonly keys: number[],
    readonly type: (typeof PARTY_TYPES)[number],
    readonly limit: number,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const keys = this.keys.map((i) => blockKey(m, i));
    const found = await read(real, (tx) => tx.findRecordsByBlockKeys(keys, { type: this.type, limit: this.limit }));
    expect(found).toEqual(expectedByBlockKeys(m, keys, this.type, this.limit));
  }
  toString() {
    return `findRecordsByBlockKeys([${this.keys}], ${this.type}, ${this.limit})`;
  }
}

/** What `listIdentityLinks` must return for these record keys. */
function expectedLinks(m: Model, recordKeys: readonly string[]): IdentityLink[] {
  const wanted = new Set(recordKeys);
  return [...m.identityLinks.values()]
    .filter((l) => wanted.has(l.a) || wanted.has(l.b))
    .sort((x, y) => compare(x.id, y.id));
}

class ListIdentityLinks implements Command {
  constructor(readonly records: number[]) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const keys = this.records.map((i) => recordKey(m, 'person', i));
    expect(await read(real, (tx) => tx.listIdentityLinks(keys))).toEqual(expectedLinks(m, keys));
  }
  toString() {
    return `listIdentityLinks([${this.records.map((i) => `r${i}`)}])`;
  }
}

/** The run's review items, ordered by id, optionally of one status. */
function expectedReviews(m: Model, status?: ReviewStatus): ReviewItem[] {
  return [...m.reviews.values()]
    .filter((r) => status === undefined || r.status === status)
    .sort((x, y) => compare(x.id, y.id));
}

class ListReviewPages implements Command {
  constructor(
    readonly limit: number,
    readonly status: ReviewStatus | undefined,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const expected = expectedReviews(m, this.status);
    let after = m.ns;
    for (let page = 0; ; page++) {
      const rows = await read(real, (tx) =>
        tx.listReviewItems({ after, limit: this.limit, ...(this.status ? { status: this.status } : {}) }),
      );
      expect(rows, `page ${page} after ${after}`).toEqual(expected.slice(page * this.limit, (page + 1) * this.limit));
      if (rows.length < this.limit) break;
      after = rows[rows.length - 1]!.id;
    }
  }
  toString() {
    return `listReviewItems pages of ${this.limit}${this.status ? ` (${this.status})` : ''}`;
  }
}

/** What `getExtensions` must return for these entities, sorted as {@link byExtensionKey} sorts. */
function expectedExtensions(m: Model, entityType: string, entityIds: readonly string[]): ExtensionRow[] {
  const wanted = new Set(entityIds);
  return byExtensionKey(
    [...m.extensions.values()].filter((r) => r.entityType === entityType && wanted.has(r.entityId)),
  );
}

class GetExtensions implements Command {
  constructor(
    readonly entityType: (typeof EXTENSION_TYPES)[number],
    readonly entities: number[],
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const ids = this.entities.map((i) => extensionEntityId(m, i));
    const found = await read(real, (tx) => tx.getExtensions(this.entityType, ids));
    expect(byExtensionKey(found)).toEqual(expectedExtensions(m, this.entityType, ids));
  }
  toString() {
    return `getExtensions(${this.entityType}, [${this.entities.map((i) => `x${i}`)}])`;
  }
}

/** The run's workflow runs, ordered by id, optionally filtered. */
function expectedWorkflowRuns(m: Model, status?: readonly WorkflowRunStatus[], workflow?: string): WorkflowRun[] {
  return [...m.workflowRuns.values()]
    .filter(
      (r) => (status === undefined || status.includes(r.status)) && (workflow === undefined || r.workflow === workflow),
    )
    .sort((x, y) => compare(x.id, y.id));
}

class ListWorkflowRunPages implements Command {
  constructor(
    readonly limit: number,
    readonly status: WorkflowRunStatus[] | undefined,
    readonly workflow: string | undefined,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const expected = expectedWorkflowRuns(m, this.status, this.workflow);
    const filter = {
      ...(this.status ? { status: this.status } : {}),
      ...(this.workflow ? { workflow: this.workflow } : {}),
    };
    let after = m.ns;
    for (let page = 0; ; page++) {
      const rows = await read(real, (tx) => tx.listWorkflowRuns({ after, limit: this.limit, ...filter }));
      expect(rows, `page ${page} after ${after}`).toStrictEqual(
        expected.slice(page * this.limit, (page + 1) * this.limit),
      );
      if (rows.length < this.limit) break;
      after = rows[rows.length - 1]!.id;
    }
  }
  toString() {
    return `listWorkflowRuns pages of ${this.limit}${this.status ? ` [${this.status}]` : ''}${this.workflow ? ` ${this.workflow}` : ''}`;
  }
}

class FindRecordsByRefKeys implements Command {
  constructor(
    readonly keys: number[],
    readonly type: ModelRecordType | undefined,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const keys = this.keys.map((i) => refKey(m, i));
    const wanted = new Set(keys);
    const expected = liveRecords(m).filter(
      (r) => r.refKeys.some((k) => wanted.has(k)) && (this.type === undefined || r.type === this.type),
    );
    const found = await read(real, (tx) => tx.findRecordsByRefKeys(keys, this.type));
    expect(sortedRecords(found)).toEqual(sortedRecords(expected));
  }
  toString() {
    return `findRecordsByRefKeys([${this.keys}]${this.type ? `, ${this.type}` : ''})`;
  }
}

class ListRecordsByCustomer implements Command {
  constructor(readonly customers: number[]) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const ids = this.customers.map((i) => customerId(m, i));
    const wanted = new Set(ids);
    const expected = liveRecords(m).filter((r) => r.customerId !== null && wanted.has(r.customerId));
    const found = await read(real, (tx) => tx.listRecordsByCustomer(ids));
    expect(sortedRecords(found)).toEqual(sortedRecords(expected));
  }
  toString() {
    return `listRecordsByCustomer([${this.customers.map((i) => `c${i}`)}])`;
  }
}

class FindCustomersByLookupKeys implements Command {
  constructor(
    readonly keys: number[],
    readonly limit: number,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const keys = this.keys.map((i) => lookupKey(m, i));
    const wanted = new Set(keys);
    const expected = sortedRows(m.customers.values())
      .filter((row) => row.status === 'active' && row.lookupKeys.some((k) => wanted.has(k)))
      .slice(0, this.limit);
    expect(await read(real, (tx) => tx.findCustomersByLookupKeys(keys, this.limit))).toEqual(expected);
  }
  toString() {
    return `findCustomersByLookupKeys([${this.keys}], ${this.limit})`;
  }
}

class ListCustomerPages implements Command {
  constructor(
    readonly limit: number,
    readonly status: CustomerStatus | undefined,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const expected = sortedRows(m.customers.values()).filter(
      (r) => this.status === undefined || r.status === this.status,
    );
    // Every id of this run sorts after the bare namespace, every id of earlier runs before it.
    let after = m.ns;
    for (let page = 0; ; page++) {
      const rows = await read(real, (tx) =>
        tx.listCustomers({ after, limit: this.limit, ...(this.status ? { status: this.status } : {}) }),
      );
      const slice = expected.slice(page * this.limit, (page + 1) * this.limit);
      expect(rows, `page ${page} after ${after}`).toEqual(slice);
      if (rows.length < this.limit) break;
      after = rows[rows.length - 1]!.id;
    }
  }
  toString() {
    return `listCustomers pages of ${this.limit}${this.status ? ` (${this.status})` : ''}`;
  }
}

/** Reads the run's whole outbox in pages, checks it against the model, and learns each event's seq. */
async function learnSeqs(m: Model, real: Real, pageSize: number): Promise<OutboxEvent[]> {
  const events: OutboxEvent[] = [];
  let after = m.base;
  for (;;) {
    const page = await read(real, (tx) =>
      tx.listOutbox({ limit: pageSize, ...(after === undefined ? {} : { after }) }),
    );
    expect(page.length).toBeLessThanOrEqual(pageSize);
    events.push(...page);
    if (page.length < pageSize) break;
    after = page[page.length - 1]!.seq;
  }
  expect(
    events.map((e) => e.id),
    'the outbox holds the committed events, in order',
  ).toEqual(m.outbox);
  expect(
    events.map((e) => e.payload),
    'every event keeps its payload until a redaction replaces it',
  ).toEqual(m.outbox.map((id) => m.payloads.get(id)));
  for (let i = 0; i < events.length; i++) {
    const seq = events[i]!.seq!;
    expect(Number.isInteger(seq)).toBe(true);
    if (i > 0) expect(seq).toBeGreaterThan(events[i - 1]!.seq!);
    else if (m.base !== undefined) expect(seq).toBeGreaterThan(m.base);
    const known = m.seqs.get(events[i]!.id);
    if (known !== undefined) expect(seq, `seq of ${events[i]!.id} never changes`).toBe(known);
    m.seqs.set(events[i]!.id, seq);
  }
  return events;
}

class ListOutbox implements Command {
  constructor(
    readonly from: number,
    readonly limit: number,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const events = await learnSeqs(m, real, this.limit);
    // Start from the run's base or from one of its events.
    const index = m.outbox.length === 0 ? -1 : (this.from % (m.outbox.length + 1)) - 1;
    const after = index < 0 ? m.base : m.seqs.get(m.outbox[index]!);
    const expected = events.slice(index + 1, index + 1 + this.limit);
    const listing = () =>
      read(real, (tx) => tx.listOutbox({ limit: this.limit, ...(after === undefined ? {} : { after }) }));
    const first = await listing();
    expect(first).toEqual(expected);
    expect(await listing(), 'listing again from the same checkpoint returns the same events').toEqual(first);
  }
  toString() {
    return `listOutbox(from #${this.from}, limit ${this.limit})`;
  }
}

class CheckEverything implements Command {
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    await checkEverything(m, real);
  }
  toString() {
    return 'checkEverything';
  }
}

async function checkEverything(m: Model, real: Real): Promise<void> {
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const types = [undefined, ...RECORD_TYPES];
  // One query at a time: a transaction need not support concurrent calls.
  const actual = await read(real, async (tx) => {
    const byMatchKey: StoredRecord[][] = [];
    for (const i of range(MATCH_KEYS))
      byMatchKey.push(sortedRecords(await tx.findRecordsByMatchKeys([matchKey(m, i)])));
    const byRefKey: StoredRecord[][] = [];
    for (const i of range(REF_KEYS)) {
      for (const type of types) byRefKey.push(sortedRecords(await tx.findRecordsByRefKeys([refKey(m, i)], type)));
    }
    const byCustomer: StoredRecord[][] = [];
    for (const i of range(CUSTOMERS))
      byCustomer.push(sortedRecords(await tx.listRecordsByCustomer([customerId(m, i)])));
    const byLookupKey: CustomerRow[][] = [];
    for (const i of range(LOOKUP_KEYS))
      byLookupKey.push(await tx.findCustomersByLookupKeys([lookupKey(m, i)], CUSTOMERS));
    // Several keys at once: each row once, and the limit applies to the merged, ordered list.
    const allKeys = {
      matchKeys: sortedRecords(await tx.findRecordsByMatchKeys(range(MATCH_KEYS).map((i) => matchKey(m, i)))),
      refKeys: sortedRecords(await tx.findRecordsByRefKeys(range(REF_KEYS).map((i) => refKey(m, i)))),
      customers: sortedRecords(await tx.listRecordsByCustomer(range(CUSTOMERS).map((i) => customerId(m, i)))),
      lookupKeys: [] as CustomerRow[][],
    };
    for (const limit of [1, 2, 3]) {
      allKeys.lookupKeys.push(
        await tx.findCustomersByLookupKeys(
          range(LOOKUP_KEYS).map((i) => lookupKey(m, i)),
          limit,
        ),
      );
    }
    const byBlockKey: StoredRecord[][] = [];
    for (const i of range(BLOCK_KEYS)) {
      for (const type of PARTY_TYPES) {
        byBlockKey.push(await tx.findRecordsByBlockKeys([blockKey(m, i)], { type, limit: RECORD_IDS }));
      }
    }
    for (const type of PARTY_TYPES) {
      for (const limit of [1, 2]) {
        byBlockKey.push(
          await tx.findRecordsByBlockKeys(
            range(BLOCK_KEYS).map((i) => blockKey(m, i)),
            { type, limit },
          ),
        );
      }
    }
    const linksByRecord: IdentityLink[][] = [];
    for (const i of range(RECORD_IDS)) linksByRecord.push(await tx.listIdentityLinks([recordKey(m, 'person', i)]));
    const identityLinks: (IdentityLink | undefined)[] = [];
    for (const i of range(IDENTITY_LINKS)) identityLinks.push(await tx.getIdentityLink(identityLinkId(m, i)));
    const reviews: (ReviewItem | undefined)[] = [];
    for (const i of range(REVIEWS)) reviews.push(await tx.getReviewItem(reviewId(m, i)));
    const reviewsByPair: ReviewItem[][] = [];
    for (const x of range(RECORD_IDS)) {
      for (const y of range(RECORD_IDS)) {
        if (y < x) continue;
        const [a, b] = sides(m, x, y);
        reviewsByPair.push(await tx.findReviewItems([`${a}|${b}`]));
      }
    }
    const reviewsByStatus: ReviewItem[][] = [];
    for (const status of [undefined, ...REVIEW_STATUSES]) {
      reviewsByStatus.push(await tx.listReviewItems({ after: m.ns, limit: 1000, ...(status ? { status } : {}) }));
    }
    const extensions: ExtensionRow[][] = [];
    for (const type of EXTENSION_TYPES) {
      for (const i of range(EXTENSION_ENTITIES)) {
        extensions.push(byExtensionKey(await tx.getExtensions(type, [extensionEntityId(m, i)])));
      }
      extensions.push(
        byExtensionKey(
          await tx.getExtensions(
            type,
            range(EXTENSION_ENTITIES).map((i) => extensionEntityId(m, i)),
          ),
        ),
      );
    }
    const workflowRuns: (WorkflowRun | undefined)[] = [];
    for (const i of range(WORKFLOW_RUNS)) workflowRuns.push(await tx.getWorkflowRun(workflowRunId(m, i)));
    const workflowRunLists: WorkflowRun[][] = [await tx.listWorkflowRuns({ after: m.ns, limit: 1000 })];
    for (const status of WORKFLOW_RUN_STATUSES) {
      workflowRunLists.push(await tx.listWorkflowRuns({ after: m.ns, limit: 1000, status: [status] }));
    }
    for (const workflow of WORKFLOWS) {
      workflowRunLists.push(await tx.listWorkflowRuns({ after: m.ns, limit: 1000, workflow }));
    }
    const documents: StoredDocument[][] = [];
    for (const kind of DOCUMENT_KINDS) {
      documents.push(
        [
          ...(await tx.getDocuments(
            kind,
            range(DOCUMENTS).map((i) => documentId(m, i)),
          )),
        ].sort((x, y) => compare(x.id, y.id)),
      );
      documents.push(await tx.listDocuments(kind, { after: m.ns, limit: 1000 }));
      for (const i of range(CUSTOMERS))
        documents.push(await tx.listDocuments(kind, { ref: customerId(m, i), limit: 1000 }));
    }
    const audit = {
      head: await tx.lastAudit(),
      pages: await auditPages(m, tx, 1000),
      pagesOfTwo: await auditPages(m, tx, 2),
      byTarget: [] as AuditEntry[][][],
    };
    for (const i of range(AUDIT_TARGETS)) audit.byTarget.push(await auditPages(m, tx, 2, auditTarget(m, i)));
    const journal: JournalEntry[][] = [];
    for (const i of range(CUSTOMERS)) journal.push(await tx.listJournal({ customerId: customerId(m, i), limit: 1000 }));
    return {
      governance: { documents, audit, journal },
      allKeys,
      byBlockKey,
      identity: { linksByRecord, identityLinks, reviews, reviewsByPair, reviewsByStatus },
      plugins: { extensions, workflowRuns, workflowRunLists },
      records: sortedRecords(await tx.getRecords(allRecordKeys(m))),
      customers: await tx.listCustomers({ after: m.ns, limit: 1000 }),
      byMatchKey,
      byRefKey,
      byCustomer,
      byLookupKey,
    };
  });
  const live = liveRecords(m);
  const active = sortedRows(m.customers.values()).filter((row) => row.status === 'active');
  const withLookupKeys = active.filter((row) => row.lookupKeys.length > 0);
  const expectedPairs: ReviewItem[][] = [];
  for (const x of range(RECORD_IDS)) {
    for (const y of range(RECORD_IDS)) {
      if (y < x) continue;
      const [a, b] = sides(m, x, y);
      expectedPairs.push(expectedReviews(m).filter((r) => r.pairKey === `${a}|${b}`));
    }
  }
  const expectedExtensionLists = EXTENSION_TYPES.flatMap((type) => [
    ...range(EXTENSION_ENTITIES).map((i) => expectedExtensions(m, type, [extensionEntityId(m, i)])),
    expectedExtensions(
      m,
      type,
      range(EXTENSION_ENTITIES).map((i) => extensionEntityId(m, i)),
    ),
  ]);
  // Strict for workflow runs, documents, audit and journal entries: an optional field left out must be gone.
  const { plugins, governance, ...rest } = actual;
  expect(governance).toStrictEqual({
    documents: DOCUMENT_KINDS.flatMap((kind) => [
      expectedDocuments(m, kind),
      expectedDocuments(m, kind),
      ...range(CUSTOMERS).map((i) => expectedDocuments(m, kind, customerId(m, i))),
    ]),
    audit: {
      head: auditHead(m),
      pages: expectedAuditPages(m, 1000),
      pagesOfTwo: expectedAuditPages(m, 2),
      byTarget: range(AUDIT_TARGETS).map((i) => expectedAuditPages(m, 2, auditTarget(m, i))),
    },
    journal: range(CUSTOMERS).map((i) => m.journal.filter((e) => e.customerIds.includes(customerId(m, i)))),
  });
  expect(plugins).toStrictEqual({
    extensions: expectedExtensionLists,
    workflowRuns: range(WORKFLOW_RUNS).map((i) => m.workflowRuns.get(workflowRunId(m, i))),
    workflowRunLists: [
      expectedWorkflowRuns(m),
      ...WORKFLOW_RUN_STATUSES.map((status) => expectedWorkflowRuns(m, [status])),
      ...WORKFLOWS.map((workflow) => expectedWorkflowRuns(m, undefined, workflow)),
    ],
  });
  expect(rest).toEqual({
    byBlockKey: [
      ...range(BLOCK_KEYS).flatMap((i) =>
        PARTY_TYPES.map((type) => expectedByBlockKeys(m, [blockKey(m, i)], type, RECORD_IDS)),
      ),
      ...PARTY_TYPES.flatMap((type) =>
        [1, 2].map((limit) =>
          expectedByBlockKeys(
            m,
            range(BLOCK_KEYS).map((i) => blockKey(m, i)),
            type,
            limit,
          ),
        ),
      ),
    ],
    identity: {
      linksByRecord: range(RECORD_IDS).map((i) => expectedLinks(m, [recordKey(m, 'person', i)])),
      identityLinks: range(IDENTITY_LINKS).map((i) => m.identityLinks.get(identityLinkId(m, i))),
      reviews: range(REVIEWS).map((i) => m.reviews.get(reviewId(m, i))),
      reviewsByPair: expectedPairs,
      reviewsByStatus: [undefined, ...REVIEW_STATUSES].map((status) => expectedReviews(m, status)),
    },
    allKeys: {
      matchKeys: sortedRecords(live.filter((r) => r.matchKeys.length > 0)),
      refKeys: sortedRecords(live.filter((r) => r.refKeys.length > 0)),
      customers: sortedRecords(live.filter((r) => r.customerId !== null)),
      lookupKeys: [1, 2, 3].map((limit) => withLookupKeys.slice(0, limit)),
    },
    records: sortedRecords(m.records.values()),
    customers: sortedRows(m.customers.values()),
    byMatchKey: range(MATCH_KEYS).map((i) => sortedRecords(live.filter((r) => r.matchKeys.includes(matchKey(m, i))))),
    byRefKey: range(REF_KEYS).flatMap((i) =>
      types.map((type) =>
        sortedRecords(live.filter((r) => r.refKeys.includes(refKey(m, i)) && (type === undefined || r.type === type))),
      ),
    ),
    byCustomer: range(CUSTOMERS).map((i) => sortedRecords(live.filter((r) => r.customerId === customerId(m, i)))),
    byLookupKey: range(LOOKUP_KEYS).map((i) => active.filter((row) => row.lookupKeys.includes(lookupKey(m, i)))),
  });
  await learnSeqs(m, real, 100);
}

// ---------------------------------------------------------------------------------------------------------------
// The property
// ---------------------------------------------------------------------------------------------------------------

const indexes = (max: number) => fc.uniqueArray(fc.nat(max - 1), { minLength: 1, maxLength: 3 });

const putRecordsArb: fc.Arbitrary<Command> = fc
  .tuple(fc.uniqueArray(recordSpecArb, { minLength: 1, maxLength: 3, selector: (s) => `${s.type}/${s.id}` }), failArb)
  .map(([specs, fail]) => new PutRecords(specs, fail));

const writeArbs: fc.Arbitrary<Command>[] = [
  putRecordsArb,
  fc
    .tuple(fc.uniqueArray(customerSpecArb, { minLength: 1, maxLength: 3, selector: (s) => s.id }), failArb)
    .map(([specs, fail]) => new PutCustomers(specs, fail)),
  fc
    .tuple(fc.nat(CUSTOMERS - 1), fc.constantFrom(...STATUSES), failArb)
    .map(([customer, status, fail]) => new SetStatus(customer, status, fail)),
  fc
    .tuple(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }), failArb)
    .map(([batches, fail]) => new AppendOutbox(batches, fail)),
  fc.tuple(linkSpecArb, failArb).map(([spec, fail]) => new PutIdentityLink(spec, fail)),
  fc.tuple(fc.nat(IDENTITY_LINKS - 1), failArb).map(([id, fail]) => new DeleteIdentityLink(id, fail)),
  fc.tuple(reviewSpecArb, failArb).map(([spec, fail]) => new PutReviewItem(spec, fail)),
  fc.tuple(extensionSpecArb, failArb).map(([spec, fail]) => new PutExtension(spec, fail)),
  fc.tuple(extensionSpecArb, failArb).map(([spec, fail]) => new DeleteExtension(spec, fail)),
  fc.tuple(workflowRunSpecArb, failArb).map(([spec, fail]) => new PutWorkflowRun(spec, fail)),
  fc.tuple(fc.nat(WORKFLOW_RUNS - 1), failArb).map(([id, fail]) => new AdvanceWorkflowRun(id, fail)),
];

/** Writes of governance data: documents, audit entries, journal entries, and redactions. */
const governanceWriteArbs: fc.Arbitrary<Command>[] = [
  fc.tuple(documentSpecArb, failArb).map(([spec, fail]) => new PutDocument(spec, fail)),
  fc
    .tuple(fc.constantFrom(...DOCUMENT_KINDS), fc.nat(DOCUMENTS - 1), failArb)
    .map(([kind, id, fail]) => new DeleteDocument(kind, id, fail)),
  fc
    .tuple(
      fc.array(fc.nat(AUDIT_TARGETS - 1), { minLength: 1, maxLength: 3 }),
      fc.nat(3).map((n) => n > 0),
      failArb,
    )
    .map(([targets, reason, fail]) => new AppendAudit(targets, reason, fail)),
  fc.tuple(indexes(AUDIT_TARGETS), failArb).map(([targets, fail]) => new RedactAudit(targets, fail)),
  fc
    .tuple(fc.array(indexes(CUSTOMERS), { minLength: 1, maxLength: 3 }), failArb)
    .map(([entries, fail]) => new AppendJournal(entries, fail)),
  fc.tuple(indexes(CUSTOMERS), failArb).map(([customers, fail]) => new RedactJournal(customers, fail)),
  fc.tuple(indexes(CUSTOMERS), failArb).map(([customers, fail]) => new RedactOutbox(customers, fail)),
];

const readArbs: fc.Arbitrary<Command>[] = [
  indexes(MATCH_KEYS).map((keys) => new FindRecordsByMatchKeys(keys)),
  fc
    .tuple(indexes(REF_KEYS), fc.option(fc.constantFrom(...RECORD_TYPES), { nil: undefined }))
    .map(([keys, type]) => new FindRecordsByRefKeys(keys, type)),
  indexes(CUSTOMERS).map((ids) => new ListRecordsByCustomer(ids)),
  fc
    .tuple(indexes(LOOKUP_KEYS), fc.integer({ min: 1, max: 4 }))
    .map(([keys, limit]) => new FindCustomersByLookupKeys(keys, limit)),
  fc
    .tuple(fc.integer({ min: 1, max: 4 }), fc.option(fc.constantFrom(...STATUSES), { nil: undefined }))
    .map(([limit, status]) => new ListCustomerPages(limit, status)),
  fc.tuple(fc.nat(50), fc.integer({ min: 1, max: 5 })).map(([from, limit]) => new ListOutbox(from, limit)),
  fc
    .tuple(indexes(BLOCK_KEYS), fc.constantFrom(...PARTY_TYPES), fc.integer({ min: 1, max: 4 }))
    .map(([keys, type, limit]) => new FindRecordsByBlockKeys(keys, type, limit)),
  indexes(RECORD_IDS).map((records) => new ListIdentityLinks(records)),
  fc
    .tuple(fc.integer({ min: 1, max: 3 }), fc.option(fc.constantFrom(...REVIEW_STATUSES), { nil: undefined }))
    .map(([limit, status]) => new ListReviewPages(limit, status)),
  fc
    .tuple(fc.constantFrom(...EXTENSION_TYPES), indexes(EXTENSION_ENTITIES))
    .map(([type, entities]) => new GetExtensions(type, entities)),
  fc
    .tuple(
      fc.integer({ min: 1, max: 3 }),
      fc.option(fc.uniqueArray(fc.constantFrom(...WORKFLOW_RUN_STATUSES), { minLength: 1, maxLength: 3 }), {
        nil: undefined,
      }),
      fc.option(fc.constantFrom(...WORKFLOWS), { nil: undefined }),
    )
    .map(([limit, status, workflow]) => new ListWorkflowRunPages(limit, status, workflow)),
  fc
    .tuple(
      fc.constantFrom(...DOCUMENT_KINDS),
      fc.option(fc.nat(CUSTOMERS - 1), { nil: undefined }),
      fc.integer({ min: 1, max: 3 }),
    )
    .map(([kind, ref, limit]) => new ListDocumentPages(kind, ref, limit)),
  fc
    .tuple(fc.integer({ min: 1, max: 3 }), fc.option(fc.nat(AUDIT_TARGETS - 1), { nil: undefined }))
    .map(([limit, target]) => new ListAuditPages(limit, target)),
  fc.constant(new CheckEverything()),
];

/**
 * Writes are listed twice, so a sequence builds up state before most reads, record writes (which every index check
 * needs, replacements most of all) three times; governance writes once, so they do not crowd out the rest.
 */
const commandArbs: fc.Arbitrary<Command>[] = [
  ...writeArbs,
  ...writeArbs,
  putRecordsArb,
  ...governanceWriteArbs,
  ...readArbs,
];

/**
 * Runs the model-based test against `store`: `numRuns` random command sequences, each in its own namespace.
 * Throws (with fast-check's shrunk counterexample and seed) when the store and the model disagree.
 */
export async function runStoreModel(
  store: Store,
  options: { numRuns: number; endOnFailure?: boolean; seed?: number },
): Promise<void> {
  const { numRuns, endOnFailure = false, seed } = options;
  let run = 0;
  let lastSeq: number | undefined;
  const real: Real = { store };

  /** The last seq in the store now (earlier runs may have ended half-way). */
  async function currentLastSeq(): Promise<number | undefined> {
    let last = lastSeq;
    for (;;) {
      const after = last;
      const page = await read(real, (tx) => tx.listOutbox({ limit: 100, ...(after === undefined ? {} : { after }) }));
      if (page.length === 0) return last;
      last = page[page.length - 1]!.seq;
    }
  }

  await fc.assert(
    fc.asyncProperty(fc.commands(commandArbs, { maxCommands: MAX_COMMANDS, size: 'medium' }), async (commands) => {
      const base = await currentLastSeq();
      const auditBase = await read(real, (tx) => tx.lastAudit());
      const model: Model = {
        ns: `m${String(++run).padStart(6, '0')}`,
        records: new Map(),
        customers: new Map(),
        identityLinks: new Map(),
        reviews: new Map(),
        extensions: new Map(),
        workflowRuns: new Map(),
        documents: new Map(),
        audit: [],
        auditBase,
        journal: [],
        nextJournal: 0,
        outbox: [],
        payloads: new Map(),
        seqs: new Map(),
        base,
        nextEvent: 0,
        nextVersion: 0,
      };
      await fc.asyncModelRun(() => ({ model, real }), commands);
      await checkEverything(model, real);
      lastSeq = model.outbox.length > 0 ? model.seqs.get(model.outbox[model.outbox.length - 1]!) : base;
    }),
    { numRuns, endOnFailure, ...(seed === undefined ? {} : { seed }) },
  );
}
