/**
 * Test-only: a fake {@link Clock} whose time moves only when a test says so. Not exported from the package.
 *
 * Timers fire in time order (ties in the order they were set); between timers, pending promise callbacks run, so
 * code that awaits a store between two sleeps behaves as it would on a real clock, only instantly.
 *
 * @module
 */
import type { Clock } from './clock';

/** A view of a {@link FakeClock} as one simulated process sees it. */
export interface FakeProcessClock extends Clock {
  /** Simulates the death of the process: its pending timers never fire, and timers it sets later never fire. */
  kill(): void;
  /** True after {@link FakeProcessClock.kill}. */
  readonly killed: boolean;
}

/** A fake clock for tests: see {@link createTestClock}. */
export interface FakeClock extends Clock {
  /** Moves time forward by `ms`, firing the timers that fall due in order and letting promises settle around each. */
  advance(ms: number): Promise<void>;
  /** Lets pending promise callbacks run without moving time. */
  settle(): Promise<void>;
  /**
   * Fires timers in time order until `promise` settles and returns its outcome. Throws when the promise is still
   * pending with no timer left (a deadlock), or when it would need more than `maxMs` of fake time.
   */
  run<T>(promise: Promise<T>, options?: { maxMs?: number }): Promise<T>;
  /** Number of timers waiting to fire. */
  pending(): number;
  /** A view of this clock for one simulated process: same time, but {@link FakeProcessClock.kill} drops its timers. */
  process(): FakeProcessClock;
}

interface Timer {
  id: number;
  at: number;
  fn: () => void;
  owner: number;
}

type Defer = (fn: () => void) => void;

/** One macrotask turn: every promise callback queued before it runs first. */
const defer: Defer = (() => {
  const g = globalThis as unknown as { setImmediate?: Defer; setTimeout: (fn: () => void, ms: number) => unknown };
  return g.setImmediate ? (fn) => g.setImmediate?.(fn) : (fn) => g.setTimeout(fn, 0);
})();

/**
 * Creates a fake clock starting at `start` (ms since the epoch; default `2026-01-01T00:00:00Z`).
 *
 * @example
 * ```ts
 * const clock = createTestClock();
 * const done = sleep(clock, 1000);
 * await clock.advance(1000); // `done` has resolved
 * ```
 */
export function createTestClock(start = Date.UTC(2026, 0, 1)): FakeClock {
  let now = start;
  let nextId = 1;
  let nextOwner = 1;
  const timers = new Map<number, Timer>();
  const dead = new Set<number>();

  const settle = async (): Promise<void> => {
    for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => defer(resolve));
  };
  const earliest = (): Timer | undefined => {
    let best: Timer | undefined;
    for (const timer of timers.values()) if (!best || timer.at < best.at) best = timer; // Map keeps set order: ties by id
    return best;
  };
  const fire = (timer: Timer): void => {
    timers.delete(timer.id);
    now = Math.max(now, timer.at);
    if (!dead.has(timer.owner)) timer.fn();
  };
  const setTimer = (owner: number, fn: () => void, ms: number): number => {
    const id = nextId++;
    if (!dead.has(owner)) timers.set(id, { id, at: now + Math.max(0, Number.isFinite(ms) ? ms : 0), fn, owner });
    return id;
  };
  const clearTimer = (handle: unknown): void => {
    timers.delete(handle as number);
  };

  return {
    now: () => now,
    setTimeout: (fn, ms) => setTimer(0, fn, ms),
    clearTimeout: clearTimer,
    settle,
    pending: () => timers.size,
    async advance(ms) {
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
      let done = false;
      let ok = false;
      let outcome: unknown;
      promise.then(
        (value) => {
          done = true;
          ok = true;
          outcome = value;
        },
        (error: unknown) => {
          done = true;
          outcome = error;
        },
      );
      for (;;) {
        await settle();
        if (done) {
          if (ok) return outcome as Awaited<typeof promise>;
          throw outcome;
        }
        const next = earliest();
        if (!next) throw new Error('test clock: the promise is still pending and no timer is left (a deadlock)');
        if (next.at > deadline) throw new Error('test clock: the promise is still pending after maxMs');
        fire(next);
      }
    },
    process() {
      const owner = nextOwner++;
      return {
        now: () => now,
        setTimeout: (fn, ms) => setTimer(owner, fn, ms),
        clearTimeout: clearTimer,
        kill() {
          dead.add(owner);
          for (const timer of [...timers.values()]) if (timer.owner === owner) timers.delete(timer.id);
        },
        get killed() {
          return dead.has(owner);
        },
      };
    },
  };
}
