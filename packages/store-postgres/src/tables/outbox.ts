/**
 * The change journal and the transactional outbox (`crmkit_journal`, `crmkit_outbox`): appends, reads, and the
 * redaction erasure applies to both.
 *
 * @module
 */
import { fnv1a32, type JournalEntry, mentionsAnyId, type OutboxEvent, type StoreTransaction } from '@crmkit/model';
import type { SqlExecutor } from '../client';
import { requireFields, requireLimit, requireStrings } from './arguments';
import type { TableContext } from './context';
import { optional, type Row, text, textArrayLiteral } from './rows';

/** The methods of a store transaction on these tables. */
export type OutboxTables = Pick<
  StoreTransaction,
  'appendJournal' | 'listJournal' | 'appendOutbox' | 'listOutbox' | 'redactJournal' | 'redactOutbox'
>;

/** What a redacted journal entry's data and a redacted outbox event's payload become. */
const REDACTED = '{"redacted":true}';

/**
 * A LIKE pattern matching JSON text that contains `id` as a string token, quotes included, encoded as the store
 * writes it (`JSON.stringify`). Within JSON text a quoted token cannot start or end inside a longer string, so the
 * pattern finds every event whose payload holds the id as a string value, and otherwise only ones holding it as an
 * object key (the caller checks the parsed payload).
 */
function quotedTokenPattern(id: string): string {
  return `%${JSON.stringify(id).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Appends to and reads the journal and the outbox, and redacts them. */
export function outboxTables(ctx: TableContext): OutboxTables {
  const { sql, s, schemaName } = ctx;

  return {
    async appendJournal(entries) {
      if (entries.length === 0) return;
      for (const [i, e] of entries.entries())
        requireFields(`entries[${i}]`, e, ['id', 'at', 'kind', 'customerIds', 'data']);
      // Typed column arrays (customer ids as one array literal per entry) and the data as one JSON array: the server
      // parses each value once. ORDER BY keeps seq in the order given.
      await sql.query(
        `INSERT INTO ${s}.crmkit_journal (id, at, kind, actor, customer_ids, data)
           SELECT e.id, e.at, e.kind, e.actor, e.customer_ids::text[], e.data
           FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($3::text[]), unnest($4::text[]),
                unnest($5::text[]), json_array_elements($6::json))
             WITH ORDINALITY AS e(id, at, kind, actor, customer_ids, data, n)
           ORDER BY e.n`,
        [
          entries.map((e) => e.id),
          entries.map((e) => e.at),
          entries.map((e) => e.kind),
          entries.map((e) => e.actor ?? null),
          entries.map((e) => textArrayLiteral(e.customerIds)),
          JSON.stringify(entries.map((e) => e.data)),
        ],
      );
    },
    async listJournal({ customerId, limit }) {
      const n = requireLimit(limit);
      const { rows } = await sql.query<Row>(
        `SELECT * FROM ${s}.crmkit_journal WHERE ($1::text IS NULL OR customer_ids @> ARRAY[$1::text]) ORDER BY seq LIMIT $2`,
        [customerId ?? null, n],
      );
      return rows.map(
        (row): JournalEntry => ({
          id: text(row.id),
          at: text(row.at),
          kind: text(row.kind) as JournalEntry['kind'],
          ...optional('actor', row.actor),
          customerIds: (row.customer_ids as string[]) ?? [],
          data: row.data as JournalEntry['data'],
        }),
      );
    },
    async appendOutbox(events) {
      if (events.length === 0) return;
      for (const [i, e] of events.entries()) requireFields(`events[${i}]`, e, ['id', 'type', 'at', 'payload']);
      // Appenders take turns until they commit, so `seq` order is commit order and a reader that sees an event sees
      // every event with a lower `seq` too (see listVisibleOutbox). One statement: the lock (a one-time filter: held
      // before the first row takes its seq), the rows (typed column arrays, payloads and meta as JSON arrays: each
      // value parsed once, in the order given), and the NOTIFY that wakes LISTENing consumers when (and only if) this
      // transaction commits. An event without meta gets SQL NULL.
      await sql.query(
        `WITH outbox_rows AS (
           INSERT INTO ${s}.crmkit_outbox (id, type, at, payload, meta)
             SELECT e.id, e.type, e.at, e.payload, CASE WHEN e.meta::text = 'null' THEN NULL ELSE e.meta END
             FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($3::text[]), json_array_elements($4::json),
                  json_array_elements($5::json))
               WITH ORDINALITY AS e(id, type, at, payload, meta, n)
             WHERE (SELECT pg_advisory_xact_lock($6)) IS NOT NULL
             ORDER BY e.n
         )
         SELECT pg_notify($7, '')`,
        [
          events.map((e) => e.id),
          events.map((e) => e.type),
          events.map((e) => e.at),
          JSON.stringify(events.map((e) => e.payload)),
          JSON.stringify(events.map((e) => e.meta ?? null)),
          outboxLockKey(schemaName),
          outboxChannel(schemaName),
        ],
      );
    },
    async listOutbox({ after, limit }) {
      return listVisibleOutbox(sql, s, after ?? 0, requireLimit(limit));
    },
    async redactJournal(customerIds) {
      requireStrings('customerIds', customerIds);
      if (customerIds.length === 0) return 0;
      const { rowCount } = await sql.query(
        `UPDATE ${s}.crmkit_journal SET data = '${REDACTED}'::json WHERE customer_ids && $1::text[]`,
        [[...customerIds]],
      );
      return rowCount;
    },
    async redactOutbox(ids) {
      requireStrings('ids', ids);
      const wanted = new Set(ids);
      if (wanted.size === 0) return 0;
      // Candidates hold an id as a quoted token in their JSON text; the parsed payload decides (values only).
      const { rows } = await sql.query<{ seq: string | number; payload: unknown }>(
        `SELECT seq, payload FROM ${s}.crmkit_outbox WHERE payload::text LIKE ANY($1::text[]) ORDER BY seq`,
        [[...wanted].map(quotedTokenPattern)],
      );
      const hits = rows.filter((row) => mentionsAnyId(row.payload, wanted)).map((row) => String(row.seq));
      if (hits.length === 0) return 0;
      await sql.query(`UPDATE ${s}.crmkit_outbox SET payload = '${REDACTED}'::json WHERE seq = ANY($1::bigint[])`, [
        hits,
      ]);
      return hits.length;
    },
  };
}

/** The NOTIFY channel outbox appends signal on, per schema. */
export function outboxChannel(schema: string): string {
  return `crmkit_outbox_${schema}`.slice(0, 63);
}

/** Stable 32-bit key of the advisory lock that serialises outbox appends of one schema. */
function outboxLockKey(schema: string): number {
  return fnv1a32(`crmkit:outbox:${schema}`) | 0;
}

/**
 * Outbox events after `after`, in `seq` order, that no later commit can overtake: a checkpoint on the last `seq`
 * read never skips an event. Appends hold a transaction-level advisory lock from the insert until they commit, so a
 * transaction allocates its `seq` values only after every earlier appender has ended; when a snapshot shows an event,
 * every event with a lower `seq` is either visible in it too or was rolled back. (A filter on `txid` alone is not
 * enough: a transaction that got its txid first but appends last commits events *above* those of a still-open
 * transaction with a younger txid.) `schema` is the quoted schema name ({@link PostgresStore.schema}).
 */
export async function listVisibleOutbox(
  sql: SqlExecutor,
  schema: string,
  after: number,
  limit: number,
): Promise<OutboxEvent[]> {
  const { rows } = await sql.query<Row>(
    `SELECT seq, id, type, at, payload, meta FROM ${schema}.crmkit_outbox WHERE seq > $1 ORDER BY seq LIMIT $2`,
    [after, limit],
  );
  return rows.map((row) => ({
    id: text(row.id),
    seq: Number(row.seq),
    type: text(row.type),
    at: text(row.at),
    payload: row.payload as OutboxEvent['payload'],
    ...(row.meta ? { meta: row.meta as NonNullable<OutboxEvent['meta']> } : {}),
  }));
}
