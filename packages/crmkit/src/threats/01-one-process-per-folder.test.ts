import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createHub, StoreLockedError } from '../index';

/** As in src/testing/embedded-child.ts (not imported: importing it would run it). */
const RECORDS_PER_BATCH = 5;

const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const childScript = fileURLToPath(new URL('../testing/embedded-child.ts', import.meta.url));

const dirs: string[] = [];
const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'crmkit-lock-')));
  dirs.push(dir);
  return dir;
}

interface Child {
  process: ChildProcess;
  lines: string[];
  stderr: () => string;
  /** Resolves with the first line that satisfies `match`. */
  waitFor: (match: (line: string) => boolean, what: string, ms: number) => Promise<string>;
  exited: Promise<number | null>;
}

function startChild(env: Record<string, string>): Child {
  // One node process (no tsx/npx wrapper), so SIGKILL hits the process that holds the folder.
  const child = spawn(process.execPath, ['--conditions=@crmkit/source', '--import', 'tsx', childScript], {
    cwd: packageDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const lines: string[] = [];
  const waiters: Array<{ match: (line: string) => boolean; resolve: (line: string) => void }> = [];
  let stderr = '';
  let buffered = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (const waiter of waiters.splice(0)) {
        if (waiter.match(line)) waiter.resolve(line);
        else waiters.push(waiter);
      }
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((done) =>
    child.on('exit', (code) => {
      running.delete(child);
      done(code);
    }),
  );
  return {
    process: child,
    lines,
    stderr: () => stderr,
    exited,
    waitFor(match, what, ms) {
      const found = lines.find(match);
      if (found !== undefined) return Promise.resolve(found);
      let timer: NodeJS.Timeout | undefined;
      return Promise.race([
        new Promise<string>((done) => waiters.push({ match, resolve: done })).finally(() => clearTimeout(timer)),
        exited.then((code) => {
          throw new Error(`child exited (${code}) while waiting for ${what}:\n${stderr}`);
        }),
        new Promise<string>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms:\n${stderr}`)), ms);
        }),
      ]);
    },
  };
}

describe('threat 1: two processes on one embedded folder', () => {
  it('refuses a second process with STORE_LOCKED naming the folder and the pid, and recovers the folder after the holder is SIGKILLed with every acknowledged batch indexed', async () => {
    const dataDir = tempDir();

    // Process A holds the folder and keeps writing.
    const holder = startChild({ CRMKIT_DATA_DIR: dataDir, CHILD_MODE: 'hold' });
    await holder.waitFor((line) => line.startsWith('READY '), 'the holder to open the folder', 90_000);
    await holder.waitFor((line) => line === 'ACK 2', 'three acknowledged batches', 60_000);

    // Process B opens the same folder: refused, nothing opened.
    const opener = startChild({ CRMKIT_DATA_DIR: dataDir, CHILD_MODE: 'open' });
    expect(await opener.exited, opener.stderr()).toBe(0);
    const answer = opener.lines.find((line) => line.startsWith('ERROR ') || line === 'OPENED');
    expect(answer, `the second process opened the folder:\n${opener.stderr()}`).toMatch(/^ERROR /);
    const refused = JSON.parse(answer!.slice('ERROR '.length)) as { code: string; pid: number; dataDir: string };
    expect(refused).toMatchObject({ code: 'STORE_LOCKED', pid: holder.process.pid, dataDir });
    expect((refused as { message?: string }).message).toContain(dataDir);
    expect((refused as { message?: string }).message).toContain(String(holder.process.pid));

    // This process too, while A runs.
    let error: unknown;
    try {
      const hub = createHub({ dataDir });
      await hub.list();
      await hub.close();
    } catch (caught) {
      error = caught;
    }
    expect(StoreLockedError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'STORE_LOCKED', pid: holder.process.pid, dataDir });

    // A dies without closing: its lock stays behind and must be recovered.
    holder.process.kill('SIGKILL');
    expect(await holder.exited).toBeNull();
    const acked = holder.lines.filter((line) => line.startsWith('ACK ')).map((line) => Number(line.slice(4)));
    expect(acked.length).toBeGreaterThanOrEqual(3);

    const hub = createHub({ dataDir: resolve(dataDir) });
    try {
      // Every acknowledged batch is there and reachable through the indexes (find by email), with its audit entry.
      for (const batch of acked) {
        for (let i = 0; i < RECORDS_PER_BATCH; i++) {
          const found = await hub.find({ email: `b${batch}-${i}@example.com` });
          expect(found, `batch ${batch} record ${i}`).toHaveLength(1);
        }
      }
      const audited = new Set<string>();
      for (let after = 0; ; ) {
        const page = await hub.governance.audit({ after, limit: 500 });
        if (page.length === 0) break;
        for (const entry of page) if (entry.action === 'lock.test') audited.add(entry.target);
        after = page[page.length - 1]!.seq;
      }
      for (const batch of acked) expect(audited.has(`batch:${batch}`), `audit of batch ${batch}`).toBe(true);
      expect((await hub.governance.verifyAudit()).ok).toBe(true);
    } finally {
      await hub.close();
    }
    // A heavy test: three processes start PGlite on a loaded 2-core machine.
  }, 240_000);

  it('refuses a second open in the same process until the first is closed', async () => {
    const dataDir = tempDir();
    const first = createHub({ dataDir });
    await first.ingest([
      {
        type: 'person',
        source: 'web',
        externalId: '1',
        observedAt: '2026-11-01T10:00:00Z',
        data: { fullName: 'Ada', emails: ['ada@example.com'] },
      },
    ]);
    let error: unknown;
    try {
      const second = createHub({ dataDir });
      await second.list();
      await second.close();
    } catch (caught) {
      error = caught;
    }
    expect(StoreLockedError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'STORE_LOCKED', pid: process.pid, dataDir });
    await first.close();

    const again = createHub({ dataDir });
    expect(await again.find({ email: 'ada@example.com' })).toHaveLength(1);
    await again.close();
  }, 120_000);
});
