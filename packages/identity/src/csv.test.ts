import { ValidationError } from '@crmkit/model';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CsvRow, CsvParser, csvField, csvLine, parseCsvText } from './csv';

/** Parses `text` in one chunk. */
function parse(text: string): CsvRow[] {
  const parser = new CsvParser('t.csv');
  return [...parser.push(text), ...parser.end()];
}

/** Parses `text` one character at a time: every chunk boundary at once. */
function parseByChar(text: string): CsvRow[] {
  const parser = new CsvParser('t.csv');
  const rows: CsvRow[] = [];
  for (const ch of text) rows.push(...parser.push(ch));
  return [...rows, ...parser.end()];
}

function fields(text: string): string[][] {
  return parse(text).map((row) => row.fields);
}

function errorOf(text: string): ValidationError {
  try {
    parse(text);
  } catch (error) {
    if (ValidationError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('CsvParser', () => {
  it('reads RFC 4180: quoted commas, escaped quotes, line breaks in quotes', () => {
    expect(fields('a,b,c\n1,"x, y","say ""hi"""\n2,"two\nlines",z\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', 'x, y', 'say "hi"'],
      ['2', 'two\nlines', 'z'],
    ]);
  });

  it('takes CRLF, LF and lone CR as line ends, with or without a final one', () => {
    expect(fields('a,b\r\n1,2\r\n3,4')).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ]);
    expect(fields('a,b\r1,2\r')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('drops a BOM, blanks around fields (Febrl writes ", ") and blank lines; keeps blanks inside quotes', () => {
    expect(fields('\uFEFFid, name , city\n\n1,  "  Ada " , \t"x"\t\n   \n2, , \n')).toEqual([
      ['id', 'name', 'city'],
      ['1', '  Ada ', 'x'],
      ['2', '', ''],
    ]);
  });

  it('keeps empty fields, an empty last field and a quoted empty line', () => {
    expect(fields(',,\na,\n""\n')).toEqual([['', '', ''], ['a', ''], ['']]);
  });

  it('keeps a quote inside an unquoted field as it is', () => {
    expect(fields('size\n5" floppy\n')).toEqual([['size'], ['5" floppy']]);
  });

  it('reports the line each record starts on, counting line breaks inside quotes', () => {
    const rows = parse('h1,h2\r\n1,"a\r\nb\r\nc"\r\n\r\n2,x\n');
    expect(rows.map((row) => row.line)).toEqual([1, 2, 6]);
  });

  it('gives the same records whatever the chunk boundaries', () => {
    const text = '\uFEFFid, name\r\n1, "a, ""b"""\r\n2,"multi\r\nline" \r\n\r\n3,plain\r4,"x"';
    expect(parseByChar(text)).toEqual(parse(text));
    expect(parse(text)).toHaveLength(5);
  });

  it('rejects an unterminated quote, naming the file and the line the quote opened on', () => {
    const error = errorOf('id,name\n1,ok\n2,"never closed\n3,x\n');
    expect(error.message).toBe(
      '[crmkit/identity] t.csv, line 3: malformed CSV: unterminated quoted field: the quote opened here is never closed',
    );
    expect(error.issues[0]?.pathString).toBe('t.csv:3');
    expect(error.code).toBe('VALIDATION_FAILED');
  });

  it('rejects text after a closing quote', () => {
    expect(errorOf('id,name\n1,"a"b\n').message).toMatch(
      /^\[crmkit\/identity\] t\.csv, line 2: malformed CSV: unexpected "b"/,
    );
  });

  it('round-trips any table through csvLine (property)', () => {
    const cell = fc.string({ unit: fc.constantFrom('a', 'b', ' ', ',', '"', '\n', '\r', '\t', 'é', '😀') });
    const table = fc.array(fc.array(cell, { minLength: 2, maxLength: 4 }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(table, (rows) => {
        const text = rows.map(csvLine).join('');
        const expected = rows.map((row) => row.map((value) => (needsNoQuotes(value) ? value.trim() : value)));
        expect(parse(text).map((row) => row.fields)).toEqual(expected);
        expect(parseByChar(text).map((row) => row.fields)).toEqual(expected);
      }),
    );
  });
});

function needsNoQuotes(value: string): boolean {
  return csvField(value) === value;
}

describe('parseCsvText', () => {
  it('parses a whole text at once, with the record lines', () => {
    expect(parseCsvText('a, b\n"x, y",1\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, y', '1'] },
    ]);
  });

  it('names the scope of the caller in errors', () => {
    const parser = new CsvParser('in.csv', { scope: 'crmkit/cli' });
    expect(() => parser.push('"open')).not.toThrow();
    expect(() => parser.end()).toThrow(/^\[crmkit\/cli\] in\.csv, line 1: malformed CSV/);
  });
});

describe('csvField', () => {
  it('quotes only when needed', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(' padded')).toBe('" padded"');
    expect(csvField('')).toBe('');
  });
});
