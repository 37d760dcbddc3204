import { runtime } from './runtime';

/**
 * Time as the Hub sees it. The default uses the runtime's clock and timers; tests pass a fake one (see
 * `createFakeClock` in `@crmkit/testing`) to drive workflows, retries and schedules without waiting.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` after `ms` milliseconds; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The runtime's clock: `Date.now()` and the global timers (present in every JavaScript runtime crmkit supports). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => runtime.setTimeout(fn, ms),
  clearTimeout: (handle) => runtime.clearTimeout(handle),
};

/** Waits `ms` on `clock`; rejects with the signal's reason when `signal` aborts first. */
export function sleep(
  clock: Clock,
  ms: number,
  signal?: {
    aborted: boolean;
    addEventListener?: (type: 'abort', fn: () => void) => void;
    removeEventListener?: (type: 'abort', fn: () => void) => void;
    reason?: unknown;
  },
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(signal?.reason);
    };
    const handle = clock.setTimeout(
      () => {
        signal?.removeEventListener?.('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener?.('abort', onAbort);
  });
}
