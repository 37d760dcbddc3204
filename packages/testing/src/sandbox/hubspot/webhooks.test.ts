import { createHmac } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHubspotSandbox } from './server';
import { apiClient } from './test-support';
import type { HubspotSandbox, HubspotSandboxOptions, HubspotWebhookEvent } from './types';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  events: HubspotWebhookEvent[];
}

interface Receiver {
  url: string;
  received: Received[];
  /** Status to answer per call (index), default 204. */
  statuses: number[];
  server: Server;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(): Promise<Receiver> {
  const rec: Receiver = { url: '', received: [], statuses: [], server: createServer() };
  let calls = 0;
  rec.server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      rec.received.push({ headers: req.headers, raw, events: JSON.parse(raw) as HubspotWebhookEvent[] });
      res.writeHead(rec.statuses[calls++] ?? 204);
      res.end();
    });
  });
  await new Promise<void>((resolve) => rec.server.listen(0, '127.0.0.1', resolve));
  rec.url = `http://127.0.0.1:${(rec.server.address() as AddressInfo).port}/hooks?app=1`;
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        rec.server.close(() => resolve());
        rec.server.closeAllConnections();
      }),
  );
  return rec;
}

async function start(options: HubspotSandboxOptions = {}): Promise<HubspotSandbox> {
  const sb = await createHubspotSandbox({ webhookFlushIntervalMs: 0, ...options });
  cleanups.push(() => sb.close());
  return sb;
}

const events = (rec: Receiver) => rec.received.flatMap((r) => r.events);

describe('webhooks', () => {
  it('delivers HubSpot-shaped events signed with signature v3', async () => {
    const rec = await receiver();
    const sb = await start({ portalId: 777 });
    sb.webhooks.subscribe({ url: rec.url, clientSecret: 'shh', appId: 42 });
    const api = apiClient(sb);
    const created = await api('POST', '/crm/v3/objects/contacts', {
      properties: { email: 'w@x.test', firstname: 'W' },
    });
    await api('PATCH', `/crm/v3/objects/contacts/${created.body.id}`, { properties: { firstname: 'V' } });
    await api('DELETE', `/crm/v3/objects/contacts/${created.body.id}`);
    expect(sb.webhooks.pending()).toBeGreaterThan(0);
    await sb.webhooks.flush();
    expect(sb.webhooks.pending()).toBe(0);
    expect(rec.received).toHaveLength(1);
    const [delivery] = rec.received;
    const ts = String(delivery!.headers['x-hubspot-request-timestamp']);
    const expected = createHmac('sha256', 'shh').update(`POST${rec.url}${delivery!.raw}${ts}`).digest('base64');
    expect(delivery!.headers['x-hubspot-signature-v3']).toBe(expected);
    expect(delivery!.headers['x-hubspot-signature-version']).toBe('v3');
    const types = events(rec).map(
      (e) => `${e.subscriptionType}${e.propertyName ? `:${e.propertyName}=${e.propertyValue}` : ''}`,
    );
    expect(types).toEqual([
      'contact.creation',
      'contact.propertyChange:email=w@x.test',
      'contact.propertyChange:firstname=W',
      'contact.propertyChange:firstname=V',
      'contact.deletion',
    ]);
    const first = events(rec)[0]!;
    expect(first).toMatchObject({
      portalId: 777,
      appId: 42,
      subscriptionId: expect.any(Number),
      eventId: expect.any(Number),
      occurredAt: expect.any(Number),
      attemptNumber: 0,
      objectId: Number(created.body.id),
      changeSource: 'INTEGRATION',
      changeFlag: 'NEW',
    });
    expect(sb.stats().webhooksDelivered).toBe(5);
  });

  it('uses generic object events for engagements, and reports associations and GDPR deletions', async () => {
    const rec = await receiver();
    const sb = await start();
    const contact = sb.createObject('contacts', { email: 'g@x.test' });
    sb.webhooks.subscribe({
      url: rec.url,
      events: ['object.creation', 'contact.associationChange', 'contact.privacyDeletion'],
    });
    sb.createObject(
      'notes',
      { hs_timestamp: '2026-01-01T00:00:00Z' },
      { associations: [{ toType: 'contacts', toId: contact.id }] },
    );
    await apiClient(sb)('POST', '/crm/v3/objects/contacts/gdpr-delete', { objectId: contact.id });
    await sb.webhooks.flush();
    const got = events(rec);
    expect(got.map((e) => e.subscriptionType)).toEqual([
      'object.creation',
      'contact.associationChange',
      'contact.privacyDeletion',
    ]);
    expect(got[0]).toMatchObject({ objectTypeId: '0-46', changeSource: 'CRM_UI' });
    expect(got[1]).toMatchObject({
      associationType: 'CONTACT_TO_NOTE',
      fromObjectId: Number(contact.id),
      associationRemoved: false,
      associationTypeId: 201,
    });
    expect(got[2]).toMatchObject({ objectId: Number(contact.id), changeSource: 'GDPR' });
  });

  it('reports control API changes as CRM_UI, including restores', async () => {
    const rec = await receiver();
    const sb = await start();
    sb.webhooks.subscribe({ url: rec.url, events: ['company.deletion', 'company.restore', 'company.propertyChange'] });
    const company = sb.createObject('companies', { name: 'C' });
    sb.updateObject('companies', company.id, { domain: 'c.test' });
    sb.archiveObject('companies', company.id);
    sb.restoreObject('companies', company.id);
    await sb.webhooks.flush();
    expect(events(rec).map((e) => `${e.subscriptionType} ${e.changeSource} ${e.changeFlag ?? e.propertyName}`)).toEqual(
      [
        'company.propertyChange CRM_UI name',
        'company.propertyChange CRM_UI domain',
        'company.deletion CRM_UI DELETED',
        'company.restore CRM_UI RESTORED',
      ],
    );
  });

  it('retries on a 500 from the receiver with an increasing attemptNumber', async () => {
    const rec = await receiver();
    rec.statuses = [500, 503];
    const sb = await start({ webhookRetryBaseMs: 20 });
    sb.webhooks.subscribe({ url: rec.url, events: ['company.creation'] });
    sb.createObject('companies', { name: 'R' });
    await sb.webhooks.flush();
    expect(sb.webhooks.pending()).toBe(1);
    await sb.webhooks.flush({ force: true });
    await new Promise((r) => setTimeout(r, 60));
    await sb.webhooks.flush();
    expect(sb.webhooks.pending()).toBe(0);
    expect(rec.received.map((r) => r.events[0]!.attemptNumber)).toEqual([0, 1, 2]);
    expect(new Set(rec.received.map((r) => r.events[0]!.eventId)).size).toBe(1);
    expect(sb.stats()).toMatchObject({ webhooksDelivered: 1, webhookAttempts: 3, webhookFailures: 2 });
  });

  it('delivers in the background and splits batches by maxBatch', async () => {
    const rec = await receiver();
    const sb = await start({ webhookFlushIntervalMs: 10 });
    sb.webhooks.subscribe({ url: rec.url, events: ['deal.creation'], maxBatch: 2 });
    for (let i = 0; i < 5; i++) sb.createObject('deals', { dealname: `D${i}` });
    await vi.waitUntil(() => events(rec).length >= 5, { timeout: 20_000, interval: 10 });
    expect(events(rec)).toHaveLength(5);
    expect(rec.received.map((r) => r.events.length)).toEqual([2, 2, 1]);
  });

  async function faultyRun(seed: number): Promise<number[]> {
    const rec = await receiver();
    const sb = await start();
    sb.faults.set({ seed, dropWebhook: 0.2, duplicateWebhook: 0.3, reorderWebhooks: true });
    sb.webhooks.subscribe({ url: rec.url, events: ['contact.creation'] });
    for (let i = 0; i < 30; i++) sb.createObject('contacts', { email: `f${i}@x.test` });
    await sb.webhooks.flush();
    const stats = sb.stats().faults;
    expect(stats.droppedWebhooks).toBeGreaterThan(0);
    expect(stats.duplicatedWebhooks).toBeGreaterThan(0);
    expect(stats.reorderedWebhookBatches).toBe(1);
    return events(rec).map((e) => e.objectId);
  }

  it('drops, duplicates and reorders deterministically under faults', async () => {
    const a = await faultyRun(11);
    const b = await faultyRun(11);
    expect(a).toEqual(b);
    expect(new Set(a).size).toBeLessThan(30);
    expect(a.length).toBeGreaterThan(new Set(a).size);
    expect(a).not.toEqual([...a].sort((x, y) => x - y));
  });
});
