/**
 * Threat 16: five concurrent copies of one webhook delivery were all resolved and ingested. The sync engine claims
 * each event in the inbox (in the Hub's store) before resolving it, so one copy processes it and the others are told
 * to come back later (503); a claim whose processing fails is released, and one left by a process that died expires.
 *
 * Runs on the memory store, PGlite, and PostgreSQL when `DATABASE_URL` is set.
 */
import { createSyncEngine, type SyncEngine } from '@crmkit/adapter-kit';
import { createDeterministicResolver, createHub, createMemoryStore, type Hub } from '@crmkit/core';
import type { Adapter, Store, WebhookRequest } from '@crmkit/model';
import { createPostgresStore, pgClient, pgliteClient } from '@crmkit/store-postgres';
import { createHubspotSandbox, type HubspotSandbox, startWebhookReceiver, type WebhookReceiver } from '@crmkit/testing';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createHubspot } from '../adapter';

const url = process.env.DATABASE_URL;
const SECRET = 'threat-16-secret';
const pools: pg.Pool[] = [];
const schemas: string[] = [];

const STORES: Record<string, (() => Store) | undefined> = {
  memory: () => createMemoryStore(),
  pglite: () => createPostgresStore({ client: pgliteClient(new PGlite(), { ownsDatabase: true }) }),
  postgres: url
    ? () => {
        const pool = new pg.Pool({ connectionString: url, max: 8 });
        pools.push(pool);
        const schema = `threat16_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
        schemas.push(schema);
        return createPostgresStore({ client: pgClient(pool), schema });
      }
    : undefined,
};

afterAll(async () => {
  if (!url || schemas.length === 0) return;
  const pool = new pg.Pool({ connectionString: url });
  for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
  await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
});

let sandbox: HubspotSandbox | undefined;
let receiver: WebhookReceiver | undefined;
let hub: Hub | undefined;
afterEach(async () => {
  await receiver?.close();
  await sandbox?.close();
  await hub?.close().catch(() => undefined);
  receiver = undefined;
  sandbox = undefined;
  hub = undefined;
});

/**
 * The sandbox with a webhook subscription, an adapter that takes its deliveries, and `deliver(name)`: creates a
 * contact and returns the real, signed delivery about it, captured from the sandbox.
 */
async function vendor(): Promise<{
  adapter: Adapter;
  deliver: (firstname: string) => Promise<{ request: WebhookRequest; contactId: string }>;
}> {
  const box = await createHubspotSandbox({ webhookFlushIntervalMs: 0 });
  sandbox = box;
  const captured: WebhookRequest[] = [];
  receiver = await startWebhookReceiver((request) => {
    captured.push(request);
    return 200;
  });
  const webhookUrl = `${receiver.url}/hooks`;
  box.webhooks.subscribe({ url: webhookUrl, clientSecret: SECRET });
  const adapter = createHubspot({
    credentials: { type: 'token', token: box.accessToken },
    baseUrl: box.url,
    portalId: box.portalId,
    clientSecret: SECRET,
    webhookUrl,
    objects: ['contacts'],
  });
  return {
    adapter,
    async deliver(firstname) {
      const contact = box.createObject('contacts', {
        firstname,
        lastname: 'Lovelace',
        email: `${firstname.toLowerCase()}@example.com`,
      });
      captured.length = 0;
      await box.webhooks.flush();
      const [request] = captured;
      if (!request) throw new Error('the sandbox delivered nothing');
      return { request, contactId: contact.id };
    },
  };
}

async function hubHas(central: Hub, externalId: string): Promise<boolean> {
  const records = await central.store.transaction((tx) => tx.getRecords([`hubspot/person/${externalId}`]), {
    readOnly: true,
  });
  return records.length === 1;
}

describe.each(Object.keys(STORES))('threat 16: one webhook delivery is processed once (%s)', (kind) => {
  const makeStore = STORES[kind];
  it.skipIf(!makeStore)(
    'resolves five concurrent copies of one delivery once; the other copies are told to come back later',
    async () => {
      const { adapter, deliver } = await vendor();
      const { request, contactId } = await deliver('Ada');
      hub = createHub({ identity: createDeterministicResolver(), store: (makeStore as () => Store)() });
      let calls = 0;
      let settled = 0;
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      // Resolving waits until every copy has either reached resolveWebhook too or been answered: copies that were
      // not stopped all get here (and the gate opens at five), copies that were stopped are answered meanwhile.
      const check = () => {
        if (calls >= 5 || settled >= 4) release();
      };
      const resolveWebhook = adapter.resolveWebhook?.bind(adapter);
      if (!resolveWebhook) throw new Error('adapter takes no webhooks');
      const counting: Adapter = {
        ...adapter,
        resolveWebhook: async (events, options) => {
          calls++;
          check();
          await gate;
          return resolveWebhook(events, options);
        },
      };
      const engine: SyncEngine = createSyncEngine({ hub, adapter: counting });
      const reports = await Promise.all(
        Array.from({ length: 5 }, () =>
          engine.handleWebhook(request).finally(() => {
            settled++;
            check();
          }),
        ),
      );
      expect(calls).toBe(1);
      const statuses = reports.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 503, 503, 503, 503]);
      for (const report of reports.filter((r) => r.status === 503)) {
        // A creation is several events (creation and property changes): all of them are the first copy's.
        expect(report.inProgress).toBe(report.events);
        expect(report.retryAfterSeconds).toBeGreaterThan(0);
      }
      expect(await hubHas(hub, contactId)).toBe(true);

      // The vendor's retry of a copy, after the first finished: a duplicate, answered 200, not resolved again.
      const later = await engine.handleWebhook(request);
      expect(later).toMatchObject({ status: 200, duplicates: later.events, inProgress: 0, records: 0 });
      expect(calls).toBe(1);
    },
    120_000,
  );

  it.skipIf(!makeStore)(
    'releases the claim when processing fails, and takes over a claim whose process died once it expires',
    async () => {
      const { adapter, deliver } = await vendor();
      const { request, contactId } = await deliver('Ada');
      hub = createHub({ identity: createDeterministicResolver(), store: (makeStore as () => Store)() });
      const resolveWebhook = adapter.resolveWebhook?.bind(adapter);
      if (!resolveWebhook) throw new Error('adapter takes no webhooks');
      let clock = Date.parse('2026-06-01T00:00:00Z');
      const now = () => clock;

      // A first copy fails while resolving: the claim is released and the vendor's retry is processed.
      let failures = 1;
      const flaky = createSyncEngine({
        hub,
        now,
        adapter: {
          ...adapter,
          resolveWebhook: async (events, options) => {
            if (failures-- > 0) throw new Error('vendor down');
            return resolveWebhook(events, options);
          },
        },
      });
      await expect(flaky.handleWebhook(request)).rejects.toThrow('vendor down');
      expect(await flaky.handleWebhook(request)).toMatchObject({ status: 200, records: 1, duplicates: 0 });
      expect(await hubHas(hub, contactId)).toBe(true);

      // A process claims a new event and dies while resolving it (its resolve never returns).
      const second = await deliver('Grace');
      const started = new Promise<void>((resolve) => {
        const dying = createSyncEngine({
          hub: hub as Hub,
          now,
          adapter: {
            ...adapter,
            resolveWebhook: () => {
              resolve();
              return new Promise(() => undefined);
            },
          },
        });
        void dying.handleWebhook(second.request);
      });
      await started;
      const survivor = createSyncEngine({ hub, now, adapter });
      // Within the dead process's claim, a copy is told to come back later ...
      const busy = await survivor.handleWebhook(second.request);
      expect(busy).toMatchObject({ status: 503, inProgress: busy.events, records: 0 });
      expect(await hubHas(hub, second.contactId)).toBe(false);
      // ... and after it expired (default 5 minutes), the copy takes it over and processes it.
      clock += 300_001;
      expect(await survivor.handleWebhook(second.request)).toMatchObject({ status: 200, records: 1 });
      expect(await hubHas(hub, second.contactId)).toBe(true);
    },
    120_000,
  );
});
