import {
  AbortedError,
  type AuditEntry,
  ConflictError,
  type CustomerGroup,
  type CustomerRow,
  type ExtensionRow,
  type FieldOverride,
  type IdentityLink,
  InvalidArgumentError,
  type JournalEntry,
  type JsonValue,
  type MergeLink,
  type OutboxEvent,
  type RecordType,
  type ReviewItem,
  type Store,
  type StoredDocument,
  type StoredRecord,
  type StoreTransaction,
  type TransactionOptions,
  type WorkflowRun,
  mentionsAnyId,
  redactedAuditEntry,
  UNREDACTABLE_AUDIT_ACTION,
} from '@crmkit/model';
import { runtime } from '../runtime/runtime';
import { compareStrings } from '../runtime/stable';

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /** Name used in messages. @default 'memory' */
  name?: string;
}

const clone: <T>(value: T) => T = (value) => runtime.structuredClone(value);

function addToIndex<V>(index: Map<string, Set<V>>, key: string, value: V): void {
  let set = index.get(key);
  if (!set) {
    set = new Set();
    index.set(key, set);
  }
  set.add(value);
}

/** Key of one entity in the extension index. */
const entityKey = (entityType: string, entityId: string): string => `${entityType}\u0000${entityId}`;

/** Key of one extension row: (namespace, entityType, entityId). */
const extensionKey = (namespace: string, entityType: string, entityId: string): string =>
  `${namespace}\u0000${entityKey(entityType, entityId)}`;

/** What a redacted journal entry's data and a redacted outbox event's payload become. */
const REDACTED: JsonValue = { redacted: true };

function removeFromIndex<V>(index: Map<string, Set<V>>, key: string, value: V): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) index.delete(key);
}

/**
 * An in-memory {@link Store}: for tests, examples, and short-lived processes. Transactions are serialised and
 * rolled back exactly on failure (an undo log); values are copied in and out, so callers never share state with
 * the store.
 *
 * `appendAudit` refuses an entry whose `seq` exists already (stored, or earlier in the same call) with a
 * `ConflictError` (`CONFLICT`) and writes nothing of that call; since transactions are serialised, writers that read
 * `lastAudit` first never collide. `redactOutbox` matches an id only as a whole JSON string value, at any depth of
 * the payload (not as an object key, a number or part of a longer string).
 *
 * @example
 * ```ts
 * const hub = createHub({ store: createMemoryStore() });
 * ```
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  const records = new Map<string, StoredRecord>();
  const matchIndex = new Map<string, Set<string>>();
  const blockIndex = new Map<string, Set<string>>();
  const refIndex = new Map<string, Set<string>>();
  const customerIndex = new Map<string, Set<string>>();
  const customers = new Map<string, CustomerRow>();
  const lookupIndex = new Map<string, Set<string>>();
  const links = new Map<string, MergeLink>();
  const linkIndex = new Map<string, Set<string>>();
  const identityLinks = new Map<string, IdentityLink>();
  /** Record key -> ids of identity links touching it. */
  const identityLinkIndex = new Map<string, Set<string>>();
  const reviews = new Map<string, ReviewItem>();
  /** Pair key -> ids of review items of the pair. */
  const reviewIndex = new Map<string, Set<string>>();
  const overrides = new Map<string, FieldOverride>();
  const journal: JournalEntry[] = [];
  const outbox: OutboxEvent[] = [];
  const groups = new Map<string, CustomerGroup>();
  /** `namespace \0 entityType \0 entityId` -> plugin field values. */
  const extensions = new Map<string, ExtensionRow>();
  /** `entityType \0 entityId` -> keys of the entity's extension rows. */
  const extensionIndex = new Map<string, Set<string>>();
  const workflowRuns = new Map<string, WorkflowRun>();
  /** The audit log in `seq` order. */
  const audit: AuditEntry[] = [];
  /** Audit target -> seqs of its entries. */
  const auditTargets = new Map<string, Set<number>>();
  /** Kind -> id -> governance document. */
  const documents = new Map<string, Map<string, StoredDocument>>();
  let outboxSeq = 0;
  let closed = false;
  let queue: Promise<unknown> = Promise.resolve();

  function setRecord(key: string, next: StoredRecord | undefined): void {
    const prev = records.get(key);
    if (prev && !prev.deleted) {
      for (const k of prev.matchKeys) removeFromIndex(matchIndex, k, key);
      for (const k of prev.blockKeys) removeFromIndex(blockIndex, k, key);
      for (const k of prev.refKeys) removeFromIndex(refIndex, k, key);
      if (prev.customerId) removeFromIndex(customerIndex, prev.customerId, key);
    }
    if (next === undefined) records.delete(key);
    else {
      records.set(key, next);
      if (!next.deleted) {
        for (const k of next.matchKeys) addToIndex(matchIndex, k, key);
        for (const k of next.blockKeys) addToIndex(blockIndex, k, key);
        for (const k of next.refKeys) addToIndex(refIndex, k, key);
        if (next.customerId) addToIndex(customerIndex, next.customerId, key);
      }
    }
  }

  function setCustomer(id: string, next: CustomerRow | undefined): void {
    const prev = customers.get(id);
    if (prev && prev.status === 'active') for (const k of prev.lookupKeys) removeFromIndex(lookupIndex, k, id);
    if (next === undefined) customers.delete(id);
    else {
      customers.set(id, next);
      if (next.status === 'active') for (const k of next.lookupKeys) addToIndex(lookupIndex, k, id);
    }
  }

  function setLink(id: string, next: MergeLink | undefined): void {
    const prev = links.get(id);
    if (prev) {
      removeFromIndex(linkIndex, prev.a, id);
      removeFromIndex(linkIndex, prev.b, id);
    }
    if (next === undefined) links.delete(id);
    else {
      links.set(id, next);
      addToIndex(linkIndex, next.a, id);
      addToIndex(linkIndex, next.b, id);
    }
  }

  function setIdentityLink(id: string, next: IdentityLink | undefined): void {
    const prev = identityLinks.get(id);
    if (prev) {
      removeFromIndex(identityLinkIndex, prev.a, id);
      removeFromIndex(identityLinkIndex, prev.b, id);
    }
    if (next === undefined) identityLinks.delete(id);
    else {
      identityLinks.set(id, next);
      addToIndex(identityLinkIndex, next.a, id);
      addToIndex(identityLinkIndex, next.b, id);
    }
  }

  function setReview(id: string, next: ReviewItem | undefined): void {
    const prev = reviews.get(id);
    if (prev) removeFromIndex(reviewIndex, prev.pairKey, id);
    if (next === undefined) reviews.delete(id);
    else {
      reviews.set(id, next);
      addToIndex(reviewIndex, next.pairKey, id);
    }
  }

  function setExtension(key: string, next: ExtensionRow | undefined): void {
    const prev = extensions.get(key);
    if (prev) removeFromIndex(extensionIndex, entityKey(prev.entityType, prev.entityId), key);
    if (next === undefined) extensions.delete(key);
    else {
      extensions.set(key, next);
      addToIndex(extensionIndex, entityKey(next.entityType, next.entityId), key);
    }
  }

  /** Position of `seq` in the audit log, or where it would go (binary search). */
  function auditIndex(seq: number): number {
    let low = 0;
    let high = audit.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (audit[middle]!.seq < seq) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  function auditEntry(seq: number): AuditEntry | undefined {
    const entry = audit[auditIndex(seq)];
    return entry?.seq === seq ? entry : undefined;
  }

  function setAudit(seq: number, next: AuditEntry | undefined): void {
    const index = auditIndex(seq);
    const prev = audit[index]?.seq === seq ? audit[index] : undefined;
    if (prev) removeFromIndex(auditTargets, prev.target, seq);
    if (next === undefined) {
      if (prev) audit.splice(index, 1);
    } else {
      if (prev) audit[index] = next;
      else audit.splice(index, 0, next);
      addToIndex(auditTargets, next.target, seq);
    }
  }

  function setDocument(kind: string, id: string, next: StoredDocument | undefined): void {
    let ofKind = documents.get(kind);
    if (next === undefined) {
      ofKind?.delete(id);
      if (ofKind?.size === 0) documents.delete(kind);
      return;
    }
    if (!ofKind) {
      ofKind = new Map();
      documents.set(kind, ofKind);
    }
    ofKind.set(id, next);
  }

  function liveRecords(keys: Iterable<string>, type?: RecordType): StoredRecord[] {
    const out: StoredRecord[] = [];
    for (const key of new Set(keys)) {
      const record = records.get(key);
      if (record && !record.deleted && (type === undefined || record.type === type)) out.push(clone(record));
    }
    return out.sort((a, b) => compareStrings(a.key, b.key));
  }

  function keysFrom(index: Map<string, Set<string>>, keys: readonly string[]): string[] {
    const out: string[] = [];
    for (const key of keys) for (const value of index.get(key) ?? []) out.push(value);
    return out;
  }

  /** Copies of the rows an index holds under any of `keys`, once each, in id order. */
  function indexed<T>(rows: Map<string, T>, index: Map<string, Set<string>>, keys: readonly string[]): T[] {
    const ids = [...new Set(keysFrom(index, keys))].sort(compareStrings);
    return ids.map((id) => clone(rows.get(id)!));
  }

  function makeTransaction(undo: (() => void)[]): StoreTransaction {
    /** Sets a copy of `next` (or nothing) at `key` through `apply`, remembering what was there for a rollback. */
    const change = <K, V>(
      map: Map<K, V>,
      key: K,
      apply: (key: K, value: V | undefined) => void,
      next: V | undefined,
    ): void => {
      const prev = map.get(key);
      undo.push(() => apply(key, prev));
      apply(key, next === undefined ? undefined : clone(next));
    };
    /** `apply` for a map without indexes. */
    const plain =
      <K, V>(map: Map<K, V>) =>
      (key: K, value: V | undefined): void => {
        if (value === undefined) map.delete(key);
        else map.set(key, value);
      };
    return {
      async getRecords(keys) {
        return keys.flatMap((key) => {
          const record = records.get(key);
          return record ? [clone(record)] : [];
        });
      },
      async putRecords(list) {
        for (const record of list) {
          change(records, record.key, setRecord, record);
        }
      },
      async findRecordsByMatchKeys(keys) {
        return liveRecords(keysFrom(matchIndex, keys));
      },
      async findRecordsByBlockKeys(keys, { type, limit }) {
        const found: StoredRecord[] = [];
        for (const key of new Set(keysFrom(blockIndex, keys))) {
          const record = records.get(key);
          if (record && !record.deleted && record.type === type) found.push(record);
        }
        return found
          .sort((a, b) => compareStrings(a.key, b.key))
          .slice(0, limit)
          .map(clone);
      },
      async findRecordsByRefKeys(keys, type) {
        return liveRecords(keysFrom(refIndex, keys), type);
      },
      async listRecordsByCustomer(ids) {
        return liveRecords(keysFrom(customerIndex, ids));
      },
      async listRecords({ type, observedBefore, limit }) {
        const cutoff = Date.parse(observedBefore);
        const found: StoredRecord[] = [];
        for (const record of records.values()) {
          if (record.type === type && !record.deleted && Date.parse(record.observedAt) < cutoff) found.push(record);
        }
        return found
          .sort((a, b) => Date.parse(a.observedAt) - Date.parse(b.observedAt) || compareStrings(a.key, b.key))
          .slice(0, limit)
          .map(clone);
      },
      async listRecordsBySource({ source, type, after, limit }) {
        const found: StoredRecord[] = [];
        for (const record of records.values()) {
          if (record.source !== source || record.type !== type || record.deleted) continue;
          if (after !== undefined && compareStrings(record.externalId, after) <= 0) continue;
          found.push(record);
        }
        return found
          .sort((a, b) => compareStrings(a.externalId, b.externalId))
          .slice(0, limit)
          .map(clone);
      },
      async getCustomers(ids) {
        return [...new Set(ids)].flatMap((id) => {
          const row = customers.get(id);
          return row ? [clone(row)] : [];
        });
      },
      async putCustomers(rows) {
        for (const row of rows) {
          change(customers, row.id, setCustomer, row);
        }
      },
      async listCustomers({ after, limit, status }) {
        return [...customers.values()]
          .filter((row) => (status === undefined || row.status === status) && (after === undefined || row.id > after))
          .sort((a, b) => compareStrings(a.id, b.id))
          .slice(0, limit)
          .map(clone);
      },
      async findCustomersByLookupKeys(keys, limit) {
        const ids = [...new Set(keysFrom(lookupIndex, keys))].sort(compareStrings).slice(0, limit);
        return ids.map((id) => clone(customers.get(id)!));
      },
      async getMergeLink(id) {
        const link = links.get(id);
        return link ? clone(link) : undefined;
      },
      async listMergeLinks(homeIds) {
        return indexed(links, linkIndex, homeIds);
      },
      async putMergeLink(link) {
        change(links, link.id, setLink, link);
      },
      async deleteMergeLink(id) {
        change(links, id, setLink, undefined);
      },
      async getIdentityLink(id) {
        const found = identityLinks.get(id);
        return found ? clone(found) : undefined;
      },
      async listIdentityLinks(recordKeys) {
        return indexed(identityLinks, identityLinkIndex, recordKeys);
      },
      async putIdentityLink(link) {
        change(identityLinks, link.id, setIdentityLink, link);
      },
      async deleteIdentityLink(id) {
        change(identityLinks, id, setIdentityLink, undefined);
      },
      async getReviewItem(id) {
        const found = reviews.get(id);
        return found ? clone(found) : undefined;
      },
      async findReviewItems(pairKeys) {
        return indexed(reviews, reviewIndex, pairKeys);
      },
      async listReviewItems({ after, limit, status }) {
        return [...reviews.values()]
          .filter(
            (item) => (status === undefined || item.status === status) && (after === undefined || item.id > after),
          )
          .sort((a, b) => compareStrings(a.id, b.id))
          .slice(0, limit)
          .map(clone);
      },
      async putReviewItem(item) {
        change(reviews, item.id, setReview, item);
      },
      async getOverrides(ids) {
        const wanted = new Set(ids);
        return [...overrides.values()]
          .filter((o) => wanted.has(o.customerId))
          .sort((a, b) => compareStrings(a.customerId, b.customerId) || compareStrings(a.field, b.field))
          .map(clone);
      },
      async putOverride(override) {
        const key = `${override.customerId}\u0000${override.field}`;
        change(overrides, key, plain(overrides), override);
      },
      async deleteOverride(customerId, field) {
        const key = `${customerId}\u0000${field}`;
        change(overrides, key, plain(overrides), undefined);
      },
      async appendJournal(entries) {
        const length = journal.length;
        undo.push(() => {
          journal.length = length;
        });
        journal.push(...entries.map(clone));
      },
      async listJournal({ customerId, limit }) {
        return journal
          .filter((entry) => customerId === undefined || entry.customerIds.includes(customerId))
          .slice(0, limit)
          .map(clone);
      },
      async appendOutbox(events) {
        const length = outbox.length;
        const seq = outboxSeq;
        undo.push(() => {
          outbox.length = length;
          outboxSeq = seq;
        });
        for (const event of events) outbox.push({ ...clone(event), seq: ++outboxSeq });
      },
      async listOutbox({ after, limit }) {
        return outbox
          .filter((event) => after === undefined || (event.seq ?? 0) > after)
          .slice(0, limit)
          .map(clone);
      },
      async getExtensions(entityType, entityIds) {
        const keys = keysFrom(
          extensionIndex,
          [...new Set(entityIds)].map((id) => entityKey(entityType, id)),
        );
        return keys
          .map((key) => extensions.get(key)!)
          .sort((a, b) => compareStrings(a.entityId, b.entityId) || compareStrings(a.namespace, b.namespace))
          .map(clone);
      },
      async putExtension(row) {
        const key = extensionKey(row.namespace, row.entityType, row.entityId);
        change(extensions, key, setExtension, row);
      },
      async deleteExtension(namespace, entityType, entityId) {
        const key = extensionKey(namespace, entityType, entityId);
        change(extensions, key, setExtension, undefined);
      },
      async getWorkflowRun(id) {
        const found = workflowRuns.get(id);
        return found ? clone(found) : undefined;
      },
      async putWorkflowRun(run) {
        change(workflowRuns, run.id, plain(workflowRuns), run);
      },
      async listWorkflowRuns({ after, limit, status, workflow }) {
        return [...workflowRuns.values()]
          .filter(
            (run) =>
              (status === undefined || status.includes(run.status)) &&
              (workflow === undefined || run.workflow === workflow) &&
              (after === undefined || run.id > after),
          )
          .sort((a, b) => compareStrings(a.id, b.id))
          .slice(0, limit)
          .map(clone);
      },
      async appendAudit(entries) {
        // Checked before anything is written, so a refused call leaves nothing behind.
        const seqs = new Set<number>();
        for (const [i, entry] of entries.entries()) {
          if (!Number.isSafeInteger(entry?.seq)) {
            throw new InvalidArgumentError({
              argument: `entries[${i}].seq`,
              message: '[crmkit/memory-store] An audit entry\'s "seq" must be an integer.',
            });
          }
          if (seqs.has(entry.seq) || auditEntry(entry.seq)) {
            throw new ConflictError({
              message: `[crmkit/memory-store] Audit entry ${entry.seq} exists already: another writer extended the audit log.`,
            });
          }
          seqs.add(entry.seq);
        }
        for (const entry of entries) {
          undo.push(() => setAudit(entry.seq, undefined));
          setAudit(entry.seq, clone(entry));
        }
      },
      async lastAudit() {
        const last = audit[audit.length - 1];
        return last ? clone(last) : undefined;
      },
      async listAudit({ after, limit, target }) {
        if (target !== undefined) {
          return [...(auditTargets.get(target) ?? [])]
            .filter((seq) => after === undefined || seq > after)
            .sort((a, b) => a - b)
            .slice(0, limit)
            .map((seq) => clone(auditEntry(seq)!));
        }
        const start = after === undefined ? 0 : auditIndex(Math.floor(after) + 1);
        return audit.slice(start, start + limit).map(clone);
      },
      async redactAudit(targets) {
        let count = 0;
        for (const target of new Set(targets)) {
          // A copy: setAudit takes each seq out of the index and puts it back.
          for (const seq of [...(auditTargets.get(target) ?? [])]) {
            const prev = auditEntry(seq)!;
            if (prev.action === UNREDACTABLE_AUDIT_ACTION) continue;
            undo.push(() => setAudit(seq, prev));
            setAudit(seq, redactedAuditEntry(prev));
            count++;
          }
        }
        return count;
      },
      async getDocuments(kind, ids) {
        const ofKind = documents.get(kind);
        return [...new Set(ids)].sort(compareStrings).flatMap((id) => {
          const found = ofKind?.get(id);
          return found ? [clone(found)] : [];
        });
      },
      async putDocument(document) {
        const { kind, id } = document;
        const prev = documents.get(kind)?.get(id);
        undo.push(() => setDocument(kind, id, prev));
        setDocument(kind, id, clone(document));
      },
      async deleteDocument(kind, id) {
        const prev = documents.get(kind)?.get(id);
        undo.push(() => setDocument(kind, id, prev));
        setDocument(kind, id, undefined);
      },
      async listDocuments(kind, { after, limit, ref }) {
        return [...(documents.get(kind)?.values() ?? [])]
          .filter((doc) => (ref === undefined || doc.ref === ref) && (after === undefined || doc.id > after))
          .sort((a, b) => compareStrings(a.id, b.id))
          .slice(0, limit)
          .map(clone);
      },
      async redactJournal(customerIds) {
        const wanted = new Set(customerIds);
        let count = 0;
        for (const [i, entry] of journal.entries()) {
          if (!entry.customerIds.some((id) => wanted.has(id))) continue;
          undo.push(() => {
            journal[i] = entry;
          });
          journal[i] = { ...entry, data: clone(REDACTED) };
          count++;
        }
        return count;
      },
      async redactOutbox(ids) {
        const wanted = new Set(ids);
        let count = 0;
        if (wanted.size === 0) return count;
        for (const [i, event] of outbox.entries()) {
          if (!mentionsAnyId(event.payload, wanted)) continue;
          undo.push(() => {
            outbox[i] = event;
          });
          outbox[i] = { ...event, payload: clone(REDACTED) };
          count++;
        }
        return count;
      },
      async getGroups(ids) {
        const list = ids === undefined ? [...groups.values()] : ids.flatMap((id) => groups.get(id) ?? []);
        return list.sort((a, b) => compareStrings(a.id, b.id)).map(clone);
      },
      async putGroup(group) {
        change(groups, group.id, plain(groups), group);
      },
      async deleteGroup(id) {
        change(groups, id, plain(groups), undefined);
      },
    };
  }

  const store: Store = {
    specificationVersion: 'v1',
    name: options.name ?? 'memory',
    transaction<T>(fn: (tx: StoreTransaction) => Promise<T>, txOptions: TransactionOptions = {}): Promise<T> {
      const run = async (): Promise<T> => {
        if (closed) throw new Error('[crmkit/memory-store] The store is closed.');
        const undo: (() => void)[] = [];
        let active = true;
        const tx = makeTransaction(undo);
        // Guard against use of the transaction object after it has ended.
        const guarded = new Proxy(tx, {
          get(target, prop, receiver) {
            const value = Reflect.get(target, prop, receiver);
            if (typeof value !== 'function') return value;
            return (...args: unknown[]) => {
              if (!active) throw new Error('[crmkit/memory-store] Transaction already finished.');
              return (value as (...a: unknown[]) => unknown).apply(target, args);
            };
          },
        });
        try {
          const result = await fn(guarded);
          if (txOptions.signal?.aborted) throw new AbortedError({ cause: txOptions.signal.reason });
          return result;
        } catch (error) {
          for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
          throw error;
        } finally {
          active = false;
        }
      };
      const result = queue.then(run, run);
      queue = result.catch(() => undefined);
      return result;
    },
    async close() {
      closed = true;
    },
  };
  storedAudit.set(store, audit);
  return store;
}

/** The live audit arrays of memory stores, for {@link memoryStoreAuditRows}. */
const storedAudit = new WeakMap<Store, AuditEntry[]>();

/**
 * The audit entries a memory store holds, as stored (the live objects, not copies), or `undefined` for another
 * store. Internal: for tests that tamper with the stored log to show the chain catches it. Not exported from the
 * package.
 */
export function memoryStoreAuditRows(store: Store): AuditEntry[] | undefined {
  return storedAudit.get(store);
}
