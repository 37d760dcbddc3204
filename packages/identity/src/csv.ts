/**
 * The one CSV reader of crmkit (the CLI's `resolve` and the test kit's record-linkage datasets use it): a streaming
 * RFC 4180 parser that runs anywhere (no `node:` imports; feed it text chunks), and the writer of CSV lines.
 *
 * @module
 */
import { ValidationError } from '@crmkit/model';

/** One parsed CSV record and the (1-based) physical line it starts on. */
export interface CsvRow {
  line: number;
  fields: string[];
}

/** Options of {@link CsvParser}. */
export interface CsvParserOptions {
  /** Package named at the start of error messages (`'crmkit/cli'`). @default 'crmkit/identity' */
  scope?: string;
}

const COMMA = 0x2c;
const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;
const BOM = 0xfeff;

/** At the start of a field, skipping blanks. */
const FIELD_START = 0;
/** Inside an unquoted field. */
const UNQUOTED = 1;
/** Inside a quoted field. */
const QUOTED = 2;
/** Just saw a quote inside a quoted field: either an escaped quote (`""`) or the closing one. */
const QUOTE_IN_QUOTED = 3;
/** After the closing quote: only blanks, then a comma or the end of the line. */
const AFTER_QUOTED = 4;

const trailingBlanks = /[ \t]+$/;

/**
 * A streaming CSV parser: RFC 4180 plus what real exports do. Feed it text chunks of any size with `push`, then
 * call `end`; both return the complete records seen so far.
 *
 * - fields are separated by commas, records by CRLF, LF or CR; quoted fields may hold commas, quotes (`""`) and
 *   line breaks;
 * - blanks (spaces, tabs) around a field are dropped, so `a, "b" ,c` is `a`, `b`, `c` (Febrl writes `, `); blanks
 *   inside quotes are kept;
 * - a UTF-8 byte order mark at the start is dropped; blank lines are skipped;
 * - a quote inside an unquoted field is kept as it is (`5" floppy`);
 * - an unterminated quoted field, or text after a closing quote, is a {@link ValidationError} naming the file and
 *   the line.
 *
 * The number of fields per record is not checked here; the caller compares it with the header.
 */
export class CsvParser {
  private state = FIELD_START;
  private field = '';
  private fields: string[] = [];
  private line = 1;
  private recordLine = 1;
  private quoteLine = 1;
  private recordQuoted = false;
  private lastWasCR = false;
  private started = false;
  private rows: CsvRow[] = [];

  /**
   * @param file - Name of the input, used in error messages.
   * @param options - `scope`: the package named at the start of error messages. @default 'crmkit/identity'
   */
  constructor(
    private readonly file: string,
    private readonly options: CsvParserOptions = {},
  ) {}

  /** Parses one more chunk of text; returns the records completed by it. */
  push(chunk: string): CsvRow[] {
    let i = 0;
    const n = chunk.length;
    if (!this.started && n > 0) {
      this.started = true;
      if (chunk.charCodeAt(0) === BOM) i = 1;
    }
    while (i < n) {
      const ch = chunk.charCodeAt(i);
      switch (this.state) {
        case FIELD_START:
          if (ch === SPACE || ch === TAB) {
            i++;
          } else if (ch === QUOTE) {
            this.state = QUOTED;
            this.quoteLine = this.line;
            this.recordQuoted = true;
            i++;
          } else if (ch === COMMA) {
            this.fields.push('');
            i++;
          } else if (ch === LF || ch === CR) {
            // The LF of a CRLF whose CR already ended the record.
            if (ch === LF && this.lastWasCR && this.fields.length === 0) {
              this.lastWasCR = false;
              i++;
              continue;
            }
            this.fields.push('');
            this.newline(ch);
            this.endRecord();
            i++;
            continue;
          } else {
            this.state = UNQUOTED;
          }
          this.lastWasCR = false;
          break;
        case UNQUOTED: {
          let j = i;
          let c = ch;
          while (c !== COMMA && c !== LF && c !== CR) {
            j++;
            if (j === n) break;
            c = chunk.charCodeAt(j);
          }
          this.field += chunk.slice(i, j);
          this.lastWasCR = false;
          i = j;
          if (j === n) break;
          this.fields.push(this.field.replace(trailingBlanks, ''));
          this.field = '';
          this.state = FIELD_START;
          i++;
          if (c !== COMMA) {
            this.newline(c);
            this.endRecord();
          }
          break;
        }
        case QUOTED: {
          let j = i;
          while (j < n) {
            const c = chunk.charCodeAt(j);
            if (c === QUOTE) break;
            if (c === LF || c === CR) this.newline(c);
            else this.lastWasCR = false;
            j++;
          }
          this.field += chunk.slice(i, j);
          i = j;
          if (j < n) {
            this.state = QUOTE_IN_QUOTED;
            this.lastWasCR = false;
            i++;
          }
          break;
        }
        case QUOTE_IN_QUOTED:
          if (ch === QUOTE) {
            this.field += '"';
            this.state = QUOTED;
            i++;
          } else {
            this.state = AFTER_QUOTED;
          }
          break;
        case AFTER_QUOTED:
          if (ch === SPACE || ch === TAB) {
            i++;
          } else if (ch === COMMA) {
            this.fields.push(this.field);
            this.field = '';
            this.state = FIELD_START;
            i++;
          } else if (ch === LF || ch === CR) {
            this.fields.push(this.field);
            this.field = '';
            this.state = FIELD_START;
            this.newline(ch);
            this.endRecord();
            i++;
          } else {
            throw this.error(
              this.line,
              `unexpected ${JSON.stringify(chunk[i])} after the closing quote of a quoted field (a quote inside a quoted field is written "")`,
            );
          }
          break;
      }
    }
    return this.take();
  }

  /** Ends the input; returns the last record, if the text did not end with a line break. */
  end(): CsvRow[] {
    switch (this.state) {
      case QUOTED:
        throw this.error(this.quoteLine, 'unterminated quoted field: the quote opened here is never closed');
      case UNQUOTED:
        this.fields.push(this.field.replace(trailingBlanks, ''));
        this.endRecord();
        break;
      case QUOTE_IN_QUOTED:
      case AFTER_QUOTED:
        this.fields.push(this.field);
        this.endRecord();
        break;
      default:
        if (this.fields.length > 0) {
          this.fields.push('');
          this.endRecord();
        }
    }
    this.field = '';
    this.state = FIELD_START;
    return this.take();
  }

  private newline(ch: number): void {
    // CR, LF and CRLF each count as one line break.
    if (!(ch === LF && this.lastWasCR)) this.line++;
    this.lastWasCR = ch === CR;
  }

  private endRecord(): void {
    const blank = this.fields.length === 1 && this.fields[0] === '' && !this.recordQuoted;
    if (!blank) this.rows.push({ line: this.recordLine, fields: this.fields });
    this.fields = [];
    this.recordQuoted = false;
    this.recordLine = this.line;
  }

  private take(): CsvRow[] {
    const rows = this.rows;
    this.rows = [];
    return rows;
  }

  private error(line: number, message: string): ValidationError {
    return csvError(this.file, line, `malformed CSV: ${message}`, this.options.scope);
  }
}

/**
 * A {@link ValidationError} about one line of one input file: `[crmkit/identity] a.csv, line 7: message`, with the
 * issue path `[file, line]` and issue code `invalid_csv`.
 */
export function csvError(file: string, line: number, message: string, scope = 'crmkit/identity'): ValidationError {
  return new ValidationError({
    message: `[${scope}] ${file}, line ${line}: ${message}`,
    issues: [{ path: [file, line], pathString: `${file}:${line}`, message, issueCode: 'invalid_csv' }],
    source: file,
  });
}

/**
 * Parses a whole CSV text at once (see {@link CsvParser} for the dialect).
 *
 * @param text - The CSV text.
 * @param file - Name of the input in error messages. @default 'input.csv'
 * @returns The records, header included, each with the line it starts on.
 * @example
 * ```ts
 * parseCsvText('a, b\n"x, y",1').map((row) => row.fields); // [['a', 'b'], ['x, y', '1']]
 * ```
 */
export function parseCsvText(text: string, file = 'input.csv'): CsvRow[] {
  const parser = new CsvParser(file);
  return [...parser.push(text), ...parser.end()];
}

const needsQuotes = /[",\r\n]|^[ \t]|[ \t]$/;

/** One CSV field, quoted when it holds a comma, quote or line break, or starts or ends with a blank. */
export function csvField(value: string): string {
  return needsQuotes.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One CSV line (with its LF) from the given fields. */
export function csvLine(fields: readonly string[]): string {
  return fields.map(csvField).join(',') + '\n';
}
