/**
 * Threat 14 (follow-up): the sync engine's dead-letter list keeps records the Hub refused, with the refusal's
 * message, which can quote the person's value. `gdpr.erase` must reach those letters (the engine declares each letter
 * to be about its record key, and core erases every document so declared), the erasure report lists them, and
 * `gdpr.export` shows them beforehand.
 */
import { createHub, type Hub } from '@crmkit/core';
import { type Actor, type Adapter, RECORD_DOCUMENT_KIND, type SourceRecordInput, type SyncBatch } from '@crmkit/model';
import { afterEach, describe, expect, it } from 'vitest';
import { createSyncEngine, SYNC_DOCUMENT_KINDS } from '../sync';

const dana: Actor = { kind: 'user', id: 'u_dana', roles: [{ name: 'data_admin' }] };

/** A vendor holding one person, whose data the test changes between runs. */
function vendor() {
  let clock = Date.parse('2026-05-01T00:00:00Z');
  const person = { data: { givenName: 'Ada', emails: ['ada@example.com'] } as Record<string, unknown> };
  const record = (): SourceRecordInput =>
    ({
      type: 'person',
      source: 'vendor',
      externalId: 'p1',
      observedAt: new Date(clock).toISOString(),
      data: person.data,
    }) as SourceRecordInput;
  const adapter = {
    specificationVersion: 'v1',
    id: 'vendor',
    source: 'vendor',
    capabilities: {
      objects: { person: { read: true, incremental: true, write: false, webhooks: false, deletes: false } },
    },
    async *read(): AsyncIterable<SyncBatch> {
      const emails = person.data.emails as string[];
      const bad = emails.find((e) => !e.includes('@'));
      // Like the HubSpot mapping: an object it cannot map is refused with a message that quotes the value.
      yield bad
        ? {
            records: [],
            refused: [
              {
                type: 'person',
                externalId: 'p1',
                code: 'VALIDATION_FAILED',
                message: `not an e-mail address: "${bad}"`,
                path: 'data.emails[0]',
              },
            ],
            checkpoint: String(clock),
          }
        : { records: [record()], checkpoint: String(clock) };
    },
  } satisfies Adapter;
  return {
    adapter,
    person,
    now: () => clock,
    tick: () => {
      clock += 1000;
    },
  };
}

let hub: Hub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

async function documents(h: Hub, kind: string): Promise<unknown[]> {
  return h.store.transaction((tx) => tx.listDocuments(kind, { limit: 1000 }), { readOnly: true });
}

describe('threat 14: erasure reaches the sync dead-letter list', () => {
  it('deletes the dead letters of the erased person, lists them in the report, and shows them in the export', async () => {
    const v = vendor();
    hub = createHub({ now: () => new Date(v.now()) });
    const sync = createSyncEngine({ hub, adapter: v.adapter, now: v.now, sleep: async () => {} });
    await sync.run();
    const [customer] = await hub.find({ email: 'ada@example.com' });
    expect(customer).toBeDefined();

    // The person's next version is refused: the letter quotes the bad value.
    v.tick();
    v.person.data = { givenName: 'Ada', emails: ['ada.lovelace(at)example.com'] };
    const report = await sync.run();
    expect(report.deadLettered).toBe(1);
    const [letter] = await sync.deadLetters();
    expect(letter?.message).toContain('ada.lovelace(at)example.com');

    const exported = await hub.as(dana).gdpr.export(customer!.id);
    expect(exported.documents).toEqual([
      expect.objectContaining({
        kind: SYNC_DOCUMENT_KINDS.deadLetter,
        data: expect.objectContaining({ externalId: 'p1' }),
      }),
    ]);

    const erased = await hub.as(dana).gdpr.erase(customer!.id);
    expect(erased.hub.documents).toEqual([{ kind: SYNC_DOCUMENT_KINDS.deadLetter, id: 'vendor:person/p1' }]);
    expect(await sync.deadLetters()).toEqual([]);
    expect(await documents(hub, SYNC_DOCUMENT_KINDS.deadLetter)).toEqual([]);
    expect(await documents(hub, RECORD_DOCUMENT_KIND), 'the links go with the letters').toEqual([]);
    const everything = JSON.stringify(
      await Promise.all(Object.values(SYNC_DOCUMENT_KINDS).map((kind) => documents(hub!, kind))),
    );
    expect(everything).not.toContain('lovelace');
  });

  it('drops the link with the letter when the record goes in later', async () => {
    const v = vendor();
    v.person.data = { givenName: 'Ada', emails: ['ada(at)example.com'] };
    hub = createHub({ now: () => new Date(v.now()) });
    const sync = createSyncEngine({ hub, adapter: v.adapter, now: v.now, sleep: async () => {} });
    await sync.run();
    expect(await documents(hub, RECORD_DOCUMENT_KIND)).toHaveLength(1);
    v.tick();
    v.person.data = { givenName: 'Ada', emails: ['ada@example.com'] };
    await sync.run();
    expect(await sync.deadLetters()).toEqual([]);
    expect(await documents(hub, RECORD_DOCUMENT_KIND)).toEqual([]);
  });
});
