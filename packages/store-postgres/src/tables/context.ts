/**
 * What the table modules of a store transaction share: the SQL connection of the transaction and the schema.
 *
 * @module
 */
import type { SqlExecutor } from '../client';

/** One transaction's SQL connection and the schema its tables live in. */
export interface TableContext {
  /** Runs SQL inside the transaction. */
  readonly sql: SqlExecutor;
  /** The quoted schema name, to put in SQL (`${s}.crmkit_records`). */
  readonly s: string;
  /** The schema name as given (unquoted). */
  readonly schemaName: string;
}
