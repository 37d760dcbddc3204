/**
 * `hub.load` and `hub.ingest` give the same end state on the same input: the same customers (as sets of record
 * keys), golden records (without ids and timestamps), identity links (pairs with their probabilities) and review
 * items (pairs), on the memory store, PGlite and PostgreSQL (DATABASE_URL), with the synthetic people of the test
 * kit and a slice of the Febrl 1 record-linkage set (src/fixtures/febrl1-400.csv).
 */
import { readFileSync } from 'node:fs';
import { createHub, createMemoryStore, type Hub } from '@crmkit/core';
import type { SourceRecordInput, Store } from '@crmkit/model';
import { syntheticPeople } from '@crmkit/testing';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { pgClient, pgliteClient } from './client';
import { createPostgresStore } from './store';

const url = process.env.DATABASE_URL;
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Febrl 1 rows as person records of two sources (odd and even lines), the truth column as external id only. */
function febrlRecords(): SourceRecordInput[] {
  const text = readFileSync(new URL('./fixtures/febrl1-400.csv', import.meta.url), 'utf8');
  // No quoted fields in Febrl: a comma (and the space after it) separates the cells.
  const [header, ...rows] = text
    .trim()
    .split('\n')
    .map((line) => line.split(',').map((cell) => cell.trim()));
  const col = (name: string) => header!.indexOf(name);
  return rows.map((row, i) => {
    const cell = (name: string) => row[col(name)]?.trim() || undefined;
    const dob = cell('date_of_birth');
    // Febrl has impossible dates (19590231): those are left out, as a CRM's validation would.
    const iso = dob && /^\d{8}$/.test(dob) ? `${dob.slice(0, 4)}-${dob.slice(4, 6)}-${dob.slice(6)}` : undefined;
    const birthDate =
      iso && !Number.isNaN(Date.parse(iso)) && new Date(iso).toISOString().startsWith(iso) ? iso : undefined;
    const address = {
      street: cell('address_1'),
      houseNumber: cell('street_number'),
      extra: cell('address_2'),
      city: cell('suburb'),
      postalCode: cell('postcode'),
      region: cell('state'),
      country: 'AU',
    };
    const data = JSON.parse(
      JSON.stringify({
        givenName: cell('given_name'),
        familyName: cell('surname'),
        birthDate,
        addresses: [address],
      }),
    );
    return {
      type: 'person',
      source: i % 2 === 0 ? 'febrl-a' : 'febrl-b',
      externalId: cell('rec_id')!,
      observedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
      data,
    } as SourceRecordInput;
  });
}

/** Customers as sets of record keys with their golden records, link pairs with probabilities, review item pairs. */
async function endState(hub: Hub) {
  return hub.store.transaction(
    async (tx) => {
      const customers = [];
      let after: string | undefined;
      for (;;) {
        const page = await tx.listCustomers({ limit: 1000, status: 'active', ...(after ? { after } : {}) });
        customers.push(...page);
        if (page.length < 1000) break;
        after = page.at(-1)!.id;
      }
      const keysOf = new Map<string, string[]>();
      const records = await tx.listRecordsByCustomer(customers.map((c) => c.id));
      for (const r of records) keysOf.set(r.customerId!, [...(keysOf.get(r.customerId!) ?? []), r.key]);
      const clusters = customers
        .map((c) => ({
          keys: (keysOf.get(c.id) ?? []).sort(byString).join(' + '),
          kind: c.kind,
          displayName: c.displayName,
          golden: c.golden,
        }))
        .sort((a, b) => byString(a.keys, b.keys));
      const links = (await tx.listIdentityLinks(records.map((r) => r.key)))
        .map((l) => `${[l.a, l.b].sort(byString).join('|')} ${l.kind} ${l.probability}`)
        .sort(byString);
      const reviews = (await tx.listReviewItems({ limit: 100_000 }))
        .map((r) => `${r.pairKey} ${r.status} ${r.probability}`)
        .sort(byString);
      return { clusters, links, reviews };
    },
    { readOnly: true },
  );
}

const schemas: string[] = [];
const pools: pg.Pool[] = [];
afterAll(async () => {
  for (const pool of pools) await pool.end().catch(() => undefined);
  if (!url || schemas.length === 0) return;
  const pool = new pg.Pool({ connectionString: url });
  for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
});

const backends: { name: string; store: () => Store }[] = [
  { name: 'memory', store: () => createMemoryStore() },
  { name: 'PGlite', store: () => createPostgresStore({ client: pgliteClient(new PGlite(), { ownsDatabase: true }) }) },
];
if (url) {
  backends.push({
    name: 'PostgreSQL',
    store: () => {
      const schema = `load_eq_${process.pid}_${schemas.length}_${Date.now().toString(36)}`;
      schemas.push(schema);
      const pool = new pg.Pool({ connectionString: url, max: 3 });
      pools.push(pool);
      return createPostgresStore({ client: pgClient(pool), schema });
    },
  });
} else {
  it.skip('PostgreSQL: set DATABASE_URL to run the load/ingest equivalence on PostgreSQL too', () => {});
}

const datasets: { name: string; records: () => SourceRecordInput[]; ingestBatch: number; loadBatch: number }[] = [
  {
    name: 'synthetic people (1,200 people)',
    records: () => syntheticPeople(1200, 7),
    ingestBatch: 250,
    loadBatch: 1000,
  },
  { name: 'Febrl 1 (400 records)', records: febrlRecords, ingestBatch: 100, loadBatch: 5000 },
];

/** The end state of ingest on the memory store, per dataset: every backend's load must give it. */
const reference = new Map<string, Awaited<ReturnType<typeof endState>>>();

describe.each(datasets)('hub.load equals hub.ingest: $name', ({ name, records, ingestBatch, loadBatch }) => {
  const input = records();

  it.each(backends)(
    'on $name',
    async (backend) => {
      const ingested = createHub({ store: backend.store(), defaultCountry: 'NL' });
      const loaded = createHub({ store: backend.store(), defaultCountry: 'NL' });
      try {
        for (let i = 0; i < input.length; i += ingestBatch) await ingested.ingest(input.slice(i, i + ingestBatch));
        // A generator, so the load reads its input as a stream.
        const result = await loaded.load(
          (function* () {
            yield* input;
          })(),
          { batchSize: loadBatch },
        );
        expect(result.records).toBe(input.length);
        const expected = await endState(ingested);
        expect(expected.links.length, 'the input must make identity links').toBeGreaterThan(0);
        expect(expected.clusters.length).toBeLessThan(input.length);
        expect(await endState(loaded)).toEqual(expected);
        // And the same as on the memory store (the first backend).
        if (!reference.has(name)) reference.set(name, expected);
        else expect(expected).toEqual(reference.get(name));
      } finally {
        await ingested.close();
        await loaded.close();
      }
    },
    600_000,
  ); // PGlite and PostgreSQL on a busy machine: a budget, not a speed claim
});
