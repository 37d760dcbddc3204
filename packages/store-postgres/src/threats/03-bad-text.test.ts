/**
 * Threat 3 (issue 13): one bad value must not fail a whole sync. Text PostgreSQL cannot store (NUL, lone UTF-16
 * surrogates) is refused by validation with `VALIDATION_FAILED` naming the record and path, the same on the memory
 * store, PGlite and PostgreSQL; nothing of the batch is written. With `input: { text: 'clean' }` the Hub cleans it
 * instead (NUL stripped, lone surrogates replaced by U+FFFD) and reports what it cleaned, the same on every store.
 *
 * Threat 4 on SQL stores: a record observed in year 0 is refused, so retention purges keep working.
 */
import { createHub, createMemoryStore, type Hub, type HubOptions } from '@crmkit/core';
import { type SourceRecordInput, ValidationError } from '@crmkit/model';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { pgClient, pgliteClient } from '../client';
import { createPostgresStore } from '../store';

const url = process.env.DATABASE_URL;
let counter = 0;
const uniqueSchema = () => `threat3_${Date.now().toString(36)}_${(counter++).toString(36)}`;
const pools: pg.Pool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
});

type MakeHub = (options?: HubOptions) => Promise<{ hub: Hub; done: () => Promise<void> }>;
const stores: [string, MakeHub][] = [
  ['memory', async (options) => ({ hub: createHub({ ...options, store: createMemoryStore() }), done: async () => {} })],
  [
    'pglite',
    async (options) => {
      const hub = createHub({
        ...options,
        store: createPostgresStore({ client: pgliteClient(new PGlite(), { ownsDatabase: true }) }),
      });
      return { hub, done: () => hub.close() };
    },
  ],
];
if (url) {
  stores.push([
    'postgres',
    async (options) => {
      const schema = uniqueSchema();
      const pool = new pg.Pool({ connectionString: url, max: 3 });
      pools.push(pool);
      const hub = createHub({ ...options, store: createPostgresStore({ client: pgClient(pool), schema }) });
      return {
        hub,
        done: async () => {
          await hub.close();
          await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        },
      };
    },
  ]);
}

const T = '2026-03-01T10:00:00Z';
const good: SourceRecordInput = {
  type: 'person',
  source: 'hubspot',
  externalId: 'good',
  observedAt: T,
  data: { givenName: 'Ada' },
};
const badRecords: [string, Record<string, unknown>, string][] = [
  ['a NUL in a name', { givenName: 'Ad\u0000a' }, 'records[1].data.givenName'],
  ['a lone surrogate in a name', { familyName: 'King\uD800' }, 'records[1].data.familyName'],
  [
    'a NUL in a nested attribute',
    { attributes: { notes: { list: ['ok', 'x\u0000'] } } },
    'records[1].data.attributes.notes.list[1]',
  ],
  ['a lone surrogate in an attribute key', { attributes: { 'k\uDC00': 1 } }, 'records[1].data.attributes'],
];

for (const [name, make] of stores) {
  describe(`threat 3: bad text on the ${name} store`, () => {
    for (const [what, data, path] of badRecords) {
      it(`refuses ${what} with VALIDATION_FAILED naming the record and path, and writes nothing`, async () => {
        const { hub, done } = await make();
        try {
          // Bad text on purpose: untyped at this boundary, refused by the runtime checks.
          const bad = {
            type: 'person',
            source: 'hubspot',
            externalId: 'bad',
            observedAt: T,
            data,
          } as SourceRecordInput;
          const error = await hub.ingest([good, bad]).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(ValidationError.isInstance(error), String(error)).toBe(true);
          const v = error as ValidationError;
          expect(v.code).toBe('VALIDATION_FAILED');
          expect(v).toMatchObject({ index: 1, source: 'hubspot', externalId: 'bad' });
          expect(v.issues[0]!.pathString.startsWith(path)).toBe(true);
          // The batch is refused as a whole (the Hub's contract): the good record is not half-written either.
          expect((await hub.list({ limit: 10 })).items).toHaveLength(0);
          await hub.ingest([good]);
          expect((await hub.list({ limit: 10 })).items).toHaveLength(1);
        } finally {
          await done();
        }
      }, 60_000);
    }

    it('cleans instead with input.text = "clean", reports it, and stores the same value as every other store', async () => {
      const { hub, done } = await make({ input: { text: 'clean' } });
      try {
        const bad: SourceRecordInput = {
          type: 'person',
          source: 'hubspot',
          externalId: 'bad',
          observedAt: T,
          data: { givenName: 'Ad\u0000a', familyName: 'King\uD800', attributes: { 'k\uDC00ey': 'v\u0000' } },
        };
        const result = await hub.ingest([good, bad]);
        expect(result.created).toBe(2);
        expect(result.cleaned).toEqual([
          {
            index: 1,
            source: 'hubspot',
            externalId: 'bad',
            paths: [
              'records[1].data.givenName',
              'records[1].data.familyName',
              'records[1].data.attributes',
              'records[1].data.attributes.k\uFFFDey',
            ],
          },
        ]);
        const [stored] = await hub.store.transaction((tx) => tx.getRecords(['hubspot/person/bad']), { readOnly: true });
        expect(stored!.data).toMatchObject({
          givenName: 'Ada',
          familyName: 'King\uFFFD',
          attributes: { 'k\uFFFDey': 'v' },
        });
      } finally {
        await done();
      }
    }, 60_000);
  });

  describe(`threat 4: timestamps on the ${name} store`, () => {
    it('refuses a record observed in year 0, so retention purges keep working', async () => {
      const { hub, done } = await make();
      try {
        const ancient = { ...good, externalId: 'old', observedAt: '0000-01-01T00:00:00Z' };
        await expect(hub.ingest([good, ancient])).rejects.toMatchObject({
          code: 'VALIDATION_FAILED',
          index: 1,
          path: [1, 'observedAt'],
        });
        await hub.ingest([good]);
        await expect(
          hub.gdpr.purge([{ entity: 'person', maxAgeDays: 30 }], { now: '2026-06-01T00:00:00Z' }),
        ).resolves.toBeDefined();
      } finally {
        await done();
      }
    }, 60_000);
  });
}
