/**
 * Rows as PostgreSQL returns them, turned into the model's shapes, and the column lists the queries select.
 *
 * @module
 */
import type { CustomerRow, JsonValue, MergeLink, RecordType, StoredDocument, StoredRecord } from '@crmkit/model';

/** A row as the driver returns it. */
export type Row = Record<string, unknown>;

/** A column as text (`''` for null). */
export function text(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

/** `{ [key]: value }` as text when the column is set, else nothing. */
export function optional<K extends string>(key: K, value: unknown): Partial<Record<K, string>> {
  return value === null || value === undefined ? {} : ({ [key]: String(value) } as Record<K, string>);
}

/** A `crmkit_records` row as a stored record. */
export function toRecord(row: Row): StoredRecord {
  return {
    key: text(row.key),
    type: text(row.type) as RecordType,
    source: text(row.source),
    externalId: text(row.external_id),
    observedAt: text(row.observed_at),
    deleted: row.deleted === true,
    data: (row.data ?? null) as StoredRecord['data'],
    contentHash: text(row.content_hash),
    matchKeys: (row.match_keys as string[] | null) ?? [],
    refKeys: (row.ref_keys as string[] | null) ?? [],
    blockKeys: (row.block_keys as string[] | null) ?? [],
    customerId: (row.customer_id as string | null) ?? null,
    homeId: (row.home_id as string | null) ?? null,
    version: Number(row.version),
    ingestedAt: text(row.ingested_at),
  };
}

/** A `crmkit_customers` row as a customer. */
export function toCustomer(row: Row): CustomerRow {
  return {
    id: text(row.id),
    kind: text(row.kind) as CustomerRow['kind'],
    status: text(row.status) as CustomerRow['status'],
    ...optional('mergedInto', row.merged_into),
    displayName: text(row.display_name),
    createdAt: text(row.created_at),
    updatedAt: text(row.updated_at),
    version: Number(row.version),
    golden: sortedGolden(row.golden as CustomerRow['golden']),
    lookupKeys: (row.lookup_keys as string[] | null) ?? [],
  };
}

/** jsonb stores object keys in its own order; golden fields come back sorted by name, as the Hub writes them. */
function sortedGolden(golden: CustomerRow['golden']): CustomerRow['golden'] {
  const fields: CustomerRow['golden']['fields'] = {};
  for (const name of Object.keys(golden.fields).sort()) fields[name] = golden.fields[name]!;
  return { ...golden, fields };
}

/** A `crmkit_documents` row as a stored document. */
export function toDocument(row: Row): StoredDocument {
  return {
    kind: text(row.kind),
    id: text(row.id),
    ref: (row.ref as string | null) ?? null,
    data: row.data as JsonValue,
    updatedAt: text(row.updated_at),
  };
}

/** A `crmkit_merge_links` row as a merge link. */
export function toLink(row: Row): MergeLink {
  return {
    id: text(row.id),
    a: text(row.a),
    b: text(row.b),
    createdAt: text(row.created_at),
    ...optional('actor', row.actor),
    ...optional('reason', row.reason),
  };
}

/**
 * A PostgreSQL array literal of strings (`{"a","b"}`), for a `text[]` column sent inside a `text[]` parameter (one
 * literal per row, cast with `::text[]`): array input is far cheaper for the server than JSON.
 */
export function textArrayLiteral(values: readonly string[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    out += `"${values[i]!.replace(/[\\"]/g, '\\$&')}"`;
  }
  return `${out}}`;
}

/** Columns of `crmkit_records`, in the order {@link toRecord} reads them. */
export const RECORD_COLUMNS = `key, type, source, external_id, observed_at, deleted, data, content_hash, match_keys, ref_keys, block_keys, customer_id, home_id, version, ingested_at`;
/** Columns of `crmkit_customers`, in the order {@link toCustomer} reads them. */
export const CUSTOMER_COLUMNS = `id, kind, status, merged_into, display_name, created_at, updated_at, version, golden, lookup_keys`;
