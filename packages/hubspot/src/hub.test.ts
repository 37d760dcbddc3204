/**
 * The HubSpot adapter with a real Hub and the sync engine, end to end against the sandbox: a change in HubSpot reaches
 * the central view by webhook within seconds, and the Hub's GDPR erasure deletes the contact in HubSpot too.
 */
import { createSyncEngine } from '@crmkit/adapter-kit';
import { createDeterministicResolver, createHub, type Hub } from '@crmkit/core';
import { createHubspotSandbox, type HubspotSandbox, startWebhookReceiver, type WebhookReceiver } from '@crmkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createHubspot } from './adapter';

const SECRET = 'hub-test-secret';
let sandbox: HubspotSandbox | undefined;
let hub: Hub | undefined;
let receiver: WebhookReceiver | undefined;

afterEach(async () => {
  await hub?.close();
  await receiver?.close();
  await sandbox?.close();
  sandbox = undefined;
  hub = undefined;
  receiver = undefined;
});

describe('HubSpot with the Hub (sandbox)', () => {
  it('brings a change made in HubSpot into the central view by webhook within seconds', async () => {
    sandbox = await createHubspotSandbox({ webhookFlushIntervalMs: 50 });
    const box = sandbox;
    hub = createHub({ identity: createDeterministicResolver() });
    receiver = await startWebhookReceiver((request) => sync.handleWebhook(request).then((r) => r.status));
    const base = receiver.url;
    const adapter = createHubspot({
      credentials: { type: 'token', token: box.accessToken },
      baseUrl: box.url,
      portalId: box.portalId,
      clientSecret: SECRET,
      webhookUrl: `${base}/hooks`,
      objects: ['contacts', 'companies'],
    });
    const sync = createSyncEngine({ hub, adapter });
    const ada = box.createObject('contacts', { firstname: 'Ada', lastname: 'Lovelace', email: 'ada@example.com' });
    await sync.run();
    box.webhooks.subscribe({ url: `${base}/hooks`, clientSecret: SECRET });

    box.updateObject('contacts', ada.id, { jobtitle: 'Countess' });
    const central = hub;
    await expect
      .poll(async () => (await central.find({ email: 'ada@example.com' }))[0]?.golden.fields.jobTitle?.value, {
        timeout: 60_000, // seconds normally; the budget is for a loaded machine, not a claim on speed
        interval: 20,
      })
      .toBe('Countess');
    // No sync run in between: the webhook alone carried it.
    expect((await sync.state())?.lastCompletedAt).toBeDefined();
  }, 120_000);

  it('erases a person in HubSpot too when the Hub erases them (GDPR Art. 17)', async () => {
    sandbox = await createHubspotSandbox({ webhookFlushIntervalMs: 0 });
    const box = sandbox;
    const adapter = createHubspot({
      credentials: { type: 'token', token: box.accessToken },
      baseUrl: box.url,
      portalId: box.portalId,
      objects: ['contacts'],
    });
    hub = createHub({ identity: createDeterministicResolver(), adapters: [adapter] });
    const sync = createSyncEngine({ hub, adapter });
    const grace = box.createObject('contacts', { firstname: 'Grace', lastname: 'Hopper', email: 'grace@example.com' });
    box.createObject('contacts', { firstname: 'Alan', lastname: 'Turing', email: 'alan@example.com' });
    await sync.run();
    const [customer] = await hub.find({ email: 'grace@example.com' });
    if (!customer) throw new Error('Grace did not arrive');

    const report = await hub.gdpr.erase(customer.id);
    expect(report.systems).toEqual([expect.objectContaining({ system: 'hubspot', records: 1, status: 'erased' })]);
    expect(box.getObject('contacts', grace.id)).toBeUndefined();
    expect(box.getObject('contacts', grace.id, { archived: true }), 'a GDPR delete is not restorable').toBeUndefined();
    // A later full pass neither brings her back nor touches the others.
    await sync.run({ mode: 'full' });
    expect(await hub.find({ email: 'grace@example.com' })).toEqual([]);
    expect(await hub.find({ email: 'alan@example.com' })).toHaveLength(1);
  });
});
