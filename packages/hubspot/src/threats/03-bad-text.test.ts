/**
 * Threat 3 (issue 13) at the HubSpot mapping: a contact with a NUL character in `firstname` is reported as one
 * invalid object naming the id and path (the sync carries on with the rest), instead of reaching the store and
 * failing the whole batch there with `STORE_FAILED`.
 */
import { describe, expect, it } from 'vitest';
import { associationsFromV3, type HubspotObject, toSourceRecord } from '../mapping';

describe('threat 3: a HubSpot contact with text no store can keep', () => {
  it('is reported invalid, naming the object and the path', () => {
    const contact: HubspotObject = {
      id: '51',
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-03-01T10:00:00.000Z',
      properties: { hs_object_id: '51', firstname: 'Ad\u0000a', email: 'ada@example.com' },
    };
    const result = toSourceRecord('contacts', contact, associationsFromV3(contact), { source: 'hubspot' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.report).toMatchObject({ objectType: 'contacts', objectId: '51', path: 'record.data.givenName' });
  });
});
