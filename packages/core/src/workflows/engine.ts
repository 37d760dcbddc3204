/**
 * The durable workflow engine of the plugin host.
 *
 * A run is a row in the store ({@link WorkflowRun}). Every state change (claiming, starting an attempt, finishing a
 * step, a failure, each compensation) is its own short transaction, so a run whose process died resumes from its
 * last recorded state once its lease has expired: completed steps are not run again, an attempt that was cut off
 * is run again with the next attempt number and the same idempotency key, and a compensation that was cut off is
 * run again, while compensations already recorded are not.
 *
 * Leases: a worker claims a run by writing its id and an expiry (`leaseMs` ahead) into the row, and renews the
 * lease with every write and with a heartbeat (every `leaseMs / 3`) for as long as it works on the run. Every write first checks
 * that the worker still holds the lease; a worker that lost it (it stalled for longer than `leaseMs` and another
 * took over) drops what it was doing. So two workers never run the same run while a lease is valid.
 *
 * The engine is split by concern: `validation.ts` (options and definitions), `runs.ts` (runs as values),
 * `executor.ts` (claiming and executing one run), `scheduler.ts` (schedule and poll timers); this file wires them.
 *
 * @module
 */
import {
  validationErrorFromZod,
  AbortedError,
  ConflictError,
  type HubEvent,
  InvalidArgumentError,
  type JsonValue,
  NotFoundError,
  type Store,
  type StoreTransaction,
  ValidationError,
  type WorkflowDefinition,
  type WorkflowRun,
  pagesAfterId,
} from '@crmkit/model';
import type { Clock } from '../runtime/clock';
import { createIdGenerator, type IdGenerator } from '../runtime/ids';
import { runtime } from '../runtime/runtime';
import { RunExecutor } from './executor';
import {
  ACTIVE_STATUSES,
  clone,
  describeError,
  deterministicRunId,
  isTerminalRunStatus,
  iso,
  newRun,
  toJsonValue,
} from './runs';
import { WorkflowScheduler } from './scheduler';
import {
  AbortControllerCtor,
  type ErrorInfo,
  type ExecuteResult,
  type Registered,
  type RunDueOptions,
  type SchedulerOptions,
  type WorkflowEngineOptions,
  type WorkflowRunListOptions,
} from './types';
import { checkEngineOptions, checkPollMs, checkWorkflow } from './validation';

/**
 * The durable workflow engine: one per Hub process. Registers plugins' workflows, creates runs for events,
 * schedules and manual starts, and executes them step by step with retries, timeouts, leases, crash recovery and
 * compensation.
 *
 * @example
 * ```ts
 * const engine = new WorkflowEngine({ store, clock: systemClock, workerId: 'proc-1', contextFor });
 * engine.register('service', 'escalate', { triggers: [{ manual: true }], steps: [{ name: 'open', run: openTicket }] });
 * const id = await engine.start('service.escalate', { customerId: 'cus_1' });
 * await engine.idle();
 * (await engine.get(id))?.status; // 'completed'
 * ```
 */
export class WorkflowEngine {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly workerId: string;
  private readonly options: WorkflowEngineOptions;
  private readonly workflows = new Map<string, Registered>();
  private readonly nextId: IdGenerator;
  /** Executions in flight in this engine, by run id. */
  private readonly inFlight = new Map<string, Promise<ExecuteResult>>();
  /** Every background task (executions, kicks, schedule ticks, polls), for {@link WorkflowEngine.idle}. */
  private readonly tasks = new Set<Promise<unknown>>();
  private readonly stopController = new AbortControllerCtor();
  private readonly stopReason = new AbortedError({ message: '[crmkit] The workflow engine stopped.' });
  private stopping = false;
  private readonly executor: RunExecutor;
  private readonly scheduler: WorkflowScheduler;

  /** Creates an engine; nothing runs until runs are started, kicked, or {@link WorkflowEngine.startScheduler}. */
  constructor(options: WorkflowEngineOptions) {
    const { leaseMs } = checkEngineOptions(options);
    this.options = options;
    this.store = options.store;
    this.clock = options.clock;
    this.workerId = options.workerId;
    this.nextId = createIdGenerator(() => this.clock.now());
    const report = (error: unknown, info: ErrorInfo): void => this.report(error, info);
    const notify = (run: WorkflowRun): void => this.notify(run);
    const track = <T>(promise: Promise<T>): Promise<T> => this.track(promise);
    this.executor = new RunExecutor({
      store: this.store,
      clock: this.clock,
      workerId: this.workerId,
      leaseMs,
      workflows: this.workflows,
      stopSignal: this.stopController.signal,
      stopReason: this.stopReason,
      contextFor: options.contextFor,
      notify,
      report,
      track,
    });
    this.scheduler = new WorkflowScheduler({
      store: this.store,
      clock: this.clock,
      workflows: this.workflows,
      runDue: () => this.runDue(),
      kick: (ids) => this.kick(ids),
      notify,
      report,
      track,
    });
  }

  /**
   * Registers workflow `<plugin>.<name>` after validating its definition: at least one trigger and one step,
   * well-formed triggers (`schedule.everyMs` >= 1), unique non-empty step names, `retries` a non-negative integer,
   * `backoffMs` non-negative and `timeoutMs` positive (all finite). Throws a {@link PluginInvalidError} with the
   * path (`workflows.<name>.steps[1].retries`) otherwise, or when the workflow is registered already.
   */
  register<I>(plugin: string, name: string, definition: WorkflowDefinition<I>): void {
    const registered = checkWorkflow(plugin, name, definition, (key) => this.workflows.has(key));
    this.workflows.set(registered.key, registered);
    if (this.scheduler.running) this.scheduler.arm(registered);
  }

  /** Forgets every workflow of `plugin` and stops their schedules. Its runs stay in the store, untouched. */
  unregisterPlugin(plugin: string): void {
    for (const [key, registered] of this.workflows) {
      if (registered.plugin !== plugin) continue;
      this.workflows.delete(key);
      this.scheduler.forget(key);
    }
  }

  /** Names (`<plugin>.<name>`) of the registered workflows. */
  registered(): string[] {
    return [...this.workflows.keys()];
  }

  /**
   * Inside the caller's write transaction: for each event, every registered workflow with a matching event trigger
   * whose plugin may see the event (`viewFor` returns the plugin's projected view of it, or `undefined`) and whose
   * `when` (given that view) returns true gets a `pending` run with a
   * deterministic id (from `<workflow>|<event id>`) and input `trigger.input(event)` (default: the event as JSON).
   * Idempotent: a run that exists already is left alone (and not returned). A throwing `when`/`input`, or an
   * input that is not JSON, skips that workflow for that event and is reported to `onError`: a plugin cannot fail
   * the caller's write. Returns the runs it created; kick them after the transaction committed.
   */
  async createRunsForEvents(
    tx: StoreTransaction,
    events: readonly HubEvent[],
    now: string,
    viewFor: (plugin: string, event: HubEvent) => HubEvent | undefined,
  ): Promise<WorkflowRun[]> {
    const created: WorkflowRun[] = [];
    for (const event of events) {
      for (const registered of this.workflows.values()) {
        let input: JsonValue | undefined;
        try {
          for (const trigger of registered.definition.triggers) {
            if (!('event' in trigger) || trigger.event !== event.type) continue;
            // The plugin's view of the event (projected to its grant), or nothing when it may not read it.
            const view = viewFor(registered.plugin, event);
            if (view === undefined) break;
            if (trigger.when && !trigger.when(view)) continue;
            input = toJsonValue(trigger.input ? trigger.input(view) : view, 'input');
            break;
          }
        } catch (error) {
          this.report(error, { workflow: registered.key });
          continue;
        }
        if (input === undefined) continue;
        const id = deterministicRunId('e', `${registered.key}|${event.id}`);
        if (await tx.getWorkflowRun(id)) continue;
        const run = newRun(id, registered.key, input, { kind: 'event', eventId: event.id }, now);
        await tx.putWorkflowRun(run);
        created.push(run);
      }
    }
    return created;
  }

  /**
   * Starts a run by hand: the workflow must exist ({@link NotFoundError}) and have a manual trigger
   * ({@link InvalidArgumentError} otherwise); `input` is validated with the definition's `input` schema (a
   * {@link ValidationError} with the path, rooted at `input`) and must be JSON. With an idempotency key the run id
   * is derived from `<workflow>|<key>`: the same key gives the same run, returned without starting a second.
   * Persists the run as `pending` and executes it in the background. Returns the run id.
   */
  async start(workflow: string, input?: JsonValue, options: { idempotencyKey?: string } = {}): Promise<string> {
    const registered = this.workflows.get(workflow);
    if (!registered) throw new NotFoundError({ entity: 'workflow', id: workflow });
    if (!registered.definition.triggers.some((trigger) => 'manual' in trigger && trigger.manual === true))
      throw new InvalidArgumentError({
        argument: 'workflow',
        message: `[crmkit] Workflow "${workflow}" has no manual trigger; it cannot be started by hand.`,
      });
    let value: unknown = input ?? null;
    const schema = registered.definition.input;
    if (schema) {
      const parsed = schema.safeParse(input);
      if (!parsed.success)
        throw validationErrorFromZod(parsed.error, {
          root: 'input',
          message: `[crmkit] Input of workflow "${workflow}" is invalid`,
        });
      value = parsed.data;
    }
    let json: JsonValue;
    try {
      json = toJsonValue(value, 'input');
    } catch (error) {
      const argument = InvalidArgumentError.isInstance(error) ? error.argument : 'input';
      throw new ValidationError({
        message: `[crmkit] Input of workflow "${workflow}" is not JSON: ${describeError(error).message}`,
        issues: [{ path: [], pathString: argument, message: describeError(error).message, issueCode: 'not_json' }],
        cause: error,
      });
    }
    const key = options.idempotencyKey;
    const id = key === undefined ? this.nextId('wfr') : deterministicRunId('k', `${workflow}|${key}`);
    const now = iso(this.clock.now());
    const run = newRun(id, workflow, json, key === undefined ? { kind: 'manual' } : { kind: 'manual', key }, now);
    const created = await this.store.transaction(async (tx) => {
      const existing = await tx.getWorkflowRun(id);
      if (existing) {
        if (existing.workflow !== workflow || existing.trigger.key !== key)
          throw new ConflictError({ message: `[crmkit] Run "${id}" exists already for another start.` });
        return false;
      }
      await tx.putWorkflowRun(run);
      return true;
    });
    if (created) {
      this.notify(run);
      this.kick([id]);
    }
    return id;
  }

  /** A run by id. */
  async get(id: string): Promise<WorkflowRun | undefined> {
    return this.store.transaction((tx) => tx.getWorkflowRun(id), { readOnly: true });
  }

  /** Runs ordered by id, optionally filtered by status and workflow. */
  async list(options: WorkflowRunListOptions): Promise<WorkflowRun[]> {
    return this.store.transaction(
      (tx) =>
        tx.listWorkflowRuns({
          limit: options.limit,
          ...(options.after === undefined ? {} : { after: options.after }),
          ...(options.status === undefined ? {} : { status: options.status }),
          ...(options.workflow === undefined ? {} : { workflow: options.workflow }),
        }),
      { readOnly: true },
    );
  }

  /**
   * Claims run `id` and works on it until it ends, or until it waits for a retry whose backoff is longer than
   * `leaseMs / 2` (then it releases the lease and the run stays due for {@link WorkflowEngine.runDue}). Returns the
   * run's state afterwards. Does nothing (returns the run as stored) when the run is finished, leased by another
   * worker whose lease is valid, waiting for its retry time, of a workflow not registered here, or when the engine
   * stopped. When this engine is executing the run already, returns that execution's outcome.
   */
  async execute(id: string): Promise<WorkflowRun | undefined> {
    return (await this.executeTracked(id)).run;
  }

  /**
   * Finds due runs and executes them, a few at a time: `pending` runs, `running`/`compensating` runs whose lease
   * expired (a crashed process: the history gets a `resumed` entry) or was released, and runs whose retry time
   * (`notBefore`) passed. Skips runs of workflows not registered here. A run that fails to execute (a store
   * error) is reported to `onError` and the others go on. Returns how many runs it claimed.
   */
  async runDue(options: RunDueOptions = {}): Promise<number> {
    if (this.stopping) return 0;
    const limit = options.limit ?? 100;
    const concurrency = Math.max(1, options.concurrency ?? 4);
    const now = this.clock.now();
    const due: string[] = [];
    const pages = pagesAfterId(
      (request) =>
        this.store.transaction((tx) => tx.listWorkflowRuns({ status: ACTIVE_STATUSES, ...request }), {
          readOnly: true,
        }),
      { pageSize: 100 },
    );
    if (limit > 0)
      for await (const page of pages) {
        for (const run of page) if (due.length < limit && this.isDue(run, now)) due.push(run.id);
        if (due.length >= limit) break;
      }
    let worked = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < due.length && !this.stopping) {
        const id = due[next++]!;
        try {
          if ((await this.executeTracked(id)).claimed) worked++;
        } catch (error) {
          this.report(error, { runId: id });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, due.length) }, worker));
    return worked;
  }

  /** Executes these runs in the background (after the Hub's transaction committed them). Errors go to `onError`. */
  kick(ids: readonly string[]): void {
    if (this.stopping) return;
    for (const id of ids) {
      this.track(
        this.executeTracked(id).catch((error: unknown) => {
          this.report(error, { runId: id });
        }),
      );
    }
  }

  /** Resolves when no execution or background task started by this engine is in flight. */
  async idle(): Promise<void> {
    while (this.tasks.size > 0) await Promise.allSettled([...this.tasks]);
  }

  /**
   * Starts the timers: each schedule trigger creates one run per slot (slots are aligned to multiples of `everyMs`
   * since the epoch, so every process agrees on them; the run id derives from `<workflow>|slot|<slot start>`, so
   * there is at most one run per slot however many processes run), and a poll runs {@link WorkflowEngine.runDue}
   * every `pollMs`. Calling it again does nothing.
   */
  startScheduler(options: SchedulerOptions = {}): void {
    if (this.scheduler.running || this.stopping) return;
    const pollMs = checkPollMs(options.pollMs ?? 1000);
    this.scheduler.start(pollMs, this.workflows.values());
  }

  /**
   * Stops the timers, aborts the signals of the steps and compensations in flight, and waits until idle. A step
   * cut off so is recorded as `failed` with code `ABORTED` and does not count as an attempt; its run is released
   * and resumes in another process (or after a restart) with the same attempt number and idempotency key.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.scheduler.stop();
    this.stopController.abort(this.stopReason);
    await this.idle();
  }

  // ---------------------------------------------------------------------------------------------- execution

  private track<T>(promise: Promise<T>): Promise<T> {
    this.tasks.add(promise);
    const forget = (): void => {
      this.tasks.delete(promise);
    };
    promise.then(forget, forget);
    return promise;
  }

  private report(error: unknown, info: ErrorInfo): void {
    try {
      if (this.options.onError) this.options.onError(error, info);
      else runtime.console?.error?.('[crmkit] workflow error', info, error);
    } catch {
      // a throwing reporter must not break the engine
    }
  }

  private notify(run: WorkflowRun): void {
    if (!this.options.onRunChange) return;
    try {
      this.options.onRunChange(clone(run));
    } catch (error) {
      this.report(error, { runId: run.id, workflow: run.workflow });
    }
  }

  private isDue(run: WorkflowRun, now: number): boolean {
    if (isTerminalRunStatus(run.status) || this.inFlight.has(run.id) || !this.workflows.has(run.workflow)) return false;
    if (run.notBefore !== undefined && Date.parse(run.notBefore) > now) return false;
    return !this.executor.leasedByOther(run, now);
  }

  private executeTracked(id: string): Promise<ExecuteResult> {
    const existing = this.inFlight.get(id);
    if (existing) return existing.then(({ run }) => ({ run, claimed: false }));
    if (this.stopping) return this.get(id).then((run) => ({ run, claimed: false }));
    const promise = this.executor.execute(id).finally(() => {
      if (this.inFlight.get(id) === promise) this.inFlight.delete(id);
    });
    this.inFlight.set(id, promise);
    this.track(promise).catch(() => undefined);
    return promise;
  }
}
