/**
 * Upgrading a schema through migration 3 (plugin extensions and workflow runs) and migration 4 (audit log and
 * governance documents), on PGlite and PostgreSQL (skipped without DATABASE_URL): extension rows written in migration
 * 1's shape survive with their timestamp as text, and an upgraded schema ends up with the same tables as a fresh one.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { pgClient, pgliteClient, type SqlClient } from './client';
import { migrate, MIGRATIONS, splitStatements } from './migrations';
import { createPostgresStore } from './store';

const url = process.env.DATABASE_URL;
let counter = 0;
const uniqueSchema = () => `mig_${Date.now().toString(36)}_${(counter++).toString(36)}`;

const pglite = new PGlite();
const pools: pg.Pool[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

const backends: { name: string; skip: boolean; client: () => SqlClient }[] = [
  { name: 'pglite', skip: false, client: () => ({ ...pgliteClient(pglite), close: async () => undefined }) },
  {
    name: 'postgres',
    skip: !url,
    client: () => {
      const pool = new pg.Pool({ connectionString: url, max: 2 });
      pools.push(pool);
      return pgClient(pool);
    },
  },
];

/** Columns (name, type, nullability, default) and indexes (with their definitions) of some tables of a schema. */
async function shapeOf(
  client: SqlClient,
  schema: string,
  tables: readonly string[] = ['crmkit_extensions', 'crmkit_workflow_runs'],
) {
  const { rows: columns } = await client.query(
    `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
     WHERE table_schema = $1 AND table_name = ANY($2::text[])
     ORDER BY table_name, column_name`,
    [schema, [...tables]],
  );
  const { rows: indexes } = await client.query(
    `SELECT tablename, indexname, replace(indexdef, $1, 'SCHEMA') AS definition FROM pg_indexes
     WHERE schemaname = $1 AND tablename = ANY($2::text[]) ORDER BY indexname`,
    [schema, [...tables]],
  );
  return { columns, indexes };
}

describe('migration scripts', () => {
  it('have no semicolon in a comment (splitStatements would cut the script there)', () => {
    for (const migration of MIGRATIONS) {
      const comments = migration.sql.split('\n').filter((line) => line.trim().startsWith('--'));
      expect(
        comments.filter((line) => line.includes(';')),
        `migration ${migration.version}`,
      ).toEqual([]);
      for (const statement of splitStatements(migration.sql)) {
        const code = statement
          .split('\n')
          .filter((line) => !line.trim().startsWith('--'))
          .join('\n');
        expect(code.trim(), `migration ${migration.version}: a statement of comments only`).not.toBe('');
      }
    }
  });
});

for (const backend of backends) {
  (backend.skip ? describe.skip : describe)(`migration 3 on ${backend.name}`, () => {
    it('keeps extension rows written before it, with their timestamp as ISO text, and matches a fresh schema', async () => {
      const client = backend.client();
      const [old, fresh] = [uniqueSchema(), uniqueSchema()];
      for (const schema of [old, fresh]) cleanups.push(() => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
      expect(
        await migrate(
          client,
          old,
          MIGRATIONS.filter((m) => m.version < 3),
        ),
      ).toEqual([1, 2]);
      await client.query(
        `INSERT INTO "${old}".crmkit_extensions (namespace, entity_type, entity_id, data, updated_at)
         VALUES ('acme', 'customer', 'c1', $1::jsonb, '2026-01-01T10:00:00.123Z')`,
        [JSON.stringify({ tier: { value: 'gold', at: '2026-01-01T10:00:00.123Z', actor: 'usr_1' } })],
      );
      expect(
        await migrate(
          client,
          old,
          MIGRATIONS.filter((m) => m.version <= 3),
        ),
      ).toEqual([3]);

      const store = createPostgresStore({ client, schema: old });
      expect(await store.transaction((tx) => tx.getExtensions('customer', ['c1']))).toEqual([
        {
          namespace: 'acme',
          entityType: 'customer',
          entityId: 'c1',
          fields: { tier: { value: 'gold', at: '2026-01-01T10:00:00.123Z', actor: 'usr_1' } },
          updatedAt: '2026-01-01T10:00:00.123Z',
        },
      ]);
      const run = {
        id: 'wr1',
        workflow: 'acme.sync',
        status: 'pending' as const,
        input: null,
        trigger: { kind: 'manual' as const },
        step: 0,
        attempt: 0,
        results: {},
        completed: [],
        history: [],
        createdAt: '2026-01-01T10:00:00Z',
        updatedAt: '2026-01-01T10:00:00Z',
        version: 1,
      };
      await store.transaction((tx) => tx.putWorkflowRun(run));
      expect(await store.transaction((tx) => tx.getWorkflowRun('wr1'))).toStrictEqual(run);

      expect(await migrate(client, fresh)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await shapeOf(client, old)).toEqual(await shapeOf(client, fresh));
    }, 120_000);
  });
}

for (const backend of backends) {
  (backend.skip ? describe.skip : describe)(`migration 4 on ${backend.name}`, () => {
    it('replaces the unused audit placeholder and adds documents, matching a fresh schema', async () => {
      const client = backend.client();
      const [old, fresh] = [uniqueSchema(), uniqueSchema()];
      for (const schema of [old, fresh]) cleanups.push(() => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
      expect(
        await migrate(
          client,
          old,
          MIGRATIONS.filter((m) => m.version < 4),
        ),
      ).toEqual([1, 2, 3]);
      expect(
        await migrate(
          client,
          old,
          MIGRATIONS.filter((m) => m.version <= 4),
        ),
      ).toEqual([4]);
      expect(await migrate(client, old), 'the later ones').toEqual(
        MIGRATIONS.filter((m) => m.version > 4).map((m) => m.version),
      );
      expect(await migrate(client, old), 'nothing left to do').toEqual([]);
      expect(await migrate(client, fresh)).toEqual(MIGRATIONS.map((m) => m.version));
      const tables = ['crmkit_audit_log', 'crmkit_documents'];
      const shape = await shapeOf(client, old, tables);
      expect(shape).toEqual(await shapeOf(client, fresh, tables));
      // seq is the writer's: no default, no sequence behind it.
      const seq = shape.columns.find((c) => c.table_name === 'crmkit_audit_log' && c.column_name === 'seq');
      expect(seq).toMatchObject({ data_type: 'bigint', is_nullable: 'NO', column_default: null });
      expect(shape.indexes.map((i) => i.indexname)).toEqual([
        'crmkit_audit_log_pkey',
        'crmkit_audit_log_target_seq',
        'crmkit_documents_kind_ref_id',
        'crmkit_documents_pkey',
      ]);

      const store = createPostgresStore({ client, schema: old });
      const entry = {
        seq: 1,
        at: '2026-01-01T10:00:00.123Z',
        actor: 'user:usr_1',
        action: 'customer.override',
        target: 'customer:c1',
        changes: [{ field: 'jobTitle', old: null, new: 'CTO' }],
        changesDigest: 'd'.repeat(64),
        prevHash: '0'.repeat(64),
        hash: 'h'.repeat(64),
      };
      const document = { kind: 'consent', id: 'cs1', ref: 'c1', data: { granted: true }, updatedAt: entry.at };
      await store.transaction(async (tx) => {
        await tx.appendAudit([entry]);
        await tx.putDocument(document);
      });
      await store.transaction(async (tx) => {
        expect(await tx.lastAudit()).toStrictEqual(entry);
        expect(await tx.listDocuments('consent', { ref: 'c1', limit: 10 })).toStrictEqual([document]);
      });
    }, 120_000);
  });
}

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  await Promise.all(pools.map((pool) => pool.end().catch(() => undefined)));
  await pglite.close();
});

for (const backend of backends) {
  (backend.skip ? describe.skip : describe)(`migration 5 on ${backend.name}`, () => {
    it('adds outbox meta: events appended before it read back without meta, new ones with it', async () => {
      const client = backend.client();
      const schema = uniqueSchema();
      cleanups.push(() => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
      await migrate(
        client,
        schema,
        MIGRATIONS.filter((m) => m.version < 5),
      );
      await client.query(
        `INSERT INTO "${schema}".crmkit_outbox (id, type, at, payload) VALUES ('e1', 'customer.deleted', 'x', '{}')`,
      );
      expect(await migrate(client, schema)).toEqual([5]);
      const store = createPostgresStore({ client, schema });
      const meta = { op: 'e2', n: 1, origin: 'sales' };
      await store.transaction((tx) =>
        tx.appendOutbox([{ id: 'e2', type: 'customer.deleted', at: 'y', payload: {}, meta }]),
      );
      const events = await store.transaction((tx) => tx.listOutbox({ limit: 10 }));
      expect(events.map((e) => [e.id, e.meta])).toEqual([
        ['e1', undefined],
        ['e2', meta],
      ]);
    });
  });
}
