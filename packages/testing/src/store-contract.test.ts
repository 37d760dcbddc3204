/**
 * Tests of the conformance suite itself. A small reference store, written independently of core's memory store
 * (no indexes: every lookup scans; transactions work on a private copy and replay their writes on commit), passes
 * the whole suite twice: serialised, and concurrent with first-committer-wins conflict detection (so the `CONFLICT`
 * path of the concurrency tests is exercised). Then each of a list of deliberately broken variants must fail the
 * suite, so every kind of bug the suite claims to catch is caught.
 */
import {
  AbortedError,
  type AuditEntry,
  ConflictError,
  type CustomerGroup,
  type CustomerRow,
  type ExtensionRow,
  type FieldOverride,
  type IdentityLink,
  type JournalEntry,
  type JsonValue,
  type MergeLink,
  type OutboxEvent,
  type ReviewItem,
  type Store,
  type StoredDocument,
  type StoredRecord,
  type StoreTransaction,
  type TransactionOptions,
  type WorkflowRun,
  redactedAuditEntry,
  UNREDACTABLE_AUDIT_ACTION,
} from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { type ContractCase, storeContractCases } from './contract/cases';
import { describeStoreContract } from './index';

interface State {
  records: Map<string, StoredRecord>;
  customers: Map<string, CustomerRow>;
  links: Map<string, MergeLink>;
  identityLinks: Map<string, IdentityLink>;
  reviews: Map<string, ReviewItem>;
  overrides: Map<string, FieldOverride>;
  groups: Map<string, CustomerGroup>;
  extensions: Map<string, ExtensionRow>;
  runs: Map<string, WorkflowRun>;
  journal: JournalEntry[];
  outbox: OutboxEvent[];
  seq: number;
  audit: Map<number, AuditEntry>;
  documents: Map<string, StoredDocument>;
}

type Bug =
  | 'lost-updates'
  | 'seq-at-append'
  | 'tombstones-indexed'
  | 'no-rollback'
  | 'ignores-abort'
  | 'no-copy-in'
  | 'inactive-in-lookup'
  | 'after-inclusive'
  | 'journal-newest-first'
  | 'stale-match-index'
  | 'type-filter-ignored'
  | 'lookup-limit-ignored'
  | 'block-limit-ignored'
  | 'review-status-ignored'
  | 'extension-type-ignored'
  | 'run-merged-on-put'
  | 'run-status-filter-ignored'
  | 'dirty-reads'
  | 'audit-duplicate-accepted'
  | 'audit-after-inclusive'
  | 'audit-redacts-all'
  | 'audit-redaction-drops-fields'
  | 'document-kind-ignored'
  | 'document-ref-ignored'
  | 'documents-not-copied'
  | 'journal-redaction-first-customer-only'
  | 'outbox-redaction-substring'
  | 'outbox-redaction-shallow'
  | 'outbox-redaction-keys'
  | 'bulk-links-first-only';

interface ReferenceOptions {
  /** Run transactions concurrently (snapshot isolation, first committer wins) instead of one after another. */
  concurrent?: boolean;
  bug?: Bug;
}

const copy = <T>(value: T): T => structuredClone(value);
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Whether `payload` mentions one of `ids` as the contract means it (string values at any depth), or as a bug does. */
function mentions(payload: JsonValue, ids: ReadonlySet<string>, bug: Bug | undefined): boolean {
  if (bug === 'outbox-redaction-substring') return [...ids].some((id) => JSON.stringify(payload).includes(id));
  const walk = (value: JsonValue, depth: number): boolean => {
    if (typeof value === 'string') return ids.has(value);
    if (bug === 'outbox-redaction-shallow' && depth > 1) return false;
    if (Array.isArray(value)) return value.some((v) => walk(v, depth + 1));
    if (value !== null && typeof value === 'object') {
      return Object.entries(value).some(
        ([key, v]) => (bug === 'outbox-redaction-keys' && ids.has(key)) || walk(v as JsonValue, depth + 1),
      );
    }
    return false;
  };
  return walk(payload, 0);
}

function createReferenceStore(options: ReferenceOptions = {}): Store {
  const { bug } = options;
  const concurrent =
    options.concurrent === true || bug === 'lost-updates' || bug === 'seq-at-append' || bug === 'dirty-reads';
  const committed: State = {
    records: new Map(),
    customers: new Map(),
    links: new Map(),
    identityLinks: new Map(),
    reviews: new Map(),
    overrides: new Map(),
    groups: new Map(),
    extensions: new Map(),
    runs: new Map(),
    journal: [],
    outbox: [],
    seq: 0,
    audit: new Map(),
    documents: new Map(),
  };
  /** Commit stamp of the last change of each `table:key`. */
  const changedAt = new Map<string, number>();
  let stamp = 0;
  /** A global counter, as a database sequence would be (only the seq-at-append bug uses it). */
  let sequence = 0;
  let closed = false;
  let queue: Promise<unknown> = Promise.resolve();
  /** Stale match keys a record once had (the stale-match-index bug). */
  const staleMatch = new Map<string, string[]>();

  async function run<T>(fn: (tx: StoreTransaction) => Promise<T>, txOptions: TransactionOptions): Promise<T> {
    if (closed) throw new Error('[reference-store] closed');
    const startedAt = stamp;
    const work = bug === 'dirty-reads' ? committed : copy(committed);
    const ops: ((state: State) => void)[] = [];
    const written = new Set<string>();
    let active = true;
    /** Applies a write to the transaction's view now, and to the committed state on commit. */
    const apply = (op: (state: State) => void) => {
      op(work);
      ops.push(op);
    };
    const write = (table: string, key: string, op: (state: State) => void) => {
      written.add(`${table}:${key}`);
      apply(op);
    };
    const live = (list: Iterable<StoredRecord>) =>
      [...list].filter((r) => bug === 'tombstones-indexed' || !r.deleted).sort((a, b) => cmp(a.key, b.key));
    const overrideKey = (customerId: string, field: string) => `${customerId}\u0000${field}`;
    const extensionKey = (namespace: string, entityType: string, entityId: string) =>
      JSON.stringify([namespace, entityType, entityId]);
    const documentKey = (kind: string, id: string) => JSON.stringify([kind, id]);
    const copyDocument = (d: StoredDocument) => (bug === 'documents-not-copied' ? d : copy(d));
    const auditInOrder = () => [...work.audit.values()].sort((a, b) => a.seq - b.seq);
    const tx: StoreTransaction = {
      async getRecords(keys) {
        return [...new Set(keys)].flatMap((k) => (work.records.has(k) ? [copy(work.records.get(k)!)] : []));
      },
      async putRecords(list) {
        for (const record of list) {
          const stored = bug === 'no-copy-in' ? record : copy(record);
          const previous = work.records.get(record.key);
          if (bug === 'stale-match-index' && previous)
            staleMatch.set(record.key, [...(staleMatch.get(record.key) ?? []), ...previous.matchKeys]);
          write('record', record.key, (s) => s.records.set(record.key, stored));
        }
      },
      async findRecordsByMatchKeys(keys) {
        const wanted = new Set(keys);
        return live(work.records.values())
          .filter((r) => [...r.matchKeys, ...(staleMatch.get(r.key) ?? [])].some((k) => wanted.has(k)))
          .map(copy);
      },
      async findRecordsByBlockKeys(keys, { type, limit }) {
        const wanted = new Set(keys);
        return live(work.records.values())
          .filter((r) => r.type === type && r.blockKeys.some((k) => wanted.has(k)))
          .slice(0, bug === 'block-limit-ignored' ? undefined : limit)
          .map(copy);
      },
      async listRecords({ type, observedBefore, limit }) {
        const cutoff = Date.parse(observedBefore);
        const time = (r: StoredRecord) => Date.parse(r.observedAt);
        return live(work.records.values())
          .filter((r) => r.type === type && time(r) < cutoff)
          .sort((a, b) => time(a) - time(b) || cmp(a.key, b.key))
          .slice(0, limit)
          .map(copy);
      },
      async listRecordsBySource({ source, type, after, limit }) {
        return live(work.records.values())
          .filter(
            (r) => r.source === source && r.type === type && (after === undefined || cmp(r.externalId, after) > 0),
          )
          .sort((a, b) => cmp(a.externalId, b.externalId))
          .slice(0, limit)
          .map(copy);
      },
      async findRecordsByRefKeys(keys, type) {
        const wanted = new Set(keys);
        return live(work.records.values())
          .filter((r) => r.refKeys.some((k) => wanted.has(k)))
          .filter((r) => bug === 'type-filter-ignored' || type === undefined || r.type === type)
          .map(copy);
      },
      async listRecordsByCustomer(ids) {
        const wanted = new Set(ids);
        return live(work.records.values())
          .filter((r) => r.customerId !== null && wanted.has(r.customerId))
          .map(copy);
      },
      async getCustomers(ids) {
        return [...new Set(ids)].flatMap((id) => (work.customers.has(id) ? [copy(work.customers.get(id)!)] : []));
      },
      async putCustomers(rows) {
        for (const row of rows) {
          const stored = bug === 'no-copy-in' ? row : copy(row);
          write('customer', row.id, (s) => s.customers.set(row.id, stored));
        }
      },
      async listCustomers({ after, limit, status }) {
        return [...work.customers.values()]
          .filter((r) => status === undefined || r.status === status)
          .filter((r) => after === undefined || r.id > after || (bug === 'after-inclusive' && r.id === after))
          .sort((a, b) => cmp(a.id, b.id))
          .slice(0, limit)
          .map(copy);
      },
      async findCustomersByLookupKeys(keys, limit) {
        const wanted = new Set(keys);
        return [...work.customers.values()]
          .filter(
            (r) => (bug === 'inactive-in-lookup' || r.status === 'active') && r.lookupKeys.some((k) => wanted.has(k)),
          )
          .sort((a, b) => cmp(a.id, b.id))
          .slice(0, bug === 'lookup-limit-ignored' ? undefined : limit)
          .map(copy);
      },
      async getMergeLink(id) {
        const found = work.links.get(id);
        return found ? copy(found) : undefined;
      },
      async listMergeLinks(homeIds) {
        const wanted = new Set(homeIds);
        return [...work.links.values()]
          .filter((l) => wanted.has(l.a) || wanted.has(l.b))
          .sort((a, b) => cmp(a.id, b.id))
          .map(copy);
      },
      async putMergeLink(link) {
        const stored = copy(link);
        write('link', link.id, (s) => s.links.set(link.id, stored));
      },
      async deleteMergeLink(id) {
        write('link', id, (s) => s.links.delete(id));
      },
      async getIdentityLink(id) {
        const found = work.identityLinks.get(id);
        return found ? copy(found) : undefined;
      },
      async listIdentityLinks(recordKeys) {
        const wanted = new Set(recordKeys);
        return [...work.identityLinks.values()]
          .filter((l) => wanted.has(l.a) || wanted.has(l.b))
          .sort((a, b) => cmp(a.id, b.id))
          .map(copy);
      },
      async putIdentityLink(link) {
        const stored = copy(link);
        write('identity-link', link.id, (s) => s.identityLinks.set(link.id, stored));
      },
      async putIdentityLinks(list) {
        const batch = bug === 'bulk-links-first-only' ? list.slice(0, 1) : list;
        for (const link of batch) await tx.putIdentityLink(link);
      },
      async deleteIdentityLink(id) {
        write('identity-link', id, (s) => s.identityLinks.delete(id));
      },
      async deleteIdentityLinks(ids) {
        const batch = bug === 'bulk-links-first-only' ? ids.slice(0, 1) : ids;
        for (const id of batch) await tx.deleteIdentityLink(id);
      },
      async getReviewItem(id) {
        const found = work.reviews.get(id);
        return found ? copy(found) : undefined;
      },
      async findReviewItems(pairKeys) {
        const wanted = new Set(pairKeys);
        return [...work.reviews.values()]
          .filter((r) => wanted.has(r.pairKey))
          .sort((a, b) => cmp(a.id, b.id))
          .map(copy);
      },
      async listReviewItems({ after, limit, status }) {
        return [...work.reviews.values()]
          .filter((r) => bug === 'review-status-ignored' || status === undefined || r.status === status)
          .filter((r) => after === undefined || r.id > after)
          .sort((a, b) => cmp(a.id, b.id))
          .slice(0, limit)
          .map(copy);
      },
      async putReviewItem(item) {
        const stored = copy(item);
        write('review', item.id, (s) => s.reviews.set(item.id, stored));
      },
      async getOverrides(customerIds) {
        const wanted = new Set(customerIds);
        return [...work.overrides.values()].filter((o) => wanted.has(o.customerId)).map(copy);
      },
      async putOverride(override) {
        const stored = copy(override);
        const key = overrideKey(override.customerId, override.field);
        write('override', key, (s) => s.overrides.set(key, stored));
      },
      async deleteOverride(customerId, field) {
        const key = overrideKey(customerId, field);
        write('override', key, (s) => s.overrides.delete(key));
      },
      async appendJournal(entries) {
        const stored = copy(entries);
        apply((s) => {
          if (bug === 'journal-newest-first') s.journal.unshift(...stored);
          else s.journal.push(...stored);
        });
      },
      async listJournal({ customerId, limit }) {
        return work.journal
          .filter((e) => customerId === undefined || e.customerIds.includes(customerId))
          .slice(0, limit)
          .map(copy);
      },
      async appendOutbox(events) {
        const stored = events.map((e) => ({ ...copy(e), seq: bug === 'seq-at-append' ? ++sequence : undefined }));
        // Inside the transaction the events show provisional numbers; the commit assigns the final ones.
        apply((s) => {
          for (const e of stored) s.outbox.push({ ...e, seq: e.seq ?? ++s.seq });
          if (bug === 'seq-at-append') s.outbox.sort((a, b) => a.seq! - b.seq!);
        });
      },
      async listOutbox({ after, limit }) {
        return work.outbox
          .filter((e) => after === undefined || e.seq! > after)
          .slice(0, limit)
          .map(copy);
      },
      async getExtensions(entityType, entityIds) {
        const wanted = new Set(entityIds);
        return [...work.extensions.values()]
          .filter((x) => (bug === 'extension-type-ignored' || x.entityType === entityType) && wanted.has(x.entityId))
          .map(copy);
      },
      async putExtension(row) {
        const stored = copy(row);
        const key = extensionKey(row.namespace, row.entityType, row.entityId);
        write('extension', key, (s) => s.extensions.set(key, stored));
      },
      async deleteExtension(namespace, entityType, entityId) {
        const key = extensionKey(namespace, entityType, entityId);
        write('extension', key, (s) => s.extensions.delete(key));
      },
      async getWorkflowRun(id) {
        const found = work.runs.get(id);
        return found ? copy(found) : undefined;
      },
      async putWorkflowRun(run) {
        const stored = copy(run);
        write('run', run.id, (s) =>
          s.runs.set(run.id, bug === 'run-merged-on-put' ? { ...s.runs.get(run.id), ...stored } : stored),
        );
      },
      async listWorkflowRuns({ after, limit, status, workflow }) {
        return [...work.runs.values()]
          .filter((r) => bug === 'run-status-filter-ignored' || status === undefined || status.includes(r.status))
          .filter((r) => (workflow === undefined || r.workflow === workflow) && (after === undefined || r.id > after))
          .sort((a, b) => cmp(a.id, b.id))
          .slice(0, limit)
          .map(copy);
      },
      async appendAudit(entries) {
        const seqs = new Set<number>();
        for (const entry of entries) {
          if (bug !== 'audit-duplicate-accepted' && (seqs.has(entry.seq) || work.audit.has(entry.seq)))
            throw new ConflictError({ message: `[reference-store] audit entry ${entry.seq} exists` });
          seqs.add(entry.seq);
        }
        for (const entry of entries) {
          const stored = copy(entry);
          write('audit', String(entry.seq), (s) => s.audit.set(entry.seq, stored));
        }
      },
      async lastAudit() {
        const last = auditInOrder().at(-1);
        return last ? copy(last) : undefined;
      },
      async listAudit({ after, limit, target }) {
        return auditInOrder()
          .filter(
            (e) =>
              (target === undefined || e.target === target) &&
              (after === undefined || e.seq > after || (bug === 'audit-after-inclusive' && e.seq === after)),
          )
          .slice(0, limit)
          .map(copy);
      },
      async redactAudit(targets) {
        const wanted = new Set(targets);
        const hits = auditInOrder().filter(
          (e) => bug === 'audit-redacts-all' || (wanted.has(e.target) && e.action !== UNREDACTABLE_AUDIT_ACTION),
        );
        for (const { seq } of hits) {
          write('audit', String(seq), (s) => {
            const { reason: _reason, ...rest } = s.audit.get(seq)!;
            s.audit.set(
              seq,
              bug === 'audit-redaction-drops-fields'
                ? { ...rest, changes: null, redacted: true }
                : redactedAuditEntry(s.audit.get(seq)!),
            );
          });
        }
        return hits.length;
      },
      async getDocuments(kind, ids) {
        const wanted = new Set(ids);
        return [...work.documents.values()]
          .filter((d) => (bug === 'document-kind-ignored' || d.kind === kind) && wanted.has(d.id))
          .map(copyDocument);
      },
      async putDocument(document) {
        const stored = copyDocument(document);
        const key = documentKey(document.kind, document.id);
        write('document', key, (s) => s.documents.set(key, stored));
      },
      async deleteDocument(kind, id) {
        const key = documentKey(kind, id);
        write('document', key, (s) => s.documents.delete(key));
      },
      async listDocuments(kind, { after, limit, ref }) {
        return [...work.documents.values()]
          .filter((d) => bug === 'document-kind-ignored' || d.kind === kind)
          .filter((d) => bug === 'document-ref-ignored' || ref === undefined || d.ref === ref)
          .filter((d) => after === undefined || d.id > after)
          .sort((a, b) => cmp(a.id, b.id))
          .slice(0, limit)
          .map(copyDocument);
      },
      async redactJournal(customerIds) {
        const wanted = new Set(customerIds);
        const hits = work.journal.filter((e) =>
          bug === 'journal-redaction-first-customer-only'
            ? wanted.has(e.customerIds[0]!)
            : e.customerIds.some((id) => wanted.has(id)),
        );
        for (const { id } of hits) {
          write('journal', id, (s) => {
            const index = s.journal.findIndex((e) => e.id === id);
            s.journal[index] = { ...s.journal[index]!, data: { redacted: true } };
          });
        }
        return hits.length;
      },
      async redactOutbox(ids) {
        const wanted = new Set(ids);
        if (wanted.size === 0) return 0;
        const hits = work.outbox.filter((e) => mentions(e.payload, wanted, bug));
        for (const { id } of hits) {
          write('outbox', id, (s) => {
            const index = s.outbox.findIndex((e) => e.id === id);
            s.outbox[index] = { ...s.outbox[index]!, payload: { redacted: true } };
          });
        }
        return hits.length;
      },
      async getGroups(ids) {
        const list = ids === undefined ? [...work.groups.values()] : ids.flatMap((id) => work.groups.get(id) ?? []);
        return list.sort((a, b) => cmp(a.id, b.id)).map(copy);
      },
      async putGroup(group) {
        const stored = copy(group);
        write('group', group.id, (s) => s.groups.set(group.id, stored));
      },
      async deleteGroup(id) {
        write('group', id, (s) => s.groups.delete(id));
      },
    };
    const guarded = new Proxy(tx, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (!active) return Promise.reject(new Error('[reference-store] transaction finished'));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const commit = () => {
      if (bug !== 'lost-updates') {
        for (const key of written) {
          if ((changedAt.get(key) ?? 0) > startedAt) throw new ConflictError({ message: `conflict on ${key}` });
        }
      }
      // Replaying runs without awaits, so a commit is atomic.
      if (work !== committed) for (const op of ops) op(committed);
      stamp++;
      for (const key of written) changedAt.set(key, stamp);
    };
    try {
      const result = await fn(guarded);
      if (txOptions.signal?.aborted && bug !== 'ignores-abort')
        throw new AbortedError({ cause: txOptions.signal.reason });
      commit();
      return result;
    } catch (error) {
      // The dirty-reads store writes in place and cannot roll back.
      if (bug === 'no-rollback') commit();
      throw error;
    } finally {
      active = false;
    }
  }

  return {
    specificationVersion: 'v1',
    name: `reference${concurrent ? ' (concurrent)' : ''}${bug ? ` [${bug}]` : ''}`,
    transaction(fn, txOptions = {}) {
      if (concurrent) return run(fn, txOptions);
      const result = queue.then(
        () => run(fn, txOptions),
        () => run(fn, txOptions),
      );
      queue = result.catch(() => undefined);
      return result;
    },
    async close() {
      closed = true;
    },
  };
}

describeStoreContract('reference', () => createReferenceStore());
describeStoreContract('reference (concurrent, first committer wins)', () => createReferenceStore({ concurrent: true }));
describeStoreContract('skipped', () => createReferenceStore({ bug: 'no-rollback' }), { skip: 'skipped on purpose' });

/** Runs every case against a fresh store each; returns the names of the cases that failed. */
async function failingCases(makeStore: () => Store, cases: readonly ContractCase[]): Promise<string[]> {
  const failed: string[] = [];
  for (const testCase of cases) {
    const store = makeStore();
    try {
      await testCase.run(store, { numRuns: 30, endOnFailure: true, seed: 20261125 });
    } catch {
      failed.push(`${testCase.group} > ${testCase.name}`);
    } finally {
      await store.close();
    }
  }
  return failed;
}

describe('the suite catches broken stores', () => {
  const cases = storeContractCases();
  const modelCase = cases.filter((c) => c.group === 'model');

  it('has a model-based case', () => {
    expect(modelCase).toHaveLength(1);
  });

  const bugs: { bug: Bug; caught: RegExp; byModel: boolean }[] = [
    { bug: 'lost-updates', caught: /never loses an update/, byModel: false },
    { bug: 'seq-at-append', caught: /slips behind a checkpoint/, byModel: false },
    { bug: 'tombstones-indexed', caught: /tombstones out of every index/, byModel: true },
    { bug: 'no-rollback', caught: /rolls back/, byModel: true },
    { bug: 'ignores-abort', caught: /signal is aborted/, byModel: false },
    { bug: 'no-copy-in', caught: /copies records in and out/, byModel: false },
    { bug: 'inactive-in-lookup', caught: /finds only active customers/, byModel: true },
    { bug: 'after-inclusive', caught: /lists customers ordered by id/, byModel: true },
    { bug: 'journal-newest-first', caught: /oldest first/, byModel: false },
    { bug: 'stale-match-index', caught: /moves index entries/, byModel: true },
    { bug: 'type-filter-ignored', caught: /optionally of one type/, byModel: true },
    { bug: 'lookup-limit-ignored', caught: /up to the limit/, byModel: true },
    { bug: 'block-limit-ignored', caught: /blocking keys > returns the first records in key order/, byModel: true },
    { bug: 'review-status-ignored', caught: /lists review items ordered by id/, byModel: true },
    { bug: 'extension-type-ignored', caught: /extensions > puts, gets by entity/, byModel: true },
    { bug: 'run-merged-on-put', caught: /dropping fields the new version leaves out/, byModel: true },
    { bug: 'run-status-filter-ignored', caught: /lists runs ordered by id/, byModel: true },
    { bug: 'dirty-reads', caught: /uncommitted writes/, byModel: true },
    { bug: 'audit-duplicate-accepted', caught: /refuses \(throws\) an entry whose seq exists/, byModel: false },
    { bug: 'audit-after-inclusive', caught: /audit log > lists entries in seq order after a seq/, byModel: true },
    { bug: 'audit-redacts-all', caught: /about the named targets only/, byModel: true },
    { bug: 'audit-redaction-drops-fields', caught: /the rest exactly as written/, byModel: true },
    { bug: 'document-kind-ignored', caught: /documents > puts, gets by kind and id/, byModel: true },
    {
      bug: 'document-ref-ignored',
      caught: /lists documents of one kind ordered by id, with after, limit and ref/,
      byModel: true,
    },
    { bug: 'documents-not-copied', caught: /copies audit entries and documents in and out/, byModel: false },
    {
      bug: 'journal-redaction-first-customer-only',
      caught: /journal entries naming any of the customers/,
      byModel: true,
    },
    { bug: 'outbox-redaction-substring', caught: /as a JSON string value at any depth/, byModel: false },
    { bug: 'outbox-redaction-shallow', caught: /as a JSON string value at any depth/, byModel: true },
    { bug: 'outbox-redaction-keys', caught: /as a JSON string value at any depth/, byModel: false },
    { bug: 'bulk-links-first-only', caught: /puts and deletes identity links in bulk/, byModel: true },
  ];

  for (const { bug, caught, byModel } of bugs) {
    it(`catches a store with the bug "${bug}"${byModel ? ', in the model-based test too' : ''}`, async () => {
      const failed = await failingCases(() => createReferenceStore({ bug }), cases);
      expect(
        failed.some((name) => caught.test(name)),
        failed.join('\n'),
      ).toBe(true);
      if (byModel) expect(failed, 'the model-based test fails too').toContain(`model > ${modelCase[0]!.name}`);
    }, 60_000);
  }
});
