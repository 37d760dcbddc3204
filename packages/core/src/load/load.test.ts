import {
  AbortedError,
  type Actor,
  InvalidArgumentError,
  PermissionDeniedError,
  type SourceRecordInput,
  ValidationError,
} from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../hub';
import { recordKey } from '../identity/resolver';
import { compareStrings } from '../runtime/stable';

const GIVEN = ['Ada', 'Grace', 'Jan', 'Sanne', 'Pieter', 'Maria'];
const FAMILY = ['de Vries', 'Jansen', 'Bakker', 'Visser', 'Smit'];

/** People in two or three sources, copies sharing an email or a phone or only a (misspelt) name and birth date. */
function people(count: number): SourceRecordInput[] {
  const out: SourceRecordInput[] = [];
  for (let i = 0; i < count; i++) {
    const given = GIVEN[i % GIVEN.length]!;
    const family = FAMILY[(i * 7) % FAMILY.length]!;
    const email = `${given}.${i}@example.com`.toLowerCase();
    const phone = `+3161${String(1_000_000 + i).slice(-7)}`;
    const birthDate = `19${50 + (i % 40)}-0${1 + (i % 9)}-1${i % 10}`;
    for (let c = 0; c < 2 + (i % 2); c++) {
      out.push({
        type: 'person',
        source: ['crm', 'shop', 'support'][c]!,
        externalId: `${c}-${i}`,
        observedAt: new Date(Date.UTC(2026, 0, 1 + ((i * 3 + c) % 60))).toISOString(),
        data: {
          givenName: c === 2 ? `${given}a` : given,
          familyName: family,
          birthDate,
          emails: c === 0 || i % 3 === 0 ? [email] : [],
          phones: c === 1 && i % 3 !== 0 ? [phone] : c === 0 && i % 5 === 0 ? [phone] : [],
        },
      });
    }
  }
  return out;
}

/** What load and ingest must agree on: customers as sets of record keys with their golden records, links, reviews. */
async function content(hub: Hub) {
  return hub.store.transaction(
    async (tx) => {
      const customers = await tx.listCustomers({ limit: 100_000, status: 'active' });
      const records = await tx.listRecordsByCustomer(customers.map((c) => c.id));
      const keysOf = new Map<string, string[]>();
      for (const r of records) keysOf.set(r.customerId!, [...(keysOf.get(r.customerId!) ?? []), r.key]);
      const clusters = customers
        .map((c) => ({
          keys: (keysOf.get(c.id) ?? []).sort(compareStrings).join(' + '),
          displayName: c.displayName,
          golden: c.golden,
        }))
        .sort((a, b) => compareStrings(a.keys, b.keys));
      const links = (await tx.listIdentityLinks(records.map((r) => r.key)))
        .map((l) => `${[l.a, l.b].sort(compareStrings).join('|')} ${l.kind} ${l.probability}`)
        .sort(compareStrings);
      const reviews = (await tx.listReviewItems({ limit: 100_000 }))
        .map((r) => `${r.pairKey} ${r.status} ${r.probability}`)
        .sort(compareStrings);
      return { clusters, links, reviews };
    },
    { readOnly: true },
  );
}

async function ingestInBatches(hub: Hub, records: readonly SourceRecordInput[], size: number) {
  for (let i = 0; i < records.length; i += size) await hub.ingest(records.slice(i, i + size));
}

async function* slowly<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) {
    await Promise.resolve();
    yield item;
  }
}

describe('hub.load', () => {
  it('gives the same customers, golden records, links and review items as ingest in small batches', async () => {
    const records = people(150);
    const ingested = createHub({ defaultCountry: 'NL' });
    await ingestInBatches(ingested, records, 37);
    const loaded = createHub({ defaultCountry: 'NL' });
    const result = await loaded.load(records, { batchSize: 100 });
    const expected = await content(ingested);
    expect(expected.links.length).toBeGreaterThan(0);
    expect(await content(loaded)).toEqual(expected);
    expect(result).toMatchObject({ records: records.length, batches: Math.ceil(records.length / 100) });
    expect(result.created).toBe(records.length);
  });

  it('reads an async iterable batch by batch and reports progress after each committed batch', async () => {
    const records = people(40);
    const hub = createHub({ defaultCountry: 'NL' });
    const seen: number[] = [];
    const result = await hub.load(slowly(records), {
      batchSize: 25,
      onProgress: (p) => seen.push(p.records),
    });
    expect(seen).toEqual([25, 50, 75, 100].filter((n) => n < records.length).concat(records.length));
    expect(result.records).toBe(records.length);
    // Loading the same records again changes nothing (ingest is idempotent).
    const again = await hub.load(records);
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: records.length, events: 0 });
  });

  it('emits the same events as ingest, in the same kinds and counts', async () => {
    const records = people(30);
    const kinds = async (hub: Hub) =>
      (await hub.outbox({ limit: 10_000 }))
        .map((e) => e.type)
        .reduce<Record<string, number>>((acc, t) => {
          acc[t] = (acc[t] ?? 0) + 1;
          return acc;
        }, {});
    const a = createHub({ defaultCountry: 'NL' });
    await a.ingest(records);
    const b = createHub({ defaultCountry: 'NL' });
    await b.load(records, { batchSize: 7 });
    // Batching changes how customers come and go on the way (merges), not which exist at the end.
    const [ka, kb] = [await kinds(a), await kinds(b)];
    expect(kb['record.ingested']).toBe(ka['record.ingested']);
    expect(kb['customer.created']! - (kb['customer.merged'] ?? 0)).toBe(
      ka['customer.created']! - (ka['customer.merged'] ?? 0),
    );
  });

  it('stops at a bad record with its position in the whole load; the batches before it stay', async () => {
    const records = people(20);
    const bad = { ...records[33]!, observedAt: 'yesterday' } as SourceRecordInput;
    const input = [...records.slice(0, 33), bad, ...records.slice(34)];
    const hub = createHub({ defaultCountry: 'NL' });
    const error = await hub.load(input, { batchSize: 10 }).catch((e: unknown) => e);
    expect(ValidationError.isInstance(error)).toBe(true);
    const v = error as ValidationError;
    expect(v.index).toBe(33);
    expect(v.path).toEqual([33, 'observedAt']);
    expect(v.issues[0]!.pathString).toBe('records[33].observedAt');
    expect(v.message).toContain('Record 33');
    expect(v.message).toContain('The 30 records before its batch are loaded');
    const stored = await hub.store.transaction((tx) => tx.getRecords(input.map(recordKey)));
    expect(stored).toHaveLength(30);
  });

  it('stops between batches when aborted, keeping what was committed', async () => {
    const records = people(20);
    const hub = createHub({ defaultCountry: 'NL' });
    const controller = new AbortController();
    const error = await hub
      .load(records, {
        batchSize: 10,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.batches === 2) controller.abort();
        },
      })
      .catch((e: unknown) => e);
    expect(AbortedError.isInstance(error)).toBe(true);
    const { items } = await hub.list({ limit: 1000 });
    expect(items.flatMap((c) => c.golden.sources)).toHaveLength(20);
  });

  it('refuses a bad batch size and a source that is not iterable', async () => {
    const hub = createHub({ maxBatchSize: 100 });
    await expect(hub.load([], { batchSize: 101 })).rejects.toSatisfy(InvalidArgumentError.isInstance);
    await expect(hub.load([], { batchSize: 0 })).rejects.toSatisfy(InvalidArgumentError.isInstance);
    await expect(hub.load(42 as never)).rejects.toSatisfy(InvalidArgumentError.isInstance);
    expect(await hub.load([])).toMatchObject({ records: 0, batches: 0 });
  });

  it('as an actor needs record.import', async () => {
    const hub = createHub();
    const reader: Actor = { kind: 'user', id: 'u1', roles: [{ name: 'crm_executive' }] };
    const admin: Actor = { kind: 'user', id: 'u2', roles: [{ name: 'data_admin' }] };
    await expect(hub.as(reader).load(people(2))).rejects.toSatisfy(PermissionDeniedError.isInstance);
    expect((await hub.as(admin).load(people(2))).created).toBe(5);
    const audit = await hub.governance.audit({ limit: 100 });
    expect(audit.some((e) => e.action.startsWith('record.') && e.actor.includes('u2'))).toBe(true);
  });
});
