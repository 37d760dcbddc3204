import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { FIELD_NAMES } from '@crmkit/identity';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode, main, runResolve } from './index';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'crmkit-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A Writable that keeps what is written to it. */
class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], { cwd = fixtures, isTTY = false } = {}): Promise<Run> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(argv, { stdout, stderr, cwd, isTTY });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Writes a file into the temporary folder and returns its path. */
function file(name: string, content: string): string {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
}

/** Parses the `file,id,cluster` output (ids may be quoted). */
function clusters(csv: string): Map<string, string> {
  const lines = csv.trimEnd().split('\n');
  expect(lines[0]).toBe('file,id,cluster');
  const out = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const match = /^([^,]+),("(?:[^"]|"")*"|[^,]*),(.+)$/.exec(line);
    if (!match) throw new Error(`bad output line ${line}`);
    const id = match[2]!.startsWith('"') ? match[2]!.slice(1, -1).replaceAll('""', '"') : match[2]!;
    out.set(`${match[1]}/${id}`, match[3]!);
  }
  return out;
}

/** Asserts one line on stderr, no stack trace, nothing on stdout, exit code 2; returns the line. */
function userError(result: Run): string {
  expect(result.code).toBe(ExitCode.USAGE);
  expect(result.stdout).toBe('');
  expect(result.stderr.endsWith('\n')).toBe(true);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).not.toMatch(/\bat .*:\d+:\d+/);
  expect(result.stderr.startsWith('crmkit: ')).toBe(true);
  return result.stderr.trimEnd();
}

const SUMMARY =
  /^crmkit resolve: 12 records, \d+ candidate pairs, \d+ links, \d+ reviews, \d+ clusters in \d+\.\d s\n$/;

describe('crmkit resolve (end to end, real engine)', () => {
  it('links two files: obvious duplicates share a cluster, clear non-duplicates do not', async () => {
    const result = await run(['resolve', '--map', 'people-map.json', 'people-crm.csv', 'people-shop.csv']);
    expect(result.stderr).toMatch(SUMMARY);
    expect(result.code).toBe(0);

    // One row per input record, in input order, the id as in the input and CSV-quoted when needed.
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.map((line) => line.replace(/,[^,]+$/, ''))).toEqual([
      'file,id',
      ...['A-1', 'A-2', 'A-3', 'A-4', 'A-5', 'A-6'].map((id) => `people-crm.csv,${id}`),
      ...['S-101', 'S-102', '"S-103, web"', 'S-104', 'S-105', 'S-106'].map((id) => `people-shop.csv,${id}`),
    ]);

    const of = clusters(result.stdout);
    const cluster = (key: string) => of.get(key)!;
    // Same person: typo in given name and e-mail, phone without calling code.
    expect(cluster('people-shop.csv/S-101')).toBe(cluster('people-crm.csv/A-1'));
    // Twice in the CRM (within a file) and once in the shop with a typo in the family name.
    expect(cluster('people-crm.csv/A-3')).toBe(cluster('people-crm.csv/A-2'));
    expect(cluster('people-shop.csv/S-102')).toBe(cluster('people-crm.csv/A-2'));
    expect(cluster('people-shop.csv/S-103, web')).toBe(cluster('people-crm.csv/A-4'));
    // Same name, different birth date, e-mail, phone and city: another Thomas Müller. And four strangers.
    const apart = ['people-crm.csv/A-5', 'people-shop.csv/S-104', 'people-crm.csv/A-6', 'people-shop.csv/S-105'];
    const distinct = new Set(
      [...apart, 'people-shop.csv/S-106', 'people-crm.csv/A-1', 'people-crm.csv/A-2'].map(cluster),
    );
    expect(distinct.size).toBe(7);
  });

  it('deduplicates one file', async () => {
    const result = await run(['resolve', '-m', 'people-map.json', 'people-crm.csv']);
    expect(result.code).toBe(0);
    const of = clusters(result.stdout);
    expect(of.size).toBe(6);
    expect(of.get('people-crm.csv/A-3')).toBe(of.get('people-crm.csv/A-2'));
    expect(new Set(of.values()).size).toBe(5);
  });

  it('reads Febrl-style files (", " separators, blank given names) and finds their duplicates', async () => {
    const result = await run(['resolve', '--map', 'febrl-map.json', 'febrl-sample.csv']);
    expect(result.code).toBe(0);
    const of = clusters(result.stdout);
    const c = (id: string) => of.get(`febrl-sample.csv/${id}`);
    expect(c('rec-1-dup-0')).toBe(c('rec-1-org'));
    expect(c('rec-2-dup-0')).toBe(c('rec-2-org'));
    expect(c('rec-5-dup-0')).toBe(c('rec-5-org'));
    const originals = ['rec-1-org', 'rec-2-org', 'rec-3-org', 'rec-4-org', 'rec-5-org', 'rec-6-org'].map(c);
    expect(new Set(originals).size).toBe(6);
  });

  // The Febrl benchmark set from shared/ (beside the repository), when it is there: 500 originals, 500 duplicates.
  const febrl = fileURLToPath(new URL('../../../../shared/data/identity/febrl/dataset1.csv', import.meta.url));
  it.skipIf(!existsSync(febrl))('resolves Febrl dataset1 (1000 records) with high recall and precision', async () => {
    const result = await run(['resolve', '--map', 'febrl-map.json', febrl]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^crmkit resolve: 1000 records, /);
    const rows = [...clusters(result.stdout)].map(([key, cluster]) => [key.replace(/^dataset1\.csv\//, ''), cluster]);
    expect(rows).toHaveLength(1000);
    const original = new Map(
      rows.flatMap(([id, cluster]) => (/-org$/.test(id!) ? [[id!.split('-')[1], cluster]] : [])),
    );
    const duplicates = rows.filter(([id]) => /-dup-/.test(id!));
    const found = duplicates.filter(([id, cluster]) => original.get(id!.split('-')[1]) === cluster).length;
    expect(found / duplicates.length).toBeGreaterThanOrEqual(0.95);
    expect(new Set(original.values()).size / original.size).toBeGreaterThanOrEqual(0.99);
  });

  it('writes --out, --parameters and --explain files; stdout stays empty', async () => {
    const out = join(tmp, 'clusters.csv');
    const parameters = join(tmp, 'parameters.json');
    const explain = join(tmp, 'explain.csv');
    const result = await run([
      'resolve',
      '--map=people-map.json',
      '-o',
      out,
      '--parameters',
      parameters,
      '--explain',
      explain,
      'people-crm.csv',
      'people-shop.csv',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(readFileSync(out, 'utf8').split('\n')).toHaveLength(14);
    expect(JSON.parse(readFileSync(parameters, 'utf8'))).toMatchObject({ entity: 'person' });
    expect(readFileSync(explain, 'utf8').split('\n')[0]).toBe(
      'file_a,id_a,file_b,id_b,probability,weight,band,rule,guard,contributions',
    );
  });

  it('writes the review pairs with their scores to --explain', async () => {
    const explain = join(tmp, 'reviews.csv');
    const map = file(
      'strict-map.json',
      JSON.stringify({
        ...JSON.parse(readFileSync(join(fixtures, 'people-map.json'), 'utf8')),
        thresholds: { link: 1, review: 0.01 },
      }),
    );
    const result = await run([
      'resolve',
      '--map',
      map,
      '--explain',
      explain,
      '-q',
      'people-crm.csv',
      'people-shop.csv',
    ]);
    expect(result.code).toBe(0);
    const [header, ...rows] = readFileSync(explain, 'utf8').trimEnd().split('\n');
    expect(header).toBe('file_a,id_a,file_b,id_b,probability,weight,band,rule,guard,contributions');
    expect(rows.length).toBeGreaterThan(0);
    // With link at 1 only deterministic rules link; the Schmidt pair (typos) is left for review, explained.
    const schmidt = rows.find((row) => row.startsWith('people-crm.csv,A-1,people-shop.csv,S-101,'));
    expect(schmidt).toMatch(/,review,,,.*givenName .+ \([+-]\d+\.\d\d\); familyName exact/);
    expect(rows.every((row) => /,review,/.test(row))).toBe(true);
  });

  it('with --quiet prints nothing on stderr; on a terminal the summary is still the last line', async () => {
    const quiet = await run(['resolve', '--quiet', '--map', 'people-map.json', 'people-crm.csv', 'people-shop.csv']);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    const tty = await run(['resolve', '--map', 'people-map.json', 'people-crm.csv', 'people-shop.csv'], {
      isTTY: true,
    });
    expect(tty.code).toBe(0);
    expect(tty.stderr.split('\r\x1b[K').at(-1)).toMatch(SUMMARY);
  });

  it('stops with exit code 130 when the signal is aborted', async () => {
    const stdout = new Capture();
    const stderr = new Capture();
    const signal = AbortSignal.abort();
    const argv = ['resolve', '--map', 'people-map.json', 'people-crm.csv'];
    expect(await main(argv, { stdout, stderr, cwd: fixtures, signal })).toBe(ExitCode.ABORTED);
    expect(stderr.text).toBe('crmkit: stopped\n');
    expect(stdout.text).toBe('');
  });

  it('matches organisations when only organisation fields are mapped', async () => {
    const { entity, rows, result } = await runResolve({
      files: ['org.csv'],
      map: { id: 'Reg No', columns: { Company: 'organizationName', Town: 'city' } },
      cwd: fixtures,
    });
    expect(entity).toBe('organization');
    expect(result.parameters.entity).toBe('organization');
    expect(rows.map((row) => row.id)).toEqual(['HRB 1001', 'HRB 1002', 'HRB 2001']);
    expect(rows[2]!.cluster).not.toBe(rows[0]!.cluster);
  });

  it('runResolve does the same as a function', async () => {
    const { rows, entity, result } = await runResolve({
      files: ['people-crm.csv', 'people-shop.csv'],
      map: {
        id: 'customer_id',
        columns: { 'First Name': 'givenName', 'Last Name': 'familyName', 'E-Mail': 'email' },
      },
      cwd: fixtures,
    });
    expect(entity).toBe('person');
    expect(rows).toHaveLength(12);
    expect(rows[8]).toMatchObject({ file: 'people-shop.csv', id: 'S-103, web' });
    expect(rows[2]!.cluster).toBe(rows[1]!.cluster);
    expect(result.clusterOf.get('1:S-102')).toBe(rows[1]!.cluster);
    expect(result.stats.records).toBe(12);
  });
});

describe('crmkit usage', () => {
  it('prints help and version', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: crmkit <command>');
    const resolveHelp = await run(['resolve', '--help']);
    expect(resolveHelp.code).toBe(0);
    expect(resolveHelp.stdout).toContain('Usage: crmkit resolve --map <map.json>');
    expect(resolveHelp.stdout).toContain(FIELD_NAMES.join(', '));
    const version = await run(['--version']);
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(version).toEqual({ code: 0, stdout: `${manifest.version}\n`, stderr: '' });
  });

  it('without a command prints the usage on stderr and exits with 2', async () => {
    const result = await run([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: crmkit <command>');
  });

  it.each([
    [
      ['frobnicate'],
      'crmkit: unknown command "frobnicate"; the commands are: resolve, import (run "crmkit --help" for usage)',
    ],
    [['--frobnicate'], 'crmkit: unknown option --frobnicate; run "crmkit --help" for usage'],
    [
      ['resolve', '--frobnicate', '--map', 'people-map.json', 'people-crm.csv'],
      'crmkit: unknown option --frobnicate; run "crmkit resolve --help" for the options',
    ],
    [['resolve', 'people-crm.csv'], 'crmkit: missing --map <map.json>: the column map is required'],
    [['resolve', '--map'], `crmkit: option -m, --map <value> argument missing; run "crmkit resolve --help"`],
    [['resolve', '--map', 'people-map.json'], 'crmkit: no input files: give one or more CSV files'],
    [
      ['resolve', '--map', 'people-map.json', '--explain', '-', 'people-crm.csv'],
      'crmkit: --explain needs a file name; standard output is for the clusters',
    ],
  ])('rejects %j', async (argv, message) => {
    expect(userError(await run(argv))).toBe(message);
  });
});

describe('crmkit resolve errors: one line on stderr, exit code 2, nothing written', () => {
  const map = file('map.json', JSON.stringify({ id: 'id', columns: { name: 'fullName', mail: 'email' } }));
  const resolveWith = async (csv: string, extra: string[] = []) => {
    const out = join(tmp, `out-${Math.random().toString(36).slice(2)}.csv`);
    const result = await run(['resolve', '--map', map, '--out', out, ...extra, csv], { cwd: tmp });
    expect(existsSync(out)).toBe(false);
    return userError(result);
  };

  it('a map file that does not exist or is not JSON', async () => {
    expect(userError(await run(['resolve', '--map', 'nope.json', 'people-crm.csv']))).toBe(
      'crmkit: cannot read the map file nope.json: no such file or directory',
    );
    file('broken.json', '{ "id": "id", ');
    expect(userError(await run(['resolve', '--map', 'broken.json', 'x.csv'], { cwd: tmp }))).toMatch(
      /^crmkit: broken\.json is not valid JSON: /,
    );
  });

  it('an unknown field: names the column and lists the valid fields', async () => {
    file('bad-field.json', JSON.stringify({ id: 'id', columns: { name: 'fullName', 'E-Mail': 'mail' } }));
    expect(userError(await run(['resolve', '--map', 'bad-field.json', 'x.csv'], { cwd: tmp }))).toBe(
      `crmkit: bad-field.json: column "E-Mail" maps to unknown field "mail" (valid fields: ${FIELD_NAMES.join(', ')})`,
    );
  });

  it('a map without id', async () => {
    file('no-id.json', JSON.stringify({ columns: { name: 'fullName' } }));
    expect(userError(await run(['resolve', '--map', 'no-id.json', 'x.csv'], { cwd: tmp }))).toBe(
      'crmkit: no-id.json: id is required: the name of the column that holds the record id',
    );
  });

  it('an input file that does not exist', async () => {
    expect(await resolveWith('missing.csv')).toBe('crmkit: cannot read missing.csv: no such file or directory');
  });

  it('the id column missing from a header', async () => {
    file('no-id.csv', 'key,name,mail\n1,Ada,ada@example.com\n');
    expect(await resolveWith('no-id.csv')).toBe(
      'crmkit: no-id.csv: the header has no id column "id" (header: key, name, mail)',
    );
  });

  it('a mapped column missing from a header, naming the file and the column', async () => {
    file('no-mail.csv', 'id,name,email\n1,Ada,ada@example.com\n');
    expect(await resolveWith('no-mail.csv')).toBe(
      'crmkit: no-mail.csv: the header has no mapped column "mail" (header: id, name, email)',
    );
  });

  it('a duplicate id within a file, with the line and the id', async () => {
    file('dup.csv', 'id,name,mail\n1,Ada,a@example.com\n2,Bob,b@example.com\n1,Ada L.,a@example.com\n');
    expect(await resolveWith('dup.csv')).toBe('crmkit: dup.csv, line 4: duplicate id "1" (first on line 2)');
  });

  it('the same id in two files is fine', async () => {
    file('one.csv', 'id,name,mail\n1,Ada Lovelace,ada@example.com\n');
    file('two.csv', 'id,name,mail\n1,Ada Lovelace,ada@example.com\n');
    const result = await run(['resolve', '--map', map, 'one.csv', 'two.csv'], { cwd: tmp });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('file,id,cluster\none.csv,1,0:1\ntwo.csv,1,0:1\n');
  });

  it('an empty id', async () => {
    file('empty-id.csv', 'id,name,mail\n1,Ada,a@example.com\n ,Bob,b@example.com\n');
    expect(await resolveWith('empty-id.csv')).toBe('crmkit: empty-id.csv, line 3: empty id in column "id"');
  });

  it('malformed CSV: an unterminated quote, with the line it opened on', async () => {
    file('open-quote.csv', 'id,name,mail\n1,Ada,a@example.com\n2,"Bob,b@example.com\n3,Cy,c@example.com\n');
    expect(await resolveWith('open-quote.csv')).toBe(
      'crmkit: open-quote.csv, line 3: malformed CSV: unterminated quoted field: the quote opened here is never closed',
    );
  });

  it('malformed CSV: the wrong number of fields', async () => {
    file('ragged.csv', 'id,name,mail\r\n1,Ada,a@example.com\r\n2,"Bob, Jr.",b@example.com,extra\r\n');
    expect(await resolveWith('ragged.csv')).toBe(
      'crmkit: ragged.csv, line 3: malformed CSV: expected 3 fields (as in the header), found 4',
    );
  });

  it('an empty file', async () => {
    file('empty.csv', '');
    expect(await resolveWith('empty.csv')).toBe(
      'crmkit: empty.csv is empty: expected a header line with the column names.',
    );
  });

  it('an output that is also an input', async () => {
    file('same.csv', 'id,name,mail\n1,Ada,a@example.com\n');
    expect(userError(await run(['resolve', '--map', map, '--out', 'same.csv', 'same.csv'], { cwd: tmp }))).toBe(
      'crmkit: same.csv is both an input and an output; write the output elsewhere.',
    );
  });

  it('an output folder that does not exist', async () => {
    file('ok.csv', 'id,name,mail\n1,Ada,a@example.com\n');
    expect(userError(await run(['resolve', '--map', map, '--out', 'no/such/dir.csv', 'ok.csv'], { cwd: tmp }))).toBe(
      'crmkit: cannot write no/such/dir.csv: no such file or directory',
    );
  });
});
