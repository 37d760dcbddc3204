import { PluginInvalidError } from '@crmkit/model';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { type HookEntryOptions, type HookErrorInfo, HookRegistry } from './hooks';

interface Event {
  log: string[];
}
interface Draft {
  value: string;
  secret?: string;
}
interface TestHooks {
  'thing:after': Event;
  'other:after': Event;
  'thing:before': Draft;
}

/** A registry whose handler errors are collected instead of logged. */
function setup(): { hooks: HookRegistry<TestHooks>; errors: { error: unknown; info: HookErrorInfo }[] } {
  const errors: { error: unknown; info: HookErrorInfo }[] = [];
  const hooks = new HookRegistry<TestHooks>({ onError: (error, info) => errors.push({ error, info }) });
  return { hooks, errors };
}

/** Registers a handler on `thing:after` that logs its id. */
function logger(hooks: HookRegistry<TestHooks>, options: HookEntryOptions<unknown, Event>): () => void {
  return hooks.register('thing:after', (event) => void event.log.push(options.id), options);
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('HookRegistry ordering', () => {
  it('runs lower stages first, whatever the registration order', () => {
    const { hooks } = setup();
    logger(hooks, { id: 'late', stage: 10 });
    logger(hooks, { id: 'default' });
    logger(hooks, { id: 'early', stage: -5 });
    expect(hooks.order('thing:after')).toEqual(['early', 'default', 'late']);
    const event: Event = { log: [] };
    hooks.callSync('thing:after', event);
    expect(event.log).toEqual(['early', 'default', 'late']);
  });

  it('honours before and after within a stage, by id or by plugin name', () => {
    const { hooks } = setup();
    logger(hooks, { id: 'a' });
    logger(hooks, { id: 'b', before: ['a'] });
    logger(hooks, { id: 'c', after: ['billing'] });
    logger(hooks, { id: 'billing-1', plugin: 'billing' });
    logger(hooks, { id: 'billing-2', plugin: 'billing' });
    expect(hooks.order('thing:after')).toEqual(['b', 'a', 'billing-1', 'billing-2', 'c']);
  });

  it('ignores constraints on unknown names, on itself and across stages (the stage wins)', () => {
    const { hooks } = setup();
    logger(hooks, { id: 'a', before: ['nobody'], after: ['a'] });
    logger(hooks, { id: 'b', stage: 1, before: ['a'] });
    logger(hooks, { id: 'c', stage: -1, after: ['a'] });
    expect(hooks.order('thing:after')).toEqual(['c', 'a', 'b']);
  });

  it('breaks ties by rank, then by registration sequence', () => {
    const { hooks } = setup();
    logger(hooks, { id: 'unranked-1' });
    logger(hooks, { id: 'rank-2', rank: 2 });
    logger(hooks, { id: 'unranked-2' });
    logger(hooks, { id: 'rank-1', rank: 1 });
    logger(hooks, { id: 'also-rank-1', rank: 1 });
    expect(hooks.order('thing:after')).toEqual(['rank-1', 'also-rank-1', 'rank-2', 'unranked-1', 'unranked-2']);
  });

  it('lets before/after constraints override the rank', () => {
    const { hooks } = setup();
    logger(hooks, { id: 'core', rank: 0 });
    logger(hooks, { id: 'dependant', rank: 1, before: ['core'] });
    logger(hooks, { id: 'other', rank: 2 });
    expect(hooks.order('thing:after')).toEqual(['dependant', 'core', 'other']);
  });

  it('refuses an ordering cycle at register time and leaves the registry unchanged', async () => {
    const { hooks } = setup();
    logger(hooks, { id: 'a', plugin: 'a', before: ['b'] });
    logger(hooks, { id: 'b', plugin: 'b', before: ['c'] });
    const before = hooks.order('thing:after');
    let thrown: unknown;
    try {
      logger(hooks, { id: 'c', plugin: 'c', before: ['a'] });
    } catch (error) {
      thrown = error;
    }
    expect(PluginInvalidError.isInstance(thrown)).toBe(true);
    const error = thrown as PluginInvalidError;
    expect(error.plugin).toBe('c');
    expect(error.path).toBe('hooks.thing:after');
    expect(error.message).toContain('ordering cycle: c -> a -> b -> c');
    expect(hooks.order('thing:after')).toEqual(before);
    const event: Event = { log: [] };
    await hooks.call('thing:after', event);
    expect(event.log).toEqual(['a', 'b']);
    // The refused id is free: registering it again without the cycle works.
    logger(hooks, { id: 'c', plugin: 'c' });
    expect(hooks.order('thing:after')).toEqual(['a', 'b', 'c']);
  });

  it('refuses a two-entry cycle declared from both sides', () => {
    const { hooks } = setup();
    logger(hooks, { id: 'x', after: ['y'] });
    expect(() => logger(hooks, { id: 'y', after: ['x'] })).toThrow('ordering cycle: y -> x -> y');
    expect(hooks.order('thing:after')).toEqual(['x']);
  });

  it('refuses a duplicate id on the same hook, but not on another hook', () => {
    const { hooks } = setup();
    logger(hooks, { id: 'sales', plugin: 'sales' });
    expect(() => logger(hooks, { id: 'sales', plugin: 'sales', stage: 1 })).toThrow(PluginInvalidError);
    expect(hooks.order('thing:after')).toEqual(['sales']);
    hooks.register('other:after', () => {}, { id: 'sales', plugin: 'sales' });
    expect(hooks.order('other:after')).toEqual(['sales']);
  });

  it('refuses malformed registrations', () => {
    const { hooks } = setup();
    expect(() => logger(hooks, { id: '' })).toThrow(PluginInvalidError);
    expect(() => logger(hooks, { id: 'nan', stage: Number.NaN })).toThrow('not a finite number');
    expect(() => logger(hooks, { id: 'rank', rank: Number.NaN })).toThrow('not a number');
    expect(() => hooks.register('thing:after', 'nope' as never, { id: 'x' })).toThrow('not a function');
    expect(hooks.has('thing:after')).toBe(false);
  });
});

describe('HookRegistry registration', () => {
  it('unregisters idempotently and reports has/order', () => {
    const { hooks } = setup();
    expect(hooks.has('thing:after')).toBe(false);
    expect(hooks.order('thing:after')).toEqual([]);
    const offA = logger(hooks, { id: 'a' });
    logger(hooks, { id: 'b' });
    expect(hooks.has('thing:after')).toBe(true);
    offA();
    offA();
    expect(hooks.order('thing:after')).toEqual(['b']);
    logger(hooks, { id: 'a' });
    offA(); // the old unregister does not remove the new registration with the same id
    expect(hooks.order('thing:after')).toEqual(['b', 'a']);
  });

  it('re-sorts after an unregister, independently of the history', () => {
    const { hooks } = setup();
    logger(hooks, { id: 'z', rank: 3 });
    const offGate = logger(hooks, { id: 'gate', rank: 9, before: ['z'] });
    logger(hooks, { id: 'y', rank: 1 });
    expect(hooks.order('thing:after')).toEqual(['y', 'gate', 'z']);
    offGate();
    expect(hooks.order('thing:after')).toEqual(['y', 'z']);
  });

  it('unregisters every handler of a plugin on every hook', () => {
    const { hooks } = setup();
    logger(hooks, { id: 'sales', plugin: 'sales' });
    logger(hooks, { id: 'sales-audit', plugin: 'sales' });
    logger(hooks, { id: 'service', plugin: 'service' });
    hooks.register('other:after', () => {}, { id: 'sales', plugin: 'sales' });
    hooks.register('thing:before', () => undefined, { id: 'app' });
    hooks.unregisterAll({ plugin: 'sales' });
    expect(hooks.order('thing:after')).toEqual(['service']);
    expect(hooks.has('other:after')).toBe(false);
    expect(hooks.order('thing:before')).toEqual(['app']);
  });

  it('does not disturb a running sync call when a handler unregisters or registers another', () => {
    const { hooks } = setup();
    let offB: () => void = () => {};
    hooks.register(
      'thing:after',
      (event) => {
        event.log.push('a');
        offB();
        logger(hooks, { id: 'late-comer' });
      },
      { id: 'a', stage: -1 },
    );
    offB = logger(hooks, { id: 'b' });
    logger(hooks, { id: 'c' });
    const first: Event = { log: [] };
    hooks.callSync('thing:after', first);
    expect(first.log).toEqual(['a', 'b', 'c']);
    expect(hooks.order('thing:after')).toEqual(['a', 'c', 'late-comer']);
  });

  it('does not disturb a running async call when a handler unregisters another', async () => {
    const { hooks } = setup();
    let offC: () => void = () => {};
    hooks.register(
      'thing:after',
      async (event) => {
        await tick();
        event.log.push('a');
      },
      { id: 'a' },
    );
    hooks.register(
      'thing:after',
      async (event) => {
        event.log.push('b');
        offC();
      },
      { id: 'b' },
    );
    offC = logger(hooks, { id: 'c' });
    const event: Event = { log: [] };
    await hooks.call('thing:after', event);
    expect(event.log).toEqual(['a', 'b', 'c']);
    const next: Event = { log: [] };
    await hooks.call('thing:after', next);
    expect(next.log).toEqual(['a', 'b']);
  });
});

describe('HookRegistry.callSync', () => {
  it('passes the payload and the context, and isolates errors', () => {
    const { hooks, errors } = setup();
    const contexts: unknown[] = [];
    hooks.register('thing:after', (_event, context: { plugin: string }) => void contexts.push(context.plugin), {
      id: 'sales',
      plugin: 'sales',
      context: { plugin: 'sales' },
    });
    const boom = new Error('boom');
    hooks.register(
      'thing:after',
      () => {
        throw boom;
      },
      { id: 'broken', plugin: 'service' },
    );
    hooks.register(
      'thing:after',
      () => {
        throw 'plain';
      },
      { id: 'app-handler' },
    );
    logger(hooks, { id: 'last' });
    const event: Event = { log: [] };
    expect(() => hooks.callSync('thing:after', event)).not.toThrow();
    expect(contexts).toEqual(['sales']);
    expect(event.log).toEqual(['last']);
    expect(errors).toEqual([
      { error: boom, info: { hook: 'thing:after', id: 'broken', plugin: 'service' } },
      { error: 'plain', info: { hook: 'thing:after', id: 'app-handler' } },
    ]);
    expect(Object.hasOwn(errors[1]!.info, 'plugin')).toBe(false);
  });

  it('reports the rejection of a handler that returned a promise anyway', async () => {
    const { hooks, errors } = setup();
    hooks.register('thing:after', async () => Promise.reject(new Error('late')), { id: 'async', plugin: 'p' });
    logger(hooks, { id: 'sync' });
    const event: Event = { log: [] };
    hooks.callSync('thing:after', event);
    expect(event.log).toEqual(['sync']);
    await tick();
    expect(errors.map((e) => [(e.error as Error).message, e.info])).toEqual([
      ['late', { hook: 'thing:after', id: 'async', plugin: 'p' }],
    ]);
  });

  it('skips a handler while its allowed gate returns false, evaluated on every call', () => {
    const { hooks } = setup();
    const grant = { events: false };
    logger(hooks, { id: 'gated', plugin: 'gated', allowed: () => grant.events });
    logger(hooks, { id: 'open' });
    const first: Event = { log: [] };
    hooks.callSync('thing:after', first);
    expect(first.log).toEqual(['open']);
    grant.events = true;
    const second: Event = { log: [] };
    hooks.callSync('thing:after', second);
    expect(second.log).toEqual(['gated', 'open']);
  });

  it('applies the projection of each entry', () => {
    const { hooks } = setup();
    const seen: Event[] = [];
    const event: Event = { log: ['secret'] };
    hooks.register('thing:after', (payload) => void seen.push(payload), {
      id: 'projected',
      project: (payload) => ({ log: payload.log.filter((line) => line !== 'secret') }),
    });
    hooks.register('thing:after', (payload) => void seen.push(payload), { id: 'plain' });
    hooks.callSync('thing:after', event);
    expect(seen[0]).toEqual({ log: [] });
    expect(seen[1]).toBe(event);
  });

  it('treats an allowed gate or projection that throws as a failed handler', () => {
    const { hooks, errors } = setup();
    logger(hooks, {
      id: 'bad-gate',
      allowed: () => {
        throw new Error('gate');
      },
    });
    logger(hooks, {
      id: 'bad-projection',
      project: () => {
        throw new Error('projection');
      },
    });
    logger(hooks, { id: 'fine' });
    const event: Event = { log: [] };
    hooks.callSync('thing:after', event);
    expect(event.log).toEqual(['fine']);
    expect(errors.map((e) => e.info.id)).toEqual(['bad-gate', 'bad-projection']);
  });

  it('does nothing for a hook without handlers', () => {
    const { hooks } = setup();
    expect(() => hooks.callSync('other:after', { log: [] })).not.toThrow();
  });

  it('survives an onError that throws', () => {
    const hooks = new HookRegistry<TestHooks>({
      onError: () => {
        throw new Error('reporter broke');
      },
    });
    hooks.register(
      'thing:after',
      () => {
        throw new Error('handler broke');
      },
      { id: 'broken' },
    );
    logger(hooks, { id: 'next' });
    const event: Event = { log: [] };
    hooks.callSync('thing:after', event);
    expect(event.log).toEqual(['next']);
  });

  it('logs through console.error when no onError is given', () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const hooks = new HookRegistry<TestHooks>();
      const boom = new Error('boom');
      hooks.register(
        'thing:after',
        () => {
          throw boom;
        },
        { id: 'broken', plugin: 'sales' },
      );
      hooks.callSync('thing:after', { log: [] });
      expect(spy).toHaveBeenCalledWith(
        '[crmkit/core] Hook handler "broken" of plugin "sales" on "thing:after" threw:',
        boom,
      );
    } finally {
      spy.mockRestore();
    }
  });

  it('keeps the lookup cache in step when hooks change between calls', () => {
    const { hooks } = setup();
    const event: Event = { log: [] };
    hooks.callSync('thing:after', event); // caches "no handlers"
    const off = logger(hooks, { id: 'a' });
    hooks.callSync('thing:after', event);
    hooks.callSync('other:after', event);
    hooks.callSync('thing:after', event);
    off();
    hooks.callSync('thing:after', event);
    expect(event.log).toEqual(['a', 'a']);
  });
});

describe('HookRegistry.call', () => {
  it('awaits each async handler before the next, mixing sync and async handlers', async () => {
    const { hooks } = setup();
    const slow = (id: string, ms: number) => async (event: Event) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      event.log.push(id);
    };
    hooks.register('thing:after', slow('a', 15), { id: 'a' });
    logger(hooks, { id: 'b' });
    hooks.register('thing:after', slow('c', 1), { id: 'c' });
    hooks.register('thing:after', slow('d', 5), { id: 'd' });
    logger(hooks, { id: 'e' });
    const event: Event = { log: [] };
    await hooks.call('thing:after', event);
    expect(event.log).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('runs fully synchronously while every handler is synchronous', () => {
    const { hooks } = setup();
    logger(hooks, { id: 'a' });
    logger(hooks, { id: 'b' });
    const event: Event = { log: [] };
    const promise = hooks.call('thing:after', event);
    expect(event.log).toEqual(['a', 'b']);
    expect(promise).toBeInstanceOf(Promise);
    return promise;
  });

  it('isolates sync throws and async rejections, and never rejects', async () => {
    const { hooks, errors } = setup();
    hooks.register(
      'thing:after',
      () => {
        throw new Error('sync');
      },
      { id: 'sync-throw', plugin: 'p1' },
    );
    hooks.register('thing:after', async () => Promise.reject(new Error('async')), { id: 'async-reject', plugin: 'p2' });
    logger(hooks, { id: 'middle' });
    hooks.register(
      'thing:after',
      () => {
        throw new Error('after-async');
      },
      { id: 'throw-after-async' },
    );
    hooks.register('thing:after', async () => Promise.reject(new Error('last')), { id: 'last' });
    const event: Event = { log: [] };
    await expect(hooks.call('thing:after', event)).resolves.toBeUndefined();
    expect(event.log).toEqual(['middle']);
    expect(errors.map((e) => [(e.error as Error).message, e.info])).toEqual([
      ['sync', { hook: 'thing:after', id: 'sync-throw', plugin: 'p1' }],
      ['async', { hook: 'thing:after', id: 'async-reject', plugin: 'p2' }],
      ['after-async', { hook: 'thing:after', id: 'throw-after-async' }],
      ['last', { hook: 'thing:after', id: 'last' }],
    ]);
  });

  it('resolves to nothing when the last handler is async', async () => {
    const { hooks } = setup();
    hooks.register('thing:after', async () => 'ignored', { id: 'only' });
    await expect(hooks.call('thing:after', { log: [] })).resolves.toBeUndefined();
  });

  it('awaits foreign thenables, including ones whose then throws, settles twice or settles and then throws', async () => {
    const { hooks, errors } = setup();
    hooks.register(
      'thing:after',
      (event) => ({
        // biome-ignore lint/suspicious/noThenProperty: a foreign thenable is what this test is about
        then(resolve: () => void) {
          event.log.push('thenable');
          resolve();
          resolve();
        },
      }),
      { id: 'twice' },
    );
    hooks.register(
      'thing:after',
      () => ({
        // biome-ignore lint/suspicious/noThenProperty: a foreign thenable is what this test is about
        then() {
          throw new Error('bad then');
        },
      }),
      { id: 'bad-then' },
    );
    hooks.register(
      'thing:after',
      (event) => ({
        // biome-ignore lint/suspicious/noThenProperty: a foreign thenable is what this test is about
        then(resolve: () => void) {
          event.log.push('settles-then-throws');
          resolve();
          throw new Error('too late');
        },
      }),
      { id: 'settles-then-throws' },
    );
    hooks.register('thing:after', async (event) => void event.log.push('async-after'), { id: 'async-after' });
    logger(hooks, { id: 'end' });
    const event: Event = { log: [] };
    await hooks.call('thing:after', event);
    expect(event.log).toEqual(['thenable', 'settles-then-throws', 'async-after', 'end']);
    expect(errors.map((e) => e.info.id)).toEqual(['bad-then']);
  });

  it('applies allowed and project in the async tail too', async () => {
    const { hooks } = setup();
    hooks.register('thing:after', async (event) => void event.log.push('first'), { id: 'first' });
    logger(hooks, { id: 'denied', allowed: () => false });
    hooks.register('thing:after', async (event) => void event.log.push(`${event.log.length}`), {
      id: 'projected',
      project: () => ({ log: ['projected-away'] }),
    });
    logger(hooks, { id: 'last' });
    const event: Event = { log: [] };
    await hooks.call('thing:after', event);
    expect(event.log).toEqual(['first', 'last']);
  });

  it('resolves at once for a hook without handlers', async () => {
    const { hooks } = setup();
    await expect(hooks.call('other:after', { log: [] })).resolves.toBeUndefined();
  });
});

describe('HookRegistry.callBefore', () => {
  it('returns the payload untouched when no handler changes it', async () => {
    const { hooks } = setup();
    const draft: Draft = { value: 'x' };
    expect(await hooks.callBefore('thing:before', draft)).toEqual({ payload: draft });
    hooks.register('thing:before', () => undefined, { id: 'noop' });
    hooks.register('thing:before', () => ({}) as never, { id: 'empty-object' });
    const outcome = await hooks.callBefore('thing:before', draft);
    expect(outcome.veto).toBeUndefined();
    expect(outcome).toEqual({ payload: draft });
  });

  it('flows a replacement payload to later handlers, sync and async', async () => {
    const { hooks } = setup();
    const seen: string[] = [];
    hooks.register('thing:before', (draft) => ({ payload: { value: `${draft.value}-sync` } }), { id: 'a' });
    hooks.register(
      'thing:before',
      async (draft) => {
        seen.push(draft.value);
        return { payload: { value: `${draft.value}-async` } };
      },
      { id: 'b' },
    );
    hooks.register(
      'thing:before',
      (draft) => {
        seen.push(draft.value);
        return { payload: { value: `${draft.value}-again` } };
      },
      { id: 'c' },
    );
    hooks.register('thing:before', (draft) => void seen.push(draft.value), { id: 'd' });
    const outcome = await hooks.callBefore('thing:before', { value: 'x' });
    expect(seen).toEqual(['x-sync', 'x-sync-async', 'x-sync-async-again']);
    expect(outcome).toEqual({ payload: { value: 'x-sync-async-again' } });
  });

  it('stops at a veto and names who vetoed (sync)', async () => {
    const { hooks } = setup();
    const ran: string[] = [];
    hooks.register('thing:before', () => void ran.push('first'), { id: 'first' });
    hooks.register('thing:before', () => ({ veto: 'over budget' }), { id: 'finance', plugin: 'finance' });
    hooks.register('thing:before', () => void ran.push('never'), { id: 'never' });
    expect(await hooks.callBefore('thing:before', { value: 'x' })).toEqual({ veto: 'over budget', by: 'finance' });
    expect(ran).toEqual(['first']);
  });

  it('stops at a veto and names who vetoed (async)', async () => {
    const { hooks } = setup();
    const ran: string[] = [];
    hooks.register('thing:before', async () => undefined, { id: 'first' });
    hooks.register('thing:before', async () => ({ veto: 'no consent' }), { id: 'privacy' });
    hooks.register('thing:before', () => void ran.push('never'), { id: 'never' });
    expect(await hooks.callBefore('thing:before', { value: 'x' })).toEqual({ veto: 'no consent', by: 'privacy' });
    expect(ran).toEqual([]);
  });

  it('skips a throwing handler by default and reports it', async () => {
    const { hooks, errors } = setup();
    hooks.register(
      'thing:before',
      () => {
        throw new Error('sync');
      },
      { id: 'sync-broken', plugin: 'p' },
    );
    hooks.register('thing:before', async () => Promise.reject(new Error('async')), { id: 'async-broken' });
    hooks.register(
      'thing:before',
      () => {
        throw new Error('in tail');
      },
      { id: 'tail-broken' },
    );
    hooks.register('thing:before', (draft) => ({ payload: { value: `${draft.value}!` } }), { id: 'ok' });
    expect(await hooks.callBefore('thing:before', { value: 'x' })).toEqual({ payload: { value: 'x!' } });
    expect(errors.map((e) => [(e.error as Error).message, e.info])).toEqual([
      ['sync', { hook: 'thing:before', id: 'sync-broken', plugin: 'p' }],
      ['async', { hook: 'thing:before', id: 'async-broken' }],
      ['in tail', { hook: 'thing:before', id: 'tail-broken' }],
    ]);
  });

  it("vetoes when a handler with onError 'veto' throws or rejects", async () => {
    const sync = setup();
    sync.hooks.register(
      'thing:before',
      () => {
        throw new Error('database down');
      },
      { id: 'strict', plugin: 'strict', onError: 'veto' },
    );
    sync.hooks.register('thing:before', () => ({ payload: { value: 'never' } }), { id: 'never' });
    expect(await sync.hooks.callBefore('thing:before', { value: 'x' })).toEqual({
      veto: 'handler failed: database down',
      by: 'strict',
    });
    expect(sync.errors).toHaveLength(1);

    const async = setup();
    async.hooks.register('thing:before', async () => undefined, { id: 'first' });
    async.hooks.register('thing:before', async () => Promise.reject('not an Error'), { id: 'strict', onError: 'veto' });
    expect(await async.hooks.callBefore('thing:before', { value: 'x' })).toEqual({
      veto: 'handler failed: not an Error',
      by: 'strict',
    });
  });

  it('skips denied handlers and gives projected handlers their view; a projected replacement is taken as is', async () => {
    const { hooks } = setup();
    const seen: Draft[] = [];
    hooks.register('thing:before', () => ({ veto: 'denied anyway' }), { id: 'denied', allowed: () => false });
    hooks.register(
      'thing:before',
      (draft) => {
        seen.push(draft);
        return { payload: { value: draft.value.toUpperCase() } };
      },
      { id: 'projected', project: ({ value }) => ({ value }) },
    );
    hooks.register('thing:before', (draft) => void seen.push(draft), { id: 'plain' });
    const outcome = await hooks.callBefore('thing:before', { value: 'x', secret: 's' });
    expect(seen).toEqual([{ value: 'x' }, { value: 'X' }]);
    expect(outcome).toEqual({ payload: { value: 'X' } });
  });

  it('ignores results that are neither a replacement nor a veto', async () => {
    const { hooks } = setup();
    hooks.register('thing:before', () => 42 as never, { id: 'number' });
    hooks.register('thing:before', async () => 'text' as never, { id: 'string' });
    hooks.register('thing:before', () => ({ payload: undefined }) as never, { id: 'undefined-payload' });
    const draft = { value: 'x' };
    expect(await hooks.callBefore('thing:before', draft)).toEqual({ payload: draft });
  });
});

describe('HookRegistry ordering properties', () => {
  /**
   * Random entries: each gets a stage in 0..2 and a distinct rank; constraints are drawn only between entries in the
   * order of a hidden random permutation, so they are acyclic by construction. Each constraint is written either as
   * `before` on the earlier entry or `after` on the later one, by id or, when the target has a plugin, by plugin.
   */
  const scenario = fc.integer({ min: 1, max: 9 }).chain((count) =>
    fc.record({
      stages: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: count, maxLength: count }),
      ranks: fc.shuffledSubarray(
        Array.from({ length: count }, (_, i) => i),
        { minLength: count, maxLength: count },
      ),
      hidden: fc.shuffledSubarray(
        Array.from({ length: count }, (_, i) => i),
        { minLength: count, maxLength: count },
      ),
      plugins: fc.array(fc.boolean(), { minLength: count, maxLength: count }),
      edges: fc.array(fc.tuple(fc.nat(count - 1), fc.nat(count - 1), fc.boolean()), { maxLength: 3 * count }),
      registration: fc.shuffledSubarray(
        Array.from({ length: count }, (_, i) => i),
        { minLength: count, maxLength: count },
      ),
    }),
  );

  it('satisfies every constraint and does not depend on the registration order', () => {
    fc.assert(
      fc.property(scenario, ({ stages, ranks, hidden, plugins, edges, registration }) => {
        const count = stages.length;
        const id = (i: number) => `e${i}`;
        const name = (i: number) => (plugins[i] ? `plugin-${i}` : id(i));
        const before: string[][] = stages.map(() => []);
        const after: string[][] = stages.map(() => []);
        const mustPrecede: [number, number][] = [];
        for (const [x, y, onEarlier] of edges) {
          if (x === y) continue;
          const [first, second] = hidden.indexOf(x) < hidden.indexOf(y) ? [x, y] : [y, x];
          if (onEarlier) before[first]!.push(name(second));
          else after[second]!.push(name(first));
          mustPrecede.push([first, second]);
        }
        const build = (order: readonly number[]) => {
          const hooks = new HookRegistry<TestHooks>();
          for (const i of order) {
            hooks.register('thing:after', () => {}, {
              id: id(i),
              ...(plugins[i] ? { plugin: `plugin-${i}` } : {}),
              stage: stages[i]!,
              rank: ranks[i]!,
              before: before[i]!,
              after: after[i]!,
            });
          }
          return hooks.order('thing:after');
        };
        const natural = build(Array.from({ length: count }, (_, i) => i));
        const shuffled = build(registration);
        expect(shuffled).toEqual(natural);
        expect([...natural].sort()).toEqual(Array.from({ length: count }, (_, i) => id(i)).sort());
        const position = (i: number) => natural.indexOf(id(i));
        for (let i = 0; i < count; i++) {
          for (let j = 0; j < count; j++) {
            if (stages[i]! < stages[j]!) expect(position(i)).toBeLessThan(position(j));
          }
        }
        for (const [first, second] of mustPrecede) {
          if (stages[first] === stages[second]) expect(position(first)).toBeLessThan(position(second));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('HookRegistry without code generation', () => {
  it('never builds code at run time: registration and every call path work where `new Function` is refused', async () => {
    // What a strict content-security policy or an edge runtime does: constructing a function from text throws.
    const attempts: unknown[][] = [];
    const refusing = (...args: unknown[]) => {
      attempts.push(args);
      throw new EvalError('Code generation from strings disallowed for this context');
    };
    vi.stubGlobal('Function', refusing);
    try {
      const { hooks, errors } = setup();
      for (const id of ['a', 'b', 'c']) logger(hooks, { id, plugin: id, allowed: () => true });
      hooks.register('thing:before', (draft) => ({ payload: { value: `${draft.value}!` } }), { id: 'shout' });
      const sync: Event = { log: [] };
      hooks.callSync('thing:after', sync);
      const awaited: Event = { log: [] };
      await hooks.call('thing:after', awaited);
      const outcome = await hooks.callBefore('thing:before', { value: 'hi' });
      expect(sync.log).toEqual(['a', 'b', 'c']);
      expect(awaited.log).toEqual(['a', 'b', 'c']);
      expect(outcome).toEqual({ payload: { value: 'hi!' } });
      expect(errors).toEqual([]);
    } finally {
      vi.unstubAllGlobals();
    }
    expect(attempts).toEqual([]);
  });
});
