/**
 * Integration tests of the HubSpot adapter against the local HubSpot sandbox of `@crmkit/testing`. (The OpenAPI check
 * of requests and responses is `spec.test.ts`.)
 */
import { parseSourceRecord, type SourceRecordInput, type SyncBatch, type WebhookRequest } from '@crmkit/model';
import { createHubspotSandbox, type HubspotSandbox, startWebhookReceiver, type WebhookReceiver } from '@crmkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubspot, type HubspotAdapter, WRITE_KEY_PROPERTY } from './adapter';
import { decodeCheckpoint } from './checkpoint';
import type { HubspotSettings, InvalidObjectReport } from './settings';

let sandbox: HubspotSandbox;
let portal = 70_000;

function adapterFor(box: HubspotSandbox, settings: Partial<HubspotSettings> = {}): HubspotAdapter {
  portal += 1;
  return createHubspot({
    baseUrl: box.url,
    credentials: { type: 'token', token: box.accessToken },
    // A fresh rate budget per adapter (budgets are shared per portal id in the process).
    portalId: portal,
    http: { timeoutMs: 5_000, maxWaitMs: 20_000 },
    defaultCurrency: 'EUR',
    ...settings,
  });
}

async function collect(iterable: AsyncIterable<SyncBatch>): Promise<SyncBatch[]> {
  const out: SyncBatch[] = [];
  for await (const batch of iterable) out.push(batch);
  return out;
}

const recordsOf = (batches: SyncBatch[]): SourceRecordInput[] => batches.flatMap((b) => b.records);
const lastCheckpoint = (batches: SyncBatch[]): string => batches[batches.length - 1]!.checkpoint!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  sandbox = await createHubspotSandbox({ webhookFlushIntervalMs: 0 });
});

afterAll(async () => {
  await sandbox?.close();
});

describe('read (sandbox)', () => {
  let seeded: Awaited<ReturnType<HubspotSandbox['seed']>>;
  let box: HubspotSandbox;

  beforeAll(async () => {
    box = await createHubspotSandbox({ webhookFlushIntervalMs: 0 });
    seeded = box.seed({ contacts: 23, companies: 4, deals: 9, engagements: 12, seed: 7 });
  });
  afterAll(async () => {
    await box?.close();
  });

  it('reads everything in a full pass, with associations, one batch per page', async () => {
    const invalid: InvalidObjectReport[] = [];
    const adapter = adapterFor(box, { pageSize: 5, onInvalid: (r) => invalid.push(r) });
    const batches = await collect(adapter.read());
    const records = recordsOf(batches);
    for (const record of records) parseSourceRecord(record);
    const byType = (type: string) => records.filter((r) => r.type === type);
    expect(byType('person')).toHaveLength(23);
    expect(byType('organization')).toHaveLength(4);
    expect(byType('opportunity')).toHaveLength(9);
    expect(byType('interaction')).toHaveLength(12);
    expect(invalid).toEqual([]);
    // Contacts carry their company, deals their customer, engagements their participants.
    const person = byType('person')[0] as Extract<SourceRecordInput, { type: 'person' }>;
    expect(seeded.companies).toContain((person.data.organization!.ref as { externalId: string }).externalId);
    const deal = byType('opportunity')[0] as Extract<SourceRecordInput, { type: 'opportunity' }>;
    expect(deal.data.customer).toMatchObject({ type: 'organization' });
    expect(deal.data.amount?.currency).toBe('EUR');
    const interaction = byType('interaction')[0] as Extract<SourceRecordInput, { type: 'interaction' }>;
    expect(interaction.externalId).toMatch(/^notes:\d+$/);
    expect(interaction.data.participants[0]!.ref).toMatchObject({ type: 'person' });
    // observedAt is HubSpot's updatedAt.
    const contact = box.getObject('contacts', person.externalId)!;
    expect(person.observedAt).toBe(contact.updatedAt);
    // Pages of 5: 5 contact pages, 1 company page, 2 deal pages and 1 page per engagement type; the last one
    // hands over an incremental checkpoint.
    expect(batches.length).toBe(5 + 1 + 2 + 4);
    const final = decodeCheckpoint(lastCheckpoint(batches));
    expect(final.mode).toBe('incremental');
  });

  it('resumes a crashed full pass from the page after the last ingested one', async () => {
    const adapter = adapterFor(box, { pageSize: 5 });
    const all = await collect(adapter.read());
    const crashedAfter = 3; // batches 0..3 were ingested
    const resumed = await collect(adapter.read({ checkpoint: all[crashedAfter]!.checkpoint! }));
    expect(recordsOf(resumed).map((r) => r.externalId)).toEqual(
      recordsOf(all.slice(crashedAfter + 1)).map((r) => r.externalId),
    );
  });

  it('reads only the selected record types', async () => {
    const adapter = adapterFor(box);
    const records = recordsOf(await collect(adapter.read({ types: ['organization'] })));
    expect(records).toHaveLength(4);
    expect(new Set(records.map((r) => r.type))).toEqual(new Set(['organization']));
  });

  it('reads incrementally: only what changed, with references kept', async () => {
    const adapter = adapterFor(box, { overlapMs: 0 });
    const full = await collect(adapter.read());
    await sleep(5);
    const contactId = seeded.contacts[3]!;
    const dealId = seeded.deals[2]!;
    box.updateObject('contacts', contactId, { jobtitle: 'Head of Data' });
    box.updateObject('deals', dealId, { dealstage: 'closedwon' });
    // The search is inclusive (GTE): a change in the very millisecond a run starts is read again by the next run.
    await sleep(5);
    const changed = await collect(adapter.read({ checkpoint: lastCheckpoint(full) }));
    const records = recordsOf(changed);
    expect(records.map((r) => `${r.type}:${r.externalId}`).sort()).toEqual(
      [`opportunity:${dealId}`, `person:${contactId}`].sort(),
    );
    const person = records.find((r) => r.type === 'person') as Extract<SourceRecordInput, { type: 'person' }>;
    expect(person.data.jobTitle).toBe('Head of Data');
    expect(person.data.organization?.ref).toMatchObject({ type: 'organization' });
    const deal = records.find((r) => r.type === 'opportunity') as Extract<SourceRecordInput, { type: 'opportunity' }>;
    expect(deal.data).toMatchObject({ status: 'won', customer: { type: 'organization' } });
    // Nothing changed since: the next run is empty.
    await sleep(5);
    expect(recordsOf(await collect(adapter.read({ checkpoint: lastCheckpoint(changed) })))).toEqual([]);
  });

  it('re-reads the overlap window (so changes near the pass start are never lost)', async () => {
    const adapter = adapterFor(box, { overlapMs: 60_000, objects: ['companies'] });
    const full = await collect(adapter.read());
    const again = recordsOf(await collect(adapter.read({ checkpoint: lastCheckpoint(full) })));
    // Everything was seeded within the last minute, so the overlap brings it all again (harmless repeats).
    expect(again).toHaveLength(4);
  });

  it('refuses a malformed checkpoint', async () => {
    const adapter = adapterFor(box);
    await expect(collect(adapter.read({ checkpoint: 'garbage!' }))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      argument: 'checkpoint',
    });
  });

  it('reports objects that fail the model without stopping the sync', async () => {
    const invalid: InvalidObjectReport[] = [];
    const lonely = box.createObject('deals', {
      dealname: 'No customer',
      dealstage: 'qualifiedtobuy',
      pipeline: 'default',
    });
    const adapter = adapterFor(box, { objects: ['deals'], onInvalid: (r) => invalid.push(r) });
    const records = recordsOf(await collect(adapter.read()));
    expect(records).toHaveLength(9);
    expect(invalid).toEqual([
      expect.objectContaining({ objectType: 'deals', objectId: lonely.id, path: 'record.data.customer' }),
    ]);
    expect(adapter.stats()).toEqual({ invalid: 1 });
    box.archiveObject('deals', lonely.id);
  });
});

describe('incremental search with many changes (sandbox)', () => {
  let box: HubspotSandbox;
  beforeAll(async () => {
    box = await createHubspotSandbox({ webhookFlushIntervalMs: 0 });
  });
  afterAll(async () => {
    await box?.close();
  });

  it('pages a long search by keyset (every page from the last modification time seen)', async () => {
    const seeded = box.seed({ contacts: 950, seed: 3 });
    const adapter = adapterFor(box, { objects: ['contacts'], searchPageSize: 200 });
    const start = 'eyJ2IjoxLCJtb2RlIjoiaW5jcmVtZW50YWwiLCJzaW5jZSI6e319'; // { v: 1, mode: 'incremental', since: {} }
    expect(decodeCheckpoint(start)).toEqual({ v: 1, mode: 'incremental', since: {} });
    const ids = recordsOf(await collect(adapter.read({ checkpoint: start }))).map((r) => r.externalId);
    expect(ids).toHaveLength(950);
    expect(new Set(ids)).toEqual(new Set(seeded.contacts));
  });

  it('reads more than 10,000 changed objects through HubSpot’s real cap', async () => {
    const seeded = box.seed({ contacts: 10_150, seed: 4 });
    const adapter = adapterFor(box, { objects: ['contacts'] });
    const batches = await collect(adapter.read({ checkpoint: 'eyJ2IjoxLCJtb2RlIjoiaW5jcmVtZW50YWwiLCJzaW5jZSI6e319' }));
    const ids = recordsOf(batches).map((r) => r.externalId);
    const expected = new Set([...seeded.contacts, ...box.listObjects('contacts').map((o) => o.id)]);
    expect(new Set(ids)).toEqual(expected);
    expect(ids.length).toBe(expected.size); // no duplicates at the restart boundary
    expect(box.stats().byOperation.search ?? 0).toBeGreaterThan(50);
  }, 120_000);
});

describe('write (sandbox)', () => {
  it('creates, updates and deletes with per-record results in input order', async () => {
    const adapter = adapterFor(sandbox);
    const company = sandbox.createObject('companies', { name: 'Writers Inc', domain: 'writers.example' });
    const results = await adapter.write([
      {
        type: 'person',
        operation: 'create',
        idempotencyKey: 'w-1',
        data: {
          givenName: 'Wendy',
          familyName: 'Writer',
          emails: ['wendy@writers.example'],
          organization: { ref: { type: 'organization', externalId: company.id } },
        },
      },
      { type: 'person', operation: 'create', idempotencyKey: 'w-2', data: { givenName: 'Walt', fullName: 'Walt W' } },
      {
        type: 'opportunity',
        operation: 'create',
        idempotencyKey: 'w-3',
        data: {
          name: 'Pens',
          stage: 'qualifiedtobuy',
          pipeline: 'default',
          amount: { amount: '12.5', currency: 'EUR' },
        },
      },
      {
        type: 'interaction',
        operation: 'create',
        idempotencyKey: 'w-4',
        data: {
          occurredAt: '2026-02-01T10:00:00Z',
          subject: 'Intro call',
          direction: 'outbound',
          activity: { kind: 'call', durationSeconds: 90 },
          participants: [{ ref: { type: 'organization', externalId: company.id }, role: 'customer' }],
        },
      },
    ]);
    expect(results.map((r) => [r.idempotencyKey, r.ok])).toEqual([
      ['w-1', true],
      ['w-2', false],
      ['w-3', true],
      ['w-4', true],
    ]);
    expect(results[1]).toMatchObject({ code: 'VALIDATION_FAILED', retryable: false });
    expect(results[1]!.ok === false && results[1]!.message).toContain('fullName');
    const contactId = (results[0] as { externalId: string }).externalId;
    expect(sandbox.getObject('contacts', contactId)?.properties).toMatchObject({
      firstname: 'Wendy',
      email: 'wendy@writers.example',
      [WRITE_KEY_PROPERTY]: 'w-1',
    });
    expect(sandbox.associations('contacts', contactId, 'companies')).toEqual([company.id]);
    const callExternalId = (results[3] as { externalId: string }).externalId;
    expect(callExternalId).toMatch(/^calls:\d+$/);
    const callId = callExternalId.split(':')[1]!;
    expect(sandbox.getObject('calls', callId)?.properties).toMatchObject({
      hs_call_title: 'Intro call',
      hs_call_duration: '90000',
    });
    expect(sandbox.associations('calls', callId, 'companies')).toEqual([company.id]);

    const dealId = (results[2] as { externalId: string }).externalId;
    const second = await adapter.write([
      {
        type: 'person',
        operation: 'update',
        externalId: contactId,
        idempotencyKey: 'u-1',
        data: { jobTitle: 'Scribe' },
      },
      { type: 'opportunity', operation: 'delete', externalId: dealId, idempotencyKey: 'd-1', data: {} },
      {
        type: 'interaction',
        operation: 'update',
        externalId: callExternalId,
        idempotencyKey: 'u-2',
        data: { subject: 'Intro' },
      },
    ]);
    expect(second.every((r) => r.ok)).toBe(true);
    expect(sandbox.getObject('contacts', contactId)?.properties.jobtitle).toBe('Scribe');
    expect(sandbox.getObject('deals', dealId)).toBeUndefined();
    expect(sandbox.getObject('calls', callId)?.properties.hs_call_title).toBe('Intro');
  });

  it('maps a 207 partial failure per record', async () => {
    const adapter = adapterFor(sandbox);
    const a = sandbox.createObject('contacts', { firstname: 'A', email: 'a207@example.com' });
    const b = sandbox.createObject('contacts', { firstname: 'B', email: 'b207@example.com' });
    const results = await adapter.write([
      { type: 'person', operation: 'update', externalId: a.id, idempotencyKey: 'p-1', data: { givenName: 'Anna' } },
      { type: 'person', operation: 'update', externalId: '999999999', idempotencyKey: 'p-2', data: { givenName: 'X' } },
      { type: 'person', operation: 'update', externalId: b.id, idempotencyKey: 'p-3', data: { givenName: 'Bert' } },
    ]);
    expect(results).toEqual([
      { ok: true, idempotencyKey: 'p-1', externalId: a.id },
      expect.objectContaining({ ok: false, idempotencyKey: 'p-2', code: 'NOT_FOUND', retryable: false }),
      { ok: true, idempotencyKey: 'p-3', externalId: b.id },
    ]);
    expect(sandbox.getObject('contacts', a.id)?.properties.firstname).toBe('Anna');
  });

  it('writes two changes to one object in one call in order (HubSpot refuses a batch naming an object twice)', async () => {
    const adapter = adapterFor(sandbox);
    const contact = sandbox.createObject('contacts', { firstname: 'Twice' });
    const results = await adapter.write([
      {
        type: 'person',
        operation: 'update',
        externalId: contact.id,
        idempotencyKey: 't-1',
        data: { jobTitle: 'First' },
      },
      {
        type: 'person',
        operation: 'update',
        externalId: contact.id,
        idempotencyKey: 't-2',
        data: { jobTitle: 'Second' },
      },
    ]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(sandbox.getObject('contacts', contact.id)?.properties.jobtitle).toBe('Second');
  });

  it('isolates a record the vendor refuses (duplicate email 409, bad value 400) from the rest of its batch', async () => {
    const adapter = adapterFor(sandbox);
    sandbox.createObject('contacts', { firstname: 'Taken', email: 'taken@example.com' });
    const results = await adapter.write([
      {
        type: 'person',
        operation: 'create',
        idempotencyKey: 'c-1',
        data: { givenName: 'Ok', emails: ['ok1@example.com'] },
      },
      {
        type: 'person',
        operation: 'create',
        idempotencyKey: 'c-2',
        data: { givenName: 'Dup', emails: ['taken@example.com'] },
      },
      { type: 'person', operation: 'create', idempotencyKey: 'c-3', data: { lifecycleStage: 'not-a-stage' } },
      { type: 'person', operation: 'create', idempotencyKey: 'c-4', data: { givenName: 'Ok2' } },
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['ok', 'CONFLICT', 'VALIDATION_FAILED', 'ok']);
  });

  it('does not duplicate a retried create (same idempotency key)', async () => {
    const adapter = adapterFor(sandbox);
    const change = {
      type: 'organization' as const,
      operation: 'create' as const,
      idempotencyKey: 'retry-me',
      data: { name: 'Retry Ltd', domain: 'retry.example' },
    };
    const before = sandbox.listObjects('companies').length;
    const first = await adapter.write([change]);
    // A second adapter instance (a restarted process) retries the same change, twice in one call.
    const second = await adapterFor(sandbox).write([change, change]);
    expect(first[0]).toMatchObject({ ok: true });
    expect(second.map((r) => (r.ok ? r.externalId : r.code))).toEqual([
      (first[0] as { externalId: string }).externalId,
      (first[0] as { externalId: string }).externalId,
    ]);
    expect(sandbox.listObjects('companies').length).toBe(before + 1);
  });

  it('refuses to overwrite a newer vendor value (CONFLICT with the current record)', async () => {
    const adapter = adapterFor(sandbox);
    const contact = sandbox.createObject('contacts', {
      firstname: 'Cora',
      jobtitle: 'Engineer',
      email: 'cora@example.com',
    });
    const observedAt = contact.updatedAt;
    await sleep(5);
    sandbox.updateObject('contacts', contact.id, { jobtitle: 'Manager' }); // someone edits it in HubSpot
    const results = await adapter.write([
      {
        type: 'person',
        operation: 'update',
        externalId: contact.id,
        idempotencyKey: 'k-1',
        data: { jobTitle: 'Senior Engineer' },
        base: { observedAt, data: { jobTitle: 'Engineer' } },
      },
      {
        type: 'person',
        operation: 'update',
        externalId: contact.id,
        idempotencyKey: 'k-2',
        data: { givenName: 'Cory' },
        base: { observedAt, data: { givenName: 'Cora' } },
      },
    ]);
    expect(results[0]).toMatchObject({ ok: false, code: 'CONFLICT', retryable: false });
    const current = (results[0] as { current?: SourceRecordInput }).current as Extract<
      SourceRecordInput,
      { type: 'person' }
    >;
    expect(current.data.jobTitle).toBe('Manager');
    expect(current.externalId).toBe(contact.id);
    expect(results[1]).toMatchObject({ ok: true });
    expect(sandbox.getObject('contacts', contact.id)?.properties).toMatchObject({
      jobtitle: 'Manager',
      firstname: 'Cory',
    });
  });
  it('detects conflicts on custom-mapped attributes and references, and writes unchanged ones', async () => {
    sandbox.defineProperty('contacts', {
      name: 'loyalty_tier',
      label: 'Loyalty tier',
      type: 'string',
      fieldType: 'text',
      groupName: 'contactinformation',
    });
    const adapter = adapterFor(sandbox, { mapping: { contacts: { loyalty_tier: 'attributes.sales.loyaltyTier' } } });
    const acme = sandbox.createObject('companies', { name: 'Acme' });
    const other = sandbox.createObject('companies', { name: 'Other' });
    const contact = sandbox.createObject(
      'contacts',
      { firstname: 'Lia', loyalty_tier: 'silver' },
      { associations: [{ toType: 'companies', toId: acme.id, typeId: 1 }] },
    );
    const observedAt = contact.updatedAt;
    await sleep(5);
    sandbox.updateObject('contacts', contact.id, { loyalty_tier: 'gold' });
    const results = await adapter.write([
      {
        type: 'person',
        operation: 'update',
        externalId: contact.id,
        idempotencyKey: 'a-1',
        data: { attributes: { sales: { loyaltyTier: 'platinum' } } },
        base: { observedAt, data: { attributes: { sales: { loyaltyTier: 'silver' } } } },
      },
      {
        type: 'person',
        operation: 'update',
        externalId: contact.id,
        idempotencyKey: 'a-2',
        data: { organization: { ref: { type: 'organization', externalId: other.id } } },
        base: { observedAt, data: { organization: { ref: { type: 'organization', externalId: other.id } } } },
      },
      {
        type: 'person',
        operation: 'update',
        externalId: contact.id,
        idempotencyKey: 'a-3',
        data: { organization: { ref: { type: 'organization', externalId: other.id } } },
        base: { observedAt, data: { organization: { ref: { type: 'organization', externalId: acme.id } } } },
      },
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['CONFLICT', 'CONFLICT', 'ok']);
    const current = (results[0] as { current?: Extract<SourceRecordInput, { type: 'person' }> }).current!;
    expect(current.data.attributes).toMatchObject({ sales: { loyaltyTier: 'gold' } });
    expect(sandbox.getObject('contacts', contact.id)?.properties.loyalty_tier).toBe('gold');
    expect(sandbox.associations('contacts', contact.id, 'companies').sort()).toEqual([acme.id, other.id].sort());
  });
});

describe('erase (sandbox)', () => {
  it('GDPR-deletes contacts by id and, for emails without a known id, by email', async () => {
    const adapter = adapterFor(sandbox);
    const byId = sandbox.createObject('contacts', { firstname: 'Gone', email: 'gone@example.com' });
    const byEmail = sandbox.createObject('contacts', { firstname: 'Also', email: 'also-gone@example.com' });
    const result = await adapter.erase({
      records: [{ type: 'person', externalId: byId.id }],
      emails: ['gone@example.com', 'also-gone@example.com'],
    });
    expect(result).toMatchObject({ status: 'erased', erased: 2 });
    expect(sandbox.getObject('contacts', byId.id)).toBeUndefined();
    expect(sandbox.getObject('contacts', byId.id, { archived: true })).toBeUndefined();
    expect(sandbox.getObject('contacts', byEmail.id)).toBeUndefined();
    expect(adapter.capabilities.erase).toBe(true);
  });
});

describe('owners (sandbox)', () => {
  it('lists owners with crmkit owner ids', async () => {
    const owner = sandbox.addOwner({ email: 'olga@example.com', firstName: 'Olga', lastName: 'Owner' });
    const owners = await adapterFor(sandbox).owners();
    expect(owners).toContainEqual({
      id: `hubspot-owner-${owner.id}`,
      hubspotId: owner.id,
      email: 'olga@example.com',
      name: 'Olga Owner',
      archived: false,
    });
  });
});

describe('webhooks (sandbox)', () => {
  let receiver: WebhookReceiver;
  let receiverUrl: string;
  const received: WebhookRequest[] = [];

  beforeAll(async () => {
    receiver = await startWebhookReceiver((request) => {
      received.push(request);
      return 204;
    });
    receiverUrl = `${receiver.url}/hooks`;
  });
  afterAll(async () => {
    await receiver.close();
  });

  it('verifies deliveries and resolves them into current records and tombstones', async () => {
    const clientSecret = 'sandbox-client-secret-1';
    const subscription = sandbox.webhooks.subscribe({ url: receiverUrl, clientSecret });
    const adapter = adapterFor(sandbox, { clientSecret, portalId: sandbox.portalId });
    const company = sandbox.createObject('companies', { name: 'Hooked Ltd' });
    const contact = sandbox.createObject(
      'contacts',
      { firstname: 'Hank', email: 'hank@example.com' },
      { associations: [{ toType: 'companies', toId: company.id }] },
    );
    sandbox.updateObject('contacts', contact.id, { jobtitle: 'Buyer' });
    const doomed = sandbox.createObject('contacts', { firstname: 'Doomed' });
    sandbox.archiveObject('contacts', doomed.id);
    const note = sandbox.createObject(
      'notes',
      { hs_timestamp: '2026-02-01T10:00:00Z', hs_note_body: 'Hooked' },
      { associations: [{ toType: 'contacts', toId: contact.id }] },
    );
    await sandbox.webhooks.flush({ force: true });
    subscription.unsubscribe();
    expect(received.length).toBeGreaterThan(0);

    const events = (await Promise.all(received.map((request) => adapter.parseWebhook!(request)))).flat();
    expect(events.length).toBeGreaterThan(0);
    expect(events).toContainEqual(expect.objectContaining({ type: 'person', externalId: doomed.id, action: 'delete' }));
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'interaction', externalId: `notes:${note.id}`, action: 'upsert' }),
    );

    // Deliveries repeat and arrive out of order: resolving reads the current state once per object.
    const records = await adapter.resolveWebhook!([...events].reverse().concat(events));
    const person = records.find((r) => r.externalId === contact.id) as Extract<SourceRecordInput, { type: 'person' }>;
    expect(person.data).toMatchObject({
      givenName: 'Hank',
      jobTitle: 'Buyer',
      organization: { ref: { type: 'organization', externalId: company.id } },
    });
    expect(person.observedAt).toBe(sandbox.getObject('contacts', contact.id)!.updatedAt);
    expect(records.filter((r) => r.externalId === contact.id)).toHaveLength(1);
    expect(records).toContainEqual(expect.objectContaining({ type: 'person', externalId: doomed.id, deleted: true }));
    expect(records).toContainEqual(expect.objectContaining({ type: 'interaction', externalId: `notes:${note.id}` }));

    // A tampered delivery is refused.
    const first = received[0]!;
    await expect(adapter.parseWebhook!({ ...first, body: `${first.body} ` })).rejects.toMatchObject({
      code: 'WEBHOOK_REJECTED',
      reason: 'bad-signature',
    });
  });
});

describe('rate limits (sandbox)', () => {
  it('waits out HubSpot’s 429s and finishes the read', async () => {
    const box = await createHubspotSandbox({ webhookFlushIntervalMs: 0, rateLimit: { max: 4, intervalMs: 500 } });
    try {
      box.seed({ companies: 30, seed: 9 });
      // A budget far above the vendor's limit, so HubSpot answers 429 and the client must wait.
      const adapter = adapterFor(box, {
        objects: ['companies'],
        pageSize: 2,
        rateLimit: { capacity: 1000, windowMs: 1000 },
      });
      const records = recordsOf(await collect(adapter.read()));
      expect(records).toHaveLength(30);
      expect(box.stats().throttled).toBeGreaterThan(0);
    } finally {
      await box.close();
    }
  }, 60_000);
});

describe('faults (sandbox)', () => {
  it('never duplicates creates when HubSpot fails after applying them (5xx, lost responses)', async () => {
    const box = await createHubspotSandbox({ webhookFlushIntervalMs: 0 });
    try {
      const adapter = adapterFor(box, { http: { timeoutMs: 300, maxWaitMs: 30_000, maxRetries: 20, baseDelayMs: 5 } });
      // Create the write-key property before the faults start.
      await adapter.write([
        { type: 'organization', operation: 'create', idempotencyKey: 'warm-up', data: { name: 'W' } },
      ]);
      box.faults.set({ seed: 11, error5xx: 0.3, timeout: 0.1, applyBeforeFault: 1 });
      const changes = Array.from({ length: 30 }, (_, i) => ({
        type: 'organization' as const,
        operation: 'create' as const,
        idempotencyKey: `fault-${i}`,
        data: { name: `Faulty ${i}` },
      }));
      const results: Awaited<ReturnType<HubspotAdapter['write']>> = [];
      for (let i = 0; i < changes.length; i += 5) results.push(...(await adapter.write(changes.slice(i, i + 5))));
      box.faults.clear();
      // Whatever failed is retried later by the Hub with the same keys.
      const retry = changes.filter((_, i) => !results[i]!.ok);
      if (retry.length > 0) await adapter.write(retry);
      const stats = box.stats().faults;
      expect(stats.error5xx + stats.timeout).toBeGreaterThan(0);
      const names = box.listObjects('companies').map((o) => o.properties.name);
      expect(names.filter((n) => n?.startsWith('Faulty '))).toHaveLength(30);
      expect(new Set(names).size).toBe(names.length);
    } finally {
      await box.close();
    }
  }, 60_000);

  it('completes a full read through 5xx answers and spurious 429s', async () => {
    const box = await createHubspotSandbox({ webhookFlushIntervalMs: 0 });
    try {
      box.seed({ contacts: 40, companies: 5, seed: 5 });
      box.faults.set({ seed: 3, error5xx: 0.2, rateLimit429: 0.1 });
      const adapter = adapterFor(box, {
        objects: ['contacts', 'companies'],
        pageSize: 10,
        http: { timeoutMs: 2_000, maxWaitMs: 30_000, maxRetries: 20, baseDelayMs: 5 },
      });
      const records = recordsOf(await collect(adapter.read()));
      expect(records).toHaveLength(45);
      expect(box.stats().faults.error5xx).toBeGreaterThan(0);
    } finally {
      await box.close();
    }
  }, 60_000);
});
