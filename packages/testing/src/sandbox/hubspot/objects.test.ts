import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHubspotSandbox } from './server';
import { apiClient } from './test-support';
import type { HubspotSandbox } from './types';

let sb: HubspotSandbox;
let api: ReturnType<typeof apiClient>;
let t = Date.UTC(2026, 0, 1);
beforeEach(async () => {
  t = Date.UTC(2026, 0, 1);
  sb = await createHubspotSandbox({ now: () => t });
  api = apiClient(sb);
});
afterEach(async () => {
  await sb.close();
});

describe('objects CRUD', () => {
  it('creates, reads, updates and archives a contact', async () => {
    const created = await api('POST', '/crm/v3/objects/contacts', {
      properties: { email: 'Ada@Example.com', firstname: 'Ada', lastname: 'Lovelace' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.any(String), archived: false });
    expect(created.body.properties).toMatchObject({
      email: 'ada@example.com',
      hs_object_id: created.body.id,
      createdate: '2026-01-01T00:00:00.000Z',
      lastmodifieddate: '2026-01-01T00:00:00.000Z',
    });
    const id = created.body.id as string;

    const got = await api('GET', `/crm/v3/objects/contacts/${id}`);
    expect(got.status).toBe(200);
    expect(Object.keys(got.body.properties).sort()).toEqual(
      ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'].sort(),
    );
    const byEmail = await api('GET', '/crm/v3/objects/contacts/ADA@example.com?idProperty=email&properties=phone');
    expect(byEmail.body.id).toBe(id);
    expect(byEmail.body.properties.phone).toBeNull();

    const patched = await api('PATCH', `/crm/v3/objects/contacts/${id}`, { properties: { firstname: 'Augusta' } });
    expect(patched.status).toBe(200);
    // Monotonic clock: the injected clock did not move, the timestamp still increases.
    expect(patched.body.updatedAt).toBe('2026-01-01T00:00:00.001Z');
    expect(patched.body.properties.lastmodifieddate).toBe('2026-01-01T00:00:00.001Z');

    const del = await api('DELETE', `/crm/v3/objects/contacts/${id}`);
    expect(del.status).toBe(204);
    expect((await api('GET', `/crm/v3/objects/contacts/${id}`)).status).toBe(404);
    const archived = await api('GET', `/crm/v3/objects/contacts/${id}?archived=true`);
    expect(archived.body).toMatchObject({ archived: true, archivedAt: expect.any(String) });
    const list = await api('GET', '/crm/v3/objects/contacts?archived=true');
    expect(list.body.results.map((r: { id: string }) => r.id)).toEqual([id]);
    sb.restoreObject('contacts', id);
    expect((await api('GET', `/crm/v3/objects/contacts/${id}`)).status).toBe(200);
  });

  it('serves type ids and the 2026-03 paths with the same handlers', async () => {
    const deal = await api('POST', '/crm/v3/objects/0-3', { properties: { dealname: 'Big', amount: 1000 } });
    expect(deal.status).toBe(201);
    expect(deal.body.properties.amount).toBe('1000');
    const got = await api('GET', `/crm/objects/2026-03/deals/${deal.body.id}`);
    expect(got.body.properties).toMatchObject({ dealname: 'Big', amount: '1000', pipeline: null });
    expect(got.body.properties.hs_lastmodifieddate).toBeDefined();
    const note = await api('POST', '/crm/objects/2026-03/notes', {
      properties: { hs_timestamp: '1767225600000', hs_note_body: 'hi' },
    });
    expect(note.body.properties.hs_timestamp).toBe('2026-01-01T00:00:00.000Z');
    expect((await api('GET', '/crm/v3/objects/0-46')).body.results).toHaveLength(1);
  });

  it('leaves unset properties out with nullProperties: false', async () => {
    const strict = await createHubspotSandbox({ nullProperties: false });
    try {
      const c = strict.createObject('contacts', { email: 'n@x.test' });
      const got = await apiClient(strict)('GET', `/crm/v3/objects/contacts/${c.id}?properties=phone,email`);
      expect(got.body.properties).not.toHaveProperty('phone');
      expect(got.body.properties.email).toBe('n@x.test');
    } finally {
      await strict.close();
    }
  });

  it('pages lists with after cursors and includes associations', async () => {
    const company = sb.createObject('companies', { name: 'Acme', domain: 'acme.test' });
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      ids.push(
        sb.createObject(
          'contacts',
          { email: `c${i}@acme.test` },
          {
            associations: i < 3 ? [{ toType: 'companies', toId: company.id }] : [],
          },
        ).id,
      );
    }
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await api(
        'GET',
        `/crm/v3/objects/contacts?limit=10&associations=companies${after ? `&after=${after}` : ''}`,
      );
      pages++;
      for (const r of page.body.results) seen.push(r.id);
      if (pages === 1) {
        expect(page.body.results[0].associations).toEqual({
          companies: { results: [{ id: company.id, type: 'contact_to_company_unlabeled' }] },
        });
        expect(page.body.results[5].associations).toBeUndefined();
        expect(page.body.paging.next.link).toContain('after=');
      }
      after = page.body.paging?.next?.after;
    } while (after);
    expect(pages).toBe(3);
    expect(seen).toEqual(ids);
  });

  it('rejects unknown properties, duplicate emails, bad JSON, unknown routes and methods', async () => {
    const bad = await api('POST', '/crm/v3/objects/contacts', { properties: { nope: 'x' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      status: 'error',
      category: 'VALIDATION_ERROR',
      correlationId: expect.any(String),
    });
    expect(bad.body.message).toContain('Property values were not valid');
    expect(bad.body.message).toContain('nope');

    const first = await api('POST', '/crm/v3/objects/contacts', { properties: { email: 'dup@x.test' } });
    const dup = await api('POST', '/crm/v3/objects/contacts', { properties: { email: 'DUP@x.test' } });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({
      category: 'CONFLICT',
      message: `Contact already exists. Existing ID: ${first.body.id}`,
    });

    const raw = await fetch(`${sb.url}/crm/v3/objects/contacts`, {
      method: 'POST',
      headers: { authorization: 'Bearer sandbox-token', 'content-type': 'application/json' },
      body: '{"properties": ',
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ category: 'VALIDATION_ERROR' });

    expect((await api('GET', '/crm/v3/nothing')).status).toBe(404);
    expect((await api('PUT', '/crm/v3/objects/contacts')).status).toBe(405);
    const unauth = await apiClient(sb, 'wrong')('GET', '/crm/v3/objects/contacts');
    expect(unauth.status).toBe(401);
    expect(unauth.body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
    const enumBad = await api('POST', '/crm/v3/objects/deals', { properties: { dealstage: 'nonsense' } });
    expect(enumBad.status).toBe(400);
  });
});

describe('batch', () => {
  it('reads with 207 for missing ids, creates, updates, upserts and archives', async () => {
    const created = await api('POST', '/crm/v3/objects/contacts/batch/create', {
      inputs: [{ properties: { email: 'a@b.test' } }, { properties: { email: 'c@d.test' } }],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: 'COMPLETE',
      startedAt: expect.any(String),
      completedAt: expect.any(String),
    });
    const [a, c] = created.body.results.map((r: { id: string }) => r.id);

    const read = await api('POST', '/crm/v3/objects/contacts/batch/read', {
      inputs: [{ id: a }, { id: '999999' }],
      properties: ['email'],
      propertiesWithHistory: [],
    });
    expect(read.status).toBe(207);
    expect(read.body.numErrors).toBe(1);
    expect(read.body.errors[0]).toMatchObject({ category: 'OBJECT_NOT_FOUND', context: { ids: ['999999'] } });
    expect(read.body.results).toHaveLength(1);

    const byEmail = await api('POST', '/crm/v3/objects/contacts/batch/read', {
      inputs: [{ id: 'c@d.test' }],
      idProperty: 'email',
      properties: ['email'],
      propertiesWithHistory: [],
    });
    expect(byEmail.status).toBe(200);
    expect(byEmail.body.results[0].id).toBe(c);

    const updated = await api('POST', '/crm/v3/objects/contacts/batch/update', {
      inputs: [{ id: a, properties: { firstname: 'A' } }],
    });
    expect(updated.status).toBe(200);
    expect(updated.body.results[0].properties.firstname).toBe('A');

    const upsert = await api('POST', '/crm/v3/objects/contacts/batch/upsert', {
      inputs: [
        { id: 'a@b.test', idProperty: 'email', properties: { lastname: 'Known' } },
        { id: 'new@b.test', idProperty: 'email', properties: { lastname: 'New' } },
      ],
    });
    expect(upsert.status).toBe(200);
    expect(upsert.body.results.map((r: { new: boolean }) => r.new)).toEqual([false, true]);
    expect(upsert.body.results[1].properties.email).toBe('new@b.test');

    const badUpsert = await api('POST', '/crm/v3/objects/contacts/batch/upsert', {
      inputs: [{ id: 'x', idProperty: 'firstname', properties: {} }],
    });
    expect(badUpsert.status).toBe(400);

    const tooMany = await api('POST', '/crm/v3/objects/contacts/batch/read', {
      inputs: Array.from({ length: 101 }, (_, i) => ({ id: String(i) })),
      properties: [],
      propertiesWithHistory: [],
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.category).toBe('VALIDATION_ERROR');

    const archived = await api('POST', '/crm/v3/objects/contacts/batch/archive', { inputs: [{ id: a }, { id: c }] });
    expect(archived.status).toBe(204);
    expect(sb.listObjects('contacts').map((o) => o.properties.email)).toEqual(['new@b.test']);
  });

  it('upserts by a custom unique property', async () => {
    const prop = await api('POST', '/crm/v3/properties/companies', {
      name: 'external_id',
      label: 'External id',
      type: 'string',
      fieldType: 'text',
      groupName: 'companyinformation',
      hasUniqueValue: true,
    });
    expect(prop.status).toBe(201);
    expect(prop.body).toMatchObject({ name: 'external_id', hasUniqueValue: true, options: [] });
    const first = await api('POST', '/crm/v3/objects/companies/batch/upsert', {
      inputs: [{ id: 'ext-1', idProperty: 'external_id', properties: { name: 'One' } }],
    });
    expect(first.body.results[0]).toMatchObject({ new: true, properties: { external_id: 'ext-1', name: 'One' } });
    const second = await api('POST', '/crm/v3/objects/companies/batch/upsert', {
      inputs: [{ id: 'ext-1', idProperty: 'external_id', properties: { name: 'Uno' } }],
    });
    expect(second.body.results[0]).toMatchObject({ new: false, id: first.body.results[0].id });
    expect(sb.listObjects('companies')).toHaveLength(1);
  });
});

describe('properties API', () => {
  it('lists built-ins, reads one, creates custom ones', async () => {
    const list = await api('GET', '/crm/v3/properties/contacts');
    const names = list.body.results.map((p: { name: string }) => p.name);
    expect(names).toEqual(expect.arrayContaining(['email', 'firstname', 'lastmodifieddate', 'hs_object_id']));
    const email = await api('GET', '/crm/v3/properties/contacts/email');
    expect(email.body).toMatchObject({
      name: 'email',
      type: 'string',
      fieldType: 'text',
      groupName: 'contactinformation',
    });
    expect((await api('GET', '/crm/v3/properties/contacts/nope')).status).toBe(404);
    const created = await api('POST', '/crm/v3/properties/deals', {
      name: 'tier',
      label: 'Tier',
      type: 'enumeration',
      fieldType: 'select',
      groupName: 'dealinformation',
      options: [
        { label: 'Gold', value: 'gold', hidden: false },
        { label: 'Silver', value: 'silver', hidden: false },
      ],
    });
    expect(created.status).toBe(201);
    expect((await api('POST', '/crm/v3/properties/deals', created.body)).status).toBe(409);
    const deal = await api('POST', '/crm/v3/objects/deals', { properties: { tier: 'gold' } });
    expect(deal.status).toBe(201);
    expect((await api('POST', '/crm/v3/objects/deals', { properties: { tier: 'bronze' } })).status).toBe(400);
  });
});

describe('GDPR delete', () => {
  it('hard-deletes a contact by id or email', async () => {
    const a = sb.createObject('contacts', { email: 'gone@x.test' });
    const b = sb.createObject('contacts', { email: 'also@x.test' });
    sb.associate('contacts', a.id, 'contacts', b.id);
    const res = await api('POST', '/crm/v3/objects/contacts/gdpr-delete', { objectId: a.id });
    expect(res.status).toBe(204);
    expect(sb.getObject('contacts', a.id)).toBeUndefined();
    expect(sb.getObject('contacts', a.id, { archived: true })).toBeUndefined();
    expect(sb.listObjects('contacts', { archived: true })).toEqual([]);
    expect(sb.associations('contacts', b.id, 'contacts')).toEqual([]);
    const byEmail = await api('POST', '/crm/v3/objects/contacts/gdpr-delete', {
      objectId: 'also@x.test',
      idProperty: 'email',
    });
    expect(byEmail.status).toBe(204);
    expect(sb.listObjects('contacts')).toEqual([]);
    expect((await api('POST', '/crm/v3/objects/contacts/gdpr-delete', { objectId: a.id })).status).toBe(404);
    // A new contact may reuse the email.
    expect((await api('POST', '/crm/v3/objects/contacts', { properties: { email: 'gone@x.test' } })).status).toBe(201);
  });
});

describe('exchange log and stats', () => {
  it('reports every exchange and counts operations', async () => {
    const seen: string[] = [];
    const off = sb.onExchange((e) => seen.push(`${e.method} ${e.path} ${e.status} ${e.query}`));
    await api('POST', '/crm/v3/objects/contacts', { properties: { email: 'e@x.test' } });
    await api('GET', '/crm/v3/objects/contacts?limit=5');
    off();
    await api('GET', '/crm/v3/objects/contacts');
    expect(seen).toEqual(['POST /crm/v3/objects/contacts 201 ', 'GET /crm/v3/objects/contacts 200 limit=5']);
    const stats = sb.stats();
    expect(stats.requests).toBe(3);
    expect(stats.byOperation).toMatchObject({ 'objects.create': 1, 'objects.list': 2 });
    sb.resetStats();
    expect(sb.stats().requests).toBe(0);
  });
});
