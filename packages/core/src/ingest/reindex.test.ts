/**
 * Stale identity keys (memory store): records stored by an older version or under another resolver configuration
 * are re-keyed when they are ingested again, and `hub.reindex()` re-keys a whole store in batches. Records are
 * written with the deterministic resolver (no blocking keys, as rows from before store-postgres migration 2), then
 * read by a Hub with the default probabilistic resolver on the same store.
 */
import { AbortedError, InvalidArgumentError, type SourceRecordInput, type Store } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { customerPartition, recordEvents } from '../runtime/hub-observers';
import { createHub, type Hub, type HubOptions } from '../hub';
import { createDeterministicResolver } from '../identity/resolver';
import { createMemoryStore } from '../store/memory-store';

const T = (minute: number) => new Date(Date.UTC(2026, 2, 1, 10, minute)).toISOString();
type PersonData = Extract<SourceRecordInput, { type: 'person' }>['data'];

function person(source: string, externalId: string, minute: number, data: PersonData): SourceRecordInput {
  return { type: 'person', source, externalId, observedAt: T(minute), data };
}

const KERKSTRAAT = { street: 'Kerkstraat', houseNumber: '12', postalCode: '1011 AB', city: 'Amsterdam', country: 'NL' };
const jonathan = (data: Partial<PersonData> = {}) =>
  person('crm-a', 'c-1', 0, {
    givenName: 'Jonathan',
    familyName: 'Smith',
    birthDate: '1980-03-02',
    addresses: [KERKSTRAAT],
    emails: ['jonathan.smith@example.com'],
    ...data,
  });
const jonathon = (data: Partial<PersonData> = {}) =>
  person('webshop', '77', 1, {
    givenName: 'Jonathon',
    familyName: 'Smit',
    birthDate: '1980-03-02',
    addresses: [{ ...KERKSTRAAT, postalCode: '1011AB' }],
    phones: ['+31 6 1111 2222'],
    ...data,
  });

/** One store, one clock and one id sequence shared by every Hub a test opens on it (as after a restart). */
function world() {
  const store = createMemoryStore();
  let tick = 0;
  let seq = 0;
  const hub = (options: Omit<HubOptions, 'store' | 'now' | 'generateId'> = {}): Hub =>
    createHub({
      store,
      now: () => new Date(Date.UTC(2026, 3, 1) + tick++ * 1000),
      generateId: (prefix) => `${prefix}_${String(++seq).padStart(6, '0')}`,
      ...options,
    });
  return { store, hub };
}

async function storedRecords(store: Store, keys: string[]) {
  return store.transaction((tx) => tx.getRecords(keys), { readOnly: true });
}

/** Everything a re-index could change: customers (all statuses), journal, outbox, review items. */
async function snapshot(hub: Hub) {
  return hub.store.transaction(
    async (tx) => ({
      customers: await tx.listCustomers({ limit: 10_000 }),
      journal: await tx.listJournal({ limit: 10_000 }),
      outbox: await tx.listOutbox({ limit: 10_000 }),
      reviews: await tx.listReviewItems({ limit: 10_000 }),
    }),
    { readOnly: true },
  );
}

const JONATHAN = 'crm-a/person/c-1';
const JONATHON = 'webshop/person/77';

describe('re-ingesting records with stale keys', () => {
  it('re-keys them, links the typo-ridden duplicate, and counts them as unchanged without record.ingested', async () => {
    const { store, hub } = world();
    const old = hub({ identity: createDeterministicResolver() });
    await old.ingest([jonathan(), jonathon()]);
    expect(await customerPartition(old)).toEqual([JONATHAN.replace('/person', ''), JONATHON.replace('/person', '')]);
    const before = await storedRecords(store, [JONATHAN, JONATHON]);
    expect(before.map((r) => r.blockKeys)).toEqual([[], []]);

    const current = hub();
    const events = recordEvents(current);
    const result = await current.ingest([jonathan(), jonathon()]);
    expect(result).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: 2, reviews: 0 });
    expect(await customerPartition(current)).toEqual(['crm-a/c-1+webshop/77']);
    expect(result.customerIds).toEqual([(await current.find({ email: 'jonathan.smith@example.com' }))[0]!.id]);

    // Same content and observation, new keys, next version.
    const after = await storedRecords(store, [JONATHAN, JONATHON]);
    for (const [i, record] of after.entries()) {
      const prev = before[i]!;
      expect(record.blockKeys.length).toBeGreaterThan(0);
      expect(record.matchKeys).toEqual(prev.matchKeys);
      expect(record).toMatchObject({
        contentHash: prev.contentHash,
        observedAt: prev.observedAt,
        ingestedAt: prev.ingestedAt,
        data: prev.data,
        version: prev.version + 1,
      });
    }
    // Content did not change: no record.ingested; the identity change is announced as usual.
    expect(events.filter((e) => e.type === 'record.ingested')).toEqual([]);
    expect(events.map((e) => e.type)).toContain('customer.merged');
    const journal = await current.journal();
    const links = journal.filter((e) => e.kind === 'link');
    expect(links).toHaveLength(1);
    expect(links[0]!.data).toMatchObject({ a: JONATHAN, b: JONATHON, kind: 'auto' });
    expect(links[0]!.data).not.toHaveProperty('trigger');

    // The keys are current now: the same batch again changes nothing at all.
    const state = await snapshot(current);
    expect(await current.ingest([jonathan(), jonathon()])).toMatchObject({ unchanged: 2, customerIds: [], events: 0 });
    expect(await snapshot(current)).toEqual(state);
  });

  it('finds candidates only among records with current keys: one record re-ingested is not enough', async () => {
    const { hub } = world();
    await hub({ identity: createDeterministicResolver() }).ingest([jonathan(), jonathon()]);
    const current = hub();
    await current.ingest([jonathan()]);
    expect(await customerPartition(current)).toEqual(['crm-a/c-1', 'webshop/77']);
    await current.ingest([jonathon()]);
    expect(await customerPartition(current)).toEqual(['crm-a/c-1+webshop/77']);
  });

  it('re-keys a record the batch holds an older observation of, from the stored content', async () => {
    const { store, hub } = world();
    await hub({ identity: createDeterministicResolver() }).ingest([jonathan(), jonathon()]);
    const current = hub();
    const older = { ...jonathon({ givenName: 'Somebody', familyName: 'Else' }), observedAt: T(-30) };
    const result = await current.ingest([jonathan(), older]);
    expect(result).toMatchObject({ created: 0, updated: 0, unchanged: 2 });
    const [, stored] = await storedRecords(store, [JONATHAN, JONATHON]);
    expect(stored!.data).toMatchObject({ givenName: 'Jonathon' });
    expect(await customerPartition(current)).toEqual(['crm-a/c-1+webshop/77']);
  });

  it('drops keys the configuration no longer derives: an automatic link goes, journaled, and the customer splits', async () => {
    const { hub } = world();
    const probabilistic = hub();
    await probabilistic.ingest([jonathan(), jonathon()]);
    expect(await customerPartition(probabilistic)).toEqual(['crm-a/c-1+webshop/77']);

    const deterministic = hub({ identity: createDeterministicResolver() });
    const result = await deterministic.ingest([jonathan(), jonathon()]);
    expect(result).toMatchObject({ unchanged: 2, created: 0, updated: 0 });
    expect(await customerPartition(deterministic)).toEqual(['crm-a/c-1', 'webshop/77']);
    const unlinks = (await deterministic.journal()).filter((e) => e.kind === 'unlink');
    expect(unlinks.map((e) => e.data)).toEqual([expect.objectContaining({ reason: 'evidence changed' })]);
  });
});

describe('hub.reindex()', () => {
  it('re-keys a store written under another configuration, links the duplicate, and journals the link', async () => {
    const { store, hub } = world();
    await hub({ identity: createDeterministicResolver() }).ingest([jonathan(), jonathon()]);
    const current = hub();
    const events = recordEvents(current);
    const progress: unknown[] = [];
    const result = await current.reindex({ actor: 'ops', onProgress: (p) => progress.push(p) });
    expect(result).toEqual({ records: 2, rekeyed: 2, links: 1, unlinks: 0, reviews: 0 });
    expect(progress).toEqual([{ records: 2, rekeyed: 2 }]);
    expect(await customerPartition(current)).toEqual(['crm-a/c-1+webshop/77']);
    const link = (await current.journal()).find((e) => e.kind === 'link');
    expect(link).toMatchObject({ actor: 'ops', data: { a: JONATHAN, b: JONATHON, kind: 'auto', trigger: 'reindex' } });
    expect((await storedRecords(store, [JONATHAN, JONATHON])).every((r) => r.blockKeys.length > 0)).toBe(true);
    expect(events.filter((e) => e.type === 'record.ingested')).toEqual([]);
    expect(events.map((e) => e.type)).toContain('customer.merged');
    const [customer] = await current.find({ email: 'jonathan.smith@example.com' });
    expect(await current.links(customer!.id)).toHaveLength(1);

    // Idempotent: a second run checks everything and changes nothing.
    const state = await snapshot(current);
    expect(await current.reindex()).toEqual({ records: 2, rekeyed: 0, links: 0, unlinks: 0, reviews: 0 });
    expect(await snapshot(current)).toEqual(state);
  });

  it('does nothing on an empty store, or on one written with the current configuration', async () => {
    const { hub } = world();
    const current = hub();
    expect(await current.reindex()).toEqual({ records: 0, rekeyed: 0, links: 0, unlinks: 0, reviews: 0 });
    await current.ingest([jonathan(), jonathon()]);
    const state = await snapshot(current);
    expect(await current.reindex()).toEqual({ records: 2, rekeyed: 0, links: 0, unlinks: 0, reviews: 0 });
    expect(await snapshot(current)).toEqual(state);
  });

  it('gives the customers a fresh ingest gives, in batches smaller than the data', async () => {
    const records = people();
    const { hub } = world();
    await hub({ identity: createDeterministicResolver() }).ingest(records);
    const current = hub();
    const progress: { records: number; rekeyed: number }[] = [];
    const result = await current.reindex({ batchSize: 3, onProgress: (p) => progress.push(p) });

    const fresh = createHub({ store: createMemoryStore() });
    await fresh.ingest(records);
    const expected = await customerPartition(fresh);
    expect(expected.filter((c) => c.includes('+')).length).toBeGreaterThanOrEqual(4);
    expect(await customerPartition(current)).toEqual(expected);
    expect(result.rekeyed).toBe(records.length);
    expect(result.records).toBeGreaterThanOrEqual(records.length);
    expect(result.links).toBe((await fresh.journal({ limit: 1000 })).filter((e) => e.kind === 'link').length);
    // Several batches, none much larger than asked, progress only grows.
    expect(progress.length).toBeGreaterThan(records.length / 3);
    for (const [i, p] of progress.entries()) {
      const prev = progress[i - 1] ?? { records: 0, rekeyed: 0 };
      expect(p.records - prev.records).toBeLessThanOrEqual(3 + 2);
      expect(p.records).toBeGreaterThanOrEqual(prev.records);
    }
    expect(progress.at(-1)).toEqual({ records: result.records, rekeyed: result.rekeyed });
    expect((await current.reindex({ batchSize: 3 })).rekeyed).toBe(0);
  });

  it('stops between batches when aborted; finished batches stay, and the next run completes the work', async () => {
    const records = people();
    const { hub } = world();
    await hub({ identity: createDeterministicResolver() }).ingest(records);
    const current = hub();
    const controller = new AbortController();
    let first: { records: number; rekeyed: number } | undefined;
    const run = current.reindex({
      batchSize: 4,
      signal: controller.signal,
      onProgress: (p) => {
        first ??= p;
        controller.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(AbortedError);
    expect(first!.rekeyed).toBeGreaterThan(0);
    expect(first!.rekeyed).toBeLessThan(records.length);

    const rest = await current.reindex({ batchSize: 4 });
    expect(rest.rekeyed).toBe(records.length - first!.rekeyed);
    const fresh = createHub({ store: createMemoryStore() });
    await fresh.ingest(records);
    expect(await customerPartition(current)).toEqual(await customerPartition(fresh));

    // Aborted before it starts: nothing happens.
    const state = await snapshot(current);
    await expect(current.reindex({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortedError);
    expect(await snapshot(current)).toEqual(state);
  });

  it('checks records a batch moves into a customer it already passed', async () => {
    const { store, hub } = world();
    // Jonathan (no contact points) is the oldest customer; "t" a different person, stale too.
    await hub({ identity: createDeterministicResolver() }).ingest([
      jonathan({ emails: [] }),
      person('crm-b', 't', 2, {
        givenName: 'Maria',
        familyName: 'Jansen',
        birthDate: '1975-07-14',
        emails: ['m@x.nl'],
      }),
    ]);
    const current = hub();
    // Jonathon arrives with current keys and joins t's customer through a shared email; Jonathan has no blocking keys
    // yet, so he is not a candidate.
    await current.ingest([jonathon({ emails: ['m@x.nl'] })]);
    expect(await customerPartition(current)).toEqual(['crm-a/c-1', 'crm-b/t+webshop/77']);

    // Batch 1 re-keys Jonathan and links him to Jonathon: t's customer merges into Jonathan's (older), which the
    // cursor has passed. t must still be re-keyed.
    const result = await current.reindex({ batchSize: 1 });
    // Jonathan, then t (moved behind the cursor with stale keys). Jonathon's keys were current: not counted.
    expect(result).toEqual({ records: 2, rekeyed: 2, links: 1, unlinks: 0, reviews: 0 });
    expect(await customerPartition(current)).toEqual(['crm-a/c-1+crm-b/t+webshop/77']);
    const [t] = await storedRecords(store, ['crm-b/person/t']);
    expect(t!.blockKeys.length).toBeGreaterThan(0);
    expect((await current.reindex({ batchSize: 1 })).rekeyed).toBe(0);
  });

  it('removes automatic links the new configuration does not support', async () => {
    const { hub } = world();
    await hub().ingest([jonathan(), jonathon()]);
    const deterministic = hub({ identity: createDeterministicResolver() });
    expect(await deterministic.reindex()).toEqual({ records: 2, rekeyed: 2, links: 0, unlinks: 1, reviews: 0 });
    expect(await customerPartition(deterministic)).toEqual(['crm-a/c-1', 'webshop/77']);
    const unlink = (await deterministic.journal()).find((e) => e.kind === 'unlink');
    expect(unlink?.data).toMatchObject({ reason: 'evidence changed', trigger: 'reindex' });
  });

  it('refuses a bad batch size and a closed Hub', async () => {
    const { hub } = world();
    const current = hub({ maxBatchSize: 100 });
    for (const batchSize of [0, 1.5, 101, Number.NaN]) {
      await expect(current.reindex({ batchSize })).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    await current.close();
    await expect(current.reindex()).rejects.toMatchObject({ code: 'CLOSED' });
  });
});

/** People in two CRMs: some typo-ridden duplicates across them, some namesakes, no shared email or phone. */
function people(): SourceRecordInput[] {
  const base = [
    ['Jonathan', 'Smith', '1980-03-02', 'Kerkstraat', '12', '1011 AB', 'Amsterdam'],
    ['Maria', 'Jansen', '1975-07-14', 'Dorpsstraat', '3', '3511 AB', 'Utrecht'],
    ['Pieter', 'de Vries', '1990-11-30', 'Stationsweg', '45', '2312 AV', 'Leiden'],
    ['Anna', 'Bakker', '1968-01-09', 'Molenweg', '7', '6511 LK', 'Nijmegen'],
    ['Willem', 'Visser', '2001-05-21', 'Havenstraat', '88', '3024 RA', 'Rotterdam'],
    ['Sophie', 'Mulder', '1983-09-17', 'Lindelaan', '2', '5611 EA', 'Eindhoven'],
    ['Hendrik', 'Bos', '1955-12-03', 'Parkweg', '19', '9711 BB', 'Groningen'],
    ['Eva', 'Meijer', '1999-04-28', 'Schoolstraat', '5', '8011 AA', 'Zwolle'],
  ] as const;
  const typo = (name: string) => `${name.slice(0, -2)}${name.at(-1)}${name.at(-2)}`;
  const out: SourceRecordInput[] = [];
  base.forEach(([given, family, birthDate, street, houseNumber, postalCode, city], i) => {
    const address = { street, houseNumber, postalCode, city, country: 'NL' };
    out.push(
      person('crm-a', `a-${i}`, i, {
        givenName: given,
        familyName: family,
        birthDate,
        addresses: [address],
        emails: [`${given.toLowerCase()}.${i}@crm-a.example`],
      }),
    );
    if (i % 4 !== 3)
      out.push(
        person('webshop', `w-${i}`, 20 + i, {
          givenName: i % 2 === 0 ? typo(given) : given,
          familyName: i % 2 === 0 ? family : typo(family),
          birthDate,
          addresses: [{ ...address, postalCode: postalCode.replace(' ', '') }],
          phones: [`+31 6 2000 ${String(1000 + i)}`],
        }),
      );
  });
  return out;
}
