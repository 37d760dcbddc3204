import { createReadStream } from 'node:fs';
import { CsvParser, type CsvRow, csvError as identityCsvError } from '@crmkit/identity';
import type { ValidationError } from '@crmkit/model';

// The parser and writer are `@crmkit/identity`'s (one CSV reader for the CLI and the test kit); this module adds
// reading from a file.
export { type CsvRow, csvField, csvLine } from '@crmkit/identity';

/** A {@link ValidationError} about one line of one input file: `[crmkit/cli] a.csv, line 7: message`. */
export function csvError(file: string, line: number, message: string): ValidationError {
  return identityCsvError(file, line, message, 'crmkit/cli');
}

/**
 * Reads a CSV file as a stream of records, chunk by chunk (the file is read once and never held whole).
 *
 * @param path Path of the file.
 * @param label Name of the file in error messages.
 * @param onBytes Called after each chunk with the number of bytes read so far.
 */
export async function* readCsvFile(
  path: string,
  label: string,
  onBytes?: (bytesRead: number) => void,
): AsyncGenerator<CsvRow> {
  const parser = new CsvParser(label, { scope: 'crmkit/cli' });
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 });
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      yield* parser.push(chunk);
      onBytes?.(stream.bytesRead);
    }
  } finally {
    stream.destroy();
  }
  yield* parser.end();
}
