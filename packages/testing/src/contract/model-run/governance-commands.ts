/** Write commands of the model-based test on governance data: documents, the audit log, the journal, and redactions. */

import fc from 'fast-check';
import { expect } from 'vitest';
import type { AuditEntry, JournalEntry, StoredDocument } from '@crmkit/model';
import { redactedAuditEntry } from '@crmkit/model';
import { hex64, T1, T2 } from '../fixtures';
import {
  auditHead,
  auditTarget,
  type Command,
  customerId,
  CUSTOMERS,
  DOCUMENT_KINDS,
  documentId,
  documentKey,
  DOCUMENTS,
  mentionsAny,
  type Model,
  type Real,
} from './model';
import { inTransaction, read } from './specs';
import { learnSeqs } from './read-commands';

export interface DocumentSpec {
  kind: (typeof DOCUMENT_KINDS)[number];
  id: number;
  /** A customer of the run, or none. */
  ref: number | null;
  n: number;
}

export const documentSpecArb: fc.Arbitrary<DocumentSpec> = fc.record({
  kind: fc.constantFrom(...DOCUMENT_KINDS),
  id: fc.nat(DOCUMENTS - 1),
  ref: fc.option(fc.nat(CUSTOMERS - 1), { nil: null }),
  n: fc.nat(9),
});

export function documentOf(m: Model, spec: DocumentSpec): StoredDocument {
  return {
    kind: spec.kind,
    id: documentId(m, spec.id),
    ref: spec.ref === null ? null : customerId(m, spec.ref),
    data: spec.n % 3 === 0 ? null : { n: spec.n, tags: spec.n % 2 === 0 ? [] : ['a', spec.n] },
    updatedAt: spec.n % 2 === 0 ? T1 : T2,
  };
}

export class PutDocument implements Command {
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

export class DeleteDocument implements Command {
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
export class AppendAudit implements Command {
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

export class RedactAudit implements Command {
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

export class AppendJournal implements Command {
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

export class RedactJournal implements Command {
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

export class RedactOutbox implements Command {
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
