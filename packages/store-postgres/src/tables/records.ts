/**
 * Source records and their match, reference and blocking keys (`crmkit_records`, `crmkit_record_keys`,
 * `crmkit_record_block_keys`).
 *
 * @module
 */
import { InvalidArgumentError, type RecordType, type StoreTransaction, type StoredRecord } from '@crmkit/model';
import { requireFields, requireLimit, requireStrings } from './arguments';
import type { TableContext } from './context';
import { RECORD_COLUMNS, type Row, textArrayLiteral, toRecord } from './rows';

/** The methods of a store transaction on these tables. */
export type RecordTables = Pick<
  StoreTransaction,
  | 'getRecords'
  | 'putRecords'
  | 'findRecordsByBlockKeys'
  | 'findRecordsByMatchKeys'
  | 'listRecords'
  | 'listRecordsBySource'
  | 'findRecordsByRefKeys'
  | 'listRecordsByCustomer'
>;

/** Reads and writes source records and their keys. */
export function recordTables(ctx: TableContext): RecordTables {
  const { sql, s } = ctx;
  /**
   * Live records carrying any of `keys` of one kind. The key lookup runs first, as an array (an InitPlan), and the
   * records are then fetched by primary key: with or without statistics, the planner cannot turn it into a walk
   * over the whole table or a hash join.
   */
  const recordsByKeys = async (kind: 'm' | 'r', keys: readonly string[], type?: RecordType): Promise<StoredRecord[]> =>
    (
      await sql.query<Row>(
        `SELECT ${RECORD_COLUMNS} FROM ${s}.crmkit_records
           WHERE key = ANY(ARRAY(SELECT record_key FROM ${s}.crmkit_record_keys WHERE kind = $1 AND key = ANY($2::text[])))
             AND NOT deleted AND ($3::text IS NULL OR type = $3)
           ORDER BY key`,
        [kind, [...keys], type ?? null],
      )
    ).rows.map(toRecord);
  const records = async (where: string, params: unknown[]): Promise<StoredRecord[]> =>
    (
      await sql.query<Row>(`SELECT ${RECORD_COLUMNS} FROM ${s}.crmkit_records WHERE ${where} ORDER BY key`, params)
    ).rows.map(toRecord);
  return {
    async getRecords(keys) {
      requireStrings('keys', keys);
      if (keys.length === 0) return [];
      const found = await records('key = ANY($1::text[])', [[...keys]]);
      const byKey = new Map(found.map((r) => [r.key, r]));
      return [...new Set(keys)].flatMap((key) => byKey.get(key) ?? []);
    },
    async putRecords(list) {
      if (list.length === 0) return;
      for (const [i, record] of list.entries()) {
        requireFields(`records[${i}]`, record, [
          'key',
          'type',
          'source',
          'externalId',
          'observedAt',
          'contentHash',
          'version',
          'ingestedAt',
        ]);
      }
      // Last write of a key in the batch wins, as with sequential puts.
      const unique = [...new Map(list.map((r) => [r.key, r])).values()];
      // The key tables follow the records (tombstones have none). Only the rows that change are written: a key row
      // the record keeps stays as it is, one it lost is deleted, one it gained is inserted.
      const kinds: string[] = [];
      const keyValues: string[] = [];
      const owners: string[] = [];
      const blockValues: string[] = [];
      const blockOwners: string[] = [];
      for (const r of unique) {
        if (r.deleted) continue;
        for (const [kind, keys] of [
          ['m', r.matchKeys],
          ['r', r.refKeys],
        ] as const) {
          for (const key of new Set(keys)) {
            kinds.push(kind);
            keyValues.push(key);
            owners.push(r.key);
          }
        }
        for (const key of new Set(r.blockKeys ?? [])) {
          blockValues.push(key);
          blockOwners.push(r.key);
        }
      }
      // One statement: the records, then the key rows each record lost and gained (the stored rows of the batch's
      // records are read once and compared as sets, so new rows are plain inserts: ON CONFLICT DO NOTHING costs
      // about 1.7 times as much per row). All parts see the same snapshot; the deleted and the inserted rows are
      // disjoint. The records go as typed column arrays (the key lists as one array literal per row) and their data
      // as one JSON array: the server parses each value once, cheaply.
      const col = <T>(value: (r: StoredRecord) => T): T[] => unique.map(value);
      await sql.query(
        `WITH record_rows AS (
           INSERT INTO ${s}.crmkit_records (${RECORD_COLUMNS})
             SELECT x.key, x.type, x.source, x.external_id, x.observed_at, x.deleted,
                    CASE WHEN x.data::text = 'null' THEN NULL ELSE x.data END, x.content_hash,
                    x.match_keys::text[], x.ref_keys::text[], x.block_keys::text[], x.customer_id, x.home_id, x.version,
                    x.ingested_at
             FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($3::text[]), unnest($4::text[]),
                  unnest($5::text[]), unnest($6::boolean[]), json_array_elements($7::json), unnest($8::text[]),
                  unnest($9::text[]), unnest($10::text[]), unnest($11::text[]), unnest($12::text[]),
                  unnest($13::text[]), unnest($14::integer[]), unnest($15::text[]))
               AS x(key, type, source, external_id, observed_at, deleted, data, content_hash, match_keys, ref_keys,
                    block_keys, customer_id, home_id, version, ingested_at)
             ON CONFLICT (key) DO UPDATE SET type = excluded.type, source = excluded.source,
               external_id = excluded.external_id, observed_at = excluded.observed_at, deleted = excluded.deleted,
               data = excluded.data, content_hash = excluded.content_hash, match_keys = excluded.match_keys,
               ref_keys = excluded.ref_keys, block_keys = excluded.block_keys, customer_id = excluded.customer_id,
               home_id = excluded.home_id, version = excluded.version, ingested_at = excluded.ingested_at
         ),
         mk AS (SELECT * FROM unnest($16::text[], $17::text[], $18::text[]) AS k(kind, key, record_key)),
         mk_old AS (SELECT kind, key, record_key FROM ${s}.crmkit_record_keys WHERE record_key = ANY($1::text[])),
         mk_gone AS (
           DELETE FROM ${s}.crmkit_record_keys o USING (SELECT * FROM mk_old EXCEPT SELECT * FROM mk) g
             WHERE o.kind = g.kind AND o.key = g.key AND o.record_key = g.record_key
         ),
         mk_new AS (
           INSERT INTO ${s}.crmkit_record_keys (kind, key, record_key) SELECT * FROM mk EXCEPT SELECT * FROM mk_old
         ),
         bk AS (SELECT * FROM unnest($19::text[], $20::text[]) AS k(block_key, record_key)),
         bk_old AS (SELECT block_key, record_key FROM ${s}.crmkit_record_block_keys WHERE record_key = ANY($1::text[])),
         bk_gone AS (
           DELETE FROM ${s}.crmkit_record_block_keys o USING (SELECT * FROM bk_old EXCEPT SELECT * FROM bk) g
             WHERE o.block_key = g.block_key AND o.record_key = g.record_key
         ),
         bk_new AS (
           INSERT INTO ${s}.crmkit_record_block_keys (block_key, record_key) SELECT * FROM bk EXCEPT SELECT * FROM bk_old
         )
         SELECT`,
        [
          col((r) => r.key),
          col((r) => r.type),
          col((r) => r.source),
          col((r) => r.externalId),
          col((r) => r.observedAt),
          col((r) => r.deleted),
          JSON.stringify(col((r) => r.data ?? null)),
          col((r) => r.contentHash),
          col((r) => textArrayLiteral(r.matchKeys ?? [])),
          col((r) => textArrayLiteral(r.refKeys ?? [])),
          col((r) => textArrayLiteral(r.blockKeys ?? [])),
          col((r) => r.customerId ?? null),
          col((r) => r.homeId ?? null),
          col((r) => r.version),
          col((r) => r.ingestedAt),
          kinds,
          keyValues,
          owners,
          blockValues,
          blockOwners,
        ],
      );
    },
    async findRecordsByBlockKeys(keys, options) {
      requireStrings('blockKeys', keys);
      requireFields('options', options, ['type', 'limit']);
      const n = requireLimit(options.limit);
      if (keys.length === 0 || n === 0) return [];
      // As for match keys: the key lookup runs first as an array (an InitPlan), then records by primary key.
      const { rows } = await sql.query<Row>(
        `SELECT ${RECORD_COLUMNS} FROM ${s}.crmkit_records
           WHERE key = ANY(ARRAY(SELECT record_key FROM ${s}.crmkit_record_block_keys WHERE block_key = ANY($1::text[])))
             AND NOT deleted AND type = $2
           ORDER BY key LIMIT $3`,
        [[...keys], options.type, n],
      );
      return rows.map(toRecord);
    },
    async findRecordsByMatchKeys(keys) {
      requireStrings('matchKeys', keys);
      return keys.length === 0 ? [] : recordsByKeys('m', keys);
    },
    async listRecords({ type, observedBefore, limit }) {
      const n = requireLimit(limit);
      if (typeof observedBefore !== 'string' || Number.isNaN(Date.parse(observedBefore))) {
        throw new InvalidArgumentError({
          argument: 'observedBefore',
          message: '[crmkit/store-postgres] "observedBefore" must be an ISO timestamp.',
        });
      }
      // Compared as points in time (observedAt carries an offset), not as text. PostgreSQL has no year 0: a row
      // stored with one before the time bounds existed counts as older than any cutoff instead of failing the
      // query (SQLSTATE 22008); the Hub's purge reports it for repair.
      const { rows } = await sql.query<Row>(
        `SELECT ${RECORD_COLUMNS} FROM ${s}.crmkit_records
           WHERE type = $1 AND NOT deleted
             AND CASE WHEN left(observed_at, 4) = '0000' THEN true ELSE observed_at::timestamptz < $2::timestamptz END
           ORDER BY CASE WHEN left(observed_at, 4) = '0000' THEN '-infinity'::timestamptz
                         ELSE observed_at::timestamptz END, key
           LIMIT $3`,
        [type, observedBefore, n],
      );
      return rows.map(toRecord);
    },
    async listRecordsBySource({ source, type, after, limit }) {
      const n = requireLimit(limit);
      requireStrings('source', [source]);
      // Keyset pagination on the (source, type, external_id) unique index, in the database's collation.
      const { rows } = await sql.query<Row>(
        `SELECT ${RECORD_COLUMNS} FROM ${s}.crmkit_records
           WHERE source = $1 AND type = $2 AND NOT deleted AND ($3::text IS NULL OR external_id > $3::text)
           ORDER BY external_id LIMIT $4`,
        [source, type, after ?? null, n],
      );
      return rows.map(toRecord);
    },
    async findRecordsByRefKeys(keys, type) {
      requireStrings('refKeys', keys);
      return keys.length === 0 ? [] : recordsByKeys('r', keys, type);
    },
    async listRecordsByCustomer(ids) {
      requireStrings('customerIds', ids);
      return ids.length === 0 ? [] : records('NOT deleted AND customer_id = ANY($1::text[])', [[...ids]]);
    },
  };
}
