import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHubspotSandbox } from './server';
import { apiClient } from './test-support';
import type { HubspotSandbox } from './types';

let sb: HubspotSandbox;
let api: ReturnType<typeof apiClient>;
let t = Date.UTC(2026, 0, 1);
beforeEach(async () => {
  t = Date.UTC(2026, 0, 1);
  sb = await createHubspotSandbox({ now: () => t, searchRateLimit: { max: 1000, intervalMs: 1000 } });
  api = apiClient(sb);
});
afterEach(async () => {
  await sb.close();
});

const ids = (res: { body: { results: { id: string }[] } }) => res.body.results.map((r) => r.id);

describe('search', () => {
  it('filters with AND inside groups and OR across groups', async () => {
    const a = sb.createObject('contacts', { email: 'ann@acme.test', firstname: 'Ann', lifecyclestage: 'lead' });
    const b = sb.createObject('contacts', { email: 'bob@acme.test', firstname: 'Bob', lifecyclestage: 'customer' });
    const c = sb.createObject('contacts', { email: 'cy@other.test', firstname: 'Cy', phone: '+1 555' });
    const run = (body: object) => api('POST', '/crm/v3/objects/contacts/search', body as never);

    const eq = await run({
      filterGroups: [{ filters: [{ propertyName: 'lifecyclestage', operator: 'EQ', value: 'lead' }] }],
    });
    expect(eq.status).toBe(200);
    expect(eq.body.total).toBe(1);
    expect(ids(eq)).toEqual([a.id]);
    expect(eq.headers.get('x-hubspot-ratelimit-max')).toBeNull();

    const or = await run({
      filterGroups: [
        { filters: [{ propertyName: 'firstname', operator: 'EQ', value: 'ann' }] },
        { filters: [{ propertyName: 'firstname', operator: 'EQ', value: 'Cy' }] },
      ],
    });
    expect(ids(or)).toEqual([a.id, c.id]);

    const and = await run({
      filterGroups: [
        {
          filters: [
            { propertyName: 'email', operator: 'CONTAINS_TOKEN', value: '*@acme.test' },
            { propertyName: 'lifecyclestage', operator: 'NEQ', value: 'lead' },
          ],
        },
      ],
    });
    expect(ids(and)).toEqual([b.id]);

    const inOp = await run({
      filterGroups: [{ filters: [{ propertyName: 'firstname', operator: 'IN', values: ['Ann', 'Bob'] }] }],
    });
    expect(ids(inOp)).toEqual([a.id, b.id]);
    const notIn = await run({
      filterGroups: [{ filters: [{ propertyName: 'firstname', operator: 'NOT_IN', values: ['Ann', 'Bob'] }] }],
    });
    expect(ids(notIn)).toEqual([c.id]);
    const has = await run({ filterGroups: [{ filters: [{ propertyName: 'phone', operator: 'HAS_PROPERTY' }] }] });
    expect(ids(has)).toEqual([c.id]);
    const hasNot = await run({
      filterGroups: [{ filters: [{ propertyName: 'phone', operator: 'NOT_HAS_PROPERTY' }] }],
    });
    expect(ids(hasNot)).toEqual([a.id, b.id]);
    const query = await run({ query: 'bo' });
    expect(ids(query)).toEqual([b.id]);
    const unknown = await run({ filterGroups: [{ filters: [{ propertyName: 'nope', operator: 'EQ', value: 'x' }] }] });
    expect(unknown.status).toBe(400);
  });

  it('compares dates as instants (ms strings or ISO) and numbers numerically', async () => {
    const ids3 = [0, 1, 2].map((i) => {
      t = Date.UTC(2026, 0, 1 + i);
      return sb.createObject('deals', { dealname: `D${i}`, amount: String([900, 10000, 50][i]) }).id;
    });
    const run = (body: object) => api('POST', '/crm/v3/objects/deals/search', body as never);
    const since = await run({
      filterGroups: [
        { filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: String(Date.UTC(2026, 0, 2)) }] },
      ],
    });
    expect(ids(since)).toEqual([ids3[1], ids3[2]]);
    const between = await run({
      filterGroups: [
        {
          filters: [
            {
              propertyName: 'createdate',
              operator: 'BETWEEN',
              value: '2026-01-01T12:00:00Z',
              highValue: '2026-01-02T12:00:00.000Z',
            },
          ],
        },
      ],
    });
    expect(ids(between)).toEqual([ids3[1]]);
    const gt = await run({ filterGroups: [{ filters: [{ propertyName: 'amount', operator: 'GT', value: '100' }] }] });
    expect(ids(gt)).toEqual([ids3[0], ids3[1]]);
    const sorted = await run({ sorts: [{ propertyName: 'amount', direction: 'DESCENDING' }] });
    expect(ids(sorted)).toEqual([ids3[1], ids3[0], ids3[2]]);
    const sortedString = await run({ sorts: ['amount'] });
    expect(ids(sortedString)).toEqual([ids3[2], ids3[0], ids3[1]]);
  });

  it('pages with after, caps at 10,000 results and validates the limit', async () => {
    sb.seed({ contacts: 250, seed: 3 });
    const run = (body: object) => api('POST', '/crm/v3/objects/contacts/search', body as never);
    const seen = new Set<string>();
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await run({ limit: 100, after, sorts: [{ propertyName: 'createdate', direction: 'ASCENDING' }] });
      expect(page.body.total).toBe(250);
      for (const id of ids(page)) seen.add(id);
      after = page.body.paging?.next?.after;
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(seen.size).toBe(250);
    const capped = await run({ limit: 100, after: '10000' });
    expect(capped.status).toBe(400);
    expect(capped.body.category).toBe('VALIDATION_ERROR');
    expect((await run({ limit: 201 })).status).toBe(400);
  });

  it('has its own rate limit without rate-limit headers', async () => {
    const strict = await createHubspotSandbox({ searchRateLimit: { max: 2, intervalMs: 60_000 } });
    try {
      const call = () => apiClient(strict)('POST', '/crm/v3/objects/contacts/search', { filterGroups: [] });
      expect((await call()).status).toBe(200);
      expect((await call()).status).toBe(200);
      const third = await call();
      expect(third.status).toBe(429);
      expect(third.body).toMatchObject({ errorType: 'RATE_LIMIT', policyName: 'SECONDLY' });
      expect(third.headers.get('x-hubspot-ratelimit-remaining')).toBeNull();
      // Other endpoints are not affected.
      expect((await apiClient(strict)('GET', '/crm/v3/objects/contacts')).status).toBe(200);
    } finally {
      await strict.close();
    }
  });
});
