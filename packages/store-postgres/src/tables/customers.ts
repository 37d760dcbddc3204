/**
 * Customers and their lookup keys (`crmkit_customers`, `crmkit_customer_keys`), with optimistic concurrency: an
 * update written from a stale read of this transaction is refused with `CONFLICT`.
 *
 * @module
 */
import { ConflictError, type CustomerRow, type StoreTransaction } from '@crmkit/model';
import { requireFields, requireLimit, requireStrings } from './arguments';
import type { TableContext } from './context';
import { CUSTOMER_COLUMNS, type Row, text, textArrayLiteral, toCustomer } from './rows';

/** The methods of a store transaction on these tables. */
export type CustomerTables = Pick<
  StoreTransaction,
  'getCustomers' | 'putCustomers' | 'listCustomers' | 'findCustomersByLookupKeys'
>;

/** Reads and writes customers; remembers the versions this transaction read. */
export function customerTables(ctx: TableContext): CustomerTables {
  const { sql, s } = ctx;
  /** Versions of customers read in this transaction, for optimistic concurrency. */
  const readVersions = new Map<string, number>();
  const remember = (rows: CustomerRow[]): CustomerRow[] => {
    for (const row of rows) if (!readVersions.has(row.id)) readVersions.set(row.id, row.version);
    return rows;
  };
  return {
    async getCustomers(ids) {
      requireStrings('ids', ids);
      if (ids.length === 0) return [];
      const { rows } = await sql.query<Row>(
        `SELECT ${CUSTOMER_COLUMNS} FROM ${s}.crmkit_customers WHERE id = ANY($1::text[])`,
        [[...ids]],
      );
      const byId = new Map(rows.map((row) => [text(row.id), toCustomer(row)]));
      return remember([...new Set(ids)].flatMap((id) => byId.get(id) ?? []));
    },
    async putCustomers(rows) {
      if (rows.length === 0) return;
      for (const [i, row] of rows.entries()) {
        requireFields(`customers[${i}]`, row, [
          'id',
          'kind',
          'status',
          'displayName',
          'createdAt',
          'updatedAt',
          'version',
          'golden',
        ]);
      }
      const unique = [...new Map(rows.map((r) => [r.id, r])).values()];
      // Optimistic concurrency: { id: version read in this transaction }; ids absent are blind writes.
      const expected = JSON.stringify(
        Object.fromEntries(
          unique.flatMap((r) => {
            const version = readVersions.get(r.id);
            return version === undefined ? [] : [[r.id, version]];
          }),
        ),
      );
      // Lookup keys of active customers only. Only the key rows that change are written (a customer's keys rarely
      // do), and only for the customers the upsert wrote: a refused one keeps its rows.
      const keyValues: string[] = [];
      const owners: string[] = [];
      for (const r of unique) {
        if (r.status !== 'active') continue;
        for (const key of new Set(r.lookupKeys ?? [])) {
          keyValues.push(key);
          owners.push(r.id);
        }
      }
      // The customers go as typed column arrays (lookup keys as one array literal per row), golden records as one
      // JSON array: the server parses each value once, cheaply.
      const { rows: written } = await sql.query<{ id: string }>(
        `WITH customer_rows AS (
           INSERT INTO ${s}.crmkit_customers (${CUSTOMER_COLUMNS})
             SELECT x.id, x.kind, x.status, x.merged_into, x.display_name, x.created_at, x.updated_at, x.version,
                    x.golden, x.lookup_keys::text[]
             FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($3::text[]), unnest($4::text[]),
                  unnest($5::text[]), unnest($6::text[]), unnest($7::text[]), unnest($8::integer[]),
                  json_array_elements($9::json), unnest($10::text[]))
               AS x(id, kind, status, merged_into, display_name, created_at, updated_at, version, golden, lookup_keys)
             ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, status = excluded.status,
               merged_into = excluded.merged_into, display_name = excluded.display_name,
               created_at = excluded.created_at, updated_at = excluded.updated_at, version = excluded.version,
               golden = excluded.golden, lookup_keys = excluded.lookup_keys
             WHERE ($11::jsonb ->> excluded.id) IS NULL
                OR ${s}.crmkit_customers.version = ($11::jsonb ->> excluded.id)::integer
             RETURNING id
         ),
         ck AS (
           SELECT k.key, k.customer_id FROM unnest($12::text[], $13::text[]) AS k(key, customer_id)
           WHERE k.customer_id IN (SELECT id FROM customer_rows)
         ),
         ck_old AS (
           SELECT key, customer_id FROM ${s}.crmkit_customer_keys
           WHERE customer_id = ANY($1::text[]) AND customer_id IN (SELECT id FROM customer_rows)
         ),
         ck_gone AS (
           DELETE FROM ${s}.crmkit_customer_keys o USING (SELECT * FROM ck_old EXCEPT SELECT * FROM ck) g
             WHERE o.key = g.key AND o.customer_id = g.customer_id
         ),
         ck_new AS (
           INSERT INTO ${s}.crmkit_customer_keys (key, customer_id) SELECT * FROM ck EXCEPT SELECT * FROM ck_old
         )
         SELECT id FROM customer_rows`,
        [
          unique.map((r) => r.id),
          unique.map((r) => r.kind),
          unique.map((r) => r.status),
          unique.map((r) => r.mergedInto ?? null),
          unique.map((r) => r.displayName),
          unique.map((r) => r.createdAt),
          unique.map((r) => r.updatedAt),
          unique.map((r) => r.version),
          JSON.stringify(unique.map((r) => r.golden)),
          unique.map((r) => textArrayLiteral(r.lookupKeys ?? [])),
          expected,
          keyValues,
          owners,
        ],
      );
      if (written.length !== unique.length) {
        const done = new Set(written.map((w) => w.id));
        const lost = unique.filter((r) => !done.has(r.id)).map((r) => r.id);
        throw new ConflictError({
          message: `[crmkit/store-postgres] Customer ${lost.map((id) => `"${id}"`).join(', ')} changed since it was read; retry the operation.`,
        });
      }
      for (const r of unique) readVersions.set(r.id, r.version);
    },
    async listCustomers({ after, limit, status }) {
      const n = requireLimit(limit);
      const { rows } = await sql.query<Row>(
        `SELECT ${CUSTOMER_COLUMNS} FROM ${s}.crmkit_customers
           WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR id > $2) ORDER BY id LIMIT $3`,
        [status ?? null, after ?? null, n],
      );
      return remember(rows.map(toCustomer));
    },
    async findCustomersByLookupKeys(keys, limit) {
      requireStrings('lookupKeys', keys);
      const n = requireLimit(limit);
      if (keys.length === 0) return [];
      const { rows } = await sql.query<Row>(
        `SELECT ${CUSTOMER_COLUMNS} FROM ${s}.crmkit_customers
           WHERE id = ANY(ARRAY(SELECT customer_id FROM ${s}.crmkit_customer_keys WHERE key = ANY($1::text[])))
             AND status = 'active'
           ORDER BY id LIMIT $2`,
        [[...keys], n],
      );
      return remember(rows.map(toCustomer));
    },
  };
}
