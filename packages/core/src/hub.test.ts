import {
  AbortedError,
  ConflictError,
  CrmkitError,
  type HubEvent,
  InvalidArgumentError,
  NotFoundError,
  type SourceRecordInput,
  UnsupportedSpecificationError,
  ValidationError,
} from '@crmkit/model';
import { describe, expect, it, vi } from 'vitest';
import { createHub, type Hub } from './hub';
import { createMemoryStore } from './store/memory-store';

const T1 = '2026-03-01T10:00:00Z';
const T2 = '2026-03-02T10:00:00Z';
const T3 = '2026-03-03T10:00:00Z';

function person(
  source: string,
  externalId: string,
  observedAt: string,
  data: Extract<SourceRecordInput, { type: 'person' }>['data'],
): SourceRecordInput {
  return { type: 'person', source, externalId, observedAt, data };
}

async function only(hub: Hub) {
  const { items } = await hub.list({ limit: 1000 });
  return items;
}

describe('ingest', () => {
  it('links records of two sources by normalised email and derives a golden record with provenance', async () => {
    const hub = createHub();
    const result = await hub.ingest([
      person('hubspot', '1', T1, { givenName: 'Ada', familyName: 'Lovelace', emails: ['ada@example.com'] }),
      person('dynamics', 'c-1', T2, { fullName: 'Ada King', emails: [' ADA@Example.com '], jobTitle: 'Analyst' }),
    ]);
    expect(result).toMatchObject({ created: 2, updated: 0, deleted: 0, unchanged: 0 });
    const customers = await only(hub);
    expect(customers).toHaveLength(1);
    const golden = customers[0]!.golden;
    expect(golden.fields.fullName).toMatchObject({
      value: 'Ada King',
      provenance: { source: 'dynamics', externalId: 'c-1', rule: 'mostRecent' },
      candidates: 2,
    });
    expect(golden.fields.givenName?.provenance.source).toBe('hubspot');
    expect(golden.contactPoints).toHaveLength(1);
    expect(golden.contactPoints[0]!.sources.map((s) => s.system)).toEqual(['dynamics', 'hubspot']);
    expect(golden.sources).toHaveLength(2);
    expect(result.customerIds).toEqual([customers[0]!.id]);
  });

  it('links by phone number across spellings', async () => {
    const hub = createHub({ defaultCallingCode: '31' });
    await hub.ingest([
      person('a', '1', T1, { fullName: 'Jan Jansen', phones: ['06 1234 5678'] }),
      person('b', '2', T1, { fullName: 'J. Jansen', phones: ['+31 (0)6-12345678'] }),
    ]);
    expect(await only(hub)).toHaveLength(1);
  });

  it('does not link a person to an organisation that shares an email', async () => {
    const hub = createHub();
    await hub.ingest([
      person('a', '1', T1, { fullName: 'Jan', emails: ['info@acme.example'] }),
      {
        type: 'organization',
        source: 'a',
        externalId: '1',
        observedAt: T1,
        data: { name: 'Acme', emails: ['info@acme.example'] },
      },
    ]);
    const customers = await only(hub);
    expect(customers.map((c) => c.kind).sort()).toEqual(['organization', 'person']);
  });

  it('refuses a batch with one bad record, names the record and path, and writes nothing', async () => {
    const hub = createHub();
    const events: HubEvent[] = [];
    hub.on('*', (e) => events.push(e));
    const error = await hub
      .ingest([
        person('hubspot', '1', T1, { fullName: 'Ada', emails: ['ada@example.com'] }),
        person('hubspot', '2', T1, { fullName: 'Bob', emails: ['not-an-email'] }),
      ])
      .catch((e: unknown) => e);
    expect(ValidationError.isInstance(error)).toBe(true);
    const v = error as ValidationError;
    expect(v.code).toBe('VALIDATION_FAILED');
    expect(v.index).toBe(1);
    expect(v.source).toBe('hubspot');
    expect(v.externalId).toBe('2');
    expect(v.issues[0]!.pathString).toBe('records[1].data.emails[0]');
    expect(await only(hub)).toHaveLength(0);
    expect(await hub.outbox()).toHaveLength(0);
    expect(events).toHaveLength(0);
  });

  it('rolls back everything when the store fails mid-batch', async () => {
    const store = createMemoryStore();
    const hub = createHub({ store });
    await hub.ingest([person('a', '1', T1, { fullName: 'Ada', emails: ['ada@example.com'] })]);
    const before = await only(hub);
    const original = store.transaction.bind(store);
    store.transaction = (fn, options) =>
      original(async (tx) => {
        const failing = { ...tx, appendOutbox: async () => Promise.reject(new Error('disk full')) };
        return fn(failing);
      }, options);
    const error = await hub
      .ingest([person('a', '2', T2, { fullName: 'Ada L', emails: ['ada@example.com'] })])
      .catch((e: unknown) => e);
    expect(CrmkitError.isInstance(error) && error.code).toBe('STORE_FAILED');
    expect(((error as Error).cause as Error).message).toBe('disk full');
    store.transaction = original;
    expect(await only(hub)).toEqual(before);
    const records = await store.transaction((tx) => tx.getRecords(['a/person/2']));
    expect(records).toHaveLength(0);
  });

  it('is idempotent: the same batch twice changes nothing and raises no events', async () => {
    const hub = createHub();
    const batch = [
      person('a', '1', T1, { fullName: 'Ada', emails: ['ada@example.com'] }),
      person('b', '9', T2, { fullName: 'Ada L', emails: ['ada@example.com'] }),
    ];
    await hub.ingest(batch);
    const before = await only(hub);
    const outboxBefore = await hub.outbox();
    const again = await hub.ingest(batch);
    expect(again).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: 2, events: 0 });
    expect(await only(hub)).toEqual(before);
    expect(await hub.outbox()).toEqual(outboxBefore);
  });

  it('keeps the newest observation of a record, whatever the arrival order', async () => {
    const hub = createHub();
    await hub.ingest([person('a', '1', T2, { fullName: 'New Name' })]);
    const stale = await hub.ingest([person('a', '1', T1, { fullName: 'Old Name' })]);
    expect(stale).toMatchObject({ unchanged: 1, updated: 0 });
    expect((await only(hub))[0]!.displayName).toBe('New Name');
    const fresh = await hub.ingest([person('a', '1', T3, { fullName: 'Newest Name' })]);
    expect(fresh.updated).toBe(1);
    const [customer] = await only(hub);
    expect(customer!.displayName).toBe('Newest Name');
    expect(customer!.version).toBe(2);
  });

  it('within one batch, the newest observation of a key wins', async () => {
    const hub = createHub();
    await hub.ingest([person('a', '1', T3, { fullName: 'C' }), person('a', '1', T1, { fullName: 'A' })]);
    expect((await only(hub))[0]!.displayName).toBe('C');
  });

  it('applies tombstones: a deleted record leaves its customer, and an older observation cannot resurrect it', async () => {
    const hub = createHub();
    await hub.ingest([
      person('a', '1', T1, { fullName: 'Ada', emails: ['ada@example.com'] }),
      person('b', '2', T1, { fullName: 'Ada B', emails: ['ada@example.com'] }),
    ]);
    const deleted = await hub.ingest([{ type: 'person', source: 'b', externalId: '2', observedAt: T2, deleted: true }]);
    expect(deleted.deleted).toBe(1);
    expect(deleted.customerIds).toEqual([(await only(hub))[0]!.id]);
    let [customer] = await only(hub);
    expect(customer!.golden.sources.map((s) => s.system)).toEqual(['a']);
    await hub.ingest([person('b', '2', T1, { fullName: 'Zombie', emails: ['ada@example.com'] })]);
    [customer] = await only(hub);
    expect(customer!.golden.sources.map((s) => s.system)).toEqual(['a']);
  });

  it('a record revived after a tombstone never takes the id of a customer it no longer links to', async () => {
    const hub = createHub();
    await hub.ingest([person('a', '2', T1, { phones: ['+31612345678'] })]);
    await hub.ingest([person('b', '1', T1, { phones: ['+31612345678'] })]); // homed at the first customer
    await hub.ingest([{ type: 'person', source: 'b', externalId: '1', observedAt: T2, deleted: true }]);
    await hub.ingest([person('b', '1', T3, { fullName: 'No phone now' })]);
    const customers = await only(hub);
    expect(customers).toHaveLength(2);
    expect(customers.map((c) => c.golden.sources.map((s) => `${s.system}/${s.externalId}`)).sort()).toEqual([
      ['a/2'],
      ['b/1'],
    ]);
  });

  it('deletes a customer whose last record is deleted, and emits customer.deleted', async () => {
    const hub = createHub();
    await hub.ingest([person('a', '1', T1, { fullName: 'Ada' })]);
    const [customer] = await only(hub);
    const deleted: string[] = [];
    hub.on('customer.deleted', (e) => deleted.push(e.payload.customerId));
    await hub.ingest([{ type: 'person', source: 'a', externalId: '1', observedAt: T2, deleted: true }]);
    expect(deleted).toEqual([customer!.id]);
    expect(await only(hub)).toHaveLength(0);
    expect((await hub.get(customer!.id))?.status).toBe('deleted');
  });

  it('auto-merges two customers when a new record bridges them, and splits them when the bridge goes', async () => {
    const hub = createHub();
    await hub.ingest([
      person('a', '1', T1, { fullName: 'Ada', emails: ['ada@example.com'] }),
      person('b', '2', T1, { fullName: 'Ada', phones: ['+441234567'] }),
    ]);
    const [first, second] = await only(hub);
    expect(first && second).toBeTruthy();
    const events: HubEvent[] = [];
    hub.on('*', (e) => events.push(e));
    await hub.ingest([person('c', '3', T2, { fullName: 'Ada', emails: ['ada@example.com'], phones: ['+441234567'] })]);
    const merged = await only(hub);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.id).toBe(first!.id); // the oldest id survives
    expect(events.find((e) => e.type === 'customer.merged')?.payload).toMatchObject({
      into: first!.id,
      from: second!.id,
      reason: 'auto',
    });
    expect((await hub.get(second!.id))?.id).toBe(first!.id); // redirect
    expect((await hub.get(second!.id, { followMerges: false }))?.status).toBe('merged');
    expect((await hub.journal()).map((j) => j.kind)).toContain('auto-merge');

    events.length = 0;
    await hub.ingest([person('c', '3', T3, { fullName: 'Ada' })]); // bridge loses both keys
    const split = await only(hub);
    expect(split).toHaveLength(3);
    expect(split.map((c) => c.id)).toEqual(expect.arrayContaining([first!.id, second!.id]));
    expect(events.some((e) => e.type === 'customer.split')).toBe(true);
  });
});

describe('merge and unmerge', () => {
  async function twoPeople() {
    const hub = createHub();
    await hub.ingest([
      person('sales', '1', T1, { fullName: 'Ada Lovelace', emails: ['ada@example.com'], jobTitle: 'CTO' }),
      person('service', '7', T2, { fullName: 'A. Lovelace', phones: ['+442079460000'], jobTitle: 'Chief Tech' }),
    ]);
    const [a, b] = await only(hub);
    return { hub, a: a!, b: b! };
  }

  it('merges by hand and unmerges exactly', async () => {
    const { hub, a, b } = await twoPeople();
    const merged: HubEvent[] = [];
    hub.on('customer.merged', (e) => merged.push(e));
    const result = await hub.merge(a.id, b.id, { actor: 'u-data-admin', reason: 'same person' });
    expect(result.into).toBe(a.id);
    expect(result.from).toBe(b.id);
    expect(merged[0]!.payload).toMatchObject({ reason: 'manual', mergeId: result.mergeId });
    const all = await only(hub);
    expect(all).toHaveLength(1);
    expect(all[0]!.golden.sources).toHaveLength(2);
    expect(all[0]!.golden.fields.jobTitle?.value).toBe('Chief Tech');
    const view = await hub.view(b.id);
    expect(view.redirectedFrom).toBe(b.id);
    expect(view.customer.id).toBe(a.id);

    const undo = await hub.unmerge(result.mergeId, { actor: 'u-data-admin' });
    expect(undo.customerIds.sort()).toEqual([a.id, b.id].sort());
    const after = await only(hub);
    const strip = (c: (typeof after)[number]) => ({ ...c, version: 0, updatedAt: '' });
    expect(after.map(strip)).toEqual([a, b].map(strip));
    const journal = await hub.journal();
    expect(journal.map((j) => j.kind)).toEqual(['merge', 'unmerge']);
    expect(journal[0]!.actor).toBe('u-data-admin');
  });

  it('refuses merging a customer with itself, unknown or merged ids, and mixed kinds', async () => {
    const { hub, a, b } = await twoPeople();
    await expect(hub.merge(a.id, a.id)).rejects.toSatisfy(ConflictError.isInstance);
    await expect(hub.merge(a.id, 'cus_nope')).rejects.toSatisfy(NotFoundError.isInstance);
    await hub.merge(a.id, b.id);
    await expect(hub.merge(a.id, b.id)).rejects.toThrow(/was merged into/);
    await hub.ingest([{ type: 'organization', source: 'x', externalId: 'o', observedAt: T1, data: { name: 'Acme' } }]);
    const [org] = await hub.find({ name: 'acme' });
    await expect(hub.merge(a.id, org!.id)).rejects.toThrow(/Cannot merge a person/);
    await expect(hub.unmerge('mrg_unknown')).rejects.toSatisfy(NotFoundError.isInstance);
  });

  it('refuses to unmerge when identity keys still link the two sides, and changes nothing', async () => {
    const { hub, a, b } = await twoPeople();
    const { mergeId } = await hub.merge(a.id, b.id);
    // A later record carries both contact points: the two are now linked by identity, not only by hand.
    await hub.ingest([person('web', 'f1', T3, { emails: ['ada@example.com'], phones: ['+442079460000'] })]);
    const before = await only(hub);
    const error = await hub.unmerge(mergeId).catch((e: unknown) => e);
    expect(CrmkitError.isInstance(error) && error.code).toBe('UNMERGE_BLOCKED');
    expect(await only(hub)).toEqual(before);
  });

  it('unmerge after more ingest keeps new records with the side they link to', async () => {
    const { hub, a, b } = await twoPeople();
    const { mergeId } = await hub.merge(a.id, b.id);
    await hub.ingest([person('web', 'f2', T3, { fullName: 'Ada', emails: ['ada@example.com'] })]);
    await hub.unmerge(mergeId);
    const sideA = await hub.view(a.id);
    expect(sideA.customer.golden.sources.map((s) => s.system).sort()).toEqual(['sales', 'web']);
    const sideB = await hub.view(b.id);
    expect(sideB.customer.golden.sources.map((s) => s.system)).toEqual(['service']);
  });
});

describe('overrides', () => {
  it('an override wins over every rule, is journaled, and clears back to the derived value', async () => {
    const hub = createHub();
    await hub.ingest([person('a', '1', T1, { fullName: 'Ada', jobTitle: 'CTO' })]);
    const [customer] = await only(hub);
    const overridden = await hub.setOverride(customer!.id, 'jobTitle', 'Chief Technology Officer', { actor: 'u1' });
    expect(overridden.golden.fields.jobTitle).toMatchObject({
      value: 'Chief Technology Officer',
      provenance: { source: 'crmkit:override', rule: 'override', externalId: 'u1' },
    });
    await hub.ingest([person('a', '1', T2, { fullName: 'Ada', jobTitle: 'CEO' })]);
    expect((await hub.get(customer!.id))!.golden.fields.jobTitle?.value).toBe('Chief Technology Officer');
    const cleared = await hub.clearOverride(customer!.id, 'jobTitle');
    expect(cleared.golden.fields.jobTitle?.value).toBe('CEO');
    expect((await hub.journal()).map((j) => j.kind)).toEqual(['override', 'override-cleared']);
  });

  it('rejects a bad field name and a non-JSON value', async () => {
    const hub = createHub();
    await hub.ingest([person('a', '1', T1, { fullName: 'Ada' })]);
    const [customer] = await only(hub);
    await expect(hub.setOverride(customer!.id, '../x', 'v')).rejects.toSatisfy(InvalidArgumentError.isInstance);
    await expect(hub.setOverride(customer!.id, 'x', (() => 1) as never)).rejects.toSatisfy(ValidationError.isInstance);
  });
});

describe('reads', () => {
  async function populated() {
    const hub = createHub();
    await hub.ingest([
      {
        type: 'organization',
        source: 'hs',
        externalId: 'co-1',
        observedAt: T1,
        data: { name: 'Acme Trading BV', domain: 'ACME.example' },
      },
      person('hs', '1', T1, {
        fullName: 'Ada Lovelace',
        emails: ['ada@acme.example'],
        organization: { ref: { type: 'organization', externalId: 'co-1' }, name: 'Acme' },
      }),
      person('dyn', 'c-2', T2, { fullName: 'Grace Hopper', phones: ['+12025550100'] }),
      {
        type: 'interaction',
        source: 'dyn',
        externalId: 'case-1',
        observedAt: T2,
        data: {
          channel: 'phone',
          direction: 'inbound',
          participants: [{ ref: { email: 'ADA@acme.example' }, role: 'customer' }],
          occurredAt: T2,
          subject: 'Invoice question',
          activity: { kind: 'case', status: 'open' },
        },
      },
      {
        type: 'interaction',
        source: 'hs',
        externalId: 'mtg-1',
        observedAt: T1,
        data: {
          channel: 'in_person',
          direction: 'outbound',
          participants: [{ ref: { externalId: '1' }, role: 'customer' }],
          occurredAt: T1,
          activity: {
            kind: 'visit_report',
            visitedAt: T1,
            purpose: 'Quarterly review',
            followUps: [{ description: 'Send offer' }],
          },
        },
      },
      {
        type: 'opportunity',
        source: 'hs',
        externalId: 'deal-1',
        observedAt: T1,
        data: {
          name: 'Renewal',
          customer: { externalId: '1' },
          stage: 'proposal',
          amount: { amount: 1200, currency: 'EUR' },
        },
      },
    ]);
    return hub;
  }

  it('finds by email, phone, external id and name', async () => {
    const hub = await populated();
    const [byEmail] = await hub.find({ email: 'Ada@Acme.example' });
    expect(byEmail?.displayName).toBe('Ada Lovelace');
    expect((await hub.find({ phone: '+1 202 555 0100' }))[0]?.displayName).toBe('Grace Hopper');
    expect((await hub.find({ source: 'dyn', externalId: 'c-2' }))[0]?.displayName).toBe('Grace Hopper');
    expect((await hub.find({ name: 'lovelace ada' }))[0]?.id).toBe(byEmail!.id);
    expect(await hub.find({ name: 'lovelace grace' })).toEqual([]);
    await expect(hub.find({} as never)).rejects.toSatisfy(InvalidArgumentError.isInstance);
  });

  it('the view joins interactions and opportunities from every department, groups and related parties', async () => {
    const hub = await populated();
    const [ada] = await hub.find({ email: 'ada@acme.example' });
    await hub.groups.define({ id: 'key-accounts', name: 'Key accounts', managerId: 'u-km', memberIds: [ada!.id] });
    await hub.groups.define({
      id: 'hoppers',
      name: 'Hoppers',
      managerId: 'u-x',
      rule: { match: 'all', conditions: [{ field: 'fullName', op: 'contains', value: 'hopper' }] },
    });
    const view = await hub.view(ada!.id);
    expect(view.interactions.map((i) => i.key)).toEqual(['dyn/interaction/case-1', 'hs/interaction/mtg-1']);
    expect(view.opportunities.map((o) => o.data.amount)).toEqual([{ amount: '1200', currency: 'EUR' }]);
    expect(view.groups.map((g) => g.id)).toEqual(['key-accounts']);
    expect(view.related.map((r) => r.displayName)).toEqual(['Acme Trading BV']);
    const [org] = await hub.find({ name: 'acme trading' });
    expect((await hub.view(org!.id)).related.map((r) => r.displayName)).toEqual(['Ada Lovelace']);
    expect((await hub.groups.members('hoppers')).map((c) => c.displayName)).toEqual(['Grace Hopper']);
    await expect(hub.view('cus_missing')).rejects.toSatisfy(NotFoundError.isInstance);
  });

  it('lists with cursor pagination in id order', async () => {
    const hub = createHub();
    await hub.ingest(Array.from({ length: 25 }, (_, i) => person('s', String(i), T1, { fullName: `P ${i}` })));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await hub.list({ limit: 10, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(25);
    expect([...seen].sort()).toEqual(seen);
    expect(new Set(seen).size).toBe(25);
    await expect(hub.list({ limit: 0 })).rejects.toSatisfy(InvalidArgumentError.isInstance);
    await expect(hub.list({ cursor: '%%%' })).rejects.toSatisfy(InvalidArgumentError.isInstance);
  });

  it('rejects an invalid group with the offending path', async () => {
    const hub = createHub();
    const error = await hub.groups.define({ name: '', managerId: 'u' }).catch((e: unknown) => e);
    expect(ValidationError.isInstance(error) && error.issues[0]?.pathString).toBe('group.name');
  });
});

describe('events', () => {
  it('emits typed events after commit; on() returns an unsubscribe function', async () => {
    const hub = createHub();
    const created = vi.fn();
    const recorded = vi.fn();
    const off = hub.on('customer.created', created);
    hub.on('interaction.recorded', recorded);
    await hub.ingest([
      person('a', '1', T1, { fullName: 'Ada', emails: ['ada@example.com'] }),
      {
        type: 'interaction',
        source: 'mail',
        externalId: 'm1',
        observedAt: T1,
        data: {
          channel: 'email',
          direction: 'inbound',
          participants: [{ ref: { email: 'ada@example.com' }, role: 'from' }],
          occurredAt: T1,
          activity: { kind: 'email' },
        },
      },
    ]);
    expect(created).toHaveBeenCalledTimes(1);
    expect(recorded).toHaveBeenCalledTimes(1);
    const [customer] = await only(hub);
    expect(recorded.mock.calls[0]![0].payload.customerIds).toEqual([customer!.id]);
    off();
    await hub.ingest([person('a', '2', T1, { fullName: 'Bob' })]);
    expect(created).toHaveBeenCalledTimes(1);
    const outbox = await hub.outbox();
    expect(outbox.map((e) => e.seq)).toEqual(outbox.map((_, i) => i + 1));
    expect(outbox.filter((e) => e.type === 'customer.created')).toHaveLength(2);
  });

  it('a throwing listener does not break the operation', async () => {
    const onListenerError = vi.fn();
    const hub = createHub({ onListenerError });
    hub.on('customer.created', () => {
      throw new Error('listener bug');
    });
    await expect(hub.ingest([person('a', '1', T1, { fullName: 'Ada' })])).resolves.toMatchObject({ created: 1 });
    expect(onListenerError).toHaveBeenCalledTimes(1);
  });
});

describe('lifecycle and arguments', () => {
  it('rejects a store of another specification version', () => {
    const store = { ...createMemoryStore(), specificationVersion: 'v0' } as never;
    expect(() => createHub({ store })).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_SPECIFICATION_VERSION' }));
    expect(UnsupportedSpecificationError.isInstance(vi.fn())).toBe(false);
  });

  it('honours an aborted signal and refuses calls after close', async () => {
    const hub = createHub();
    const controller = new AbortController();
    controller.abort();
    await expect(
      hub.ingest([person('a', '1', T1, { fullName: 'Ada' })], { signal: controller.signal }),
    ).rejects.toSatisfy(AbortedError.isInstance);
    expect(await only(hub)).toHaveLength(0);
    await hub.close();
    await expect(hub.list()).rejects.toThrow(expect.objectContaining({ code: 'CLOSED' }));
  });

  it('rejects oversized batches and non-arrays', async () => {
    const hub = createHub({ maxBatchSize: 2 });
    const three = [1, 2, 3].map((i) => person('a', String(i), T1, { fullName: 'X' }));
    await expect(hub.ingest(three)).rejects.toSatisfy(InvalidArgumentError.isInstance);
    await expect(hub.ingest('nope' as never)).rejects.toSatisfy(InvalidArgumentError.isInstance);
  });
});
