import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const crmkitBin = fileURLToPath(new URL('../../crmkit/bin/crmkit.js', import.meta.url));
const cliBin = fileURLToPath(new URL('./bin.ts', import.meta.url));

/** Runs a bin from source: the workspace packages resolve to src/ (export condition) and tsx loads TypeScript. */
async function exec(bin: string, args: string[]) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--conditions=@crmkit/source', '--import', 'tsx', bin, ...args],
      {
        cwd: fixtures,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('executables', () => {
  it('`crmkit` (package crmkit) runs resolve and sets the exit code', async () => {
    const ok = await exec(crmkitBin, ['resolve', '--map', 'people-map.json', 'people-crm.csv']);
    expect(ok.code).toBe(0);
    expect(ok.stdout.split('\n')[0]).toBe('file,id,cluster');
    expect(ok.stderr).toMatch(/^crmkit resolve: 6 records/);
    const bad = await exec(crmkitBin, ['resolve', '--bogus']);
    expect(bad).toEqual({
      code: 2,
      stdout: '',
      stderr: 'crmkit: unknown option --bogus; run "crmkit resolve --help" for the options\n',
    });
  }, 120_000); // two node processes start and load the sources: a budget for a loaded machine

  it('`crmkit-cli` (src/bin.ts) does the same', async () => {
    expect(await exec(cliBin, ['resolve'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'crmkit: missing --map <map.json>: the column map is required\n',
    });
  }, 120_000);
});
