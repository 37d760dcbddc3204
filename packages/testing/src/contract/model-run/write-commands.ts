/**
 * Write commands of the model-based test: records, customers, outbox, identity links, review items, extensions,
 * workflow runs.
 */

import { expect } from 'vitest';
import type { CustomerRow, CustomerStatus, ExtensionRow, JsonValue, OutboxEvent, WorkflowRun } from '@crmkit/model';
import { byExtensionKey, T1, T2 } from '../fixtures';
import {
  type Command,
  customerId,
  CUSTOMERS,
  extensionEntityId,
  extensionKey,
  identityLinkId,
  liveRecords,
  type Model,
  type Real,
  sortedRecords,
  sortedRows,
  workflowRunId,
} from './model';
import {
  customerOf,
  type CustomerSpec,
  extensionOf,
  type ExtensionSpec,
  identityLinkOf,
  inTransaction,
  type LinkSpec,
  read,
  recordOf,
  type RecordSpec,
  reviewOf,
  type ReviewSpec,
  withStatus,
  workflowRunOf,
  type WorkflowRunSpec,
} from './specs';
import { expectedExtensions } from './read-commands';

// ---------------------------------------------------------------------------------------------------------------
// Write commands
// ---------------------------------------------------------------------------------------------------------------

export class PutRecords implements Command {
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

export class PutCustomers implements Command {
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

export class SetStatus implements Command {
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

export class AppendOutbox implements Command {
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

export class PutIdentityLink implements Command {
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

export class DeleteIdentityLink implements Command {
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

export class PutIdentityLinks implements Command {
  constructor(
    readonly specs: LinkSpec[],
    readonly fail: boolean,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const links = this.specs.map((spec) => identityLinkOf(m, spec));
    // Ids may repeat: the last link of an id wins, as with one putIdentityLink after another.
    const last = new Map(links.map((link) => [link.id, link]));
    await inTransaction(real, this.fail, async (tx) => {
      await tx.putIdentityLinks(links);
      for (const [id, link] of last) expect(await tx.getIdentityLink(id), 'reads its own link writes').toEqual(link);
    });
    if (!this.fail) for (const [id, link] of last) m.identityLinks.set(id, link);
    for (const id of last.keys()) {
      expect(await read(real, (tx) => tx.getIdentityLink(id))).toEqual(m.identityLinks.get(id));
    }
  }
  toString() {
    const specs = this.specs.map((spec) => `l${spec.id} r${spec.x}-r${spec.y} ${spec.kind}`);
    return `putIdentityLinks([${specs.join(', ')}])${this.fail ? ' then throw' : ''}`;
  }
}

export class DeleteIdentityLinks implements Command {
  constructor(
    readonly ids: number[],
    readonly fail: boolean,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const ids = this.ids.map((i) => identityLinkId(m, i));
    await inTransaction(real, this.fail, async (tx) => {
      await tx.deleteIdentityLinks(ids);
      for (const id of ids) expect(await tx.getIdentityLink(id)).toBeUndefined();
    });
    if (!this.fail) for (const id of ids) m.identityLinks.delete(id);
    for (const id of ids) expect(await read(real, (tx) => tx.getIdentityLink(id))).toEqual(m.identityLinks.get(id));
  }
  toString() {
    return `deleteIdentityLinks([${this.ids.map((i) => `l${i}`).join(', ')}])${this.fail ? ' then throw' : ''}`;
  }
}

export class PutReviewItem implements Command {
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

export class PutExtension implements Command {
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

export class DeleteExtension implements Command {
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

export class PutWorkflowRun implements Command {
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
export const OPTIONAL_RUN_FIELDS = ['error', 'finishedAt', 'notBefore', 'leaseOwner', 'leaseUntil'] as const;

/**
 * Reads a run and writes its next version, as a host does after each step: the optional fields flip between set and
 * left out, so a store that merges a write into the stored run (instead of replacing it) keeps stale ones.
 */
export class AdvanceWorkflowRun implements Command {
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
