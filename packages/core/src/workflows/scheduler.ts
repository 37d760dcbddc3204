/**
 * The timers of the workflow engine: one run per slot of each schedule trigger, and the poll that finds due runs
 * (retries, runs of crashed processes).
 *
 * @module
 */
import type { Store, WorkflowRun } from '@crmkit/model';
import type { Clock } from '../runtime/clock';
import { deterministicRunId, iso, newRun } from './runs';
import type { ErrorInfo, Registered } from './types';

/** What the scheduler needs from its engine. */
export interface SchedulerDeps {
  store: Store;
  clock: Clock;
  /** The engine's registered workflows, by key (read live: a workflow unregistered later gets no more runs). */
  workflows: ReadonlyMap<string, Registered>;
  runDue(): Promise<number>;
  kick(ids: readonly string[]): void;
  notify(run: WorkflowRun): void;
  report(error: unknown, info: ErrorInfo): void;
  track<T>(promise: Promise<T>): Promise<T>;
}

/** The schedule and poll timers of one engine; see {@link WorkflowEngine.startScheduler}. */
export class WorkflowScheduler {
  private state: { pollMs: number; pollTimer?: unknown } | undefined;
  /** Schedule timers by workflow key. */
  private readonly scheduleTimers = new Map<string, unknown[]>();

  constructor(private readonly deps: SchedulerDeps) {}

  /** True between {@link WorkflowScheduler.start} and {@link WorkflowScheduler.stop}. */
  get running(): boolean {
    return this.state !== undefined;
  }

  /** Arms the schedules of these workflows and the poll (every `pollMs`). */
  start(pollMs: number, workflows: Iterable<Registered>): void {
    this.state = { pollMs };
    for (const registered of workflows) this.arm(registered);
    this.armPoll();
  }

  /** Clears every timer. */
  stop(): void {
    if (this.state?.pollTimer !== undefined) this.deps.clock.clearTimeout(this.state.pollTimer);
    this.state = undefined;
    for (const handles of this.scheduleTimers.values())
      for (const handle of handles) this.deps.clock.clearTimeout(handle);
    this.scheduleTimers.clear();
  }

  /** Clears the schedule timers of workflow `key` (it was unregistered). */
  forget(key: string): void {
    for (const handle of this.scheduleTimers.get(key) ?? []) this.deps.clock.clearTimeout(handle);
    this.scheduleTimers.delete(key);
  }

  /**
   * Arms the schedule triggers of a workflow: one run per slot, slots aligned to multiples of `everyMs` since the
   * epoch (so every process agrees on them).
   */
  arm(registered: Registered): void {
    const { clock, workflows } = this.deps;
    const handles: unknown[] = [];
    this.scheduleTimers.set(registered.key, handles);
    for (const trigger of registered.definition.triggers) {
      if (!('schedule' in trigger)) continue;
      const everyMs = trigger.schedule.everyMs;
      const arm = (boundary: number): void => {
        const handle = clock.setTimeout(
          () => {
            const position = handles.indexOf(handle);
            if (position >= 0) handles.splice(position, 1);
            if (workflows.get(registered.key) !== registered || !this.state) return;
            // A late timer skips the slots it missed: at most one run, for the latest slot started.
            const slot = Math.max(boundary, Math.floor(clock.now() / everyMs) * everyMs);
            this.deps.track(this.createSlotRun(registered, slot));
            arm(slot + everyMs);
          },
          Math.max(0, boundary - clock.now()),
        );
        handles.push(handle);
      };
      arm((Math.floor(clock.now() / everyMs) + 1) * everyMs);
    }
  }

  private armPoll(): void {
    const state = this.state;
    if (!state) return;
    state.pollTimer = this.deps.clock.setTimeout(() => {
      this.deps.track(
        this.deps
          .runDue()
          .catch((error: unknown) => this.deps.report(error, {}))
          .finally(() => {
            if (this.state === state) this.armPoll();
          }),
      );
    }, state.pollMs);
  }

  /** Creates the run of a slot (its id derives from the workflow and the slot start: one run per slot) and kicks it. */
  private async createSlotRun(registered: Registered, slot: number): Promise<void> {
    const slotIso = iso(slot);
    const id = deterministicRunId('s', `${registered.key}|slot|${slotIso}`);
    try {
      const run = newRun(
        id,
        registered.key,
        { slot: slotIso },
        { kind: 'schedule', slot: slotIso },
        iso(this.deps.clock.now()),
      );
      const created = await this.deps.store.transaction(async (tx) => {
        if (await tx.getWorkflowRun(id)) return false;
        await tx.putWorkflowRun(run);
        return true;
      });
      if (created) this.deps.notify(run);
      this.deps.kick([id]);
    } catch (error) {
      this.deps.report(error, { runId: id, workflow: registered.key });
    }
  }
}
