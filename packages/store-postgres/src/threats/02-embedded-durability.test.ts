import fs, { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { fsyncPath } from '../embedded';
import { lockDataDir } from '../lock';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.doUnmock('@electric-sql/pglite');
  vi.doUnmock('@electric-sql/pglite/nodefs');
  vi.resetModules();
});

function tempDir(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'crmkit-durability-')));
  dirs.push(dir);
  return dir;
}

function refuse(code: string): never {
  throw Object.assign(new Error(`${code}: refused`), { code });
}

describe('threat 2: the durable embedded folder, on any system and PGlite', () => {
  it('a folder whose flush the system refuses (EISDIR, EPERM, EBADF, EINVAL) counts as flushed; a file does not', () => {
    const dir = tempDir();
    const file = join(dir, 'data');
    writeFileSync(file, 'x');
    for (const code of ['EISDIR', 'EPERM', 'EBADF', 'EINVAL']) {
      vi.spyOn(fs, 'fsyncSync').mockImplementation(() => refuse(code));
      expect(() => fsyncPath(dir)).not.toThrow();
      expect(() => fsyncPath(file)).toThrow(expect.objectContaining({ code }));
      vi.restoreAllMocks();
      vi.spyOn(fs, 'openSync').mockImplementation(() => refuse(code)); // some systems refuse to open a folder
      expect(() => fsyncPath(dir)).not.toThrow();
      vi.restoreAllMocks();
    }
    // A real failure to flush a folder (an I/O error) is not hidden.
    vi.spyOn(fs, 'fsyncSync').mockImplementation(() => refuse('EIO'));
    expect(() => fsyncPath(dir)).toThrow(expect.objectContaining({ code: 'EIO' }));
  });

  it('on Windows a file is opened for writing to be flushed, and a folder is not flushed', () => {
    const dir = tempDir();
    const file = join(dir, 'data');
    writeFileSync(file, 'x');
    const platform = Object.getOwnPropertyDescriptor(process, 'platform')!;
    Object.defineProperty(process, 'platform', { ...platform, value: 'win32' });
    try {
      const open = vi.spyOn(fs, 'openSync');
      const flush = vi.spyOn(fs, 'fsyncSync');
      fsyncPath(dir);
      expect(open).not.toHaveBeenCalled();
      fsyncPath(file);
      expect(open).toHaveBeenCalledWith(file, 'r+'); // FlushFileBuffers needs write access
      expect(flush).toHaveBeenCalledTimes(1);
    } finally {
      Object.defineProperty(process, 'platform', platform);
    }
  });

  it('a PGlite without the internals the durable open relies on fails with a typed error, and frees the folder', async () => {
    // As an older PGlite (before 0.5) would: no PGlite.defaultStartParams.
    vi.doMock('@electric-sql/pglite', async (importOriginal) => {
      const actual = await importOriginal<typeof import('@electric-sql/pglite')>();
      class OldPGlite extends actual.PGlite {}
      Object.defineProperty(OldPGlite, 'defaultStartParams', { value: undefined });
      return { ...actual, PGlite: OldPGlite };
    });
    vi.resetModules();
    const dir = tempDir();
    const { embeddedClient: fresh } = await import('../embedded');
    const client = fresh({ dataDir: dir });
    await expect(client.query('SELECT 1')).rejects.toMatchObject({
      code: 'UNSUPPORTED_SPECIFICATION_VERSION',
      message: expect.stringContaining('@electric-sql/pglite ^0.5.16'),
    });
    await client.close();
    lockDataDir(dir).release(); // the failed open released the lock
  }, 60_000);

  it('a NodeFS that hands back no Emscripten options fails with a typed error, not a TypeError', async () => {
    vi.doMock('@electric-sql/pglite/nodefs', async (importOriginal) => {
      const actual = await importOriginal<typeof import('@electric-sql/pglite/nodefs')>();
      class OldNodeFS extends actual.NodeFS {
        override async init(...args: Parameters<InstanceType<typeof actual.NodeFS>['init']>) {
          await super.init(...args);
          return {} as Awaited<ReturnType<InstanceType<typeof actual.NodeFS>['init']>>;
        }
      }
      return { ...actual, NodeFS: OldNodeFS };
    });
    vi.resetModules();
    const dir = tempDir();
    const { embeddedClient: fresh } = await import('../embedded');
    const client = fresh({ dataDir: dir });
    await expect(client.query('SELECT 1')).rejects.toMatchObject({ code: 'UNSUPPORTED_SPECIFICATION_VERSION' });
    await client.close();
  }, 60_000);
});
