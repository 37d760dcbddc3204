import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  linkSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir, uptime } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StoreLockedError } from '@crmkit/model';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { embeddedClient } from '../embedded';
import { LOCK_FILE, lockDataDir, recoverStale } from '../lock';

// A seam for the filesystems without hard links and for the put-back race: `linkSync` passes through unless a test
// replaces it (mockImplementation), and is restored after each test.
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  return { ...actual, default: actual, linkSync: vi.fn(actual.linkSync) };
});
const realLinkSync = (await vi.importActual<typeof import('node:fs')>('node:fs')).linkSync;
afterEach(() => {
  vi.mocked(linkSync).mockImplementation(realLinkSync);
});

const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const childScript = fileURLToPath(new URL('../testing/lock-child.ts', import.meta.url));

const dirs: string[] = [];
const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'crmkit-folder-lock-')));
  dirs.push(dir);
  return dir;
}

function readBootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

function readPidNamespace(): string | null {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return null;
  }
}

/** Writes a lock file as a holder with these details would have left it. */
function writeLock(dir: string, holder: Record<string, unknown>): void {
  writeFileSync(
    join(dir, LOCK_FILE),
    JSON.stringify({ hostname: hostname(), startTime: null, bootId: readBootId(), token: 't', since: '', ...holder }),
  );
}

/** The pid of a process that has ended. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

interface LockChild {
  process: ChildProcess;
  ready: Promise<void>;
  answer: Promise<string>;
  exited: Promise<number | null>;
}

function startChild(dir: string, mode: 'hold' | 'exit'): LockChild {
  const child = spawn(process.execPath, ['--conditions=@crmkit/source', '--import', 'tsx', childScript], {
    cwd: packageDir,
    env: { ...process.env, LOCK_DIR: dir, LOCK_MODE: mode },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  let onReady!: () => void;
  let onAnswer!: (line: string) => void;
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  const answer = new Promise<string>((resolve) => {
    onAnswer = resolve;
  });
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    stdout += chunk;
    if (stdout.includes('READY\n')) onReady();
    const line = stdout.split('\n').find((each) => each === 'WON' || each.startsWith('LOCKED '));
    if (line) onAnswer(line);
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  const failed = exited.then((code) => {
    throw new Error(`lock child exited (${code}) before answering:\n${stderr}`);
  });
  failed.catch(() => undefined);
  return {
    process: child,
    ready: Promise.race([ready, failed]),
    answer: Promise.race([answer, failed]),
    exited,
  };
}

/** Rounds of the race on a stale lock (four processes each). */
const ROUNDS = 3;

describe('threat 1: the embedded folder lock', () => {
  it('a stale lock found by several processes at the same moment is taken by exactly one of them', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const dir = tempDir();
      writeLock(dir, { pid: deadPid() });
      const children = Array.from({ length: 4 }, () => startChild(dir, 'hold'));
      await Promise.all(children.map((child) => child.ready));
      // All start at the same instant (they spin until then), to race on the stale lock for real.
      const at = Date.now() + 300;
      for (const child of children) child.process.stdin!.write(`GO ${at}\n`);
      const answers = await Promise.all(children.map((child) => child.answer));
      const winners = children.filter((_, i) => answers[i] === 'WON');
      expect(winners, `round ${round}: ${answers.join(', ')}`).toHaveLength(1);
      const winnerPid = winners[0]!.process.pid;
      expect(answers.filter((answer) => answer !== 'WON')).toEqual(
        Array.from({ length: 3 }, () => `LOCKED ${winnerPid}`),
      );
      expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(winnerPid);
      for (const child of children) child.process.kill('SIGKILL');
      await Promise.all(children.map((child) => child.exited));
    }
    // Twelve processes start on a loaded 2-core machine.
  }, 180_000);

  it('a recoverer that acts late on a stale lock leaves the lock another process has taken since', async () => {
    // The race of two recoverers, replayed step by step: B reads the stale lock, A recovers it and takes the folder,
    // then B goes on to remove what it judged stale.
    const dir = tempDir();
    const lockPath = join(dir, LOCK_FILE);
    writeLock(dir, { pid: deadPid() });
    const staleRaw = readFileSync(lockPath, 'utf8'); // B's judgement
    const a = startChild(dir, 'hold');
    await a.ready;
    a.process.stdin!.write(`GO ${Date.now()}\n`);
    expect(await a.answer).toBe('WON');
    const taken = readFileSync(lockPath, 'utf8');
    recoverStale(dir, lockPath, staleRaw); // B, late
    expect(readFileSync(lockPath, 'utf8')).toBe(taken);
    expect(() => lockDataDir(dir)).toThrow(expect.objectContaining({ code: 'STORE_LOCKED', pid: a.process.pid }));
    a.process.kill('SIGKILL');
    await a.exited;
  }, 60_000);

  it('a normal exit releases the lock; a SIGKILLed holder leaves one that the next opener recovers', async () => {
    const dir = tempDir();
    const exiting = startChild(dir, 'exit');
    await exiting.ready;
    exiting.process.stdin!.write(`GO ${Date.now()}\n`);
    expect(await exiting.answer).toBe('WON');
    expect(await exiting.exited).toBe(0);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);

    const killed = startChild(dir, 'hold');
    await killed.ready;
    killed.process.stdin!.write(`GO ${Date.now()}\n`);
    expect(await killed.answer).toBe('WON');
    expect(() => lockDataDir(dir)).toThrow(expect.objectContaining({ code: 'STORE_LOCKED', pid: killed.process.pid }));
    killed.process.kill('SIGKILL');
    await killed.exited;
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
    const lock = lockDataDir(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  }, 120_000);

  it('refuses a second lock in the same process, naming the folder and this pid, until the first is released', () => {
    const dir = tempDir();
    const first = lockDataDir(dir);
    let error: unknown;
    try {
      lockDataDir(dir);
    } catch (caught) {
      error = caught;
    }
    expect(StoreLockedError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'STORE_LOCKED', dataDir: dir, pid: process.pid, hostname: hostname() });
    expect((error as Error).message).toContain(dir);
    first.release();
    first.release(); // idempotent
    lockDataDir(dir).release();
  });

  it.skipIf(process.platform !== 'linux')(
    'a lock whose pid now belongs to another process (pid reuse) is stale',
    () => {
      const dir = tempDir();
      // This process is alive, but it is not the process that wrote the lock: the start time differs.
      writeLock(dir, { pid: process.pid, startTime: '1' });
      lockDataDir(dir).release();
    },
  );

  it('a lock written before the machine booted is stale, whatever its boot id', () => {
    const dir = tempDir();
    const beforeBoot = new Date(Date.now() - uptime() * 1000 - 60_000).toISOString();
    writeLock(dir, { pid: process.pid, bootId: '00000000-0000-0000-0000-000000000000', since: beforeBoot });
    lockDataDir(dir).release();
    writeLock(dir, { pid: process.pid, since: beforeBoot }); // same boot id (or none): the clock decides
    lockDataDir(dir).release();
  });

  it('a lock from another machine of the same name (another boot id, written since this boot) is not stolen', () => {
    // Two machines named alike on a shared folder (NFS): the other's pid means nothing here.
    const dir = tempDir();
    writeLock(dir, {
      pid: deadPid(),
      bootId: '00000000-0000-0000-0000-000000000000',
      since: new Date().toISOString(),
    });
    let error: unknown;
    try {
      lockDataDir(dir);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'STORE_LOCKED', dataDir: dir });
    expect((error as Error).message).toContain(`delete ${join(dir, LOCK_FILE)}`);
  });

  it('a lock from another container (another pid namespace, same host name and boot) is not stolen', () => {
    // Two containers of one pod: the holder's pid is looked up in a pid space that is not its own.
    const dir = tempDir();
    writeLock(dir, { pid: deadPid(), pidNs: 'pid:[1]', since: new Date().toISOString() });
    expect(() => lockDataDir(dir)).toThrow(expect.objectContaining({ code: 'STORE_LOCKED', dataDir: dir }));
    // The same lock from this namespace is judged by its pid: dead, so stale.
    writeLock(dir, { pid: deadPid(), pidNs: readPidNamespace(), since: new Date().toISOString() });
    lockDataDir(dir).release();
  });

  it('a lock held on another host is respected (its process cannot be checked from here)', () => {
    const dir = tempDir();
    writeLock(dir, { pid: deadPid(), hostname: 'another-host.example' });
    expect(() => lockDataDir(dir)).toThrow(
      expect.objectContaining({ code: 'STORE_LOCKED', hostname: 'another-host.example' }),
    );
  });

  it('an unreadable lock file (as a power cut can leave) is stale, as is one naming no real pid', () => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE), '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, LOCK_FILE), old, old); // a fresh one may be being written: see the tests without hard links
    lockDataDir(dir).release();
    writeLock(dir, { pid: 0 }); // kill(0, 0) would probe this process group and always answer "alive"
    lockDataDir(dir).release();
  });

  it('releasing leaves a lock that is no longer this one alone', () => {
    const dir = tempDir();
    const lock = lockDataDir(dir);
    writeLock(dir, { pid: process.pid, token: 'someone-else' }); // taken over behind its back
    lock.release();
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).token).toBe('someone-else');
  });

  it('takes the lock where the filesystem has no hard links (exFAT, SMB, some Docker Desktop mounts)', () => {
    for (const code of ['EPERM', 'ENOTSUP', 'EXDEV']) {
      vi.mocked(linkSync).mockImplementation(() => {
        throw Object.assign(new Error(`${code}: link not supported`), { code });
      });
      const dir = tempDir();
      const lock = lockDataDir(dir);
      expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
      expect(() => lockDataDir(dir)).toThrow(expect.objectContaining({ code: 'STORE_LOCKED', pid: process.pid }));
      lock.release();
      expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
      writeLock(dir, { pid: deadPid() }); // and a stale lock is recovered without links too
      lockDataDir(dir).release();
      expect(readdirSync(dir)).toEqual([]);
    }
  });

  it('a lock file being written (recent, not yet parsable) is not removed; an old unparsable one is', () => {
    // Without hard links a lock is created and then written: a reader can see it empty or half written.
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE), '{"pid":12');
    expect(() => lockDataDir(dir)).toThrow(expect.objectContaining({ code: 'STORE_LOCKED', dataDir: dir }));
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe('{"pid":12');
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, LOCK_FILE), old, old);
    lockDataDir(dir).release();
  });

  it('a lock moved aside to be checked is never deleted when another opener took the name meanwhile', () => {
    // The put-back race, replayed: this holder's lock was replaced by X's; releasing moves X's aside to compare it,
    // a third opener takes the free name, and putting X's lock back finds the name taken.
    const dir = tempDir();
    const lockPath = join(dir, LOCK_FILE);
    const lock = lockDataDir(dir);
    writeLock(dir, { pid: process.pid, token: 'x' });
    vi.mocked(linkSync).mockImplementation((from, to) => {
      if (String(from).endsWith('.aside') && to === lockPath) writeLock(dir, { pid: process.pid, token: 'third' });
      return realLinkSync(from, to);
    });
    expect(() => lock.release()).toThrow(expect.objectContaining({ code: 'STORE_LOCKED', dataDir: dir }));
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).token).toBe('third');
    const aside = readdirSync(dir).filter((name) => name.endsWith('.aside'));
    expect(aside).toHaveLength(1); // X's lock is kept, not deleted
    expect(JSON.parse(readFileSync(join(dir, aside[0]!), 'utf8')).token).toBe('x');
  });

  it("'memory://name' is in memory, as PGlite has it: no folder './memory:/name', no lock", async () => {
    const folder = resolve('memory:');
    const existed = existsSync(folder);
    const clients: ReturnType<typeof embeddedClient>[] = [];
    try {
      const first = embeddedClient({ dataDir: 'memory://name' });
      clients.push(first);
      const second = embeddedClient({ dataDir: 'memory://name' }); // nothing to lock: each is its own database
      clients.push(second);
      await first.exec('CREATE TABLE t (n int)');
      await expect(second.query('SELECT count(*) FROM t')).rejects.toThrow(); // not the same database
      expect(existsSync(folder)).toBe(existed);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
      if (!existed) rmSync(folder, { recursive: true, force: true });
    }
  }, 60_000);
});
