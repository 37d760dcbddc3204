/** Rolling-window rate limits per access token, plus a daily counter. */
import type { HubspotRateLimit } from './types';

/** Result of {@link RollingRateLimiter.take}. */
export interface RateDecision {
  allowed: boolean;
  remaining: number;
}

/** A rolling window limiter: at most `max` requests in any `intervalMs` per key. */
export class RollingRateLimiter {
  private readonly windows = new Map<string, number[]>();

  constructor(
    readonly limit: HubspotRateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a request for `key` if it fits; returns whether it did and how many remain. */
  take(key: string): RateDecision {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window) {
      window = [];
      this.windows.set(key, window);
    }
    const since = now - this.limit.intervalMs;
    let drop = 0;
    while (drop < window.length && (window[drop] ?? 0) <= since) drop++;
    if (drop > 0) window.splice(0, drop);
    if (window.length >= this.limit.max) return { allowed: false, remaining: 0 };
    window.push(now);
    return { allowed: true, remaining: this.limit.max - window.length };
  }

  /** Requests left in the current window for `key`. */
  remaining(key: string): number {
    const since = this.now() - this.limit.intervalMs;
    const window = this.windows.get(key) ?? [];
    return Math.max(0, this.limit.max - window.filter((t) => t > since).length);
  }
}

/** A daily request counter per key (resets at UTC midnight). */
export class DailyCounter {
  private day = '';
  private readonly counts = new Map<string, number>();

  constructor(
    readonly max: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a request; returns whether it is within the daily limit and what remains. */
  take(key: string): RateDecision {
    const day = new Date(this.now()).toISOString().slice(0, 10);
    if (day !== this.day) {
      this.day = day;
      this.counts.clear();
    }
    const used = this.counts.get(key) ?? 0;
    if (used >= this.max) return { allowed: false, remaining: 0 };
    this.counts.set(key, used + 1);
    return { allowed: true, remaining: this.max - used - 1 };
  }
}
