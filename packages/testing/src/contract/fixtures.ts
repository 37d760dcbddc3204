/**
 * Fixtures and helpers of the store conformance suite: builders for every kind of row, a snapshot of everything
 * observable through the Store interface, and small async helpers. Internal to `@crmkit/testing`.
 *
 * @module
 */
import { compareStrings, fnv1a32, FNV_OFFSET_BASIS } from '@crmkit/model';
import type {
  AuditEntry,
  CustomerGroup,
  CustomerRow,
  CustomerStatus,
  ExtensionRow,
  ExtensionValue,
  FieldOverride,
  IdentityLink,
  JournalEntry,
  MergeLink,
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

export const T1 = '2026-01-01T00:00:00Z';
export const T2 = '2026-02-01T00:00:00Z';

/** Every key, id and index value the fixtures used, so a snapshot can read the whole store through its interface. */
export const universe = {
  recordKeys: new Set<string>(),
  matchKeys: new Set<string>(),
  blockKeys: new Set<string>(),
  refKeys: new Set<string>(),
  customerIds: new Set<string>(),
  lookupKeys: new Set<string>(),
  linkIds: new Set<string>(),
  identityLinkIds: new Set<string>(),
  /** Record keys named by identity links. */
  linkedRecordKeys: new Set<string>(),
  reviewIds: new Set<string>(),
  pairKeys: new Set<string>(),
  groupIds: new Set<string>(),
  /** Entities with plugin field values, as `entityType\u0000entityId`. */
  extensionEntities: new Set<string>(),
  workflowRunIds: new Set<string>(),
  workflowNames: new Set<string>(),
  auditTargets: new Set<string>(),
  documentKinds: new Set<string>(),
  /** Documents, as `kind\u0000id`. */
  documentKeys: new Set<string>(),
  documentRefs: new Set<string>(),
};

/** Every workflow run status, in lifecycle order. */
export const WORKFLOW_RUN_STATUSES: readonly WorkflowRunStatus[] = [
  'pending',
  'running',
  'compensating',
  'completed',
  'compensated',
  'failed',
];

/** A stored record `crm/<type>/<externalId>` (a person unless told otherwise). */
export function rec(externalId: string, options: Partial<Omit<StoredRecord, 'key' | 'externalId'>> = {}): StoredRecord {
  const type: RecordType = options.type ?? 'person';
  const source = options.source ?? 'crm';
  const record: StoredRecord = {
    key: `${source}/${type}/${externalId}`,
    type,
    source,
    externalId,
    observedAt: T1,
    deleted: false,
    data: { givenName: externalId, emails: [{ value: `${externalId}@example.com` }] },
    contentHash: `hash-${externalId}`,
    matchKeys: [],
    refKeys: [],
    blockKeys: [],
    customerId: null,
    homeId: null,
    version: 1,
    ingestedAt: T1,
    ...options,
  };
  if (record.deleted && options.data === undefined) record.data = null;
  universe.recordKeys.add(record.key);
  for (const k of record.matchKeys) universe.matchKeys.add(k);
  for (const k of record.blockKeys) universe.blockKeys.add(k);
  for (const k of record.refKeys) universe.refKeys.add(k);
  if (record.customerId) universe.customerIds.add(record.customerId);
  if (record.homeId) universe.customerIds.add(record.homeId);
  return record;
}

/** An active person customer row. */
export function customer(id: string, options: Partial<Omit<CustomerRow, 'id'>> = {}): CustomerRow {
  const row: CustomerRow = {
    id,
    kind: 'person',
    status: 'active',
    displayName: `Customer ${id}`,
    createdAt: T1,
    updatedAt: T1,
    version: 1,
    golden: { kind: 'person', fields: {}, contactPoints: [], sources: [] },
    lookupKeys: [],
    ...options,
  };
  universe.customerIds.add(id);
  for (const k of row.lookupKeys) universe.lookupKeys.add(k);
  return row;
}

/** A merge link between two home ids. */
export function link(id: string, a: string, b: string, extra: Partial<MergeLink> = {}): MergeLink {
  universe.linkIds.add(id);
  universe.customerIds.add(a);
  universe.customerIds.add(b);
  return { id, a, b, createdAt: T1, ...extra };
}

/** An identity link between two record keys (sorted into `a < b`), automatic unless told otherwise. */
export function identityLink(id: string, x: string, y: string, extra: Partial<IdentityLink> = {}): IdentityLink {
  const [a, b] = x < y ? [x, y] : [y, x];
  universe.identityLinkIds.add(id);
  universe.linkedRecordKeys.add(a);
  universe.linkedRecordKeys.add(b);
  return {
    id,
    a,
    b,
    kind: 'auto',
    probability: 0.97,
    explanation: { contributions: [{ comparison: 'familyName', level: 'exact', weight: 4.5 }] },
    createdAt: T1,
    ...extra,
  };
}

/** A review item of two record keys (sorted into `a < b`), open unless told otherwise. */
export function reviewItem(
  id: string,
  x: string,
  y: string,
  extra: Partial<Omit<ReviewItem, 'a' | 'b' | 'pairKey'>> & { status?: ReviewStatus } = {},
): ReviewItem {
  const [a, b] = x < y ? [x, y] : [y, x];
  const pairKey = `${a}|${b}`;
  universe.reviewIds.add(id);
  universe.pairKeys.add(pairKey);
  for (const c of extra.customerIds ?? []) universe.customerIds.add(c);
  return {
    id,
    status: 'open',
    a,
    b,
    pairKey,
    customerIds: [],
    probability: 0.8,
    explanation: { contributions: [{ comparison: 'birthDate', level: 'exact', weight: 3 }] },
    createdAt: T1,
    ...extra,
  };
}

/** An override of one golden field. */
export function override(customerId: string, field: string, value: FieldOverride['value']): FieldOverride {
  universe.customerIds.add(customerId);
  return { customerId, field, value, at: T1, actor: 'usr_1' };
}

/** A merge journal entry naming these customers. */
export function journalEntry(id: string, customerIds: string[]): JournalEntry {
  for (const c of customerIds) universe.customerIds.add(c);
  return { id, at: T1, kind: 'merge', customerIds, data: { note: id } };
}

/** An outbox event (without seq). */
export function event(id: string, payload: OutboxEvent['payload'] = { id }): OutboxEvent {
  return { id, type: 'customer.updated', at: T1, payload };
}

/** A customer group. */
export function group(id: string, options: Partial<Omit<CustomerGroup, 'id'>> = {}): CustomerGroup {
  universe.groupIds.add(id);
  return {
    id,
    createdAt: T1,
    updatedAt: T1,
    sources: [],
    name: `Group ${id}`,
    managerId: 'usr_1',
    memberIds: [],
    defaultArrangements: [],
    ...options,
  };
}

/** One plugin field value, written at `T1` by `usr_1` unless told otherwise. */
export function extensionValue(value: ExtensionValue['value'], extra: Partial<ExtensionValue> = {}): ExtensionValue {
  return { value, at: T1, actor: 'usr_1', ...extra };
}

/** A plugin's field values on one entity (a customer unless told otherwise). */
export function extension(
  namespace: string,
  entityId: string,
  fields: ExtensionRow['fields'],
  extra: Partial<Omit<ExtensionRow, 'namespace' | 'entityId' | 'fields'>> = {},
): ExtensionRow {
  const row: ExtensionRow = { namespace, entityType: 'customer', entityId, fields, updatedAt: T1, ...extra };
  universe.extensionEntities.add(`${row.entityType}\u0000${entityId}`);
  return row;
}

/** A pending workflow run of `acme.sync`, started by an event, with none of the optional fields. */
export function workflowRun(id: string, extra: Partial<Omit<WorkflowRun, 'id'>> = {}): WorkflowRun {
  const run: WorkflowRun = {
    id,
    workflow: 'acme.sync',
    status: 'pending',
    input: { customerId: 'c1' },
    trigger: { kind: 'event', eventId: 'e1' },
    step: 0,
    attempt: 0,
    results: {},
    completed: [],
    history: [],
    createdAt: T1,
    updatedAt: T1,
    version: 1,
    ...extra,
  };
  universe.workflowRunIds.add(id);
  universe.workflowNames.add(run.workflow);
  return run;
}

/** A workflow run with every optional field set: failed while compensating, after a retry, with a lease. */
export function fullWorkflowRun(id: string, extra: Partial<Omit<WorkflowRun, 'id'>> = {}): WorkflowRun {
  return workflowRun(id, {
    workflow: 'acme.onboard',
    status: 'failed',
    input: { customerId: 'c1', tags: ['vip', 'new'], nested: { n: 1.5, none: null, yes: true } },
    trigger: { kind: 'schedule', slot: '2026-01-01T00:00', key: 'daily' },
    step: 1,
    attempt: 3,
    results: { fetch: { rows: [1, 2, 3] }, notify: null, count: 0, label: 'done' },
    completed: ['fetch', 'notify'],
    history: [
      { at: T1, step: 'fetch', action: 'started', attempt: 1 },
      { at: T1, step: 'fetch', action: 'completed', attempt: 1 },
      { at: T1, step: 'push', action: 'failed', attempt: 3, error: { code: 'TIMEOUT', message: 'too slow' } },
      { at: T2, step: 'notify', action: 'compensation-failed', error: { code: 'E', message: 'nope' } },
      { at: T2, step: 'fetch', action: 'resumed' },
    ],
    error: { code: 'WORKFLOW_FAILED', message: 'push failed', step: 'push' },
    createdAt: T1,
    updatedAt: T2,
    finishedAt: '2026-02-01T00:00:01.250Z',
    notBefore: '2026-02-01T00:05:00.000Z',
    leaseOwner: 'worker-1',
    leaseUntil: '2026-02-01T00:10:00.000+01:00',
    version: 7,
    ...extra,
  });
}

/** A made-up 64-character hex string (a hash or digest), different for different seeds. */
export function hex64(seed: string | number): string {
  const text = String(seed);
  let hash = FNV_OFFSET_BASIS;
  let out = '';
  for (let round = 0; out.length < 64; round++) {
    hash = fnv1a32(String.fromCharCode(round), fnv1a32(text, hash));
    out += hash.toString(16).padStart(8, '0');
  }
  return out;
}

/**
 * An audit entry at `seq` about `target` (`customer:c1` unless told otherwise), with one changed field, no `reason`
 * and no `redacted` flag. The hashes are made up: a store never checks them.
 */
export function auditEntry(seq: number, extra: Partial<Omit<AuditEntry, 'seq'>> = {}): AuditEntry {
  const entry: AuditEntry = {
    seq,
    at: T1,
    actor: 'user:usr_1',
    action: 'customer.override',
    target: 'customer:c1',
    changes: [{ field: 'jobTitle', old: null, new: `title ${seq}` }],
    changesDigest: hex64(`digest-${seq}`),
    prevHash: seq === 1 ? '0'.repeat(64) : hex64(seq - 1),
    hash: hex64(seq),
    ...extra,
  };
  universe.auditTargets.add(entry.target);
  return entry;
}

/** An audit entry with every optional field set and values of every JSON kind in its changes. */
export function fullAuditEntry(seq: number, extra: Partial<Omit<AuditEntry, 'seq'>> = {}): AuditEntry {
  return auditEntry(seq, {
    at: '2026-02-01T00:00:01.250Z',
    actor: 'plugin:sales',
    action: 'customer.merge',
    target: 'customer:c2',
    reason: 'same person, "confirmed" by phone \\ ✓',
    changes: [
      { field: 'displayName', old: 'Ada', new: 'Ada Lovelace' },
      { field: 'attributes.sales.tags', old: [], new: ['vip', 'new'] },
      { field: 'attributes.sales.score', old: 1.5, new: { n: -2, none: null, yes: true } },
      { field: 'nationalId', secret: true },
      { field: 'jobTitle', old: 'CTO' },
    ],
    redacted: false,
    ...extra,
  });
}

/** A governance document of `kind` (`consent` unless told otherwise) about `ref` (none unless told otherwise). */
export function doc(id: string, extra: Partial<Omit<StoredDocument, 'id'>> = {}): StoredDocument {
  const document: StoredDocument = {
    kind: 'consent',
    id,
    ref: null,
    data: { id, granted: true },
    updatedAt: T1,
    ...extra,
  };
  universe.documentKinds.add(document.kind);
  universe.documentKeys.add(`${document.kind}\u0000${id}`);
  if (document.ref !== null) universe.documentRefs.add(document.ref);
  return document;
}

/** The keys of these records, sorted. */
export const keysOf = (records: readonly StoredRecord[]): string[] => records.map((r) => r.key).sort(compareStrings);
/** The ids of these rows, in the order given. */
export const idsOf = (rows: readonly { id: string }[]): string[] => rows.map((r) => r.id);
/** Records sorted by key (for contract methods that promise no order). */
export const byKey = (records: readonly StoredRecord[]): StoredRecord[] =>
  [...records].sort((a, b) => compareStrings(a.key, b.key));
/** Rows sorted by id (for contract methods that promise no order). */
export const byId = <T extends { id: string }>(rows: readonly T[]): T[] =>
  [...rows].sort((a, b) => compareStrings(a.id, b.id));
/** Extension rows sorted by entity type, entity id and namespace (for contract methods that promise no order). */
export const byExtensionKey = (rows: readonly ExtensionRow[]): ExtensionRow[] =>
  [...rows].sort(
    (a, b) =>
      compareStrings(a.entityType, b.entityType) ||
      compareStrings(a.entityId, b.entityId) ||
      compareStrings(a.namespace, b.namespace),
  );
/** Overrides sorted by customer and field. */
export const byOverrideKey = (list: readonly FieldOverride[]): FieldOverride[] =>
  [...list].sort((a, b) => compareStrings(a.customerId, b.customerId) || compareStrings(a.field, b.field));

/** Per-key lookups, leaving out keys with no result so a growing universe does not change the snapshot. */
async function perKey<T>(keys: Iterable<string>, read: (key: string) => Promise<T[]>, map: (items: T[]) => unknown) {
  const out: Record<string, unknown> = {};
  for (const key of [...keys].sort(compareStrings)) {
    const items = await read(key);
    if (items.length > 0) out[key] = map(items);
  }
  return out;
}

/** Everything observable through a transaction, for the keys the fixtures have used. */
export async function snapshotOf(tx: StoreTransaction) {
  const statuses: CustomerStatus[] = ['active', 'merged', 'deleted'];
  const linkById: Record<string, MergeLink> = {};
  for (const id of [...universe.linkIds].sort(compareStrings)) {
    const found = await tx.getMergeLink(id);
    if (found) linkById[id] = found;
  }
  const customersByStatus: Record<string, string[]> = {};
  for (const status of statuses) customersByStatus[status] = idsOf(await tx.listCustomers({ limit: 10_000, status }));
  const identityLinkById: Record<string, IdentityLink> = {};
  for (const id of [...universe.identityLinkIds].sort(compareStrings)) {
    const found = await tx.getIdentityLink(id);
    if (found) identityLinkById[id] = found;
  }
  const reviewById: Record<string, ReviewItem> = {};
  for (const id of [...universe.reviewIds].sort(compareStrings)) {
    const found = await tx.getReviewItem(id);
    if (found) reviewById[id] = found;
  }
  const reviewsByStatus: Record<string, ReviewItem[]> = {};
  for (const status of ['open', 'accepted', 'rejected'] as const) {
    reviewsByStatus[status] = await tx.listReviewItems({ limit: 10_000, status });
  }
  const extensionsByEntity: Record<string, ExtensionRow[]> = {};
  for (const entity of [...universe.extensionEntities].sort(compareStrings)) {
    const [entityType, entityId] = entity.split('\u0000') as [string, string];
    const rows = await tx.getExtensions(entityType, [entityId]);
    if (rows.length > 0) extensionsByEntity[entity] = byExtensionKey(rows);
  }
  const workflowRunById: Record<string, WorkflowRun> = {};
  for (const id of [...universe.workflowRunIds].sort(compareStrings)) {
    const found = await tx.getWorkflowRun(id);
    if (found) workflowRunById[id] = found;
  }
  const workflowRunsByStatus: Record<string, string[]> = {};
  for (const status of WORKFLOW_RUN_STATUSES) {
    workflowRunsByStatus[status] = idsOf(await tx.listWorkflowRuns({ limit: 10_000, status: [status] }));
  }
  const workflowRunsByWorkflow: Record<string, string[]> = {};
  for (const workflow of [...universe.workflowNames].sort(compareStrings)) {
    const ids = idsOf(await tx.listWorkflowRuns({ limit: 10_000, workflow }));
    if (ids.length > 0) workflowRunsByWorkflow[workflow] = ids;
  }
  const documentsById: Record<string, StoredDocument> = {};
  for (const key of [...universe.documentKeys].sort(compareStrings)) {
    const [kind, id] = key.split('\u0000') as [string, string];
    const [found] = await tx.getDocuments(kind, [id]);
    if (found) documentsById[key] = found;
  }
  const documentsByKind: Record<string, StoredDocument[]> = {};
  const documentsByRef: Record<string, StoredDocument[]> = {};
  for (const kind of [...universe.documentKinds].sort(compareStrings)) {
    const all = await tx.listDocuments(kind, { limit: 10_000 });
    if (all.length > 0) documentsByKind[kind] = all;
    for (const ref of [...universe.documentRefs].sort(compareStrings)) {
      const some = await tx.listDocuments(kind, { ref, limit: 10_000 });
      if (some.length > 0) documentsByRef[`${kind}\u0000${ref}`] = some;
    }
  }
  return {
    records: byKey(await tx.getRecords([...universe.recordKeys])),
    byMatchKey: await perKey(universe.matchKeys, (k) => tx.findRecordsByMatchKeys([k]), byKey),
    byBlockKey: await perKey(
      universe.blockKeys,
      async (k) => [
        ...(await tx.findRecordsByBlockKeys([k], { type: 'person', limit: 1000 })),
        ...(await tx.findRecordsByBlockKeys([k], { type: 'organization', limit: 1000 })),
      ],
      byKey,
    ),
    byRefKey: await perKey(universe.refKeys, (k) => tx.findRecordsByRefKeys([k]), byKey),
    byCustomer: await perKey(universe.customerIds, (id) => tx.listRecordsByCustomer([id]), byKey),
    customers: await tx.listCustomers({ limit: 10_000 }),
    customersById: byId(await tx.getCustomers([...universe.customerIds])),
    customersByStatus,
    byLookupKey: await perKey(universe.lookupKeys, (k) => tx.findCustomersByLookupKeys([k], 1000), idsOf),
    links: linkById,
    linksByHome: await perKey(universe.customerIds, (id) => tx.listMergeLinks([id]), byId),
    identityLinks: identityLinkById,
    identityLinksByRecord: await perKey(universe.linkedRecordKeys, (key) => tx.listIdentityLinks([key]), byId),
    reviews: reviewById,
    reviewsAll: await tx.listReviewItems({ limit: 10_000 }),
    reviewsByStatus,
    reviewsByPair: await perKey(universe.pairKeys, (key) => tx.findReviewItems([key]), byId),
    overrides: byOverrideKey(await tx.getOverrides([...universe.customerIds])),
    journal: await tx.listJournal({ limit: 10_000 }),
    journalByCustomer: await perKey(
      universe.customerIds,
      (id) => tx.listJournal({ customerId: id, limit: 1000 }),
      (entries) => entries,
    ),
    outbox: await tx.listOutbox({ limit: 10_000 }),
    groups: byId(await tx.getGroups()),
    groupsById: byId(await tx.getGroups([...universe.groupIds])),
    extensionsByEntity,
    workflowRuns: workflowRunById,
    workflowRunsAll: await tx.listWorkflowRuns({ limit: 10_000 }),
    workflowRunsByStatus,
    workflowRunsByWorkflow,
    audit: await tx.listAudit({ limit: 10_000 }),
    lastAudit: (await tx.lastAudit()) ?? null,
    auditByTarget: await perKey(
      universe.auditTargets,
      (target) => tx.listAudit({ target, limit: 10_000 }),
      (entries) => entries,
    ),
    documentsById,
    documentsByKind,
    documentsByRef,
  };
}

/** Everything observable through the Store interface, read in one read-only transaction. */
export function snapshot(store: Store): ReturnType<typeof snapshotOf> {
  return store.transaction(snapshotOf, { readOnly: true });
}

/** Resolves after `ms` milliseconds, so other queued work (timers included) can run. */
export function tick(ms = 5): Promise<void> {
  const { setTimeout } = globalThis as unknown as { setTimeout(fn: () => void, ms: number): unknown };
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The error a promise rejects with; fails when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

/** A deep copy via JSON (fixtures are plain JSON). */
export function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Seeds a store with one of everything. */
export async function seed(store: Store): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.putRecords([
      rec('r1', {
        matchKeys: ['person:email:r1@example.com'],
        blockKeys: ['person:b:lovelace'],
        refKeys: ['rec:x'],
        customerId: 'c1',
        homeId: 'c1',
      }),
      rec('r2', { deleted: true, matchKeys: ['person:email:r2@example.com'], customerId: 'c1' }),
      rec('r4', { blockKeys: ['person:b:lovelace'], customerId: 'c1', homeId: 'c1' }),
      rec('i1', {
        type: 'interaction',
        refKeys: ['rec:crm/person/r1', 'email:r1@example.com'],
        customerId: null,
        data: {
          channel: 'email',
          direction: 'inbound',
          participants: [{ ref: { email: 'r1@example.com' }, role: 'from' }],
          occurredAt: T1,
          activity: { kind: 'note' },
        },
      }),
    ]);
    await tx.putCustomers([
      customer('c1', { lookupKeys: ['email:r1@example.com', 'name:ada'] }),
      customer('c2', { status: 'merged', mergedInto: 'c1', lookupKeys: ['name:ada', 'name:bob'] }),
    ]);
    await tx.putMergeLink(link('l1', 'c1', 'c2', { actor: 'usr_1', reason: 'same person' }));
    await tx.putOverride(override('c1', 'jobTitle', 'CTO'));
    await tx.putOverride(override('c1', 'attributes.vip', true));
    await tx.putIdentityLink(identityLink('il1', 'crm/person/r1', 'crm/person/r4'));
    await tx.putIdentityLink(
      identityLink('il2', 'crm/person/r4', 'crm/person/r5', { kind: 'accepted', actor: 'usr_1', reviewId: 'rv1' }),
    );
    await tx.putReviewItem(
      reviewItem('rv1', 'crm/person/r4', 'crm/person/r5', {
        status: 'accepted',
        customerIds: ['c1', 'c2'],
        decidedAt: T2,
        decidedBy: 'usr_1',
        linkId: 'il2',
      }),
    );
    await tx.putReviewItem(reviewItem('rv2', 'crm/person/r1', 'crm/person/r6', { customerIds: ['c1'] }));
    await tx.appendJournal([journalEntry('j1', ['c1', 'c2'])]);
    await tx.appendOutbox([event('e1'), event('e2')]);
    await tx.putGroup(group('g1', { memberIds: ['c1'] }));
    await tx.putGroup(group('g2'));
    await tx.putExtension(extension('acme', 'c1', { tier: extensionValue('gold'), score: extensionValue(42) }));
    await tx.putExtension(extension('beta', 'c1', { flag: extensionValue(true, { actor: 'plugin:beta' }) }));
    await tx.putExtension(extension('acme', 'c2', { tier: extensionValue('silver') }));
    await tx.putWorkflowRun(workflowRun('wr1'));
    await tx.putWorkflowRun(fullWorkflowRun('wr2'));
    await tx.appendAudit([
      auditEntry(1),
      fullAuditEntry(2, { target: 'customer:c2' }),
      auditEntry(3, { target: 'policy', action: 'policy.update', changes: [], reason: 'yearly review' }),
    ]);
    await tx.putDocument(doc('cs1', { ref: 'c1' }));
    await tx.putDocument(doc('cs2', { ref: 'c2', data: { purposes: ['marketing'], nested: { at: T2 } } }));
    await tx.putDocument(doc('p1', { kind: 'policy', data: { version: 1 } }));
  });
}

/** One of every kind of write, each changing seeded state. */
export const writes: Record<string, (tx: StoreTransaction) => Promise<void>> = {
  'insert a record': (tx) =>
    tx.putRecords([rec('r3', { matchKeys: ['person:email:new@example.com'], refKeys: ['rec:y'], customerId: 'c3' })]),
  'replace a record with other index keys': (tx) =>
    tx.putRecords([
      rec('r1', { matchKeys: ['person:phone:+31612345678'], refKeys: ['rec:z'], customerId: 'c9', version: 2 }),
    ]),
  'replace a record twice': async (tx) => {
    await tx.putRecords([rec('r1', { matchKeys: ['m:a'], customerId: 'c7' })]);
    await tx.putRecords([rec('r1', { matchKeys: ['m:b'], customerId: 'c8' })]);
  },
  'turn a record into a tombstone': (tx) => tx.putRecords([rec('r1', { deleted: true, customerId: 'c1' })]),
  'revive a tombstone': (tx) =>
    tx.putRecords([rec('r2', { matchKeys: ['person:email:r2@example.com'], customerId: 'c1' })]),
  'insert a customer': (tx) => tx.putCustomers([customer('c3', { lookupKeys: ['name:ada', 'name:cyd'] })]),
  'merge away a customer': (tx) =>
    tx.putCustomers([customer('c1', { status: 'merged', mergedInto: 'c2', lookupKeys: ['name:eve'], version: 2 })]),
  'reactivate a merged customer': (tx) => tx.putCustomers([customer('c2', { lookupKeys: ['name:bob'] })]),
  'insert a record with blocking keys': (tx) =>
    tx.putRecords([rec('r7', { blockKeys: ['person:b:lovelace', 'person:b:new'], customerId: 'c1' })]),
  'replace a record with other blocking keys': (tx) =>
    tx.putRecords([rec('r4', { blockKeys: ['person:b:king'], customerId: 'c1', homeId: 'c1', version: 2 })]),
  'insert an identity link': (tx) => tx.putIdentityLink(identityLink('il3', 'crm/person/r1', 'crm/person/r7')),
  'replace an identity link': (tx) =>
    tx.putIdentityLink(identityLink('il1', 'crm/person/r1', 'crm/person/r8', { probability: 0.99 })),
  'delete an identity link': (tx) => tx.deleteIdentityLink('il1'),
  'insert a review item': (tx) => tx.putReviewItem(reviewItem('rv3', 'crm/person/r7', 'crm/person/r8')),
  'decide a review item': (tx) =>
    tx.putReviewItem(
      reviewItem('rv2', 'crm/person/r1', 'crm/person/r6', {
        status: 'rejected',
        customerIds: ['c1'],
        decidedAt: T2,
        decidedBy: 'usr_2',
        reason: 'different people',
      }),
    ),
  'insert a merge link': (tx) => tx.putMergeLink(link('l2', 'c3', 'c4')),
  'replace a merge link': (tx) => tx.putMergeLink(link('l1', 'c5', 'c6')),
  'delete a merge link': (tx) => tx.deleteMergeLink('l1'),
  'insert an override': (tx) => tx.putOverride(override('c2', 'jobTitle', 'CEO')),
  'replace an override': (tx) => tx.putOverride(override('c1', 'jobTitle', 'CFO')),
  'delete an override': (tx) => tx.deleteOverride('c1', 'jobTitle'),
  'append to the journal': (tx) => tx.appendJournal([journalEntry('j2', ['c1']), journalEntry('j3', ['c3'])]),
  'append to the outbox': (tx) => tx.appendOutbox([event('e3'), event('e4')]),
  'insert a group': (tx) => tx.putGroup(group('g3')),
  'replace a group': (tx) => tx.putGroup(group('g1', { name: 'Renamed', memberIds: ['c1', 'c2'] })),
  'delete a group': (tx) => tx.deleteGroup('g2'),
  'insert an extension row': (tx) => tx.putExtension(extension('acme', 'c3', { tier: extensionValue('bronze') })),
  'replace an extension row': (tx) =>
    tx.putExtension(extension('acme', 'c1', { tier: extensionValue('platinum', { at: T2 }) }, { updatedAt: T2 })),
  'delete an extension row': (tx) => tx.deleteExtension('beta', 'customer', 'c1'),
  'append audit entries': (tx) =>
    tx.appendAudit([auditEntry(4, { target: 'customer:c3' }), auditEntry(5, { target: 'customer:c1' })]),
  'redact audit entries': async (tx) => {
    await tx.redactAudit(['customer:c1', 'customer:c2']);
  },
  'insert a document': (tx) => tx.putDocument(doc('cs3', { ref: 'c1' })),
  'replace a document with another ref': (tx) =>
    tx.putDocument(doc('cs1', { ref: 'c3', data: { withdrawn: true }, updatedAt: T2 })),
  'delete a document': (tx) => tx.deleteDocument('consent', 'cs2'),
  'redact journal entries': async (tx) => {
    await tx.redactJournal(['c2']);
  },
  'redact outbox events': async (tx) => {
    await tx.redactOutbox(['e2']);
  },
  'insert a workflow run': (tx) => tx.putWorkflowRun(workflowRun('wr3', { workflow: 'acme.notify' })),
  'advance a workflow run': (tx) =>
    tx.putWorkflowRun(
      workflowRun('wr1', {
        status: 'running',
        step: 1,
        attempt: 1,
        results: { fetch: { ok: true } },
        completed: ['fetch'],
        history: [{ at: T2, step: 'fetch', action: 'completed', attempt: 1 }],
        updatedAt: T2,
        leaseOwner: 'worker-2',
        leaseUntil: T2,
        version: 2,
      }),
    ),
};

/** Describes how a settled promise ended, for assertion messages. */
export function describeOutcome(result: PromiseSettledResult<unknown>): string {
  if (result.status === 'fulfilled') return 'fulfilled';
  const reason = result.reason as { name?: unknown; code?: unknown; message?: unknown } | undefined;
  return `rejected: ${String(reason?.name)} code=${String(reason?.code)} ${String(reason?.message)}`;
}
