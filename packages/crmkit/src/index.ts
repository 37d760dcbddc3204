/**
 * `crmkit`: the one package most apps install. It re-exports `@crmkit/core` and `@crmkit/model`, and its
 * {@link createHub} keeps data in an embedded PGlite database (PostgreSQL in process) in `./.crmkit/` unless you pass
 * a store: the same SQL and migrations as the PostgreSQL store you move to in production.
 *
 * @packageDocumentation
 */
import { createHub as createCoreHub, type Hub, type HubOptions, resolveHubOptions } from '@crmkit/core';
import { createPostgresStore, type EmbeddedDurability, embeddedClient } from '@crmkit/store-postgres';

export * from '@crmkit/core';
export * from '@crmkit/model';
export type { EmbeddedDurability } from '@crmkit/store-postgres';

/** Where the embedded database lives when no `dataDir` is given. */
export const DEFAULT_DATA_DIR = './.crmkit';

/** Options of {@link createHub}: the Hub's options plus where the embedded database lives. */
export interface EmbeddedHubOptions extends HubOptions {
  /**
   * Folder of the embedded PGlite database, used when no `store` is given. `'memory://'` keeps it in memory. One
   * process opens a folder at a time: a second opener gets `STORE_LOCKED`.
   * @default process.env.CRMKIT_DATA_DIR, else './.crmkit'
   */
  dataDir?: string;
  /**
   * What an acknowledged write to the embedded database survives: `'full'` an OS crash or power cut too (each commit
   * is flushed to disk before it resolves); `'relaxed'` only the process being killed, faster, for bulk loads you can
   * repeat (`close()` flushes the folder).
   * @default 'full'
   */
  durability?: EmbeddedDurability;
}

function environmentDataDir(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.CRMKIT_DATA_DIR || undefined;
}

/**
 * Creates the Hub. Without a `store`, data persists in an embedded PGlite database in `dataDir`, so a second run
 * sees the first run's data; `hub.close()` closes the database. The folder is this Hub's alone until then: another
 * process, or a second `createHub` on it in this one, gets a `StoreLockedError` (code `STORE_LOCKED`). Several
 * processes on the same data need a PostgreSQL server: pass `store`.
 *
 * @example
 * ```ts
 * import { createHub } from 'crmkit';
 *
 * const hub = createHub(); // ./.crmkit
 * await hub.ingest([{ type: 'person', source: 'web', externalId: 'f1', observedAt: new Date().toISOString(),
 *   data: { fullName: 'Ada Lovelace', emails: ['ada@example.com'] } }]);
 * await hub.close();
 * ```
 */
export function createHub(options: EmbeddedHubOptions = {}): Hub {
  const { dataDir, durability, ...hubOptions } = options;
  if (hubOptions.store) return createCoreHub(hubOptions);
  // Bad options throw here, before the folder is opened and locked.
  resolveHubOptions(hubOptions);
  const dir = dataDir ?? environmentDataDir() ?? DEFAULT_DATA_DIR;
  const client = embeddedClient({ dataDir: dir, ...(durability ? { durability } : {}) });
  const store = createPostgresStore({ client, name: `pglite (${dir})` });
  try {
    return createCoreHub({ ...hubOptions, store });
  } catch (error) {
    // A Hub that cannot start (bad options) must not keep the folder locked.
    void client.close();
    throw error;
  }
}
