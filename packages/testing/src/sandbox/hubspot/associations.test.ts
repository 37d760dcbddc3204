import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHubspotSandbox } from './server';
import { apiClient } from './test-support';
import type { HubspotSandbox } from './types';

let sb: HubspotSandbox;
let api: ReturnType<typeof apiClient>;
beforeEach(async () => {
  sb = await createHubspotSandbox();
  api = apiClient(sb);
});
afterEach(async () => {
  await sb.close();
});

describe('associations v4', () => {
  it('puts default and labelled associations, lists both directions, deletes', async () => {
    const contact = sb.createObject('contacts', { email: 'a@x.test' });
    const company = sb.createObject('companies', { name: 'X' });
    const deal = sb.createObject('deals', { dealname: 'D' });

    const def = await api('PUT', `/crm/v4/objects/contacts/${contact.id}/associations/default/companies/${company.id}`);
    expect(def.status).toBe(200);
    expect(def.body.results[0]).toEqual({
      from: { id: contact.id },
      to: { id: company.id },
      associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 },
    });
    const labelled = await api('PUT', `/crm/v4/objects/contacts/${contact.id}/associations/companies/${company.id}`, [
      { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 },
    ]);
    expect(labelled.status).toBe(201);
    expect(labelled.body).toEqual({
      fromObjectTypeId: '0-1',
      fromObjectId: contact.id,
      toObjectTypeId: '0-2',
      toObjectId: company.id,
      labels: ['Primary'],
    });
    const reverse = await api('GET', `/crm/v4/objects/companies/${company.id}/associations/contacts`);
    expect(reverse.body.results).toEqual([
      {
        toObjectId: contact.id,
        associationTypes: [
          { category: 'HUBSPOT_DEFINED', typeId: 2, label: 'Primary' },
          { category: 'HUBSPOT_DEFINED', typeId: 280 },
        ],
      },
    ]);
    await api('PUT', `/crm/objects/2026-03/deals/${deal.id}/associations/default/contacts/${contact.id}`);
    const dealSide = await api('GET', `/crm/objects/2026-03/contacts/${contact.id}/associations/deals`);
    expect(dealSide.body.results[0].associationTypes).toEqual([{ category: 'HUBSPOT_DEFINED', typeId: 4 }]);

    const del = await api('DELETE', `/crm/v4/objects/contacts/${contact.id}/associations/companies/${company.id}`);
    expect(del.status).toBe(204);
    expect(sb.associations('companies', company.id, 'contacts')).toEqual([]);
    expect(
      (await api('PUT', `/crm/v4/objects/contacts/${contact.id}/associations/default/companies/999999`)).status,
    ).toBe(404);
  });

  it('accepts user-defined association labels and rejects mismatched HubSpot-defined ones', async () => {
    const deal = sb.createObject('deals', { dealname: 'D' });
    const contact = sb.createObject('contacts', { email: 'u@x.test' });
    const put = await api('PUT', `/crm/v4/objects/deals/${deal.id}/associations/contacts/${contact.id}`, [
      { associationCategory: 'USER_DEFINED', associationTypeId: 37 },
    ]);
    expect(put.status).toBe(201);
    const list = await api('GET', `/crm/v4/objects/contacts/${contact.id}/associations/deals`);
    expect(list.body.results[0].associationTypes).toEqual([{ category: 'USER_DEFINED', typeId: 37 }]);
    const wrong = await api('PUT', `/crm/v4/objects/deals/${deal.id}/associations/contacts/${contact.id}`, [
      { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 },
    ]);
    expect(wrong.status).toBe(400);
    expect(wrong.body.category).toBe('VALIDATION_ERROR');
  });

  it('batch create, read (207 for ids without associations), associate default, archive', async () => {
    const contacts = [0, 1, 2].map((i) => sb.createObject('contacts', { email: `c${i}@x.test` }));
    const company = sb.createObject('companies', { name: 'X' });
    const created = await api('POST', '/crm/v4/associations/contacts/companies/batch/create', {
      inputs: [
        {
          from: { id: contacts[0]!.id },
          to: { id: company.id },
          types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 }],
        },
      ],
    });
    expect(created.status).toBe(201);
    const def = await api('POST', '/crm/v4/associations/contacts/companies/batch/associate/default', {
      inputs: [{ from: { id: contacts[1]!.id }, to: { id: company.id } }],
    });
    expect(def.status).toBe(200);
    const read = await api('POST', '/crm/v4/associations/contacts/companies/batch/read', {
      inputs: [{ id: contacts[0]!.id }, { id: contacts[1]!.id }, { id: contacts[2]!.id }],
    });
    expect(read.status).toBe(207);
    expect(read.body.results).toHaveLength(2);
    expect(read.body.errors).toHaveLength(1);
    const archive = await api('POST', '/crm/v4/associations/contacts/companies/batch/archive', {
      inputs: [{ from: { id: contacts[0]!.id }, to: [{ id: company.id }] }],
    });
    expect(archive.status).toBe(204);
    const archive2026 = await api('POST', '/crm/associations/2026-03/contacts/companies/batch/archive', {
      inputs: [{ from: { id: contacts[1]!.id }, to: [{ id: company.id }] }],
    });
    expect(archive2026.status).toBe(200);
    expect(archive2026.body.status).toBe('COMPLETE');
    expect(sb.associations('companies', company.id, 'contacts')).toEqual([]);
  });

  it('creates objects with associations and removes them when an object is archived', async () => {
    const company = sb.createObject('companies', { name: 'X' });
    const res = await api('POST', '/crm/v3/objects/deals', {
      properties: { dealname: 'D' },
      associations: [
        { to: { id: company.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 341 }] },
      ],
    });
    expect(res.status).toBe(201);
    expect(sb.associations('companies', company.id, 'deals')).toEqual([res.body.id]);
    const withAssoc = await api('GET', `/crm/v3/objects/deals/${res.body.id}?associations=companies`);
    expect(withAssoc.body.associations.companies.results).toEqual([
      { id: company.id, type: 'deal_to_company_unlabeled' },
    ]);
    await api('DELETE', `/crm/v3/objects/companies/${company.id}`);
    expect(sb.associations('deals', res.body.id, 'companies')).toEqual([]);
    const badTarget = await api('POST', '/crm/v3/objects/deals', {
      properties: { dealname: 'E' },
      associations: [
        { to: { id: '424242' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 341 }] },
      ],
    });
    expect(badTarget.status).toBe(400);
  });
});

describe('owners', () => {
  it('lists (paged, email filter) and reads owners', async () => {
    for (let i = 0; i < 3; i++) sb.addOwner({ email: `o${i}@corp.test`, firstName: `O${i}`, lastName: 'Wner' });
    const page1 = await api('GET', '/crm/v3/owners?limit=2');
    expect(page1.body.results).toHaveLength(2);
    expect(page1.body.results[0]).toMatchObject({ email: 'o0@corp.test', type: 'PERSON', archived: false, teams: [] });
    const page2 = await api('GET', `/crm/v3/owners?limit=2&after=${page1.body.paging.next.after}`);
    expect(page2.body.results).toHaveLength(1);
    expect(page2.body.paging).toBeUndefined();
    const filtered = await api('GET', '/crm/v3/owners?email=O1@corp.test');
    expect(filtered.body.results.map((o: { email: string }) => o.email)).toEqual(['o1@corp.test']);
    const one = await api('GET', `/crm/v3/owners/${filtered.body.results[0].id}`);
    expect(one.body.email).toBe('o1@corp.test');
    expect((await api('GET', '/crm/v3/owners/1')).status).toBe(404);
  });
});
