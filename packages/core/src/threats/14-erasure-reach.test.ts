/**
 * Threat 14 of issue 13: erasure that erases. After `gdpr.erase`, nothing of the person may stay in the Hub's store:
 * not in workflow runs (inputs, step results, history), not in change requests (title, description, proposed value,
 * notes), not in audit `reason` text. A probable duplicate still waiting in the review queue is only a possible match
 * (the matcher was unsure; it may be someone else): by default it is reported to the admin with its review ids and
 * neither erased nor exported; erased with the person when the admin confirms it (`alsoErase`). The erasure report
 * lists what it reached, and an export made before the erasure shows the same things.
 */
import {
  type Actor,
  definePlugin,
  type HubEvent,
  redactedAuditEntry,
  type SourceRecordInput,
  type Store,
} from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../hub';
import { verifyAuditLog } from '../governance/audit';
import { createMemoryStore, memoryStoreAuditRows } from '../store/memory-store';

const T = (minute: number) => new Date(Date.UTC(2026, 2, 1, 10, minute)).toISOString();

function person(source: string, externalId: string, minute: number, data: Record<string, unknown>): SourceRecordInput {
  return { type: 'person', source, externalId, observedAt: T(minute), data } as SourceRecordInput;
}

/** Strings that identify the person; none may be found in the store after the erasure. */
const PERSONAL = ['Peter', 'de Vries', 'peter@example.com', 'pv.new@example.com', 'Oudegracht 7', '3511 AB'];
/** Strings of Pieter, the possible match (another person unless someone confirms otherwise). */
const PIETER = ['Pieter', 'pieter@elders.example'];

const dana: Actor = { kind: 'user', id: 'u_dana', roles: [{ name: 'data_admin' }] };
const sam: Actor = { kind: 'user', id: 'u_sam', roles: [{ name: 'user' }], departmentId: 'sales' };

/** A plugin whose workflow runs on every new customer with the golden record as input, and keeps the e-mail. */
const welcome = definePlugin({
  name: 'welcome',
  version: '1.0.0',
  permissions: {
    read: { entities: ['person'], fields: ['givenName', 'familyName', 'contactPoints'], events: ['customer.created'] },
  },
  workflows: {
    greet: {
      triggers: [{ event: 'customer.created' }],
      steps: [
        {
          name: 'pick-address',
          run: ({ input }) => {
            const event = input as unknown as HubEvent<'customer.created'>;
            return { to: event.payload.customer.golden.contactPoints[0]?.value ?? null };
          },
        },
      ],
    },
    callback: {
      triggers: [{ manual: true }],
      steps: [{ name: 'call', run: () => null }],
    },
  },
});

/** Every row of every store kind the Hub has, as JSON (the memory store read through the Store contract). */
async function dump(hub: Hub): Promise<string> {
  return hub.store.transaction(
    async (tx) => {
      const records = await tx.getRecords([
        'crm-a/person/p-1',
        'crm-b/person/p-2',
        'shop/person/s-9',
        'crm-a/person/x-1',
        'zendesk/interaction/i-1',
      ]);
      const customers = await tx.listCustomers({ limit: 1000 });
      const documents = [];
      for (const kind of ['change-request', 'consent', 'arrangement', 'erasure', 'erased-customer']) {
        documents.push(...(await tx.listDocuments(kind, { limit: 1000 })));
      }
      return JSON.stringify({
        records,
        customers,
        overrides: await tx.getOverrides(customers.map((c) => c.id)),
        extensions: await tx.getExtensions(
          'customer',
          customers.map((c) => c.id),
        ),
        reviews: await tx.listReviewItems({ limit: 1000 }),
        links: await tx.listIdentityLinks(['crm-a/person/p-1', 'crm-b/person/p-2']),
        mergeLinks: await tx.listMergeLinks(customers.map((c) => c.id)),
        runs: await tx.listWorkflowRuns({ limit: 1000 }),
        journal: await tx.listJournal({ limit: 10_000 }),
        outbox: await tx.listOutbox({ limit: 10_000 }),
        audit: await tx.listAudit({ limit: 10_000 }),
        documents,
      });
    },
    { readOnly: true },
  );
}

/** Peter, the data subject, and Pieter, a possible match of his waiting in the review queue. */
async function setup(store: Store = createMemoryStore()) {
  const hub = createHub({
    store,
    plugins: [welcome],
    workflows: { scheduler: false },
    users: [{ id: 'u_sam', departmentId: 'sales' }],
    departments: [{ id: 'sales', systems: ['crm-a'] }],
  });
  // Peter, and Pieter in another system: a borderline pair the matcher leaves open in the review queue.
  await hub.ingest([
    person('crm-a', 'p-1', 0, {
      givenName: 'Peter',
      familyName: 'de Vries',
      emails: ['peter@example.com'],
      addresses: [{ street: 'Oudegracht', houseNumber: '7', postalCode: '3511 AB', city: 'Utrecht' }],
    }),
    person('crm-a', 'x-1', 0, { givenName: 'Xena', familyName: 'Other', emails: ['xena@example.com'] }),
  ]);
  await hub.ingest([
    person('crm-b', 'p-2', 1, {
      givenName: 'Pieter',
      familyName: 'de Vries',
      emails: ['pieter@elders.example'],
      addresses: [{ postalCode: '3511 AB', city: 'Utrecht' }],
    }),
  ]);
  // Pieter's own record in the shop (same e-mail: the same customer as crm-b/p-2).
  await hub.ingest([
    person('shop', 's-9', 2, { givenName: 'Pieter', familyName: 'de Vries', emails: ['pieter@elders.example'] }),
  ]);
  await hub.workflows.idle();
  const [peter] = await hub.find({ email: 'peter@example.com' });
  expect(peter).toBeDefined();
  const [open] = await hub.reviews.list({ status: 'open' });
  expect(open, 'the matcher leaves Peter/Pieter open for review').toBeDefined();
  const pieterId = open!.customerIds.find((id) => id !== peter!.id)!;
  expect(pieterId).toBeDefined();

  // An override with a reason naming the person, a change request with the new e-mail and address, a manual
  // workflow run that is still pending with the person's e-mail as input.
  await hub.setOverride(peter!.id, 'jobTitle', 'Archivist', {
    reason: 'Peter de Vries called: moved to Oudegracht 7',
  });
  const request = await hub.as(sam).changes.request({
    kind: 'correction',
    title: 'Peter de Vries has a new e-mail',
    description: 'New address: Oudegracht 7, 3511 AB Utrecht; e-mail pv.new@example.com',
    customerId: peter!.id,
    field: 'emails',
    proposedValue: ['pv.new@example.com'],
  });
  await hub.as(sam).changes.comment(request.id, 'Confirmed with Peter on the phone (pv.new@example.com)');
  const pendingRun = await hub.workflows.start('welcome.callback', { email: 'peter@example.com', note: 'Peter' });
  // A run a worker holds, unfinished (its process is busy elsewhere): erasure must stop it too.
  const heldRun = await hub.store.transaction(async (tx) => {
    const run = (await tx.getWorkflowRun(pendingRun))!;
    const held = {
      ...run,
      id: 'wfr_held',
      status: 'running' as const,
      step: 0,
      results: {},
      completed: [],
      input: { customerId: peter!.id },
      leaseOwner: 'worker-b',
      leaseUntil: T(59),
    };
    delete held.finishedAt;
    await tx.putWorkflowRun(held);
    return held.id;
  });
  expect((await hub.workflows.list()).length).toBeGreaterThanOrEqual(4);
  return { hub, peter: peter!, pieterId, open: open!, request, pendingRun, heldRun };
}

describe('threat 14: erasure reaches every store that holds the person', () => {
  it('erases workflow runs, change requests, a confirmed probable duplicate and audit reasons; report and export list them', async () => {
    const { hub, peter, pieterId, open, request, pendingRun, heldRun } = await setup();

    // Export before erasure: every place the erasure will reach is there.
    const exported = await hub.as(dana).gdpr.export(peter.id);
    expect(exported.changeRequests.map((r) => r.id)).toEqual([request.id]);
    expect(exported.workflowRuns.map((r) => r.id)).toContain(pendingRun);
    expect(exported.workflowRuns.some((r) => r.workflow === 'welcome.greet')).toBe(true);
    expect(exported.reviewItems.map((r) => r.id)).toEqual([open.id]);
    expect(exported.possibleMatches).toEqual([{ customerId: pieterId, reviewIds: [open.id] }]);
    expect(exported.overrides.map((o) => o.field)).toEqual(['jobTitle']);
    expect(exported.audit.some((e) => e.reason?.includes('Oudegracht'))).toBe(true);
    expect(exported.audit.some((e) => e.target === `change:${request.id}`)).toBe(true);

    // The admin confirmed Pieter is Peter: erase him too.
    const report = await hub.as(dana).gdpr.erase(peter.id, { reason: 'Art. 17 request 7', alsoErase: [pieterId] });
    expect(report.hub.probableDuplicates).toEqual([{ customerId: pieterId, reviewIds: [open.id], records: 2 }]);
    expect(report.hub.possibleMatches).toEqual([]);
    expect(report.systems.map((s) => s.system)).toEqual(['crm-a', 'crm-b', 'shop']);
    expect(report.hub.changeRequests).toEqual([request.id]);
    // The person's runs, and the probable duplicate's own welcome run.
    expect(report.hub.workflowRuns).toEqual(expect.arrayContaining(exported.workflowRuns.map((r) => r.id)));
    expect(report.hub.workflowRuns).toHaveLength(exported.workflowRuns.length + 1);
    expect(report.hub.customers).toContain(peter.id);
    expect(report.hub.customers).toContain(pieterId);
    expect(report.hub.overrides).toBe(1);
    expect(report.hub.reviewItems).toBe(1);
    expect(report.hub.auditEntries).toBeGreaterThan(0);
    expect(report.records).toBe(3);

    // Nothing of the person is left in any store kind; unrelated data is.
    const after = await dump(hub);
    for (const text of [...PERSONAL, ...PIETER]) expect(after, `"${text}" survived the erasure`).not.toContain(text);
    expect(after).toContain('xena@example.com');
    expect((await hub.get(pieterId))?.status).toBe('deleted');
    // The change request keeps its skeleton, closed; the unfinished run is failed and cannot carry on.
    const [erasedRequest] = await hub.store.transaction((tx) => tx.getDocuments('change-request', [request.id]));
    expect(erasedRequest?.data).toMatchObject({ status: 'rejected', title: '[erased]', description: '' });
    expect(await hub.workflows.get(pendingRun)).toMatchObject({ status: 'completed', input: { redacted: true } });
    const held = await hub.workflows.get(heldRun);
    expect(held).toMatchObject({ status: 'failed', input: { redacted: true }, error: { code: 'ERASED' } });
    expect(held).not.toHaveProperty('leaseOwner');
    // The chain still verifies: the redactions are listed by the erasure entry.
    expect(await hub.governance.verifyAudit()).toMatchObject({ ok: true });
    await hub.close();
  });
});

describe('threat 14: a possible match is not erased or exported without confirmation', () => {
  it('by default erasure rejects the review item, reports the possible match by id and leaves its data alone', async () => {
    const { hub, peter, pieterId, open } = await setup();
    const pieterBefore = await hub.get(pieterId);
    expect(pieterBefore?.status).toBe('active');

    // The export discloses Pieter's id and the review id, nothing of his data.
    const exported = await hub.as(dana).gdpr.export(peter.id);
    expect(exported.possibleMatches).toEqual([{ customerId: pieterId, reviewIds: [open.id] }]);
    expect(exported).not.toHaveProperty('probableDuplicates');
    const exportedText = JSON.stringify(exported);
    for (const text of PIETER) expect(exportedText, `the export disclosed "${text}"`).not.toContain(text);

    const report = await hub.as(dana).gdpr.erase(peter.id);
    expect(report.hub.possibleMatches).toEqual([{ customerId: pieterId, reviewIds: [open.id] }]);
    expect(report.hub.probableDuplicates).toEqual([]);
    expect(report.hub.customers).toEqual([peter.id]);
    expect(report.records).toBe(1);
    // No adapter is asked to erase Pieter's records at the vendor.
    expect(report.systems.map((s) => s.system)).toEqual(['crm-a']);

    // Pieter is untouched: active, his records with their data; the review item is rejected and redacted.
    const pieterAfter = await hub.get(pieterId);
    expect(pieterAfter?.status).toBe('active');
    expect(pieterAfter?.golden).toEqual(pieterBefore?.golden);
    const records = await hub.store.transaction((tx) => tx.getRecords(['crm-b/person/p-2', 'shop/person/s-9']));
    expect(records.map((r) => [r.key, r.deleted, JSON.stringify(r.data)])).toEqual([
      ['crm-b/person/p-2', false, expect.stringContaining('pieter@elders.example')],
      ['shop/person/s-9', false, expect.stringContaining('pieter@elders.example')],
    ]);
    const item = await hub.store.transaction((tx) => tx.getReviewItem(open.id));
    expect(item).toMatchObject({ status: 'rejected', explanation: { redacted: true } });
    const after = await dump(hub);
    for (const text of PERSONAL.filter((t) => t !== 'de Vries' && t !== '3511 AB')) {
      expect(after, `"${text}" survived the erasure`).not.toContain(text);
    }
    expect(await hub.governance.verifyAudit()).toMatchObject({ ok: true });
    await hub.close();
  });

  it('refuses an alsoErase id that is not an open probable match, and erases nothing', async () => {
    const { hub, peter } = await setup();
    const [xena] = await hub.find({ email: 'xena@example.com' });
    await expect(hub.as(dana).gdpr.erase(peter.id, { alsoErase: [xena!.id] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect((await hub.get(peter.id))?.status).toBe('active');
    expect((await hub.get(xena!.id))?.status).toBe('active');
    await hub.close();
  });
});

describe('threat 14: a later redaction never takes away the erasure entry that authorises earlier ones', () => {
  it('redacting by the erased customer id again keeps the gdpr.erase entry, so verifyAudit stays ok', async () => {
    const store = createMemoryStore();
    const { hub, peter } = await setup(store);
    await hub.as(dana).gdpr.erase(peter.id, { reason: 'Art. 17 request 8' });
    expect(await hub.governance.verifyAudit()).toMatchObject({ ok: true });
    // A later erasure whose targets include the same customer id redacts by that target again.
    await store.transaction(async (tx) => {
      await tx.redactAudit([`customer:${peter.id}`]);
    });
    const rows = memoryStoreAuditRows(store)!;
    const erasure = rows.find((e) => e.action === 'gdpr.erase' && e.target === `customer:${peter.id}`)!;
    expect(erasure.redacted).not.toBe(true);
    expect(erasure.changes).not.toBeNull();
    const report = await hub.governance.verifyAudit();
    // The erase-report entry redacted here is listed by no erasure (this direct call is not one): that is the only
    // problem; the redactions the first erasure authorised still verify.
    expect(report.ok === true || rows[report.problem!.seq - 1]!.action === 'gdpr.erase-report').toBe(true);
    await hub.close();
  });

  it('the verifier names a redacted gdpr.erase entry explicitly', async () => {
    const store = createMemoryStore();
    const { hub, peter } = await setup(store);
    await hub.as(dana).gdpr.erase(peter.id);
    const entries = memoryStoreAuditRows(store)!.map((e) => structuredClone(e));
    const at = entries.findIndex((e) => e.action === 'gdpr.erase');
    entries[at] = redactedAuditEntry(entries[at]!);
    const result = await verifyAuditLog(entries);
    expect(result.ok).toBe(false);
    expect(result.problem).toEqual({
      seq: entries[at]!.seq,
      reason: expect.stringContaining('gdpr.erase entry redacted'),
    });
    await hub.close();
  });
});
