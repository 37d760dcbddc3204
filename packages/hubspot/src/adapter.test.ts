/**
 * Unit tests of the adapter's read paths against a tiny in-memory fake of HubSpot's list, search and association
 * endpoints (injected `fetch`), for cases the sandbox cannot produce (many objects sharing one modification time).
 */
import type { SourceRecordInput, SyncBatch } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { createHubspot } from './adapter';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint';

interface FakeObject {
  id: string;
  modified: number;
  firstname: string;
}

/** A fake HubSpot holding contacts; search is offset-paged, sorted by (lastmodifieddate, id), capped at `cap`. */
function fakeHubspot(objects: FakeObject[], cap = 10_000) {
  const calls: { path: string; body?: Record<string, unknown> }[] = [];
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const toApi = (o: FakeObject) => ({
    id: o.id,
    properties: { firstname: o.firstname, lastmodifieddate: new Date(o.modified).toISOString(), hs_object_id: o.id },
    createdAt: new Date(0).toISOString(),
    updatedAt: new Date(o.modified).toISOString(),
    archived: false,
  });
  const fetchImpl: typeof fetch = async (input, init) => {
    const request = input instanceof Request ? input : new Request(String(input), init);
    const url = new URL(request.url);
    const body = request.method === 'POST' ? ((await request.json()) as Record<string, unknown>) : undefined;
    calls.push({ path: url.pathname, ...(body ? { body } : {}) });
    if (url.pathname === '/crm/v3/objects/contacts/search') {
      const filter = (body!.filterGroups as { filters: { value: string }[] }[])[0]!.filters[0]!;
      const from = Number(filter.value);
      const limit = Number(body!.limit);
      const offset = body!.after === undefined || body!.after === '' ? 0 : Number(body!.after);
      if (offset >= cap) return json({ status: 'error', category: 'VALIDATION_ERROR', message: 'cap' }, 400);
      const matching = objects
        .filter((o) => o.modified >= from)
        .sort((a, b) => a.modified - b.modified || Number(a.id) - Number(b.id));
      const page = matching.slice(offset, offset + limit);
      const next = offset + page.length;
      return json({
        total: matching.length,
        results: page.map(toApi),
        ...(next < matching.length && page.length > 0 ? { paging: { next: { after: String(next) } } } : {}),
      });
    }
    if (url.pathname === '/crm/v4/associations/contacts/companies/batch/read') {
      return json({ status: 'COMPLETE', results: [], startedAt: '', completedAt: '' });
    }
    if (url.pathname === '/crm/v3/objects/contacts') {
      const after = Number(url.searchParams.get('after') ?? 0);
      const limit = Number(url.searchParams.get('limit'));
      const sorted = [...objects].sort((a, b) => Number(a.id) - Number(b.id));
      const page = sorted.filter((o) => Number(o.id) > after).slice(0, limit);
      const last = page[page.length - 1];
      const more = last !== undefined && sorted.some((o) => Number(o.id) > Number(last.id));
      return json({ results: page.map(toApi), ...(more ? { paging: { next: { after: last.id } } } : {}) });
    }
    return json({ status: 'error', message: `unexpected ${url.pathname}` }, 404);
  };
  return { fetch: fetchImpl, calls };
}

async function collect(iterable: AsyncIterable<SyncBatch>): Promise<SyncBatch[]> {
  const out: SyncBatch[] = [];
  for await (const batch of iterable) out.push(batch);
  return out;
}

const ids = (batches: SyncBatch[]) => batches.flatMap((b) => b.records.map((r: SourceRecordInput) => r.externalId));
const fromZero = encodeCheckpoint({ v: 1, mode: 'incremental', since: {} });

function contacts(count: number, modifiedOf: (i: number) => number): FakeObject[] {
  return Array.from({ length: count }, (_, i) => ({ id: String(i + 1), modified: modifiedOf(i), firstname: `P${i}` }));
}

let portal = 90_000;
function adapterOn(fake: ReturnType<typeof fakeHubspot>, extra: Record<string, unknown> = {}) {
  portal += 1;
  return createHubspot({
    baseUrl: 'https://hubspot.test',
    credentials: { type: 'token', token: 't' },
    portalId: portal,
    objects: ['contacts'],
    fetch: fake.fetch,
    searchRateLimit: { capacity: 1000, windowMs: 1000 },
    now: () => Date.UTC(2026, 2, 1),
    ...extra,
  });
}

describe('incremental search', () => {
  it('pages by keyset: each page searches from the last modification time seen, no duplicates', async () => {
    const fake = fakeHubspot(contacts(450, (i) => 1_000 + i));
    const batches = await collect(adapterOn(fake, { searchPageSize: 100 }).read({ checkpoint: fromZero }));
    expect(ids(batches)).toEqual(Array.from({ length: 450 }, (_, i) => String(i + 1)));
    const searches = fake.calls.filter((c) => c.path.endsWith('/search'));
    expect(
      searches.map((c) => (c.body!.filterGroups as { filters: { value: string }[] }[])[0]!.filters[0]!.value),
    ).toEqual(['0', '1099', '1198', '1297', '1396']);
    expect(searches.every((c) => c.body!.after === '0')).toBe(true);
    // Mid-type checkpoints resume at the last modification time seen; the last one at the run start minus overlap.
    expect(decodeCheckpoint(batches[0]!.checkpoint!)).toEqual({
      v: 1,
      mode: 'incremental',
      since: { contacts: new Date(1_099).toISOString() },
    });
    expect(decodeCheckpoint(batches[batches.length - 1]!.checkpoint!)).toEqual({
      v: 1,
      mode: 'incremental',
      since: { contacts: new Date(Date.UTC(2026, 2, 1) - 300_000).toISOString() },
    });
  });

  it('pages through more objects than one page sharing one modification time', async () => {
    // 30 early objects, then 250 modified in the same millisecond (a bulk import), then 20 later ones.
    const fake = fakeHubspot(contacts(300, (i) => (i < 30 ? i : i < 280 ? 5_000 : 6_000 + i)));
    const batches = await collect(adapterOn(fake, { searchPageSize: 100 }).read({ checkpoint: fromZero }));
    const read = ids(batches);
    expect(read).toHaveLength(300);
    expect(new Set(read).size).toBe(300);
  });

  it('reads past the 10,000-result cap', async () => {
    const fake = fakeHubspot(contacts(10_450, (i) => 1_000 + i));
    const read = ids(await collect(adapterOn(fake).read({ checkpoint: fromZero })));
    expect(read).toHaveLength(10_450);
    expect(new Set(read).size).toBe(10_450);
  });

  it('fails with a clear error when more objects than the cap share one modification time', async () => {
    const fake = fakeHubspot(
      contacts(350, () => 7_000),
      300,
    );
    const adapter = adapterOn(fake, { searchPageSize: 100, searchResultCap: 300 });
    await expect(collect(adapter.read({ checkpoint: fromZero }))).rejects.toMatchObject({
      code: 'VENDOR_ERROR',
      message: expect.stringContaining('share the modification time'),
    });
  });
});

describe('full read', () => {
  it('yields one batch per page and hands over an incremental checkpoint at the end', async () => {
    const fake = fakeHubspot(contacts(7, (i) => 1_000 + i));
    const batches = await collect(adapterOn(fake, { pageSize: 3, overlapMs: 60_000 }).read());
    expect(batches.map((b) => b.records.length)).toEqual([3, 3, 1]);
    expect(decodeCheckpoint(batches[0]!.checkpoint!)).toEqual({
      v: 1,
      mode: 'full',
      types: ['contacts'],
      index: 0,
      after: '3',
      passStartedAt: new Date(Date.UTC(2026, 2, 1)).toISOString(),
    });
    expect(decodeCheckpoint(batches[2]!.checkpoint!)).toEqual({
      v: 1,
      mode: 'incremental',
      since: { contacts: new Date(Date.UTC(2026, 2, 1) - 60_000).toISOString() },
    });
    const list = fake.calls.find((c) => c.path === '/crm/v3/objects/contacts');
    expect(list).toBeDefined();
  });

  it('sends the mapped, custom and extra properties and the associations it needs', async () => {
    const fake = fakeHubspot(contacts(1, () => 1));
    const seen: string[] = [];
    const adapter = adapterOn(
      {
        ...fake,
        fetch: async (input, init) => {
          seen.push(String(input instanceof Request ? input.url : input));
          return fake.fetch(input, init);
        },
      },
      {
        mapping: { contacts: { loyalty_tier: 'attributes.sales.tier' } },
        properties: { contacts: ['hs_lead_status'] },
      },
    );
    await collect(adapter.read());
    const url = new URL(seen[0]!);
    const properties = url.searchParams.get('properties')!.split(',');
    expect(properties).toEqual(expect.arrayContaining(['firstname', 'email', 'loyalty_tier', 'hs_lead_status']));
    expect(url.searchParams.get('associations')).toBe('companies');
    expect(url.searchParams.get('limit')).toBe('100');
  });

  it('stops after close()', async () => {
    const adapter = adapterOn(fakeHubspot([]));
    await adapter.close();
    await expect(collect(adapter.read())).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
