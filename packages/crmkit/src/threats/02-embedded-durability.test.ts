import fs, { mkdtempSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHub, InvalidArgumentError } from '../index';

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const record = (externalId: string) => ({
  type: 'person' as const,
  source: 'web',
  externalId,
  observedAt: '2026-11-01T10:00:00Z',
  data: { fullName: `Person ${externalId}`, emails: [`p${externalId}@example.com`] },
});

/**
 * Records, in order, every fsync the process makes through Node's fs (the embedded database's only way to the disk),
 * as the file's path relative to `dataDir`, and the moments the test marks.
 */
function traceFsyncs(dataDir: string): { events: string[]; mark: (name: string) => void } {
  const events: string[] = [];
  const original = fs.fsyncSync;
  vi.spyOn(fs, 'fsyncSync').mockImplementation((fd: number) => {
    let path = `fd ${fd}`;
    try {
      path = relative(dataDir, readlinkSync(`/proc/self/fd/${fd}`));
    } catch {}
    events.push(`fsync ${path}`);
    original(fd);
  });
  return { events, mark: (name) => events.push(name) };
}

// Which file a descriptor is comes from /proc: Linux only. What a test can show is that the data reaches fsync(2)
// before the commit is acknowledged; that the disk honours it is the kernel's and the device's part.
describe.skipIf(process.platform !== 'linux')('threat 2: durability of the embedded default', () => {
  it('flushes the write-ahead log to disk before an acknowledged ingest resolves (durability: full, the default)', async () => {
    const dataDir = realpathSync(mkdtempSync(join(tmpdir(), 'crmkit-durable-')));
    dirs.push(dataDir);
    const hub = createHub({ dataDir });
    try {
      await hub.ingest([record('0')]); // opens and migrates the folder
      const { events, mark } = traceFsyncs(dataDir);
      for (let i = 1; i <= 3; i++) {
        mark(`ingest ${i}`);
        await hub.ingest([record(String(i))]);
        mark(`acknowledged ${i}`);
      }
      for (let i = 1; i <= 3; i++) {
        const during = events.slice(events.indexOf(`ingest ${i}`), events.indexOf(`acknowledged ${i}`));
        expect(
          during.filter((event) => event.startsWith('fsync pg_wal/')),
          `ingest ${i}: ${JSON.stringify(events)}`,
        ).not.toHaveLength(0);
      }
    } finally {
      await hub.close();
    }
  }, 120_000);

  it("with durability: 'relaxed' commits skip the flush, and close() flushes the whole folder", async () => {
    const dataDir = realpathSync(mkdtempSync(join(tmpdir(), 'crmkit-relaxed-')));
    dirs.push(dataDir);
    const hub = createHub({ dataDir, durability: 'relaxed' });
    await hub.ingest([record('0')]);
    const { events, mark } = traceFsyncs(dataDir);
    await hub.ingest([record('1'), record('2')]);
    expect(events.filter((event) => event.startsWith('fsync pg_wal/'))).toEqual([]);
    mark('close');
    await hub.close();
    const atClose = events.slice(events.indexOf('close'));
    expect(atClose.some((event) => event.startsWith('fsync pg_wal/'))).toBe(true);
    expect(atClose.some((event) => event.startsWith('fsync base/'))).toBe(true);
    expect(atClose).toContain('fsync global/pg_control');
  }, 120_000);

  it('refuses an unknown durability with INVALID_ARGUMENT, before the folder is touched', () => {
    const dataDir = join(realpathSync(tmpdir()), `crmkit-never-${process.pid}-${Date.now()}`);
    let error: unknown;
    try {
      createHub({ dataDir, durability: 'fast' as never });
    } catch (caught) {
      error = caught;
    }
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'durability' });
    expect(fs.existsSync(dataDir)).toBe(false);
  });
});
