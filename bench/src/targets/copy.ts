/**
 * The reference every issue-15 target is printed next to: raw `COPY ... FROM STDIN` of the same synthetic person
 * records as JSONB into a PostgreSQL table of its own, in batches (one `COPY` statement, so one transaction, per
 * batch), in a schema of its own that is dropped at the end.
 */
import { pipeline } from 'node:stream/promises';
import type { SourceRecordInput } from '@crmkit/model';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** One COPY reference measurement: the median of `rounds` runs, each into a new table. */
export interface CopyFigure {
  records: number;
  batch: number;
  /** Records per second of the median round. */
  perSecond: number;
  /** Records per second of the slowest and fastest round. */
  min: number;
  max: number;
  rounds: number;
}

/** A CSV field: quoted, with quotes doubled (backslashes are not special in CSV, so JSON passes as it is). */
function csv(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}

/** The records as CSV lines `source,external_id,observed_at,data`, built once before any timing. */
export function copyLines(records: readonly SourceRecordInput[]): string[] {
  return records.map(
    (r) => `${csv(r.source)},${csv(r.externalId)},${csv(String(r.observedAt))},${csv(JSON.stringify(r.data))}\n`,
  );
}

async function copyBatch(client: pg.PoolClient, table: string, lines: readonly string[]): Promise<void> {
  const stream = client.query(
    copyFrom(`COPY ${table} (source, external_id, observed_at, data) FROM STDIN (FORMAT csv)`),
  );
  // One chunk per batch: the whole batch goes out in one write, as a bulk writer would send it.
  await pipeline(async function* () {
    yield lines.join('');
  }, stream);
}

/**
 * Measures raw COPY of `records` into `people (source, external_id, observed_at, data jsonb, primary key (source,
 * external_id))` in batches of `batch`, `rounds` times into a fresh table each, in schema `schema` (created and
 * dropped here). Returns the median round.
 */
export async function measureCopy(
  pool: pg.Pool,
  schema: string,
  records: readonly SourceRecordInput[],
  options: { batch?: number; rounds?: number } = {},
): Promise<CopyFigure> {
  const batch = options.batch ?? 1000;
  const rounds = options.rounds ?? 3;
  const lines = copyLines(records);
  const client = await pool.connect();
  const rates: number[] = [];
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    for (let round = 0; round < rounds; round++) {
      const table = `${schema}.people_${round}`;
      await client.query(
        `CREATE TABLE ${table} (source text NOT NULL, external_id text NOT NULL, observed_at timestamptz NOT NULL, ` +
          'data jsonb NOT NULL, PRIMARY KEY (source, external_id))',
      );
      const started = performance.now();
      for (let i = 0; i < lines.length; i += batch) await copyBatch(client, table, lines.slice(i, i + batch));
      const seconds = (performance.now() - started) / 1000;
      const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
      if (Number(rows[0]?.n) !== records.length) throw new Error(`COPY stored ${rows[0]?.n} of ${records.length} rows`);
      rates.push(records.length / seconds);
      await client.query(`DROP TABLE ${table}`);
    }
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    client.release();
  }
  const sorted = [...rates].sort((a, b) => a - b);
  return {
    records: records.length,
    batch,
    perSecond: Math.round(sorted[Math.floor(sorted.length / 2)]!),
    min: Math.round(sorted[0]!),
    max: Math.round(sorted[sorted.length - 1]!),
    rounds,
  };
}
