import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, resolve as resolvePath } from 'node:path';
import type { Writable } from 'node:stream';
import {
  type EntityKind,
  type FieldName,
  type IdentityRecord,
  type PairScore,
  type ResolveProgress,
  type ResolveResult,
  resolve,
} from '@crmkit/identity';
import { InvalidArgumentError, ValidationError } from '@crmkit/model';
import { type ColumnMap, describeFsError, entityOf, parseColumnMap, readColumnMap } from './column-map';
import { csvError, csvLine, readCsvFile } from './csv';

/** Progress of {@link runResolve}: reading the files (`done`/`total` in bytes), then the engine's phases. */
export interface RunProgress {
  /** `read` while the CSV files are read, then the phases of `resolve` from `@crmkit/identity`. */
  phase: 'read' | ResolveProgress['phase'];
  /** Work done in this phase (bytes while reading, else the engine's unit). */
  done: number;
  /** Work in this phase in all. */
  total: number;
}

/** Options of {@link runResolve}. */
export interface RunResolveOptions {
  /** The CSV files to resolve, in order. One file: deduplicate it; several: link across and within them. */
  files: readonly string[];
  /** The column map: a path to `map.json` or the map itself (validated either way). */
  map: string | ColumnMap;
  /** Where to write the clusters CSV (`file,id,cluster`): a path or a stream (left open). Not written if omitted. */
  out?: string | Writable;
  /** Path to write the estimated model parameters to (JSON), for a later run or the Hub. */
  parametersOut?: string;
  /** Path to write the pairs in the review band to (CSV, with their scores and per-field contributions). */
  explainOut?: string;
  /** Folder relative paths are resolved against. @default process.cwd() */
  cwd?: string;
  /** Called now and then while the files are read and the records are resolved. */
  onProgress?: (progress: RunProgress) => void;
  /** Stops the run with an `AbortedError` from `@crmkit/model`. */
  signal?: AbortSignal;
}

/** One output row: an input record and its cluster. */
export interface ClusterRow {
  /** Base name of the input file the record comes from. */
  file: string;
  /** The record's id, as in the input. */
  id: string;
  /** Id of the record's cluster (records with the same cluster are the same customer). */
  cluster: string;
}

/** Result of {@link runResolve}. */
export interface RunResolveResult {
  /** One row per input record, in input order (file by file, line by line). */
  rows: ClusterRow[];
  /** The entity kind the records were matched as. */
  entity: EntityKind;
  /** The engine's result; its record ids are `<file index>:<id>` (file index from 0, in the order given). */
  result: ResolveResult;
}

/** Where an input record comes from. */
export interface RecordOrigin {
  file: string;
  id: string;
}

/**
 * Reads CSV files, maps their columns to identity fields, resolves the records with `@crmkit/identity` and
 * writes the clusters (and, if asked, the parameters and the review pairs). The programmatic form of
 * `crmkit resolve`.
 *
 * Engine record ids are `<file index>:<id>` and sources are the files' base names; output rows use the ids as in
 * the input. Nothing is written when reading or resolving fails.
 *
 * @example
 * ```ts
 * import { runResolve } from '@crmkit/cli';
 *
 * const { rows, result } = await runResolve({ files: ['crm.csv', 'shop.csv'], map: 'map.json', out: 'clusters.csv' });
 * console.log(`${rows.length} records in ${result.stats.clusters} clusters`);
 * ```
 *
 * @throws InvalidArgumentError when a file cannot be read or written; ValidationError for an invalid map, a
 *   mapped column missing from a header, malformed CSV, an empty or duplicate id.
 */
export async function runResolve(options: RunResolveOptions): Promise<RunResolveResult> {
  const cwd = options.cwd ?? process.cwd();
  if (options.files.length === 0) {
    throw new InvalidArgumentError({
      argument: 'files',
      message: '[crmkit/cli] No input files: give one or more CSV files.',
    });
  }
  const map =
    typeof options.map === 'string'
      ? await readColumnMap(resolvePath(cwd, options.map), options.map)
      : parseColumnMap(options.map);
  const outputs = [options.out, options.parametersOut, options.explainOut].filter(
    (out): out is string => typeof out === 'string',
  );
  for (const file of options.files) {
    if (outputs.some((out) => resolvePath(cwd, out) === resolvePath(cwd, file))) {
      throw new InvalidArgumentError({
        argument: 'out',
        message: `[crmkit/cli] ${file} is both an input and an output; write the output elsewhere.`,
      });
    }
  }

  const entity = entityOf(map);
  const { records, origins } = await loadRecords(options.files, map, cwd, options.onProgress);

  const result = await resolve(records, {
    entity,
    defaultCountry: map.defaultCountry,
    dateOrder: map.dateOrder,
    thresholds: map.thresholds,
    onProgress: options.onProgress,
    signal: options.signal,
  });

  const rows: ClusterRow[] = origins.map((origin, index) => {
    const internalId = records[index]!.id;
    return { file: origin.file, id: origin.id, cluster: result.clusterOf.get(internalId) ?? internalId };
  });

  if (options.out !== undefined) {
    await writeOutput(options.out, cwd, clusterLines(rows));
  }
  if (options.parametersOut !== undefined) {
    await writeOutput(options.parametersOut, cwd, [`${JSON.stringify(result.parameters, null, 2)}\n`]);
  }
  if (options.explainOut !== undefined) {
    const byId = new Map(records.map((record, index) => [record.id, origins[index]!]));
    await writeOutput(options.explainOut, cwd, explainLines(result.reviews, byId));
  }
  return { rows, entity, result };
}

/**
 * Reads the CSV files into identity records (ids `<file index>:<id>`, source the base name), in input order, with
 * where each came from. Internal; exported for tests.
 */
export async function loadRecords(
  files: readonly string[],
  map: ColumnMap,
  cwd: string,
  onProgress?: (progress: RunProgress) => void,
): Promise<{ records: IdentityRecord[]; origins: RecordOrigin[] }> {
  const records: IdentityRecord[] = [];
  const origins: RecordOrigin[] = [];
  const paths = files.map((file) => resolvePath(cwd, file));
  const sizes = await Promise.all(
    paths.map(async (path, index) => {
      try {
        const info = await stat(path);
        if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
        return info.size;
      } catch (error) {
        throw cannotRead(files[index]!, error);
      }
    }),
  );
  const total = sizes.reduce((sum, size) => sum + size, 0);
  let before = 0;

  for (const [fileIndex, file] of files.entries()) {
    const source = basename(file);
    const reportBytes = onProgress && ((bytes: number) => onProgress({ phase: 'read', done: before + bytes, total }));
    const seen = new Map<string, number>();
    try {
      for await (const row of mappedCsvRows(paths[fileIndex]!, file, map, reportBytes)) {
        const id = row.id;
        const first = seen.get(id);
        if (first !== undefined) {
          throw csvError(file, row.line, `duplicate id ${JSON.stringify(id)} (first on line ${first})`);
        }
        seen.set(id, row.line);
        const fields: IdentityRecord['fields'] = {};
        for (const [field, value] of row.values) {
          const present = fields[field];
          if (present === undefined || present === null) fields[field] = value;
          else fields[field] = typeof present === 'string' ? [present, value] : [...present, value];
        }
        records.push({ id: `${fileIndex}:${id}`, source, fields });
        origins.push({ file: source, id });
      }
    } catch (error) {
      if (ValidationError.isInstance(error) || InvalidArgumentError.isInstance(error)) throw error;
      throw cannotRead(file, error);
    }
    before += sizes[fileIndex]!;
  }
  return { records, origins };
}

/** One data row of a CSV file read through a column map: its line, id and mapped values (trimmed, non-empty). */
export interface MappedCsvRow {
  line: number;
  id: string;
  values: [field: FieldName, value: string][];
}

/**
 * The data rows of a CSV file read through a column map (`crmkit resolve` and `crmkit import`): the header is located
 * first (missing or repeated columns throw), then every row must have the header's number of fields and an id.
 * Throws a {@link ValidationError} naming the file (and line) for an empty file, a malformed row or an empty id.
 */
export async function* mappedCsvRows(
  path: string,
  file: string,
  map: ColumnMap,
  onBytes?: (bytesRead: number) => void,
): AsyncGenerator<MappedCsvRow> {
  const mapped = Object.entries(map.columns) as [string, FieldName][];
  let header: string[] | undefined;
  let idIndex = -1;
  let columns: [index: number, field: FieldName][] = [];
  for await (const row of readCsvFile(path, file, onBytes)) {
    if (header === undefined) {
      header = row.fields;
      ({ idIndex, columns } = locateColumns(header, map, mapped, file));
      continue;
    }
    if (row.fields.length !== header.length) {
      throw csvError(
        file,
        row.line,
        `malformed CSV: expected ${header.length} fields (as in the header), found ${row.fields.length}`,
      );
    }
    const id = row.fields[idIndex]!.trim();
    if (id === '') throw csvError(file, row.line, `empty id in column ${JSON.stringify(map.id)}`);
    const values: [FieldName, string][] = [];
    for (const [index, field] of columns) {
      const value = row.fields[index]!.trim();
      if (value !== '') values.push([field, value]);
    }
    yield { line: row.line, id, values };
  }
  if (header === undefined) {
    throw new ValidationError({
      message: `[crmkit/cli] ${file} is empty: expected a header line with the column names.`,
      issues: [{ path: [file], pathString: file, message: 'empty file', issueCode: 'invalid_csv' }],
      source: file,
    });
  }
}

/** A {@link ValidationError} about header columns of `file`: one issue per column, at `file:column`. */
function headerError(
  file: string,
  message: string,
  columns: readonly string[],
  problem: string,
  issueCode: string,
): ValidationError {
  return new ValidationError({
    message: `[crmkit/cli] ${file}: ${message}`,
    issues: columns.map((column) => ({
      path: [file, column],
      pathString: `${file}:${column}`,
      message: `column ${JSON.stringify(column)} ${problem}`,
      issueCode,
    })),
    source: file,
  });
}

/** The positions of the id column and the mapped columns in `header`; throws naming missing or repeated columns. */
export function locateColumns(
  header: readonly string[],
  map: ColumnMap,
  mapped: readonly [string, FieldName][],
  file: string,
): { idIndex: number; columns: [number, FieldName][] } {
  const positions = new Map<string, number[]>();
  for (const [index, name] of header.entries()) {
    const list = positions.get(name);
    if (list) list.push(index);
    else positions.set(name, [index]);
  }
  const wanted = [map.id, ...mapped.map(([column]) => column)];
  const missing = [...new Set(wanted.filter((column) => !positions.has(column)))];
  if (missing.length > 0) {
    const idMissing = missing[0] === map.id;
    const what = idMissing
      ? `id column ${JSON.stringify(map.id)}${missing.length > 1 ? ` and no mapped column ${quoteList(missing.slice(1))}` : ''}`
      : `mapped column ${quoteList(missing)}`;
    throw headerError(
      file,
      `the header has no ${what} (header: ${header.join(', ')})`,
      missing,
      'not in the header',
      'missing_column',
    );
  }
  const ambiguous = wanted.filter((column) => (positions.get(column)?.length ?? 0) > 1);
  if (ambiguous.length > 0) {
    throw headerError(
      file,
      `the header has the column ${quoteList([...new Set(ambiguous)])} more than once, so the map is ambiguous`,
      ambiguous,
      'appears more than once',
      'duplicate_column',
    );
  }
  return {
    idIndex: positions.get(map.id)![0]!,
    columns: mapped.map(([column, field]) => [positions.get(column)![0]!, field]),
  };
}

function quoteList(names: readonly string[]): string {
  return names.map((name) => JSON.stringify(name)).join(', ');
}

function cannotRead(file: string, error: unknown): InvalidArgumentError {
  return new InvalidArgumentError({
    argument: 'files',
    message: `[crmkit/cli] cannot read ${file}: ${describeFsError(error)}`,
    cause: error,
  });
}

function* clusterLines(rows: readonly ClusterRow[]): Iterable<string> {
  yield 'file,id,cluster\n';
  for (const row of rows) yield csvLine([row.file, row.id, row.cluster]);
}

function* explainLines(reviews: readonly PairScore[], byId: ReadonlyMap<string, RecordOrigin>): Iterable<string> {
  yield 'file_a,id_a,file_b,id_b,probability,weight,band,rule,guard,contributions\n';
  for (const pair of reviews) {
    const a = byId.get(pair.a) ?? { file: '', id: pair.a };
    const b = byId.get(pair.b) ?? { file: '', id: pair.b };
    const contributions = pair.contributions
      .map((c) => `${c.comparison} ${c.level} (${c.weight >= 0 ? '+' : ''}${c.weight.toFixed(2)})`)
      .join('; ');
    yield csvLine([
      a.file,
      a.id,
      b.file,
      b.id,
      pair.probability.toFixed(4),
      pair.weight.toFixed(2),
      pair.band,
      pair.rule ?? '',
      pair.guard ?? '',
      contributions,
    ]);
  }
}

/** Writes lines to a path (created or replaced) or to a stream (left open), in chunks, minding backpressure. */
async function writeOutput(target: string | Writable, cwd: string, lines: Iterable<string>): Promise<void> {
  if (typeof target !== 'string') {
    await writeChunks(target, lines);
    return;
  }
  const stream = createWriteStream(resolvePath(cwd, target));
  const failed = new Promise<never>((_, reject) => {
    stream.once('error', (error) =>
      reject(
        new InvalidArgumentError({
          argument: 'out',
          message: `[crmkit/cli] cannot write ${target}: ${describeFsError(error)}`,
          cause: error,
        }),
      ),
    );
  });
  failed.catch(() => {});
  await Promise.race([failed, writeChunks(stream, lines)]);
  stream.end();
  await Promise.race([failed, once(stream, 'close')]);
}

async function writeChunks(stream: Writable, lines: Iterable<string>): Promise<void> {
  let buffer = '';
  for (const line of lines) {
    buffer += line;
    if (buffer.length >= 1 << 16) {
      if (!stream.write(buffer)) await once(stream, 'drain');
      buffer = '';
    }
  }
  if (buffer !== '' && !stream.write(buffer)) await once(stream, 'drain');
}
