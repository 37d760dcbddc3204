/**
 * Versioned, forward-only SQL migrations. The same SQL runs on PostgreSQL and PGlite. `{{schema}}` is replaced by
 * the quoted schema name. Never edit a released migration: add the next one.
 *
 * @module
 */
import type { SqlClient } from './client';
import { quoteIdent } from './client';
import { fnv1a32 } from '@crmkit/model';

/** One migration. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'core tables',
    sql: `
CREATE OR REPLACE FUNCTION {{schema}}.crmkit_text_array(value jsonb) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
  $$ SELECT coalesce(array_agg(element ORDER BY ordinality), '{}') FROM jsonb_array_elements_text(value) WITH ORDINALITY AS t(element, ordinality) $$;

CREATE TABLE {{schema}}.crmkit_records (
  key text PRIMARY KEY,
  type text NOT NULL CHECK (type IN ('person', 'organization', 'interaction', 'opportunity')),
  source text NOT NULL,
  external_id text NOT NULL,
  observed_at text NOT NULL,
  deleted boolean NOT NULL,
  data json,
  content_hash text NOT NULL,
  match_keys text[] NOT NULL DEFAULT '{}',
  ref_keys text[] NOT NULL DEFAULT '{}',
  customer_id text,
  home_id text,
  version integer NOT NULL CHECK (version > 0),
  ingested_at text NOT NULL,
  UNIQUE (source, type, external_id)
);
CREATE INDEX crmkit_records_customer ON {{schema}}.crmkit_records (customer_id) WHERE NOT deleted;

-- Documents the database never looks inside (record data, golden records, event payloads, journal data) are json,
-- not jsonb: stored as sent, no conversion cost on the hot write path.
-- Match keys ('m') and reference keys ('r') of live records, one row per key: a B-tree the planner estimates well
-- (GIN over the array columns was priced per key and lost to sequential scans on large batches and tables).
CREATE TABLE {{schema}}.crmkit_record_keys (
  kind text NOT NULL CHECK (kind IN ('m', 'r')),
  key text NOT NULL,
  record_key text NOT NULL,
  PRIMARY KEY (kind, key, record_key)
);
CREATE INDEX crmkit_record_keys_record ON {{schema}}.crmkit_record_keys (record_key);

CREATE TABLE {{schema}}.crmkit_customers (
  id text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('person', 'organization')),
  status text NOT NULL CHECK (status IN ('active', 'merged', 'deleted')),
  merged_into text,
  display_name text NOT NULL,
  created_at text NOT NULL,
  updated_at text NOT NULL,
  version integer NOT NULL CHECK (version > 0),
  golden json NOT NULL,
  lookup_keys text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX crmkit_customers_status_id ON {{schema}}.crmkit_customers (status, id);

-- Lookup keys (email, phone, record, name tokens) of active customers, one row per key.
CREATE TABLE {{schema}}.crmkit_customer_keys (
  key text NOT NULL,
  customer_id text NOT NULL,
  PRIMARY KEY (key, customer_id)
);
CREATE INDEX crmkit_customer_keys_customer ON {{schema}}.crmkit_customer_keys (customer_id);

CREATE TABLE {{schema}}.crmkit_merge_links (
  id text PRIMARY KEY,
  a text NOT NULL,
  b text NOT NULL,
  created_at text NOT NULL,
  actor text,
  reason text
);
CREATE INDEX crmkit_merge_links_a ON {{schema}}.crmkit_merge_links (a);
CREATE INDEX crmkit_merge_links_b ON {{schema}}.crmkit_merge_links (b);

CREATE TABLE {{schema}}.crmkit_overrides (
  customer_id text NOT NULL,
  field text NOT NULL,
  value jsonb NOT NULL,
  at text NOT NULL,
  actor text,
  reason text,
  PRIMARY KEY (customer_id, field)
);

CREATE TABLE {{schema}}.crmkit_journal (
  seq bigserial PRIMARY KEY,
  id text NOT NULL UNIQUE,
  at text NOT NULL,
  kind text NOT NULL,
  actor text,
  customer_ids text[] NOT NULL,
  data json NOT NULL
);
CREATE INDEX crmkit_journal_customers ON {{schema}}.crmkit_journal USING gin (customer_ids);

CREATE TABLE {{schema}}.crmkit_outbox (
  seq bigserial PRIMARY KEY,
  id text NOT NULL UNIQUE,
  type text NOT NULL,
  at text NOT NULL,
  payload json NOT NULL,
  txid xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE TABLE {{schema}}.crmkit_outbox_consumers (
  consumer text PRIMARY KEY,
  last_seq bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE {{schema}}.crmkit_inbox (
  consumer text NOT NULL,
  event_id text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);

CREATE TABLE {{schema}}.crmkit_groups (
  id text PRIMARY KEY,
  data jsonb NOT NULL
);

CREATE TABLE {{schema}}.crmkit_review_items (
  id text PRIMARY KEY,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'rejected')),
  record_keys text[] NOT NULL,
  customer_ids text[] NOT NULL DEFAULT '{}',
  score double precision,
  explanation jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  decided_at timestamptz,
  decided_by text
);
CREATE INDEX crmkit_review_items_open ON {{schema}}.crmkit_review_items (created_at) WHERE status = 'open';

CREATE TABLE {{schema}}.crmkit_extensions (
  namespace text NOT NULL,
  entity_type text NOT NULL,
  entity_id text NOT NULL,
  data jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (namespace, entity_type, entity_id)
);

CREATE TABLE {{schema}}.crmkit_audit_log (
  seq bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor text,
  action text NOT NULL,
  entity_type text,
  entity_id text,
  details jsonb
);

CREATE TABLE {{schema}}.crmkit_workflow_runs (
  id text PRIMARY KEY,
  workflow text NOT NULL,
  status text NOT NULL,
  trigger_event_id text,
  state jsonb,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  error text
);

CREATE TABLE {{schema}}.crmkit_sync_checkpoints (
  source text NOT NULL,
  object_type text NOT NULL,
  checkpoint text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, object_type)
);
`,
  },
  {
    version: 2,
    name: 'identity links and review items',
    sql: `
-- Blocking keys of the identity matcher: a column for reading records back, and one row per key of a live record
-- for lookups (the same B-tree layout as crmkit_record_keys).
ALTER TABLE {{schema}}.crmkit_records ADD COLUMN block_keys text[] NOT NULL DEFAULT '{}';
CREATE TABLE {{schema}}.crmkit_record_block_keys (
  block_key text NOT NULL,
  record_key text NOT NULL,
  PRIMARY KEY (block_key, record_key)
);
CREATE INDEX crmkit_record_block_keys_record ON {{schema}}.crmkit_record_block_keys (record_key);

-- Record-to-record identity links: 'auto' (derived from content by the matcher) or 'accepted' (a person decided).
CREATE TABLE {{schema}}.crmkit_identity_links (
  id text PRIMARY KEY,
  a text NOT NULL,
  b text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('auto', 'accepted')),
  data json NOT NULL
);
CREATE INDEX crmkit_identity_links_a ON {{schema}}.crmkit_identity_links (a);
CREATE INDEX crmkit_identity_links_b ON {{schema}}.crmkit_identity_links (b);

-- Review items, one per record pair. Migration 1 created a placeholder table that nothing ever wrote, so it is replaced
-- by one keyed the way the Hub looks items up (by pair, and by status in id order).
DROP TABLE IF EXISTS {{schema}}.crmkit_review_items;
CREATE TABLE {{schema}}.crmkit_review_items (
  id text PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('open', 'accepted', 'rejected')),
  pair_key text NOT NULL,
  data json NOT NULL
);
CREATE INDEX crmkit_review_items_pair ON {{schema}}.crmkit_review_items (pair_key);
CREATE INDEX crmkit_review_items_status_id ON {{schema}}.crmkit_review_items (status, id);
`,
  },
  {
    version: 3,
    name: 'plugin extensions and workflow runs',
    sql: `
-- Plugin field values, one row per (namespace, entity). Like every other document the database never looks inside,
-- the fields map is json, stored as sent (key order kept, any JSON string accepted), and the row's updatedAt is text
-- (as all crmkit timestamps: read back exactly as written). Migration 1 created the table, and nothing wrote it before.
ALTER TABLE {{schema}}.crmkit_extensions ALTER COLUMN data TYPE json USING data::json;
ALTER TABLE {{schema}}.crmkit_extensions ALTER COLUMN updated_at DROP DEFAULT;
ALTER TABLE {{schema}}.crmkit_extensions ALTER COLUMN updated_at TYPE text
  USING to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
CREATE INDEX crmkit_extensions_entity ON {{schema}}.crmkit_extensions (entity_type, entity_id);

-- Durable workflow runs. Migration 1 created a placeholder table that nothing ever wrote, so it is replaced by one
-- that keeps the whole run as written (data) plus the columns the host lists runs by (status and workflow, in id
-- order) and the run's version and updatedAt for looking at runs with SQL.
DROP TABLE IF EXISTS {{schema}}.crmkit_workflow_runs;
CREATE TABLE {{schema}}.crmkit_workflow_runs (
  id text PRIMARY KEY,
  workflow text NOT NULL,
  status text NOT NULL
    CHECK (status IN ('pending', 'running', 'compensating', 'completed', 'compensated', 'failed')),
  version integer NOT NULL,
  updated_at text NOT NULL,
  data json NOT NULL
);
CREATE INDEX crmkit_workflow_runs_status_workflow_id ON {{schema}}.crmkit_workflow_runs (status, workflow, id);
CREATE INDEX crmkit_workflow_runs_workflow_id ON {{schema}}.crmkit_workflow_runs (workflow, id);
`,
  },
  {
    version: 4,
    name: 'audit log and governance documents',
    sql: `
-- The hash-chained audit log. Migration 1 created a placeholder table that nothing ever wrote, so it is dropped and
-- replaced by one that keeps every entry whole, as written (entry, json: read back exactly, optional fields left out
-- stay left out). seq is the writer's (the entry's position in the chain), never assigned by the database: the primary
-- key refuses a second entry at one position, so two writers cannot both extend the chain from the same head.
-- target is indexed with seq for an entity's history and for GDPR redaction. at, actor and action are copies for
-- looking at the log with SQL, text like every crmkit timestamp.
DROP TABLE IF EXISTS {{schema}}.crmkit_audit_log;
CREATE TABLE {{schema}}.crmkit_audit_log (
  seq bigint PRIMARY KEY,
  at text NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  target text NOT NULL,
  entry json NOT NULL
);
CREATE INDEX crmkit_audit_log_target_seq ON {{schema}}.crmkit_audit_log (target, seq);

-- Governance documents (policy versions, consent captures, contact arrangements, change requests, erasure
-- tombstones), one row per (kind, id), the document's data as json, stored as sent. ref is what a document is about
-- (e.g. the customer of a consent capture), indexed with kind and id for listing a kind by ref in id order.
CREATE TABLE {{schema}}.crmkit_documents (
  kind text NOT NULL,
  id text NOT NULL,
  ref text,
  data json NOT NULL,
  updated_at text NOT NULL,
  PRIMARY KEY (kind, id)
);
CREATE INDEX crmkit_documents_kind_ref_id ON {{schema}}.crmkit_documents (kind, ref, id);
`,
  },
  {
    version: 5,
    name: 'outbox event meta',
    sql: `
-- The operation an outbox event belongs to and the plugin that caused it (OutboxEvent.meta), for the Hub's outbox
-- consumers (plugin after-hooks, event-triggered workflows, durable listeners). No personal data: redaction leaves it.
ALTER TABLE {{schema}}.crmkit_outbox ADD COLUMN meta json;
`,
  },
];

/** Stable 32-bit key for the migration advisory lock of one schema. */
function lockKey(schema: string): number {
  return fnv1a32(`crmkit:migrate:${schema}`) | 0;
}

/**
 * Applies the pending migrations in one transaction under a transaction-level advisory lock, so two processes
 * starting at once never race: the second waits, then finds nothing to do. Returns the versions applied.
 */
export async function migrate(
  client: SqlClient,
  schema: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  const s = quoteIdent(schema);
  return client.transaction(
    async (sql) => {
      await sql.query('SELECT pg_advisory_xact_lock($1)', [lockKey(schema)]);
      await sql.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await sql.query(
        `CREATE TABLE IF NOT EXISTS ${s}.crmkit_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const { rows } = await sql.query<{ version: number }>(`SELECT version FROM ${s}.crmkit_migrations`);
      const applied = new Set(rows.map((row) => Number(row.version)));
      const done: number[] = [];
      for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
        if (applied.has(migration.version)) continue;
        for (const statement of splitStatements(migration.sql.replaceAll('{{schema}}', s))) await sql.query(statement);
        await sql.query(`INSERT INTO ${s}.crmkit_migrations (version, name) VALUES ($1, $2)`, [
          migration.version,
          migration.name,
        ]);
        done.push(migration.version);
      }
      return done;
    },
    { isolation: 'read committed' },
  );
}

/** Splits a migration script into statements, keeping `$$ ... $$` bodies whole. */
export function splitStatements(script: string): string[] {
  const out: string[] = [];
  let current = '';
  let inDollar = false;
  for (let i = 0; i < script.length; i++) {
    if (script.startsWith('$$', i)) {
      inDollar = !inDollar;
      current += '$$';
      i++;
      continue;
    }
    const char = script[i]!;
    if (char === ';' && !inDollar) {
      if (current.trim()) out.push(current.trim());
      current = '';
    } else current += char;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}
