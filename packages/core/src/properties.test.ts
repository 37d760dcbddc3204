/**
 * Property-based tests of the Hub: ingest order independence, idempotent ingest, exact unmerge, and golden-field
 * provenance. Records come from small pools (emails, phones, names, sources, external ids, timestamps) so that
 * records link, update each other, tie on `observedAt`, get deleted and come back.
 */
import { type Customer, parseSourceRecord, type SourceRecordInput, type StoredRecord } from '@crmkit/model';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fieldsOf } from './golden/derive';
import { createHub, type Hub } from './hub';
import { recordKey } from './identity/resolver';
import { normalizeEmail, normalizePhone } from './normalize';
import { compareStrings, hashString, stableStringify } from './runtime/stable';

type PersonInput = Extract<SourceRecordInput, { type: 'person' }>;
type OrganizationInput = Extract<SourceRecordInput, { type: 'organization' }>;
type PartyType = 'person' | 'organization';

// ---------------------------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------------------------

const SOURCES = ['crm-a', 'crm-b', 'erp'] as const;
const EXTERNAL_IDS = ['1', '2', '3'] as const;
/** Spelling variants of the same address normalise to one match key. */
const EMAILS = [
  'ada@example.com',
  'ADA@Example.com',
  'bob@example.com',
  'Bob@EXAMPLE.com',
  'cy@example.org',
  'dee@example.net',
] as const;
/** The first three normalise to the same number; so do the next two. */
const PHONES = [
  '+31 6 1234 5678',
  '+31612345678',
  '0031 6 1234 5678',
  '+44 20 7946 0000',
  '+44 (0)20 7946 0000',
  '555-0100',
];
/** Three instants, each spelled several ways, so independent records often tie on observedAt. */
const TIMES = [
  '2026-01-01T00:00:00Z',
  '2026-01-01T01:00:00+01:00',
  '2025-12-31T23:00:00-01:00',
  '2026-01-01T00:05:00Z',
  '2026-01-01T00:05:00.000Z',
  '2026-01-01T00:10:00+00:00',
] as const;
/** Later than every generated observation. */
const LATE = '2026-01-02T00:00:00Z';
/** Placeholder: observed at "now" in the sequence, i.e. newer than every record before it (see `randomRecordsArb`). */
const SEQUENTIAL = 'sequential';

/** The i-th instant of a sequence starting at TIMES[0], one minute apart, in varying spellings. */
function sequentialTime(i: number): string {
  const date = new Date(Date.parse(TIMES[0]) + i * 60_000);
  if (i % 3 === 1) return date.toISOString();
  if (i % 3 === 2) return `${new Date(date.getTime() + 3_600_000).toISOString().slice(0, 19)}+01:00`;
  return `${date.toISOString().slice(0, 19)}Z`;
}

const GIVEN = ['Ada', 'Bob', 'Cy', 'Dee'] as const;
const FAMILY = ['Lovelace', 'King', 'Smith'] as const;
const ORG_NAMES = ['Acme', 'Globex', 'Initech'] as const;

const emailArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...EMAILS) },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        value: fc.constantFrom(...EMAILS),
        label: fc.constantFrom('work', 'home'),
        primary: fc.boolean(),
        verified: fc.boolean(),
      },
      { requiredKeys: ['value'] },
    ),
  },
);
const phoneArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PHONES) },
  {
    weight: 1,
    arbitrary: fc.record(
      { value: fc.constantFrom(...PHONES), label: fc.constantFrom('mobile', 'office'), primary: fc.boolean() },
      { requiredKeys: ['value'] },
    ),
  },
);
const attributesArb = fc.dictionary(
  fc.constantFrom('segment', 'tier'),
  fc.oneof(fc.constantFrom('gold', 'silver'), fc.integer({ min: 0, max: 3 })),
  { maxKeys: 2 },
);

const personDataArb: fc.Arbitrary<PersonInput['data']> = fc.record(
  {
    givenName: fc.constantFrom(...GIVEN),
    familyName: fc.constantFrom(...FAMILY),
    fullName: fc.constantFrom('Ada King', 'Robert Smith'),
    jobTitle: fc.constantFrom('CEO', 'Engineer', ''),
    language: fc.constantFrom('nl-NL', 'en-GB'),
    emails: fc.array(emailArb, { maxLength: 2 }),
    phones: fc.array(phoneArb, { maxLength: 2 }),
    organization: fc.record(
      { name: fc.constantFrom(...ORG_NAMES), role: fc.constantFrom('buyer') },
      { requiredKeys: [] },
    ),
    attributes: attributesArb,
  },
  { requiredKeys: [] },
);

const organizationDataArb: fc.Arbitrary<OrganizationInput['data']> = fc.record(
  {
    name: fc.constantFrom(...ORG_NAMES),
    legalName: fc.constantFrom('Acme B.V.', 'Globex Ltd'),
    domain: fc.constantFrom('acme.example', 'ACME.example', 'globex.example'),
    industry: fc.constantFrom('retail', 'energy'),
    employees: fc.integer({ min: 0, max: 3 }),
    emails: fc.array(emailArb, { maxLength: 2 }),
    phones: fc.array(phoneArb, { maxLength: 2 }),
    attributes: attributesArb,
  },
  { requiredKeys: ['name'] },
);

const envelopeArb = fc.record({
  source: fc.constantFrom(...SOURCES),
  externalId: fc.constantFrom(...EXTERNAL_IDS),
  // Often tied or stale; sometimes newer than everything before it in the list.
  observedAt: fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom<string>(...TIMES) },
    { weight: 1, arbitrary: fc.constant<string>(SEQUENTIAL) },
  ),
});

const personArb: fc.Arbitrary<SourceRecordInput> = fc
  .tuple(envelopeArb, personDataArb)
  .map(([envelope, data]) => ({ type: 'person', ...envelope, data }));
const organizationArb: fc.Arbitrary<SourceRecordInput> = fc
  .tuple(envelopeArb, organizationDataArb)
  .map(([envelope, data]) => ({ type: 'organization', ...envelope, data }));
const tombstoneArb: fc.Arbitrary<SourceRecordInput> = fc
  .tuple(fc.constantFrom<PartyType>('person', 'organization'), envelopeArb)
  .map(([type, envelope]) => ({ type, ...envelope, deleted: true }));

/** A party source record: mostly people and organisations, sometimes a tombstone. */
const recordArb: fc.Arbitrary<SourceRecordInput> = fc.oneof(
  { weight: 6, arbitrary: personArb },
  { weight: 3, arbitrary: organizationArb },
  { weight: 2, arbitrary: tombstoneArb },
);

/** Independent records: stale observations, ties on observedAt, tombstones for records never seen. */
const randomRecordsArb = fc
  .array(recordArb, { minLength: 1, maxLength: 24 })
  .map((records) => records.map((r, i) => (r.observedAt === SEQUENTIAL ? { ...r, observedAt: sequentialTime(i) } : r)));

/** One version of a record in its source: its data then, or deleted. */
function versionArb<D>(data: fc.Arbitrary<D>): fc.Arbitrary<{ data: D } | { deleted: true }> {
  return fc.oneof(
    { weight: 3, arbitrary: data.map((d) => ({ data: d })) },
    { weight: 1, arbitrary: fc.constant({ deleted: true as const }) },
  );
}
const historyArb = fc.oneof(
  fc.record({
    type: fc.constant('person' as const),
    source: fc.constantFrom(...SOURCES),
    externalId: fc.constantFrom(...EXTERNAL_IDS),
    versions: fc.array(versionArb(personDataArb), { minLength: 1, maxLength: 4 }),
  }),
  fc.record({
    type: fc.constant('organization' as const),
    source: fc.constantFrom(...SOURCES),
    externalId: fc.constantFrom(...EXTERNAL_IDS),
    versions: fc.array(versionArb(organizationDataArb), { minLength: 1, maxLength: 4 }),
  }),
);
/**
 * Records as sources produce them: each record key has a history of versions (changes, deletions, re-creations),
 * and the histories of several keys are interleaved in time. Listed in the order they happened.
 */
const historiesArb = fc
  .tuple(
    fc.uniqueArray(historyArb, {
      minLength: 1,
      maxLength: 8,
      selector: (h) => `${h.type}/${h.source}/${h.externalId}`,
    }),
    fc.array(fc.nat(), { minLength: 32, maxLength: 32 }),
  )
  .map(([histories, choices]) => {
    const next = histories.map(() => 0);
    const out: SourceRecordInput[] = [];
    for (let step = 0; ; step++) {
      const open = histories.map((_history, i) => i).filter((i) => next[i]! < histories[i]!.versions.length);
      if (open.length === 0) return out;
      const i = open[(choices[step % choices.length] ?? 0) % open.length]!;
      const { type, source, externalId, versions } = histories[i]!;
      const version = versions[next[i]!++]!;
      const observedAt = sequentialTime(out.length);
      out.push(
        'deleted' in version
          ? { type, source, externalId, observedAt, deleted: true }
          : ({ type, source, externalId, observedAt, data: version.data } as SourceRecordInput),
      );
    }
  });

const MAX_RECORDS = 32;
const recordsArb: fc.Arbitrary<SourceRecordInput[]> = fc.oneof(
  { weight: 1, arbitrary: randomRecordsArb },
  { weight: 3, arbitrary: historiesArb },
);
/** Batch sizes, cycled over the records; `[]` means one batch. Mostly small: every batch is one relink. */
const batchSizesArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant<number[]>([]) },
  { weight: 4, arbitrary: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }) },
);
/** A permutation, as sort keys (shrinks towards the identity). */
const permutationArb = fc.array(fc.nat({ max: 1000 }), { minLength: MAX_RECORDS, maxLength: MAX_RECORDS });

function permute<T>(items: readonly T[], sortKeys: readonly number[]): T[] {
  return items
    .map((item, i) => ({ item, i, k: sortKeys[i] ?? 0 }))
    .sort((a, b) => a.k - b.k || a.i - b.i)
    .map(({ item }) => item);
}

/** Parties for `unrelatedRecords`: a type and a name each. */
const unrelatedPartiesArb = fc.array(
  fc.tuple(fc.constantFrom<PartyType>('person', 'organization'), fc.constantFrom(...GIVEN)),
  { minLength: 1, maxLength: 4 },
);

/** Records that link to nothing `recordsArb` makes (own source, own emails, no phones); `tag` keeps rounds apart. */
function unrelatedRecords(parties: readonly [PartyType, string][], tag: string): SourceRecordInput[] {
  return parties.map(([type, name], i): SourceRecordInput => {
    const externalId = `${tag}-${i}`;
    const emails = [`late-${tag}-${i}@unrelated.test`];
    return type === 'person'
      ? { type, source: 'late', externalId, observedAt: LATE, data: { givenName: name, emails } }
      : { type, source: 'late', externalId, observedAt: LATE, data: { name: `${name} Corp`, emails } };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

/** A Hub with a ticking clock and counter ids, so a failing run replays exactly. */
function makeHub(): Hub {
  let tick = 0;
  let seq = 0;
  return createHub({
    now: () => new Date(Date.UTC(2026, 2, 1) + tick++ * 1000),
    generateId: (prefix) => `${prefix}_${String(++seq).padStart(8, '0')}`,
  });
}

function splitIntoBatches<T>(items: readonly T[], sizes: readonly number[]): T[][] {
  if (sizes.length === 0) return [items.slice()];
  const out: T[][] = [];
  let i = 0;
  let j = 0;
  while (i < items.length) {
    const size = sizes[j++ % sizes.length]!;
    out.push(items.slice(i, i + size));
    i += size;
  }
  return out;
}

async function ingestInBatches(hub: Hub, records: readonly SourceRecordInput[], sizes: readonly number[]) {
  for (const batch of splitIntoBatches(records, sizes)) await hub.ingest(batch);
}

async function activeCustomers(hub: Hub): Promise<Customer[]> {
  const page = await hub.list({ limit: 1000 });
  expect(page.nextCursor).toBeUndefined();
  return page.items;
}

function keyOf(type: string, source: string, externalId: string): string {
  return recordKey({ type: type as PartyType, source, externalId });
}

/** A customer's identity by content: its kind and the records it holds (ids differ between hubs). */
function clusterKey(customer: Customer): string {
  return customer.golden.sources
    .map((s) => keyOf(customer.kind, s.system, s.externalId))
    .sort(compareStrings)
    .join(' + ');
}

/** Active customers by content, keyed by cluster; ids, versions and timestamps left out. */
function contentByCluster(customers: readonly Customer[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const customer of customers) {
    const key = clusterKey(customer);
    expect(out[key], `two active customers hold ${key}`).toBeUndefined();
    out[key] = { kind: customer.kind, displayName: customer.displayName, golden: customer.golden };
  }
  return out;
}

/** Everything the store holds that an ingest could change. */
async function storeSnapshot(hub: Hub, records: readonly SourceRecordInput[]) {
  const keys = [...new Set(records.map((r) => keyOf(r.type, r.source, r.externalId)))];
  return hub.store.transaction(
    async (tx) => ({
      customers: await tx.listCustomers({ limit: 100_000 }),
      records: await tx.getRecords(keys),
      journal: await tx.listJournal({ limit: 100_000 }),
      outbox: await tx.listOutbox({ limit: 100_000 }),
    }),
    { readOnly: true },
  );
}

/** Every customer (any status), as unmerge must restore it: version and updatedAt left out. */
async function customersById(hub: Hub): Promise<Map<string, unknown>> {
  const rows = await hub.store.transaction((tx) => tx.listCustomers({ limit: 100_000 }), { readOnly: true });
  return new Map(
    rows.map((row) => [
      row.id,
      {
        id: row.id,
        status: row.status,
        kind: row.kind,
        mergedInto: row.mergedInto,
        createdAt: row.createdAt,
        displayName: row.displayName,
        golden: row.golden,
      },
    ]),
  );
}

async function linkedRecords(hub: Hub, customerId: string): Promise<StoredRecord[]> {
  return hub.store.transaction((tx) => tx.listRecordsByCustomer([customerId]), { readOnly: true });
}

/**
 * A reference model of what survives ingest, whatever the order: per record key the newest observation wins (a
 * tombstone wins a tie, then the larger content hash); live party records of one type are one customer when they
 * are connected by shared normalised emails or phones. Returns the expected cluster keys.
 */
function expectedClusters(records: readonly SourceRecordInput[]): string[] {
  interface Observation {
    key: string;
    type: PartyType;
    observedMs: number;
    deleted: boolean;
    hash: string;
    matchKeys: string[];
  }
  const winners = new Map<string, Observation>();
  for (const input of records) {
    const parsed = parseSourceRecord(input);
    const data = parsed.deleted ? null : parsed.data;
    const matchKeys: string[] = [];
    if (!parsed.deleted && (parsed.type === 'person' || parsed.type === 'organization')) {
      for (const email of parsed.data.emails ?? []) {
        const normalized = normalizeEmail(email.value);
        if (normalized) matchKeys.push(`${parsed.type}:email:${normalized}`);
      }
      for (const phone of parsed.data.phones ?? []) {
        const normalized = normalizePhone(phone.value);
        if (normalized) matchKeys.push(`${parsed.type}:phone:${normalized}`);
      }
    }
    const next: Observation = {
      key: recordKey(parsed),
      type: parsed.type as PartyType,
      observedMs: Date.parse(parsed.observedAt),
      deleted: parsed.deleted,
      hash: hashString(stableStringify({ type: parsed.type, deleted: parsed.deleted, data })),
      matchKeys,
    };
    const prev = winners.get(next.key);
    const wins =
      !prev ||
      (next.observedMs !== prev.observedMs
        ? next.observedMs > prev.observedMs
        : next.deleted !== prev.deleted
          ? next.deleted
          : next.hash > prev.hash);
    if (wins) winners.set(next.key, next);
  }
  const live = [...winners.values()].filter((w) => !w.deleted);
  const parent = new Map(live.map((w) => [w.key, w.key]));
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root)!;
    return root;
  };
  const firstWithKey = new Map<string, string>();
  for (const w of live) {
    for (const matchKey of w.matchKeys) {
      const other = firstWithKey.get(matchKey);
      if (other === undefined) firstWithKey.set(matchKey, w.key);
      else parent.set(find(other), find(w.key));
    }
  }
  const groups = new Map<string, string[]>();
  for (const w of live) {
    const root = find(w.key);
    groups.set(root, [...(groups.get(root) ?? []), w.key]);
  }
  return [...groups.values()].map((keys) => keys.sort(compareStrings).join(' + ')).sort(compareStrings);
}

// ---------------------------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------------------------

/** 1. Ingest order and batching do not change the customers: same clusters, same golden records. */
const orderIndependence = fc.asyncProperty(
  fc.record({ records: recordsArb, order: permutationArb, sizesA: batchSizesArb, sizesB: batchSizesArb }),
  async ({ records, order, sizesA, sizesB }) => {
    const hubA = makeHub();
    const hubB = makeHub();
    // After every batch, the clusters are exactly the connected components of the surviving live records.
    const ingestChecked = async (hub: Hub, ordered: readonly SourceRecordInput[], sizes: readonly number[]) => {
      const seen: SourceRecordInput[] = [];
      for (const batch of splitIntoBatches(ordered, sizes)) {
        await hub.ingest(batch);
        seen.push(...batch);
        const clusters = (await activeCustomers(hub)).map(clusterKey).sort(compareStrings);
        expect(clusters, `clusters after ${seen.length} records`).toEqual(expectedClusters(seen));
      }
    };
    await ingestChecked(hubA, records, sizesA);
    await ingestChecked(hubB, permute(records, order), sizesB);
    const customersA = await activeCustomers(hubA);
    const customersB = await activeCustomers(hubB);
    // And each cluster has the same golden record (fields with provenance, contact points, sources) in both hubs.
    expect(contentByCluster(customersB)).toEqual(contentByCluster(customersA));
  },
);

type IngestResult = Awaited<ReturnType<Hub['ingest']>>;
function expectNoChange(result: IngestResult, size: number): void {
  expect(result).toMatchObject({ created: 0, updated: 0, deleted: 0, events: 0, unchanged: size });
}

/** 2. Ingesting a record or a batch again changes nothing: no counts, no events, no stored change. */
const idempotentIngest = fc.asyncProperty(recordsArb, batchSizesArb, fc.nat(), async (records, sizes, pick) => {
  const hub = makeHub();
  // Each batch, ingested again right away.
  for (const batch of splitIntoBatches(records, sizes)) {
    await hub.ingest(batch);
    const before = await storeSnapshot(hub, records);
    expectNoChange(await hub.ingest(batch), batch.length);
    expect(await storeSnapshot(hub, records)).toEqual(before);
  }
  // Everything ingested so far, again: as one batch, one record twice in a batch, and record by record.
  const before = await storeSnapshot(hub, records);
  const customersBefore = await activeCustomers(hub);
  expectNoChange(await hub.ingest(records), records.length);
  const one = records[pick % records.length]!;
  expectNoChange(await hub.ingest([one, one]), 2);
  for (const record of records) expectNoChange(await hub.ingest([record]), 1);
  const after = await storeSnapshot(hub, records);
  expect(after.outbox).toHaveLength(before.outbox.length);
  expect(after).toEqual(before);
  expect(await activeCustomers(hub)).toEqual(customersBefore);
});

/** Distinct active customers of one kind, as ordered pairs. */
function pairsOfOneKind(customers: readonly Customer[], swap: boolean): [Customer, Customer][] {
  return customers.flatMap((a) =>
    customers
      .filter((b) => b.kind === a.kind && b.id < a.id)
      .map((b): [Customer, Customer] => (swap ? [b, a] : [a, b])),
  );
}

/**
 * 3. merge then unmerge (optionally with unrelated ingests in between) restores every customer; tried for up to
 * three random pairs in a row.
 */
function unmergeRestores(withLaterIngest: boolean) {
  return fc.asyncProperty(
    fc.record({
      records: recordsArb,
      sizes: batchSizesArb,
      picks: fc.array(fc.tuple(fc.nat(), fc.boolean()), { minLength: 1, maxLength: 3 }),
      later: fc.array(unrelatedPartiesArb, { minLength: 3, maxLength: 3 }),
    }),
    async ({ records, sizes, picks, later }) => {
      const hub = makeHub();
      await ingestInBatches(hub, records, sizes);
      fc.pre(pairsOfOneKind(await activeCustomers(hub), false).length > 0);
      for (const [round, [pick, swap]] of picks.entries()) {
        const pairs = pairsOfOneKind(await activeCustomers(hub), swap);
        const [a, b] = pairs[pick % pairs.length]!;
        const before = await customersById(hub);

        const merge = await hub.merge(a.id, b.id);
        // The merge happened: one customer holding the records of both.
        expect([merge.into, merge.from].sort(compareStrings)).toEqual([a.id, b.id].sort(compareStrings));
        const merged = (await hub.get(a.id))!;
        expect(merged.id).toBe(merge.into);
        expect((await hub.get(b.id))!.id).toBe(merge.into);
        const bothClusters = [clusterKey(a), clusterKey(b)].flatMap((k) => k.split(' + ')).sort(compareStrings);
        expect(clusterKey(merged)).toBe(bothClusters.join(' + '));

        const extra = withLaterIngest ? unrelatedRecords(later[round]!, `r${round}`) : [];
        if (extra.length > 0) await hub.ingest(extra);

        const unmerge = await hub.unmerge(merge.mergeId);
        expect(unmerge.customerIds).toEqual([a.id, b.id]);
        const after = await customersById(hub);
        for (const [id, customer] of before) expect(after.get(id), `customer ${id}`).toEqual(customer);
        expect(after.size).toBe(before.size + extra.length);
      }
    },
  );
}

/** Checks property 4 on every active customer of `hub`. */
async function expectProvenanceHolds(hub: Hub): Promise<void> {
  for (const customer of await activeCustomers(hub)) {
    const linked = await linkedRecords(hub, customer.id);
    expect(linked.length, `customer ${customer.id} holds no live records`).toBeGreaterThan(0);
    for (const record of linked) {
      expect(record.deleted).toBe(false);
      expect(record.customerId).toBe(customer.id);
      expect(record.type).toBe(customer.kind);
    }
    const sourceKeys = customer.golden.sources.map((s) => keyOf(customer.kind, s.system, s.externalId));
    expect(sourceKeys.sort(compareStrings), `sources of ${customer.id}`).toEqual(
      linked.map((r) => r.key).sort(compareStrings),
    );

    const supplied = linked.map((record) => ({ record, fields: fieldsOf(record) }));
    const fieldNames = [...new Set(supplied.flatMap((s) => Object.keys(s.fields)))];
    expect(Object.keys(customer.golden.fields).sort(compareStrings)).toEqual(fieldNames.sort(compareStrings));

    for (const [name, field] of Object.entries(customer.golden.fields)) {
      const { provenance } = field;
      expect(provenance.rule).toBe('mostRecent');
      const supplier = supplied.find(
        (s) =>
          s.record.source === provenance.source &&
          s.record.externalId === provenance.externalId &&
          s.record.type === provenance.recordType,
      );
      expect(
        supplier,
        `${customer.id}.${name}: ${provenance.source}/${provenance.externalId} not linked`,
      ).toBeDefined();
      expect(supplier!.record.observedAt).toBe(provenance.observedAt);
      expect(supplier!.fields[name]).toEqual(field.value);
      // mostRecent: no linked record with a value for the field was observed later.
      const candidates = supplied.filter((s) => s.fields[name] !== undefined);
      expect(field.candidates).toBe(candidates.length);
      for (const c of candidates) {
        expect(Date.parse(c.record.observedAt)).toBeLessThanOrEqual(Date.parse(provenance.observedAt));
      }
    }
  }
}

/**
 * 4. Every golden field's provenance names a live record linked to the customer that supplies exactly that value;
 * checked after every batch, and after a manual merge.
 */
const provenanceHolds = fc.asyncProperty(
  recordsArb,
  batchSizesArb,
  fc.option(fc.nat(), { nil: undefined }),
  async (records, sizes, mergePick) => {
    const hub = makeHub();
    for (const batch of splitIntoBatches(records, sizes)) {
      await hub.ingest(batch);
      await expectProvenanceHolds(hub);
    }
    if (mergePick !== undefined) {
      const pairs = pairsOfOneKind(await activeCustomers(hub), false);
      const pair = pairs[mergePick % Math.max(pairs.length, 1)];
      if (pair) {
        await hub.merge(pair[0].id, pair[1].id);
        await expectProvenanceHolds(hub);
      }
    }
  },
);

describe('Hub properties', () => {
  it('ingest order and batching do not change the golden records', async () => {
    await fc.assert(orderIndependence, { numRuns: 200 });
  }, 180_000);

  it('ingesting a record or a batch twice changes nothing', async () => {
    await fc.assert(idempotentIngest, { numRuns: 100 });
  }, 180_000);

  it('unmerge right after merge restores both customers exactly', async () => {
    await fc.assert(unmergeRestores(false), { numRuns: 75 });
  }, 180_000);

  it('unmerge restores both customers after unrelated records were ingested in between', async () => {
    await fc.assert(unmergeRestores(true), { numRuns: 75 });
  }, 180_000);

  it('every golden field names a live linked source record that supplied its value', async () => {
    await fc.assert(provenanceHolds, { numRuns: 100 });
  }, 180_000);
});
