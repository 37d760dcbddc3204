/**
 * Loose data kept for others: documents (adapters' sync state, plugins' data), plugin extensions of entities and
 * customer groups (`crmkit_documents`, `crmkit_extensions`, `crmkit_groups`).
 *
 * @module
 */
import type { CustomerGroup, ExtensionRow, StoreTransaction } from '@crmkit/model';
import { requireFields, requireLimit, requireStrings } from './arguments';
import type { TableContext } from './context';
import { type Row, text, toDocument } from './rows';

/** The methods of a store transaction on these tables. */
export type DocumentTables = Pick<
  StoreTransaction,
  | 'getDocuments'
  | 'putDocument'
  | 'deleteDocument'
  | 'listDocuments'
  | 'getExtensions'
  | 'putExtension'
  | 'deleteExtension'
  | 'getGroups'
  | 'putGroup'
  | 'deleteGroup'
>;

/** Reads and writes documents, extensions and groups. */
export function documentTables(ctx: TableContext): DocumentTables {
  const { sql, s } = ctx;

  return {
    async getDocuments(kind, ids) {
      requireStrings('ids', ids);
      if (ids.length === 0) return [];
      const { rows } = await sql.query<Row>(
        `SELECT kind, id, ref, data, updated_at FROM ${s}.crmkit_documents
           WHERE kind = $1 AND id = ANY($2::text[]) ORDER BY id`,
        [kind, [...ids]],
      );
      return rows.map(toDocument);
    },
    async putDocument(document) {
      requireFields('document', document, ['kind', 'id', 'ref', 'data', 'updatedAt']);
      await sql.query(
        `INSERT INTO ${s}.crmkit_documents (kind, id, ref, data, updated_at) VALUES ($1, $2, $3, $4::json, $5)
           ON CONFLICT (kind, id) DO UPDATE SET ref = excluded.ref, data = excluded.data, updated_at = excluded.updated_at`,
        [document.kind, document.id, document.ref, JSON.stringify(document.data), document.updatedAt],
      );
    },
    async deleteDocument(kind, id) {
      await sql.query(`DELETE FROM ${s}.crmkit_documents WHERE kind = $1 AND id = $2`, [kind, id]);
    },
    async listDocuments(kind, { after, limit, ref }) {
      const n = requireLimit(limit);
      const { rows } = await sql.query<Row>(
        ref === undefined
          ? `SELECT kind, id, ref, data, updated_at FROM ${s}.crmkit_documents
               WHERE kind = $1 AND ($2::text IS NULL OR id > $2) ORDER BY id LIMIT $3`
          : `SELECT kind, id, ref, data, updated_at FROM ${s}.crmkit_documents
               WHERE kind = $1 AND ref = $4 AND ($2::text IS NULL OR id > $2) ORDER BY id LIMIT $3`,
        ref === undefined ? [kind, after ?? null, n] : [kind, after ?? null, n, ref],
      );
      return rows.map(toDocument);
    },
    async getExtensions(entityType, entityIds) {
      requireStrings('entityIds', entityIds);
      if (entityIds.length === 0) return [];
      const { rows } = await sql.query<Row>(
        `SELECT namespace, entity_type, entity_id, data, updated_at FROM ${s}.crmkit_extensions
           WHERE entity_type = $1 AND entity_id = ANY($2::text[]) ORDER BY entity_id, namespace`,
        [entityType, [...entityIds]],
      );
      return rows.map(
        (row): ExtensionRow => ({
          namespace: text(row.namespace),
          entityType: text(row.entity_type),
          entityId: text(row.entity_id),
          fields: row.data as ExtensionRow['fields'],
          updatedAt: text(row.updated_at),
        }),
      );
    },
    async putExtension(row) {
      requireFields('row', row, ['namespace', 'entityType', 'entityId', 'fields', 'updatedAt']);
      await sql.query(
        `INSERT INTO ${s}.crmkit_extensions (namespace, entity_type, entity_id, data, updated_at)
           VALUES ($1, $2, $3, $4::json, $5)
           ON CONFLICT (namespace, entity_type, entity_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`,
        [row.namespace, row.entityType, row.entityId, JSON.stringify(row.fields), row.updatedAt],
      );
    },
    async deleteExtension(namespace, entityType, entityId) {
      await sql.query(
        `DELETE FROM ${s}.crmkit_extensions WHERE namespace = $1 AND entity_type = $2 AND entity_id = $3`,
        [namespace, entityType, entityId],
      );
    },
    async getGroups(ids) {
      if (ids !== undefined) requireStrings('ids', ids);
      const { rows } = await sql.query<{ data: CustomerGroup }>(
        ids === undefined
          ? `SELECT data FROM ${s}.crmkit_groups ORDER BY id`
          : `SELECT data FROM ${s}.crmkit_groups WHERE id = ANY($1::text[]) ORDER BY id`,
        ids === undefined ? [] : [[...ids]],
      );
      return rows.map((row) => row.data);
    },
    async putGroup(group) {
      requireFields('group', group, ['id']);
      await sql.query(
        `INSERT INTO ${s}.crmkit_groups (id, data) VALUES ($1, $2::jsonb) ON CONFLICT (id) DO UPDATE SET data = excluded.data`,
        [group.id, JSON.stringify(group)],
      );
    },
    async deleteGroup(id) {
      await sql.query(`DELETE FROM ${s}.crmkit_groups WHERE id = $1`, [id]);
    },
  };
}
