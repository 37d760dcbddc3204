/**
 * One opener per embedded database folder. PGlite runs PostgreSQL inside the process, without the postmaster that
 * keeps a second server off a data directory: two processes on one folder each cache pages and write the same files,
 * and acknowledged writes vanish or end up in the heap but not in the indexes. The lock file `crmkit.lock` in the
 * folder names its holder; a second opener, in another process or this one, gets a {@link StoreLockedError}.
 *
 * How the lock works:
 * - Taking it is atomic: the holder's details are written to a private temporary file first and then hard-linked to
 *   `crmkit.lock` (`link(2)` fails when the name exists), so nobody ever reads a half-written lock. Where the
 *   filesystem has no hard links (exFAT/FAT, SMB, some Docker Desktop mounts) the lock is created exclusively (`wx`)
 *   and then written; a lock file that does not parse counts as live for a few seconds after its last change.
 * - A lock is stale when its holder is gone: it was written before this machine booted (by the clock: its time is
 *   before now minus the uptime, with a few seconds of slack); or it names this host, this boot (boot id) and this
 *   pid namespace, and the pid is not alive (`kill(pid, 0)` answers ESRCH) or belongs to another process now (its
 *   start time in `/proc/<pid>/stat` differs: the pid was reused). A holder on another host, on another machine of
 *   the same name (another boot id, lock written since this boot: a shared folder) or in another container (another
 *   pid namespace) cannot be checked and counts as live; the error then says which file to delete if nobody uses it.
 * - A stale lock is removed only under a second lock, `crmkit.lock.recover`, and only when the file still holds the
 *   very content judged stale (it is renamed aside and compared; anything else is put back, and if the name was
 *   taken meanwhile it is kept under its aside name and the remover gets `STORE_LOCKED`). So of several processes
 *   that find the same stale lock at once, one removes it and exactly one takes the folder; the others get
 *   `STORE_LOCKED` naming the winner. (The recovery lock itself is held for microseconds; one left by a process
 *   killed in that moment is removed by the same content comparison, without a third lock.)
 * - The holder removes the lock on release (the store's `close()`) and when the process exits normally. A process
 *   killed by a signal leaves it behind, and the next opener recovers it.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import {
  linkSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname as osHostname, uptime } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { StoreLockedError } from '@crmkit/model';

/** Name of the lock file inside the folder. */
export const LOCK_FILE = 'crmkit.lock';
const RECOVERY_FILE = `${LOCK_FILE}.recover`;
/** Rounds of take, check, recover before giving up on a folder that keeps changing hands. */
const MAX_ATTEMPTS = 200;

/** What a lock file says about its holder. */
interface Holder {
  pid: number;
  hostname: string;
  /** Start time of the process in clock ticks since boot (`/proc/<pid>/stat` field 22), where readable. */
  startTime: string | null;
  /** `/proc/sys/kernel/random/boot_id`, where readable. */
  bootId: string | null;
  /** The holder's pid namespace (`/proc/self/ns/pid`, e.g. `pid:[4026531836]`), where readable. */
  pidNs: string | null;
  /** Makes each lock file's content unique, so a stale lock is recognised by content. */
  token: string;
  since: string;
}

/** The lock on an embedded folder, from {@link lockDataDir}. */
export interface DataDirLock {
  /** The folder (absolute path). */
  readonly dataDir: string;
  /** True once released. */
  readonly released: boolean;
  /** Removes the lock file if it is still this lock's; idempotent. */
  release(): void;
}

/**
 * Takes the folder for this process: creates the folder if needed and writes `crmkit.lock` naming this process, or
 * throws a {@link StoreLockedError} (code `STORE_LOCKED`, with the folder and the holder's pid) when another opener
 * holds it, in another process or in this one. A lock left by a process that died is recovered. Node only.
 *
 * @example
 * ```ts
 * const lock = lockDataDir('./.crmkit'); // throws STORE_LOCKED when the folder is open elsewhere
 * try { ... } finally { lock.release(); }
 * ```
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const lockPath = join(dir, LOCK_FILE);
  const content = JSON.stringify(describeSelf());
  const staging = join(dir, `${LOCK_FILE}.${randomUUID()}.tmp`);
  writeFileSync(staging, content, { flag: 'wx' });
  let lastHolder: Holder | undefined;
  let lastWriting = false;
  try {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (tryLink(staging, lockPath, content)) return register(dir, lockPath, content);
      const current = readHolder(lockPath);
      if (current === undefined) continue; // released meanwhile: try again
      if (current.holder && holderIsAlive(current.holder)) {
        throw new StoreLockedError({ dataDir: dir, pid: current.holder.pid, hostname: current.holder.hostname });
      }
      lastWriting = current.writing;
      if (current.writing) {
        sleep(5); // being written by its taker: read it again
        continue;
      }
      lastHolder = current.holder ?? lastHolder;
      recoverStale(dir, lockPath, current.raw);
    }
  } finally {
    removeQuietly(staging);
  }
  // Only when the lock kept changing hands (or kept being written) for every attempt.
  throw new StoreLockedError({
    dataDir: dir,
    pid: lastHolder?.pid ?? 0,
    hostname: lastHolder?.hostname ?? osHostname(),
    message: lastWriting
      ? `[crmkit] The database folder "${dir}" is being taken by another opener (its lock file is being written); ` +
        `if no process uses the folder, delete ${lockPath}.`
      : `[crmkit] The database folder "${dir}" keeps changing hands; could not take it after ${MAX_ATTEMPTS} attempts.`,
  });
}

const held = new Set<{ release(): void }>();
let exitHookInstalled = false;

function register(dir: string, lockPath: string, content: string): DataDirLock {
  let released = false;
  const lock = {
    dataDir: dir,
    get released() {
      return released;
    },
    release() {
      if (released) return;
      released = true;
      held.delete(lock);
      removeIfContent(lockPath, content);
    },
  };
  held.add(lock);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A normal exit (end of the event loop, process.exit) releases what is still held; a signal that kills the
    // process does not run this, and the next opener recovers the lock instead.
    process.on('exit', () => {
      for (const each of [...held]) {
        try {
          each.release();
        } catch {} // nothing more to do on the way out; a displaced lock is kept for the next opener to judge
      }
    });
  }
  return lock;
}

/**
 * Removes the stale lock whose content is `staleRaw`, under the recovery lock; returns without waiting otherwise.
 * Exported for the tests, which replay a recoverer that acts late on a judgement made before someone else recovered.
 * @internal
 */
export function recoverStale(dir: string, lockPath: string, staleRaw: string): void {
  const recoveryPath = join(dir, RECOVERY_FILE);
  const content = JSON.stringify(describeSelf());
  const staging = join(dir, `${RECOVERY_FILE}.${randomUUID()}.tmp`);
  writeFileSync(staging, content, { flag: 'wx' });
  try {
    if (!tryLink(staging, recoveryPath, content)) {
      // Another opener is recovering. If it died doing so, remove its recovery lock (same guarded way); else give
      // it a moment and look again.
      const other = readHolder(recoveryPath);
      if (other && !isLive(other)) removeIfContent(recoveryPath, other.raw);
      else sleep(5);
      return;
    }
    try {
      // Under the recovery lock nobody else removes a lock, and a stale lock does not change by itself: if the file
      // still reads as the stale one, it is the stale one. (A lock taken since is someone else's: leave it.)
      if (readHolder(lockPath)?.raw === staleRaw) removeIfContent(lockPath, staleRaw);
    } finally {
      removeIfContent(recoveryPath, content);
    }
  } finally {
    removeQuietly(staging);
  }
}

/**
 * Removes `path` only if it still holds `expected`: renames it aside (atomic; of several removers one gets it),
 * compares, and puts back anything else.
 */
function removeIfContent(path: string, expected: string): boolean {
  const aside = `${path}.${randomUUID()}.aside`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
  let raw: string | undefined;
  try {
    raw = readFileSync(aside, 'utf8');
  } catch {}
  if (raw === expected) {
    removeQuietly(aside);
    return true;
  }
  // Not the file we judged: put it back. (Another opener may have taken the free name meanwhile.)
  const putBack = raw === undefined ? tryLinkOnly(aside, path) : tryLink(aside, path, raw);
  if (putBack) {
    removeQuietly(aside);
    return false;
  }
  // The aside file may be a live holder's lock, and the name now holds another: never delete a lock not judged
  // stale. It stays under its aside name, and the caller learns that the folder may have two openers.
  const holder = raw === undefined ? undefined : parseHolder(raw);
  throw new StoreLockedError({
    dataDir: dirname(path),
    pid: holder?.pid ?? 0,
    hostname: holder?.hostname ?? osHostname(),
    message:
      `[crmkit] The lock "${path}" was taken by another opener while this process checked it; the lock it ` +
      `replaced (process ${holder?.pid ?? 'unknown'} on ${holder?.hostname ?? 'an unknown host'}) is kept as ` +
      `"${aside}". The folder may have two openers: close them, then delete the lock files of processes that are gone.`,
  });
}

/**
 * Creates `to` with the content of `from` unless `to` exists: a hard link, atomic and never half written; where the
 * filesystem has no hard links (exFAT/FAT, SMB, some bind mounts of Docker Desktop: EPERM, ENOTSUP, EXDEV, ...), an
 * exclusive create and write (`wx`), which a reader may see half written for a moment (see {@link readHolder}).
 */
/** A hard link from `from` to `to`; false when `to` exists. */
function tryLinkOnly(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  }
}

function tryLink(from: string, to: string, content: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    if (errorCode(error) === 'ENOENT') throw error; // the folder or the staging file is gone: nothing to fall back to
  }
  try {
    writeFileSync(to, content, { flag: 'wx' });
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  }
}

/** How long an unparsable lock file counts as being written (by an exclusive create, where there are no hard links). */
const WRITING_MS = 5_000;

interface LockRead {
  raw: string;
  /** The holder; undefined when the file does not parse. */
  holder: Holder | undefined;
  /** An unparsable file modified within {@link WRITING_MS}: probably being written now, so live. */
  writing: boolean;
}

/**
 * The lock file's content and its holder. A file that does not parse is being written (see {@link tryLink}) while it
 * is recent, and left over (as after a power cut: stale) when it is older.
 */
function readHolder(path: string): LockRead | undefined {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  const holder = parseHolder(raw);
  if (holder) return { raw, holder, writing: false };
  try {
    JSON.parse(raw);
    return { raw, holder: undefined, writing: false }; // complete, but names no holder: stale
  } catch {}
  let writing = false;
  try {
    writing = Date.now() - statSync(path).mtimeMs < WRITING_MS;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  return { raw, holder: undefined, writing };
}

/** The holder a lock file names, or undefined when it does not parse (or names no real pid). */
function parseHolder(raw: string): Holder | undefined {
  try {
    const parsed = JSON.parse(raw) as Partial<Holder>;
    // A pid of 0 or less would make kill(pid, 0) probe a process group: such a file is unreadable, not a holder.
    if (Number.isInteger(parsed.pid) && (parsed.pid as number) > 0 && typeof parsed.hostname === 'string') {
      return {
        pid: parsed.pid as number,
        hostname: parsed.hostname,
        startTime: typeof parsed.startTime === 'string' ? parsed.startTime : null,
        bootId: typeof parsed.bootId === 'string' ? parsed.bootId : null,
        pidNs: typeof parsed.pidNs === 'string' ? parsed.pidNs : null,
        token: String(parsed.token ?? ''),
        since: String(parsed.since ?? ''),
      };
    }
  } catch {}
  return undefined;
}

/** True unless the lock read is known to be left over by a holder that is gone. */
function isLive(read: LockRead): boolean {
  return read.holder ? holderIsAlive(read.holder) : read.writing;
}

/** A lock written this long before the machine's boot time (as computed from the uptime) predates the boot. */
const BOOT_SLACK_MS = 5_000;

/**
 * True unless the holder is known to be gone. A shared hostname does not mean a shared process list: two containers
 * of one pod share the hostname (and the boot id) but not the pid namespace, and two machines with the same name can
 * share a folder over NFS. Such holders cannot be checked from here and count as live.
 */
function holderIsAlive(holder: Holder): boolean {
  if (holder.hostname !== osHostname()) return true; // cannot check another machine's processes
  // Written before this machine booted: its holder is gone (a reboot ends every process).
  const written = Date.parse(holder.since);
  const bootedAt = Date.now() - uptime() * 1000;
  if (Number.isFinite(written) && written < bootedAt - BOOT_SLACK_MS) return false;
  const bootId = currentBootId();
  if (holder.bootId && bootId && holder.bootId !== bootId) return true; // another machine, since this boot
  const pidNs = currentPidNamespace();
  if (holder.pidNs && pidNs && holder.pidNs !== pidNs) return true; // another container: its pids are not ours
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if (errorCode(error) === 'ESRCH') return false;
    // EPERM: the pid exists and belongs to another user.
  }
  const startTime = processStartTime(holder.pid);
  if (holder.startTime && startTime && holder.startTime !== startTime) return false; // the pid was reused
  return true;
}

function describeSelf(): Holder {
  return {
    pid: process.pid,
    hostname: osHostname(),
    startTime: processStartTime(process.pid),
    bootId: currentBootId(),
    pidNs: currentPidNamespace(),
    token: randomUUID(),
    since: new Date().toISOString(),
  };
}

/** Field 22 of `/proc/<pid>/stat` (start time in clock ticks since boot), or null where there is no /proc. */
function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null; // fields[0] is field 3 (state)
  } catch {
    return null;
  }
}

function currentBootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
  } catch {
    return null;
  }
}

function currentPidNamespace(): string | null {
  try {
    return readlinkSync('/proc/self/ns/pid') || null;
  } catch {
    return null;
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {}
}

function errorCode(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
