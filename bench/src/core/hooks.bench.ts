/**
 * What one hook dispatch costs on the path the Hub uses (`HookRegistry.call` for after-hooks,
 * `HookRegistry.callBefore` for before-hooks that may replace the payload or veto), against `hookable` and
 * `tapable`, for 0, 1 and 10 handlers, synchronous and asynchronous. Run from the repository root with
 * `npx vitest bench --run --root bench src/core/hooks.bench.ts`.
 *
 * crmkit runs as the plugin host runs it: every entry has a permission gate evaluated on every call and a context
 * object, and every handler is error-isolated (a throw is reported, the others still run), which neither peer does.
 * The Hub awaits every dispatch, so every case awaits the call, for all three libraries.
 *
 * Fairness: the three libraries get the same work per handler (after-hooks: `payload.n++`; before-hooks: a new
 * payload object with `value + 1`, or a veto by the last handler), registered once outside the timed function; each
 * timed iteration makes {@link CALLS} calls so the timer's own overhead does not hide the dispatch. Peers: tapable's
 * `AsyncSeriesHook` (after-hooks), `AsyncSeriesWaterfallHook` (replace) and `AsyncSeriesBailHook` (veto), with
 * `tap` for synchronous and `tapPromise` for asynchronous handlers; hookable's `callHook` (after-hooks) and, as it
 * has no waterfall or veto, `callHookWith` with a caller that does what `callBefore` does.
 */
import { HookRegistry } from '@crmkit/core/internal';
import { createHooks, type HookCallback } from 'hookable';
import { AsyncSeriesBailHook, AsyncSeriesHook, AsyncSeriesWaterfallHook } from 'tapable';
import { bench, describe } from 'vitest';

/** Calls per timed iteration. */
const CALLS = 100;

interface Counter {
  n: number;
}
interface Draft {
  value: number;
}
type BeforeResult = { payload: Draft } | { veto: string } | undefined;
interface BenchHooks {
  'thing:after': Counter;
  'thing:before': Draft;
}

/** What the plugin host gives each plugin's entry: a scoped context and a permission gate checked on every call. */
function pluginEntry(index: number): { id: string; plugin: string; context: object; allowed: () => boolean } {
  const grant = { active: true };
  return {
    id: `plugin-${index}`,
    plugin: `plugin-${index}`,
    context: { plugin: `plugin-${index}` },
    allowed: () => grant.active,
  };
}

function assert(condition: boolean, message: string): void {
  if (!condition) throw new Error(`hooks bench setup: ${message}`);
}

/** hookable's caller for before-hooks: the waterfall with veto that `HookRegistry.callBefore` does. */
async function hookableBefore(hooks: HookCallback[], args: [Draft]): Promise<{ payload: Draft } | { veto: string }> {
  let payload = args[0];
  for (const hook of hooks) {
    // hookable types a callback as returning nothing; ours return the before-hook result.
    const result = (await hook(payload)) as BeforeResult;
    if (result === undefined) continue;
    if ('veto' in result) return result;
    payload = result.payload;
  }
  return { payload };
}

for (const mode of ['sync', 'async'] as const) {
  for (const count of mode === 'sync' ? [0, 1, 10] : [1, 10]) {
    const label = `${count} ${mode} handler${count === 1 ? '' : 's'}`;

    describe(`after-hook, ${label} (${CALLS} awaited calls per iteration)`, async () => {
      const increment =
        mode === 'sync'
          ? (payload: Counter): void => {
              payload.n++;
            }
          : async (payload: Counter): Promise<void> => {
              payload.n++;
            };

      const registry = new HookRegistry<BenchHooks>();
      for (let i = 0; i < count; i++) registry.register('thing:after', increment, pluginEntry(i));
      const crmkit: Counter = { n: 0 };
      await registry.call('thing:after', crmkit);
      assert(crmkit.n === count, `crmkit ran ${crmkit.n} of ${count}`);

      const hookable = createHooks<{ run: (payload: Counter) => void | Promise<void> }>();
      for (let i = 0; i < count; i++) hookable.hook('run', increment);
      const viaHookable: Counter = { n: 0 };
      await hookable.callHook('run', viaHookable);
      assert(viaHookable.n === count, `hookable ran ${viaHookable.n} of ${count}`);

      const tapable = new AsyncSeriesHook<[Counter]>(['payload']);
      for (let i = 0; i < count; i++) {
        if (mode === 'sync') tapable.tap(`plugin-${i}`, increment as (payload: Counter) => void);
        else tapable.tapPromise(`plugin-${i}`, increment as (payload: Counter) => Promise<void>);
      }
      const viaTapable: Counter = { n: 0 };
      await tapable.promise(viaTapable);
      assert(viaTapable.n === count, `tapable ran ${viaTapable.n} of ${count}`);

      bench('crmkit HookRegistry.call (permission gate, error isolation)', async () => {
        for (let i = 0; i < CALLS; i++) await registry.call('thing:after', crmkit);
      });
      bench('hookable callHook', async () => {
        for (let i = 0; i < CALLS; i++) await hookable.callHook('run', viaHookable);
      });
      bench('tapable AsyncSeriesHook.promise', async () => {
        for (let i = 0; i < CALLS; i++) await tapable.promise(viaTapable);
      });
    });

    const outcomes = count === 0 ? (['replace'] as const) : (['replace', 'veto'] as const);
    for (const outcome of outcomes) {
      describe(`before-hook, ${label}, ${outcome === 'replace' ? 'each replaces the payload' : 'the last vetoes'} (${CALLS} awaited calls per iteration)`, async () => {
        const replace = (draft: Draft): { payload: Draft } => ({ payload: { value: draft.value + 1 } });
        const pass = (_draft: Draft): undefined => undefined;
        const veto = (_draft: Draft): { veto: string } => ({ veto: 'refused' });
        /** The crmkit / hookable handler at `index`, in the chosen mode. */
        const handlerAt = (index: number): ((draft: Draft) => BeforeResult | Promise<BeforeResult>) => {
          const plain = outcome === 'replace' ? replace : index === count - 1 ? veto : pass;
          return mode === 'sync' ? plain : async (draft: Draft) => plain(draft);
        };

        const registry = new HookRegistry<BenchHooks>();
        for (let i = 0; i < count; i++) registry.register('thing:before', handlerAt(i), pluginEntry(i));
        const first = await registry.callBefore('thing:before', { value: 0 });
        assert(
          outcome === 'replace' || count === 0
            ? first.veto === undefined && first.payload.value === (outcome === 'replace' ? count : 0)
            : first.veto === 'refused',
          `crmkit gave ${JSON.stringify(first)}`,
        );

        const hookable = createHooks<{ run: (draft: Draft) => void | Promise<void> }>();
        for (let i = 0; i < count; i++) hookable.hook('run', handlerAt(i) as HookCallback);
        const viaHookable = await hookable.callHookWith(hookableBefore, 'run', [{ value: 0 }]);
        assert(JSON.stringify(viaHookable) === JSON.stringify({ ...first, by: undefined }), 'hookable differs');

        // tapable: a waterfall (a handler returns the next payload) to replace, a bail hook (a handler returns the
        // reason) to veto.
        const waterfall = new AsyncSeriesWaterfallHook<[Draft]>(['draft']);
        const bail = new AsyncSeriesBailHook<[Draft], string | undefined>(['draft']);
        for (let i = 0; i < count; i++) {
          const name = `plugin-${i}`;
          if (outcome === 'replace') {
            const next = (draft: Draft): Draft => ({ value: draft.value + 1 });
            if (mode === 'sync') waterfall.tap(name, next);
            else waterfall.tapPromise(name, async (draft) => next(draft));
          } else {
            const decide = (_draft: Draft): string | undefined => (i === count - 1 ? 'refused' : undefined);
            if (mode === 'sync') bail.tap(name, decide);
            else bail.tapPromise(name, async (draft) => decide(draft));
          }
        }
        if (outcome === 'replace') {
          const result = await waterfall.promise({ value: 0 });
          assert(result.value === count, `tapable waterfall gave ${result.value}`);
        } else {
          const result = await bail.promise({ value: 0 });
          assert(result === (count === 0 ? undefined : 'refused'), `tapable bail gave ${result}`);
        }

        bench('crmkit HookRegistry.callBefore (permission gate, error isolation)', async () => {
          for (let i = 0; i < CALLS; i++) await registry.callBefore('thing:before', { value: 0 });
        });
        bench('hookable callHookWith (waterfall and veto caller)', async () => {
          for (let i = 0; i < CALLS; i++) await hookable.callHookWith(hookableBefore, 'run', [{ value: 0 }]);
        });
        if (outcome === 'replace') {
          bench('tapable AsyncSeriesWaterfallHook.promise', async () => {
            for (let i = 0; i < CALLS; i++) await waterfall.promise({ value: 0 });
          });
        } else {
          bench('tapable AsyncSeriesBailHook.promise', async () => {
            for (let i = 0; i < CALLS; i++) await bail.promise({ value: 0 });
          });
        }
      });
    }
  }
}
