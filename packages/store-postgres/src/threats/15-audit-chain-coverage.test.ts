/**
 * Threat 15 of issue 13, on stored SQL rows: the audit log's `target` column is what `audit({ target })` filters on,
 * so the chain must cover it; an added JSON key and a hand-forged redaction must be reported too. Each case tampers
 * with the real row in `crmkit_audit_log` and expects `verifyAudit` to name that entry. PGlite always, PostgreSQL
 * when DATABASE_URL is set.
 */
import { createHub, type Hub } from '@crmkit/core';
import type { SourceRecordInput } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import type { SqlClient } from '../client';
import { sqlBackends } from '../testing/sql-backends';
import { createPostgresStore } from '../store';

let counter = 0;
const { backends, cleanups } = sqlBackends();

for (const backend of backends) {
  (backend.skip ? describe.skip : describe)(
    `threat 15: the audit chain covers every stored column and key; redactions are verifiable (${backend.name})`,
    () => {
      async function seeded(): Promise<{ hub: Hub; sql: SqlClient; table: string; seq: number; target: string }> {
        const sql = backend.client();
        const schema = `threat15_${Date.now().toString(36)}_${(counter++).toString(36)}`;
        const store = createPostgresStore({ client: sql, schema });
        const hub = createHub({ store });
        cleanups.push(async () => {
          await sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await hub.close();
        });
        await hub.ingest([
          {
            type: 'person',
            source: 'hubspot',
            externalId: '1',
            observedAt: '2026-03-01T10:00:00Z',
            data: { givenName: 'Ada', familyName: 'Lovelace', emails: ['ada@example.com'] },
          } as SourceRecordInput,
        ]);
        const [ada] = await hub.find({ email: 'ada@example.com' });
        await hub.setOverride(ada!.id, 'jobTitle', 'Countess', { reason: 'she asked' });
        await hub.governance.recordAdminAction({ action: 'adapter.credentials', target: 'adapter:hubspot' });
        const target = `customer:${ada!.id}`;
        const [override] = (await hub.governance.audit({ target, limit: 100 })).filter(
          (e) => e.action === 'customer.override',
        );
        expect(override).toBeDefined();
        expect((await hub.governance.verifyAudit()).ok).toBe(true);
        return { hub, sql, table: `"${schema}".crmkit_audit_log`, seq: override!.seq, target };
      }

      it('reports an edited target column at its entry (the entry no longer shows under its target)', async () => {
        const { hub, sql, table, seq, target } = await seeded();
        await sql.query(`UPDATE ${table} SET target = 'customer:someone-else' WHERE seq = $1`, [seq]);
        expect((await hub.governance.audit({ target, limit: 100 })).map((e) => e.seq)).not.toContain(seq);
        expect(await hub.governance.verifyAudit()).toMatchObject({
          ok: false,
          problem: { seq, reason: 'hash does not match the entry' },
        });
      }, 60_000);

      it('reports an added JSON key at its entry', async () => {
        const { hub, sql, table, seq } = await seeded();
        await sql.query(
          `UPDATE ${table} SET entry = (entry::jsonb || '{"approvedBy":"user:ceo"}')::json WHERE seq = $1`,
          [seq],
        );
        expect(await hub.governance.verifyAudit()).toMatchObject({
          ok: false,
          problem: { seq, reason: 'malformed entry: unexpected key "approvedBy"' },
        });
      }, 60_000);

      it('reports a redaction that only nulls the changes (values gone, reason and salt kept)', async () => {
        const { hub, sql, table, seq } = await seeded();
        await sql.query(
          `UPDATE ${table} SET entry = (entry::jsonb || '{"changes":null,"redacted":true}')::json WHERE seq = $1`,
          [seq],
        );
        expect(await hub.governance.verifyAudit()).toMatchObject({
          ok: false,
          problem: { seq, reason: 'redacted entry still has a reason' },
        });
      }, 60_000);

      it('reports a hand-forged redaction at its entry', async () => {
        const { hub, sql, table, seq } = await seeded();
        await sql.query(
          `UPDATE ${table} SET entry = (entry::jsonb - 'reason' - 'salt' || '{"changes":null,"redacted":true}')::json
           WHERE seq = $1`,
          [seq],
        );
        expect(await hub.governance.verifyAudit()).toMatchObject({
          ok: false,
          problem: { seq, reason: 'redacted without a later gdpr.erase entry that lists it (forged redaction)' },
        });
      }, 60_000);

      it('accepts the redactions of a real erasure (values and reason gone from the row)', async () => {
        const { hub, sql, table, seq, target } = await seeded();
        await hub.gdpr.erase(target.slice('customer:'.length));
        const { rows } = await sql.query<{ entry: string }>(
          `SELECT entry::text AS entry FROM ${table} WHERE seq = $1`,
          [seq],
        );
        expect(rows[0]!.entry).not.toContain('she asked');
        expect(rows[0]!.entry).not.toContain('Countess');
        expect(await hub.governance.verifyAudit()).toMatchObject({ ok: true });
      }, 60_000);
    },
  );
}
