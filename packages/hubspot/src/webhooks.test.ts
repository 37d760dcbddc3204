import { createHmac } from 'node:crypto';
import { WebhookRejectedError } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { createHubspot } from './adapter';
import { parseHubspotEvents } from './webhooks';

const T = 1767225600000; // 2026-01-01T00:00:00Z
const iso = new Date(T).toISOString();

describe('parseHubspotEvents', () => {
  it('maps subscription types to actions and record types', () => {
    const body = JSON.stringify([
      { eventId: 1, subscriptionType: 'contact.creation', objectId: 51, occurredAt: T, portalId: 62515 },
      { eventId: 2, subscriptionType: 'contact.propertyChange', objectId: 51, occurredAt: T, propertyName: 'email' },
      { eventId: 3, subscriptionType: 'contact.deletion', objectId: 52, occurredAt: T },
      { eventId: 4, subscriptionType: 'contact.privacyDeletion', objectId: 53, occurredAt: T },
      { eventId: 5, subscriptionType: 'company.associationChange', fromObjectId: 901, toObjectId: 51, occurredAt: T },
      { eventId: 6, subscriptionType: 'deal.restore', objectId: 700, occurredAt: T },
      { eventId: 7, subscriptionType: 'object.creation', objectTypeId: '0-48', objectId: 6, occurredAt: T },
      { eventId: 8, subscriptionType: 'object.deletion', objectTypeId: '0-46', objectId: 5, occurredAt: T },
      { eventId: 9, subscriptionType: 'ticket.creation', objectId: 1, occurredAt: T },
      { eventId: 10, subscriptionType: 'object.creation', objectTypeId: '2-123', objectId: 1, occurredAt: T },
      { eventId: 11, subscriptionType: 'contact.merge', primaryObjectId: 51, mergedObjectIds: [51, 54], occurredAt: T },
    ]);
    expect(parseHubspotEvents(body)).toEqual([
      { id: '1', type: 'person', externalId: '51', action: 'upsert', occurredAt: iso },
      { id: '2', type: 'person', externalId: '51', action: 'upsert', occurredAt: iso },
      { id: '3', type: 'person', externalId: '52', action: 'delete', occurredAt: iso },
      { id: '4', type: 'person', externalId: '53', action: 'delete', occurredAt: iso },
      { id: '5', type: 'organization', externalId: '901', action: 'associate', occurredAt: iso },
      { id: '6', type: 'opportunity', externalId: '700', action: 'upsert', occurredAt: iso },
      { id: '7', type: 'interaction', externalId: 'calls:6', action: 'upsert', occurredAt: iso },
      { id: '8', type: 'interaction', externalId: 'notes:5', action: 'delete', occurredAt: iso },
      { id: '11', type: 'person', externalId: '51', action: 'upsert', occurredAt: iso },
      { id: '11:merged:54', type: 'person', externalId: '54', action: 'delete', occurredAt: iso },
    ]);
  });

  it('skips object types that are not synced and events of other portals', () => {
    const body = JSON.stringify([
      { eventId: 1, subscriptionType: 'contact.creation', objectId: 51, occurredAt: T, portalId: 1 },
      { eventId: 2, subscriptionType: 'deal.creation', objectId: 52, occurredAt: T, portalId: 2 },
      { eventId: 3, subscriptionType: 'company.creation', objectId: 53, occurredAt: T, portalId: 2 },
    ]);
    expect(parseHubspotEvents(body, { objects: ['contacts', 'deals'], portalId: '2' }).map((e) => e.id)).toEqual(['2']);
  });

  it('refuses bodies that are not HubSpot events with reason bad-body', () => {
    for (const body of [
      'nope',
      '{}',
      '[1]',
      '[{"subscriptionType":"contact.creation","objectId":1,"occurredAt":1}]',
      '[{"eventId":1,"objectId":1,"occurredAt":1}]',
      '[{"eventId":1,"subscriptionType":"contact.creation","objectId":1}]',
      '[{"eventId":1,"subscriptionType":"contact.creation","occurredAt":1}]',
    ]) {
      let error: unknown;
      try {
        parseHubspotEvents(body);
      } catch (caught) {
        error = caught;
      }
      expect(WebhookRejectedError.isInstance(error), body).toBe(true);
      expect((error as WebhookRejectedError).reason).toBe('bad-body');
      expect((error as WebhookRejectedError).code).toBe('WEBHOOK_REJECTED');
    }
  });
});

describe('adapter.parseWebhook (signature v3)', () => {
  const clientSecret = 'secret-abc';
  const url = 'https://crm.example.com/hooks/hubspot';
  const body = JSON.stringify([{ eventId: 1, subscriptionType: 'contact.creation', objectId: 51, occurredAt: T }]);
  const sign = (timestamp: number, signedUrl = url, signedBody = body) =>
    createHmac('sha256', clientSecret).update(`POST${signedUrl}${signedBody}${timestamp}`).digest('base64');
  const adapter = createHubspot({
    credentials: { type: 'token', token: 't' },
    clientSecret,
    webhookUrl: url,
    now: () => T + 60_000,
  });
  const request = (headers: Record<string, string>, requestBody = body) => ({
    method: 'POST',
    url: 'http://10.0.0.5:8080/hooks/hubspot', // behind a proxy: the configured webhookUrl is what HubSpot signed
    headers,
    body: requestBody,
  });

  it('accepts a valid signature and parses the events', async () => {
    const events = await adapter.parseWebhook!(
      request({ 'X-HubSpot-Signature-v3': sign(T), 'X-HubSpot-Request-Timestamp': String(T) }),
    );
    expect(events).toEqual([{ id: '1', type: 'person', externalId: '51', action: 'upsert', occurredAt: iso }]);
  });

  it('refuses bad, stale and missing signatures, and a tampered body', async () => {
    const cases: [Record<string, string>, string, string?][] = [
      [{ 'x-hubspot-signature-v3': sign(T, `${url}x`), 'x-hubspot-request-timestamp': String(T) }, 'bad-signature'],
      [{ 'x-hubspot-signature-v3': sign(T - 400_000), 'x-hubspot-request-timestamp': String(T - 400_000) }, 'expired'],
      [{ 'x-hubspot-request-timestamp': String(T) }, 'missing-header'],
      [
        { 'x-hubspot-signature-v3': sign(T), 'x-hubspot-request-timestamp': String(T) },
        'bad-signature',
        body.replace('51', '52'),
      ],
    ];
    for (const [headers, reason, tampered] of cases) {
      const error = await adapter.parseWebhook!(request(headers, tampered)).catch((caught: unknown) => caught);
      expect(WebhookRejectedError.isInstance(error)).toBe(true);
      expect((error as WebhookRejectedError).reason).toBe(reason);
    }
  });

  it('refuses a signed body that is not HubSpot events', async () => {
    const bad = '{"hello":1}';
    const error = await adapter.parseWebhook!(
      request({ 'x-hubspot-signature-v3': sign(T, url, bad), 'x-hubspot-request-timestamp': String(T) }, bad),
    ).catch((caught: unknown) => caught);
    expect((error as WebhookRejectedError).reason).toBe('bad-body');
  });

  it('has no webhook methods without a client secret, and says so in the capabilities', () => {
    const plain = createHubspot({ credentials: { type: 'token', token: 't' } });
    expect(plain.parseWebhook).toBeUndefined();
    expect(plain.capabilities.objects.person).toEqual({
      read: true,
      incremental: true,
      write: true,
      webhooks: false,
      deletes: false,
    });
    expect(adapter.capabilities).toEqual({
      erase: true,
      objects: {
        person: { read: true, incremental: true, write: true, webhooks: true, deletes: true },
        organization: { read: true, incremental: true, write: true, webhooks: true, deletes: true },
        opportunity: { read: true, incremental: true, write: true, webhooks: true, deletes: true },
        interaction: { read: true, incremental: true, write: true, webhooks: true, deletes: true },
      },
    });
  });
});
