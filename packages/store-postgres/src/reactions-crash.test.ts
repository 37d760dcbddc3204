import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Plugin after-hooks come from the committed outbox (decision 011): a writer killed with SIGKILL after its
 * transaction committed and before the hooks ran loses nothing, a process that opens the store afterwards delivers
 * them, and each hook runs exactly once per event. A process that is not the writer delivers for a writer with
 * delivery off. Real child processes (./testing/reactions-crash-child.ts), on the embedded PGlite store (a folder)
 * and on PostgreSQL (`DATABASE_URL`).
 */
const url = process.env.DATABASE_URL;
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const childScript = fileURLToPath(new URL('./testing/reactions-crash-child.ts', import.meta.url));
/** How long one child may take on a loaded machine (start, migrations, PGlite open). */
const CHILD_PATIENCE_MS = 120_000;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runChild(env: Record<string, string>): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@crmkit/source', '--import', 'tsx', childScript], {
      cwd: packageDir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child (${env.REACT_MODE}) did not finish in time: ${stderr}`));
    }, CHILD_PATIENCE_MS);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function keys(...batches: string[]): string[] {
  return batches.flatMap((batch) => [0, 1, 2].map((i) => `crash/person/${batch}-${i}`)).sort();
}

function lines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .sort();
}

/** The scenario on one store: kill between commit and delivery, deliver in a new process, deliver for a writer. */
async function scenario(store: Record<string, string>, file: string): Promise<void> {
  writeFileSync(file, '');
  const env = { ...store, REACT_FILE: file };

  const died = await runChild({ ...env, REACT_MODE: 'die' });
  expect(died.signal, died.stderr).toBe('SIGKILL');
  // Batch a was delivered before the writer answered; batch b committed, and the writer died before its hooks.
  expect(lines(file)).toEqual(keys('a'));

  const delivered = await runChild({ ...env, REACT_MODE: 'deliver' });
  expect(delivered.stdout, delivered.stderr).toContain('DONE');
  expect(lines(file)).toEqual(keys('a', 'b')); // b once, a not again

  // A writer with delivery off; another process (not the writer) delivers.
  const wrote = await runChild({ ...env, REACT_MODE: 'write', REACT_BATCH: 'c' });
  expect(wrote.stdout, wrote.stderr).toContain('DONE');
  expect(lines(file)).toEqual(keys('a', 'b'));
  const other = await runChild({ ...env, REACT_MODE: 'deliver' });
  expect(other.stdout, other.stderr).toContain('DONE');
  expect(lines(file)).toEqual(keys('a', 'b', 'c'));

  // Nothing is delivered twice by a later process.
  const again = await runChild({ ...env, REACT_MODE: 'deliver' });
  expect(again.stdout, again.stderr).toContain('DONE');
  expect(lines(file)).toEqual(keys('a', 'b', 'c'));
}

const work = mkdtempSync(join(tmpdir(), 'crmkit-reactions-crash-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('after-hooks survive a writer killed between commit and delivery', () => {
  it(
    'on the embedded PGlite store (a folder)',
    async () => {
      await scenario({ REACT_DIR: join(work, 'data') }, join(work, 'pglite-hooks.txt'));
    },
    6 * CHILD_PATIENCE_MS,
  );

  describe.skipIf(!url)(`on PostgreSQL${url ? '' : ' (skipped: set DATABASE_URL to run it)'}`, () => {
    const schema = `t_react_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    afterAll(async () => {
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool.end();
    });
    it(
      'with a schema of its own',
      async () => {
        await scenario({ DATABASE_URL: url!, REACT_SCHEMA: schema }, join(work, 'pg-hooks.txt'));
      },
      6 * CHILD_PATIENCE_MS,
    );
  });
});
