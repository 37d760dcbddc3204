import { readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { FIELD_NAMES } from '@crmkit/identity';
import { AbortedError, CrmkitError, InvalidArgumentError } from '@crmkit/model';
import { createProgressBar } from './progress';
import { runImport } from './import';
import { runResolve } from './resolve';

/** Where {@link main} reads and writes; every field defaults to the process's own. */
export interface MainIo {
  /** Output when `--out` is `-` or omitted, and `--help` / `--version`. @default process.stdout */
  stdout?: Writable;
  /** Progress bar, summary and errors. @default process.stderr */
  stderr?: Writable;
  /** Folder relative paths are resolved against. @default process.cwd() */
  cwd?: string;
  /** Whether `stderr` is a terminal (then a progress bar is drawn). @default `stderr.isTTY` */
  isTTY?: boolean;
  /** Stops a running command; it then exits with code 130. */
  signal?: AbortSignal;
}

/** Exit codes of {@link main}. */
export const ExitCode = {
  /** Done. */
  OK: 0,
  /** Unexpected failure (a bug, or the system failed): the message and the stack are on stderr. */
  FAILURE: 1,
  /** The command, its options or its input are not right: one line on stderr says what and where. */
  USAGE: 2,
  /** Stopped through the `signal` (as by Ctrl-C). */
  ABORTED: 130,
} as const;

const MAIN_HELP = `Usage: crmkit <command> [options]

Commands:
  resolve   Deduplicate and link customer records in CSV files into clusters
  import    Load source records (JSON Lines or CSV) into a Hub on PostgreSQL or in an embedded folder

Options:
  -h, --help      Show this help (or "crmkit <command> --help" for a command)
  -v, --version   Show the version
`;

const RESOLVE_HELP = `Usage: crmkit resolve --map <map.json> [--out <clusters.csv>] <file.csv> [<file.csv> ...]

Finds the records that are the same customer: one file is deduplicated; several files are linked across and
within each other. Writes one line per input record, in input order: file,id,cluster.

Options:
  -m, --map <map.json>        Column map (required): {"id": "<id column>", "columns": {"<column>": "<field>"}}
                              and optionally "entity", "defaultCountry", "dateOrder", "thresholds"
  -o, --out <file>            Where to write the clusters CSV; "-" or omitted: standard output
      --parameters <file>     Also write the estimated model parameters (JSON)
      --explain <file>        Also write the pairs left for review, with their scores (CSV)
  -q, --quiet                 No progress bar and no summary; only errors on standard error
  -h, --help                  Show this help

Fields: ${FIELD_NAMES.join(', ')}

Exit codes: 0 done, 2 wrong usage or input (one line on standard error says what), 1 unexpected failure.
`;

const IMPORT_HELP = `Usage: crmkit import (--database-url <url> | --dir <folder>) [options] <file.jsonl|file.csv> ...

Loads source records into a Hub through hub.load: in batches (one transaction each), streaming, with the same
customers, links, review items and golden records as ingesting them one batch at a time. A bad line stops the
import with its file and line; the batches before it stay imported, and running the same import again finishes it.

Input:
  file.jsonl, file.ndjson     One source record per line: {"type", "source", "externalId", "observedAt", "data"}
  file.csv                    Rows mapped to person or organisation records with --map (the map of crmkit resolve)

Options:
      --database-url <url>    Import into the Hub on this PostgreSQL database
      --schema <name>         PostgreSQL schema of the Hub's tables (default: crmkit)
      --dir <folder>          Import into the embedded database in this folder (as createHub({ dataDir }) of the
                              crmkit package opens it)
  -m, --map <map.json>        Column map of the CSV files: {"id": "<id column>", "columns": {"<column>": "<field>"}}
      --source <name>         Source system of the CSV records (default: the file name without extension)
      --observed-at <time>    observedAt of the CSV records, ISO 8601 (default: the file's modification time)
      --default-country <CC>  Country for phone numbers without a calling code (default: the map's defaultCountry)
      --batch-size <n>        Records per batch and transaction (default: 5000)
  -q, --quiet                 No progress and no summary; only errors on standard error
  -h, --help                  Show this help

Exit codes: 0 done, 2 wrong usage or a bad line (one line on standard error says what and where), 1 unexpected
failure, 130 stopped.
`;

/**
 * Runs the `crmkit` command line with `argv` (the arguments after the program name, e.g.
 * `['resolve', '--map', 'map.json', 'a.csv']`). Never calls `process.exit`: it returns the exit code (see
 * {@link ExitCode}). User errors are printed as one line to stderr, never with a stack trace.
 *
 * @example
 * ```ts
 * import { main } from '@crmkit/cli';
 *
 * process.exitCode = await main(process.argv.slice(2));
 * ```
 */
export async function main(argv: readonly string[], io: MainIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case undefined:
        stderr.write(MAIN_HELP);
        return ExitCode.USAGE;
      case '-h':
      case '--help':
      case 'help':
        stdout.write(MAIN_HELP);
        return ExitCode.OK;
      case '-v':
      case '--version':
        stdout.write(`${version()}\n`);
        return ExitCode.OK;
      case 'resolve':
        return await resolveCommand(rest, { ...io, stdout, stderr });
      case 'import':
        return await importCommand(rest, { ...io, stdout, stderr });
      default:
        throw new InvalidArgumentError({
          argument: 'command',
          message: command.startsWith('-')
            ? `unknown option ${command}; run "crmkit --help" for usage`
            : `unknown command ${JSON.stringify(command)}; the commands are: resolve, import (run "crmkit --help" for usage)`,
        });
    }
  } catch (error) {
    return report(error, stderr);
  }
}

async function resolveCommand(
  args: readonly string[],
  io: MainIo & { stdout: Writable; stderr: Writable },
): Promise<number> {
  const { values, positionals } = parseOptions(args, RESOLVE_OPTIONS, 'resolve');
  if (values.help) {
    io.stdout.write(RESOLVE_HELP);
    return ExitCode.OK;
  }
  if (values.map === undefined) {
    throw usage('map', 'missing --map <map.json>: the column map is required');
  }
  if (positionals.length === 0) throw usage('files', 'no input files: give one or more CSV files');
  const toStdout = values.out === undefined || values.out === '-';
  for (const [option, value] of [
    ['--parameters', values.parameters],
    ['--explain', values.explain],
  ] as const) {
    if (value === '-') throw usage(option.slice(2), `${option} needs a file name; standard output is for the clusters`);
  }

  const quiet = values.quiet === true;
  const isTTY = io.isTTY ?? (io.stderr as Writable & { isTTY?: boolean }).isTTY === true;
  const bar = !quiet && isTTY ? createProgressBar(io.stderr as Writable & { columns?: number }) : undefined;
  try {
    const { result } = await runResolve({
      files: positionals,
      map: values.map,
      out: toStdout ? io.stdout : values.out,
      parametersOut: values.parameters,
      explainOut: values.explain,
      cwd: io.cwd,
      onProgress: bar?.update,
      signal: io.signal,
    });
    bar?.clear();
    if (!quiet) {
      const { records, candidatePairs, links, reviews, clusters, seconds } = result.stats;
      io.stderr.write(
        `crmkit resolve: ${records} records, ${candidatePairs} candidate pairs, ${links} links, ${reviews} reviews, ` +
          `${clusters} clusters in ${seconds.toFixed(1)} s\n`,
      );
    }
    return ExitCode.OK;
  } finally {
    bar?.clear();
  }
}

async function importCommand(
  args: readonly string[],
  io: MainIo & { stdout: Writable; stderr: Writable },
): Promise<number> {
  const { values, positionals } = parseOptions(args, IMPORT_OPTIONS, 'import');
  if (values.help) {
    io.stdout.write(IMPORT_HELP);
    return ExitCode.OK;
  }
  if (positionals.length === 0) throw usage('files', 'no input files: give one or more .jsonl or .csv files');
  let batchSize: number | undefined;
  if (values['batch-size'] !== undefined) {
    batchSize = Number(values['batch-size']);
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw usage('batch-size', `--batch-size must be a whole number of at least 1; got ${values['batch-size']}`);
    }
  }
  const quiet = values.quiet === true;
  const isTTY = io.isTTY ?? (io.stderr as Writable & { isTTY?: boolean }).isTTY === true;
  const started = Date.now();
  let drawn = false;
  const result = await runImport({
    files: positionals,
    map: values.map,
    source: values.source,
    observedAt: values['observed-at'],
    databaseUrl: values['database-url'],
    schema: values.schema,
    dir: values.dir,
    defaultCountry: values['default-country'],
    batchSize,
    cwd: io.cwd,
    signal: io.signal,
    onProgress:
      !quiet && isTTY
        ? (p) => {
            const seconds = (Date.now() - started) / 1000;
            io.stderr.write(
              `\r\x1b[Kimporting  ${p.records} records, ${p.created} new, ${p.batches} batches, ${Math.round(p.records / Math.max(seconds, 0.001))} records/s`,
            );
            drawn = true;
          }
        : undefined,
  }).finally(() => {
    if (drawn) io.stderr.write('\r\x1b[K');
  });
  if (!quiet) {
    io.stderr.write(
      `crmkit import: ${result.records} records (${result.created} new, ${result.updated} updated, ${result.deleted} deleted, ` +
        `${result.unchanged} unchanged), ${result.reviews} reviews in ${result.seconds.toFixed(1)} s\n`,
    );
  }
  return ExitCode.OK;
}

const RESOLVE_OPTIONS = {
  map: { type: 'string', short: 'm' },
  out: { type: 'string', short: 'o' },
  parameters: { type: 'string' },
  explain: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

const IMPORT_OPTIONS = {
  'database-url': { type: 'string' },
  schema: { type: 'string' },
  dir: { type: 'string' },
  map: { type: 'string', short: 'm' },
  source: { type: 'string' },
  'observed-at': { type: 'string' },
  'default-country': { type: 'string' },
  'batch-size': { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseOptions<O extends typeof RESOLVE_OPTIONS | typeof IMPORT_OPTIONS>(
  args: readonly string[],
  options: O,
  command: string,
) {
  try {
    return parseArgs({ args: [...args], allowPositionals: true, strict: true, options });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const option = /'([^']+)'/.exec(message)?.[1] ?? message;
      throw usage('options', `unknown option ${option}; run "crmkit ${command} --help" for the options`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      throw usage('options', `${message.replace(/^Option '([^']+)'/, 'option $1')}; run "crmkit ${command} --help"`);
    }
    throw usage('options', message);
  }
}

function usage(argument: string, message: string): InvalidArgumentError {
  return new InvalidArgumentError({ argument, message });
}

/** Prints an error as one line (plus the stack for unexpected ones) and returns the exit code. */
function report(error: unknown, stderr: Writable): number {
  if (AbortedError.isInstance(error)) {
    stderr.write('crmkit: stopped\n');
    return ExitCode.ABORTED;
  }
  if (CrmkitError.isInstance(error)) {
    stderr.write(`crmkit: ${oneLine(error.message)}\n`);
    return ExitCode.USAGE;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  stderr.write(`crmkit: unexpected error: ${detail}\n`);
  return ExitCode.FAILURE;
}

function oneLine(message: string): string {
  return message
    .replace(/^\[crmkit(\/[\w-]+)?\] /, '')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}

let cachedVersion: string | undefined;

/** The version of this package, from its package.json. */
function version(): string {
  if (cachedVersion === undefined) {
    try {
      const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
        version?: string;
      };
      cachedVersion = manifest.version ?? 'unknown';
    } catch {
      cachedVersion = 'unknown';
    }
  }
  return cachedVersion;
}
