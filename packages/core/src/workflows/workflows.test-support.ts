/**
 * Test fixtures of the workflow engine's tests (`src/workflows/*.test.ts`): an engine on a fake clock and the
 * in-memory store that records errors and run changes, engines as simulated processes, and a fake external system.
 * Not part of the package build.
 *
 * @module
 */
import type { JsonValue, PluginContext, Store, WorkflowDefinition, WorkflowRun, WorkflowStep } from '@crmkit/model';
import { createFakeClock, type FakeClock } from '../runtime/fake-clock';
import type { Clock } from '../runtime/clock';
import { createMemoryStore } from '../store/memory-store';
import { WorkflowEngine } from './index';

export const contextFor = (plugin: string): PluginContext => ({ plugin }) as unknown as PluginContext;
export const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

export interface Setup {
  clock: FakeClock;
  store: Store;
  engine: WorkflowEngine;
  errors: { error: unknown; info: { runId?: string; workflow?: string; step?: string } }[];
  changes: WorkflowRun[];
}

export function setup(options: { leaseMs?: number; clock?: FakeClock; store?: Store; workerId?: string } = {}): Setup {
  const clock = options.clock ?? createFakeClock();
  const store = options.store ?? createMemoryStore();
  const errors: Setup['errors'] = [];
  const changes: WorkflowRun[] = [];
  const engine = new WorkflowEngine({
    store,
    clock,
    workerId: options.workerId ?? 'A',
    ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
    contextFor,
    onError: (error, info) => errors.push({ error, info }),
    onRunChange: (run) => changes.push(run),
  });
  return { clock, store, engine, errors, changes };
}

/** An engine as one simulated process sees the shared clock: `process.kill()` simulates its death. */
export function processEngine(clock: FakeClock, store: Store, workerId: string, leaseMs = 1000) {
  const processClock = clock.process();
  const errors: unknown[] = [];
  const engine = new WorkflowEngine({
    store,
    clock: processClock as Clock,
    workerId,
    leaseMs,
    contextFor,
    onError: (error) => errors.push(error),
  });
  return { engine, process: processClock, errors };
}

export function actions(run: WorkflowRun | undefined): string[] {
  return (run?.history ?? []).map((e) => `${e.action}:${e.step}${e.attempt === undefined ? '' : `#${e.attempt}`}`);
}

export function manual(steps: WorkflowStep<JsonValue>[], extra: Partial<WorkflowDefinition<JsonValue>> = {}) {
  return { triggers: [{ manual: true as const }], steps, ...extra };
}

/** A fake external system that dedupes by idempotency key and counts raw calls. */
export class External {
  readonly calls = new Map<string, number>();
  readonly applied = new Set<string>();
  readonly undoCalls = new Map<string, number>();
  apply(key: string): void {
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
    this.applied.add(key);
  }
  undo(key: string): void {
    this.undoCalls.set(key, (this.undoCalls.get(key) ?? 0) + 1);
    this.applied.delete(key);
  }
}
