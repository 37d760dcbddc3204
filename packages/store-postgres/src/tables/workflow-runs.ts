/**
 * Workflow runs (`crmkit_workflow_runs`).
 *
 * @module
 */
import type { StoreTransaction, WorkflowRun } from '@crmkit/model';
import { requireFields, requireLimit, requireStrings } from './arguments';
import type { TableContext } from './context';

/** The methods of a store transaction on these tables. */
export type WorkflowRunTables = Pick<StoreTransaction, 'getWorkflowRun' | 'putWorkflowRun' | 'listWorkflowRuns'>;

/** Reads and writes workflow runs. */
export function workflowRunTables(ctx: TableContext): WorkflowRunTables {
  const { sql, s } = ctx;

  return {
    async getWorkflowRun(id) {
      const { rows } = await sql.query<{ data: WorkflowRun }>(
        `SELECT data FROM ${s}.crmkit_workflow_runs WHERE id = $1`,
        [id],
      );
      return rows[0]?.data;
    },
    async putWorkflowRun(run) {
      requireFields('run', run, [
        'id',
        'workflow',
        'status',
        'input',
        'trigger',
        'step',
        'attempt',
        'results',
        'completed',
        'history',
        'createdAt',
        'updatedAt',
        'version',
      ]);
      await sql.query(
        `INSERT INTO ${s}.crmkit_workflow_runs (id, workflow, status, version, updated_at, data)
           VALUES ($1, $2, $3, $4, $5, $6::json)
           ON CONFLICT (id) DO UPDATE SET workflow = excluded.workflow, status = excluded.status,
             version = excluded.version, updated_at = excluded.updated_at, data = excluded.data`,
        [run.id, run.workflow, run.status, run.version, run.updatedAt, JSON.stringify(run)],
      );
    },
    async listWorkflowRuns({ after, limit, status, workflow }) {
      const n = requireLimit(limit);
      if (status !== undefined) requireStrings('status', status);
      const { rows } = await sql.query<{ data: WorkflowRun }>(
        `SELECT data FROM ${s}.crmkit_workflow_runs
           WHERE ($1::text[] IS NULL OR status = ANY($1::text[])) AND ($2::text IS NULL OR workflow = $2)
             AND ($3::text IS NULL OR id > $3)
           ORDER BY id LIMIT $4`,
        [status === undefined ? null : [...status], workflow ?? null, after ?? null, n],
      );
      return rows.map((row) => row.data);
    },
  };
}
