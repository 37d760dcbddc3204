/**
 * The hook registry of the plugin host: ordered, permission-checked, error-isolated dispatch of the hooks plugins
 * and apps register (`ingest:before`, `merge:after` ...).
 *
 * Ordering is computed when handlers are registered or unregistered, never during a call: each hook keeps a plain
 * array of its entries in run order, replaced (never mutated) on every change, so a call iterates a stable snapshot
 * and an unregister during a call does not disturb it.
 * Every call path runs the same steps per entry (permission gate, projection, handler, error isolation) in a plain
 * loop over that snapshot, without closures, array copies or `await` per call unless a handler actually returns a
 * thenable. No code is generated at run time (no `new Function`, no `eval`), so the registry runs unchanged where a
 * content-security policy or an edge runtime forbids them; decision 006 records what compiled dispatch measured and
 * why it went. Nothing here needs a Node.js module or global.
 *
 * The registry is generic over the map of hook names to payloads, so it can be tested and benchmarked on its own;
 * the Hub uses it with `HookPayloads` from `@crmkit/model`.
 *
 * @module
 */
import { PluginInvalidError } from '@crmkit/model';
import { runtime } from '../runtime/runtime';

/**
 * How one handler is registered on a hook: its identity, its place among the others, and the permission checks the
 * host runs around it.
 *
 * @typeParam C - Type of the context passed to the handler as its second argument.
 * @typeParam P - Type of the hook's payload.
 */
export interface HookEntryOptions<C = unknown, P = unknown> {
  /** Unique id of the registration within the hook (the plugin name for plugin hooks, or an app-given id). */
  id: string;
  /** Plugin that owns it, if any; {@link HookRegistry.unregisterAll} removes by it, and ordering names match it. */
  plugin?: string;
  /** Lower stages run first. @default 0 */
  stage?: number;
  /**
   * Run before the entries with these ids (or plugin names). Only entries of the same stage are constrained: across
   * stages the stage wins. Unknown names are ignored.
   */
  before?: readonly string[];
  /** Run after the entries with these ids (or plugin names). Same rules as {@link HookEntryOptions.before}. */
  after?: readonly string[];
  /**
   * Tie-break between entries the stage and the before/after constraints leave unordered: lower rank first (the
   * plugin load order, where dependencies come before dependants). Entries without a rank come after ranked ones,
   * then by registration sequence. @default Infinity
   */
  rank?: number;
  /**
   * For before-hooks (see {@link HookRegistry.callBefore}): what a throwing handler means. `skip` reports the
   * error and goes on as if the handler had not been there; `veto` refuses the operation (fail closed). Handlers
   * of after-hooks always skip. @default 'skip'
   */
  onError?: 'skip' | 'veto';
  /** Second argument passed to the handler (for plugins: the plugin's scoped context). */
  context?: C;
  /**
   * Permission gate, evaluated on every call; when it returns false the handler is not called for that call.
   * Precompute what you can: this runs on the hot path.
   */
  allowed?: () => boolean;
  /**
   * Projection of the payload to what this entry may see (permission enforcement), applied on every call before
   * the handler gets it. Omitted: the handler gets the payload as is.
   *
   * For before-hooks, a replacement payload returned by a projected entry is accepted as is: it replaces the whole
   * payload for later handlers and for the operation. The host must therefore project before-hook payloads only in
   * ways that keep them complete (for example by filtering fields inside records it re-validates), or check the
   * replacement itself.
   */
  project?: (payload: P) => P;
}

/** Where a reported handler error came from; the second argument of the registry's `onError`. */
export interface HookErrorInfo {
  /** The hook being called, e.g. `merge:after`. */
  hook: string;
  /** Id of the registration whose handler failed. */
  id: string;
  /** Plugin that owns the registration, if any. */
  plugin?: string;
}

/** What {@link HookRegistry.callBefore} returns: the (possibly replaced) payload, or a veto naming who vetoed. */
type BeforeOutcome<P> = { payload: P; veto?: undefined } | { veto: string; by: string };

/** A handler as the registry stores it. */
type AnyHandler = (payload: unknown, context: unknown) => unknown;

/** One registration, in a fixed shape (every field always set) so the call loops see one hidden class. */
class HookEntry {
  constructor(
    readonly id: string,
    readonly plugin: string | undefined,
    readonly stage: number,
    readonly before: readonly string[],
    readonly after: readonly string[],
    readonly rank: number,
    readonly seq: number,
    readonly vetoOnError: boolean,
    readonly handler: AnyHandler,
    readonly context: unknown,
    readonly allowed: (() => boolean) | undefined,
    readonly project: ((payload: unknown) => unknown) | undefined,
    hook: string,
    report: Reporter,
  ) {
    this.onRejected = (error) => report(error, hook, this);
  }

  /** Reports a rejection of this entry's handler; made once here so that calls allocate no closure for it. */
  readonly onRejected: (error: unknown) => void;
}

/** Reports a handler's error with where it came from. */
type Reporter = (error: unknown, hook: string, entry: HookEntry) => void;

/** The result of a handler that returned a thenable. */
interface Thenable {
  then(onFulfilled?: (value: unknown) => unknown, onRejected?: (reason: unknown) => unknown): unknown;
}

const RESOLVED: Promise<void> = Promise.resolve();
const NO_NAMES: readonly string[] = Object.freeze([]);

/** True when a handler's result is a thenable (the handler is asynchronous, or returned a promise anyway). */
function isThenable(value: unknown): value is Thenable {
  return value !== undefined && value !== null && typeof (value as Thenable).then === 'function';
}

function defaultOnError(error: unknown, info: HookErrorInfo): void {
  const owner = info.plugin === undefined ? `"${info.id}"` : `"${info.id}" of plugin "${info.plugin}"`;
  runtime.console?.error?.(`[crmkit/core] Hook handler ${owner} on "${info.hook}" threw:`, error);
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    return (error as { message: string }).message;
  }
  return String(error);
}

/**
 * The hooks of a plugin host: handlers registered per hook name, run in a deterministic order with permission
 * checks, and isolated from each other's errors.
 *
 * Order of the handlers of one hook (independent of registration order except as the last tie-break):
 * 1. by `stage`, ascending;
 * 2. within a stage, a topological order honouring the `before` / `after` constraints between entries of that
 *    stage (constraints naming entries of another stage, or nothing, are ignored);
 * 3. entries left unordered by that: lower `rank` first, then registration sequence.
 *
 * A registration that would make the constraints cyclic, or that reuses an id on the same hook, is refused with a
 * `PluginInvalidError` and leaves the registry unchanged.
 *
 * @typeParam M - Payload type of each hook, by hook name (e.g. `HookPayloads`). Constrained to `object` rather than
 *   `Record<string, unknown>` so that interfaces, which have no index signature, fit.
 *
 * @example
 * ```ts
 * const hooks = new HookRegistry<HookPayloads>({ onError: (error, { hook, id }) => log(hook, id, error) });
 * const off = hooks.register('merge:after', (payload, ctx) => ctx.log('info', 'merged'), {
 *   id: 'sales',
 *   plugin: 'sales',
 *   context: salesContext,
 *   allowed: () => salesGrant.events,
 * });
 * await hooks.call('merge:after', payload);
 * const outcome = await hooks.callBefore('merge:before', { into, from });
 * if (outcome.veto !== undefined) throw new VetoError({ hook: 'merge:before', by: outcome.by, reason: outcome.veto });
 * off();
 * ```
 */
export class HookRegistry<M extends object> {
  /** Entries of each hook in run order; replaced on every change, never mutated. Absent when none. */
  private readonly sorted = new Map<string, readonly HookEntry[]>();
  /**
   * One-entry lookup cache in front of {@link HookRegistry.sorted}: consecutive calls of the same hook (a hook per
   * record of a batch) skip the map lookup, which is most of the cost of a call with few handlers. Internalised
   * hook-name strings compare by pointer. Kept in step by {@link HookRegistry.setList}.
   */
  private lastHook: string | undefined = undefined;
  private lastList: readonly HookEntry[] | undefined = undefined;
  private readonly reportError: (error: unknown, info: HookErrorInfo) => void;
  /** {@link HookRegistry.report}, bound once, for the asynchronous tails of calls. */
  private readonly reporter: Reporter;
  private sequence = 0;

  /**
   * Creates an empty registry.
   *
   * @param options.onError - Receives every error a handler throws (or a promise it returns rejects with), with
   *   where it came from; the error never reaches the caller of the hook. Default: logs through `console.error`
   *   when the runtime has one.
   */
  constructor(options: { onError?: (error: unknown, info: HookErrorInfo) => void } = {}) {
    this.reportError = options.onError ?? defaultOnError;
    this.reporter = (error, hook, entry) => this.report(error, hook, entry);
  }

  /**
   * Registers `handler` on `hook` and returns a function that unregisters it (idempotent).
   *
   * @throws PluginInvalidError when `options.id` is already registered on this hook, when the options are malformed
   *   (empty id, non-finite stage, rank that is not a number, handler that is not a function), or when the
   *   before/after constraints would form a cycle (`ordering cycle: a -> b -> a`). The registry is then unchanged.
   */
  register<K extends keyof M & string, C = unknown>(
    hook: K,
    handler: (payload: M[K], context: C) => unknown,
    options: HookEntryOptions<C, M[K]>,
  ): () => void {
    const owner = options.plugin ?? options.id;
    const path = `hooks.${hook}`;
    const refuse = (message: string): PluginInvalidError =>
      new PluginInvalidError({ plugin: owner || '?', path, message });
    if (typeof options.id !== 'string' || options.id === '') throw refuse('a hook registration needs a non-empty id');
    if (typeof handler !== 'function') throw refuse(`the handler of "${options.id}" is not a function`);
    const stage = options.stage ?? 0;
    if (!Number.isFinite(stage)) throw refuse(`the stage of "${options.id}" is not a finite number`);
    const rank = options.rank ?? Number.POSITIVE_INFINITY;
    if (typeof rank !== 'number' || Number.isNaN(rank)) throw refuse(`the rank of "${options.id}" is not a number`);

    const current = this.sorted.get(hook) ?? [];
    for (const entry of current) {
      if (entry.id === options.id) throw refuse(`"${options.id}" is already registered on ${hook}`);
    }
    const entry = new HookEntry(
      options.id,
      options.plugin,
      stage,
      options.before ?? NO_NAMES,
      options.after ?? NO_NAMES,
      rank,
      this.sequence++,
      options.onError === 'veto',
      handler as AnyHandler,
      options.context,
      options.allowed,
      options.project as ((payload: unknown) => unknown) | undefined,
      hook,
      this.reporter,
    );
    const ordered = orderEntries([...current, entry], entry);
    if (!Array.isArray(ordered)) throw refuse(`ordering cycle: ${ordered.cycle.join(' -> ')}`);
    this.setList(hook, ordered);

    let registered = true;
    return () => {
      if (!registered) return;
      registered = false;
      this.remove(hook, (candidate) => candidate === entry);
    };
  }

  /** Unregisters every handler of `filter.plugin`, on every hook. */
  unregisterAll(filter: { plugin: string }): void {
    for (const hook of [...this.sorted.keys()]) this.remove(hook, (entry) => entry.plugin === filter.plugin);
  }

  /** True when at least one handler is registered on `hook` (allowed or not). */
  has(hook: keyof M & string): boolean {
    return this.sorted.has(hook);
  }

  /** Ids of the handlers of `hook`, in the order they run (for tests and docs). */
  order(hook: keyof M & string): string[] {
    const list = this.sorted.get(hook);
    return list === undefined ? [] : list.map((entry) => entry.id);
  }

  /**
   * Calls the handlers of an after-hook synchronously, in order; for hooks whose handlers are all synchronous.
   * A handler is skipped for this call when its `allowed` returns false, and gets the payload through its
   * `project`. Errors are isolated: a throwing handler is reported through `onError` and the others still run. A
   * handler that returns a promise anyway is not awaited; its rejection is reported.
   *
   * @deprecated The Hub never calls it, and it is now the same loop as {@link HookRegistry.call} minus the waiting:
   *   use `call`, which runs synchronously (and returns a resolved promise) while every handler is synchronous.
   *   It will be removed in the next major version.
   */
  callSync<K extends keyof M & string>(hook: K, payload: M[K]): void {
    const list = this.lookup(hook);
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) {
      const entry = list[i]!;
      try {
        if (entry.allowed !== undefined && !entry.allowed()) continue;
        const result = entry.handler(entry.project === undefined ? payload : entry.project(payload), entry.context);
        if (isThenable(result)) result.then(undefined, entry.onRejected);
      } catch (error) {
        this.report(error, hook, entry);
      }
    }
  }

  /**
   * Calls the handlers of an after-hook in order, awaiting each one that returns a thenable before the next starts
   * (synchronous handlers are not awaited: while every handler is synchronous the whole call is). Permission checks
   * as {@link HookRegistry.callSync}. Errors (a throw or a rejection) are isolated: reported through `onError`, the
   * others still run. Never rejects.
   */
  call<K extends keyof M & string>(hook: K, payload: M[K]): Promise<void> {
    const list = this.lookup(hook);
    if (list === undefined) return RESOLVED;
    for (let i = 0; i < list.length; i++) {
      const entry = list[i]!;
      try {
        if (entry.allowed !== undefined && !entry.allowed()) continue;
        const result = entry.handler(entry.project === undefined ? payload : entry.project(payload), entry.context);
        if (isThenable(result)) {
          // The last handler's promise: settle with it, no state machine needed.
          if (i === list.length - 1 && result instanceof Promise) return result.then(ignore, entry.onRejected);
          const rest = new AsyncCall(this.reporter, hook, list, payload, i);
          starting = rest;
          const promise = new Promise<void>(startAsyncCall);
          rest.wait(result);
          return promise;
        }
      } catch (error) {
        this.report(error, hook, entry);
      }
    }
    return RESOLVED;
  }

  /**
   * Calls the handlers of a before-hook in order, as a waterfall. Each handler gets the current payload (through
   * its `project`) and may return:
   * - nothing: go on with the same payload;
   * - `{ payload }`: the replacement payload later handlers (and the operation) get. A projected entry's replacement
   *   is accepted as is (see {@link HookEntryOptions.project});
   * - `{ veto: reason }`: stop; the call returns `{ veto: reason, by: id }` and later handlers do not run.
   *
   * A handler that throws (or rejects) is reported through `onError`; then, by its `onError` option, it is skipped
   * (`skip`) or vetoes with the reason `handler failed: <message>` (`veto`). Never rejects.
   */
  callBefore<K extends keyof M & string>(
    hook: K,
    payload: M[K],
  ): Promise<{ payload: M[K]; veto?: undefined } | { veto: string; by: string }> {
    const list = this.lookup(hook);
    if (list === undefined) return Promise.resolve({ payload });
    let current: unknown = payload;
    for (let i = 0; i < list.length; i++) {
      const entry = list[i]!;
      try {
        if (entry.allowed !== undefined && !entry.allowed()) continue;
        const result = entry.handler(entry.project === undefined ? current : entry.project(current), entry.context);
        if (result === null || typeof result !== 'object') continue;
        if (isThenable(result)) {
          return this.callBeforeFrom(hook, list, i, current, result) as Promise<BeforeOutcome<M[K]>>;
        }
        const veto = (result as { veto?: unknown }).veto;
        if (typeof veto === 'string') return Promise.resolve({ veto, by: entry.id });
        const replacement = (result as { payload?: unknown }).payload;
        if (replacement !== undefined) current = replacement;
      } catch (error) {
        const veto = this.beforeFailed(error, hook, entry);
        if (veto !== undefined) return Promise.resolve(veto);
      }
    }
    return Promise.resolve({ payload: current as M[K] });
  }

  /** The async tail of {@link HookRegistry.callBefore}, from the handler at `index` that returned `pending`. */
  private async callBeforeFrom(
    hook: string,
    list: readonly HookEntry[],
    index: number,
    payload: unknown,
    pending: Thenable,
  ): Promise<BeforeOutcome<unknown>> {
    let current = payload;
    for (let i = index; i < list.length; i++) {
      const entry = list[i]!;
      try {
        let result: unknown;
        if (i === index) {
          result = await pending;
        } else {
          if (entry.allowed !== undefined && !entry.allowed()) continue;
          result = entry.handler(entry.project === undefined ? current : entry.project(current), entry.context);
          if (isThenable(result)) result = await result;
        }
        if (result === null || typeof result !== 'object') continue;
        const veto = (result as { veto?: unknown }).veto;
        if (typeof veto === 'string') return { veto, by: entry.id };
        const replacement = (result as { payload?: unknown }).payload;
        if (replacement !== undefined) current = replacement;
      } catch (error) {
        const veto = this.beforeFailed(error, hook, entry);
        if (veto !== undefined) return veto;
      }
    }
    return { payload: current };
  }

  /** Reports a before-hook handler's error; returns the veto when the entry fails closed. */
  private beforeFailed(error: unknown, hook: string, entry: HookEntry): { veto: string; by: string } | undefined {
    this.report(error, hook, entry);
    return entry.vetoOnError ? { veto: `handler failed: ${messageOf(error)}`, by: entry.id } : undefined;
  }

  /** The entries of `hook` in run order, through the one-entry cache. */
  private lookup(hook: string): readonly HookEntry[] | undefined {
    if (hook === this.lastHook) return this.lastList;
    const list = this.sorted.get(hook);
    this.lastHook = hook;
    this.lastList = list;
    return list;
  }

  /** Replaces (or with `undefined` removes) the entries of `hook`, keeping the lookup cache in step. */
  private setList(hook: string, list: readonly HookEntry[] | undefined): void {
    if (list === undefined) this.sorted.delete(hook);
    else this.sorted.set(hook, list);
    if (hook === this.lastHook) this.lastList = list;
  }

  /** Reports a handler's error through the `onError` option; never throws. */
  private report(error: unknown, hook: string, entry: HookEntry): void {
    const info: HookErrorInfo =
      entry.plugin === undefined ? { hook, id: entry.id } : { hook, id: entry.id, plugin: entry.plugin };
    try {
      this.reportError(error, info);
    } catch {
      // An error reporter that throws must not break the hook call; there is nowhere left to report to.
    }
  }

  private remove(hook: string, matches: (entry: HookEntry) => boolean): void {
    const list = this.sorted.get(hook);
    if (list === undefined) return;
    const kept = list.filter((entry) => !matches(entry));
    if (kept.length === list.length) return;
    if (kept.length === 0) {
      this.setList(hook, undefined);
      return;
    }
    // Removing entries cannot create a cycle; re-sorting keeps the order independent of the registration history.
    const ordered = orderEntries(kept, undefined);
    this.setList(hook, Array.isArray(ordered) ? ordered : kept);
  }
}

/**
 * The asynchronous rest of one {@link HookRegistry.call}, from the first handler that returned a thenable: a small
 * state machine continued by `then` callbacks (two closures per call, not per handler) rather than an async
 * function, which measured faster per awaited handler.
 */
class AsyncCall {
  /** Continues with the next handler once the awaited one settled. */
  private readonly fulfilled: () => void;
  /** Reports the awaited handler's rejection, then continues. */
  private readonly rejected: (error: unknown) => void;
  /** True while a handler's thenable has not settled; guards against thenables that settle twice. */
  private waiting = false;
  /** Resolves the promise `call` returned; set by {@link startAsyncCall}. */
  resolve: () => void = ignore;

  constructor(
    private readonly report: Reporter,
    private readonly hook: string,
    private readonly list: readonly HookEntry[],
    private readonly payload: unknown,
    /** Index of the handler being awaited. */
    private index: number,
  ) {
    this.fulfilled = () => {
      if (!this.waiting) return;
      this.waiting = false;
      this.next();
    };
    this.rejected = (error) => {
      if (!this.waiting) return;
      this.waiting = false;
      this.report(error, this.hook, this.list[this.index]!);
      this.next();
    };
  }

  /** Waits for `pending`, the result of the handler at {@link AsyncCall.index}. */
  wait(pending: Thenable): void {
    const index = this.index;
    this.waiting = true;
    try {
      pending.then(this.fulfilled, this.rejected);
    } catch (error) {
      // A thenable whose `then` throws is a failed handler, unless it settled (synchronously) before throwing.
      if (this.index === index) this.rejected(error);
    }
  }

  /** Runs the handlers after the one awaited, synchronously until one returns a thenable again. */
  private next(): void {
    const list = this.list;
    const payload = this.payload;
    for (let i = this.index + 1; i < list.length; i++) {
      const entry = list[i]!;
      try {
        if (entry.allowed !== undefined && !entry.allowed()) continue;
        const result = entry.handler(entry.project === undefined ? payload : entry.project(payload), entry.context);
        if (isThenable(result)) {
          this.index = i;
          this.wait(result);
          return;
        }
      } catch (error) {
        this.report(error, this.hook, entry);
      }
    }
    this.resolve();
  }
}

/** The {@link AsyncCall} {@link startAsyncCall} hands its `resolve` to (set just before, read synchronously). */
let starting: AsyncCall | undefined;

/** The executor of the promise of an {@link AsyncCall}: one static function instead of a closure per call. */
function startAsyncCall(resolve: () => void): void {
  starting!.resolve = resolve;
  starting = undefined;
}

/** Fulfilment handler that drops the value: `call` resolves to nothing. */
function ignore(): undefined {
  return undefined;
}

/**
 * Sorts the entries of one hook into run order (see {@link HookRegistry}), or finds a cycle in their constraints,
 * as a list of ids starting and ending with the same id (starting at `preferred` when it is on the cycle).
 */
function orderEntries(
  entries: readonly HookEntry[],
  preferred: HookEntry | undefined,
): HookEntry[] | { cycle: string[] } {
  const byStage = new Map<number, HookEntry[]>();
  for (const entry of entries) {
    const group = byStage.get(entry.stage);
    if (group === undefined) byStage.set(entry.stage, [entry]);
    else group.push(entry);
  }
  const stages = [...byStage.keys()].sort((a, b) => a - b);
  const ordered: HookEntry[] = [];
  for (const stage of stages) {
    const result = orderStage(byStage.get(stage)!, preferred);
    if (!Array.isArray(result)) return result;
    ordered.push(...result);
  }
  return ordered;
}

function precedes(a: HookEntry, b: HookEntry): boolean {
  return a.rank !== b.rank ? a.rank < b.rank : a.seq < b.seq;
}

/** Kahn's algorithm over the entries of one stage, always taking the ready entry of lowest (rank, sequence). */
function orderStage(group: readonly HookEntry[], preferred: HookEntry | undefined): HookEntry[] | { cycle: string[] } {
  if (group.length === 1) return [group[0]!];
  const count = group.length;
  const names = (entry: HookEntry, name: string): boolean => entry.id === name || entry.plugin === name;
  // successors[i]: indexes that must run after group[i]; predecessors for the cycle report.
  const successors: Set<number>[] = group.map(() => new Set<number>());
  const predecessors: Set<number>[] = group.map(() => new Set<number>());
  const addEdge = (from: number, to: number): void => {
    if (from === to) return;
    successors[from]!.add(to);
    predecessors[to]!.add(from);
  };
  for (let i = 0; i < count; i++) {
    const entry = group[i]!;
    for (const name of entry.before) {
      for (let j = 0; j < count; j++) if (names(group[j]!, name)) addEdge(i, j);
    }
    for (const name of entry.after) {
      for (let j = 0; j < count; j++) if (names(group[j]!, name)) addEdge(j, i);
    }
  }
  const inDegree = predecessors.map((set) => set.size);
  const ready: number[] = [];
  for (let i = 0; i < count; i++) if (inDegree[i] === 0) ready.push(i);
  const ordered: HookEntry[] = [];
  while (ready.length > 0) {
    let best = 0;
    for (let r = 1; r < ready.length; r++) if (precedes(group[ready[r]!]!, group[ready[best]!]!)) best = r;
    const next = ready[best]!;
    ready[best] = ready[ready.length - 1]!;
    ready.pop();
    ordered.push(group[next]!);
    for (const successor of successors[next]!) {
      inDegree[successor]!--;
      if (inDegree[successor] === 0) ready.push(successor);
    }
  }
  if (ordered.length === count) return ordered;
  return { cycle: findCycle(group, predecessors, inDegree, preferred) };
}

/**
 * Finds a cycle among the entries Kahn's algorithm could not order (in-degree left > 0): every one of them has a
 * predecessor among them, so walking predecessors must revisit an entry.
 */
function findCycle(
  group: readonly HookEntry[],
  predecessors: readonly Set<number>[],
  inDegree: readonly number[],
  preferred: HookEntry | undefined,
): string[] {
  const stuck = (i: number): boolean => inDegree[i]! > 0;
  const preferredIndex = preferred === undefined ? -1 : group.indexOf(preferred);
  let start = preferredIndex >= 0 && stuck(preferredIndex) ? preferredIndex : inDegree.findIndex((d) => d > 0);
  const seenAt = new Map<number, number>();
  const walk: number[] = [];
  let at = start;
  while (!seenAt.has(at)) {
    seenAt.set(at, walk.length);
    walk.push(at);
    let next = -1;
    for (const p of predecessors[at]!) {
      if (stuck(p)) {
        next = p;
        // Prefer closing the cycle through the preferred entry when it can.
        if (p === preferredIndex) break;
      }
    }
    at = next;
  }
  // walk[k..] followed backwards is a cycle: reverse it into run order (a runs before b ...).
  const loop = walk.slice(seenAt.get(at)!).reverse();
  const pivot = loop.indexOf(preferredIndex);
  start = Math.max(pivot, 0);
  const rotated = [...loop.slice(start), ...loop.slice(0, start)];
  return [...rotated, rotated[0]!].map((i) => group[i]!.id);
}
