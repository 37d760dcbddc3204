/**
 * A fake {@link Clock} for tests: time moves only when the test says so, timers fire in time order, and one clock
 * can be viewed as several simulated processes that can be killed. `@crmkit/testing` re-exports it (with the plugin
 * harness built on it); it lives here because a clock is a core concept and core's own tests use it.
 *
 * @module
 */
import type { Clock } from './clock';

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
  if (!Number.isFinite(ms)) throw new TypeError(`[crmkit] ${what}: ${String(time)} is not a time.`);
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
        throw new TypeError(`[crmkit] FakeClock.advance: ${String(ms)} is not a duration.`);
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
              `[crmkit] FakeClock.run: the promise is still pending after ${idleMs} ms of real time and no timer is left (a deadlock?).`,
            );
          }
          await realDelay(2);
          waited += 2;
          continue;
        }
        if (next.at > deadline) {
          throw new Error(`[crmkit] FakeClock.run: the promise is still pending after ${options.maxMs} ms.`);
        }
        waited = 0;
        fire(next);
      }
    },
  };
}
