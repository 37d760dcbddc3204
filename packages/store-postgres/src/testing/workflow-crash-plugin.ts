/**
 * The plugin of the workflow crash test (src/workflow-crash.test.ts); not part of the package API. Its workflow
 * `crash.order` has three steps (`reserve`, `charge`, `ship`); every step and every compensation records its effect
 * in `<schema>.wf_effects` keyed by its idempotency key, so the test can count how often each really happened. The
 * `hang` setting makes one step or compensation announce itself on stdout and never settle (the parent then kills
 * the process); `failShip` makes the last step fail for good, so the run compensates.
 *
 * @module
 */
import { definePlugin, type Plugin } from '@crmkit/model';
import type pg from 'pg';

/** How the crash plugin behaves in one process. */
export interface CrashPluginOptions {
  pool: pg.Pool;
  schema: string;
  /** `charge` hangs in step `charge`; `undo:reserve` hangs while compensating `reserve`. */
  hang?: string;
  /** The last step always fails. */
  failShip?: boolean;
  /** Called when a step or compensation starts (the child prints it). */
  onStart?: (what: string) => void;
}

/** The steps, in order. */
export const STEPS = ['reserve', 'charge', 'ship'] as const;

/** Creates the effects table of the test schema. */
export async function createEffectsTable(pool: pg.Pool, schema: string): Promise<void> {
  await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await pool.query(
    `CREATE TABLE IF NOT EXISTS "${schema}".wf_effects (key text PRIMARY KEY, what text NOT NULL, times integer NOT NULL DEFAULT 1)`,
  );
}

/** Builds the crash plugin. */
export function crashPlugin(options: CrashPluginOptions): Plugin {
  const effect = async (key: string, what: string): Promise<void> => {
    // Idempotent by key, and counting: `times` > 1 would show an effect that happened twice.
    await options.pool.query(
      `INSERT INTO "${options.schema}".wf_effects (key, what) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET times = wf_effects.times + 1`,
      [key, what],
    );
  };
  const never = () => new Promise<never>(() => {});
  return definePlugin({
    name: 'crash',
    version: '1.0.0',
    workflows: {
      order: {
        triggers: [{ manual: true }],
        steps: STEPS.map((name) => ({
          name,
          retries: 1,
          backoffMs: 10,
          timeoutMs: 60_000,
          run: async ({ idempotencyKey }: { idempotencyKey: string }) => {
            options.onStart?.(name);
            if (options.hang === name) return never();
            if (name === 'ship' && options.failShip) throw new Error('carrier refused the parcel');
            await effect(idempotencyKey, name);
            return { done: name };
          },
          compensate: async ({ idempotencyKey }: { idempotencyKey: string }) => {
            options.onStart?.(`undo:${name}`);
            if (options.hang === `undo:${name}`) return never();
            await effect(`${idempotencyKey}:undo`, `undo:${name}`);
          },
        })),
      },
    },
  });
}
