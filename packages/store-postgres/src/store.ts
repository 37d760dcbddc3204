import {
  AbortedError,
  type AuditEntry,
  ConflictError,
  CrmkitError,
  type CustomerGroup,
  type CustomerRow,
  ErrorCode,
  type ExtensionRow,
  type FieldOverride,
  type IdentityLink,
  InvalidArgumentError,
  type JournalEntry,
  type JsonValue,
  type MergeLink,
  type OutboxEvent,
  type RecordType,
  type ReviewItem,
  type Store,
  type StoredDocument,
  type StoredRecord,
  StoreError,
  type StoreTransaction,
  type TransactionOptions,
  type WorkflowRun,
  mentionsAnyId,
  redactedAuditEntry,
  UNREDACTABLE_AUDIT_ACTION,
} from '@crmkit/model';
import { quoteIdent, type SqlClient, type SqlExecutor } from './client';
import { migrate } from './migrations';

/** Options of {@link createPostgresStore}. */
export interface PostgresStoreOptions {
  /** The database: `pgClient(pool)` or `pgliteClient(db)`. */
  client: SqlClient;
  /** Schema that holds crmkit's tables; created when missing. @default 'crmkit' */
  schema?: string;
  /** Apply pending migrations on first use. @default true */
  migrate?: boolean;
  /** How often a transaction that lost a serialisation conflict is run again before `CONFLICT` is thrown. @default 20 */
  maxRetries?: number;
  /** Name for messages. @default the client's dialect */
  name?: string;
}

/** A {@link Store} on PostgreSQL or PGlite, with the client and schema it runs on. */
export interface PostgresStore extends Store {
  readonly client: SqlClient;
  /** The quoted schema name, for SQL of your own. */
  readonly schema: string;
  /** The schema name as given (unquoted), e.g. for {@link outboxChannel}. */
  readonly schemaName: string;
  /** Resolves once migrations are applied (they run on first use otherwise). */
  ready(): Promise<void>;
}

const RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * Whether a transaction that failed with `error` should run again: a serialisation failure or deadlock, or a unique
 * violation (`23505`) of the audit log's primary key in `schema`. `appendAudit` takes the `seq` after the head it
 * read, so such a violation means a concurrent writer extended the chain first: run again, the transaction reads the
 * new head and appends after it. (Under SERIALIZABLE PostgreSQL usually reports that race as `40001` already.) Unique
 * violations of any other key are mistakes of the caller and fail at once. Internal; exported for tests.
 */
export function isRetryable(error: unknown, schema: string): boolean {
  const state = sqlState(error);
  if (state === undefined) return false;
  if (RETRYABLE.has(state)) return true;
  if (state !== '23505') return false;
  const details = error as { schema?: unknown; table?: unknown; constraint?: unknown };
  return (
    details.table === 'crmkit_audit_log' &&
    details.constraint === 'crmkit_audit_log_pkey' &&
    (details.schema === undefined || details.schema === schema)
  );
}

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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

type Row = Record<string, unknown>;

function text(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

function optional<K extends string>(key: K, value: unknown): Partial<Record<K, string>> {
  return value === null || value === undefined ? {} : ({ [key]: String(value) } as Record<K, string>);
}

function toRecord(row: Row): StoredRecord {
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

function toCustomer(row: Row): CustomerRow {
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

function requireStrings(argument: string, values: readonly unknown[]): void {
  if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) {
    throw new InvalidArgumentError({
      argument,
      message: `[crmkit/store-postgres] "${argument}" must be an array of strings.`,
    });
  }
}

function requireLimit(limit: unknown): number {
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) {
    throw new InvalidArgumentError({
      argument: 'limit',
      message: '[crmkit/store-postgres] "limit" must be a non-negative integer.',
    });
  }
  return limit;
}

function requireSeq(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new InvalidArgumentError({
      argument,
      message: `[crmkit/store-postgres] "${argument}" must be an integer.`,
    });
  }
  return value;
}

/** An `after` position as a bigint parameter: the entries after it are those after its floor. */
function requireAfter(after: unknown): number | null {
  if (after === undefined) return null;
  if (typeof after !== 'number' || !Number.isFinite(after)) {
    throw new InvalidArgumentError({
      argument: 'after',
      message: '[crmkit/store-postgres] "after" must be a finite number.',
    });
  }
  return Math.floor(after);
}

function toDocument(row: Row): StoredDocument {
  return {
    kind: text(row.kind),
    id: text(row.id),
    ref: (row.ref as string | null) ?? null,
    data: row.data as JsonValue,
    updatedAt: text(row.updated_at),
  };
}

function requireFields(argument: string, value: unknown, fields: readonly string[]): void {
  const object = value as Record<string, unknown> | null;
  const missing = fields.find((field) => object === null || typeof object !== 'object' || object[field] === undefined);
  if (missing) {
    throw new InvalidArgumentError({
      argument: `${argument}.${missing}`,
      message: `[crmkit/store-postgres] "${argument}.${missing}" is required.`,
    });
  }
}

const RECORD_COLUMNS = `key, type, source, external_id, observed_at, deleted, data, content_hash, match_keys, ref_keys, block_keys, customer_id, home_id, version, ingested_at`;
const CUSTOMER_COLUMNS = `id, kind, status, merged_into, display_name, created_at, updated_at, version, golden, lookup_keys`;

/**
 * Creates a Store on PostgreSQL or PGlite. Write transactions run SERIALIZABLE and are retried on serialisation
 * conflicts (the Hub's operations are safe to re-run); a transaction that still conflicts after `maxRetries` throws a
 * `ConflictError` with code `CONFLICT`. Customers carry a version: an update written from a stale read is refused.
 *
 * @example
 * ```ts
 * import { createHub } from '@crmkit/core';
 * import { createPostgresStore, embeddedClient } from '@crmkit/store-postgres';
 *
 * // an embedded folder: locked to this process, durable (see embeddedClient); or pgClient(pool) for a server
 * const store = createPostgresStore({ client: embeddedClient({ dataDir: './.crmkit' }) });
 * const hub = createHub({ store });
 * ```
 */
export function createPostgresStore(options: PostgresStoreOptions): PostgresStore {
  const { client } = options;
  const schemaName = options.schema ?? 'crmkit';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schemaName)) {
    throw new InvalidArgumentError({
      argument: 'schema',
      message: `[crmkit/store-postgres] Invalid schema name ${JSON.stringify(schemaName)}.`,
    });
  }
  const s = quoteIdent(schemaName);
  const maxRetries = options.maxRetries ?? 20;
  let readyPromise: Promise<void> | undefined;
  let closed = false;

  function ready(): Promise<void> {
    readyPromise ??= (
      options.migrate === false ? Promise.resolve() : migrate(client, schemaName).then(() => undefined)
    ).catch((error: unknown) => {
      readyPromise = undefined;
      throw error;
    });
    return readyPromise;
  }

  function makeTransaction(sql: SqlExecutor): StoreTransaction {
    /** Versions of customers read in this transaction, for optimistic concurrency. */
    const readVersions = new Map<string, number>();
    const remember = (rows: CustomerRow[]): CustomerRow[] => {
      for (const row of rows) if (!readVersions.has(row.id)) readVersions.set(row.id, row.version);
      return rows;
    };
    /**
     * Live records carrying any of `keys` of one kind. The key lookup runs first, as an array (an InitPlan), and the
     * records are then fetched by primary key: with or without statistics, the planner cannot turn it into a walk
     * over the whole table or a hash join.
     */
    const recordsByKeys = async (
      kind: 'm' | 'r',
      keys: readonly string[],
      type?: RecordType,
    ): Promise<StoredRecord[]> =>
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
        await sql.query(
          `INSERT INTO ${s}.crmkit_records (${RECORD_COLUMNS})
           SELECT x.key, x.type, x.source, x.external_id, x.observed_at, x.deleted, x.data, x.content_hash,
                  ${s}.crmkit_text_array(x.match_keys), ${s}.crmkit_text_array(x.ref_keys),
                  ${s}.crmkit_text_array(x.block_keys), x.customer_id, x.home_id, x.version, x.ingested_at
           FROM json_to_recordset($1::json) AS x(key text, type text, source text, external_id text, observed_at text,
                deleted boolean, data json, content_hash text, match_keys jsonb, ref_keys jsonb, block_keys jsonb,
                customer_id text, home_id text, version integer, ingested_at text)
           ON CONFLICT (key) DO UPDATE SET type = excluded.type, source = excluded.source,
             external_id = excluded.external_id, observed_at = excluded.observed_at, deleted = excluded.deleted,
             data = excluded.data, content_hash = excluded.content_hash, match_keys = excluded.match_keys,
             ref_keys = excluded.ref_keys, block_keys = excluded.block_keys, customer_id = excluded.customer_id, home_id = excluded.home_id,
             version = excluded.version, ingested_at = excluded.ingested_at`,
          [
            JSON.stringify(
              unique.map((r) => ({
                key: r.key,
                type: r.type,
                source: r.source,
                external_id: r.externalId,
                observed_at: r.observedAt,
                deleted: r.deleted,
                data: r.data,
                content_hash: r.contentHash,
                match_keys: r.matchKeys,
                ref_keys: r.refKeys,
                block_keys: r.blockKeys ?? [],
                customer_id: r.customerId,
                home_id: r.homeId,
                version: r.version,
                ingested_at: r.ingestedAt,
              })),
            ),
          ],
        );
        // Keep the key tables in step: tombstones have none.
        const kinds: string[] = [];
        const keyValues: string[] = [];
        const owners: string[] = [];
        for (const r of unique) {
          if (r.deleted) continue;
          for (const [kind, list] of [
            ['m', r.matchKeys],
            ['r', r.refKeys],
          ] as const) {
            for (const key of new Set(list)) {
              kinds.push(kind);
              keyValues.push(key);
              owners.push(r.key);
            }
          }
        }
        await sql.query(`DELETE FROM ${s}.crmkit_record_keys WHERE record_key = ANY($1::text[])`, [
          unique.map((r) => r.key),
        ]);
        if (owners.length > 0) {
          await sql.query(
            `INSERT INTO ${s}.crmkit_record_keys (kind, key, record_key) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`,
            [kinds, keyValues, owners],
          );
        }
        // Blocking keys: only records that have or had some are touched, so stores without a matcher pay one
        // cheap statement per batch.
        const blockValues: string[] = [];
        const blockOwners: string[] = [];
        for (const r of unique) {
          if (r.deleted) continue;
          for (const key of new Set(r.blockKeys ?? [])) {
            blockValues.push(key);
            blockOwners.push(r.key);
          }
        }
        await sql.query(`DELETE FROM ${s}.crmkit_record_block_keys WHERE record_key = ANY($1::text[])`, [
          unique.map((r) => r.key),
        ]);
        if (blockOwners.length > 0) {
          await sql.query(
            `INSERT INTO ${s}.crmkit_record_block_keys (block_key, record_key) SELECT * FROM unnest($1::text[], $2::text[])`,
            [blockValues, blockOwners],
          );
        }
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
        requireFields('link', link, ['id', 'a', 'b', 'kind', 'probability', 'explanation', 'createdAt']);
        await sql.query(
          `INSERT INTO ${s}.crmkit_identity_links (id, a, b, kind, data) VALUES ($1, $2, $3, $4, $5::json)
           ON CONFLICT (id) DO UPDATE SET a = excluded.a, b = excluded.b, kind = excluded.kind, data = excluded.data`,
          [link.id, link.a, link.b, link.kind, JSON.stringify(link)],
        );
      },
      async deleteIdentityLink(id) {
        await sql.query(`DELETE FROM ${s}.crmkit_identity_links WHERE id = $1`, [id]);
      },
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
      async appendJournal(entries) {
        if (entries.length === 0) return;
        for (const [i, e] of entries.entries())
          requireFields(`entries[${i}]`, e, ['id', 'at', 'kind', 'customerIds', 'data']);
        await sql.query(
          `INSERT INTO ${s}.crmkit_journal (id, at, kind, actor, customer_ids, data)
           SELECT e.v->>'id', e.v->>'at', e.v->>'kind', e.v->>'actor', ${s}.crmkit_text_array((e.v->'customer_ids')::jsonb), e.v->'data'
           FROM json_array_elements($1::json) WITH ORDINALITY AS e(v, n)
           ORDER BY e.n`,
          [
            JSON.stringify(
              entries.map((e) => ({
                id: e.id,
                at: e.at,
                kind: e.kind,
                actor: e.actor ?? null,
                customer_ids: e.customerIds,
                data: e.data,
              })),
            ),
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
        // every event with a lower `seq` too (see listVisibleOutbox).
        await sql.query('SELECT pg_advisory_xact_lock($1)', [outboxLockKey(schemaName)]);
        await sql.query(
          `INSERT INTO ${s}.crmkit_outbox (id, type, at, payload, meta)
           SELECT e.v->>'id', e.v->>'type', e.v->>'at', e.v->'payload', e.v->'meta'
           FROM json_array_elements($1::json) WITH ORDINALITY AS e(v, n)
           ORDER BY e.n`,
          [
            JSON.stringify(
              events.map((e) => ({ id: e.id, type: e.type, at: e.at, payload: e.payload, meta: e.meta ?? null })),
            ),
          ],
        );
        // Wakes LISTENing consumers when (and only if) this transaction commits.
        await sql.query('SELECT pg_notify($1, $2)', [outboxChannel(schemaName), '']);
      },
      async listOutbox({ after, limit }) {
        return listVisibleOutbox(sql, s, after ?? 0, requireLimit(limit));
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
      async getWorkflowRun(id) {
        const { rows } = await sql.query<{ data: WorkflowRun }>(
          `SELECT data FROM ${s}.crmkit_workflow_runs WHERE id = $1`,
          [id],
        );
        return rows[0]?.data;
      },
      async putWorkflowRun(run) {
        requireFields('run', run, [
          'id',
          'workflow',
          'status',
          'input',
          'trigger',
          'step',
          'attempt',
          'results',
          'completed',
          'history',
          'createdAt',
          'updatedAt',
          'version',
        ]);
        await sql.query(
          `INSERT INTO ${s}.crmkit_workflow_runs (id, workflow, status, version, updated_at, data)
           VALUES ($1, $2, $3, $4, $5, $6::json)
           ON CONFLICT (id) DO UPDATE SET workflow = excluded.workflow, status = excluded.status,
             version = excluded.version, updated_at = excluded.updated_at, data = excluded.data`,
          [run.id, run.workflow, run.status, run.version, run.updatedAt, JSON.stringify(run)],
        );
      },
      async listWorkflowRuns({ after, limit, status, workflow }) {
        const n = requireLimit(limit);
        if (status !== undefined) requireStrings('status', status);
        const { rows } = await sql.query<{ data: WorkflowRun }>(
          `SELECT data FROM ${s}.crmkit_workflow_runs
           WHERE ($1::text[] IS NULL OR status = ANY($1::text[])) AND ($2::text IS NULL OR workflow = $2)
             AND ($3::text IS NULL OR id > $3)
           ORDER BY id LIMIT $4`,
          [status === undefined ? null : [...status], workflow ?? null, after ?? null, n],
        );
        return rows.map((row) => row.data);
      },
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
        // The primary key decides. A seq whose entry this transaction can see is skipped here and refused below; one
        // that a concurrent writer committed after this transaction's snapshot fails with a serialisation error (or a
        // unique violation of the key), and the whole transaction runs again from a fresh read of the head.
        const { rows } = await sql.query<{ seq: string | number }>(
          `INSERT INTO ${s}.crmkit_audit_log (seq, at, actor, action, target, entry)
           SELECT (e.v->>'seq')::bigint, e.v->>'at', e.v->>'actor', e.v->>'action', e.v->>'target', e.v
           FROM json_array_elements($1::json) AS e(v)
           ON CONFLICT (seq) DO NOTHING
           RETURNING seq`,
          [JSON.stringify(entries)],
        );
        if (rows.length !== entries.length) {
          const written = new Set(rows.map((row) => Number(row.seq)));
          throw auditSeqTaken([...seqs].filter((seq) => !written.has(seq)));
        }
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
          `SELECT seq, entry FROM ${s}.crmkit_audit_log WHERE target = ANY($1::text[]) AND entry->>'action' IS DISTINCT FROM $2 ORDER BY seq FOR UPDATE`,
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

  const store: PostgresStore = {
    specificationVersion: 'v1',
    name: options.name ?? client.dialect,
    client,
    schema: s,
    schemaName,
    ready,
    async transaction<T>(fn: (tx: StoreTransaction) => Promise<T>, txOptions: TransactionOptions = {}): Promise<T> {
      if (closed)
        throw new CrmkitError({ code: ErrorCode.CLOSED, message: '[crmkit/store-postgres] The store is closed.' });
      await ready();
      for (let attempt = 0; ; attempt++) {
        if (txOptions.signal?.aborted) throw new AbortedError({ cause: txOptions.signal.reason });
        try {
          return await client.transaction(
            async (sql) => {
              const value = await fn(makeTransaction(sql));
              if (txOptions.signal?.aborted) throw new AbortedError({ cause: txOptions.signal.reason });
              return value;
            },
            txOptions.readOnly ? { isolation: 'repeatable read', readOnly: true } : { isolation: 'serializable' },
          );
        } catch (error) {
          const state = sqlState(error);
          if (isRetryable(error, schemaName)) {
            if (attempt < maxRetries) {
              await sleep(Math.random() * 5 * 2 ** Math.min(attempt, 6));
              continue;
            }
            throw new ConflictError({
              message: `[crmkit/store-postgres] The transaction kept conflicting with concurrent writers (${attempt + 1} attempts).`,
              cause: error,
            });
          }
          if (CrmkitError.isInstance(error)) throw error;
          throw new StoreError({
            message: `[crmkit/store-postgres] ${(error as Error)?.message ?? 'The database failed'}${state ? ` (SQLSTATE ${state})` : ''}; the transaction was rolled back.`,
            sqlState: state,
            cause: error,
          });
        }
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await client.close();
    },
  };
  return store;
}

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

function toLink(row: Row): MergeLink {
  return {
    id: text(row.id),
    a: text(row.a),
    b: text(row.b),
    createdAt: text(row.created_at),
    ...optional('actor', row.actor),
    ...optional('reason', row.reason),
  };
}

/** The NOTIFY channel outbox appends signal on, per schema. */
export function outboxChannel(schema: string): string {
  return `crmkit_outbox_${schema}`.slice(0, 63);
}

/** Stable 32-bit key of the advisory lock that serialises outbox appends of one schema. */
function outboxLockKey(schema: string): number {
  let hash = 0x811c9dc5;
  const text = `crmkit:outbox:${schema}`;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash | 0;
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
