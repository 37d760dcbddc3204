/**
 * Executing one run: claiming it under a lease, the heartbeat that renews the lease, lease-checked writes of every
 * state change, the step loop with retries and backoff, timeouts, and compensation in reverse order.
 *
 * @module
 */
import {
  AbortedError,
  CrmkitError,
  ErrorCode,
  InvalidArgumentError,
  type JsonValue,
  type PluginContext,
  type Store,
  TimeoutError,
  type WorkflowRun,
  type WorkflowStep,
} from '@crmkit/model';
import { type Clock, sleep } from '../runtime/clock';
import {
  beginCompensation,
  COMPENSATION_RETRIES,
  clone,
  currentStepName,
  DEFAULT_BACKOFF_MS,
  DEFAULT_RETRIES,
  DEFAULT_TIMEOUT_MS,
  describeError,
  finishRun,
  isTerminalRunStatus,
  iso,
  MAX_DELAY_MS,
  releaseRun,
  toJsonValue,
} from './runs';
import {
  AbortControllerCtor,
  type AbortSignalImpl,
  type ErrorInfo,
  type ExecuteResult,
  type Execution,
  type Outcome,
  type Registered,
} from './types';

/** What the executor needs from its engine. */
export interface ExecutorDeps {
  store: Store;
  clock: Clock;
  workerId: string;
  leaseMs: number;
  /** The engine's registered workflows, by key (read live: a workflow unregistered later is not claimed). */
  workflows: ReadonlyMap<string, Registered>;
  /** Aborted with {@link ExecutorDeps.stopReason} when the engine stops. */
  stopSignal: AbortSignalImpl;
  stopReason: unknown;
  contextFor: (plugin: string) => PluginContext;
  notify(run: WorkflowRun): void;
  report(error: unknown, info: ErrorInfo): void;
  track<T>(promise: Promise<T>): Promise<T>;
}

/** Executes claimed runs for one engine; see {@link WorkflowEngine.execute}. */
export class RunExecutor {
  constructor(private readonly deps: ExecutorDeps) {}

  /** True when the run is leased by another worker whose lease is still valid at `now`. */
  leasedByOther(run: WorkflowRun, now: number): boolean {
    return (
      run.leaseOwner !== undefined &&
      run.leaseOwner !== this.deps.workerId &&
      run.leaseUntil !== undefined &&
      Date.parse(run.leaseUntil) > now
    );
  }

  /** Claims run `id` and works on it until it ends or is released; see {@link WorkflowEngine.execute}. */
  async execute(id: string): Promise<ExecuteResult> {
    const { clock, leaseMs, stopSignal, stopReason } = this.deps;
    const claimed = await this.claim(id);
    if (!claimed.claimed || !claimed.run || !claimed.registered) return { run: claimed.run, claimed: false };
    const run = claimed.run;
    this.deps.notify(run);
    const controller = new AbortControllerCtor();
    const exec: Execution = { id, run, registered: claimed.registered, controller, lost: false };
    const onStop = (): void => controller.abort(stopReason);
    if (stopSignal.aborted) onStop();
    else stopSignal.addEventListener('abort', onStop, { once: true });
    const heartbeatMs = Math.max(1, Math.floor(leaseMs / 3));
    let heartbeat: unknown;
    let beating = true;
    const beat = (): void => {
      heartbeat = clock.setTimeout(() => {
        if (!beating) return;
        this.deps.track(
          this.write(exec, () => undefined, false)
            .catch((error: unknown) => this.deps.report(error, { runId: id, workflow: exec.run.workflow }))
            .finally(() => {
              if (beating && !exec.lost) beat();
            }),
        );
      }, heartbeatMs);
    };
    beat();
    try {
      await this.work(exec);
      return { run: exec.run, claimed: true };
    } finally {
      beating = false;
      clock.clearTimeout(heartbeat);
      stopSignal.removeEventListener('abort', onStop);
    }
  }

  /** Claims the run in one transaction; see {@link WorkflowEngine.execute} for when it does not. */
  private async claim(id: string): Promise<ExecuteResult & { registered?: Registered }> {
    const { store, clock, workerId, leaseMs, workflows } = this.deps;
    return store.transaction(async (tx) => {
      const current = await tx.getWorkflowRun(id);
      if (!current || isTerminalRunStatus(current.status) || !workflows.has(current.workflow))
        return { run: current, claimed: false };
      const nowMs = clock.now();
      if (this.leasedByOther(current, nowMs)) return { run: current, claimed: false };
      if (current.notBefore !== undefined && Date.parse(current.notBefore) > nowMs)
        return { run: current, claimed: false };
      const now = iso(nowMs);
      const run = clone(current);
      const registered = workflows.get(run.workflow)!;
      if (run.status === 'running') {
        // An attempt that was started but never concluded: its worker died (or lost its lease) during the step.
        const step = registered.definition.steps[run.step];
        const last = run.history[run.history.length - 1];
        if (step && last?.action === 'started' && last.step === step.name && last.attempt === run.attempt)
          run.history.push({
            at: now,
            step: step.name,
            action: 'failed',
            attempt: run.attempt,
            error: {
              code: ErrorCode.ABORTED,
              message: `[crmkit] Attempt ${run.attempt} of step "${step.name}" was cut off: worker "${run.leaseOwner ?? '?'}" stopped holding the run.`,
            },
          });
      }
      if ((run.status === 'running' || run.status === 'compensating') && run.leaseOwner !== undefined)
        run.history.push({ at: now, step: currentStepName(run, registered), action: 'resumed' });
      if (run.status === 'pending') run.status = 'running';
      run.leaseOwner = workerId;
      run.leaseUntil = iso(nowMs + leaseMs);
      run.version += 1;
      run.updatedAt = now;
      await tx.putWorkflowRun(run);
      return { run, claimed: true, registered };
    });
  }

  /**
   * Writes a change of the run in its own transaction, if this worker still holds the lease; renews the lease
   * unless `change` releases it. Returns false (and marks the execution lost) when the lease is gone.
   */
  private async write(
    exec: Execution,
    change: (run: WorkflowRun, now: string) => void,
    notify = true,
  ): Promise<boolean> {
    const { store, clock, workerId, leaseMs } = this.deps;
    const next = await store.transaction(async (tx) => {
      const current = await tx.getWorkflowRun(exec.id);
      if (!current || current.leaseOwner !== workerId || isTerminalRunStatus(current.status)) return undefined;
      const nowMs = clock.now();
      const run = clone(current);
      run.leaseUntil = iso(nowMs + leaseMs);
      change(run, iso(nowMs));
      run.version += 1;
      run.updatedAt = iso(nowMs);
      await tx.putWorkflowRun(run);
      return run;
    });
    if (!next) {
      if (!exec.lost) {
        exec.lost = true;
        exec.controller.abort(new AbortedError({ message: `[crmkit] Worker "${workerId}" lost the run's lease.` }));
      }
      return false;
    }
    exec.run = next;
    if (notify) this.deps.notify(next);
    return true;
  }

  private stopped(exec: Execution): boolean {
    return exec.controller.signal.aborted && exec.controller.signal.reason === this.deps.stopReason;
  }

  /** The loop of one execution: runs steps, waits out short backoffs, compensates; returns when done or released. */
  private async work(exec: Execution): Promise<void> {
    for (;;) {
      if (exec.lost) return;
      if (this.stopped(exec)) {
        await this.write(exec, (run) => releaseRun(run));
        return;
      }
      const status = exec.run.status;
      if (status === 'running') {
        if (await this.runStep(exec)) continue;
        return;
      }
      if (status === 'compensating') {
        if (await this.compensateStep(exec)) continue;
        return;
      }
      // pending cannot be seen here (the claim made it running); anything else is not ours to touch
      await this.write(exec, (r) => releaseRun(r));
      return;
    }
  }

  /**
   * One turn of the loop for a running run: the next attempt of its current step (or its end). Returns true to go
   * on, false when the execution is over (finished, released or lost).
   */
  private async runStep(exec: Execution): Promise<boolean> {
    const run = exec.run;
    const step = exec.registered.definition.steps[run.step];
    if (!step) {
      await this.write(exec, (r, now) => finishRun(r, 'completed', now));
      return false;
    }
    const maxAttempts = 1 + (step.retries ?? DEFAULT_RETRIES);
    if (run.attempt >= maxAttempts) {
      // Resumed after the last allowed attempt was cut off: the step failed for good.
      const last = [...run.history].reverse().find((e) => e.step === step.name && e.action === 'failed');
      const error = last?.error ?? { code: ErrorCode.WORKFLOW_FAILED, message: 'attempts exhausted' };
      return this.write(exec, (r) => beginCompensation(r, step.name, error));
    }
    const attempt = run.attempt + 1;
    const started = await this.write(exec, (r, now) => {
      r.attempt = attempt;
      delete r.notBefore;
      r.history.push({ at: now, step: step.name, action: 'started', attempt });
    });
    if (!started) return false;
    const outcome = await this.attempt(exec, step, attempt, 'run');
    if (exec.lost) return false;
    let output: JsonValue | undefined;
    let failure: unknown;
    if (outcome.ok) {
      try {
        output = toJsonValue(outcome.value, 'output');
      } catch (error) {
        failure = new InvalidArgumentError({
          argument: 'output',
          message: `[crmkit] Step "${step.name}" of workflow "${run.workflow}" returned a value that is not JSON: ${describeError(error).message}`,
          cause: error,
        });
      }
    } else failure = outcome.error;
    if (failure === undefined) {
      const value = output ?? null;
      return this.write(exec, (r, now) => {
        r.results[step.name] = value;
        r.completed.push(step.name);
        r.step += 1;
        r.attempt = 0;
        r.history.push({ at: now, step: step.name, action: 'completed', attempt });
      });
    }
    if (this.stopped(exec)) {
      // Cut off by stop(): recorded, not counted as an attempt, released for another process.
      const error = describeError(this.deps.stopReason);
      await this.write(exec, (r, now) => {
        r.history.push({ at: now, step: step.name, action: 'failed', attempt, error });
        r.attempt = attempt - 1;
        releaseRun(r);
      });
      return false;
    }
    const error = describeError(failure);
    if (attempt < maxAttempts) {
      const { clock, leaseMs } = this.deps;
      const delay = Math.min(MAX_DELAY_MS, (step.backoffMs ?? DEFAULT_BACKOFF_MS) * 2 ** (attempt - 1));
      const inline = delay <= leaseMs / 2;
      const written = await this.write(exec, (r, now) => {
        r.history.push({ at: now, step: step.name, action: 'failed', attempt, error });
        r.notBefore = iso(Date.parse(now) + delay);
        if (!inline) releaseRun(r);
      });
      if (!written || !inline) return false;
      try {
        await sleep(clock, Date.parse(exec.run.notBefore!) - clock.now(), exec.controller.signal);
      } catch {
        // stopped or lease lost: the loop's checks handle it
      }
      return true;
    }
    return this.write(exec, (r, now) => {
      r.history.push({ at: now, step: step.name, action: 'failed', attempt, error });
      beginCompensation(r, step.name, error);
    });
  }

  /**
   * One turn of the loop for a compensating run: undo its current completed step (or end the run). Returns true to
   * go on, false when the execution is over.
   */
  private async compensateStep(exec: Execution): Promise<boolean> {
    const run = exec.run;
    if (run.step < 0) {
      const failed = run.completed.length === 0 || run.history.some((e) => e.action === 'compensation-failed');
      await this.write(exec, (r, now) => finishRun(r, failed ? 'failed' : 'compensated', now));
      return false;
    }
    const name = run.completed[run.step]!;
    const step = exec.registered.definition.steps.find((s) => s.name === name);
    if (!step) {
      const error = {
        code: ErrorCode.WORKFLOW_FAILED,
        message: `[crmkit] Step "${name}" is no longer defined; it cannot be compensated.`,
      };
      this.deps.report(new CrmkitError(error), { runId: run.id, workflow: run.workflow, step: name });
      return this.write(exec, (r, now) => {
        r.history.push({ at: now, step: name, action: 'compensation-failed', error });
        r.step -= 1;
      });
    }
    if (!step.compensate) {
      return this.write(exec, (r) => {
        r.step -= 1;
      });
    }
    let outcome: Outcome = { ok: false, error: undefined };
    for (let attempt = 1; attempt <= 1 + COMPENSATION_RETRIES; attempt++) {
      outcome = await this.attempt(exec, step, attempt, 'compensate');
      if (outcome.ok || exec.lost || this.stopped(exec)) break;
      if (attempt <= COMPENSATION_RETRIES) {
        const delay = Math.min(MAX_DELAY_MS, (step.backoffMs ?? DEFAULT_BACKOFF_MS) * 2 ** (attempt - 1));
        try {
          await sleep(this.deps.clock, delay, exec.controller.signal);
        } catch {
          break;
        }
      }
    }
    if (exec.lost) return false;
    if (this.stopped(exec)) return true; // released at the top of the loop; the compensation runs again later
    if (outcome.ok) {
      return this.write(exec, (r, now) => {
        r.history.push({ at: now, step: name, action: 'compensated' });
        r.step -= 1;
      });
    }
    const error = describeError(outcome.error);
    this.deps.report(outcome.error, { runId: run.id, workflow: run.workflow, step: name });
    return this.write(exec, (r, now) => {
      r.history.push({ at: now, step: name, action: 'compensation-failed', error });
      r.step -= 1;
    });
  }

  /** One attempt of a step's `run` or `compensate`, raced against its timeout and the execution's signal. */
  private async attempt(
    exec: Execution,
    step: WorkflowStep<unknown>,
    attempt: number,
    kind: 'run' | 'compensate',
  ): Promise<Outcome> {
    const { clock } = this.deps;
    const run = exec.run;
    const controller = new AbortControllerCtor();
    const forward = (): void => controller.abort(exec.controller.signal.reason);
    if (exec.controller.signal.aborted) forward();
    else exec.controller.signal.addEventListener('abort', forward, { once: true });
    const timeoutMs = step.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const what = `${kind === 'run' ? 'Step' : 'Compensation of step'} "${step.name}" of workflow "${run.workflow}"`;
    const timer = clock.setTimeout(() => controller.abort(new TimeoutError({ what, timeoutMs })), timeoutMs);
    let onAbort: (() => void) | undefined;
    try {
      const value = await new Promise<unknown>((resolve, reject) => {
        onAbort = () => reject(controller.signal.reason);
        if (controller.signal.aborted) {
          onAbort();
          return;
        }
        controller.signal.addEventListener('abort', onAbort, { once: true });
        exec.context ??= this.deps.contextFor(exec.registered.plugin);
        const context = {
          input: run.input,
          results: clone(run.results),
          runId: run.id,
          idempotencyKey: `${run.id}:${step.name}`,
          attempt,
          signal: controller.signal,
          plugin: exec.context,
        };
        const result =
          kind === 'run' ? step.run(context) : step.compensate?.(context, clone(run.results[step.name] ?? null));
        Promise.resolve(result).then(resolve, reject);
      });
      return { ok: true, value };
    } catch (error) {
      return { ok: false, error };
    } finally {
      clock.clearTimeout(timer);
      if (onAbort) controller.signal.removeEventListener('abort', onAbort);
      exec.controller.signal.removeEventListener('abort', forward);
    }
  }
}
