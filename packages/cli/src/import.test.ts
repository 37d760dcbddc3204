import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createHub, createMemoryStore, type Hub } from '@crmkit/core';
import { type SourceRecordInput, ValidationError } from '@crmkit/model';
import { createPostgresStore, embeddedClient, pgClient } from '@crmkit/store-postgres';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode, main, runImport } from './index';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'crmkit-import-'));
const url = process.env.DATABASE_URL;
const schemas: string[] = [];
afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  if (url && schemas.length > 0) {
    const pool = new pg.Pool({ connectionString: url });
    for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  }
});

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

async function run(argv: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(argv, { stdout, stderr, cwd: fixtures, isTTY: false });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

function person(i: number, extra: Partial<SourceRecordInput> = {}): SourceRecordInput {
  return {
    type: 'person',
    source: i % 2 === 0 ? 'crm' : 'shop',
    externalId: `p-${i}`,
    observedAt: '2026-03-01T10:00:00Z',
    data: {
      givenName: `Ada${Math.floor(i / 2)}`,
      familyName: 'Lovelace',
      emails: [`ada${Math.floor(i / 2)}@example.com`],
    },
    ...extra,
  } as SourceRecordInput;
}

function jsonl(name: string, lines: readonly string[]): string {
  const path = join(tmp, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** A Hub on a memory store that stays readable after the import closes its Hub. */
function memoryHubs() {
  const store = createMemoryStore();
  const keep = { ...store, close: async () => {} };
  return {
    openHub: (o: { defaultCountry?: string }) => createHub({ ...o, store: keep }),
    reader: () => createHub({ store: keep }),
  };
}

async function customerCount(hub: Hub): Promise<number> {
  return (await hub.list({ limit: 1000 })).items.length;
}

describe('crmkit import', () => {
  it('loads JSON Lines into an embedded folder, and a second run changes nothing', async () => {
    const dir = join(tmp, 'hub');
    const file = jsonl('people.jsonl', [...Array.from({ length: 30 }, (_, i) => JSON.stringify(person(i))), '']);
    const first = await run(['import', '--dir', dir, '--batch-size', '7', file]);
    expect(first.stderr).toMatch(
      /^crmkit import: 30 records \(30 new, 0 updated, 0 deleted, 0 unchanged\), 0 reviews in [\d.]+ s\n$/,
    );
    expect(first.code).toBe(ExitCode.OK);
    const again = await run(['import', '--dir', dir, file]);
    expect(again.stderr).toContain('30 records (0 new, 0 updated, 0 deleted, 30 unchanged)');
    const hub = createHub({ store: createPostgresStore({ client: embeddedClient({ dataDir: dir }) }) });
    try {
      expect(await customerCount(hub)).toBe(15);
    } finally {
      await hub.close();
    }
  }, 120_000);

  it('names the file and line of a bad record; the batches before it stay', async () => {
    const lines = Array.from({ length: 12 }, (_, i) => JSON.stringify(person(i)));
    lines[8] = JSON.stringify(person(8, { observedAt: 'soon' }));
    const file = jsonl('bad-record.jsonl', ['', ...lines]); // line 1 is blank: the bad record is on line 10
    const { openHub, reader } = memoryHubs();
    const error = await runImport({ files: [file], batchSize: 4, openHub }).catch((e: unknown) => e);
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('bad-record.jsonl, line 10: observedAt:');
    expect((error as Error).message).toContain('the 8 records before its batch are imported');
    expect((error as ValidationError).issues[0]!.pathString).toBe(`${file}:10`);
    expect(await customerCount(reader())).toBe(4);
  });

  it('refuses a line that is not JSON or not an object, with exit code 2', async () => {
    const file = jsonl('not-json.jsonl', [JSON.stringify(person(0)), '{"type": "person",', '[1]']);
    const notJson = await run(['import', '--dir', join(tmp, 'x'), file]);
    expect(notJson.code).toBe(ExitCode.USAGE);
    expect(notJson.stderr).toMatch(/^crmkit: .*not-json\.jsonl, line 2: not JSON: /);
    const array = jsonl('array.jsonl', ['[1]']);
    const { openHub } = memoryHubs();
    await expect(runImport({ files: [array], openHub })).rejects.toThrow(
      /array\.jsonl, line 1: expected one source record/,
    );
  });

  it('maps CSV rows with the column map of crmkit resolve', async () => {
    const { openHub, reader } = memoryHubs();
    const result = await runImport({
      files: ['people-crm.csv', 'people-shop.csv'],
      map: 'people-map.json',
      observedAt: '2026-03-01T10:00:00Z',
      cwd: fixtures,
      openHub,
    });
    expect(result.records).toBe(12);
    const hub = reader();
    const [johanna] = await hub.find({ email: 'johanna.schmidt@example.de' });
    expect(johanna?.golden.sources.map((s) => s.system).sort()).toContain('people-crm');
    expect(johanna?.golden.fields.birthDate?.value).toBe('1984-03-12');
  });

  it('says what is missing: a target, a map for CSV, input files', async () => {
    expect((await run(['import', 'people-crm.csv', '--map', 'people-map.json'])).stderr).toContain(
      'say where to import: --database-url',
    );
    expect((await run(['import', '--dir', join(tmp, 'y'), 'people-crm.csv'])).stderr).toContain('missing --map');
    expect((await run(['import', '--dir', join(tmp, 'y')])).stderr).toContain('no input files');
    expect((await run(['import', '--dir', join(tmp, 'y'), '--batch-size', '0', 'a.jsonl'])).stderr).toContain(
      '--batch-size must be a whole number',
    );
    const help = await run(['import', '--help']);
    expect(help.code).toBe(ExitCode.OK);
    expect(help.stdout).toContain('Usage: crmkit import');
  });

  it.skipIf(!url)(
    'imports into PostgreSQL with --database-url and --schema (needs DATABASE_URL)',
    async () => {
      const schema = `cli_import_${process.pid}_${Date.now().toString(36)}`;
      schemas.push(schema);
      const file = jsonl(
        'pg.jsonl',
        Array.from({ length: 10 }, (_, i) => JSON.stringify(person(i))),
      );
      const result = await run(['import', '--database-url', url!, '--schema', schema, file]);
      expect(result.stderr).toContain('10 records (10 new');
      const pool = new pg.Pool({ connectionString: url });
      const hub = createHub({ store: createPostgresStore({ client: pgClient(pool, { ownsPool: true }), schema }) });
      try {
        expect(await customerCount(hub)).toBe(5);
      } finally {
        await hub.close();
      }
    },
    120_000,
  );
});
