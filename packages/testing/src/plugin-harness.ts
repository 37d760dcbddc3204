/**
 * A harness for testing crmkit plugins: a fake clock that moves only when the test says so, a Hub wired to it with
 * the background scheduler off (the test drives workflow runs), and assertion helpers for crmkit errors. Nothing
 * here imports a test runner, so the harness also works in scripts and demos.
 *
 * @module
 */
import { type Clock, createHub, type Hub, type HubOptions, type IngestResult } from '@crmkit/core';
import {
  CrmkitError,
  ErrorCode,
  type HubEvent,
  PermissionDeniedError,
  type Plugin,
  type PluginContext,
  type SourceRecordInput,
  type Store,
  type WorkflowRun,
  type WorkflowRunStatus,
} from '@crmkit/model';

/** Default start of a {@link createFakeClock}: `2026-01-01T00:00:00Z`. */
export const FAKE_CLOCK_START = '2026-01-01T00:00:00Z';

/**
 * A {@link Clock} whose time moves only when a test says so. Timers fire in time order (ties in the order they were
 * set); before and after each timer, pending promise callbacks get a few turns of the real event loop, so code that
 * awaits a store between two sleeps behaves as on a real clock, only instantly.
 */
export interface FakeClock extends Clock {
  /** Moves time forward by `ms`, firing every timer that falls due on the way, in time order. */
  advance(ms: number): Promise<void>;
  /**
   * Sets the time to `time` (ISO 8601 or ms since the epoch), forward or back, without firing timers; timers that
   * are due by then fire on the next {@link FakeClock.advance} (`advance(0)` fires them right away).
   */
  set(time: string | number): void;
  /** Lets pending promise callbacks run (a few real macrotask turns) without moving time. */
  settle(): Promise<void>;
  /**
   * Fires timers in time order until `promise` settles, and returns (or throws) its outcome. While no timer is left,
   * waits in real time (for I/O) up to `idleMs`; throws when the promise is still pending then (a deadlock), or when
   * it would need more than `maxMs` of fake time.
   */
  run<T>(promise: Promise<T>, options?: FakeClockRunOptions): Promise<T>;
  /** Number of timers waiting to fire. */
  pending(): number;
  /** The current time as an ISO 8601 string. */
  iso(): string;
  /**
   * A view of this clock for one simulated process (same time): give each Hub of a crash test its own, and
   * {@link FakeProcessClock.kill} it to simulate the process dying: its timers never fire again.
   */
  process(): FakeProcessClock;
}

/** A view of a {@link FakeClock} as one simulated process sees it. */
export interface FakeProcessClock extends Clock {
  /** Simulates the death of the process: its pending timers never fire, and timers it sets later never fire. */
  kill(): void;
  /** True after {@link FakeProcessClock.kill}. */
  readonly killed: boolean;
}

/** Options of {@link FakeClock.run}. */
export interface FakeClockRunOptions {
  /** Most fake time the promise may take. @default 24 hours */
  maxMs?: number;
  /** Most real time to wait while no timer is pending. @default 5000 */
  idleMs?: number;
}

interface Timer {
  id: number;
  at: number;
  fn: () => void;
  /** The simulated process that set it (0: the clock itself). */
  owner: number;
}

type RealTimers = {
  setImmediate?: (fn: () => void) => unknown;
  setTimeout: (fn: () => void, ms: number) => unknown;
};
/** The runtime's own timers, taken when this module loads (before a test could install fake global timers). */
const real: RealTimers = (() => {
  const g = globalThis as unknown as RealTimers;
  return { setTimeout: g.setTimeout.bind(globalThis), setImmediate: g.setImmediate?.bind(globalThis) };
})();

/** One real macrotask turn: every promise callback queued before it has run. */
function realTurn(): Promise<void> {
  return new Promise<void>((resolve) => {
    if (real.setImmediate) real.setImmediate(resolve);
    else real.setTimeout(resolve, 0);
  });
}

function realDelay(ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    real.setTimeout(resolve, ms);
  });
}

function toMs(time: string | number, what: string): number {
  const ms = typeof time === 'number' ? time : Date.parse(time);
  if (!Number.isFinite(ms)) throw new TypeError(`[crmkit/testing] ${what}: ${String(time)} is not a time.`);
  return ms;
}

/**
 * Creates a {@link FakeClock} starting at `start` (ISO 8601 or ms since the epoch). Pass it to `createHub({ clock })`
 * (the Hub's `now` follows it) or use {@link createPluginHarness}, which does.
 *
 * @example
 * ```ts
 * const clock = createFakeClock('2026-03-01T09:00:00Z');
 * const done = sleep(clock, 1000); // sleep from @crmkit/core
 * await clock.advance(1000); // `done` has resolved
 * clock.iso(); // '2026-03-01T09:00:01.000Z'
 * ```
 */
export function createFakeClock(start: string | number = FAKE_CLOCK_START): FakeClock {
  let now = toMs(start, 'createFakeClock');
  let nextId = 1;
  let nextOwner = 1;
  const timers = new Map<number, Timer>();
  const dead = new Set<number>();

  const settle = async (): Promise<void> => {
    for (let i = 0; i < 3; i++) await realTurn();
  };
  const earliest = (): Timer | undefined => {
    let best: Timer | undefined;
    // A Map iterates in insertion order, so ties go to the timer set first.
    for (const timer of timers.values()) if (!best || timer.at < best.at) best = timer;
    return best;
  };
  const fire = (timer: Timer): void => {
    timers.delete(timer.id);
    now = Math.max(now, timer.at);
    if (!dead.has(timer.owner)) timer.fn();
  };
  const setTimer = (owner: number, fn: () => void, ms: number): number => {
    const id = nextId++;
    const delay = typeof ms === 'number' && Number.isFinite(ms) ? Math.max(0, ms) : 0;
    if (!dead.has(owner)) timers.set(id, { id, at: now + delay, fn, owner });
    return id;
  };

  return {
    now: () => now,
    iso: () => new Date(now).toISOString(),
    setTimeout: (fn, ms) => setTimer(0, fn, ms),
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    set(time) {
      now = toMs(time, 'FakeClock.set');
    },
    process() {
      const owner = nextOwner++;
      return {
        now: () => now,
        setTimeout: (fn, ms) => setTimer(owner, fn, ms),
        clearTimeout(handle) {
          timers.delete(handle as number);
        },
        kill() {
          dead.add(owner);
          for (const timer of [...timers.values()]) if (timer.owner === owner) timers.delete(timer.id);
        },
        get killed() {
          return dead.has(owner);
        },
      };
    },
    settle,
    pending: () => timers.size,
    async advance(ms) {
      if (!(typeof ms === 'number' && Number.isFinite(ms) && ms >= 0)) {
        throw new TypeError(`[crmkit/testing] FakeClock.advance: ${String(ms)} is not a duration.`);
      }
      const target = now + ms;
      for (;;) {
        await settle();
        const next = earliest();
        if (!next || next.at > target) break;
        fire(next);
      }
      now = Math.max(now, target);
      await settle();
    },
    async run(promise, options = {}) {
      const deadline = now + (options.maxMs ?? 24 * 3_600_000);
      const idleMs = options.idleMs ?? 5_000;
      type State = { done: false } | { done: true; ok: boolean; value: unknown };
      let state: State = { done: false };
      promise.then(
        (value) => {
          state = { done: true, ok: true, value };
        },
        (value: unknown) => {
          state = { done: true, ok: false, value };
        },
      );
      let waited = 0;
      for (;;) {
        await settle();
        const current = state as State;
        if (current.done) {
          if (current.ok) return current.value as Awaited<typeof promise>;
          throw current.value;
        }
        const next = earliest();
        if (!next) {
          if (waited >= idleMs) {
            throw new Error(
              `[crmkit/testing] FakeClock.run: the promise is still pending after ${idleMs} ms of real time and no timer is left (a deadlock?).`,
            );
          }
          await realDelay(2);
          waited += 2;
          continue;
        }
        if (next.at > deadline) {
          throw new Error(`[crmkit/testing] FakeClock.run: the promise is still pending after ${options.maxMs} ms.`);
        }
        waited = 0;
        fire(next);
      }
    },
  };
}

/** What the Hub reported through `onPluginError`, as {@link PluginHarness.errors} collects it. */
export interface PluginErrorReport {
  error: unknown;
  info: { plugin?: string; hook?: string; runId?: string; step?: string };
}

/** A source record for {@link PluginHarness.ingest}: `observedAt` defaults to the clock's time. */
export type HarnessRecordInput = Omit<SourceRecordInput, 'observedAt'> & { observedAt?: string };

/** Options of {@link createPluginHarness}. */
export interface PluginHarnessOptions {
  /** The plugins under test, with their dependencies. */
  plugins: readonly Plugin[];
  /** The store. @default a new memory store */
  store?: Store;
  /** The clock. @default createFakeClock() */
  clock?: FakeClock;
  /**
   * Other Hub options. `workflows.scheduler` defaults to `false` (the harness drives runs); `onPluginError` is
   * called besides collecting into {@link PluginHarness.errors}.
   */
  hubOptions?: Omit<HubOptions, 'plugins' | 'store' | 'clock'>;
}

/** A Hub with plugins on a fake clock, and the means to drive it. Built by {@link createPluginHarness}. */
export interface PluginHarness {
  readonly hub: Hub;
  readonly clock: FakeClock;
  /** Everything the Hub reported through `onPluginError` (hooks, steps, compensations that failed), in order. */
  readonly errors: PluginErrorReport[];
  /** Every event the Hub published, in order. */
  readonly events: HubEvent[];
  /** A plugin's scoped view of the Hub (what its hooks, steps and commands get). */
  context(plugin: string): PluginContext;
  /**
   * Ingests records as the app (records without `observedAt` get the clock's time). Event-triggered runs start in
   * the background; call {@link PluginHarness.runWorkflows} to let them finish.
   */
  ingest(records: readonly HarnessRecordInput[]): Promise<IngestResult>;
  /**
   * Works every due run until no run is in flight: `hub.workflows.runDue()` then `hub.workflows.idle()`, firing
   * the fake clock's timers (retry backoffs, timeouts) as the runs wait for them. Returns how many runs
   * `runDue` claimed.
   */
  runWorkflows(options?: FakeClockRunOptions): Promise<number>;
  /** Moves the fake clock forward by `ms` (firing due timers), then {@link PluginHarness.runWorkflows}. */
  advance(ms: number): Promise<number>;
  /** Runs of a workflow (`<plugin>.<workflow>`), or of every workflow, ordered by id. */
  runs(workflow?: string, options?: { status?: readonly WorkflowRunStatus[] }): Promise<WorkflowRun[]>;
  /** Closes the Hub (and its store). Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Creates a Hub with `plugins` on a fake clock, with the background workflow scheduler off, so a test decides when
 * runs are worked on and when time moves. Plugin errors are collected instead of logged.
 *
 * @example
 * ```ts
 * const h = createPluginHarness({ plugins: [sales] });
 * await h.ingest([{ type: 'organization', source: 'erp', externalId: 'o1', data: { name: 'Acme' } }]);
 * await h.runWorkflows();
 * expect(h.errors).toEqual([]);
 * await h.close();
 * ```
 */
export function createPluginHarness(options: PluginHarnessOptions): PluginHarness {
  const clock = options.clock ?? createFakeClock();
  const errors: PluginErrorReport[] = [];
  const events: HubEvent[] = [];
  const hubOptions = options.hubOptions ?? {};
  const hub = createHub({
    ...hubOptions,
    plugins: options.plugins,
    ...(options.store ? { store: options.store } : {}),
    clock,
    workflows: { scheduler: false, ...hubOptions.workflows },
    onPluginError: (error, info) => {
      errors.push({ error, info });
      hubOptions.onPluginError?.(error, info);
    },
  });
  hub.on('*', (event) => events.push(event));
  let closed = false;

  const runWorkflows = (runOptions?: FakeClockRunOptions): Promise<number> =>
    clock.run(
      (async () => {
        const claimed = await hub.workflows.runDue();
        await hub.workflows.idle();
        return claimed;
      })(),
      runOptions,
    );

  return {
    hub,
    clock,
    errors,
    events,
    context: (plugin) => hub.plugins.context(plugin),
    ingest: (records) =>
      hub.ingest(
        records.map((record) => ({ ...record, observedAt: record.observedAt ?? clock.iso() })) as SourceRecordInput[],
      ),
    runWorkflows,
    async advance(ms) {
      await clock.advance(ms);
      return runWorkflows();
    },
    async runs(workflow, runOptions = {}) {
      const out: WorkflowRun[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await hub.workflows.list({
          limit: 1000,
          ...(workflow ? { workflow } : {}),
          ...(runOptions.status ? { status: runOptions.status } : {}),
          ...(after ? { after } : {}),
        });
        out.push(...page);
        if (page.length < 1000) return out;
        after = page[page.length - 1]!.id;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await hub.close();
    },
  };
}

/** Thrown by the `expect*` helpers of this module when an expectation fails. */
export class HarnessAssertionError extends Error {
  constructor(
    message: string,
    /** What was thrown instead (or `undefined` when the promise resolved). */
    readonly actual?: unknown,
  ) {
    super(message);
    this.name = 'HarnessAssertionError';
  }
}

function describeThrown(error: unknown): string {
  if (CrmkitError.isInstance(error)) return `${error.name} (${error.code}): ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * Awaits `operation` and checks that it rejects with a crmkit error of `code` (and, when given, with these
 * properties, e.g. `{ path: 'records[0].type' }`). Returns the error; throws a {@link HarnessAssertionError}
 * otherwise. Independent of the test runner.
 *
 * @example
 * ```ts
 * await expectCrmkitError(hub.commands.run('sales.reportVisit', {}), 'VALIDATION_FAILED');
 * ```
 */
export async function expectCrmkitError(
  operation: Promise<unknown> | (() => Promise<unknown>),
  code: string,
  properties: Record<string, unknown> = {},
): Promise<CrmkitError> {
  let error: unknown;
  try {
    await (typeof operation === 'function' ? operation() : operation);
  } catch (thrown) {
    error = thrown;
  }
  if (error === undefined) throw new HarnessAssertionError(`Expected a ${code} error, but the operation succeeded.`);
  if (!CrmkitError.isInstance(error) || error.code !== code) {
    throw new HarnessAssertionError(`Expected a ${code} error, got ${describeThrown(error)}`, error);
  }
  for (const [key, wanted] of Object.entries(properties)) {
    const actual = (error as unknown as Record<string, unknown>)[key];
    if (actual !== wanted) {
      throw new HarnessAssertionError(
        `Expected the ${code} error to have ${key} ${JSON.stringify(wanted)}, got ${JSON.stringify(actual)}`,
        error,
      );
    }
  }
  return error;
}

/**
 * Awaits `operation` and checks that it rejects with a `PermissionDeniedError` (code `PERMISSION_DENIED`), with
 * `path` (and `operation`, `actor`) when given. Returns the error; throws a {@link HarnessAssertionError} otherwise.
 *
 * @example
 * ```ts
 * const ctx = harness.context('marketing');
 * await expectPermissionDenied(ctx.setFields(id, { tier: 'gold' }, { namespace: 'sales' }), { path: 'attributes.sales' });
 * ```
 */
export async function expectPermissionDenied(
  operation: Promise<unknown> | (() => Promise<unknown>),
  expected: { path?: string; operation?: string; actor?: string } = {},
): Promise<PermissionDeniedError> {
  const properties: Record<string, unknown> = {};
  for (const key of ['path', 'operation', 'actor'] as const)
    if (expected[key] !== undefined) properties[key] = expected[key];
  const error = await expectCrmkitError(operation, ErrorCode.PERMISSION_DENIED, properties);
  if (!PermissionDeniedError.isInstance(error)) {
    throw new HarnessAssertionError(`Expected a PermissionDeniedError, got ${describeThrown(error)}`, error);
  }
  return error;
}
