import fs, { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { fsyncPath } from '../embedded';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

function tempDir(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'crmkit-durability-')));
  dirs.push(dir);
  return dir;
}

function refuse(code: string): never {
  throw Object.assign(new Error(`${code}: refused`), { code });
}

describe('threat 2: flushing the embedded folder on any system', () => {
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
});
