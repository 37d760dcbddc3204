import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  InvalidArgumentError,
  NotFoundError,
  PluginInvalidError,
  TimeoutError,
  ValidationError,
  type AbortSignalLike,
  type HubEvent,
  type JsonValue,
  type PluginContext,
  type Store,
  type WorkflowDefinition,
  type WorkflowRun,
  type WorkflowStep,
} from '@crmkit/model';
import type { Clock } from './clock';
import { createMemoryStore } from './memory-store';
import { createFakeClock, type FakeClock } from './fake-clock';
import { deterministicRunId, isTerminalRunStatus, toJsonValue, WorkflowEngine } from './workflows';

const contextFor = (plugin: string): PluginContext => ({ plugin }) as unknown as PluginContext;
const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

interface Setup {
  clock: FakeClock;
  store: Store;
  engine: WorkflowEngine;
  errors: { error: unknown; info: { runId?: string; workflow?: string; step?: string } }[];
  changes: WorkflowRun[];
}

function setup(options: { leaseMs?: number; clock?: FakeClock; store?: Store; workerId?: string } = {}): Setup {
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
function processEngine(clock: FakeClock, store: Store, workerId: string, leaseMs = 1000) {
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

function actions(run: WorkflowRun | undefined): string[] {
  return (run?.history ?? []).map((e) => `${e.action}:${e.step}${e.attempt === undefined ? '' : `#${e.attempt}`}`);
}

function manual(steps: WorkflowStep<JsonValue>[], extra: Partial<WorkflowDefinition<JsonValue>> = {}) {
  return { triggers: [{ manual: true as const }], steps, ...extra };
}

/** A fake external system that dedupes by idempotency key and counts raw calls. */
class External {
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

describe('WorkflowEngine.register', () => {
  const ok: WorkflowStep<JsonValue> = { name: 'a', run: () => null };
  const cases: [string, unknown, string][] = [
    ['no trigger', { triggers: [], steps: [ok] }, 'workflows.w.triggers'],
    ['no step', { triggers: [{ manual: true }], steps: [] }, 'workflows.w.steps'],
    ['duplicate step', { triggers: [{ manual: true }], steps: [ok, ok] }, 'workflows.w.steps[1].name'],
    ['negative retries', manual([{ ...ok, retries: -1 }]), 'workflows.w.steps[0].retries'],
    ['fractional retries', manual([{ ...ok, retries: 1.5 }]), 'workflows.w.steps[0].retries'],
    ['infinite backoff', manual([{ ...ok, backoffMs: Number.POSITIVE_INFINITY }]), 'workflows.w.steps[0].backoffMs'],
    ['NaN timeout', manual([{ ...ok, timeoutMs: Number.NaN }]), 'workflows.w.steps[0].timeoutMs'],
    [
      'zero schedule',
      { triggers: [{ schedule: { everyMs: 0 } }], steps: [ok] },
      'workflows.w.triggers[0].schedule.everyMs',
    ],
    ['unknown trigger', { triggers: [{ cron: '* * *' }], steps: [ok] }, 'workflows.w.triggers[0]'],
    ['step without run', manual([{ name: 'a' } as WorkflowStep<JsonValue>]), 'workflows.w.steps[0].run'],
  ];
  it.each(cases)('refuses %s with a PluginInvalidError at its path', (_label, definition, path) => {
    const { engine } = setup();
    let caught: unknown;
    try {
      engine.register('p', 'w', definition as WorkflowDefinition<JsonValue>);
    } catch (error) {
      caught = error;
    }
    expect(PluginInvalidError.isInstance(caught)).toBe(true);
    expect((caught as PluginInvalidError).plugin).toBe('p');
    expect((caught as PluginInvalidError).path).toBe(path);
    expect(engine.registered()).toEqual([]);
  });

  it('refuses a second registration of the same workflow, and forgets a plugin', () => {
    const { engine } = setup();
    engine.register('p', 'w', manual([ok]));
    expect(() => engine.register('p', 'w', manual([ok]))).toThrow(PluginInvalidError);
    engine.register('q', 'w', manual([ok]));
    engine.unregisterPlugin('p');
    expect(engine.registered()).toEqual(['q.w']);
  });
});

describe('WorkflowEngine execution', () => {
  it('runs the steps in order, passing results, and records the history', async () => {
    const { clock, engine, changes } = setup();
    const seen: { step: string; results: JsonValue; key: string; attempt: number; input: JsonValue }[] = [];
    const step =
      (name: string, output: (results: Record<string, JsonValue>) => JsonValue | undefined) =>
      (ctx: {
        results: Readonly<Record<string, JsonValue>>;
        idempotencyKey: string;
        attempt: number;
        input: JsonValue;
      }) => {
        seen.push({
          step: name,
          results: { ...ctx.results },
          key: ctx.idempotencyKey,
          attempt: ctx.attempt,
          input: ctx.input,
        });
        return output({ ...ctx.results });
      };
    engine.register(
      'sales',
      'onboard',
      manual([
        { name: 'a', run: step('a', () => ({ n: 1 })) },
        { name: 'b', run: step('b', (r) => ({ n: ((r.a as { n: number }).n + 1) as number })) },
        { name: 'c', run: step('c', () => undefined) },
      ]),
    );
    const id = await engine.start('sales.onboard', { who: 'ada' });
    await clock.run(engine.idle());
    const run = await engine.get(id);
    expect(run?.status).toBe('completed');
    expect(run?.results).toEqual({ a: { n: 1 }, b: { n: 2 }, c: null });
    expect(run?.completed).toEqual(['a', 'b', 'c']);
    expect(run?.step).toBe(3);
    expect(run?.finishedAt).toBeDefined();
    expect(run?.leaseOwner).toBeUndefined();
    expect(run?.leaseUntil).toBeUndefined();
    expect(actions(run)).toEqual([
      'started:a#1',
      'completed:a#1',
      'started:b#1',
      'completed:b#1',
      'started:c#1',
      'completed:c#1',
    ]);
    expect(seen.map((s) => s.results)).toEqual([{}, { a: { n: 1 } }, { a: { n: 1 }, b: { n: 2 } }]);
    expect(seen.map((s) => s.key)).toEqual([`${id}:a`, `${id}:b`, `${id}:c`]);
    expect(seen.every((s) => s.attempt === 1 && (s.input as { who: string }).who === 'ada')).toBe(true);
    expect(changes.at(0)?.status).toBe('pending');
    expect(changes.at(-1)?.status).toBe('completed');
    expect(run?.version).toBe(changes.at(-1)?.version);
  });

  it('retries a failing step with exponential backoff, same idempotency key, counted attempts', async () => {
    const { clock, engine } = setup();
    const calls: { at: number; attempt: number; key: string }[] = [];
    const start = clock.now();
    engine.register(
      'p',
      'w',
      manual([
        {
          name: 'flaky',
          backoffMs: 100,
          retries: 3,
          run: (ctx) => {
            calls.push({ at: clock.now() - start, attempt: ctx.attempt, key: ctx.idempotencyKey });
            if (ctx.attempt < 3) throw new Error(`boom ${ctx.attempt}`);
            return 'done';
          },
        },
      ]),
    );
    const id = await engine.start('p.w');
    await clock.run(engine.idle());
    const run = await engine.get(id);
    expect(run?.status).toBe('completed');
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(calls.map((c) => c.at)).toEqual([0, 100, 300]);
    expect(new Set(calls.map((c) => c.key))).toEqual(new Set([`${id}:flaky`]));
    expect(actions(run)).toEqual([
      'started:flaky#1',
      'failed:flaky#1',
      'started:flaky#2',
      'failed:flaky#2',
      'started:flaky#3',
      'completed:flaky#3',
    ]);
    expect(run?.history[1]?.error).toEqual({ code: 'WORKFLOW_FAILED', message: 'boom 1' });
    expect(run?.attempt).toBe(0);
    expect(run?.notBefore).toBeUndefined();
  });

  it('releases the run for a long backoff; runDue picks it up once notBefore passed', async () => {
    const { clock, engine } = setup({ leaseMs: 1000 });
    let calls = 0;
    engine.register(
      'p',
      'w',
      manual([
        {
          name: 's',
          backoffMs: 5000,
          run: () => {
            calls++;
            if (calls === 1) throw new Error('later');
            return calls;
          },
        },
      ]),
    );
    const id = await engine.start('p.w');
    await clock.run(engine.idle());
    let run = await engine.get(id);
    expect(run?.status).toBe('running');
    expect(run?.leaseOwner).toBeUndefined();
    expect(Date.parse(run!.notBefore!)).toBe(clock.now() + 5000);
    expect(await clock.run(engine.runDue())).toBe(0);
    await clock.advance(5000);
    expect(await clock.run(engine.runDue())).toBe(1);
    run = await engine.get(id);
    expect(run?.status).toBe('completed');
    expect(actions(run)).toEqual(['started:s#1', 'failed:s#1', 'started:s#2', 'completed:s#2']);
  });

  it('times a step out with a TimeoutError, aborts its signal, and retries', async () => {
    const { clock, engine } = setup();
    const signals: AbortSignalLike[] = [];
    engine.register(
      'p',
      'w',
      manual([
        {
          name: 'slow',
          timeoutMs: 50,
          backoffMs: 10,
          run: (ctx) => {
            signals.push(ctx.signal);
            return ctx.attempt === 1 ? never() : 'fast';
          },
        },
      ]),
    );
    const start = clock.now();
    const id = await engine.start('p.w');
    await clock.run(engine.idle());
    const run = await engine.get(id);
    expect(run?.status).toBe('completed');
    expect(run?.results).toEqual({ slow: 'fast' });
    expect(run?.history[1]?.action).toBe('failed');
    expect(run?.history[1]?.error?.code).toBe('TIMEOUT');
    expect(signals[0]?.aborted).toBe(true);
    expect(TimeoutError.isInstance(signals[0]?.reason)).toBe(true);
    expect(signals[1]?.aborted).toBe(false);
    expect(clock.now() - start).toBe(60);
  });

  it('compensates the completed steps in reverse order with their outputs when retries are exhausted', async () => {
    const { clock, engine } = setup();
    const log: string[] = [];
    const compensate =
      (name: string) =>
      (
        ctx: { idempotencyKey: string; results: Readonly<Record<string, JsonValue>> },
        output: JsonValue | undefined,
      ) => {
        log.push(`undo ${name} ${JSON.stringify(output)} ${ctx.idempotencyKey.endsWith(`:${name}`)}`);
      };
    engine.register(
      'p',
      'w',
      manual([
        { name: 'a', run: () => ({ id: 'A1' }), compensate: compensate('a') },
        { name: 'b', run: () => undefined, compensate: compensate('b') },
        { name: 'n', run: () => 'no compensation' },
        { name: 'c', run: () => ({ id: 'C1' }), compensate: compensate('c') },
        {
          name: 'd',
          retries: 1,
          backoffMs: 10,
          run: () => {
            throw new InvalidArgumentError({ argument: 'x', message: 'bad x' });
          },
          compensate: compensate('d'),
        },
      ]),
    );
    const id = await engine.start('p.w');
    await clock.run(engine.idle());
    const run = await engine.get(id);
    expect(log).toEqual(['undo c {"id":"C1"} true', 'undo b null true', 'undo a {"id":"A1"} true']);
    expect(run?.status).toBe('compensated');
    expect(run?.error).toEqual({ code: 'INVALID_ARGUMENT', message: 'bad x', step: 'd' });
    expect(run?.completed).toEqual(['a', 'b', 'n', 'c']);
    expect(run?.step).toBe(-1);
    expect(run?.finishedAt).toBeDefined();
    expect(run?.leaseOwner).toBeUndefined();
    expect(actions(run).slice(-5)).toEqual([
      'started:d#2',
      'failed:d#2',
      'compensated:c',
      'compensated:b',
      'compensated:a',
    ]);
  });

  it("ends 'failed' when the first step fails for good (nothing to compensate)", async () => {
    const { clock, engine } = setup();
    engine.register(
      'p',
      'w',
      manual([
        {
          name: 'a',
          retries: 0,
          run: () => {
            throw new Error('nope');
          },
        },
      ]),
    );
    const id = await engine.start('p.w');
    await clock.run(engine.idle());
    const run = await engine.get(id);
    expect(run?.status).toBe('failed');
    expect(run?.error).toEqual({ code: 'WORKFLOW_FAILED', message: 'nope', step: 'a' });
    expect(actions(run)).toEqual(['started:a#1', 'failed:a#1']);
  });

  it('retries a throwing compensation twice, then records compensation-failed, reports it and goes on', async () => {
    const { clock, engine, errors } = setup();
    const calls: Record<string, number[]> = { a: [], b: [], c: [] };
    engine.register(
      'p',
      'w',
      manual([
        { name: 'a', run: () => 1, compensate: (ctx) => void calls.a!.push(ctx.attempt) },
        {
          name: 'b',
          run: () => 2,
          compensate: (ctx) => {
            calls.b!.push(ctx.attempt);
            throw new Error('cannot undo b');
          },
        },
        {
          name: 'c',
          run: () => 3,
          compensate: (ctx) => {
            calls.c!.push(ctx.attempt);
            if (ctx.attempt < 2) throw new Error('transient');
          },
        },
        {
          name: 'd',
          retries: 0,
          run: () => {
            throw new Error('d fails');
          },
        },
      ]),
    );
    const id = await engine.start('p.w');
    await clock.run(engine.idle());
    const run = await engine.get(id);
    expect(calls).toEqual({ a: [1], b: [1, 2, 3], c: [1, 2] });
    expect(run?.status).toBe('failed');
    expect(actions(run).slice(-3)).toEqual(['compensated:c', 'compensation-failed:b', 'compensated:a']);
    expect(run?.history.find((e) => e.action === 'compensation-failed')?.error?.message).toBe('cannot undo b');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.info).toEqual({ runId: id, workflow: 'p.w', step: 'b' });
  });

  it.each([
    ['a function', () => () => 1],
    ['a bigint', () => ({ n: 10n })],
    ['NaN', () => [1, Number.NaN]],
    [
      'a cycle',
      () => {
        const o: Record<string, unknown> = {};
        o.self = o;
        return o;
      },
    ],
    ['a Date', () => new Date(0)],
  ])('fails an attempt whose output is %s (not JSON)', async (_label, make) => {
    const { clock, engine } = setup();
    engine.register('p', 'w', manual([{ name: 's', retries: 0, run: make as () => JsonValue }]));
    const id = await engine.start('p.w');
    await clock.run(engine.idle());
    const run = await engine.get(id);
    expect(run?.status).toBe('failed');
    expect(run?.error?.code).toBe('INVALID_ARGUMENT');
    expect(run?.error?.message).toMatch(/returned a value that is not JSON/);
  });

  it('toJsonValue copies JSON, drops undefined properties and names the offending path', () => {
    const input = { a: [1, { b: 'x', c: undefined }], d: null };
    const copy = toJsonValue(input);
    expect(copy).toEqual({ a: [1, { b: 'x' }], d: null });
    expect(copy).not.toBe(input);
    expect(toJsonValue(undefined)).toBeNull();
    expect(() => toJsonValue({ a: [0, { f: () => 1 }] }, 'output')).toThrow(/output\.a\[1\]\.f: a function/);
    const shared = { x: 1 };
    expect(toJsonValue({ a: shared, b: shared })).toEqual({ a: { x: 1 }, b: { x: 1 } }); // shared, not a cycle
  });
});

describe('WorkflowEngine.start', () => {
  it('validates input with the zod schema (ValidationError with path), and refuses unknown or non-manual workflows', async () => {
    const { engine } = setup();
    engine.register(
      'p',
      'w',
      manual([{ name: 's', run: () => null }], {
        input: z.object({ customer: z.object({ email: z.string().email() }) }),
      }),
    );
    engine.register('p', 'auto', {
      triggers: [{ event: 'customer.created' }],
      steps: [{ name: 's', run: () => null }],
    });
    const error = await engine.start('p.w', { customer: { email: 'nope' } }).catch((e: unknown) => e);
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((error as ValidationError).path).toEqual(['customer', 'email']);
    expect((error as ValidationError).issues[0]?.pathString).toBe('input.customer.email');
    expect(NotFoundError.isInstance(await engine.start('p.missing').catch((e: unknown) => e))).toBe(true);
    expect(InvalidArgumentError.isInstance(await engine.start('p.auto').catch((e: unknown) => e))).toBe(true);
    expect(await engine.list({ limit: 10 })).toEqual([]);
  });

  it('dedupes by idempotency key: the same key gives the same run, executed once', async () => {
    const { clock, engine } = setup();
    let runs = 0;
    engine.register('p', 'w', manual([{ name: 's', run: () => ++runs }]));
    const first = await engine.start('p.w', { n: 1 }, { idempotencyKey: 'order-7' });
    await clock.run(engine.idle());
    const again = await engine.start('p.w', { n: 2 }, { idempotencyKey: 'order-7' });
    const other = await engine.start('p.w', { n: 3 }, { idempotencyKey: 'order-8' });
    await clock.run(engine.idle());
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    expect(first).toMatch(/^wfr_k[0-9a-f]{32}$/);
    expect(runs).toBe(2);
    const run = await engine.get(first);
    expect(run?.input).toEqual({ n: 1 });
    expect(run?.trigger).toEqual({ kind: 'manual', key: 'order-7' });
  });
});

describe('WorkflowEngine.createRunsForEvents', () => {
  const event = (id: string, email: string): HubEvent =>
    ({
      id,
      type: 'customer.created',
      at: '2026-01-01T00:00:00.000Z',
      payload: { customer: { id: `cus_${id}`, email } },
    }) as unknown as HubEvent;

  it('creates one pending run per matching workflow and event, honouring when, input and the plugin view; idempotent', async () => {
    const { store, engine, errors } = setup();
    engine.register('mkt', 'welcome', {
      triggers: [
        {
          event: 'customer.created',
          when: (e) => !(e.payload as unknown as { customer: { email: string } }).customer.email.endsWith('@test'),
          input: (e) => ({ customerId: (e.payload as unknown as { customer: { id: string } }).customer.id }),
        },
      ],
      steps: [{ name: 's', run: () => null }],
    });
    engine.register('mkt', 'audit', {
      triggers: [{ event: 'customer.created' }],
      steps: [{ name: 's', run: () => null }],
    });
    engine.register('mkt', 'other', {
      triggers: [{ event: 'customer.deleted' }],
      steps: [{ name: 's', run: () => null }],
    });
    engine.register('secret', 'spy', {
      triggers: [{ event: 'customer.created' }],
      steps: [{ name: 's', run: () => null }],
    });
    engine.register('bad', 'throws', {
      triggers: [
        {
          event: 'customer.created',
          when: () => {
            throw new Error('bad predicate');
          },
        },
      ],
      steps: [{ name: 's', run: () => null }],
    });
    const events = [event('evt_1', 'ada@example.com'), event('evt_2', 'bot@test')];
    const canRead = (plugin: string, e: HubEvent) => (plugin !== 'secret' ? e : undefined);
    const now = '2026-01-01T00:00:01.000Z';
    const created = await store.transaction((tx) => engine.createRunsForEvents(tx, events, now, canRead));
    expect(created.map((r) => `${r.workflow} ${r.trigger.eventId}`).sort()).toEqual([
      'mkt.audit evt_1',
      'mkt.audit evt_2',
      'mkt.welcome evt_1',
    ]);
    const welcome = created.find((r) => r.workflow === 'mkt.welcome')!;
    expect(welcome).toMatchObject({
      status: 'pending',
      input: { customerId: 'cus_evt_1' },
      createdAt: now,
      version: 1,
    });
    expect(welcome.id).toBe(deterministicRunId('e', 'mkt.welcome|evt_1'));
    const audit = created.find((r) => r.workflow === 'mkt.audit' && r.trigger.eventId === 'evt_1')!;
    expect(audit.input).toEqual(events[0] as unknown as JsonValue);
    expect(errors.map((e) => e.info.workflow)).toEqual(['bad.throws', 'bad.throws']);
    const again = await store.transaction((tx) => engine.createRunsForEvents(tx, events, now, canRead));
    expect(again).toEqual([]);
    expect(await engine.list({ limit: 100 })).toHaveLength(3);
    // Rolled back with the caller's transaction.
    await store
      .transaction(async (tx) => {
        await engine.createRunsForEvents(tx, [event('evt_3', 'x@example.com')], now, canRead);
        throw new Error('rollback');
      })
      .catch(() => undefined);
    expect(await engine.list({ limit: 100 })).toHaveLength(3);
  });

  it('runs kicked after the commit execute', async () => {
    const { clock, store, engine } = setup();
    const inputs: JsonValue[] = [];
    engine.register<JsonValue>('mkt', 'w', {
      triggers: [{ event: 'customer.created', input: (e) => e.id }],
      steps: [{ name: 's', run: (ctx) => void inputs.push(ctx.input) }],
    });
    const created = await store.transaction((tx) =>
      engine.createRunsForEvents(tx, [event('evt_9', 'a@b.c')], '2026-01-01T00:00:00.000Z', (_plugin, e) => e),
    );
    engine.kick(created.map((r) => r.id));
    await clock.run(engine.idle());
    expect(inputs).toEqual(['evt_9']);
    expect((await engine.get(created[0]!.id))?.status).toBe('completed');
  });
});

describe('schedules and leases', () => {
  it('creates one run per slot even with two engines on the same store', async () => {
    const clock = createFakeClock(Date.UTC(2026, 0, 1, 0, 0, 0, 250));
    const store = createMemoryStore();
    const ran: string[] = [];
    const definition: WorkflowDefinition<JsonValue> = {
      triggers: [{ schedule: { everyMs: 1000 } }],
      steps: [{ name: 's', run: (ctx) => void ran.push((ctx.input as { slot: string }).slot) }],
    };
    const a = setup({ clock, store, workerId: 'A' });
    const b = setup({ clock, store, workerId: 'B' });
    a.engine.register('ops', 'tick', definition);
    b.engine.register('ops', 'tick', definition);
    a.engine.startScheduler({ pollMs: 100 });
    b.engine.startScheduler({ pollMs: 100 });
    await clock.advance(3500);
    await Promise.all([a.engine.stop(), b.engine.stop()]);
    const runs = await a.engine.list({ limit: 100 });
    expect(runs.map((r) => r.trigger.slot).sort()).toEqual([
      '2026-01-01T00:00:01.000Z',
      '2026-01-01T00:00:02.000Z',
      '2026-01-01T00:00:03.000Z',
    ]);
    expect(runs.every((r) => r.status === 'completed')).toBe(true);
    expect(ran.sort()).toEqual(runs.map((r) => r.trigger.slot).sort());
    expect(runs[0]?.id).toBe(deterministicRunId('s', `ops.tick|slot|${runs[0]?.trigger.slot}`));
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it('never lets a second engine take a run while the first holds a valid (renewed) lease', async () => {
    const clock = createFakeClock();
    const store = createMemoryStore();
    const a = setup({ clock, store, workerId: 'A', leaseMs: 1000 });
    const b = setup({ clock, store, workerId: 'B', leaseMs: 1000 });
    let active = 0;
    let maxActive = 0;
    let calls = 0;
    const definition = manual([
      {
        name: 'long',
        timeoutMs: 60_000,
        run: async () => {
          calls++;
          active++;
          maxActive = Math.max(maxActive, active);
          await new Promise<void>((resolve) => clock.setTimeout(resolve, 10_000));
          active--;
          return 'ok';
        },
      },
    ]);
    a.engine.register('p', 'w', definition);
    b.engine.register('p', 'w', definition);
    const id = await a.engine.start('p.w');
    for (let i = 0; i < 9; i++) {
      await clock.advance(1000);
      expect(await b.engine.runDue()).toBe(0);
      expect(await b.engine.execute(id).then((r) => r?.leaseOwner)).toBe('A');
    }
    await clock.run(a.engine.idle());
    expect((await a.engine.get(id))?.status).toBe('completed');
    expect(calls).toBe(1);
    expect(maxActive).toBe(1);
  });

  it('stop() aborts the step, records it without counting the attempt, and releases the run', async () => {
    const clock = createFakeClock();
    const store = createMemoryStore();
    const a = setup({ clock, store, workerId: 'A' });
    const b = setup({ clock, store, workerId: 'B' });
    const attempts: { attempt: number; key: string; signal: AbortSignalLike }[] = [];
    const definition = manual([
      {
        name: 's',
        retries: 0,
        run: (ctx) => {
          attempts.push({ attempt: ctx.attempt, key: ctx.idempotencyKey, signal: ctx.signal });
          return attempts.length === 1 ? never() : 'done';
        },
      },
    ]);
    a.engine.register('p', 'w', definition);
    b.engine.register('p', 'w', definition);
    const id = await a.engine.start('p.w');
    await clock.settle();
    await a.engine.stop();
    expect(attempts[0]?.signal.aborted).toBe(true);
    let run = await a.engine.get(id);
    expect(run?.status).toBe('running');
    expect(run?.leaseOwner).toBeUndefined();
    expect(run?.attempt).toBe(0);
    expect(await clock.run(b.engine.runDue())).toBe(1);
    run = await b.engine.get(id);
    expect(run?.status).toBe('completed');
    expect(attempts.map((x) => x.attempt)).toEqual([1, 1]);
    expect(attempts[1]?.key).toBe(attempts[0]?.key);
    expect(actions(run)).toEqual(['started:s#1', 'failed:s#1', 'started:s#1', 'completed:s#1']);
    expect(run?.history[1]?.error?.code).toBe('ABORTED');
  });
});

describe('crash recovery', () => {
  it('resumes a run whose process died mid-step: completed steps are not re-run, the step re-runs as attempt 2 with the same key', async () => {
    const clock = createFakeClock();
    const store = createMemoryStore();
    const a = processEngine(clock, store, 'A');
    const b = processEngine(clock, store, 'B');
    const calls = { one: [] as { attempt: number; key: string }[], two: [] as { attempt: number; key: string }[] };
    const definition = manual([
      {
        name: 'one',
        run: (ctx) => {
          calls.one.push({ attempt: ctx.attempt, key: ctx.idempotencyKey });
          return 'one';
        },
      },
      {
        name: 'two',
        run: (ctx) => {
          calls.two.push({ attempt: ctx.attempt, key: ctx.idempotencyKey });
          return calls.two.length === 1 ? never() : { from: ctx.results.one ?? null };
        },
      },
    ]);
    a.engine.register('p', 'w', definition);
    b.engine.register('p', 'w', definition);
    const id = await a.engine.start('p.w');
    await clock.advance(100);
    expect(calls.two).toHaveLength(1);
    a.process.kill(); // the process dies: no heartbeat, no timeout, no more writes
    await clock.advance(500);
    expect(await clock.run(b.engine.runDue())).toBe(0); // the lease is still valid
    await clock.advance(1000);
    expect(await clock.run(b.engine.runDue())).toBe(1);
    const run = await b.engine.get(id);
    expect(run?.status).toBe('completed');
    expect(calls.one).toHaveLength(1);
    expect(calls.two.map((c) => c.attempt)).toEqual([1, 2]);
    expect(calls.two[1]?.key).toBe(`${id}:two`);
    expect(calls.two[0]?.key).toBe(calls.two[1]?.key);
    expect(run?.results).toEqual({ one: 'one', two: { from: 'one' } });
    expect(actions(run)).toEqual([
      'started:one#1',
      'completed:one#1',
      'started:two#1',
      'failed:two#1',
      'resumed:two',
      'started:two#2',
      'completed:two#2',
    ]);
    expect(run?.history[3]?.error?.code).toBe('ABORTED');
  });

  it('a stalled worker that lost its lease drops its result and writes nothing', async () => {
    const clock = createFakeClock();
    const store = createMemoryStore();
    const a = processEngine(clock, store, 'A');
    const b = processEngine(clock, store, 'B');
    let wake: (value: JsonValue) => void = () => undefined;
    let calls = 0;
    const definition = manual([
      {
        name: 's',
        run: () => {
          calls++;
          return calls === 1 ? new Promise<JsonValue>((resolve) => (wake = resolve)) : 'from B';
        },
      },
    ]);
    a.engine.register('p', 'w', definition);
    b.engine.register('p', 'w', definition);
    const id = await a.engine.start('p.w');
    const executionOfA = a.engine.execute(id); // joins the execution kicked by start
    await clock.advance(100);
    a.process.kill(); // A stalls: no heartbeat, but its step can still return later
    await clock.advance(1500);
    expect(await clock.run(b.engine.runDue())).toBe(1);
    const done = await b.engine.get(id);
    expect(done?.status).toBe('completed');
    wake('from A');
    const seenByA = await executionOfA;
    expect(seenByA?.status).toBe('running'); // A's last view; it wrote nothing after losing the lease
    const after = await b.engine.get(id);
    expect(after).toEqual(done);
    expect(after?.results).toEqual({ s: 'from B' });
  });

  it('fails a step whose last allowed attempt was cut off by a crash, and compensates', async () => {
    const clock = createFakeClock();
    const store = createMemoryStore();
    const a = processEngine(clock, store, 'A');
    const b = processEngine(clock, store, 'B');
    const undone: string[] = [];
    const definition = manual([
      { name: 'one', run: () => 1, compensate: () => void undone.push('one') },
      { name: 'two', retries: 0, run: () => never() },
    ]);
    a.engine.register('p', 'w', definition);
    b.engine.register('p', 'w', definition);
    const id = await a.engine.start('p.w');
    await clock.advance(100);
    a.process.kill();
    await clock.advance(2000);
    expect(await clock.run(b.engine.runDue())).toBe(1);
    const run = await b.engine.get(id);
    expect(run?.status).toBe('compensated');
    expect(run?.error).toMatchObject({ code: 'ABORTED', step: 'two' });
    expect(undone).toEqual(['one']);
  });

  it('resumes a compensation cut off by a crash: each remaining step is compensated exactly once', async () => {
    const clock = createFakeClock();
    const store = createMemoryStore();
    const a = processEngine(clock, store, 'A');
    const b = processEngine(clock, store, 'B');
    const external = new External();
    const compensateCalls: string[] = [];
    const step = (name: string, hangOnFirstUndo = false): WorkflowStep<JsonValue> => ({
      name,
      run: (ctx) => {
        external.apply(ctx.idempotencyKey);
        return name.toUpperCase();
      },
      compensate: (ctx, output) => {
        compensateCalls.push(`${name}:${output}`);
        if (hangOnFirstUndo && compensateCalls.filter((c) => c.startsWith(`${name}:`)).length === 1) return never();
        external.undo(ctx.idempotencyKey);
      },
    });
    const definition = manual([
      step('a'),
      step('b', true),
      step('c'),
      {
        name: 'd',
        retries: 0,
        run: () => {
          throw new Error('d fails');
        },
      },
    ]);
    a.engine.register('p', 'w', definition);
    b.engine.register('p', 'w', definition);
    const id = await a.engine.start('p.w');
    await clock.advance(100);
    expect(compensateCalls).toEqual(['c:C', 'b:B']); // c undone and recorded; b hangs: the process dies
    a.process.kill();
    await clock.advance(1500);
    expect(await clock.run(b.engine.runDue())).toBe(1);
    const run = await b.engine.get(id);
    expect(run?.status).toBe('compensated');
    expect(compensateCalls).toEqual(['c:C', 'b:B', 'b:B', 'a:A']);
    expect([...external.undoCalls.entries()].sort()).toEqual([
      [`${id}:a`, 1],
      [`${id}:b`, 1],
      [`${id}:c`, 1],
    ]);
    expect(external.applied.size).toBe(0);
    expect(actions(run).slice(-4)).toEqual(['compensated:c', 'resumed:b', 'compensated:b', 'compensated:a']);
  });

  type StepBehaviour = 'ok' | 'fail' | 'timeout' | 'crash-before' | 'crash-after';
  type UndoBehaviour = 'ok' | 'crash' | 'fail-always' | 'none';
  const stepArb = fc.record({
    retries: fc.integer({ min: 0, max: 2 }),
    attempts: fc.array(fc.constantFrom<StepBehaviour>('ok', 'ok', 'fail', 'timeout', 'crash-before', 'crash-after'), {
      maxLength: 3,
    }),
    undo: fc.constantFrom<UndoBehaviour>('ok', 'ok', 'crash', 'fail-always', 'none'),
  });

  it('property: after any crashes and resumes, a run completes with every effect applied once, or undoes exactly the completed steps once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 4 }), async (plans) => {
        const clock = createFakeClock();
        const store = createMemoryStore();
        const external = new External();
        const violations: string[] = [];
        const outputs = new Map<string, JsonValue>();
        const undoCrashed = new Set<string>();
        let crashRequested = false;
        const definition = manual(
          plans.map((plan, index) => {
            const name = `s${index}`;
            const step: WorkflowStep<JsonValue> = {
              name,
              retries: plan.retries,
              backoffMs: 10,
              timeoutMs: 300,
              run: (ctx) => {
                const behaviour = plan.attempts[ctx.attempt - 1] ?? 'ok';
                if (behaviour === 'fail') throw new Error(`${name} fails attempt ${ctx.attempt}`);
                if (behaviour === 'timeout') return never();
                if (behaviour === 'crash-before') {
                  crashRequested = true;
                  return never();
                }
                external.apply(ctx.idempotencyKey);
                if (behaviour === 'crash-after') {
                  crashRequested = true;
                  return never();
                }
                const output = { step: name, attempt: ctx.attempt };
                outputs.set(ctx.idempotencyKey, output);
                return output;
              },
            };
            if (plan.undo === 'none') return step;
            return {
              ...step,
              compensate: (ctx, output) => {
                if (JSON.stringify(output) !== JSON.stringify(outputs.get(ctx.idempotencyKey)))
                  violations.push(`${name}: compensate got ${JSON.stringify(output)}`);
                if (plan.undo === 'fail-always') throw new Error(`cannot undo ${name}`);
                if (plan.undo === 'crash' && !undoCrashed.has(name)) {
                  undoCrashed.add(name);
                  crashRequested = true;
                  return never();
                }
                external.undo(ctx.idempotencyKey);
              },
            };
          }),
        );
        let generation = 0;
        const boot = () => {
          const proc = processEngine(clock, store, `w${generation++}`, 1000);
          proc.engine.register('p', 'w', definition);
          proc.engine.startScheduler({ pollMs: 200 });
          return proc;
        };
        let current = boot();
        const id = await current.engine.start('p.w');
        let run: WorkflowRun | undefined;
        for (let i = 0; i < 500; i++) {
          await clock.advance(100);
          if (crashRequested) {
            crashRequested = false;
            current.process.kill();
            current = boot();
          }
          run = await current.engine.get(id);
          if (run && isTerminalRunStatus(run.status)) break;
        }
        current.process.kill();
        expect(violations).toEqual([]);
        expect(run && isTerminalRunStatus(run.status)).toBe(true);
        const keys = plans.map((_, index) => `${id}:s${index}`);
        // No step is started again once it completed.
        for (const [index, entry] of run!.history.entries()) {
          if (entry.action !== 'started') continue;
          const completedBefore = run!.history
            .slice(0, index)
            .some((e) => e.action === 'completed' && e.step === entry.step);
          expect(completedBefore).toBe(false);
        }
        if (run!.status === 'completed') {
          expect(run!.completed).toEqual(plans.map((_, index) => `s${index}`));
          expect([...external.applied].sort()).toEqual([...keys].sort());
          expect(external.undoCalls.size).toBe(0);
        } else {
          const completed = new Set(run!.completed);
          let someUndoFailed = false;
          plans.forEach((plan, index) => {
            const key = `${id}:s${index}`;
            const undos = external.undoCalls.get(key) ?? 0;
            if (!completed.has(`s${index}`) || plan.undo === 'none') expect(undos).toBe(0);
            else if (plan.undo === 'fail-always') {
              someUndoFailed = true;
              expect(undos).toBe(0);
              expect(external.applied.has(key)).toBe(true);
            } else {
              expect(undos).toBe(1);
              expect(external.applied.has(key)).toBe(false);
            }
          });
          const expected = completed.size === 0 || someUndoFailed ? 'failed' : 'compensated';
          expect(run!.status).toBe(expected);
          expect(run!.error?.step).toBeDefined();
        }
      }),
      { numRuns: 150 },
    );
  });
});
