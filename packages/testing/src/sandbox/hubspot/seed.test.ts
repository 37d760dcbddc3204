import { afterEach, describe, expect, it } from 'vitest';
import { createHubspotSandbox } from './server';
import { apiClient } from './test-support';
import type { HubspotSandbox } from './types';

const open: HubspotSandbox[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((sb) => sb.close()));
});

async function start(): Promise<HubspotSandbox> {
  const sb = await createHubspotSandbox({ searchRateLimit: { max: 100, intervalMs: 1000 } });
  open.push(sb);
  return sb;
}

describe('seed', () => {
  it('creates realistic, deterministic, associated data', async () => {
    const a = await start();
    const b = await start();
    const input = { contacts: 50, companies: 5, deals: 10, engagements: 8, seed: 9 };
    const ra = a.seed(input);
    b.seed(input);
    expect(ra.contacts).toHaveLength(50);
    expect(ra.engagements.map((e) => e.type).slice(0, 4)).toEqual(['notes', 'calls', 'meetings', 'tasks']);
    const strip = (sb: HubspotSandbox) =>
      sb.listObjects('contacts').map((o) => [o.properties.firstname, o.properties.email, o.properties.phone]);
    expect(strip(a)).toEqual(strip(b));
    const emails = a.listObjects('contacts').map((o) => o.properties.email);
    expect(new Set(emails).size).toBe(50);
    const deal = ra.deals[0]!;
    expect(a.associations('deals', deal, 'companies')).toHaveLength(1);
    expect(a.associations('deals', deal, 'contacts')).toHaveLength(1);
    expect(a.associations('contacts', ra.contacts[0]!, 'companies')).toHaveLength(1);
    // Timestamps are strictly increasing.
    const created = a.listObjects('contacts').map((o) => Date.parse(o.createdAt));
    expect(created.every((t, i) => i === 0 || t > created[i - 1]!)).toBe(true);
    // API writes after seeding still get later timestamps.
    const res = await apiClient(a)('POST', '/crm/v3/objects/contacts', { properties: { email: 'after@x.test' } });
    expect(Date.parse(res.body.createdAt)).toBeGreaterThan(Math.max(...created));
  });

  // A few seconds normally; the budget holds on a loaded machine and still catches a seeder gone quadratic.
  it('seeds 100,000 contacts in a few seconds', { timeout: 180_000 }, async () => {
    const sb = await start();
    const result = sb.seed({ contacts: 100_000, companies: 1000, deals: 2000, engagements: 1000, seed: 1 });
    expect(result.contacts).toHaveLength(100_000);
    const api = apiClient(sb);
    const page = await api('GET', '/crm/v3/objects/contacts?limit=100&after=' + result.contacts[50_000]);
    expect(page.body.results).toHaveLength(100);
    expect(page.body.results[0].id).toBe(result.contacts[50_001]);
    const email = sb.getObject('contacts', result.contacts[99_999]!)!.properties.email!;
    const found = await api('POST', '/crm/v3/objects/contacts/search', {
      filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: email }] }],
    });
    expect(found.body.total).toBe(1);
    const all = await api('POST', '/crm/v3/objects/contacts/search', { limit: 1 });
    expect(all.body.total).toBe(100_000);
    const dup = await api('POST', '/crm/v3/objects/contacts', { properties: { email } });
    expect(dup.status).toBe(409);
  });
});
