/**
 * `@crmkit/store-postgres`: the crmkit Store on PostgreSQL (through `pg`) and on PGlite (PostgreSQL in process, a
 * folder on disk or memory), with the same SQL and migrations, a transactional outbox and an inbox.
 *
 * @packageDocumentation
 */
export { pgClient, pgliteClient, quoteIdent } from './client';
export type { IsolationLevel, PGliteClientOptions, PgClientOptions, SqlClient, SqlExecutor } from './client';
export { embeddedClient } from './embedded';
export type { EmbeddedClientOptions, EmbeddedDurability } from './embedded';
export { LOCK_FILE, lockDataDir } from './lock';
export type { DataDirLock } from './lock';
export { MIGRATIONS, migrate, splitStatements, type Migration } from './migrations';
export { createPostgresStore, listVisibleOutbox, outboxChannel } from './store';
export type { PostgresStore, PostgresStoreOptions } from './store';
export { consumeOutbox, getConsumerCheckpoint, processOutboxOnce } from './outbox';
export type { ConsumeOutboxOptions, OutboxHandler, OutboxHandlerContext, ProcessOutboxOptions } from './outbox';
