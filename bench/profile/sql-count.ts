/**
 * Counts and times SQL statements by kind around a store's client, for the profile scripts (ingest.ts, load.ts).
 * Times are measured around the client, so a statement issued while another runs includes its wait.
 */
import type { SqlClient, SqlExecutor } from '@crmkit/store-postgres';

/** Statements per kind: how many, and milliseconds summed. */
export const counts = new Map<string, { n: number; ms: number }>();

/** A short kind of a statement: `INSERT <table>`, `SELECT <table>`, `WITH <cte>`, `BEGIN`... */
export function kindOf(text: string): string {
  const t = text.trim().replace(/\s+/g, ' ');
  const m = /^(INSERT INTO|UPDATE|DELETE FROM|SELECT .*? FROM|WITH|BEGIN|COMMIT|ROLLBACK|SELECT)\s*([\w."]*)/i.exec(t);
  return m ? `${m[1]!.split(' ')[0]} ${m[2] ?? ''}`.slice(0, 60) : t.slice(0, 40);
}

function counted(exec: SqlExecutor): SqlExecutor {
  return {
    async query(text, params) {
      const started = performance.now();
      try {
        return await exec.query(text, params);
      } finally {
        const k = kindOf(text);
        const c = counts.get(k) ?? { n: 0, ms: 0 };
        c.n++;
        c.ms += performance.now() - started;
        counts.set(k, c);
      }
    },
  } as SqlExecutor;
}

/** `client` with every statement counted in {@link counts}. */
export function countingClient(client: SqlClient): SqlClient {
  return {
    ...client,
    dialect: client.dialect,
    query: counted(client).query,
    transaction: (fn, options) => client.transaction((sql) => fn(counted(sql)), options),
    exec: (s) => client.exec(s),
    listen: (...a) => client.listen(...a),
    close: () => client.close(),
  };
}
