import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, extname, resolve as resolvePath } from 'node:path';
import { createInterface } from 'node:readline';
import { createHub, type Hub, type LoadProgress, type LoadResult } from '@crmkit/core';
import { type FieldName, normalizeDate } from '@crmkit/identity';
import {
  type AbortSignalLike,
  InvalidArgumentError,
  type SourceRecordInput,
  type Store,
  ValidationError,
} from '@crmkit/model';
import { type ColumnMap, describeFsError, entityOf, readColumnMap } from './column-map';
import { csvError } from './csv';
import { mappedCsvRows } from './resolve';

/** Options of {@link runImport}. */
export interface RunImportOptions {
  /**
   * Input files: `.jsonl` / `.ndjson` (one `SourceRecordInput` per line) or `.csv` (with `map`). A file of another
   * extension is read as JSON Lines.
   */
  files: readonly string[];
  /** The column map of the CSV files (as for `crmkit resolve`); required when a file is CSV. */
  map?: string | undefined;
  /** Source system of the CSV records. @default the file's base name without extension */
  source?: string | undefined;
  /** `observedAt` of the CSV records (ISO 8601). @default the file's modification time, so a re-import changes nothing */
  observedAt?: string | undefined;
  /** PostgreSQL connection string: import into the Hub on that database. */
  databaseUrl?: string | undefined;
  /** Schema of the Hub's tables on PostgreSQL. @default 'crmkit' (the store's default) */
  schema?: string | undefined;
  /** Folder of the embedded database (PGlite), as the `crmkit` package's `createHub({ dataDir })` uses it. */
  dir?: string | undefined;
  /** Country for phone numbers without a calling code. @default the map's `defaultCountry` */
  defaultCountry?: string | undefined;
  /** Records per batch (one transaction each). @default 5000 */
  batchSize?: number | undefined;
  /** Folder relative paths are resolved against. @default process.cwd() */
  cwd?: string | undefined;
  /** Called after each committed batch. */
  onProgress?: ((progress: LoadProgress) => void) | undefined;
  /** Stops between batches; committed batches stay. */
  signal?: AbortSignalLike | undefined;
  /** Opens the Hub (tests); the default opens PostgreSQL or the embedded folder. */
  openHub?: ((options: { defaultCountry?: string }) => Hub) | undefined;
}

/** What {@link runImport} did. */
export interface RunImportResult extends LoadResult {
  seconds: number;
}

/** A record read from a file, with where it came from (for error messages). */
interface Located {
  record: SourceRecordInput;
  file: string;
  line: number;
}

/**
 * Imports source records from JSON Lines or CSV files into a Hub on PostgreSQL (`databaseUrl`) or in an embedded
 * folder (`dir`) through `hub.load`: streaming, in batches of `batchSize`, each batch one transaction. A bad line
 * stops the import with a `ValidationError` naming the file and line; the batches before it stay committed, and
 * running the same import again finishes it (ingest is idempotent).
 */
export async function runImport(options: RunImportOptions): Promise<RunImportResult> {
  const started = performance.now();
  const cwd = options.cwd ?? process.cwd();
  if (options.files.length === 0) {
    throw new InvalidArgumentError({
      argument: 'files',
      message: '[crmkit/cli] no input files: give one or more .jsonl or .csv files',
    });
  }
  const csvFiles = options.files.filter(isCsv);
  const map = csvFiles.length > 0 ? await readMapFor(options, cwd) : undefined;
  if (options.observedAt !== undefined && Number.isNaN(Date.parse(options.observedAt))) {
    throw new InvalidArgumentError({
      argument: 'observed-at',
      message: `[crmkit/cli] --observed-at must be an ISO 8601 time such as 2026-03-01T10:00:00Z; got ${JSON.stringify(options.observedAt)}`,
    });
  }
  for (const file of options.files) {
    try {
      const info = await stat(resolvePath(cwd, file));
      if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    } catch (error) {
      throw new InvalidArgumentError({
        argument: 'files',
        message: `[crmkit/cli] cannot read ${file}: ${describeFsError(error)}`,
        cause: error,
      });
    }
  }
  const defaultCountry = options.defaultCountry ?? map?.defaultCountry;
  const open = options.openHub
    ? async (o: { defaultCountry?: string }) => options.openHub!(o)
    : hubOpener(options, cwd);

  // Where each record not yet committed came from: at most the batch being written and the one read ahead.
  let committed = 0;
  const pending: Located[] = [];
  async function* records(): AsyncGenerator<SourceRecordInput> {
    for (const file of options.files) {
      const path = resolvePath(cwd, file);
      const lines = isCsv(file) ? csvRecords(path, file, map!, options) : jsonLines(path, file);
      for await (const located of lines) {
        pending.push(located);
        yield located.record;
      }
    }
  }
  // The first record is read before the database is opened: a wrong header or first line fails fast.
  const input = records();
  let first: IteratorResult<SourceRecordInput>;
  try {
    first = await input.next();
  } catch (error) {
    await input.return(undefined);
    throw error;
  }
  const hub = await open(defaultCountry ? { defaultCountry } : {});
  async function* all(): AsyncGenerator<SourceRecordInput> {
    if (first.done) return;
    yield first.value;
    yield* input;
  }
  try {
    const result = await hub.load(all(), {
      ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      actor: 'cli:import',
      onProgress: (progress) => {
        pending.splice(0, progress.records - committed);
        committed = progress.records;
        options.onProgress?.(progress);
      },
    });
    return { ...result, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    if (ValidationError.isInstance(error) && error.index !== undefined) {
      const at = pending[error.index - committed];
      if (at) {
        const issue = error.issues[0];
        const where = issue ? issue.pathString.replace(/^records\[\d+\]\.?/, '') : '';
        throw new ValidationError({
          message: `[crmkit/cli] ${at.file}, line ${at.line}: ${where ? `${where}: ` : ''}${issue?.message ?? error.message} (the ${committed} records before its batch are imported; run the import again after fixing the line)`,
          issues: [
            {
              path: [at.file, at.line],
              pathString: `${at.file}:${at.line}`,
              message: issue?.message ?? error.message,
              issueCode: issue?.issueCode ?? 'invalid_record',
            },
          ],
          source: at.file,
          cause: error,
        });
      }
    }
    throw error;
  } finally {
    await hub.close();
  }
}

function isCsv(file: string): boolean {
  return extname(file).toLowerCase() === '.csv';
}

async function readMapFor(options: RunImportOptions, cwd: string): Promise<ColumnMap> {
  if (options.map === undefined) {
    throw new InvalidArgumentError({
      argument: 'map',
      message: '[crmkit/cli] missing --map <map.json>: CSV files need a column map (JSON Lines files do not)',
    });
  }
  return readColumnMap(resolvePath(cwd, options.map), options.map);
}

/** The Hub the import writes into: PostgreSQL with `databaseUrl`, else the embedded folder `dir`. */
function hubOpener(options: RunImportOptions, cwd: string): (hubOptions: { defaultCountry?: string }) => Promise<Hub> {
  const { databaseUrl, dir, schema } = options;
  if ((databaseUrl === undefined) === (dir === undefined)) {
    throw new InvalidArgumentError({
      argument: 'target',
      message: '[crmkit/cli] say where to import: --database-url <postgres://...> or --dir <folder> (one of them)',
    });
  }
  return async (hubOptions) => {
    // Loaded here, so `crmkit resolve` never loads a database driver.
    const { createPostgresStore, embeddedClient, pgClient } = await import('@crmkit/store-postgres');
    let store: Store;
    if (databaseUrl !== undefined) {
      const { default: pg } = await import('pg');
      const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
      store = createPostgresStore({ client: pgClient(pool, { ownsPool: true }), ...(schema ? { schema } : {}) });
    } else {
      // The same embedded store as the `crmkit` package's createHub({ dataDir }). A bulk load can be repeated, so
      // the folder is flushed at close rather than at every commit.
      const folder = resolvePath(cwd, dir!);
      store = createPostgresStore({
        client: embeddedClient({ dataDir: folder, durability: 'relaxed' }),
        name: `pglite (${folder})`,
      });
    }
    return createHub({ ...hubOptions, store });
  };
}

/** The records of a JSON Lines file, one per non-blank line. */
async function* jsonLines(path: string, file: string): AsyncGenerator<Located> {
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 });
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      const trimmed = line === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1).trim() : text.trim();
      if (trimmed === '') continue;
      let record: unknown;
      try {
        record = JSON.parse(trimmed);
      } catch (error) {
        throw csvError(file, line, `not JSON: ${(error as Error).message}`);
      }
      if (record === null || typeof record !== 'object' || Array.isArray(record)) {
        throw csvError(file, line, 'expected one source record (a JSON object) per line');
      }
      yield { record: record as SourceRecordInput, file, line };
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}

/** The records of a CSV file through the column map (the same map `crmkit resolve` reads). */
async function* csvRecords(
  path: string,
  file: string,
  map: ColumnMap,
  options: RunImportOptions,
): AsyncGenerator<Located> {
  const entity = entityOf(map);
  const source = options.source ?? basename(file, extname(file));
  const observedAt = options.observedAt ?? (await stat(path)).mtime.toISOString();
  for await (const row of mappedCsvRows(path, file, map)) {
    const externalId = row.id;
    const values = new Map<FieldName, string[]>();
    for (const [field, value] of row.values) values.set(field, [...(values.get(field) ?? []), value]);
    const data = recordData(entity, values, map, (message) => csvError(file, row.line, message));
    yield { record: { type: entity, source, externalId, observedAt, data } as SourceRecordInput, file, line: row.line };
  }
}

/** The `data` of a person or organisation record from the identity fields of one CSV row. */
function recordData(
  entity: 'person' | 'organization',
  values: ReadonlyMap<FieldName, string[]>,
  map: ColumnMap,
  fail: (message: string) => ValidationError,
): Record<string, unknown> {
  const one = (field: FieldName) => values.get(field)?.[0];
  const data: Record<string, unknown> = {};
  const address = Object.fromEntries(
    (
      [
        ['street', 'street'],
        ['houseNumber', 'houseNumber'],
        ['postcode', 'postalCode'],
        ['city', 'city'],
        ['region', 'region'],
        ['country', 'country'],
      ] as const
    )
      .map(([field, key]) => [key, field === 'country' ? one(field)?.toUpperCase() : one(field)])
      .filter(([, value]) => value !== undefined),
  );
  if (values.has('email')) data.emails = values.get('email');
  if (values.has('phone')) data.phones = values.get('phone');
  if (Object.keys(address).length > 0) data.addresses = [address];
  if (values.has('nationalId')) data.attributes = { nationalId: one('nationalId') };
  if (entity === 'organization') {
    if (values.has('organizationName')) data.name = one('organizationName');
    return data;
  }
  for (const field of ['givenName', 'familyName', 'fullName'] as const) if (values.has(field)) data[field] = one(field);
  const birth = one('birthDate');
  if (birth !== undefined) {
    const date = normalizeDate(birth, map.dateOrder ? { order: map.dateOrder } : undefined);
    if (date === null) throw fail(`birthDate ${JSON.stringify(birth)} is not a date`);
    data.birthDate = date;
  }
  if (values.has('organizationName')) data.organization = { name: one('organizationName') };
  return data;
}
