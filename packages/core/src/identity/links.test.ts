/**
 * Probabilistic identity in the Hub (memory store): automatic links of likely duplicates as they arrive, review
 * items for uncertain pairs, accept / reject / unlink, and links that follow the records' content. Uses the real
 * `@crmkit/identity` engine through the default resolver, and a small fake matcher where a test needs exact bands.
 */
import { ConflictError, InvalidArgumentError, NotFoundError, type SourceRecordInput } from '@crmkit/model';
import type { PairScore } from '@crmkit/identity';
import { describe, expect, it } from 'vitest';
import { customerPartition, recordEvents } from '../runtime/hub-observers';
import { createHub, type Hub } from '../hub';
import {
  createDeterministicResolver,
  createProbabilisticResolver,
  type IdentityResolver,
  identityRecordOf,
  type LivePartyRecord,
  type RecordMatcher,
} from './resolver';
import { createMemoryStore } from '../store/memory-store';

const T = (minute: number) => new Date(Date.UTC(2026, 2, 1, 10, minute)).toISOString();
type PersonData = Extract<SourceRecordInput, { type: 'person' }>['data'];

function person(source: string, externalId: string, minute: number, data: PersonData): SourceRecordInput {
  return { type: 'person', source, externalId, observedAt: T(minute), data };
}

const KERKSTRAAT = { street: 'Kerkstraat', houseNumber: '12', postalCode: '1011 AB', city: 'Amsterdam', country: 'NL' };
const jonathan = (minute = 0, extra: Partial<PersonData> = {}) =>
  person('crm-a', 'c-1', minute, {
    givenName: 'Jonathan',
    familyName: 'Smith',
    birthDate: '1980-03-02',
    addresses: [KERKSTRAAT],
    emails: ['jonathan.smith@example.com'],
    ...extra,
  });
const jonathon = (minute = 1, extra: Partial<PersonData> = {}) =>
  person('webshop', '77', minute, {
    givenName: 'Jonathon',
    familyName: 'Smit',
    birthDate: '1980-03-02',
    addresses: [{ ...KERKSTRAAT, postalCode: '1011AB' }],
    phones: ['+31 6 1111 2222'],
    ...extra,
  });
/** A borderline pair: similar names and the same postcode, nothing else to go on. */
const peter = (minute = 0) =>
  person('crm-a', 'p-1', minute, {
    givenName: 'Peter',
    familyName: 'de Vries',
    addresses: [{ postalCode: '3511 AB', city: 'Utrecht' }],
  });
const pieter = (minute = 1) =>
  person('crm-b', 'p-2', minute, {
    givenName: 'Pieter',
    familyName: 'de Vries',
    addresses: [{ postalCode: '3511 AB', city: 'Utrecht' }],
  });

function makeHub(options: { identity?: IdentityResolver } = {}): Hub {
  let tick = 0;
  let seq = 0;
  return createHub({
    store: createMemoryStore(),
    now: () => new Date(Date.UTC(2026, 3, 1) + tick++ * 1000),
    generateId: (prefix) => `${prefix}_${String(++seq).padStart(6, '0')}`,
    ...options,
  });
}

describe('the default resolver', () => {
  it('is probabilistic, keeps the email and phone keys, and maps party records to identity fields', () => {
    const resolver = createProbabilisticResolver({ defaultCountry: 'NL' });
    expect(resolver.name).toBe('probabilistic');
    expect(resolver.maxCandidates).toBe(50);
    const record = {
      type: 'person',
      source: 'crm-a',
      externalId: 'c-1',
      observedAt: T(0),
      deleted: false,
      data: {
        givenName: 'Jonathan',
        familyName: 'Smith',
        birthDate: '1980-03-02',
        emails: [{ value: 'J.Smith@Example.com' }, { value: 'js@example.org' }],
        phones: [{ value: '06 1111 2222' }],
        addresses: [{ city: 'Elsewhere' }, { ...KERKSTRAAT, primary: true }],
        organization: { name: 'Acme' },
      },
    } as LivePartyRecord;
    expect(resolver.matchKeys(record)).toEqual([
      'person:email:j.smith@example.com',
      'person:email:js@example.org',
      'person:phone:+31611112222',
    ]);
    expect(identityRecordOf(record)).toEqual({
      id: 'crm-a/person/c-1',
      source: 'crm-a',
      fields: {
        givenName: 'Jonathan',
        familyName: 'Smith',
        birthDate: '1980-03-02',
        email: ['J.Smith@Example.com', 'js@example.org'],
        phone: ['06 1111 2222'],
        street: 'Kerkstraat',
        houseNumber: '12',
        postcode: '1011 AB',
        city: 'Amsterdam',
        country: 'NL',
        organizationName: 'Acme',
      },
    });
    expect(identityRecordOf(record, { defaultCountry: 'NL' }).fields.phone).toEqual(['+31611112222']);
    const organization = {
      type: 'organization',
      source: 'erp',
      externalId: 'o-1',
      observedAt: T(0),
      deleted: false,
      data: { name: 'Acme', legalName: 'Acme B.V.', registrationId: 'NL123456789B01' },
    } as LivePartyRecord;
    expect(identityRecordOf(organization).fields).toEqual({
      organizationName: ['Acme', 'Acme B.V.'],
      nationalId: 'NL123456789B01',
    });
    const keys = resolver.matcher!.blockingKeys(record);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => k.startsWith('person:'))).toBe(true);
  });

  it('stores blocking keys with party records only, and none without a matcher', async () => {
    const hub = makeHub();
    await hub.ingest([jonathan()]);
    const [stored] = await hub.store.transaction((tx) => tx.getRecords(['crm-a/person/c-1']));
    expect(stored!.blockKeys.length).toBeGreaterThan(0);
    expect([...stored!.blockKeys].sort()).toEqual(stored!.blockKeys);
    const plain = makeHub({ identity: createDeterministicResolver() });
    await plain.ingest([jonathan(), jonathon()]);
    const [row] = await plain.store.transaction((tx) => tx.getRecords(['crm-a/person/c-1']));
    expect(row!.blockKeys).toEqual([]);
    expect(await customerPartition(plain)).toHaveLength(2);
  });
});

describe('automatic links', () => {
  it('links a typo-ridden duplicate from another source as it arrives, and explains why', async () => {
    const hub = makeHub();
    const events = recordEvents(hub);
    await hub.ingest([jonathan()]);
    const result = await hub.ingest([jonathon()]);
    expect(result.reviews).toBe(0);
    expect(await customerPartition(hub)).toEqual(['crm-a/c-1+webshop/77']);
    const [customer] = (await hub.list()).items;
    expect(result.customerIds).toEqual([customer!.id]);
    // The new record joins the existing customer: an update, no new customer.
    expect(events.filter((e) => e.type.startsWith('customer.')).map((e) => e.type)).toEqual([
      'customer.created',
      'customer.updated',
    ]);

    const links = await hub.links(customer!.id);
    expect(links).toEqual([expect.objectContaining({ a: 'crm-a/person/c-1', b: 'webshop/person/77', kind: 'auto' })]);
    expect(links[0]!.probability).toBeGreaterThan(0.9);
    const explanation = links[0]!.explanation as { contributions: { comparison: string; weight: number }[] };
    const birthDate = explanation.contributions.find((c) => c.comparison === 'birthDate');
    expect(birthDate?.weight).toBeGreaterThan(0);

    const journal = await hub.journal({ customerId: customer!.id });
    const linkEntry = journal.find((j) => j.kind === 'link');
    expect(linkEntry?.data).toMatchObject({
      linkId: links[0]!.id,
      kind: 'auto',
      probability: links[0]!.probability,
      explanation: links[0]!.explanation,
    });
    // The golden record takes fields from both.
    expect(customer!.golden.sources.map((s) => s.system).sort()).toEqual(['crm-a', 'webshop']);
    expect(customer!.golden.contactPoints.map((p) => p.kind).sort()).toEqual(['email', 'phone', 'postal']);
  });

  it('gives the same customers whatever the order and batching', async () => {
    const records = [jonathan(), jonathon(), peter(), pieter()];
    const results: string[][] = [];
    for (const batches of [
      [records],
      [records.slice().reverse()],
      records.map((r) => [r]),
      [[records[1]!], [records[3]!, records[0]!], [records[2]!]],
    ]) {
      const hub = makeHub();
      for (const batch of batches) await hub.ingest(batch);
      results.push(await customerPartition(hub));
    }
    for (const result of results) expect(result).toEqual(results[0]);
    expect(results[0]).toEqual(['crm-a/c-1+webshop/77', 'crm-a/p-1', 'crm-b/p-2']);
  });

  it('removes an automatic link when a change takes the evidence away, and splits the customer', async () => {
    const hub = makeHub();
    await hub.ingest([jonathan(), jonathon()]);
    const [customer] = (await hub.list()).items;
    const events = recordEvents(hub);
    await hub.ingest([
      jonathon(5, {
        givenName: 'Jonas',
        familyName: 'Smitters',
        birthDate: '1955-12-24',
        addresses: [{ city: 'Breda' }],
      }),
    ]);
    expect(await customerPartition(hub)).toEqual(['crm-a/c-1', 'webshop/77']);
    expect(events.some((e) => e.type === 'customer.split' || e.type === 'customer.created')).toBe(true);
    const ids = (await hub.list()).items.map((c) => c.id);
    expect(ids).toContain(customer!.id);
    for (const id of ids) expect(await hub.links(id)).toEqual([]);
    const unlinked = (await hub.journal()).find((j) => j.kind === 'unlink');
    expect(unlinked?.data).toMatchObject({ kind: 'auto', reason: 'evidence changed' });
    // The evidence comes back: so does the link.
    await hub.ingest([jonathon(9)]);
    expect(await customerPartition(hub)).toEqual(['crm-a/c-1+webshop/77']);
    expect((await hub.list()).items.map((c) => c.id)).toEqual([customer!.id]);
  });

  it('removes the automatic links of a deleted record', async () => {
    const hub = makeHub();
    await hub.ingest([jonathan(), jonathon()]);
    await hub.ingest([{ type: 'person', source: 'webshop', externalId: '77', observedAt: T(5), deleted: true }]);
    expect(await customerPartition(hub)).toEqual(['crm-a/c-1']);
    const links = await hub.store.transaction((tx) => tx.listIdentityLinks(['webshop/person/77']));
    expect(links).toEqual([]);
    expect((await hub.journal()).find((j) => j.kind === 'unlink')?.data).toMatchObject({ reason: 'record deleted' });
  });

  it('keeps an automatic link when a record changes in ways that do not matter, without journal noise', async () => {
    const hub = makeHub();
    await hub.ingest([jonathan(), jonathon()]);
    const [customer] = (await hub.list()).items;
    const [link] = await hub.links(customer!.id);
    const journalBefore = (await hub.journal()).length;
    await hub.ingest([jonathon(5, { jobTitle: 'Engineer' })]);
    expect(await hub.links(customer!.id)).toEqual([link]);
    expect((await hub.journal()).slice(journalBefore).filter((j) => j.kind === 'link' || j.kind === 'unlink')).toEqual(
      [],
    );
  });
});

describe('review items', () => {
  it('opens one for a borderline pair, with both customers and the explanation', async () => {
    const hub = makeHub();
    const events = recordEvents(hub);
    await hub.ingest([peter()]);
    const result = await hub.ingest([pieter()]);
    expect(result.reviews).toBe(1);
    expect(await customerPartition(hub)).toEqual(['crm-a/p-1', 'crm-b/p-2']);
    const items = await hub.reviews.list();
    expect(items).toHaveLength(1);
    const [item] = items;
    const customers = (await hub.list()).items.map((c) => c.id).sort();
    expect(item).toMatchObject({
      status: 'open',
      a: 'crm-a/person/p-1',
      b: 'crm-b/person/p-2',
      pairKey: 'crm-a/person/p-1|crm-b/person/p-2',
      customerIds: customers,
    });
    expect(item!.probability).toBeGreaterThanOrEqual(0.5);
    expect(item!.probability).toBeLessThan(0.9);
    expect(await hub.reviews.get(item!.id)).toEqual(item);
    expect(events.filter((e) => e.type === 'review.opened').map((e) => e.payload)).toEqual([{ review: item }]);
    // Not proposed twice: the same pair again, or in another order, changes nothing.
    await hub.ingest([pieter(3), peter(4)]);
    expect(await hub.reviews.list()).toHaveLength(1);
    expect(await hub.reviews.list({ status: 'accepted' })).toEqual([]);
  });

  it('accept: one customer through an accepted link, journaled, events; a second decision conflicts', async () => {
    const hub = makeHub();
    await hub.ingest([peter(), pieter()]);
    const [item] = await hub.reviews.list({ status: 'open' });
    const events = recordEvents(hub);
    const decision = await hub.reviews.accept(item!.id, { actor: 'usr_admin', reason: 'same person, called him' });
    expect(await customerPartition(hub)).toEqual(['crm-a/p-1+crm-b/p-2']);
    const [customer] = (await hub.list()).items;
    expect(decision.customerIds).toEqual([customer!.id]);
    expect(decision.review).toMatchObject({
      status: 'accepted',
      decidedBy: 'usr_admin',
      reason: 'same person, called him',
      linkId: decision.link!.id,
    });
    expect(decision.link).toMatchObject({ kind: 'accepted', actor: 'usr_admin', reviewId: item!.id });
    expect(await hub.links(customer!.id)).toEqual([decision.link]);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['customer.merged', 'review.decided']));
    expect(events.find((e) => e.type === 'customer.merged')!.payload).toMatchObject({
      reason: 'identity',
      linkId: decision.link!.id,
    });
    const entry = (await hub.journal()).find((j) => j.kind === 'review');
    expect(entry).toMatchObject({ actor: 'usr_admin', data: { decision: 'accepted', reviewId: item!.id } });
    await expect(hub.reviews.accept(item!.id)).rejects.toSatisfy(ConflictError.isInstance);
    await expect(hub.reviews.reject(item!.id)).rejects.toSatisfy(ConflictError.isInstance);
    // Re-ingesting does not undo a person's decision.
    await hub.ingest([peter(7), pieter(8)]);
    expect(await customerPartition(hub)).toEqual(['crm-a/p-1+crm-b/p-2']);
  });

  it('reject: the pair stays apart and is not proposed again, even after both records change', async () => {
    const hub = makeHub();
    await hub.ingest([peter(), pieter()]);
    const [item] = await hub.reviews.list();
    const events = recordEvents(hub);
    const decision = await hub.reviews.reject(item!.id, { actor: 'usr_admin', reason: 'father and son' });
    expect(decision.review).toMatchObject({ status: 'rejected', decidedBy: 'usr_admin', reason: 'father and son' });
    expect(decision.customerIds).toHaveLength(2);
    expect(events.map((e) => e.type)).toEqual(['review.decided']);
    await hub.ingest([peter(5), pieter(6)]);
    await hub.ingest([
      person('crm-b', 'p-2', 9, { givenName: 'Pieter', familyName: 'de Vries', addresses: [{ postalCode: '3511AB' }] }),
    ]);
    expect(await customerPartition(hub)).toEqual(['crm-a/p-1', 'crm-b/p-2']);
    expect(await hub.reviews.list()).toEqual([decision.review]);
    await expect(hub.reviews.accept(item!.id)).rejects.toSatisfy(ConflictError.isInstance);
  });

  it('refuses unknown ids and bad arguments', async () => {
    const hub = makeHub();
    await expect(hub.reviews.accept('rev_nope')).rejects.toSatisfy(NotFoundError.isInstance);
    await expect(hub.reviews.reject('rev_nope')).rejects.toSatisfy(NotFoundError.isInstance);
    await expect(hub.unlink('lnk_nope')).rejects.toSatisfy(NotFoundError.isInstance);
    await expect(hub.unlink('')).rejects.toSatisfy(InvalidArgumentError.isInstance);
    await expect(hub.links('cus_nope')).rejects.toSatisfy(NotFoundError.isInstance);
    expect(await hub.reviews.get('rev_nope')).toBeUndefined();
    await expect(hub.reviews.list({ limit: 0 })).rejects.toSatisfy(InvalidArgumentError.isInstance);
  });

  it('pages through the queue by id and status', async () => {
    const hub = makeHub({ identity: fakeResolver() });
    await hub.ingest(['a', 'b', 'c', 'd'].map((id, i) => fakePerson(id, i, { group: 'g', band: 'review' })));
    const all = await hub.reviews.list({ limit: 100 });
    expect(all).toHaveLength(6); // every pair of four
    const page1 = await hub.reviews.list({ limit: 4 });
    const page2 = await hub.reviews.list({ limit: 4, after: page1[page1.length - 1]!.id });
    expect([...page1, ...page2]).toEqual(all);
    await hub.reviews.reject(all[0]!.id);
    expect(await hub.reviews.list({ status: 'open', limit: 100 })).toHaveLength(5);
    expect((await hub.reviews.list({ status: 'rejected' })).map((r) => r.id)).toEqual([all[0]!.id]);
  });
});

describe('unlink', () => {
  it('splits an automatic link back into the customers it joined, and the pair stays apart on re-ingest', async () => {
    const hub = makeHub();
    await hub.ingest([jonathan()]);
    const before = (await hub.list()).items;
    await hub.ingest([jonathon()]);
    const [joined] = (await hub.list()).items;
    const [link] = await hub.links(joined!.id);
    const events = recordEvents(hub);
    const result = await hub.unlink(link!.id, { actor: 'usr_admin', reason: 'twins' });
    expect(await customerPartition(hub)).toEqual(['crm-a/c-1', 'webshop/77']);
    const after = (await hub.list()).items;
    expect(after.map((c) => c.id)).toContain(before[0]!.id);
    expect(after.find((c) => c.id === before[0]!.id)!.golden).toEqual(before[0]!.golden);
    expect(result.customerIds[0]).toBe(before[0]!.id);
    expect(result.customerIds[1]).not.toBe(before[0]!.id);
    expect(result.review).toMatchObject({
      status: 'rejected',
      a: link!.a,
      b: link!.b,
      reason: 'twins',
      decidedBy: 'usr_admin',
      linkId: link!.id,
    });
    expect(events.find((e) => e.type === 'customer.split' || e.type === 'customer.created')).toBeDefined();
    expect(events.find((e) => e.type === 'review.decided')!.payload).toMatchObject({ decision: 'rejected' });
    const entry = (await hub.journal()).find((j) => j.kind === 'unlink' && j.actor === 'usr_admin');
    expect(entry?.data).toMatchObject({ linkId: link!.id, kind: 'auto', reason: 'twins' });
    await expect(hub.unlink(link!.id)).rejects.toSatisfy(NotFoundError.isInstance);

    // New observations of both records: the pair is rejected, so no link and no review item.
    await hub.ingest([jonathan(10, { jobTitle: 'CTO' }), jonathon(11)]);
    expect(await customerPartition(hub)).toEqual(['crm-a/c-1', 'webshop/77']);
    expect(await hub.reviews.list({ status: 'open' })).toEqual([]);
  });

  it('undoes an acceptance exactly: customers and golden records as before', async () => {
    const hub = makeHub();
    await hub.ingest([peter(), pieter(), jonathan(), jonathon()]);
    const snapshot = async () =>
      (await hub.store.transaction((tx) => tx.listCustomers({ limit: 100 }))).map((c) => ({
        id: c.id,
        status: c.status,
        mergedInto: c.mergedInto,
        golden: c.golden,
      }));
    const before = await snapshot();
    const [item] = await hub.reviews.list();
    const decision = await hub.reviews.accept(item!.id);
    expect(await customerPartition(hub)).toHaveLength(2);
    const result = await hub.unlink(decision.link!.id);
    expect(await snapshot()).toEqual(before);
    expect(result.customerIds[0]).not.toBe(result.customerIds[1]);
    expect((await hub.reviews.get(item!.id))!.status).toBe('rejected');
  });

  it('reports one customer when other evidence still connects the records', async () => {
    const hub = makeHub();
    await hub.ingest([jonathan(), jonathon()]);
    const [customer] = (await hub.list()).items;
    const [link] = await hub.links(customer!.id);
    // A third record shares an email with one side and a phone with the other.
    await hub.ingest([
      person('erp', 'x', 3, { fullName: 'J. Smith', emails: ['jonathan.smith@example.com'], phones: ['+31611112222'] }),
    ]);
    const result = await hub.unlink(link!.id);
    expect(result.customerIds[0]).toBe(result.customerIds[1]);
    expect(await customerPartition(hub)).toEqual(['crm-a/c-1+erp/x+webshop/77']);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// A fake matcher: records name their `attributes.group` and the band pairs in one group get.
// ---------------------------------------------------------------------------------------------------------------

function fakeResolver(maxCandidates?: number, maxBlockSize?: number): IdentityResolver {
  const attr = (record: LivePartyRecord, name: string) => record.data.attributes?.[name];
  const matcher: RecordMatcher = {
    blockingKeys: (record) =>
      String(attr(record, 'group') ?? '')
        .split(',')
        .filter(Boolean)
        .map((group) => `${record.type}:g:${group}`),
    score(a, b): PairScore {
      const band = (
        attr(a, 'band') === 'link' && attr(b, 'band') === 'link'
          ? 'link'
          : attr(a, 'band') === 'apart' || attr(b, 'band') === 'apart'
            ? 'apart'
            : 'review'
      ) as PairScore['band'];
      const probability = band === 'link' ? 0.99 : band === 'review' ? 0.7 : 0.1;
      return { a: 'x', b: 'y', weight: band === 'link' ? 10 : 1, probability, band, contributions: [] };
    },
  };
  const deterministic = createDeterministicResolver();
  return {
    name: 'fake',
    matchKeys: deterministic.matchKeys,
    refKeys: deterministic.refKeys,
    matcher,
    ...(maxCandidates === undefined ? {} : { maxCandidates }),
    ...(maxBlockSize === undefined ? {} : { maxBlockSize }),
  };
}

function fakePerson(id: string, minute: number, attributes: Record<string, string>): SourceRecordInput {
  return person('fake', id, minute, { fullName: `Person ${id}`, attributes });
}

describe('any RecordMatcher', () => {
  it('links pairs in the link band and chains them into one customer', async () => {
    const hub = makeHub({ identity: fakeResolver() });
    await hub.ingest([
      fakePerson('a', 0, { group: 'g', band: 'link' }),
      fakePerson('b', 1, { group: 'g', band: 'link' }),
    ]);
    await hub.ingest([fakePerson('c', 2, { group: 'g', band: 'link' })]);
    expect(await customerPartition(hub)).toEqual(['fake/a+fake/b+fake/c']);
    const [customer] = (await hub.list()).items;
    expect(await hub.links(customer!.id)).toHaveLength(3);
    // b drops out of the group: a and c are still linked to each other.
    await hub.ingest([fakePerson('b', 3, { band: 'link' })]);
    expect(await customerPartition(hub)).toEqual(['fake/a+fake/c', 'fake/b']);
  });

  it('does not open a review item for records already in one customer', async () => {
    const hub = makeHub({ identity: fakeResolver() });
    await hub.ingest([
      person('fake', 'a', 0, {
        fullName: 'A',
        emails: ['same@example.com'],
        attributes: { group: 'g', band: 'review' },
      }),
      person('fake', 'b', 1, {
        fullName: 'B',
        emails: ['same@example.com'],
        attributes: { group: 'g', band: 'review' },
      }),
    ]);
    expect(await customerPartition(hub)).toEqual(['fake/a+fake/b']);
    expect(await hub.reviews.list()).toEqual([]);
  });

  it('scores at most maxCandidates candidates per record, the first by key', async () => {
    const hub = makeHub({ identity: fakeResolver(2) });
    await hub.ingest(['b', 'c', 'd', 'e'].map((id, i) => fakePerson(id, i, { group: 'g', band: 'apart' })));
    await hub.ingest([fakePerson('a', 9, { group: 'g', band: 'link' })]);
    // 'a' scores b and c only (apart), so nothing links; a record in the link band among them would.
    expect(await customerPartition(hub)).toHaveLength(5);
    await hub.ingest([fakePerson('c', 10, { group: 'g', band: 'link' })]);
    expect(await customerPartition(hub)).toEqual(['fake/a+fake/c', 'fake/b', 'fake/d', 'fake/e']);
  });

  it('ranks candidates by shared blocking keys before key order', async () => {
    const hub = makeHub({ identity: fakeResolver(1) });
    await hub.ingest([
      fakePerson('b', 0, { group: 'g', band: 'link' }),
      fakePerson('c', 1, { group: 'g,h', band: 'link' }),
    ]);
    await hub.ingest([fakePerson('a', 2, { group: 'g,h', band: 'link' })]);
    // 'a' shares two keys with c and one with b: with room for one candidate, c is the one.
    expect(await customerPartition(hub)).toEqual(['fake/a+fake/b+fake/c']);
    const [customer] = (await hub.list()).items;
    const pairs = (await hub.links(customer!.id)).map((l) => `${l.a}~${l.b}`);
    expect(pairs).toContain('fake/person/a~fake/person/c');
    expect(pairs).not.toContain('fake/person/a~fake/person/b');
  });

  it('does not compare on a blocking key shared by more than maxBlockSize records', async () => {
    const hub = makeHub({ identity: fakeResolver(undefined, 2) });
    await hub.ingest([
      fakePerson('a', 0, { group: 'big', band: 'link' }),
      fakePerson('b', 1, { group: 'big', band: 'link' }),
    ]);
    expect(await customerPartition(hub)).toEqual(['fake/a+fake/b']);
    // A third record makes the block too big to say anything: whatever the order, nobody links on it.
    await hub.ingest([fakePerson('c', 2, { group: 'big', band: 'link' })]);
    await hub.ingest([
      fakePerson('a', 3, { group: 'big', band: 'link', touched: 'yes' }),
      fakePerson('b', 4, { group: 'big', band: 'link', touched: 'yes' }),
    ]);
    expect(await customerPartition(hub)).toEqual(['fake/a', 'fake/b', 'fake/c']);
    const other = makeHub({ identity: fakeResolver(undefined, 2) });
    await other.ingest([
      fakePerson('c', 2, { group: 'big', band: 'link' }),
      fakePerson('a', 3, { group: 'big', band: 'link', touched: 'yes' }),
      fakePerson('b', 4, { group: 'big', band: 'link', touched: 'yes' }),
    ]);
    expect(await customerPartition(other)).toEqual(await customerPartition(hub));
  });
});
