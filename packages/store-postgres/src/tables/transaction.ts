/**
 * A store transaction on PostgreSQL or PGlite: the methods of each group of tables over one SQL connection.
 *
 * @module
 */
import type { StoreTransaction } from '@crmkit/model';
import type { SqlExecutor } from '../client';
import { auditTables } from './audit';
import { customerTables } from './customers';
import { documentTables } from './documents';
import { linkTables } from './links';
import { outboxTables } from './outbox';
import { recordTables } from './records';
import { workflowRunTables } from './workflow-runs';

/** The store transaction over `sql`, on the tables in `schemaName` (`s` is its quoted form). */
export function makeTransaction(sql: SqlExecutor, s: string, schemaName: string): StoreTransaction {
  const ctx = { sql, s, schemaName };
  return {
    ...recordTables(ctx),
    ...customerTables(ctx),
    ...linkTables(ctx),
    ...outboxTables(ctx),
    ...auditTables(ctx),
    ...documentTables(ctx),
    ...workflowRunTables(ctx),
  };
}
