/**
 * The Hub on PostgreSQL and PGlite: the same behaviour as on the memory store, plus what only a shared database
 * shows: concurrent writers never lose a link or an update, and migrations do not race.
 */
import { createHub, createMemoryStore, type Hub } from '@crmkit/core';
import type { SourceRecordInput } from '@crmkit/model';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { customerPartition } from '@crmkit/testing';
import { pgClient, pgliteClient, type SqlClient } from './client';
import { migrate, MIGRATIONS } from './migrations';
import { createPostgresStore } from './store';

const url = process.env.DATABASE_URL;
const T = (minute: number) => new Date(Date.UTC(2026, 0, 1, 10, minute)).toISOString();

function person(source: string, id: string, minute: number, data: Record<string, unknown>): SourceRecordInput {
  return { type: 'person', source, externalId: id, observedAt: T(minute), data } as SourceRecordInput;
}

/** People that link across sources by email or phone, in batches that overlap. */
function overlappingBatches(): SourceRecordInput[][] {
  const batches: SourceRecordInput[][] = [];
  for (let b = 0; b < 8; b++) {
    const batch: SourceRecordInput[] = [];
    for (let i = 0; i < 15; i++) {
      const n = (b * 7 + i) % 40; // batches share people
      batch.push(
        person(`src${b % 3}`, `${b}-${i}`, b + i, {
          fullName: `Person ${n}`,
          emails: [`p${n}@example.com`],
          ...(n % 4 === 0 ? { phones: [`+3161000${String(n).padStart(4, '0')}`] } : {}),
        }),
      );
    }
    batches.push(batch);
  }
  return batches;
}

const schemas: string[] = [];
const pools: pg.Pool[] = [];
afterAll(async () => {
  if (!url) return;
  const pool = new pg.Pool({ connectionString: url });
  for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
  await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
});

function pgStore(schema: string, max = 5) {
  const pool = new pg.Pool({ connectionString: url, max });
  pools.push(pool);
  return createPostgresStore({ client: pgClient(pool), schema });
}

describe('Hub on PGlite', () => {
  it('gives the same customers as the memory store, through merge and unmerge', async () => {
    const batches = overlappingBatches();
    const memory = createHub({ store: createMemoryStore() });
    const embedded = createHub({
      store: createPostgresStore({ client: pgliteClient(new PGlite(), { ownsDatabase: true }) }),
    });
    for (const batch of batches) {
      await memory.ingest(batch);
      await embedded.ingest(batch);
    }
    expect(await customerPartition(embedded)).toEqual(await customerPartition(memory));
    const [a] = await memory.find({ email: 'p4@example.com' });
    const [b] = await embedded.find({ email: 'p4@example.com' });
    expect(b!.golden).toEqual(a!.golden);
    const merge = await embedded.merge(
      (await embedded.find({ email: 'p1@example.com' }))[0]!.id,
      (await embedded.find({ email: 'p2@example.com' }))[0]!.id,
    );
    await embedded.unmerge(merge.mergeId);
    expect(await customerPartition(embedded)).toEqual(await customerPartition(memory));
    await memory.close();
    await embedded.close();
  }, 300_000); // PGlite under load: a budget, not a speed claim
});

// ---------------------------------------------------------------------------------------------------------------
// Probabilistic identity: the same story on every store.
// ---------------------------------------------------------------------------------------------------------------

const ADDRESS = { street: 'Kerkstraat', houseNumber: '12', postalCode: '1011 AB', city: 'Amsterdam', country: 'NL' };
const jonathan = (minute: number, extra: Record<string, unknown> = {}) =>
  person('crm-a', 'c-1', minute, {
    givenName: 'Jonathan',
    familyName: 'Smith',
    birthDate: '1980-03-02',
    addresses: [ADDRESS],
    ...extra,
  });
const jonathon = (minute: number, extra: Record<string, unknown> = {}) =>
  person('webshop', '77', minute, {
    givenName: 'Jonathon',
    familyName: 'Smit',
    birthDate: '1980-03-02',
    addresses: [{ ...ADDRESS, postalCode: '1011AB' }],
    ...extra,
  });
const peter = (source: string, id: string, given: string, minute: number) =>
  person(source, id, minute, { givenName: given, familyName: 'de Vries', addresses: [{ postalCode: '3511 AB' }] });

function identityStores(): [string, () => Promise<{ hub: Hub; done: () => Promise<void> }>][] {
  const list: [string, () => Promise<{ hub: Hub; done: () => Promise<void> }>][] = [
    ['memory', async () => ({ hub: createHub({ store: createMemoryStore() }), done: async () => undefined })],
    [
      'PGlite',
      async () => {
        const hub = createHub({
          store: createPostgresStore({ client: pgliteClient(new PGlite(), { ownsDatabase: true }) }),
        });
        return { hub, done: () => hub.close() };
      },
    ],
  ];
  if (url) {
    list.push([
      'PostgreSQL',
      async () => {
        const schema = `t_ident_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
        schemas.push(schema);
        const hub = createHub({ store: pgStore(schema) });
        return { hub, done: () => hub.close() };
      },
    ]);
  }
  return list;
}

describe.each(identityStores())('probabilistic identity on %s', (_name, open) => {
  it('links a typo-ridden duplicate as it arrives, and a change that removes the evidence unlinks it', async () => {
    const { hub, done } = await open();
    await hub.ingest([jonathan(0)]);
    await hub.ingest([jonathon(1)]);
    expect(await customerPartition(hub)).toEqual(['crm-a/c-1+webshop/77']);
    const [customer] = (await hub.list()).items;
    const [link] = await hub.links(customer!.id);
    expect(link).toMatchObject({ a: 'crm-a/person/c-1', b: 'webshop/person/77', kind: 'auto' });
    expect(link!.probability).toBeGreaterThan(0.9);
    expect((await hub.journal()).find((j) => j.kind === 'link')?.data).toMatchObject({ linkId: link!.id });
    await hub.ingest([jonathon(2, { givenName: 'Jonas', birthDate: '1955-12-24', addresses: [{ city: 'Breda' }] })]);
    expect(await customerPartition(hub)).toEqual(['crm-a/c-1', 'webshop/77']);
    expect((await hub.list()).items.map((c) => c.id)).toContain(customer!.id);
    await done();
  }, 300_000);

  it('opens review items; accept joins, reject keeps apart (and is remembered), unlink splits', async () => {
    const { hub, done } = await open();
    const result = await hub.ingest([
      peter('crm-a', 'p-1', 'Peter', 0),
      peter('crm-b', 'p-2', 'Pieter', 1),
      peter('crm-c', 'p-3', 'Pieter', 2),
    ]);
    const open1 = await hub.reviews.list({ status: 'open' });
    expect(result.reviews).toBe(open1.length);
    // Peter and Pieter are a review (Pieter and Pieter, spelled alike, may link outright).
    const peterPieter = open1.find((r) => r.a === 'crm-a/person/p-1');
    expect(peterPieter).toBeDefined();

    const before = (await hub.store.transaction((tx) => tx.listCustomers({ limit: 100 }))).map((c) => ({
      id: c.id,
      status: c.status,
      golden: c.golden,
    }));
    const accepted = await hub.reviews.accept(peterPieter!.id, { actor: 'admin' });
    expect(accepted.customerIds).toHaveLength(1);
    await expect(hub.reviews.accept(peterPieter!.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    const unlinked = await hub.unlink(accepted.link!.id, { actor: 'admin', reason: 'not the same' });
    expect(unlinked.review.status).toBe('rejected');
    const after = (await hub.store.transaction((tx) => tx.listCustomers({ limit: 100 }))).map((c) => ({
      id: c.id,
      status: c.status,
      golden: c.golden,
    }));
    expect(after).toEqual(before);

    for (const item of await hub.reviews.list({ status: 'open' })) await hub.reviews.reject(item.id);
    const settled = await customerPartition(hub);
    // New observations of every record: nothing rejected comes back, nothing is proposed again.
    await hub.ingest([
      peter('crm-a', 'p-1', 'Peter', 10),
      peter('crm-b', 'p-2', 'Pieter', 11),
      peter('crm-c', 'p-3', 'Pieter', 12),
    ]);
    expect(await customerPartition(hub)).toEqual(settled);
    expect(await hub.reviews.list({ status: 'open' })).toEqual([]);
    await done();
  }, 300_000);

  it('gives the same customers, links and review items as the memory store', async () => {
    const { hub, done } = await open();
    const reference = createHub({ store: createMemoryStore() });
    const batches = [
      [jonathan(0), peter('crm-a', 'p-1', 'Peter', 0)],
      [jonathon(1), peter('crm-b', 'p-2', 'Pieter', 1)],
      [{ type: 'person', source: 'crm-a', externalId: 'c-1', observedAt: T(5), deleted: true } as SourceRecordInput],
      [jonathan(6)],
    ];
    for (const batch of batches) {
      await hub.ingest(batch);
      await reference.ingest(batch);
    }
    expect(await customerPartition(hub)).toEqual(await customerPartition(reference));
    const strip = (items: { a: string; b: string; status: string; probability: number }[]) =>
      items.map(({ a, b, status, probability }) => ({ a, b, status, probability }));
    expect(strip(await hub.reviews.list())).toEqual(strip(await reference.reviews.list()));
    await done();
    await reference.close();
  }, 300_000);
});

describe.skipIf(!url)(`Hub on PostgreSQL${url ? '' : ' (skipped: set DATABASE_URL)'}`, () => {
  it('two Hubs writing overlapping batches at once end exactly where one Hub writing them in turn ends', async () => {
    const batches = overlappingBatches();
    const reference = createHub();
    for (const batch of batches) await reference.ingest(batch);

    const schema = `t_conc_${Date.now()}`;
    schemas.push(schema);
    const hubA = createHub({ store: pgStore(schema) });
    const hubB = createHub({ store: pgStore(schema) });
    await Promise.all([
      (async () => {
        for (const batch of batches.filter((_, i) => i % 2 === 0)) await hubA.ingest(batch);
      })(),
      (async () => {
        for (const batch of batches.filter((_, i) => i % 2 === 1)) await hubB.ingest(batch);
      })(),
    ]);
    expect(await customerPartition(hubA)).toEqual(await customerPartition(reference));
    const outbox = await hubA.outbox({ limit: 10_000 });
    expect(new Set(outbox.map((e) => e.seq)).size).toBe(outbox.length);
    await hubA.close();
    await hubB.close();
  }, 300_000);

  it('rejects a customer update based on a stale read with CONFLICT, and keeps the newer one', async () => {
    const schema = `t_occ_${Date.now()}`;
    schemas.push(schema);
    const store = pgStore(schema);
    const hub = createHub({ store });
    await hub.ingest([person('a', '1', 1, { fullName: 'Ada' })]);
    const [customer] = (await hub.list()).items;
    const stale = await store.transaction(async (tx) => (await tx.getCustomers([customer!.id]))[0]!);
    await hub.setOverride(customer!.id, 'jobTitle', 'CTO'); // version moves on
    const error = await store
      .transaction(async (tx) => {
        await tx.getCustomers([customer!.id]); // this transaction reads the new version...
        await tx.putCustomers([{ ...stale, version: stale.version + 1 }]);
      })
      .catch((e: unknown) => e);
    expect(error).toBeUndefined(); // ...so a write after a fresh read is fine
    const lost = await store
      .transaction(async (tx) => {
        const [fresh] = await tx.getCustomers([customer!.id]);
        // Another writer commits in between (simulated by a second, separate transaction on another connection).
        await createPostgresStore({
          client: pgClient(new pg.Pool({ connectionString: url, max: 1 }), { ownsPool: true }),
          schema,
        })
          .transaction(async (other) => {
            await other.putCustomers([{ ...fresh!, version: fresh!.version + 1, displayName: 'Other writer' }]);
          })
          .catch(() => undefined);
        await tx.putCustomers([{ ...fresh!, version: fresh!.version + 1, displayName: 'Me' }]);
      })
      .catch((e: unknown) => e);
    // Either the store re-ran the transaction (serialisation) and it won on a fresh read, or it refused: never both lost.
    const [final] = await store.transaction((tx) => tx.getCustomers([customer!.id]));
    if (lost === undefined) expect(final!.displayName).toBe('Me');
    else expect((lost as { code?: string }).code).toBe('CONFLICT');
    await hub.close();
  });

  it('migrations started by several processes at once apply once', async () => {
    const schema = `t_mig_${Date.now()}`;
    schemas.push(schema);
    const clients: SqlClient[] = Array.from({ length: 4 }, () => {
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      pools.push(pool);
      return pgClient(pool);
    });
    const applied = await Promise.all(clients.map((client) => migrate(client, schema)));
    expect(applied.flat()).toEqual(MIGRATIONS.map((m) => m.version));
    const pool = new pg.Pool({ connectionString: url });
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "${schema}".crmkit_migrations`);
    expect(rows[0].n).toBe(MIGRATIONS.length);
    await pool.end();
  });
});
