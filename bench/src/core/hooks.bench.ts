/**
 * Per-call dispatch overhead of crmkit's {@link HookRegistry} against `hookable` and `tapable`, for sync and async
 * chains of 1 and 10 handlers. crmkit runs with its permission checks on: every entry has an `allowed` gate
 * (evaluated on every call) and a context object. Run with
 * `npm run bench -- bench/src/core/hooks.bench.ts`.
 *
 * Fairness: the three libraries get the very same handler functions (each increments `payload.n`; the async ones
 * are `async` functions, so they return a resolved promise), registered once outside the timed function, and the
 * same payload shape. Each timed iteration makes {@link SYNC_CALLS} (or {@link ASYNC_CALLS}) calls, so the timer's
 * own overhead (tens of nanoseconds per iteration) does not drown the dispatch cost being measured.
 */
import { createHooks } from 'hookable';
import { AsyncSeriesHook, SyncHook } from 'tapable';
import { bench, describe } from 'vitest';
import { HookRegistry } from '@crmkit/core/internal';

interface Payload {
  n: number;
}
interface BenchHooks {
  run: Payload;
}
interface Grant {
  enabled: boolean;
}

/** Calls per timed iteration of the sync benches. */
const SYNC_CALLS = 1000;
/** Calls per timed iteration of the async benches. */
const ASYNC_CALLS = 100;

const makeSyncHandler = () => (payload: Payload) => {
  payload.n++;
};
const makeAsyncHandler = () => async (payload: Payload) => {
  payload.n++;
};

/** What the plugin host gives each plugin's handler: a scoped context and a grant to check on every call. */
function pluginSetup(index: number): { context: { plugin: string }; allowed: () => boolean } {
  const grant: Grant = { enabled: true };
  return { context: { plugin: `plugin-${index}` }, allowed: () => grant.enabled };
}

function check(name: string, payload: Payload, expected: number): void {
  if (payload.n !== expected) throw new Error(`${name}: expected n = ${expected}, got ${payload.n}`);
  payload.n = 0;
}

/** A hookable caller that runs the handlers synchronously (hookable's `callHook` is serial and async-aware). */
const syncCaller = (hooks: ((...args: [Payload]) => unknown)[], args: [Payload]): void => {
  for (let i = 0; i < hooks.length; i++) hooks[i]!(...args);
};

for (const count of [1, 10]) {
  describe(`sync chain of ${count} handler${count === 1 ? '' : 's'} (${SYNC_CALLS} calls per iteration)`, () => {
    const handlers = Array.from({ length: count }, makeSyncHandler);

    const registry = new HookRegistry<BenchHooks>();
    handlers.forEach((handler, i) => {
      registry.register('run', handler, { id: `plugin-${i}`, plugin: `plugin-${i}`, ...pluginSetup(i) });
    });
    const crmkitPayload: Payload = { n: 0 };
    registry.callSync('run', crmkitPayload);
    check('crmkit', crmkitPayload, count);

    const hookable = createHooks<{ run: (payload: Payload) => void }>();
    for (const handler of handlers) hookable.hook('run', handler);
    const hookablePayload: Payload = { n: 0 };
    hookable.callHookWith(syncCaller, 'run', [hookablePayload]);
    check('hookable', hookablePayload, count);

    const tapable = new SyncHook<[Payload]>(['payload']);
    handlers.forEach((handler, i) => {
      tapable.tap(`plugin-${i}`, handler);
    });
    const tapablePayload: Payload = { n: 0 };
    tapable.call(tapablePayload);
    check('tapable', tapablePayload, count);

    bench('crmkit HookRegistry.callSync (permission checks on)', () => {
      for (let i = 0; i < SYNC_CALLS; i++) registry.callSync('run', crmkitPayload);
    });
    bench('hookable callHookWith (sync caller)', () => {
      for (let i = 0; i < SYNC_CALLS; i++) hookable.callHookWith(syncCaller, 'run', [hookablePayload]);
    });
    bench('tapable SyncHook.call', () => {
      for (let i = 0; i < SYNC_CALLS; i++) tapable.call(tapablePayload);
    });
  });
}

for (const count of [1, 10]) {
  describe(`async chain of ${count} handler${count === 1 ? '' : 's'} (${ASYNC_CALLS} calls per iteration)`, async () => {
    const handlers = Array.from({ length: count }, makeAsyncHandler);

    const registry = new HookRegistry<BenchHooks>();
    handlers.forEach((handler, i) => {
      registry.register('run', handler, { id: `plugin-${i}`, plugin: `plugin-${i}`, ...pluginSetup(i) });
    });
    const crmkitPayload: Payload = { n: 0 };
    await registry.call('run', crmkitPayload);
    check('crmkit', crmkitPayload, count);

    const hookable = createHooks<{ run: (payload: Payload) => Promise<void> }>();
    for (const handler of handlers) hookable.hook('run', handler);
    const hookablePayload: Payload = { n: 0 };
    await hookable.callHook('run', hookablePayload);
    check('hookable', hookablePayload, count);

    const tapable = new AsyncSeriesHook<[Payload]>(['payload']);
    handlers.forEach((handler, i) => {
      tapable.tapPromise(`plugin-${i}`, handler);
    });
    const tapablePayload: Payload = { n: 0 };
    await tapable.promise(tapablePayload);
    check('tapable', tapablePayload, count);

    bench('crmkit HookRegistry.call (permission checks on)', async () => {
      for (let i = 0; i < ASYNC_CALLS; i++) await registry.call('run', crmkitPayload);
    });
    bench('hookable callHook', async () => {
      for (let i = 0; i < ASYNC_CALLS; i++) await hookable.callHook('run', hookablePayload);
    });
    bench('tapable AsyncSeriesHook.promise', async () => {
      for (let i = 0; i < ASYNC_CALLS; i++) await tapable.promise(tapablePayload);
    });
  });
}
