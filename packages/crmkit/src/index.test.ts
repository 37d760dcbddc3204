import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHub, createMemoryStore, ValidationError } from './index';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const record = (externalId: string, email: string) => ({
  type: 'person' as const,
  source: 'web',
  externalId,
  observedAt: '2026-11-01T10:00:00Z',
  data: { fullName: `Person ${externalId}`, emails: [email] },
});

describe('crmkit createHub', () => {
  it("persists to the embedded PGlite folder: a second Hub on the same folder sees the first one's data", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crmkit-'));
    dirs.push(dir);
    const first = createHub({ dataDir: dir });
    await first.ingest([record('1', 'ada@example.com'), record('2', 'ADA@example.com')]);
    const [before] = await first.find({ email: 'ada@example.com' });
    await first.close();

    const second = createHub({ dataDir: dir });
    const [after] = await second.find({ email: 'ada@example.com' });
    expect(after).toEqual(before);
    expect(after?.golden.sources).toHaveLength(2);
    await second.close();
    // Two embedded databases start and migrate here: seconds normally, a minute on a loaded 2-core machine.
  }, 180_000);

  it('uses the store it is given and re-exports the model', async () => {
    const hub = createHub({ store: createMemoryStore() });
    expect(hub.store.name).toBe('memory');
    await expect(hub.ingest([{ ...record('1', 'not-an-email') }])).rejects.toSatisfy(ValidationError.isInstance);
    await hub.close();
  });

  it('keeps data in memory with memory://', async () => {
    const hub = createHub({ dataDir: 'memory://' });
    await hub.ingest([record('1', 'grace@example.com')]);
    expect((await hub.list()).items).toHaveLength(1);
    await hub.close();
  }, 180_000); // an embedded database starts and migrates: a budget for a loaded machine

  it('refuses bad options before it opens the folder: nothing is created or locked, a later Hub opens it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crmkit-'));
    dirs.push(dir);
    expect(() => createHub({ dataDir: dir, retention: { rules: [{ entity: 'person', maxAgeDays: -1 }] } })).toThrow(
      ValidationError,
    );
    expect(readdirSync(dir)).toEqual([]); // no lock file, no database files
    const hub = createHub({ dataDir: dir });
    await hub.ingest([record('1', 'ada@example.com')]);
    expect((await hub.list()).items).toHaveLength(1);
    await hub.close();
  }, 180_000); // an embedded database starts and migrates: a budget for a loaded machine
});
