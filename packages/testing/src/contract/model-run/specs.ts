/**
 * Generated specs of rows (records, customers, links, reviews, extensions, workflow runs), turned into rows inside a
 * run.
 */

import fc from 'fast-check';
import type {
  CustomerRow,
  CustomerStatus,
  ExtensionRow,
  IdentityLink,
  ReviewItem,
  ReviewStatus,
  StoredRecord,
  StoreTransaction,
  WorkflowRun,
  WorkflowRunStatus,
} from '@crmkit/model';
import { T1, T2, WORKFLOW_RUN_STATUSES } from '../fixtures';
import {
  BLOCK_KEYS,
  blockKey,
  customerId,
  CUSTOMERS,
  EXTENSION_ENTITIES,
  EXTENSION_FIELDS,
  EXTENSION_NAMESPACES,
  EXTENSION_TYPES,
  extensionEntityId,
  IDENTITY_LINKS,
  identityLinkId,
  LOOKUP_KEYS,
  lookupKey,
  MATCH_KEYS,
  matchKey,
  type Model,
  type ModelRecordType,
  ModelRollback,
  type Real,
  RECORD_IDS,
  RECORD_TYPES,
  recordKey,
  REF_KEYS,
  refKey,
  REVIEW_STATUSES,
  reviewId,
  REVIEWS,
  WORKFLOW_RUNS,
  workflowRunId,
  WORKFLOWS,
} from './model';

// ---------------------------------------------------------------------------------------------------------------
// Generated specs, turned into rows inside a run
// ---------------------------------------------------------------------------------------------------------------

export interface RecordSpec {
  id: number;
  type: ModelRecordType;
  deleted: boolean;
  matchKeys: number[];
  blockKeys: number[];
  refKeys: number[];
  customer: number | null;
  name: string;
}

export const recordSpecArb: fc.Arbitrary<RecordSpec> = fc.record({
  id: fc.nat(RECORD_IDS - 1),
  type: fc.constantFrom(...RECORD_TYPES),
  deleted: fc.nat(3).map((n) => n === 0),
  matchKeys: fc.uniqueArray(fc.nat(MATCH_KEYS - 1), { maxLength: 3 }),
  blockKeys: fc.uniqueArray(fc.nat(BLOCK_KEYS - 1), { maxLength: 3 }),
  refKeys: fc.uniqueArray(fc.nat(REF_KEYS - 1), { maxLength: 2 }),
  customer: fc.option(fc.nat(CUSTOMERS - 1), { nil: null }),
  name: fc.constantFrom('ada', 'bob', 'cyd'),
});

export function recordOf(m: Model, spec: RecordSpec): StoredRecord {
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

export interface CustomerSpec {
  id: number;
  status: CustomerStatus;
  lookupKeys: number[];
  name: string;
}

export const customerSpecArb: fc.Arbitrary<CustomerSpec> = fc.record({
  id: fc.nat(CUSTOMERS - 1),
  status: fc.constantFrom<CustomerStatus>('active', 'active', 'merged', 'deleted'),
  lookupKeys: fc.uniqueArray(fc.nat(LOOKUP_KEYS - 1), { maxLength: 3 }),
  name: fc.constantFrom('Ada', 'Bob', 'Cyd'),
});

export function withStatus(m: Model, row: CustomerRow, status: CustomerStatus): CustomerRow {
  const { mergedInto: _previous, ...rest } = row;
  return { ...rest, status, ...(status === 'merged' ? { mergedInto: customerId(m, 0) } : {}) };
}

export function customerOf(m: Model, spec: CustomerSpec): CustomerRow {
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

export interface LinkSpec {
  id: number;
  x: number;
  y: number;
  kind: IdentityLink['kind'];
  probability: number;
}

export const linkSpecArb: fc.Arbitrary<LinkSpec> = fc.record({
  id: fc.nat(IDENTITY_LINKS - 1),
  x: fc.nat(RECORD_IDS - 1),
  y: fc.nat(RECORD_IDS - 1),
  kind: fc.constantFrom<IdentityLink['kind']>('auto', 'accepted'),
  probability: fc.constantFrom(0.61, 0.9, 0.999),
});

/** Both sides of a link or review are person records of the run; `a < b` (they may be equal in the model). */
export function sides(m: Model, x: number, y: number): [string, string] {
  const a = recordKey(m, 'person', Math.min(x, y));
  const b = recordKey(m, 'person', Math.max(x, y));
  return [a, b];
}

export function identityLinkOf(m: Model, spec: LinkSpec): IdentityLink {
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

export interface ReviewSpec {
  id: number;
  x: number;
  y: number;
  status: ReviewStatus;
}

export const reviewSpecArb: fc.Arbitrary<ReviewSpec> = fc.record({
  id: fc.nat(REVIEWS - 1),
  x: fc.nat(RECORD_IDS - 1),
  y: fc.nat(RECORD_IDS - 1),
  status: fc.constantFrom(...REVIEW_STATUSES),
});

export function reviewOf(m: Model, spec: ReviewSpec): ReviewItem {
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

export interface ExtensionSpec {
  namespace: (typeof EXTENSION_NAMESPACES)[number];
  entityType: (typeof EXTENSION_TYPES)[number];
  entity: number;
  fields: (typeof EXTENSION_FIELDS)[number][];
  n: number;
}

export const extensionSpecArb: fc.Arbitrary<ExtensionSpec> = fc.record({
  namespace: fc.constantFrom(...EXTENSION_NAMESPACES),
  entityType: fc.constantFrom(...EXTENSION_TYPES),
  entity: fc.nat(EXTENSION_ENTITIES - 1),
  fields: fc.uniqueArray(fc.constantFrom(...EXTENSION_FIELDS), { maxLength: 3 }),
  n: fc.nat(9),
});

export function extensionOf(m: Model, spec: ExtensionSpec): ExtensionRow {
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

export interface WorkflowRunSpec {
  id: number;
  workflow: (typeof WORKFLOWS)[number];
  status: WorkflowRunStatus;
  /** Sets the optional fields (lease, backoff, error, finish time) that replacing the run must drop again. */
  optional: boolean;
}

export const workflowRunSpecArb: fc.Arbitrary<WorkflowRunSpec> = fc.record({
  id: fc.nat(WORKFLOW_RUNS - 1),
  workflow: fc.constantFrom(...WORKFLOWS),
  status: fc.constantFrom(...WORKFLOW_RUN_STATUSES),
  optional: fc.boolean(),
});

export function workflowRunOf(m: Model, spec: WorkflowRunSpec): WorkflowRun {
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

export const failArb = fc.nat(3).map((n) => n === 0);

/** Runs `write` in its own transaction; when `fail`, the transaction throws afterwards and must roll back. */
export async function inTransaction(
  real: Real,
  fail: boolean,
  write: (tx: StoreTransaction) => Promise<void>,
): Promise<void> {
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
export function read<T>(real: Real, fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
  return real.store.transaction(fn, { readOnly: true });
}
