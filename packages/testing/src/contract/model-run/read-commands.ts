/** Read commands of the model-based test: each compares one paged or keyed read of the store with the model. */

import { expect } from 'vitest';
import type {
  AuditEntry,
  CustomerStatus,
  ExtensionRow,
  IdentityLink,
  OutboxEvent,
  RecordType,
  ReviewItem,
  ReviewStatus,
  StoredDocument,
  StoredRecord,
  StoreTransaction,
  WorkflowRun,
  WorkflowRunStatus,
} from '@crmkit/model';
import { compareStrings } from '@crmkit/model';
import { byExtensionKey } from '../fixtures';
import {
  auditTarget,
  blockKey,
  type Command,
  customerId,
  type DOCUMENT_KINDS,
  type EXTENSION_TYPES,
  extensionEntityId,
  liveRecords,
  lookupKey,
  matchKey,
  type Model,
  type ModelRecordType,
  type PARTY_TYPES,
  type Real,
  recordKey,
  refKey,
  sortedRecords,
  sortedRows,
} from './model';
import { read } from './specs';

// ---------------------------------------------------------------------------------------------------------------
// Read checks
// ---------------------------------------------------------------------------------------------------------------

/** The run's documents of one kind, ordered by id, optionally with one ref. */
export function expectedDocuments(m: Model, kind: string, ref?: string): StoredDocument[] {
  return [...m.documents.values()]
    .filter((d) => d.kind === kind && (ref === undefined || d.ref === ref))
    .sort((x, y) => compareStrings(x.id, y.id));
}

export class ListDocumentPages implements Command {
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
export function expectedAudit(m: Model, target?: string): AuditEntry[] {
  return m.audit.filter((e) => target === undefined || e.target === target);
}

/** Pages through the audit log from where the run started, optionally of one target, `limit` entries at a time. */
export async function auditPages(
  m: Model,
  tx: StoreTransaction,
  limit: number,
  target?: string,
): Promise<AuditEntry[][]> {
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
export function expectedAuditPages(m: Model, limit: number, target?: string): AuditEntry[][] {
  const all = expectedAudit(m, target);
  const pages: AuditEntry[][] = [];
  for (let i = 0; ; i += limit) {
    pages.push(all.slice(i, i + limit));
    if (all.length < i + limit) return pages;
  }
}

export class ListAuditPages implements Command {
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

export class FindRecordsByMatchKeys implements Command {
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

export const byLimitedKey = (list: StoredRecord[], limit: number) => sortedRecords(list).slice(0, limit);

/** What `findRecordsByBlockKeys` must return: live records of the type with any of the keys, by key, up to `limit`. */
export function expectedByBlockKeys(
  m: Model,
  keys: readonly string[],
  type: RecordType,
  limit: number,
): StoredRecord[] {
  const wanted = new Set(keys);
  return byLimitedKey(
    liveRecords(m).filter((r) => r.type === type && r.blockKeys.some((k) => wanted.has(k))),
    limit,
  );
}

export class FindRecordsByBlockKeys implements Command {
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
export function expectedLinks(m: Model, recordKeys: readonly string[]): IdentityLink[] {
  const wanted = new Set(recordKeys);
  return [...m.identityLinks.values()]
    .filter((l) => wanted.has(l.a) || wanted.has(l.b))
    .sort((x, y) => compareStrings(x.id, y.id));
}

export class ListIdentityLinks implements Command {
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
export function expectedReviews(m: Model, status?: ReviewStatus): ReviewItem[] {
  return [...m.reviews.values()]
    .filter((r) => status === undefined || r.status === status)
    .sort((x, y) => compareStrings(x.id, y.id));
}

export class ListReviewPages implements Command {
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
export function expectedExtensions(m: Model, entityType: string, entityIds: readonly string[]): ExtensionRow[] {
  const wanted = new Set(entityIds);
  return byExtensionKey(
    [...m.extensions.values()].filter((r) => r.entityType === entityType && wanted.has(r.entityId)),
  );
}

export class GetExtensions implements Command {
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
export function expectedWorkflowRuns(
  m: Model,
  status?: readonly WorkflowRunStatus[],
  workflow?: string,
): WorkflowRun[] {
  return [...m.workflowRuns.values()]
    .filter(
      (r) => (status === undefined || status.includes(r.status)) && (workflow === undefined || r.workflow === workflow),
    )
    .sort((x, y) => compareStrings(x.id, y.id));
}

export class ListWorkflowRunPages implements Command {
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

export class FindRecordsByRefKeys implements Command {
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

export class ListRecordsByCustomer implements Command {
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

export class FindCustomersByLookupKeys implements Command {
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

export class ListCustomerPages implements Command {
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
export async function learnSeqs(m: Model, real: Real, pageSize: number): Promise<OutboxEvent[]> {
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

export class ListOutbox implements Command {
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
