/**
 * A harness for testing crmkit plugins: a fake clock that moves only when the test says so, a Hub wired to it with
 * the background scheduler off (the test drives workflow runs), and assertion helpers for crmkit errors. Nothing
 * here imports a test runner, so the harness also works in scripts and demos.
 *
 * @module
 */
import { createHub, type Hub, type HubOptions, type IngestResult } from '@crmkit/core';
import { createFakeClock, type FakeClock, type FakeClockRunOptions } from '@crmkit/core/internal';
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
  listAllAfterId,
} from '@crmkit/model';

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
      return listAllAfterId(
        (request) =>
          hub.workflows.list({
            ...(workflow ? { workflow } : {}),
            ...(runOptions.status ? { status: runOptions.status } : {}),
            ...request,
          }),
        { pageSize: 1000 },
      );
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
