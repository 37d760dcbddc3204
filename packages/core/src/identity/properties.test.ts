/**
 * Property-based tests of probabilistic identity in the Hub (the real `@crmkit/identity` engine behind the default
 * resolver): on random small batches of noisy duplicates of a few people (typos, missing fields, other spellings,
 * shared contact points, deletions), ingest order and batching do not change the customers, ingest is idempotent,
 * accept followed by unlink restores every customer exactly, and an unlinked pair stays apart when its records
 * arrive again.
 */
import type { Customer, SourceRecordInput } from '@crmkit/model';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../hub';
import { createProbabilisticResolver } from './resolver';
import { compareStrings } from '../runtime/stable';

type PersonData = Extract<SourceRecordInput, { type: 'person' }>['data'];

interface Identity {
  given: string;
  family: string;
  birthDate: string;
  street: string;
  houseNumber: string;
  postcode: string;
  city: string;
  email: string;
  phone: string;
}

const PEOPLE: readonly Identity[] = [
  {
    given: 'Jonathan',
    family: 'Smith',
    birthDate: '1980-03-02',
    street: 'Kerkstraat',
    houseNumber: '12',
    postcode: '1011 AB',
    city: 'Amsterdam',
    email: 'jonathan@example.com',
    phone: '+31 6 1111 2222',
  },
  {
    given: 'Maria',
    family: 'Jansen',
    birthDate: '1975-11-23',
    street: 'Dorpsweg',
    houseNumber: '3',
    postcode: '3511 AB',
    city: 'Utrecht',
    email: 'maria.jansen@example.org',
    phone: '+31 30 123 4567',
  },
  {
    given: 'Pieter',
    family: 'de Vries',
    birthDate: '1990-07-14',
    street: 'Stationsplein',
    houseNumber: '1',
    postcode: '3511 AB',
    city: 'Utrecht',
    email: 'pdv@example.net',
    phone: '+31 6 9999 0000',
  },
];

const SOURCES = ['crm-a', 'crm-b', 'webshop'] as const;
const EXTERNAL_IDS = ['1', '2', '3'] as const;
const TIMES = ['2026-01-01T00:00:00Z', '2026-01-01T01:00:00+01:00', '2026-01-01T00:05:00Z', '2026-01-01T00:10:00Z'];

/** Small spelling mistakes, each a pure function of the name. */
const TYPOS: readonly ((name: string) => string)[] = [
  (n) => n,
  (n) => n.slice(0, -1), // Smith -> Smit
  (n) => n.replace(/a/, 'o'), // Jonathan -> Jonothan
  (n) => n.toUpperCase(),
  (n) => (n.length > 3 ? n[0] + n.slice(2) : n), // drop the second letter
];

const noiseArb = fc.record({
  person: fc.nat(PEOPLE.length - 1),
  givenTypo: fc.nat(TYPOS.length - 1),
  familyTypo: fc.nat(TYPOS.length - 1),
  fullName: fc.boolean(),
  birthDate: fc.constantFrom<'same' | 'missing' | 'other'>('same', 'same', 'same', 'missing', 'other'),
  address: fc.constantFrom<'full' | 'postcode' | 'city' | 'missing'>('full', 'full', 'postcode', 'city', 'missing'),
  email: fc.constantFrom<'none' | 'own' | 'other'>('none', 'none', 'none', 'own', 'other'),
  phone: fc.constantFrom<'none' | 'own'>('none', 'none', 'own'),
});

type Noise = typeof noiseArb extends fc.Arbitrary<infer N> ? N : never;

function noisyPerson(noise: Noise): PersonData {
  const who = PEOPLE[noise.person]!;
  const given = TYPOS[noise.givenTypo]!(who.given);
  const family = TYPOS[noise.familyTypo]!(who.family);
  const data: PersonData = noise.fullName
    ? { fullName: `${given} ${family}` }
    : { givenName: given, familyName: family };
  if (noise.birthDate === 'same') data.birthDate = who.birthDate;
  if (noise.birthDate === 'other') data.birthDate = '1966-06-06';
  if (noise.address === 'full')
    data.addresses = [
      { street: who.street, houseNumber: who.houseNumber, postalCode: who.postcode.replace(' ', ''), city: who.city },
    ];
  if (noise.address === 'postcode') data.addresses = [{ postalCode: who.postcode, city: who.city }];
  if (noise.address === 'city') data.addresses = [{ city: who.city }];
  if (noise.email === 'own') data.emails = [who.email];
  // Now and then two people share an address (a family mailbox): deterministic keys link them regardless.
  if (noise.email === 'other') data.emails = [PEOPLE[(noise.person + 1) % PEOPLE.length]!.email];
  if (noise.phone === 'own') data.phones = [who.phone];
  return data;
}

const recordArb: fc.Arbitrary<SourceRecordInput> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({
        source: fc.constantFrom(...SOURCES),
        externalId: fc.constantFrom(...EXTERNAL_IDS),
        observedAt: fc.constantFrom(...TIMES),
        noise: noiseArb,
      })
      .map(
        ({ source, externalId, observedAt, noise }): SourceRecordInput => ({
          type: 'person',
          source,
          externalId,
          observedAt,
          data: noisyPerson(noise),
        }),
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        source: fc.constantFrom(...SOURCES),
        externalId: fc.constantFrom(...EXTERNAL_IDS),
        observedAt: fc.constantFrom(...TIMES),
      })
      .map((envelope): SourceRecordInput => ({ type: 'person', ...envelope, deleted: true })),
  },
);

const recordsArb = fc.array(recordArb, { minLength: 2, maxLength: 14 });
const batchSizesArb = fc.oneof(
  fc.constant<number[]>([]),
  fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
);
const permutationArb = fc.array(fc.nat({ max: 1000 }), { minLength: 14, maxLength: 14 });

function permute<T>(items: readonly T[], keys: readonly number[]): T[] {
  return items
    .map((item, i) => ({ item, i, k: keys[i] ?? 0 }))
    .sort((a, b) => a.k - b.k || a.i - b.i)
    .map(({ item }) => item);
}

function batches<T>(items: readonly T[], sizes: readonly number[]): T[][] {
  if (sizes.length === 0) return [items.slice()];
  const out: T[][] = [];
  for (let i = 0, j = 0; i < items.length; j++) {
    const size = sizes[j % sizes.length]!;
    out.push(items.slice(i, i + size));
    i += size;
  }
  return out;
}

const resolver = createProbabilisticResolver();

function makeHub(): Hub {
  let tick = 0;
  let seq = 0;
  return createHub({
    identity: resolver,
    now: () => new Date(Date.UTC(2026, 2, 1) + tick++ * 1000),
    generateId: (prefix) => `${prefix}_${String(++seq).padStart(8, '0')}`,
  });
}

async function ingestAll(hub: Hub, records: readonly SourceRecordInput[], sizes: readonly number[]): Promise<void> {
  for (const batch of batches(records, sizes)) await hub.ingest(batch);
}

async function activeCustomers(hub: Hub): Promise<Customer[]> {
  return (await hub.list({ limit: 1000 })).items;
}

function clusterKey(customer: Customer): string {
  return customer.golden.sources
    .map((s) => `${s.system}/${s.externalId}`)
    .sort(compareStrings)
    .join(' + ');
}

/** Customers by content: the records each holds and its golden record; ids left out. */
async function byContent(hub: Hub): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const customer of await activeCustomers(hub)) {
    out[clusterKey(customer)] = { displayName: customer.displayName, golden: customer.golden };
  }
  return out;
}

/** Every customer row (any status) as an undo must restore it. */
async function customerRows(hub: Hub) {
  const rows = await hub.store.transaction((tx) => tx.listCustomers({ limit: 100_000 }), { readOnly: true });
  return rows.map((row) => ({
    id: row.id,
    status: row.status,
    mergedInto: row.mergedInto,
    displayName: row.displayName,
    golden: row.golden,
  }));
}

/** The live records as stored now, observed later: every one is "updated", so its links are recomputed. */
async function observedLater(hub: Hub, records: readonly SourceRecordInput[]): Promise<SourceRecordInput[]> {
  const keys = [...new Set(records.map((r) => `${r.source}/${r.type}/${r.externalId}`))];
  const stored = await hub.store.transaction((tx) => tx.getRecords(keys), { readOnly: true });
  return stored
    .filter((r) => !r.deleted)
    .map(
      (r) =>
        ({
          type: r.type,
          source: r.source,
          externalId: r.externalId,
          observedAt: '2026-02-01T00:00:00Z',
          data: r.data,
        }) as SourceRecordInput,
    );
}

describe('probabilistic identity properties', () => {
  it('ingest order and batching do not change the customers or their golden records', async () => {
    await fc.assert(
      fc.asyncProperty(recordsArb, permutationArb, batchSizesArb, batchSizesArb, async (records, order, a, b) => {
        const hubA = makeHub();
        const hubB = makeHub();
        await ingestAll(hubA, records, a);
        await ingestAll(hubB, permute(records, order), b);
        expect(await byContent(hubB)).toEqual(await byContent(hubA));
      }),
      { numRuns: 150 },
    );
  }, 180_000);

  it('ingesting the same records again changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(recordsArb, batchSizesArb, async (records, sizes) => {
        const hub = makeHub();
        await ingestAll(hub, records, sizes);
        const snapshot = () =>
          hub.store.transaction(
            async (tx) => ({
              customers: await tx.listCustomers({ limit: 100_000 }),
              reviews: await tx.listReviewItems({ limit: 100_000 }),
              journal: await tx.listJournal({ limit: 100_000 }),
              outbox: await tx.listOutbox({ limit: 100_000 }),
            }),
            { readOnly: true },
          );
        const before = await snapshot();
        for (const batch of batches(records, sizes)) {
          const result = await hub.ingest(batch);
          expect(result).toMatchObject({ created: 0, updated: 0, deleted: 0, events: 0, reviews: 0 });
        }
        expect(await snapshot()).toEqual(before);
      }),
      { numRuns: 100 },
    );
  }, 180_000);

  it('accepting a review item and then unlinking it restores every customer exactly', async () => {
    await fc.assert(
      fc.asyncProperty(recordsArb, batchSizesArb, fc.nat(), async (records, sizes, pick) => {
        const hub = makeHub();
        await ingestAll(hub, records, sizes);
        const open = await hub.reviews.list({ status: 'open', limit: 1000 });
        // An item whose records are still in two customers (an item opened earlier may be settled since).
        const candidates = [];
        for (const item of open) {
          const rows = await hub.store.transaction((tx) => tx.getRecords([item.a, item.b]), { readOnly: true });
          if (rows.length === 2 && rows.every((r) => !r.deleted) && rows[0]!.customerId !== rows[1]!.customerId)
            candidates.push(item);
        }
        fc.pre(candidates.length > 0);
        const item = candidates[pick % candidates.length]!;
        const before = await customerRows(hub);
        const clustersBefore = (await activeCustomers(hub)).map(clusterKey).sort(compareStrings);
        const decision = await hub.reviews.accept(item.id);
        expect(decision.customerIds).toHaveLength(1);
        expect((await activeCustomers(hub)).length).toBe(clustersBefore.length - 1);
        const result = await hub.unlink(decision.link!.id);
        expect(result.customerIds[0]).not.toBe(result.customerIds[1]);
        expect(await customerRows(hub)).toEqual(before);
      }),
      { numRuns: 100 },
    );
  }, 180_000);

  it('an unlinked pair stays apart when its records arrive again', async () => {
    await fc.assert(
      fc.asyncProperty(recordsArb, batchSizesArb, fc.nat(), async (records, sizes, pick) => {
        const hub = makeHub();
        await ingestAll(hub, records, sizes);
        const links = (
          await Promise.all((await activeCustomers(hub)).map((customer) => hub.links(customer.id)))
        ).flat();
        fc.pre(links.length > 0);
        const link = links[pick % links.length]!;
        await hub.unlink(link.id);
        const after = (await activeCustomers(hub)).map(clusterKey).sort(compareStrings);
        const again = await observedLater(hub, records);
        expect((await hub.ingest(again)).updated).toBe(again.length);
        expect((await activeCustomers(hub)).map(clusterKey).sort(compareStrings)).toEqual(after);
        const relinked = await hub.store.transaction((tx) => tx.listIdentityLinks([link.a]), { readOnly: true });
        expect(relinked.filter((l) => l.b === link.b || l.a === link.b)).toEqual([]);
      }),
      { numRuns: 100 },
    );
  }, 180_000);
});
