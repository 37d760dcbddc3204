import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '@crmkit/model';
import { afterAll, describe, expect, it } from 'vitest';
import { type CsvRow, readCsvFile } from './csv';

describe('readCsvFile', () => {
  it('names the CLI in errors, with file and line', async () => {
    const path = join(dir, 'bad.csv');
    writeFileSync(path, 'id,name\n1,"open\n');
    let thrown: unknown;
    try {
      for await (const _row of readCsvFile(path, 'bad.csv'));
    } catch (error) {
      thrown = error;
    }
    expect(ValidationError.isInstance(thrown)).toBe(true);
    expect((thrown as ValidationError).message).toMatch(/^\[crmkit\/cli\] bad\.csv, line 2: malformed CSV/);
  });

  const dir = mkdtempSync(join(tmpdir(), 'crmkit-cli-csv-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('streams a file larger than one chunk, reporting bytes read', async () => {
    const path = join(dir, 'big.csv');
    const lines = ['id,name,note'];
    for (let i = 0; i < 5000; i++) lines.push(`${i},"Name ${i}, Jr.","x\r\ny"`);
    writeFileSync(path, lines.join('\r\n'));
    const bytes: number[] = [];
    const rows: CsvRow[] = [];
    for await (const row of readCsvFile(path, 'big.csv', (n) => bytes.push(n))) rows.push(row);
    expect(rows).toHaveLength(5001);
    expect(rows[5000]).toEqual({ line: 10000, fields: ['4999', 'Name 4999, Jr.', 'x\r\ny'] });
    expect(bytes.length).toBeGreaterThan(1);
    expect(bytes.at(-1)).toBe(Buffer.byteLength(lines.join('\r\n')));
  });
});
