/** Executing a run: steps in order, retries with backoff, timeouts, JSON outputs, compensation. */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, TimeoutError, type AbortSignalLike, type JsonValue } from '@crmkit/model';
import { never, setup, actions, manual } from './workflows.test-support';
import { toJsonValue } from './index';

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
