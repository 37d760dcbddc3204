/** Schedules, leases between engines, stop(), and crash recovery of runs and compensations. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AbortSignalLike, JsonValue, WorkflowDefinition, WorkflowRun, WorkflowStep } from '@crmkit/model';
import { createMemoryStore } from '../store/memory-store';
import { createFakeClock } from '../runtime/fake-clock';
import { never, setup, processEngine, actions, manual, External } from './workflows.test-support';
import { deterministicRunId, isTerminalRunStatus } from './index';

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
