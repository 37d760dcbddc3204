/**
 * The adapter conformance suite of `@crmkit/testing`, run against the HubSpot sandbox through the sync engine.
 */
import type { WebhookRequest } from '@crmkit/model';
import {
  type ConformanceVendor,
  createHubspotSandbox,
  describeAdapterConformance,
  startWebhookReceiver,
} from '@crmkit/testing';
import { createHubspot } from './adapter';

describeAdapterConformance({
  name: 'hubspot',
  timeout: 60_000,
  async setup() {
    const sandbox = await createHubspotSandbox({ webhookFlushIntervalMs: 0 });
    const clientSecret = 'conformance-secret';

    // Faults on demand: the next n calls answer 429 or 503 (the adapter's fetch goes through here).
    let rateLimited = 0;
    let failing = 0;
    const faultyFetch: typeof fetch = async (input, init) => {
      if (rateLimited > 0) {
        rateLimited -= 1;
        return new Response('{"status":"error","message":"You have reached your ten_secondly_rolling limit."}', {
          status: 429,
          headers: { 'retry-after': '0', 'content-type': 'application/json' },
        });
      }
      if (failing > 0) {
        failing -= 1;
        return new Response('{"status":"error","message":"internal error"}', { status: 503 });
      }
      return fetch(input, init);
    };

    // The receiver HubSpot (the sandbox) delivers webhooks to; it hands each delivery to the test's `receive`.
    let receive: ((request: WebhookRequest) => Promise<number>) | undefined;
    const receiver = await startWebhookReceiver((request) => (receive ? receive(request) : 200));
    const base = receiver.url;
    sandbox.webhooks.subscribe({ url: `${base}/webhooks/hubspot`, clientSecret });

    const adapter = createHubspot({
      baseUrl: sandbox.url,
      credentials: { type: 'token', token: sandbox.accessToken },
      // Webhook events of other portals are skipped, so this must be the sandbox's portal.
      portalId: sandbox.portalId,
      clientSecret,
      objects: ['contacts'],
      fetch: faultyFetch,
      http: { timeoutMs: 5_000, maxWaitMs: 10_000, baseDelayMs: 5 },
    });

    const vendor: ConformanceVendor = {
      async createPerson(person) {
        return sandbox.createObject('contacts', {
          firstname: person.givenName,
          lastname: person.familyName,
          email: person.email,
        }).id;
      },
      async updatePerson(id, fields) {
        const properties: Record<string, string> = {};
        if (fields.givenName !== undefined) properties.firstname = fields.givenName;
        if (fields.familyName !== undefined) properties.lastname = fields.familyName;
        if (fields.email !== undefined) properties.email = fields.email;
        sandbox.updateObject('contacts', id, properties);
      },
      async deletePerson(id) {
        sandbox.archiveObject('contacts', id);
      },
      async getPerson(id) {
        const object = sandbox.getObject('contacts', id);
        if (object === undefined) return undefined;
        return {
          givenName: object.properties.firstname ?? '',
          familyName: object.properties.lastname ?? '',
          email: object.properties.email ?? '',
        };
      },
      async listPeople() {
        return sandbox.listObjects('contacts').map((o) => o.id);
      },
      async deliverWebhooks(handler) {
        receive = handler;
        try {
          await sandbox.webhooks.flush({ force: true });
          // Deliveries the handler refused are retried by HubSpot: deliver those too.
          for (let i = 0; i < 10 && sandbox.webhooks.pending() > 0; i++) await sandbox.webhooks.flush({ force: true });
        } finally {
          receive = undefined;
        }
      },
      rateLimitNext(count) {
        rateLimited += count;
      },
      failNext(count) {
        failing += count;
      },
    };

    return {
      adapter,
      vendor,
      teardown: async () => {
        await sandbox.close();
        await receiver.close();
      },
    };
  },
});
