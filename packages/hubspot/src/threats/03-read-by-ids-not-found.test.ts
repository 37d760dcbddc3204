/**
 * Threat 3 (review follow-up): the sync engine clears a dead letter as "gone" only on the adapter's word. HubSpot's
 * `readByIds` reports in `notFound` exactly the ids the batch read answered `OBJECT_NOT_FOUND` for (or returned
 * archived); an object type the adapter is not configured for is reported in neither list.
 */
import { createHubspotSandbox, type HubspotSandbox } from '@crmkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createHubspot } from '../adapter';

let sandbox: HubspotSandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

describe('threat 3: HubSpot readByIds says which records are gone', () => {
  it('lists deleted and unknown contacts in notFound, and not refs of object types it does not read', async () => {
    const box = await createHubspotSandbox();
    sandbox = box;
    const kept = box.createObject('contacts', { firstname: 'Kept', email: 'kept@example.com' });
    const deleted = box.createObject('contacts', { firstname: 'Deleted', email: 'deleted@example.com' });
    box.archiveObject('contacts', deleted.id);
    const adapter = createHubspot({
      credentials: { type: 'token', token: box.accessToken },
      baseUrl: box.url,
      portalId: box.portalId,
      objects: ['contacts'],
    });
    try {
      const batch = await adapter.readByIds?.([
        { type: 'person', externalId: String(kept.id) },
        { type: 'person', externalId: String(deleted.id) },
        { type: 'person', externalId: '987654321' },
        { type: 'organization', externalId: '123' },
      ]);
      expect(batch?.records.map((r) => r.externalId)).toEqual([String(kept.id)]);
      expect(batch?.notFound?.map((r) => `${r.type}/${r.externalId}`).sort()).toEqual(
        [`person/${deleted.id}`, 'person/987654321'].sort(),
      );
    } finally {
      await adapter.close?.();
    }
  });
});
