/**
 * Runs as values: ids, statuses, the defaults of steps, the JSON check of inputs and outputs, and the pure state
 * changes of a run (new, finished, released, compensating). No store, no clock.
 *
 * @module
 */
import {
  CrmkitError,
  ErrorCode,
  formatPath,
  InvalidArgumentError,
  type JsonValue,
  type WorkflowRun,
  type WorkflowRunHistoryEntry,
  type WorkflowRunStatus,
} from '@crmkit/model';
import { runtime } from '../runtime/runtime';
import { hashString } from '../runtime/stable';
import type { Registered } from './types';

export const DEFAULT_LEASE_MS = 30_000;
export const DEFAULT_RETRIES = 2;
export const DEFAULT_BACKOFF_MS = 100;
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Extra attempts of a compensation that throws. */
export const COMPENSATION_RETRIES = 2;
/** Longest wait (also the longest delay every runtime's timers accept). */
export const MAX_DELAY_MS = 2 ** 31 - 1;
export const ACTIVE_STATUSES: readonly WorkflowRunStatus[] = ['pending', 'running', 'compensating'];
const TERMINAL_STATUSES: ReadonlySet<WorkflowRunStatus> = new Set(['completed', 'compensated', 'failed']);

/** True for `completed`, `compensated` and `failed`: the engine never touches such a run again. */
export function isTerminalRunStatus(status: WorkflowRunStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

export const iso = (ms: number): string => new Date(ms).toISOString();
export const clone = <T>(value: T): T => runtime.structuredClone(value);

/** A deterministic, id-safe run id for `text` (128 bits of two FNV-style hashes); `kind` keeps id spaces apart. */
export function deterministicRunId(kind: 'e' | 's' | 'k', text: string): string {
  return `wfr_${kind}${hashString(text)}${hashString([...text].reverse().join(''))}`;
}

/** `{code, message}` of any thrown value: a crmkit error's code, another error's string `code`, else WORKFLOW_FAILED. */
export function describeError(error: unknown): { code: string; message: string } {
  if (CrmkitError.isInstance(error)) return { code: error.code, message: error.message };
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return { code: typeof code === 'string' && code !== '' ? code : ErrorCode.WORKFLOW_FAILED, message };
}

/**
 * A deep copy of `value` as strict JSON: throws an {@link InvalidArgumentError} naming the path of the first
 * value that is not JSON (a function, symbol, bigint, `NaN`/`Infinity`, `undefined` in an array, a non-plain
 * object such as a `Date` or `Map`, or a cycle). `undefined` object properties are dropped, as `JSON.stringify`
 * does; a top-level `undefined` becomes `null`.
 */
export function toJsonValue(value: unknown, what = 'value'): JsonValue {
  const stack = new Set<object>();
  const fail = (path: (string | number)[], problem: string): never => {
    throw new InvalidArgumentError({
      argument: formatPath(path, what),
      message: `[crmkit] ${what} is not JSON at ${formatPath(path, what)}: ${problem}.`,
    });
  };
  const walk = (v: unknown, path: (string | number)[]): JsonValue => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : fail(path, `${v} is not a finite number`);
    if (typeof v === 'undefined') return fail(path, 'undefined in an array');
    if (typeof v !== 'object') return fail(path, `a ${typeof v}`);
    if (stack.has(v)) return fail(path, 'a cycle');
    stack.add(v);
    try {
      if (Array.isArray(v)) return v.map((item, index) => walk(item, [...path, index]));
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null)
        return fail(path, `a ${(v as { constructor?: { name?: string } }).constructor?.name ?? 'non-plain'} object`);
      const out: Record<string, JsonValue> = {};
      for (const [key, item] of Object.entries(v)) if (item !== undefined) out[key] = walk(item, [...path, key]);
      return out;
    } finally {
      stack.delete(v);
    }
  };
  return value === undefined ? null : walk(value, []);
}

/** A new `pending` run at step 0. */
export function newRun(
  id: string,
  workflow: string,
  input: JsonValue,
  trigger: WorkflowRun['trigger'],
  now: string,
): WorkflowRun {
  return {
    id,
    workflow,
    status: 'pending',
    input,
    trigger,
    step: 0,
    attempt: 0,
    results: {},
    completed: [],
    history: [] as WorkflowRunHistoryEntry[],
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

/** The name of the step the run is at: the step to run, or while compensating the step to undo. */
export function currentStepName(run: WorkflowRun, registered: Registered): string {
  if (run.status === 'compensating') return run.completed[run.step] ?? '';
  return registered.definition.steps[run.step]?.name ?? '';
}

/** Drops the run's lease (another worker, or this one later, may claim it). */
export function releaseRun(run: WorkflowRun): void {
  delete run.leaseOwner;
  delete run.leaseUntil;
}

/** Ends the run with `status` and releases it. */
export function finishRun(run: WorkflowRun, status: WorkflowRunStatus, now: string): void {
  run.status = status;
  run.finishedAt = now;
  delete run.notBefore;
  releaseRun(run);
}

/** Turns the run to compensation of its completed steps, last first, after `step` failed for good with `error`. */
export function beginCompensation(run: WorkflowRun, step: string, error: { code: string; message: string }): void {
  run.status = 'compensating';
  run.error = { code: error.code, message: error.message, step };
  run.step = run.completed.length - 1;
  run.attempt = 0;
  delete run.notBefore;
}
