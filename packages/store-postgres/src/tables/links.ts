/**
 * How customers are put together: merge links, identity links between records, review items and field overrides
 * (`crmkit_merge_links`, `crmkit_identity_links`, `crmkit_review_items`, `crmkit_overrides`).
 *
 * @module
 */
import type { FieldOverride, IdentityLink, ReviewItem, StoreTransaction } from '@crmkit/model';
import { requireFields, requireLimit, requireStrings } from './arguments';
import type { TableContext } from './context';
import { optional, type Row, text, toLink } from './rows';

/** The methods of a store transaction on these tables. */
export type LinkTables = Pick<
  StoreTransaction,
  | 'getMergeLink'
  | 'listMergeLinks'
  | 'putMergeLink'
  | 'deleteMergeLink'
  | 'getIdentityLink'
  | 'listIdentityLinks'
  | 'putIdentityLink'
  | 'putIdentityLinks'
  | 'deleteIdentityLink'
  | 'deleteIdentityLinks'
  | 'getReviewItem'
  | 'findReviewItems'
  | 'listReviewItems'
  | 'putReviewItem'
  | 'getOverrides'
  | 'putOverride'
  | 'deleteOverride'
>;

/** The members every identity link must have. */
const LINK_FIELDS = ['id', 'a', 'b', 'kind', 'probability', 'explanation', 'createdAt'] as const;

/** Reads and writes merge links, identity links, review items and overrides. */
export function linkTables(ctx: TableContext): LinkTables {
  const { sql, s } = ctx;
  /** Inserts or replaces identity links by id, in one statement. */
  const putIdentityLinks = async (links: readonly IdentityLink[]): Promise<void> => {
    if (links.length === 0) return;
    for (const [i, link] of links.entries()) {
      requireFields(`links[${i}]`, link, LINK_FIELDS);
    }
    // Last write of an id wins, as with sequential puts (one INSERT cannot update a row twice).
    const unique = [...new Map(links.map((link) => [link.id, link])).values()];
    // Typed column arrays, and the links themselves as one JSON array (a json[] literal would escape every quote),
    // zipped row by row.
    await sql.query(
      `INSERT INTO ${s}.crmkit_identity_links (id, a, b, kind, data)
         SELECT * FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($3::text[]), unnest($4::text[]),
                                  json_array_elements($5::json))
         ON CONFLICT (id) DO UPDATE SET a = excluded.a, b = excluded.b, kind = excluded.kind, data = excluded.data`,
      [
        unique.map((link) => link.id),
        unique.map((link) => link.a),
        unique.map((link) => link.b),
        unique.map((link) => link.kind),
        JSON.stringify(unique),
      ],
    );
  };
  /** Deletes identity links by id, in one statement. */
  const deleteIdentityLinks = async (ids: readonly string[]): Promise<void> => {
    requireStrings('ids', ids);
    if (ids.length === 0) return;
    await sql.query(`DELETE FROM ${s}.crmkit_identity_links WHERE id = ANY($1::text[])`, [[...new Set(ids)]]);
  };

  return {
    async getMergeLink(id) {
      const { rows } = await sql.query<Row>(`SELECT * FROM ${s}.crmkit_merge_links WHERE id = $1`, [id]);
      return rows[0] ? toLink(rows[0]) : undefined;
    },
    async listMergeLinks(homeIds) {
      requireStrings('homeIds', homeIds);
      if (homeIds.length === 0) return [];
      const { rows } = await sql.query<Row>(
        `SELECT * FROM ${s}.crmkit_merge_links WHERE a = ANY($1::text[]) OR b = ANY($1::text[]) ORDER BY id`,
        [[...homeIds]],
      );
      return rows.map(toLink);
    },
    async putMergeLink(link) {
      requireFields('link', link, ['id', 'a', 'b', 'createdAt']);
      await sql.query(
        `INSERT INTO ${s}.crmkit_merge_links (id, a, b, created_at, actor, reason) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (id) DO UPDATE SET a = excluded.a, b = excluded.b, created_at = excluded.created_at,
             actor = excluded.actor, reason = excluded.reason`,
        [link.id, link.a, link.b, link.createdAt, link.actor ?? null, link.reason ?? null],
      );
    },
    async deleteMergeLink(id) {
      await sql.query(`DELETE FROM ${s}.crmkit_merge_links WHERE id = $1`, [id]);
    },
    async getIdentityLink(id) {
      const { rows } = await sql.query<{ data: IdentityLink }>(
        `SELECT data FROM ${s}.crmkit_identity_links WHERE id = $1`,
        [id],
      );
      return rows[0]?.data;
    },
    async listIdentityLinks(recordKeys) {
      requireStrings('recordKeys', recordKeys);
      if (recordKeys.length === 0) return [];
      const { rows } = await sql.query<{ data: IdentityLink }>(
        `SELECT data FROM ${s}.crmkit_identity_links
           WHERE id = ANY(ARRAY(SELECT id FROM ${s}.crmkit_identity_links WHERE a = ANY($1::text[])
                                UNION SELECT id FROM ${s}.crmkit_identity_links WHERE b = ANY($1::text[])))
           ORDER BY id`,
        [[...recordKeys]],
      );
      return rows.map((row) => row.data);
    },
    async putIdentityLink(link) {
      requireFields('link', link, LINK_FIELDS);
      await putIdentityLinks([link]);
    },
    putIdentityLinks,
    deleteIdentityLink: (id) => deleteIdentityLinks([id]),
    deleteIdentityLinks,
    async getReviewItem(id) {
      const { rows } = await sql.query<{ data: ReviewItem }>(
        `SELECT data FROM ${s}.crmkit_review_items WHERE id = $1`,
        [id],
      );
      return rows[0]?.data;
    },
    async findReviewItems(pairKeys) {
      requireStrings('pairKeys', pairKeys);
      if (pairKeys.length === 0) return [];
      const { rows } = await sql.query<{ data: ReviewItem }>(
        `SELECT data FROM ${s}.crmkit_review_items
           WHERE id = ANY(ARRAY(SELECT id FROM ${s}.crmkit_review_items WHERE pair_key = ANY($1::text[])))
           ORDER BY id`,
        [[...pairKeys]],
      );
      return rows.map((row) => row.data);
    },
    async listReviewItems({ after, limit, status }) {
      const n = requireLimit(limit);
      const { rows } = await sql.query<{ data: ReviewItem }>(
        `SELECT data FROM ${s}.crmkit_review_items
           WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR id > $2) ORDER BY id LIMIT $3`,
        [status ?? null, after ?? null, n],
      );
      return rows.map((row) => row.data);
    },
    async putReviewItem(item) {
      requireFields('item', item, ['id', 'status', 'a', 'b', 'pairKey', 'customerIds', 'probability', 'createdAt']);
      await sql.query(
        `INSERT INTO ${s}.crmkit_review_items (id, status, pair_key, data) VALUES ($1, $2, $3, $4::json)
           ON CONFLICT (id) DO UPDATE SET status = excluded.status, pair_key = excluded.pair_key, data = excluded.data`,
        [item.id, item.status, item.pairKey, JSON.stringify(item)],
      );
    },
    async getOverrides(ids) {
      requireStrings('customerIds', ids);
      if (ids.length === 0) return [];
      const { rows } = await sql.query<Row>(
        `SELECT * FROM ${s}.crmkit_overrides WHERE customer_id = ANY($1::text[]) ORDER BY customer_id, field`,
        [[...ids]],
      );
      return rows.map(
        (row): FieldOverride => ({
          customerId: text(row.customer_id),
          field: text(row.field),
          value: row.value as FieldOverride['value'],
          at: text(row.at),
          ...optional('actor', row.actor),
          ...optional('reason', row.reason),
        }),
      );
    },
    async putOverride(o) {
      requireFields('override', o, ['customerId', 'field', 'value', 'at']);
      await sql.query(
        `INSERT INTO ${s}.crmkit_overrides (customer_id, field, value, at, actor, reason) VALUES ($1, $2, $3::jsonb, $4, $5, $6)
           ON CONFLICT (customer_id, field) DO UPDATE SET value = excluded.value, at = excluded.at,
             actor = excluded.actor, reason = excluded.reason`,
        [o.customerId, o.field, JSON.stringify(o.value), o.at, o.actor ?? null, o.reason ?? null],
      );
    },
    async deleteOverride(customerId, field) {
      await sql.query(`DELETE FROM ${s}.crmkit_overrides WHERE customer_id = $1 AND field = $2`, [customerId, field]);
    },
  };
}
