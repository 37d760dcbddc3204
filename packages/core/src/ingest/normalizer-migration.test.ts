/**
 * Migration to the one email and phone normaliser (`@crmkit/identity`'s). Up to 0.1 core had its own: it kept
 * `+tags` and Gmail dots, kept national phone numbers as their digits (`0612345678`) and did not fold `ß`. A store
 * written by that version holds match keys, lookup keys and golden contact points in the old form; `hub.reindex()`
 * recomputes them, after which lookups with the new normaliser find the customers again (docs/migrations.md).
 *
 * The old keys are written here as literals, exactly as the old normaliser stored them.
 */
import type { CustomerRow, SourceRecordInput, Store } from '@crmkit/model';
import { customerPartition } from '../runtime/hub-observers';
import { describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../hub';
import { createDeterministicResolver, type IdentityResolver } from '../identity/resolver';
import { createMemoryStore } from '../store/memory-store';

const T = (minute: number) => new Date(Date.UTC(2026, 2, 1, 10, minute)).toISOString();

const jan: SourceRecordInput = {
  type: 'person',
  source: 'crm',
  externalId: 'a1',
  observedAt: T(0),
  data: { fullName: 'Jan Jansen', emails: ['Jan.Jansen+crm@GoogleMail.com'], phones: ['06 1234 5678'] },
};
const janFromShop: SourceRecordInput = {
  type: 'person',
  source: 'shop',
  externalId: 'b1',
  observedAt: T(1),
  data: { fullName: 'J. Jansen', emails: ['janjansen@gmail.com'] },
};
const grete: SourceRecordInput = {
  type: 'person',
  source: 'crm',
  externalId: 'c1',
  observedAt: T(2),
  data: { fullName: 'Grete Weiß', emails: ['grete@example.com'] },
};

/** Match keys as the 0.1 deterministic resolver stored them (its own normaliser, no default calling code). */
const OLD_MATCH_KEYS: Record<string, string[]> = {
  a1: ['person:email:jan.jansen+crm@googlemail.com', 'person:phone:0612345678'],
  b1: ['person:email:janjansen@gmail.com'],
  c1: ['person:email:grete@example.com'],
};

/** Lookup keys and golden contact points as the 0.1 normaliser stored them, by the customer's first record. */
const OLD_CUSTOMER_KEYS: Record<string, { lookup: string[]; normalized: Record<string, string> }> = {
  'crm/person/a1': {
    lookup: ['email:jan.jansen+crm@googlemail.com', 'name:jan', 'name:jansen', 'phone:0612345678'],
    normalized: { 'Jan.Jansen+crm@GoogleMail.com': 'jan.jansen+crm@googlemail.com', '06 1234 5678': '0612345678' },
  },
  'shop/person/b1': { lookup: ['email:janjansen@gmail.com', 'name:j', 'name:jansen'], normalized: {} },
  'crm/person/c1': { lookup: ['email:grete@example.com', 'name:grete', 'name:weiß'], normalized: {} },
};

const oldResolver: IdentityResolver = {
  name: 'deterministic',
  matchKeys: (record) => OLD_MATCH_KEYS[record.externalId] ?? [],
  refKeys: createDeterministicResolver().refKeys,
};

/** A store as crmkit 0.1 left it: old match keys on the records, old lookup keys and contact points on customers. */
async function oldStore(): Promise<Store> {
  const store = createMemoryStore();
  await createHub({ store, identity: oldResolver }).ingest([jan, janFromShop, grete]);
  await store.transaction(async (tx) => {
    const customers = await tx.listCustomers({ limit: 100 });
    const records = await tx.listRecordsByCustomer(customers.map((c) => c.id));
    const rows: CustomerRow[] = customers.map((row) => {
      const first = records.find((r) => r.customerId === row.id)!;
      const old = OLD_CUSTOMER_KEYS[first.key]!;
      const contactPoints = row.golden.contactPoints.map((point) => ({
        ...point,
        normalized: old.normalized[point.value] ?? point.normalized,
      }));
      return {
        ...row,
        lookupKeys: [`rec:${first.key}`, ...old.lookup].sort(),
        golden: { ...row.golden, contactPoints },
      };
    });
    await tx.putCustomers(rows);
  });
  return store;
}

async function names(hub: Hub, query: Parameters<Hub['find']>[0]): Promise<string[]> {
  return (await hub.find(query)).map((customer) => customer.displayName).sort();
}

describe('stored keys of the old core normaliser', () => {
  it('are not found by the new normaliser until hub.reindex() recomputes them', async () => {
    const store = await oldStore();
    // The deterministic resolver, so that only the normaliser differs between the two versions (no blocking keys).
    const hub = createHub({
      store,
      defaultCountry: 'NL',
      identity: createDeterministicResolver({ defaultCountry: 'NL' }),
    });
    expect(await customerPartition(hub)).toEqual(['crm/a1', 'crm/c1', 'shop/b1']);

    // Lookups normalise the query with identity's normaliser: the old keys do not answer.
    expect(await names(hub, { phone: '06 1234 5678' })).toEqual([]);
    expect(await names(hub, { name: 'Grete Weiss' })).toEqual([]);
    expect(await names(hub, { email: 'Jan.Jansen+crm@GoogleMail.com' })).toEqual(['J. Jansen']);

    const result = await hub.reindex();
    // Jan's record has new match keys (his Gmail address without dots and tag, his phone in E.164), which he shares
    // with the shop's record now; Grete's match keys did not change, only her lookup keys.
    expect(result).toMatchObject({ rekeyed: 1 });
    expect(await customerPartition(hub)).toEqual(['crm/a1+shop/b1', 'crm/c1']);
    const [jansen] = await hub.find({ phone: '+31 6 1234 5678' });
    expect(jansen).toBeDefined();
    for (const query of [
      { phone: '06 1234 5678' },
      { email: 'jan.jansen@gmail.com' },
      { email: 'Jan.Jansen+crm@GoogleMail.com' },
    ]) {
      expect((await hub.find(query)).map((c) => c.id)).toEqual([jansen!.id]);
    }
    expect(await names(hub, { name: 'Grete Weiss' })).toEqual(['Grete Weiß']);
    expect(await names(hub, { name: 'grete weiß' })).toEqual(['Grete Weiß']);
    const phones = jansen!.golden.contactPoints.filter((p) => p.kind === 'phone').map((p) => p.normalized);
    expect(phones).toEqual(['+31612345678']);

    // Everything is current now: a second run re-keys nothing and writes nothing.
    const before = await store.transaction((tx) => tx.listCustomers({ limit: 100 }), { readOnly: true });
    expect(await hub.reindex()).toMatchObject({ rekeyed: 0, links: 0, unlinks: 0 });
    expect(await store.transaction((tx) => tx.listCustomers({ limit: 100 }), { readOnly: true })).toEqual(before);
  });

  it('accepts the deprecated defaultCallingCode as the main country of the code', async () => {
    const store = await oldStore();
    const hub = createHub({ store, defaultCallingCode: '31' });
    await hub.reindex();
    expect(await hub.find({ phone: '06 1234 5678' })).toHaveLength(1);
    expect(await customerPartition(hub)).toEqual(['crm/a1+shop/b1', 'crm/c1']);
  });
});
