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
 * @module
 */
import {
  AbortedError,
  CrmkitError,
  ErrorCode,
  formatPath,
  InvalidArgumentError,
  NotFoundError,
  ConflictError,
  PluginInvalidError,
  TimeoutError,
  ValidationError,
  type AbortSignalLike,
  type HubEvent,
  type JsonValue,
  type PluginContext,
  type Store,
  type StoreTransaction,
  type ValidationIssue,
  type WorkflowDefinition,
  type WorkflowRun,
  type WorkflowRunHistoryEntry,
  type WorkflowRunStatus,
  type WorkflowStep,
  type WorkflowTrigger,
} from '@crmkit/model';
import { type Clock, sleep } from './runtime/clock';
import { createIdGenerator, type IdGenerator } from './runtime/ids';
import { runtime } from './runtime/runtime';
import { hashString } from './runtime/stable';

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

const DEFAULT_LEASE_MS = 30_000;
const DEFAULT_RETRIES = 2;
const DEFAULT_BACKOFF_MS = 100;
const DEFAULT_TIMEOUT_MS = 30_000;
/** Extra attempts of a compensation that throws. */
const COMPENSATION_RETRIES = 2;
/** Longest wait (also the longest delay every runtime's timers accept). */
const MAX_DELAY_MS = 2 ** 31 - 1;
const ACTIVE_STATUSES: readonly WorkflowRunStatus[] = ['pending', 'running', 'compensating'];
const TERMINAL_STATUSES: ReadonlySet<WorkflowRunStatus> = new Set(['completed', 'compensated', 'failed']);

/** True for `completed`, `compensated` and `failed`: the engine never touches such a run again. */
export function isTerminalRunStatus(status: WorkflowRunStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

interface AbortSignalImpl extends AbortSignalLike {
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
interface AbortControllerImpl {
  readonly signal: AbortSignalImpl;
  abort(reason?: unknown): void;
}
/** `AbortController` exists in every runtime crmkit supports; typed here because core uses no DOM/Node typings. */
const AbortControllerCtor = (globalThis as unknown as { AbortController: new () => AbortControllerImpl })
  .AbortController;

interface Registered {
  /** `<plugin>.<name>`. */
  key: string;
  plugin: string;
  name: string;
  definition: WorkflowDefinition<unknown>;
}

/** One execution of a run by this engine, from its claim to its release. */
interface Execution {
  id: string;
  run: WorkflowRun;
  registered: Registered;
  /** Aborted when the engine stops or the lease was lost; every attempt's signal follows it. */
  controller: AbortControllerImpl;
  lost: boolean;
  context?: PluginContext;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

const iso = (ms: number): string => new Date(ms).toISOString();
const clone = <T>(value: T): T => runtime.structuredClone(value);

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

function isFiniteNonNegative(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

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
  private readonly leaseMs: number;
  private readonly options: WorkflowEngineOptions;
  private readonly workflows = new Map<string, Registered>();
  private readonly nextId: IdGenerator;
  /** Executions in flight in this engine, by run id. */
  private readonly inFlight = new Map<string, Promise<{ run: WorkflowRun | undefined; claimed: boolean }>>();
  /** Every background task (executions, kicks, schedule ticks, polls), for {@link WorkflowEngine.idle}. */
  private readonly tasks = new Set<Promise<unknown>>();
  private readonly stopController = new AbortControllerCtor();
  private readonly stopReason = new AbortedError({ message: '[crmkit] The workflow engine stopped.' });
  private stopping = false;
  private scheduler: { pollMs: number; pollTimer?: unknown } | undefined;
  /** Schedule timers by workflow key. */
  private readonly scheduleTimers = new Map<string, unknown[]>();

  /** Creates an engine; nothing runs until runs are started, kicked, or {@link WorkflowEngine.startScheduler}. */
  constructor(options: WorkflowEngineOptions) {
    const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    if (!(Number.isFinite(leaseMs) && leaseMs >= 1))
      throw new InvalidArgumentError({ argument: 'leaseMs', message: '[crmkit] leaseMs must be a number >= 1.' });
    if (typeof options.workerId !== 'string' || options.workerId === '')
      throw new InvalidArgumentError({
        argument: 'workerId',
        message: '[crmkit] workerId must be a non-empty string.',
      });
    this.options = options;
    this.store = options.store;
    this.clock = options.clock;
    this.workerId = options.workerId;
    this.leaseMs = leaseMs;
    this.nextId = createIdGenerator(() => this.clock.now());
  }

  /**
   * Registers workflow `<plugin>.<name>` after validating its definition: at least one trigger and one step,
   * well-formed triggers (`schedule.everyMs` >= 1), unique non-empty step names, `retries` a non-negative integer,
   * `backoffMs` non-negative and `timeoutMs` positive (all finite). Throws a {@link PluginInvalidError} with the
   * path (`workflows.<name>.steps[1].retries`) otherwise, or when the workflow is registered already.
   */
  register<I>(plugin: string, name: string, definition: WorkflowDefinition<I>): void {
    const base = `workflows.${name}`;
    const refuse = (path: string, message: string): never => {
      throw new PluginInvalidError({ plugin, path, message });
    };
    if (typeof name !== 'string' || name === '') refuse(base, 'a workflow needs a non-empty name');
    const key = `${plugin}.${name}`;
    if (this.workflows.has(key)) refuse(base, `workflow "${key}" is registered already`);
    if (typeof definition !== 'object' || definition === null) refuse(base, 'a workflow definition must be an object');
    if (!Array.isArray(definition.triggers) || definition.triggers.length === 0)
      refuse(`${base}.triggers`, 'a workflow needs at least one trigger');
    definition.triggers.forEach((trigger: WorkflowTrigger, index) => {
      const path = `${base}.triggers[${index}]`;
      if (typeof trigger !== 'object' || trigger === null) refuse(path, 'a trigger must be an object');
      if ('event' in trigger) {
        if (typeof trigger.event !== 'string' || (trigger.event as string) === '')
          refuse(`${path}.event`, 'must be an event type');
        if (trigger.when !== undefined && typeof trigger.when !== 'function')
          refuse(`${path}.when`, 'must be a function');
        if (trigger.input !== undefined && typeof trigger.input !== 'function')
          refuse(`${path}.input`, 'must be a function');
      } else if ('schedule' in trigger) {
        const everyMs = (trigger.schedule as { everyMs?: unknown } | undefined)?.everyMs;
        if (!(typeof everyMs === 'number' && Number.isFinite(everyMs) && everyMs >= 1))
          refuse(`${path}.schedule.everyMs`, 'must be a finite number >= 1');
      } else if ('manual' in trigger) {
        if (trigger.manual !== true) refuse(`${path}.manual`, 'must be true');
      } else refuse(path, 'a trigger needs `event`, `schedule` or `manual`');
    });
    if (definition.input !== undefined && typeof definition.input?.safeParse !== 'function')
      refuse(`${base}.input`, 'must be a zod schema');
    if (!Array.isArray(definition.steps) || definition.steps.length === 0)
      refuse(`${base}.steps`, 'a workflow needs at least one step');
    const names = new Set<string>();
    definition.steps.forEach((step: WorkflowStep<I>, index) => {
      const path = `${base}.steps[${index}]`;
      if (typeof step !== 'object' || step === null) refuse(path, 'a step must be an object');
      if (typeof step.name !== 'string' || step.name === '') refuse(`${path}.name`, 'a step needs a non-empty name');
      if (names.has(step.name)) refuse(`${path}.name`, `step name "${step.name}" is used twice`);
      names.add(step.name);
      if (typeof step.run !== 'function') refuse(`${path}.run`, 'must be a function');
      if (step.compensate !== undefined && typeof step.compensate !== 'function')
        refuse(`${path}.compensate`, 'must be a function');
      if (step.retries !== undefined && !(isFiniteNonNegative(step.retries) && Number.isInteger(step.retries)))
        refuse(`${path}.retries`, 'must be a non-negative integer');
      if (step.backoffMs !== undefined && !isFiniteNonNegative(step.backoffMs))
        refuse(`${path}.backoffMs`, 'must be a non-negative finite number');
      if (step.timeoutMs !== undefined && !(isFiniteNonNegative(step.timeoutMs) && step.timeoutMs > 0))
        refuse(`${path}.timeoutMs`, 'must be a positive finite number');
    });
    const registered: Registered = {
      key,
      plugin,
      name,
      definition: definition as unknown as WorkflowDefinition<unknown>,
    };
    this.workflows.set(key, registered);
    if (this.scheduler) this.armSchedules(registered);
  }

  /** Forgets every workflow of `plugin` and stops their schedules. Its runs stay in the store, untouched. */
  unregisterPlugin(plugin: string): void {
    for (const [key, registered] of this.workflows) {
      if (registered.plugin !== plugin) continue;
      this.workflows.delete(key);
      for (const handle of this.scheduleTimers.get(key) ?? []) this.clock.clearTimeout(handle);
      this.scheduleTimers.delete(key);
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
      if (!parsed.success) {
        const issues: ValidationIssue[] = parsed.error.issues.map((issue) => {
          const path = issue.path.map((key) => (typeof key === 'number' ? key : String(key)));
          return { path, pathString: formatPath(path, 'input'), message: issue.message, issueCode: issue.code };
        });
        throw new ValidationError({
          message: `[crmkit] Input of workflow "${workflow}" is invalid at ${issues[0]?.pathString}: ${issues[0]?.message}`,
          issues,
          cause: parsed.error,
        });
      }
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
    const pageSize = 100;
    let after: string | undefined;
    while (due.length < limit) {
      const page = await this.store.transaction(
        (tx) =>
          tx.listWorkflowRuns({ status: ACTIVE_STATUSES, limit: pageSize, ...(after === undefined ? {} : { after }) }),
        { readOnly: true },
      );
      for (const run of page) if (due.length < limit && this.isDue(run, now)) due.push(run.id);
      if (page.length < pageSize) break;
      after = page[page.length - 1]?.id;
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
    if (this.scheduler || this.stopping) return;
    const pollMs = options.pollMs ?? 1000;
    if (!(Number.isFinite(pollMs) && pollMs >= 1))
      throw new InvalidArgumentError({ argument: 'pollMs', message: '[crmkit] pollMs must be a number >= 1.' });
    this.scheduler = { pollMs };
    for (const registered of this.workflows.values()) this.armSchedules(registered);
    this.armPoll();
  }

  /**
   * Stops the timers, aborts the signals of the steps and compensations in flight, and waits until idle. A step
   * cut off so is recorded as `failed` with code `ABORTED` and does not count as an attempt; its run is released
   * and resumes in another process (or after a restart) with the same attempt number and idempotency key.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.scheduler?.pollTimer !== undefined) this.clock.clearTimeout(this.scheduler.pollTimer);
    this.scheduler = undefined;
    for (const handles of this.scheduleTimers.values()) for (const handle of handles) this.clock.clearTimeout(handle);
    this.scheduleTimers.clear();
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

  private report(error: unknown, info: { runId?: string; workflow?: string; step?: string }): void {
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
    return !this.leasedByOther(run, now);
  }

  private leasedByOther(run: WorkflowRun, now: number): boolean {
    return (
      run.leaseOwner !== undefined &&
      run.leaseOwner !== this.workerId &&
      run.leaseUntil !== undefined &&
      Date.parse(run.leaseUntil) > now
    );
  }

  private executeTracked(id: string): Promise<{ run: WorkflowRun | undefined; claimed: boolean }> {
    const existing = this.inFlight.get(id);
    if (existing) return existing.then(({ run }) => ({ run, claimed: false }));
    if (this.stopping) return this.get(id).then((run) => ({ run, claimed: false }));
    const promise = this.executeOnce(id).finally(() => {
      if (this.inFlight.get(id) === promise) this.inFlight.delete(id);
    });
    this.inFlight.set(id, promise);
    this.track(promise).catch(() => undefined);
    return promise;
  }

  /** Claims the run in one transaction; see {@link WorkflowEngine.execute} for when it does not. */
  private async claim(
    id: string,
  ): Promise<{ run: WorkflowRun | undefined; claimed: boolean; registered?: Registered }> {
    return this.store.transaction(async (tx) => {
      const current = await tx.getWorkflowRun(id);
      if (!current || isTerminalRunStatus(current.status) || !this.workflows.has(current.workflow))
        return { run: current, claimed: false };
      const nowMs = this.clock.now();
      if (this.leasedByOther(current, nowMs)) return { run: current, claimed: false };
      if (current.notBefore !== undefined && Date.parse(current.notBefore) > nowMs)
        return { run: current, claimed: false };
      const now = iso(nowMs);
      const run = clone(current);
      const registered = this.workflows.get(run.workflow)!;
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
      run.leaseOwner = this.workerId;
      run.leaseUntil = iso(nowMs + this.leaseMs);
      run.version += 1;
      run.updatedAt = now;
      await tx.putWorkflowRun(run);
      return { run, claimed: true, registered };
    });
  }

  private async executeOnce(id: string): Promise<{ run: WorkflowRun | undefined; claimed: boolean }> {
    const claimed = await this.claim(id);
    if (!claimed.claimed || !claimed.run || !claimed.registered) return { run: claimed.run, claimed: false };
    const run = claimed.run;
    this.notify(run);
    const controller = new AbortControllerCtor();
    const exec: Execution = { id, run, registered: claimed.registered, controller, lost: false };
    const onStop = (): void => controller.abort(this.stopReason);
    if (this.stopController.signal.aborted) onStop();
    else this.stopController.signal.addEventListener('abort', onStop, { once: true });
    const heartbeatMs = Math.max(1, Math.floor(this.leaseMs / 3));
    let heartbeat: unknown;
    let beating = true;
    const beat = (): void => {
      heartbeat = this.clock.setTimeout(() => {
        if (!beating) return;
        this.track(
          this.write(exec, () => undefined, false)
            .catch((error: unknown) => this.report(error, { runId: id, workflow: exec.run.workflow }))
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
      this.clock.clearTimeout(heartbeat);
      this.stopController.signal.removeEventListener('abort', onStop);
    }
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
    const next = await this.store.transaction(async (tx) => {
      const current = await tx.getWorkflowRun(exec.id);
      if (!current || current.leaseOwner !== this.workerId || isTerminalRunStatus(current.status)) return undefined;
      const nowMs = this.clock.now();
      const run = clone(current);
      run.leaseUntil = iso(nowMs + this.leaseMs);
      change(run, iso(nowMs));
      run.version += 1;
      run.updatedAt = iso(nowMs);
      await tx.putWorkflowRun(run);
      return run;
    });
    if (!next) {
      if (!exec.lost) {
        exec.lost = true;
        exec.controller.abort(
          new AbortedError({ message: `[crmkit] Worker "${this.workerId}" lost the run's lease.` }),
        );
      }
      return false;
    }
    exec.run = next;
    if (notify) this.notify(next);
    return true;
  }

  private release(run: WorkflowRun): void {
    delete run.leaseOwner;
    delete run.leaseUntil;
  }

  private finish(run: WorkflowRun, status: WorkflowRunStatus, now: string): void {
    run.status = status;
    run.finishedAt = now;
    delete run.notBefore;
    this.release(run);
  }

  private stopped(exec: Execution): boolean {
    return exec.controller.signal.aborted && exec.controller.signal.reason === this.stopReason;
  }

  /** The loop of one execution: runs steps, waits out short backoffs, compensates; returns when done or released. */
  private async work(exec: Execution): Promise<void> {
    const { definition } = exec.registered;
    for (;;) {
      if (exec.lost) return;
      if (this.stopped(exec)) {
        await this.write(exec, (run) => this.release(run));
        return;
      }
      const run = exec.run;
      if (run.status === 'running') {
        const step = definition.steps[run.step];
        if (!step) {
          await this.write(exec, (r, now) => this.finish(r, 'completed', now));
          return;
        }
        const maxAttempts = 1 + (step.retries ?? DEFAULT_RETRIES);
        if (run.attempt >= maxAttempts) {
          // Resumed after the last allowed attempt was cut off: the step failed for good.
          const last = [...run.history].reverse().find((e) => e.step === step.name && e.action === 'failed');
          const error = last?.error ?? { code: ErrorCode.WORKFLOW_FAILED, message: 'attempts exhausted' };
          if (!(await this.write(exec, (r) => this.beginCompensation(r, step.name, error)))) return;
          continue;
        }
        const attempt = run.attempt + 1;
        const started = await this.write(exec, (r, now) => {
          r.attempt = attempt;
          delete r.notBefore;
          r.history.push({ at: now, step: step.name, action: 'started', attempt });
        });
        if (!started) return;
        const outcome = await this.attempt(exec, step, attempt, 'run');
        if (exec.lost) return;
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
          if (
            !(await this.write(exec, (r, now) => {
              r.results[step.name] = value;
              r.completed.push(step.name);
              r.step += 1;
              r.attempt = 0;
              r.history.push({ at: now, step: step.name, action: 'completed', attempt });
            }))
          )
            return;
          continue;
        }
        if (this.stopped(exec)) {
          // Cut off by stop(): recorded, not counted as an attempt, released for another process.
          const error = describeError(this.stopReason);
          await this.write(exec, (r, now) => {
            r.history.push({ at: now, step: step.name, action: 'failed', attempt, error });
            r.attempt = attempt - 1;
            this.release(r);
          });
          return;
        }
        const error = describeError(failure);
        if (attempt < maxAttempts) {
          const delay = Math.min(MAX_DELAY_MS, (step.backoffMs ?? DEFAULT_BACKOFF_MS) * 2 ** (attempt - 1));
          const inline = delay <= this.leaseMs / 2;
          const written = await this.write(exec, (r, now) => {
            r.history.push({ at: now, step: step.name, action: 'failed', attempt, error });
            r.notBefore = iso(Date.parse(now) + delay);
            if (!inline) this.release(r);
          });
          if (!written || !inline) return;
          try {
            await sleep(this.clock, Date.parse(exec.run.notBefore!) - this.clock.now(), exec.controller.signal);
          } catch {
            // stopped or lease lost: the loop's checks handle it
          }
          continue;
        }
        const written = await this.write(exec, (r, now) => {
          r.history.push({ at: now, step: step.name, action: 'failed', attempt, error });
          this.beginCompensation(r, step.name, error);
        });
        if (!written) return;
        continue;
      }
      if (run.status === 'compensating') {
        if (run.step < 0) {
          const failed = run.completed.length === 0 || run.history.some((e) => e.action === 'compensation-failed');
          await this.write(exec, (r, now) => this.finish(r, failed ? 'failed' : 'compensated', now));
          return;
        }
        const name = run.completed[run.step]!;
        const step = definition.steps.find((s) => s.name === name);
        if (!step) {
          const error = {
            code: ErrorCode.WORKFLOW_FAILED,
            message: `[crmkit] Step "${name}" is no longer defined; it cannot be compensated.`,
          };
          this.report(new CrmkitError(error), { runId: run.id, workflow: run.workflow, step: name });
          if (
            !(await this.write(exec, (r, now) => {
              r.history.push({ at: now, step: name, action: 'compensation-failed', error });
              r.step -= 1;
            }))
          )
            return;
          continue;
        }
        if (!step.compensate) {
          const skipped = await this.write(exec, (r) => {
            r.step -= 1;
          });
          if (!skipped) return;
          continue;
        }
        let outcome: Outcome = { ok: false, error: undefined };
        for (let attempt = 1; attempt <= 1 + COMPENSATION_RETRIES; attempt++) {
          outcome = await this.attempt(exec, step, attempt, 'compensate');
          if (outcome.ok || exec.lost || this.stopped(exec)) break;
          if (attempt <= COMPENSATION_RETRIES) {
            const delay = Math.min(MAX_DELAY_MS, (step.backoffMs ?? DEFAULT_BACKOFF_MS) * 2 ** (attempt - 1));
            try {
              await sleep(this.clock, delay, exec.controller.signal);
            } catch {
              break;
            }
          }
        }
        if (exec.lost) return;
        if (this.stopped(exec)) continue; // released at the top of the loop; the compensation runs again later
        if (outcome.ok) {
          if (
            !(await this.write(exec, (r, now) => {
              r.history.push({ at: now, step: name, action: 'compensated' });
              r.step -= 1;
            }))
          )
            return;
          continue;
        }
        const error = describeError(outcome.error);
        this.report(outcome.error, { runId: run.id, workflow: run.workflow, step: name });
        if (
          !(await this.write(exec, (r, now) => {
            r.history.push({ at: now, step: name, action: 'compensation-failed', error });
            r.step -= 1;
          }))
        )
          return;
        continue;
      }
      // pending cannot be seen here (the claim made it running); anything else is not ours to touch
      await this.write(exec, (r) => this.release(r));
      return;
    }
  }

  private beginCompensation(run: WorkflowRun, step: string, error: { code: string; message: string }): void {
    run.status = 'compensating';
    run.error = { code: error.code, message: error.message, step };
    run.step = run.completed.length - 1;
    run.attempt = 0;
    delete run.notBefore;
  }

  /** One attempt of a step's `run` or `compensate`, raced against its timeout and the execution's signal. */
  private async attempt(
    exec: Execution,
    step: WorkflowStep<unknown>,
    attempt: number,
    kind: 'run' | 'compensate',
  ): Promise<Outcome> {
    const run = exec.run;
    const controller = new AbortControllerCtor();
    const forward = (): void => controller.abort(exec.controller.signal.reason);
    if (exec.controller.signal.aborted) forward();
    else exec.controller.signal.addEventListener('abort', forward, { once: true });
    const timeoutMs = step.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const what = `${kind === 'run' ? 'Step' : 'Compensation of step'} "${step.name}" of workflow "${run.workflow}"`;
    const timer = this.clock.setTimeout(() => controller.abort(new TimeoutError({ what, timeoutMs })), timeoutMs);
    let onAbort: (() => void) | undefined;
    try {
      const value = await new Promise<unknown>((resolve, reject) => {
        onAbort = () => reject(controller.signal.reason);
        if (controller.signal.aborted) {
          onAbort();
          return;
        }
        controller.signal.addEventListener('abort', onAbort, { once: true });
        exec.context ??= this.options.contextFor(exec.registered.plugin);
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
      this.clock.clearTimeout(timer);
      if (onAbort) controller.signal.removeEventListener('abort', onAbort);
      exec.controller.signal.removeEventListener('abort', forward);
    }
  }

  // ---------------------------------------------------------------------------------------------- schedules

  private armPoll(): void {
    const scheduler = this.scheduler;
    if (!scheduler) return;
    scheduler.pollTimer = this.clock.setTimeout(() => {
      this.track(
        this.runDue()
          .catch((error: unknown) => this.report(error, {}))
          .finally(() => {
            if (this.scheduler === scheduler) this.armPoll();
          }),
      );
    }, scheduler.pollMs);
  }

  private armSchedules(registered: Registered): void {
    const handles: unknown[] = [];
    this.scheduleTimers.set(registered.key, handles);
    for (const trigger of registered.definition.triggers) {
      if (!('schedule' in trigger)) continue;
      const everyMs = trigger.schedule.everyMs;
      const arm = (boundary: number): void => {
        const handle = this.clock.setTimeout(
          () => {
            const position = handles.indexOf(handle);
            if (position >= 0) handles.splice(position, 1);
            if (this.workflows.get(registered.key) !== registered || !this.scheduler) return;
            // A late timer skips the slots it missed: at most one run, for the latest slot started.
            const slot = Math.max(boundary, Math.floor(this.clock.now() / everyMs) * everyMs);
            this.track(this.createSlotRun(registered, slot));
            arm(slot + everyMs);
          },
          Math.max(0, boundary - this.clock.now()),
        );
        handles.push(handle);
      };
      arm((Math.floor(this.clock.now() / everyMs) + 1) * everyMs);
    }
  }

  private async createSlotRun(registered: Registered, slot: number): Promise<void> {
    const slotIso = iso(slot);
    const id = deterministicRunId('s', `${registered.key}|slot|${slotIso}`);
    try {
      const run = newRun(
        id,
        registered.key,
        { slot: slotIso },
        { kind: 'schedule', slot: slotIso },
        iso(this.clock.now()),
      );
      const created = await this.store.transaction(async (tx) => {
        if (await tx.getWorkflowRun(id)) return false;
        await tx.putWorkflowRun(run);
        return true;
      });
      if (created) this.notify(run);
      this.kick([id]);
    } catch (error) {
      this.report(error, { runId: id, workflow: registered.key });
    }
  }
}

function newRun(
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

function currentStepName(run: WorkflowRun, registered: Registered): string {
  if (run.status === 'compensating') return run.completed[run.step] ?? '';
  return registered.definition.steps[run.step]?.name ?? '';
}
