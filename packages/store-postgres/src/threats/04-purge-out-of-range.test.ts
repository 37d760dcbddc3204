/**
 * Threat 4 (follow-up): a record stored with a year-0 `observedAt` before the time bounds existed made every
 * retention purge on PostgreSQL fail whole (SQLSTATE 22008). The purge now goes on: it leaves such a record alone (its
 * real age is unknown), names it in the purge report so an admin repairs it with `ingest(..., { repairTimestamps:
 * true })`, and purges the rest. A rule whose age reaches before year 1 does not break the cutoff either.
 */
import { createHub, createMemoryStore, type Hub } from '@crmkit/core';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { pgClient, pgliteClient } from '../client';
import { createPostgresStore } from '../store';

const url = process.env.DATABASE_URL;
const pools: pg.Pool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
});

const YEAR_0 = '0000-01-01T00:00:00Z';

/** A Hub, and how to give a stored record an `observedAt` the bounds refuse today (as an older version could). */
type Make = () => Promise<{ hub: Hub; backdate: (key: string) => Promise<void>; done: () => Promise<void> }>;
const stores: [string, Make][] = [
  [
    'memory',
    async () => {
      const hub = createHub({ store: createMemoryStore() });
      return {
        hub,
        backdate: (key) =>
          hub.store.transaction(async (tx) => {
            const [record] = await tx.getRecords([key]);
            await tx.putRecords([{ ...record!, observedAt: YEAR_0 }]);
          }),
        done: () => hub.close(),
      };
    },
  ],
  [
    'pglite',
    async () => {
      const db = new PGlite();
      const hub = createHub({ store: createPostgresStore({ client: pgliteClient(db, { ownsDatabase: true }) }) });
      return {
        hub,
        backdate: async (key) => {
          await db.query('UPDATE crmkit.crmkit_records SET observed_at = $1 WHERE key = $2', [YEAR_0, key]);
        },
        done: () => hub.close(),
      };
    },
  ],
];
if (url) {
  stores.push([
    'postgres',
    async () => {
      const schema = `threat4p_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
      const pool = new pg.Pool({ connectionString: url, max: 3 });
      pools.push(pool);
      const hub = createHub({ store: createPostgresStore({ client: pgClient(pool), schema }) });
      return {
        hub,
        backdate: async (key) => {
          await pool.query(`UPDATE "${schema}".crmkit_records SET observed_at = $1 WHERE key = $2`, [YEAR_0, key]);
        },
        done: async () => {
          await hub.close();
          await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        },
      };
    },
  ]);
}

const person = (externalId: string, observedAt: string, givenName: string) => ({
  type: 'person' as const,
  source: 'crm',
  externalId,
  observedAt,
  data: { givenName, emails: [`${externalId}@example.com`] },
});

for (const [name, make] of stores) {
  describe(`threat 4: retention purge with a year-0 record on the ${name} store`, () => {
    it('purges the rest, names the record in the report, and purges it once repaired', {
      timeout: 60_000,
    }, async () => {
      const { hub, backdate, done } = await make();
      try {
        await hub.ingest([
          person('old', '2026-01-01T00:00:00Z', 'Olga'),
          person('bad', '2026-01-02T00:00:00Z', 'Bart'),
          person('new', '2026-05-30T00:00:00Z', 'Nina'),
        ]);
        await backdate('crm/person/bad');
        const now = '2026-06-01T00:00:00Z';
        const report = await hub.gdpr.purge([{ entity: 'person', maxAgeDays: 30 }], { now });
        expect(report.purged).toEqual([{ rule: { entity: 'person', maxAgeDays: 30 }, records: 1 }]);
        expect(report.outOfRange).toEqual([{ key: 'crm/person/bad', observedAt: YEAR_0 }]);
        const live = async () =>
          (
            await hub.store.transaction((tx) => tx.getRecords(['crm/person/old', 'crm/person/bad', 'crm/person/new']))
          ).map((r) => `${r.externalId}:${r.deleted ? 'purged' : 'live'}`);
        expect(await live()).toEqual(['old:purged', 'bad:live', 'new:live']);

        // A rule older than year 1 does not break the cutoff arithmetic.
        const ancient = await hub.gdpr.purge([{ entity: 'person', maxAgeDays: 1_000_000_000 }], { now });
        expect(ancient.purged[0]?.records).toBe(0);
        expect(ancient.outOfRange).toEqual([{ key: 'crm/person/bad', observedAt: YEAR_0 }]);

        // The admin repairs the time; the next purge takes the record like any other.
        await hub.ingest([person('bad', '2026-01-02T00:00:00Z', 'Bart')], { repairTimestamps: true });
        const after = await hub.gdpr.purge([{ entity: 'person', maxAgeDays: 30 }], { now });
        expect(after.purged[0]?.records).toBe(1);
        expect(after.outOfRange).toEqual([]);
        expect(await live()).toEqual(['old:purged', 'bad:purged', 'new:live']);
      } finally {
        await done();
      }
    });
  });
}
