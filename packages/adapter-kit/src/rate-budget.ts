/**
 * A token bucket per credential, shared by every client in the process that uses the same credential key.
 *
 * @module
 */

import { AbortedError, InvalidArgumentError } from '@crmkit/model';
import { defaultSleep } from './timers';
import { headerValue } from './headers';

/** Whether a call serves a person waiting for it (`interactive`) or a sync running in the background. */
export type RequestPriority = 'interactive' | 'background';

/** Names of the response headers that report the vendor's view of the budget. */
export interface RateLimitHeaderNames {
  /** Requests left in the current window. */
  remaining: string;
  /** Requests allowed per window. */
  max: string;
  /** Length of the window in milliseconds. */
  intervalMs: string;
}

/** HubSpot's rate-limit headers (`X-HubSpot-RateLimit-Remaining`, `-Max`, `-Interval-Milliseconds`). */
export const HUBSPOT_RATE_LIMIT_HEADERS: RateLimitHeaderNames = {
  remaining: 'x-hubspot-ratelimit-remaining',
  max: 'x-hubspot-ratelimit-max',
  intervalMs: 'x-hubspot-ratelimit-interval-milliseconds',
};

/** Shape and behaviour of a {@link RateBudget}. */
export interface RateBudgetOptions {
  /** Requests allowed per window (the bucket's size). */
  capacity: number;
  /** Length of the window in milliseconds; the bucket refills `capacity` tokens per window, continuously. */
  windowMs: number;
  /** Tokens background calls may not use, kept for interactive calls. Default 0. */
  reserveForInteractive?: number;
  /**
   * Lend the reserve to background calls while no interactive call was made in the last window (a sync running
   * alone gets the whole limit; the reserve is back as soon as interactive traffic is). Default true.
   */
  lendIdleReserve?: boolean;
  /**
   * How used tokens come back. `continuous` (default): the bucket refills `capacity` per window evenly.
   * `rolling`: each token comes back `windowMs` (plus `marginMs`) after it was taken — the exact model of a vendor
   * that counts requests in a rolling window (HubSpot's `TEN_SECONDLY_ROLLING`), so a client takes the full burst the
   * vendor allows and then exactly the pace at which the window frees up, without 429s.
   */
  refill?: 'continuous' | 'rolling';
  /** `rolling` only: extra time before a token comes back, for the request's travel to the vendor. Default 100 ms. */
  marginMs?: number;
  /** Header names read by {@link RateBudget.updateFromHeaders}. Default {@link HUBSPOT_RATE_LIMIT_HEADERS}. */
  headers?: RateLimitHeaderNames;
  /** Clock in milliseconds; injectable for tests. Default `Date.now`. */
  now?: () => number;
  /** Waits `ms` milliseconds; injectable for tests. Need not honour `signal`: the budget races it anyway. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Defaults modelled on HubSpot's published burst limit for private apps on Professional and Enterprise accounts:
 * 190 requests per 10 seconds per app (Free and Starter accounts: 100 per 10 s). Source:
 * https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details (section "Rate limits"). 19 tokens (10 %)
 * are reserved for interactive calls (lent to background calls while none was made in the last window). The window is
 * rolling, as HubSpot counts it. Pass a smaller `capacity` for lower tiers; the response headers resync the
 * bucket either way.
 */
export const HUBSPOT_PRIVATE_APP_RATE_LIMIT: Readonly<Required<Pick<RateBudgetOptions, 'capacity' | 'windowMs'>>> & {
  readonly reserveForInteractive: number;
  readonly refill: 'rolling';
} = {
  capacity: 190,
  windowMs: 10_000,
  reserveForInteractive: 19,
  refill: 'rolling',
};

/** Options of {@link RateBudget.acquire}. */
export interface AcquireOptions {
  /** Default `interactive`. Background calls never take the tokens reserved for interactive ones. */
  priority?: RequestPriority;
  /** Cancels the wait with an `AbortedError`. */
  signal?: AbortSignal;
}

/** A token bucket. Get a shared one with {@link getRateBudget} or a private one with {@link createRateBudget}. */
export interface RateBudget {
  /** Requests allowed per window (may change through {@link RateBudget.updateFromHeaders}). */
  readonly capacity: number;
  /** Window length in milliseconds. */
  readonly windowMs: number;
  /** Tokens kept for interactive calls. */
  readonly reserveForInteractive: number;
  /** Tokens available now (fractional while refilling). */
  available(): number;
  /** Resolves once a token is taken for one request; rejects with `AbortedError` when `signal` aborts first. */
  acquire(options?: AcquireOptions): Promise<void>;
  /**
   * Resyncs the bucket with the vendor's view from a response's headers: a lower `remaining` than the bucket holds
   * wins (other processes share the account), and `max`/`interval` replace `capacity`/`windowMs` when present.
   */
  updateFromHeaders(headers: Headers | Record<string, string | undefined>): void;
}

/** Races `sleep(ms)` with `signal`; rejects with `AbortedError` on abort. */
export function abortableSleep(
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (signal?.aborted) return Promise.reject(new AbortedError({ cause: signal.reason }));
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(new AbortedError({ cause: signal?.reason }));
    signal?.addEventListener('abort', onAbort, { once: true });
    sleep(ms, signal).then(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal?.removeEventListener('abort', onAbort);
        reject(signal?.aborted ? new AbortedError({ cause: signal.reason }) : error);
      },
    );
  });
}

function validate(options: RateBudgetOptions): void {
  if (!(options.capacity >= 1)) {
    throw new InvalidArgumentError({ argument: 'capacity', message: '[crmkit/adapter-kit] capacity must be >= 1.' });
  }
  if (!(options.windowMs > 0)) {
    throw new InvalidArgumentError({ argument: 'windowMs', message: '[crmkit/adapter-kit] windowMs must be > 0.' });
  }
  const reserve = options.reserveForInteractive ?? 0;
  if (!(reserve >= 0 && reserve < options.capacity)) {
    throw new InvalidArgumentError({
      argument: 'reserveForInteractive',
      message: '[crmkit/adapter-kit] reserveForInteractive must be >= 0 and below capacity.',
    });
  }
}

function readHeader(headers: Headers | Record<string, string | undefined>, name: string): number | undefined {
  const raw = headerValue(headers, name);
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * The tokens a call of `priority` must leave: none for interactive calls; the reserve for background calls, unless it
 * is lent to them because no interactive call was made in the last window.
 */
function reserveFloor(
  options: RateBudgetOptions,
  windowMs: () => number,
  capacity: () => number,
): (priority: RequestPriority, t: number) => number {
  const reserve = options.reserveForInteractive ?? 0;
  const lend = options.lendIdleReserve ?? true;
  let lastInteractive = Number.NEGATIVE_INFINITY;
  return (priority, t) => {
    if (priority !== 'background') {
      lastInteractive = t;
      return 0;
    }
    if (lend && t - lastInteractive > windowMs()) return 0;
    return Math.min(reserve, capacity() - 1);
  };
}

/** Creates a private (unshared) token bucket; it starts full. */
export function createRateBudget(options: RateBudgetOptions): RateBudget {
  validate(options);
  return options.refill === 'rolling' ? createRollingBudget(options) : createContinuousBudget(options);
}

function createContinuousBudget(options: RateBudgetOptions): RateBudget {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const names = options.headers ?? HUBSPOT_RATE_LIMIT_HEADERS;
  let capacity = options.capacity;
  let windowMs = options.windowMs;
  const reserveForInteractive = options.reserveForInteractive ?? 0;
  let tokens = capacity;
  let last = now();
  const floorFor = reserveFloor(
    options,
    () => windowMs,
    () => capacity,
  );

  const refill = () => {
    const t = now();
    if (t > last) tokens = Math.min(capacity, tokens + ((t - last) * capacity) / windowMs);
    last = t;
  };

  return {
    get capacity() {
      return capacity;
    },
    get windowMs() {
      return windowMs;
    },
    reserveForInteractive,
    available() {
      refill();
      return tokens;
    },
    async acquire({ priority = 'interactive', signal }: AcquireOptions = {}) {
      for (;;) {
        if (signal?.aborted) throw new AbortedError({ cause: signal.reason });
        refill();
        const floor = floorFor(priority, now());
        if (tokens - floor >= 1) {
          tokens -= 1;
          return;
        }
        const waitMs = Math.max(1, Math.ceil(((floor + 1 - tokens) * windowMs) / capacity));
        await abortableSleep(sleep, waitMs, signal);
      }
    },
    updateFromHeaders(headers) {
      refill();
      const max = readHeader(headers, names.max);
      const interval = readHeader(headers, names.intervalMs);
      if (max !== undefined && max >= 1) capacity = max;
      if (interval !== undefined && interval > 0) windowMs = interval;
      const remaining = readHeader(headers, names.remaining);
      tokens = Math.min(tokens, capacity, remaining ?? Number.POSITIVE_INFINITY);
    },
  };
}

/** A rolling-window budget: the times tokens were taken, each returning `windowMs + marginMs` later. */
function createRollingBudget(options: RateBudgetOptions): RateBudget {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const names = options.headers ?? HUBSPOT_RATE_LIMIT_HEADERS;
  const marginMs = options.marginMs ?? 100;
  let capacity = options.capacity;
  let windowMs = options.windowMs;
  const reserveForInteractive = options.reserveForInteractive ?? 0;
  /** When each token in use was taken, oldest first. */
  let taken: number[] = [];
  let head = 0;
  const floorFor = reserveFloor(
    options,
    () => windowMs,
    () => capacity,
  );

  const expire = (t: number) => {
    while (head < taken.length && (taken[head] as number) + windowMs + marginMs <= t) head++;
    if (head > 1024 && head * 2 > taken.length) {
      taken = taken.slice(head);
      head = 0;
    }
  };
  const inUse = () => taken.length - head;

  return {
    get capacity() {
      return capacity;
    },
    get windowMs() {
      return windowMs;
    },
    reserveForInteractive,
    available() {
      expire(now());
      return Math.max(0, capacity - inUse());
    },
    async acquire({ priority = 'interactive', signal }: AcquireOptions = {}) {
      for (;;) {
        if (signal?.aborted) throw new AbortedError({ cause: signal.reason });
        const t = now();
        expire(t);
        const floor = floorFor(priority, t);
        const free = capacity - floor - inUse();
        if (free >= 1) {
          taken.push(t);
          return;
        }
        // The token that must come back before this call may go: the (1 - free)-th oldest in use.
        const returning = taken[head + (0 - free)] ?? t;
        const waitMs = Math.max(1, Math.ceil(returning + windowMs + marginMs - t));
        await abortableSleep(sleep, waitMs, signal);
      }
    },
    updateFromHeaders(headers) {
      const t = now();
      expire(t);
      const max = readHeader(headers, names.max);
      const interval = readHeader(headers, names.intervalMs);
      if (max !== undefined && max >= 1) capacity = max;
      if (interval !== undefined && interval > 0) windowMs = interval;
      const remaining = readHeader(headers, names.remaining);
      // The vendor counts more in its window than this process took (other processes share the account): count
      // the difference as taken now, the latest they can come back.
      if (remaining !== undefined)
        for (let missing = capacity - remaining - inUse(); missing > 0; missing--) taken.push(t);
    },
  };
}

const registry = new Map<string, RateBudget>();

/**
 * Returns the process-wide budget for a credential `key` (for example `hubspot:portal-123`), creating it with
 * `options` on the first call; later calls with the same key get the same instance and their options are ignored.
 *
 * The registry lives in this process only: several processes (or machines) that share one vendor account each
 * keep their own bucket. Sharing across processes needs a shared store (e.g. Redis) and is not done here; the
 * vendor's rate-limit headers ({@link RateBudget.updateFromHeaders}) narrow the gap.
 */
export function getRateBudget(key: string, options: RateBudgetOptions): RateBudget {
  let budget = registry.get(key);
  if (budget === undefined) {
    budget = createRateBudget(options);
    registry.set(key, budget);
  }
  return budget;
}

/** Forgets the shared budget of `key`, or every shared budget without a key (for tests and reconfiguration). */
export function clearRateBudgets(key?: string): void {
  if (key === undefined) registry.clear();
  else registry.delete(key);
}
