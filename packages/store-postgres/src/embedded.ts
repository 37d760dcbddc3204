/**
 * The embedded database in a folder: PGlite on Node's filesystem, held by one opener at a time (see {@link lockDataDir})
 * and durable by default.
 *
 * Durability: PGlite as shipped starts PostgreSQL with `fsync=off`, and its Node filesystem (Emscripten's NODEFS) has
 * no fsync at all: `fsync(2)` and `fdatasync(2)` from PostgreSQL return success without reaching the disk. A commit
 * then sits in the operating system's cache: it survives the process being killed, but not an OS crash or a power
 * cut. With `durability: 'full'` (the default) the folder is opened with `fsync=on` and `wal_sync_method=fsync`, and
 * NODEFS's fsync is wired to Node's `fs.fsyncSync`, so every commit reaches the disk before it is acknowledged, and
 * checkpoints flush data files before the log that covers them is recycled, as on a PostgreSQL server.
 *
 * @module
 */
import fs from 'node:fs';
import { dirname, join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { InvalidArgumentError, UnsupportedSpecificationError } from '@crmkit/model';
import { pgliteClient, type SqlClient, type SqlExecutor } from './client';
import { LOCK_FILE, lockDataDir } from './lock';

/**
 * What an acknowledged write survives.
 * - `full`: an OS crash or a power cut too: each commit is flushed to disk (fsync) before it resolves.
 * - `relaxed`: the process being killed, not an OS crash: commits stay in the OS cache until it writes them out;
 *   `close()` flushes the whole folder. For bulk loads you can repeat after a crash.
 */
export type EmbeddedDurability = 'full' | 'relaxed';

/** Options of {@link embeddedClient}. */
export interface EmbeddedClientOptions {
  /**
   * Folder of the database (created when missing; a `file://` prefix is accepted); `'memory://'` (or
   * `'memory://name'`) keeps it in memory (no folder, no lock).
   */
  dataDir: string;
  /** What an acknowledged write survives. @default 'full' */
  durability?: EmbeddedDurability;
}

/** PGlite's start parameters with `-F` (fsync off) removed and durability settings made explicit. */
function durableStartParams(defaults: readonly string[]): string[] {
  return [
    ...defaults.filter((param) => param !== '-F'),
    ...['-c', 'fsync=on', '-c', 'wal_sync_method=fsync', '-c', 'synchronous_commit=on', '-c', 'full_page_writes=on'],
  ];
}

/** The PGlite versions whose internals the durable open relies on (start parameters, NodeFS options, NODEFS). */
const SUPPORTED_PGLITE = '^0.5.16';

/** The installed PGlite lacks `what`: a typed error naming the versions that work. */
function unsupportedPglite(what: string, durability: EmbeddedDurability): UnsupportedSpecificationError {
  return new UnsupportedSpecificationError({
    contract: 'store',
    name: '@electric-sql/pglite',
    version: null,
    supported: [SUPPORTED_PGLITE],
    message:
      `[crmkit/store-postgres] The installed @electric-sql/pglite ${what}, which durability '${durability}' relies on: ` +
      `install @electric-sql/pglite ${SUPPORTED_PGLITE}.`,
  });
}

/** The part of Emscripten's NODEFS the fsync hook touches. */
interface NodeFsModule {
  NODEFS?: {
    stream_ops: { fsync?: (stream: { nfd?: number; node: unknown }) => number };
    realPath(node: unknown): string;
    tryFSOperation<T>(fn: () => T): T;
  };
}

/**
 * A {@link SqlClient} over an embedded PGlite database in `dataDir`, owned by the client: it takes the folder's lock
 * now (throwing a `StoreLockedError`, code `STORE_LOCKED`, naming the folder and the holder's pid when another
 * opener has it), opens the database in the background (the first query waits), and `close()` closes the database
 * and releases the lock. Node only; PGlite (`@electric-sql/pglite`) must be installed.
 *
 * One process per folder: processes that need the same data share a PostgreSQL server (`pgClient`).
 *
 * @example
 * ```ts
 * import { createPostgresStore, embeddedClient } from '@crmkit/store-postgres';
 *
 * const store = createPostgresStore({ client: embeddedClient({ dataDir: './.crmkit' }) });
 * // a bulk load you can repeat after a crash: durability: 'relaxed' (close() flushes the folder)
 * ```
 */
export function embeddedClient(options: EmbeddedClientOptions): SqlClient {
  const durability = options.durability ?? 'full';
  if (durability !== 'full' && durability !== 'relaxed') {
    throw new InvalidArgumentError({
      argument: 'durability',
      message: `[crmkit/store-postgres] Option "durability" must be 'full' or 'relaxed', got ${JSON.stringify(durability)}.`,
    });
  }
  // PGlite keeps every `memory://…` database in memory (a name after the prefix changes nothing).
  const inMemory = options.dataDir.startsWith('memory://');
  // PGlite's own prefix for a folder on Node's filesystem.
  const folder = options.dataDir.startsWith('file://') ? options.dataDir.slice('file://'.length) : options.dataDir;
  const lock = inMemory ? undefined : lockDataDir(folder);
  const dir = lock?.dataDir;
  const opening: Promise<SqlClient> = (dir === undefined ? openInMemory() : openFolder(dir, durability)).then(
    (db) => pgliteClient(db, { ownsDatabase: true }),
    (error: unknown) => {
      lock?.release();
      throw error;
    },
  );
  // Marks the rejection handled: an open that fails surfaces on the first use, not as an unhandled rejection.
  opening.catch(() => undefined);
  let closing: Promise<void> | undefined;

  return {
    dialect: 'pglite',
    async query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]) {
      return (await opening).query<R>(text, params);
    },
    async transaction<T>(
      fn: (sql: SqlExecutor) => Promise<T>,
      txOptions?: Parameters<SqlClient['transaction']>[1],
    ): Promise<T> {
      return (await opening).transaction(fn, txOptions);
    },
    async exec(script) {
      return (await opening).exec(script);
    },
    async listen(channel, onNotify, onLost) {
      return (await opening).listen(channel, onNotify, onLost);
    },
    close() {
      closing ??= (async () => {
        try {
          const client = await opening.catch(() => undefined);
          if (!client) return;
          await client.close();
          // Relaxed: the commits since the last flush are in the OS cache only; flush them before letting go.
          if (dir !== undefined && durability === 'relaxed') syncTree(dir);
        } finally {
          lock?.release();
        }
      })();
      return closing;
    },
  };
}

async function openInMemory(): Promise<PGlite> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = new PGlite();
  await db.waitReady;
  return db;
}

async function openFolder(dir: string, durability: EmbeddedDurability): Promise<PGlite> {
  const [{ PGlite }, { NodeFS }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite/nodefs'),
  ]);
  let fsyncs = 0;
  /** NodeFS whose files honour fsync(2): Emscripten's NODEFS has no fsync of its own. */
  class SyncingNodeFS extends NodeFS {
    override async init(...args: Parameters<InstanceType<typeof NodeFS>['init']>) {
      const result = await super.init(...args);
      if (!result?.emscriptenOpts) throw unsupportedPglite('has no NodeFS start options (emscriptenOpts)', durability);
      const preRun = result.emscriptenOpts.preRun ?? [];
      preRun.push((mod) => {
        const nodefs = (mod as unknown as NodeFsModule).NODEFS;
        if (!nodefs?.stream_ops) throw unsupportedPglite('exposes no NODEFS to flush files to disk', durability);
        nodefs.stream_ops.fsync = (stream) => {
          nodefs.tryFSOperation(() => {
            if (typeof stream.nfd === 'number') fs.fsyncSync(stream.nfd);
            else fsyncPath(nodefs.realPath(stream.node)); // directories have no host descriptor
          });
          fsyncs++;
          return 0;
        };
      });
      result.emscriptenOpts.preRun = preRun;
      return result;
    }
  }

  if (durability === 'full' && !Array.isArray(PGlite.defaultStartParams)) {
    throw unsupportedPglite('has no PGlite.defaultStartParams', durability);
  }
  const fresh = !fs.existsSync(join(dir, 'PG_VERSION'));
  // Relaxed: PostgreSQL does not flush (fsync=off), and close() flushes the folder itself: no hook needed.
  const db = new PGlite(
    durability === 'full'
      ? { fs: new SyncingNodeFS(dir), startParams: durableStartParams(PGlite.defaultStartParams) }
      : { fs: new NodeFS(dir) },
  );
  try {
    await db.waitReady;
    if (durability === 'full') {
      // Check the promise holds with this PGlite build: PostgreSQL syncs, and its syncs reach the hook.
      const { rows } = await db.query<{ fsync: string; method: string }>(
        "SELECT current_setting('fsync') AS fsync, current_setting('wal_sync_method') AS method",
      );
      if (fsyncs === 0) await db.exec('CHECKPOINT');
      if (rows[0]?.fsync !== 'on' || rows[0]?.method !== 'fsync' || fsyncs === 0) {
        throw unsupportedPglite(
          `did not start durable (fsync=${rows[0]?.fsync}, wal_sync_method=${rows[0]?.method}, ${fsyncs} flushes)`,
          durability,
        );
      }
      // A new folder was written by initdb without any flush: flush it once, and its entry in the parent folder.
      if (fresh) {
        syncTree(dir);
        fsyncPath(dirname(dir));
      }
    }
    return db;
  } catch (error) {
    if (!db.closed) await db.close().catch(() => undefined);
    throw error;
  }
}

/** Codes with which a system refuses to flush a directory (it needs none there): PostgreSQL and write-file-atomic ignore them. */
const DIRECTORY_SYNC_REFUSED = new Set(['EISDIR', 'EPERM', 'EBADF', 'EINVAL']);

/**
 * fsync of a file or folder by path. On Windows a file is opened for writing (`FlushFileBuffers` needs write access)
 * and a folder is not flushed (Windows cannot); anywhere, a folder whose flush the system refuses counts as flushed.
 * @internal exported for the tests
 */
export function fsyncPath(path: string): void {
  const directory = fs.statSync(path).isDirectory();
  const windows = process.platform === 'win32';
  if (directory && windows) return;
  let fd: number;
  try {
    fd = fs.openSync(path, windows ? 'r+' : 'r');
  } catch (error) {
    if (directory && DIRECTORY_SYNC_REFUSED.has(String((error as { code?: unknown }).code))) return;
    throw error;
  }
  try {
    fs.fsyncSync(fd);
  } catch (error) {
    if (!(directory && DIRECTORY_SYNC_REFUSED.has(String((error as { code?: unknown }).code)))) throw error;
  } finally {
    fs.closeSync(fd);
  }
}

/** Flushes every file and folder under `dir` to disk, folders after their contents. */
function syncTree(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(LOCK_FILE)) continue; // the lock files are about this run only
    const path = join(dir, entry.name);
    try {
      if (entry.isDirectory()) syncTree(path);
      else if (entry.isFile()) fsyncPath(path);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ENOENT') throw error; // removed meanwhile
    }
  }
  fsyncPath(dir);
}
