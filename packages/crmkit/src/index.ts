/**
 * `crmkit`: the one package most apps install. It re-exports `@crmkit/core` and `@crmkit/model`, and its
 * {@link createHub} keeps data in an embedded PGlite database (PostgreSQL in process) in `./.crmkit/` unless you pass
 * a store: the same SQL and migrations as the PostgreSQL store you move to in production.
 *
 * @packageDocumentation
 */
import { createHub as createCoreHub, type Hub, type HubOptions } from '@crmkit/core';
import { PGlite } from '@electric-sql/pglite';
import { createPostgresStore, pgliteClient } from '@crmkit/store-postgres';

export * from '@crmkit/core';
export * from '@crmkit/model';

/** Where the embedded database lives when no `dataDir` is given. */
export const DEFAULT_DATA_DIR = './.crmkit';

/** Options of {@link createHub}: the Hub's options plus where the embedded database lives. */
export interface EmbeddedHubOptions extends HubOptions {
  /**
   * Folder of the embedded PGlite database, used when no `store` is given. `'memory://'` keeps it in memory.
   * @default process.env.CRMKIT_DATA_DIR, else './.crmkit'
   */
  dataDir?: string;
}

function environmentDataDir(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.CRMKIT_DATA_DIR || undefined;
}

/**
 * Creates the Hub. Without a `store`, data persists in an embedded PGlite database in `dataDir`, so a second run
 * sees the first run's data; `hub.close()` closes the database.
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
  const { dataDir, ...hubOptions } = options;
  if (hubOptions.store) return createCoreHub(hubOptions);
  const dir = dataDir ?? environmentDataDir() ?? DEFAULT_DATA_DIR;
  const database = dir === 'memory://' ? new PGlite() : new PGlite(dir);
  const store = createPostgresStore({
    client: pgliteClient(database, { ownsDatabase: true }),
    name: `pglite (${dir})`,
  });
  return createCoreHub({ ...hubOptions, store });
}
