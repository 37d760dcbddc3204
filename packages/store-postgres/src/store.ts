/**
 * The crmkit Store on PostgreSQL and PGlite: options, the transaction runner (SERIALIZABLE, retried on serialisation
 * conflicts) and migrations on first use. The SQL of each group of tables lives in `tables/`.
 *
 * @module
 */
import {
  AbortedError,
  ConflictError,
  CrmkitError,
  ErrorCode,
  InvalidArgumentError,
  type Store,
  StoreError,
  type StoreTransaction,
  type TransactionOptions,
} from '@crmkit/model';
import { quoteIdent, type SqlClient } from './client';
import { migrate } from './migrations';
import { makeTransaction } from './tables/transaction';

export { listVisibleOutbox, outboxChannel } from './tables/outbox';

/** Options of {@link createPostgresStore}. */
export interface PostgresStoreOptions {
  /** The database: `pgClient(pool)` or `pgliteClient(db)`. */
  client: SqlClient;
  /** Schema that holds crmkit's tables; created when missing. @default 'crmkit' */
  schema?: string;
  /** Apply pending migrations on first use. @default true */
  migrate?: boolean;
  /** How often a transaction that lost a serialisation conflict is run again before `CONFLICT` is thrown. @default 20 */
  maxRetries?: number;
  /** Name for messages. @default the client's dialect */
  name?: string;
}

/** A {@link Store} on PostgreSQL or PGlite, with the client and schema it runs on. */
export interface PostgresStore extends Store {
  readonly client: SqlClient;
  /** The quoted schema name, for SQL of your own. */
  readonly schema: string;
  /** The schema name as given (unquoted), e.g. for {@link outboxChannel}. */
  readonly schemaName: string;
  /** Resolves once migrations are applied (they run on first use otherwise). */
  ready(): Promise<void>;
}

const RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * Whether a transaction that failed with `error` should run again: a serialisation failure or deadlock, or a unique
 * violation (`23505`) of the audit log's primary key in `schema`. `appendAudit` takes the `seq` after the head it
 * read, so such a violation means a concurrent writer extended the chain first: run again, the transaction reads the
 * new head and appends after it. (Under SERIALIZABLE PostgreSQL usually reports that race as `40001` already.) Unique
 * violations of any other key are mistakes of the caller and fail at once. Internal; exported for tests.
 */
export function isRetryable(error: unknown, schema: string): boolean {
  const state = sqlState(error);
  if (state === undefined) return false;
  if (RETRYABLE.has(state)) return true;
  if (state !== '23505') return false;
  const details = error as { schema?: unknown; table?: unknown; constraint?: unknown };
  return (
    details.table === 'crmkit_audit_log' &&
    details.constraint === 'crmkit_audit_log_pkey' &&
    (details.schema === undefined || details.schema === schema)
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Creates a Store on PostgreSQL or PGlite. Write transactions run SERIALIZABLE and are retried on serialisation
 * conflicts (the Hub's operations are safe to re-run); a transaction that still conflicts after `maxRetries` throws a
 * `ConflictError` with code `CONFLICT`. Customers carry a version: an update written from a stale read is refused.
 *
 * @example
 * ```ts
 * import { createHub } from '@crmkit/core';
 * import { createPostgresStore, embeddedClient } from '@crmkit/store-postgres';
 *
 * // an embedded folder: locked to this process, durable (see embeddedClient); or pgClient(pool) for a server
 * const store = createPostgresStore({ client: embeddedClient({ dataDir: './.crmkit' }) });
 * const hub = createHub({ store });
 * ```
 */
export function createPostgresStore(options: PostgresStoreOptions): PostgresStore {
  const { client } = options;
  const schemaName = options.schema ?? 'crmkit';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schemaName)) {
    throw new InvalidArgumentError({
      argument: 'schema',
      message: `[crmkit/store-postgres] Invalid schema name ${JSON.stringify(schemaName)}.`,
    });
  }
  const s = quoteIdent(schemaName);
  const maxRetries = options.maxRetries ?? 20;
  let readyPromise: Promise<void> | undefined;
  let closed = false;

  function ready(): Promise<void> {
    readyPromise ??= (
      options.migrate === false ? Promise.resolve() : migrate(client, schemaName).then(() => undefined)
    ).catch((error: unknown) => {
      readyPromise = undefined;
      throw error;
    });
    return readyPromise;
  }

  const store: PostgresStore = {
    specificationVersion: 'v1',
    name: options.name ?? client.dialect,
    client,
    schema: s,
    schemaName,
    ready,
    async transaction<T>(fn: (tx: StoreTransaction) => Promise<T>, txOptions: TransactionOptions = {}): Promise<T> {
      if (closed)
        throw new CrmkitError({ code: ErrorCode.CLOSED, message: '[crmkit/store-postgres] The store is closed.' });
      await ready();
      for (let attempt = 0; ; attempt++) {
        if (txOptions.signal?.aborted) throw new AbortedError({ cause: txOptions.signal.reason });
        try {
          return await client.transaction(
            async (sql) => {
              const value = await fn(makeTransaction(sql, s, schemaName));
              if (txOptions.signal?.aborted) throw new AbortedError({ cause: txOptions.signal.reason });
              return value;
            },
            txOptions.readOnly ? { isolation: 'repeatable read', readOnly: true } : { isolation: 'serializable' },
          );
        } catch (error) {
          const state = sqlState(error);
          if (isRetryable(error, schemaName)) {
            if (attempt < maxRetries) {
              await sleep(Math.random() * 5 * 2 ** Math.min(attempt, 6));
              continue;
            }
            throw new ConflictError({
              message: `[crmkit/store-postgres] The transaction kept conflicting with concurrent writers (${attempt + 1} attempts).`,
              cause: error,
            });
          }
          if (CrmkitError.isInstance(error)) throw error;
          throw new StoreError({
            message: `[crmkit/store-postgres] ${(error as Error)?.message ?? 'The database failed'}${state ? ` (SQLSTATE ${state})` : ''}; the transaction was rolled back.`,
            sqlState: state,
            cause: error,
          });
        }
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await client.close();
    },
  };
  return store;
}
