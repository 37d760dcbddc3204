/**
 * `hub.reindex()` on PGlite: rows without blocking keys (as every row written before migration 2, or by a Hub
 * without a matcher) get them, in the column and in the lookup table, and the probabilistic duplicate is linked.
 */
import { createDeterministicResolver, createHub } from '@crmkit/core';
import type { SourceRecordInput } from '@crmkit/model';
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { customerPartition } from '@crmkit/testing';
import { pgliteClient } from './client';
import { createPostgresStore } from './store';

const T = (minute: number) => new Date(Date.UTC(2026, 0, 1, 10, minute)).toISOString();
const KERKSTRAAT = { street: 'Kerkstraat', houseNumber: '12', postalCode: '1011 AB', city: 'Amsterdam', country: 'NL' };
const records: SourceRecordInput[] = [
  {
    type: 'person',
    source: 'crm-a',
    externalId: 'c-1',
    observedAt: T(0),
    data: { givenName: 'Jonathan', familyName: 'Smith', birthDate: '1980-03-02', addresses: [KERKSTRAAT] },
  },
  {
    type: 'person',
    source: 'webshop',
    externalId: '77',
    observedAt: T(1),
    data: {
      givenName: 'Jonathon',
      familyName: 'Smit',
      birthDate: '1980-03-02',
      addresses: [{ ...KERKSTRAAT, postalCode: '1011AB' }],
    },
  },
];

describe('hub.reindex() on PGlite', () => {
  it('gives rows without blocking keys their keys and links the duplicate; a second run changes nothing', async () => {
    const store = createPostgresStore({ client: pgliteClient(new PGlite(), { ownsDatabase: true }) });
    const old = createHub({ store, identity: createDeterministicResolver() });
    await old.ingest(records);
    const blockRows = async () =>
      Number(
        (
          await store.client.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM ${store.schema}.crmkit_record_block_keys`,
          )
        ).rows[0]!.n,
      );
    expect(await blockRows()).toBe(0);

    const hub = createHub({ store });
    expect(await hub.reindex({ batchSize: 1 })).toEqual({ records: 2, rekeyed: 2, links: 1, unlinks: 0, reviews: 0 });
    expect(await customerPartition(hub)).toEqual(['crm-a/c-1+webshop/77']);
    expect(await blockRows()).toBeGreaterThan(0);
    const journal = await hub.journal();
    expect(journal.filter((e) => e.kind === 'link')).toHaveLength(1);

    expect(await hub.reindex()).toEqual({ records: 2, rekeyed: 0, links: 0, unlinks: 0, reviews: 0 });
    expect(await hub.journal()).toEqual(journal);
    await hub.close();
  });
});
