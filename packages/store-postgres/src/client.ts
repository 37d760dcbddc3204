/**
 * The thin SQL client seam: the store speaks to PostgreSQL through `pg` and to PGlite through the same three
 * operations, so both run the same SQL.
 *
 * @module
 */
import type { PGlite, Transaction as PGliteTransaction } from '@electric-sql/pglite';
import type { Pool, PoolClient } from 'pg';

/** Runs statements. */
export interface SqlExecutor {
  /** Runs one parameterised statement (`$1`, `$2` ...). */
  query<R = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
  ): Promise<{ rows: R[]; rowCount: number }>;
}

/** Isolation level of a transaction. */
export type IsolationLevel = 'serializable' | 'repeatable read' | 'read committed';

/** A database the store can run on. */
export interface SqlClient extends SqlExecutor {
  /** `postgres` (a server through `pg`) or `pglite` (in process). */
  readonly dialect: 'postgres' | 'pglite';
  /** Runs `fn` in a transaction: commits when it resolves, rolls back when it throws. */
  transaction<T>(
    fn: (sql: SqlExecutor) => Promise<T>,
    options?: { isolation?: IsolationLevel; readOnly?: boolean },
  ): Promise<T>;
  /** Runs a script of several statements (migrations). */
  exec(script: string): Promise<void>;
  /**
   * Subscribes to a NOTIFY channel; resolves to the function that unsubscribes. `onLost` is called when the
   * subscription's connection fails (the subscriber should fall back to polling and subscribe again).
   */
  listen(
    channel: string,
    onNotify: (payload: string) => void,
    onLost?: (error: unknown) => void,
  ): Promise<() => Promise<void>>;
  /** Releases connections (ends a pool or closes PGlite, when the client owns it). */
  close(): Promise<void>;
}

function beginStatement(options: { isolation?: IsolationLevel; readOnly?: boolean }): string {
  return `BEGIN ISOLATION LEVEL ${(options.isolation ?? 'serializable').toUpperCase()}${options.readOnly ? ' READ ONLY' : ''}`;
}

/** Options of {@link pgClient}. */
export interface PgClientOptions {
  /** End the pool on `close()`. @default false */
  ownsPool?: boolean;
}

/**
 * A client over a `pg` Pool.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * const client = pgClient(new pg.Pool({ connectionString: process.env.DATABASE_URL }), { ownsPool: true });
 * ```
 */
export function pgClient(pool: Pool, options: PgClientOptions = {}): SqlClient {
  const listeners = new Set<PoolClient>();
  // An idle connection that dies (server restart, network) emits 'error' on the pool; unhandled, it would crash the
  // process. The pool drops the connection by itself; the next query opens a new one.
  if (pool.listenerCount('error') === 0) pool.on('error', () => undefined);
  return {
    dialect: 'postgres',
    async query(text, params) {
      const result = await pool.query(text, params as unknown[]);
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    },
    async transaction(fn, txOptions = {}) {
      const connection = await pool.connect();
      let broken = false;
      let finished = false;
      // A connection that fails while checked out emits 'error'; the failing query rejects as well.
      const onError = (): void => {
        broken = true;
      };
      connection.on('error', onError);
      try {
        await connection.query(beginStatement(txOptions));
        // Statements the caller issues without waiting (the Hub's journal, outbox and audit appends) go out one after
        // the other: on a pool in pg's pipeline mode at once, otherwise each when the one before is answered (pg 8
        // deprecates queueing on a busy client). Their parameters are encoded when they are issued either way.
        const pipelined = (connection as { pipeline?: boolean }).pipeline === true;
        let tail: Promise<unknown> = Promise.resolve();
        const run = async (text: string, params: readonly unknown[] | undefined) => {
          const result = await connection.query(text, params as unknown[]);
          return { rows: result.rows, rowCount: result.rowCount ?? 0 };
        };
        const sql: SqlExecutor = {
          async query(text, params) {
            if (finished) throw new Error('[crmkit/store-postgres] Transaction already finished.');
            if (pipelined) return run(text, params);
            const result = tail.then(() => run(text, params));
            tail = result.catch(() => undefined);
            return result;
          },
        } as SqlExecutor;
        const value = await fn(sql);
        await connection.query('COMMIT');
        return value;
      } catch (error) {
        try {
          await connection.query('ROLLBACK');
        } catch {
          broken = true; // the connection is unusable; do not return it to the pool
        }
        throw error;
      } finally {
        finished = true;
        connection.off('error', onError);
        connection.release(broken);
      }
    },
    async exec(script) {
      await pool.query(script);
    },
    async listen(channel, onNotify, onLost) {
      const connection = await pool.connect();
      listeners.add(connection);
      const handler = (message: { channel: string; payload?: string }) => {
        if (message.channel === channel) onNotify(message.payload ?? '');
      };
      const fail = (error: unknown): void => {
        if (!listeners.delete(connection)) return;
        connection.off('notification', handler);
        connection.release(true);
        onLost?.(error);
      };
      connection.on('notification', handler);
      connection.on('error', fail);
      try {
        await connection.query(`LISTEN ${quoteIdent(channel)}`);
      } catch (error) {
        fail(error);
        throw error;
      }
      return async () => {
        if (!listeners.delete(connection)) return;
        connection.off('notification', handler);
        connection.off('error', fail);
        try {
          await connection.query(`UNLISTEN ${quoteIdent(channel)}`);
          connection.release();
        } catch {
          connection.release(true);
        }
      };
    },
    async close() {
      for (const connection of listeners) connection.release();
      listeners.clear();
      if (options.ownsPool) await pool.end();
    },
  };
}

/** Options of {@link pgliteClient}. */
export interface PGliteClientOptions {
  /** Close the PGlite instance on `close()`. @default false */
  ownsDatabase?: boolean;
}

/**
 * A client over a PGlite instance you made (PostgreSQL in WebAssembly, in process). For a folder on disk use
 * `embeddedClient` instead: it locks the folder to one opener and makes commits durable, which a PGlite you
 * open yourself does not.
 *
 * @example
 * ```ts
 * import { PGlite } from '@electric-sql/pglite';
 * const client = pgliteClient(new PGlite('memory://'), { ownsDatabase: true }); // in memory, e.g. for tests
 * // a folder on disk: embeddedClient({ dataDir: './.crmkit' })
 * ```
 */
export function pgliteClient(db: PGlite, options: PGliteClientOptions = {}): SqlClient {
  const wrap = (target: PGlite | PGliteTransaction): SqlExecutor => ({
    async query<R>(text: string, params?: readonly unknown[]) {
      const result = await target.query<R>(text, params as unknown[]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
  });
  const direct = wrap(db);
  return {
    dialect: 'pglite',
    query: direct.query,
    async transaction(fn, txOptions = {}) {
      // PGlite runs one connection: transactions are serialised by construction; the isolation level still applies.
      // PGlite's transaction object refuses calls once the transaction has ended.
      return db.transaction(async (tx) => {
        await tx.query(
          `SET TRANSACTION ISOLATION LEVEL ${(txOptions.isolation ?? 'serializable').toUpperCase()}${txOptions.readOnly ? ' READ ONLY' : ''}`,
        );
        return fn(wrap(tx));
      });
    },
    async exec(script) {
      await db.exec(script);
    },
    async listen(channel, onNotify) {
      // PGlite folds unquoted channel names to lower case; NOTIFY through pg_notify() is case-sensitive.
      const unsubscribe = await db.listen(quoteIdent(channel), onNotify);
      return async () => {
        await unsubscribe();
      };
    },
    async close() {
      if (options.ownsDatabase && !db.closed) await db.close();
    },
  };
}

/** Quotes an SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
