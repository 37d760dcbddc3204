/**
 * Threat 16 (review follow-up): a webhook delivery claims its events so concurrent deliveries process each once. When
 * processing fails the claims are released, so the vendor's retry is processed at once instead of being answered 503
 * until the claim expires. That includes a failure of the last step, the write that marks the events done.
 */
import { createHub, createMemoryStore, type Hub } from '@crmkit/core';
import {
  type Adapter,
  type SourceRecordInput,
  type Store,
  StoreError,
  type WebhookEvent,
  overrideTransactions,
} from '@crmkit/model';
import { afterEach, describe, expect, it } from 'vitest';
import { createSyncEngine, SYNC_DOCUMENT_KINDS } from '../sync';

const clock = Date.parse('2026-05-01T00:00:00Z');

const adapter = {
  specificationVersion: 'v1',
  id: 'vendor',
  source: 'vendor',
  capabilities: {
    objects: { person: { read: true, incremental: true, write: false, webhooks: true, deletes: false } },
  },
  async *read() {},
  async parseWebhook(request): Promise<WebhookEvent[]> {
    return JSON.parse(request.body) as WebhookEvent[];
  },
  async resolveWebhook(events): Promise<SourceRecordInput[]> {
    return events.map((e) => ({
      type: 'person',
      source: 'vendor',
      externalId: e.externalId,
      observedAt: e.occurredAt,
      data: { givenName: 'Ada', emails: [`${e.externalId}@example.com`] },
    }));
  },
} satisfies Adapter;

/** A memory store whose next `failures` writes of a `done` inbox entry fail like a dropped connection. */
function flakyInboxStore(failures: number): Store {
  let left = failures;
  return overrideTransactions(createMemoryStore(), (tx) => ({
    async putDocument(doc) {
      const status = (doc.data as { status?: unknown } | null)?.status;
      if (doc.kind === SYNC_DOCUMENT_KINDS.inbox && status === 'done' && left > 0) {
        left--;
        throw new StoreError({ message: 'connection lost (SQLSTATE 08006)', sqlState: '08006' });
      }
      return tx.putDocument(doc);
    },
  }));
}

let hub: Hub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

describe('threat 16: webhook claims are released when processing fails', () => {
  it('releases the claims when marking the events done fails, so the retry is processed at once', async () => {
    hub = createHub({ store: flakyInboxStore(1) });
    const sync = createSyncEngine({ hub, adapter, now: () => clock, sleep: async () => {} });
    const request = {
      method: 'POST',
      url: 'https://x',
      headers: {},
      body: JSON.stringify([
        { id: 'e1', type: 'person', externalId: 'p1', action: 'upsert', occurredAt: new Date(clock).toISOString() },
      ]),
    };
    await expect(sync.handleWebhook(request)).rejects.toMatchObject({ code: 'STORE_FAILED' });
    // Same clock: a claim left behind would still be live and answer 503.
    expect(await sync.handleWebhook(request)).toMatchObject({ status: 200, records: 1, inProgress: 0 });
    expect(await sync.handleWebhook(request)).toMatchObject({ status: 200, records: 0, duplicates: 1 });
  });
});
