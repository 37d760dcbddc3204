/**
 * The audit log (`crmkit_audit_log`): a hash chain appended at the head, read in `seq` order, and redacted on
 * erasure (the chain still verifies).
 *
 * @module
 */
import {
  type AuditEntry,
  ConflictError,
  redactedAuditEntry,
  type StoreTransaction,
  UNREDACTABLE_AUDIT_ACTION,
} from '@crmkit/model';
import { requireAfter, requireFields, requireLimit, requireSeq, requireStrings } from './arguments';
import type { TableContext } from './context';

/** The methods of a store transaction on these tables. */
export type AuditTables = Pick<StoreTransaction, 'appendAudit' | 'lastAudit' | 'listAudit' | 'redactAudit'>;

/** The columns of an audit row, as {@link toAuditEntry} reads them. */
const AUDIT_COLUMNS = 'seq, at, actor, action, target, entry';

/** One row of `crmkit_audit_log`. */
interface AuditRow {
  seq: string | number;
  at: string;
  actor: string;
  action: string;
  target: string;
  entry: AuditEntry;
}

/**
 * The entry of an audit row with the row's own columns (what `WHERE target = ...` filters on) in place of the
 * copies in the entry json, so the hash chain covers the values a filter sees: an edited column fails verification.
 */
function toAuditEntry(row: AuditRow): AuditEntry {
  return { ...row.entry, seq: Number(row.seq), at: row.at, actor: row.actor, action: row.action, target: row.target };
}

/** The refusal of audit entries whose seq exists already. */
function auditSeqTaken(seqs: readonly number[]): ConflictError {
  return new ConflictError({
    message: `[crmkit/store-postgres] Audit entry ${seqs.join(', ')} exists already: another writer extended the audit log.`,
  });
}

/** Appends to, reads and redacts the audit log. */
export function auditTables(ctx: TableContext): AuditTables {
  const { sql, s } = ctx;

  return {
    async appendAudit(entries) {
      if (entries.length === 0) return;
      const seqs = new Set<number>();
      for (const [i, e] of entries.entries()) {
        requireFields(`entries[${i}]`, e, [
          'seq',
          'at',
          'actor',
          'action',
          'target',
          'changes',
          'changesDigest',
          'prevHash',
          'hash',
        ]);
        const seq = requireSeq(`entries[${i}].seq`, e.seq);
        if (seqs.has(seq)) throw auditSeqTaken([seq]);
        seqs.add(seq);
      }
      // One json array of rows, each row's members as typed columns (json_to_recordset): the database parses each
      // entry once, where extracting every column from the entry's own json (json_array_elements, ->>) parsed it again
      // per column. The entry json leaves out the members kept as columns (toAuditEntry puts the column values back),
      // so they travel and are stored once. Typed column arrays (unnest) were slower here: escaping every json
      // string into an array literal cost more, in Node and in the database, than it saved.
      const rows = entries.map(({ seq, at, actor, action, target, ...entry }) => ({
        seq,
        at,
        actor,
        action,
        target,
        entry,
      }));
      // The primary key decides. A seq whose entry this transaction can see is skipped here and refused below; one
      // that a concurrent writer committed after this transaction's snapshot fails with a serialisation error (or a
      // unique violation of the key), and the whole transaction runs again from a fresh read of the head. The
      // statement answers with the seqs it did not write (none, normally), in one row.
      const { rows: answer } = await sql.query<{ taken: (string | number)[] | null }>(
        `WITH written AS (
           INSERT INTO ${s}.crmkit_audit_log (seq, at, actor, action, target, entry)
             SELECT e.seq, e.at, e.actor, e.action, e.target, e.entry
             FROM json_to_recordset($1::json) AS e(seq bigint, at text, actor text, action text, target text, entry json)
             ON CONFLICT (seq) DO NOTHING
             RETURNING seq
         )
         SELECT array_agg(wanted.seq ORDER BY wanted.seq) AS taken FROM unnest($2::bigint[]) AS wanted(seq)
           WHERE NOT EXISTS (SELECT 1 FROM written WHERE written.seq = wanted.seq)`,
        [JSON.stringify(rows), [...seqs]],
      );
      const taken = answer[0]?.taken;
      if (taken && taken.length > 0) throw auditSeqTaken(taken.map(Number));
    },
    async lastAudit() {
      const { rows } = await sql.query<AuditRow>(
        `SELECT ${AUDIT_COLUMNS} FROM ${s}.crmkit_audit_log ORDER BY seq DESC LIMIT 1`,
      );
      return rows[0] ? toAuditEntry(rows[0]) : undefined;
    },
    async listAudit({ after, limit, target }) {
      const n = requireLimit(limit);
      const from = requireAfter(after);
      if (target !== undefined) requireStrings('target', [target]);
      const { rows } = await sql.query<AuditRow>(
        target === undefined
          ? `SELECT ${AUDIT_COLUMNS} FROM ${s}.crmkit_audit_log
               WHERE ($1::bigint IS NULL OR seq > $1) ORDER BY seq LIMIT $2`
          : `SELECT ${AUDIT_COLUMNS} FROM ${s}.crmkit_audit_log
               WHERE target = $3 AND ($1::bigint IS NULL OR seq > $1) ORDER BY seq LIMIT $2`,
        target === undefined ? [from, n] : [from, n, target],
      );
      return rows.map(toAuditEntry);
    },
    async redactAudit(targets) {
      requireStrings('targets', targets);
      if (targets.length === 0) return 0;
      // Rewritten here rather than in SQL: the entry stays json exactly as written, only its changes replaced.
      const { rows } = await sql.query<{ seq: string | number; entry: AuditEntry }>(
        `SELECT seq, entry FROM ${s}.crmkit_audit_log WHERE target = ANY($1::text[]) AND action <> $2 ORDER BY seq FOR UPDATE`,
        [[...targets], UNREDACTABLE_AUDIT_ACTION],
      );
      if (rows.length === 0) return 0;
      await sql.query(
        `UPDATE ${s}.crmkit_audit_log AS a SET entry = u.entry
           FROM json_to_recordset($1::json) AS u(seq bigint, entry json) WHERE a.seq = u.seq`,
        [JSON.stringify(rows.map(({ seq, entry }) => ({ seq, entry: redactedAuditEntry(entry) })))],
      );
      return rows.length;
    },
  };
}
