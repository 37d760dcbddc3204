/**
 * Audit rows written before and after the row layout changed. Rows used to keep the whole entry in `entry` json,
 * `seq, at, actor, action, target` included (copies of the columns); rows now keep those members in their columns
 * only. A log mixing both verifies end to end, reads back the same entries, redacts old rows on erasure, and a
 * tampered row of either layout is named. PGlite always, PostgreSQL when DATABASE_URL is set.
 */
import { createHub, type Hub } from '@crmkit/core';
import type { SourceRecordInput } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import type { SqlClient } from './client';
import { sqlBackends } from './testing/sql-backends';
import { createPostgresStore } from './store';

let counter = 0;
const { backends, cleanups } = sqlBackends();

function person(id: string, givenName: string, email: string): SourceRecordInput {
  return {
    type: 'person',
    source: 'hubspot',
    externalId: id,
    observedAt: '2026-03-01T10:00:00Z',
    data: { givenName, familyName: 'Lovelace', emails: [email] },
  } as SourceRecordInput;
}

for (const backend of backends) {
  (backend.skip ? describe.skip : describe)(`audit rows of both layouts (${backend.name})`, () => {
    /** A Hub whose first entries are rewritten to the previous layout, then extended with entries of the new one. */
    async function mixed(): Promise<{ hub: Hub; sql: SqlClient; table: string; oldSeqs: number[]; newSeqs: number[] }> {
      const sql = backend.client();
      const schema = `auditrows_${Date.now().toString(36)}_${(counter++).toString(36)}`;
      const hub = createHub({ store: createPostgresStore({ client: sql, schema }) });
      cleanups.push(async () => {
        await sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await hub.close();
      });
      const table = `"${schema}".crmkit_audit_log`;
      await hub.ingest([person('1', 'Ada', 'ada@example.com'), person('2', 'Grace', 'grace@example.com')]);
      const [ada] = await hub.find({ email: 'ada@example.com' });
      await hub.setOverride(ada!.id, 'jobTitle', 'Countess', { reason: 'she asked' });
      const before = await hub.governance.audit({ limit: 100 });
      // What the previous appendAudit stored: the whole entry in the json, column members included.
      await sql.query(
        `UPDATE ${table} SET entry = (entry::jsonb || jsonb_build_object('seq', seq, 'at', at, 'actor', actor,
           'action', action, 'target', target))::json`,
      );
      const { rows: oldRows } = await sql.query<{ seq: string | number; entry: Record<string, unknown> }>(
        `SELECT seq, entry FROM ${table} ORDER BY seq`,
      );
      expect(oldRows.every((row) => row.entry.target !== undefined && row.entry.seq !== undefined)).toBe(true);
      expect(await hub.governance.audit({ limit: 100 }), 'old rows read back as the same entries').toEqual(before);
      await hub.ingest([person('3', 'Ada', 'ada@example.com'), person('4', 'Alan', 'alan@example.com')]);
      await hub.setOverride(ada!.id, 'jobTitle', 'Analyst', { reason: 'new role' });
      const { rows: newRows } = await sql.query<{ seq: string | number; entry: Record<string, unknown> }>(
        `SELECT seq, entry FROM ${table} WHERE seq > $1 ORDER BY seq`,
        [oldRows.length],
      );
      expect(newRows.length).toBeGreaterThan(1);
      for (const row of newRows) {
        expect(Object.keys(row.entry), 'column members are not repeated in the json').not.toContain('target');
        expect(Object.keys(row.entry)).not.toContain('seq');
      }
      return {
        hub,
        sql,
        table,
        oldSeqs: oldRows.map((row) => Number(row.seq)),
        newSeqs: newRows.map((row) => Number(row.seq)),
      };
    }

    it('verifies a log mixing both layouts end to end, and keeps verifying after an erasure', async () => {
      const { hub, oldSeqs, newSeqs } = await mixed();
      const result = await hub.governance.verifyAudit();
      expect(result).toMatchObject({ ok: true, entries: oldSeqs.length + newSeqs.length });
      const [ada] = await hub.find({ email: 'ada@example.com' });
      await hub.gdpr.erase(ada!.id);
      const after = await hub.governance.verifyAudit({ expectedHead: result.head! });
      expect(after.ok).toBe(true);
      const redacted = (await hub.governance.audit({ limit: 100 })).filter((entry) => entry.redacted === true);
      expect(
        redacted.some((entry) => oldSeqs.includes(entry.seq)),
        'an old-layout row redacted',
      ).toBe(true);
      expect(
        redacted.some((entry) => newSeqs.includes(entry.seq)),
        'a new-layout row redacted',
      ).toBe(true);
    }, 60_000);

    it('names a tampered row of either layout', async () => {
      const { hub, sql, table, oldSeqs, newSeqs } = await mixed();
      const oldSeq = oldSeqs[1]!;
      await sql.query(`UPDATE ${table} SET actor = 'user:someone' WHERE seq = $1`, [oldSeq]);
      expect(await hub.governance.verifyAudit()).toMatchObject({
        ok: false,
        problem: { seq: oldSeq, reason: 'hash does not match the entry' },
      });
      await sql.query(`UPDATE ${table} SET actor = entry->>'actor' WHERE seq = $1`, [oldSeq]);
      expect((await hub.governance.verifyAudit()).ok).toBe(true);

      const newSeq = newSeqs[0]!;
      await sql.query(
        `UPDATE ${table} SET entry = (entry::jsonb || '{"changes":[{"field":"givenName","new":"Eve"}]}')::json
         WHERE seq = $1`,
        [newSeq],
      );
      expect(await hub.governance.verifyAudit()).toMatchObject({
        ok: false,
        problem: {
          seq: newSeq,
          reason: 'changesDigest does not match the changes (value changed without its commitment)',
        },
      });
      await sql.query(`DELETE FROM ${table} WHERE seq = $1`, [newSeq]);
      expect(await hub.governance.verifyAudit()).toMatchObject({ ok: false, problem: { seq: newSeq } });
    }, 60_000);
  });
}
