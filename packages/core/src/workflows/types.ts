/**
 * Types of the workflow engine: the public options, and the engine's internal view of a registered workflow and of
 * one execution of a run.
 *
 * @module
 */
import type {
  AbortSignalLike,
  PluginContext,
  Store,
  WorkflowDefinition,
  WorkflowRun,
  WorkflowRunStatus,
} from '@crmkit/model';
import type { Clock } from '../runtime/clock';

/** Options of {@link WorkflowEngine}. */
export interface WorkflowEngineOptions {
  /** Where runs are kept. */
  store: Store;
  /** Time, timers and timeouts. */
  clock: Clock;
  /** Identifies this process for leases; must differ between processes sharing a store. */
  workerId: string;
  /** How long a claimed run stays leased without renewal. @default 30_000 */
  leaseMs?: number;
  /** The scoped PluginContext for a plugin's steps. */
  contextFor: (plugin: string) => PluginContext;
  /**
   * Reports errors the engine swallowed: a compensation that failed for good, a failing background execution, a
   * throwing `when`/`input` of an event trigger, a store failure in the scheduler. Without it they go to
   * `console.error`.
   */
  onError?: (error: unknown, info: { runId?: string; workflow?: string; step?: string }) => void;
  /** Called after each state change of a run (the Hub turns it into logs/events). Not called for lease renewals. */
  onRunChange?: (run: WorkflowRun) => void;
}

/** Options of {@link WorkflowEngine.list}. */
export interface WorkflowRunListOptions {
  /** Only runs with one of these statuses. */
  status?: WorkflowRunStatus[];
  /** Only runs of this workflow (`<plugin>.<name>`). */
  workflow?: string;
  /** Runs whose id sorts after this one. */
  after?: string;
  limit: number;
}

/** Options of {@link WorkflowEngine.runDue}. */
export interface RunDueOptions {
  /** At most this many runs. @default 100 */
  limit?: number;
  /** How many runs are worked on at once. @default 4 */
  concurrency?: number;
}

/** Options of {@link WorkflowEngine.startScheduler}. */
export interface SchedulerOptions {
  /** How often due runs (retries, runs of crashed processes) are looked for. @default 1000 */
  pollMs?: number;
}

/** Where an error the engine swallowed came from. */
export interface ErrorInfo {
  runId?: string;
  workflow?: string;
  step?: string;
}

export interface AbortSignalImpl extends AbortSignalLike {
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
export interface AbortControllerImpl {
  readonly signal: AbortSignalImpl;
  abort(reason?: unknown): void;
}
/** `AbortController` exists in every runtime crmkit supports; typed here because core uses no DOM/Node typings. */
export const AbortControllerCtor = (globalThis as unknown as { AbortController: new () => AbortControllerImpl })
  .AbortController;

/** A workflow registered with the engine. */
export interface Registered {
  /** `<plugin>.<name>`. */
  key: string;
  plugin: string;
  name: string;
  definition: WorkflowDefinition<unknown>;
}

/** One execution of a run by this engine, from its claim to its release. */
export interface Execution {
  id: string;
  run: WorkflowRun;
  registered: Registered;
  /** Aborted when the engine stops or the lease was lost; every attempt's signal follows it. */
  controller: AbortControllerImpl;
  lost: boolean;
  context?: PluginContext;
}

/** How one attempt of a step (or of its compensation) ended. */
export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** What {@link WorkflowEngine.execute} and the claim report: the run as it is, and whether this engine worked on it. */
export interface ExecuteResult {
  run: WorkflowRun | undefined;
  claimed: boolean;
}
