/**
 * Customers and their lookup keys (`crmkit_customers`, `crmkit_customer_keys`), with optimistic concurrency: an
 * update written from a stale read of this transaction is refused with `CONFLICT`.
 *
 * @module
 */
import { ConflictError, type CustomerRow, type StoreTransaction } from '@crmkit/model';
import { requireFields, requireLimit, requireStrings } from './arguments';
import type { TableContext } from './context';
import { CUSTOMER_COLUMNS, type Row, text, toCustomer } from './rows';

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
      const payload = unique.map((r) => ({
        id: r.id,
        kind: r.kind,
        status: r.status,
        merged_into: r.mergedInto ?? null,
        display_name: r.displayName,
        created_at: r.createdAt,
        updated_at: r.updatedAt,
        version: r.version,
        golden: r.golden,
        lookup_keys: r.lookupKeys ?? [],
      }));
      // Optimistic concurrency: { id: version read in this transaction }; ids absent are blind writes.
      const expected = JSON.stringify(
        Object.fromEntries(
          unique.flatMap((r) => {
            const version = readVersions.get(r.id);
            return version === undefined ? [] : [[r.id, version]];
          }),
        ),
      );
      const { rows: written } = await sql.query<{ id: string }>(
        `INSERT INTO ${s}.crmkit_customers (${CUSTOMER_COLUMNS})
           SELECT x.id, x.kind, x.status, x.merged_into, x.display_name, x.created_at, x.updated_at, x.version, x.golden,
                  ${s}.crmkit_text_array(x.lookup_keys)
           FROM json_to_recordset($1::json) AS x(id text, kind text, status text, merged_into text, display_name text,
                created_at text, updated_at text, version integer, golden json, lookup_keys jsonb)
           ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, status = excluded.status, merged_into = excluded.merged_into,
             display_name = excluded.display_name, created_at = excluded.created_at, updated_at = excluded.updated_at,
             version = excluded.version, golden = excluded.golden, lookup_keys = excluded.lookup_keys
           WHERE ($2::jsonb ->> excluded.id) IS NULL
              OR ${s}.crmkit_customers.version = ($2::jsonb ->> excluded.id)::integer
           RETURNING id`,
        [JSON.stringify(payload), expected],
      );
      if (written.length !== unique.length) {
        const done = new Set(written.map((w) => w.id));
        const lost = unique.filter((r) => !done.has(r.id)).map((r) => r.id);
        throw new ConflictError({
          message: `[crmkit/store-postgres] Customer ${lost.map((id) => `"${id}"`).join(', ')} changed since it was read; retry the operation.`,
        });
      }
      for (const r of unique) readVersions.set(r.id, r.version);
      // Lookup keys of active customers only.
      const keyValues: string[] = [];
      const owners: string[] = [];
      for (const r of unique) {
        if (r.status !== 'active') continue;
        for (const key of new Set(r.lookupKeys ?? [])) {
          keyValues.push(key);
          owners.push(r.id);
        }
      }
      await sql.query(`DELETE FROM ${s}.crmkit_customer_keys WHERE customer_id = ANY($1::text[])`, [
        unique.map((r) => r.id),
      ]);
      if (owners.length > 0) {
        await sql.query(
          `INSERT INTO ${s}.crmkit_customer_keys (key, customer_id) SELECT * FROM unnest($1::text[], $2::text[])`,
          [keyValues, owners],
        );
      }
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
