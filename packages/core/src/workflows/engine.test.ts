/** The workflow engine: registering definitions, manual starts, and runs created for events. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  InvalidArgumentError,
  NotFoundError,
  PluginInvalidError,
  ValidationError,
  type HubEvent,
  type JsonValue,
  type WorkflowDefinition,
  type WorkflowStep,
} from '@crmkit/model';
import { setup, manual } from './workflows.test-support';
import { deterministicRunId } from './index';

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
