import { AbortedError, InvalidArgumentError } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import {
  clearRateBudgets,
  createRateBudget,
  getRateBudget,
  HUBSPOT_PRIVATE_APP_RATE_LIMIT,
  type RateBudgetOptions,
} from './rate-budget';

function fakeTime() {
  const state = { now: 0, sleeps: [] as number[] };
  return {
    state,
    now: () => state.now,
    sleep: async (ms: number) => {
      state.sleeps.push(ms);
      state.now += ms;
    },
  };
}

function budget(options: Partial<RateBudgetOptions> = {}) {
  const time = fakeTime();
  const b = createRateBudget({ capacity: 10, windowMs: 1000, now: time.now, sleep: time.sleep, ...options });
  return { b, time };
}

describe('rate budget', () => {
  it('hands out capacity tokens at once, then refills at capacity per window', async () => {
    const { b, time } = budget();
    for (let i = 0; i < 10; i++) await b.acquire();
    expect(time.state.now).toBe(0);
    await b.acquire();
    // One token takes windowMs / capacity = 100 ms.
    expect(time.state.now).toBe(100);
    time.state.now += 10_000;
    expect(b.available()).toBe(10);
  });

  it('keeps the reserve for interactive calls', async () => {
    const { b, time } = budget({ reserveForInteractive: 3 });
    for (let i = 0; i < 7; i++) await b.acquire({ priority: 'background' });
    expect(time.state.now).toBe(0);
    // Interactive calls may use the reserve right away ...
    for (let i = 0; i < 3; i++) await b.acquire({ priority: 'interactive' });
    expect(time.state.now).toBe(0);
    // ... a background call waits until the bucket holds reserve + 1 tokens again.
    await b.acquire({ priority: 'background' });
    expect(time.state.now).toBe(400);
  });

  it('makes background calls wait while only the reserve is left', async () => {
    const { b, time } = budget({ reserveForInteractive: 9, lendIdleReserve: false });
    await b.acquire({ priority: 'background' });
    await b.acquire({ priority: 'background' });
    expect(time.state.now).toBe(100);
  });

  it('lends the reserve to background calls while no interactive call was made in the last window', async () => {
    const { b, time } = budget({ reserveForInteractive: 9 });
    for (let i = 0; i < 10; i++) await b.acquire({ priority: 'background' });
    expect(time.state.now, 'no interactive traffic: the whole bucket').toBe(0);
    time.state.now = 2000;
    await b.acquire();
    for (let i = 0; i < 2; i++) await b.acquire({ priority: 'background' });
    // One interactive call within the window: background calls leave the reserve alone again (each waits until
    // the bucket holds reserve + 1 tokens).
    expect(time.state.now).toBe(2000 + 2 * 100);
  });

  it('is shared by key', () => {
    clearRateBudgets();
    const a = getRateBudget('hubspot:portal-1', HUBSPOT_PRIVATE_APP_RATE_LIMIT);
    const b = getRateBudget('hubspot:portal-1', { capacity: 5, windowMs: 1 });
    const c = getRateBudget('hubspot:portal-2', HUBSPOT_PRIVATE_APP_RATE_LIMIT);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a.capacity).toBe(190);
    clearRateBudgets('hubspot:portal-1');
    expect(getRateBudget('hubspot:portal-1', { capacity: 5, windowMs: 1 })).not.toBe(a);
    clearRateBudgets();
  });

  it('shares tokens between users of the same key', async () => {
    clearRateBudgets();
    const time = fakeTime();
    const options = { capacity: 2, windowMs: 1000, now: time.now, sleep: time.sleep };
    await getRateBudget('k', options).acquire();
    await getRateBudget('k', options).acquire();
    expect(getRateBudget('k', options).available()).toBe(0);
    clearRateBudgets();
  });

  it('can be aborted while waiting', async () => {
    const b = createRateBudget({ capacity: 1, windowMs: 60_000 });
    await b.acquire();
    const controller = new AbortController();
    const pending = b.acquire({ signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toSatisfy(AbortedError.isInstance);
    await expect(b.acquire({ signal: AbortSignal.abort() })).rejects.toSatisfy(AbortedError.isInstance);
  });

  it('resyncs from the vendor headers', () => {
    const { b } = budget();
    b.updateFromHeaders(
      new Headers({
        'X-HubSpot-RateLimit-Remaining': '4',
        'X-HubSpot-RateLimit-Max': '100',
        'X-HubSpot-RateLimit-Interval-Milliseconds': '10000',
      }),
    );
    expect(b.available()).toBe(4);
    expect(b.capacity).toBe(100);
    expect(b.windowMs).toBe(10_000);
    // A higher remaining than the bucket holds does not add tokens (in-flight requests may not be counted yet).
    b.updateFromHeaders({ 'x-hubspot-ratelimit-remaining': '90' });
    expect(b.available()).toBe(4);
    // Garbage is ignored.
    b.updateFromHeaders({ 'x-hubspot-ratelimit-remaining': 'n/a' });
    expect(b.available()).toBe(4);
  });

  it('reads configurable header names', () => {
    const { b } = budget({
      headers: { remaining: 'x-ratelimit-remaining', max: 'x-ratelimit-limit', intervalMs: 'x-w' },
    });
    b.updateFromHeaders({ 'x-ratelimit-remaining': '1' });
    expect(b.available()).toBe(1);
  });

  it('rejects bad options', () => {
    expect(() => createRateBudget({ capacity: 0, windowMs: 1 })).toThrow(InvalidArgumentError);
    expect(() => createRateBudget({ capacity: 1, windowMs: 0 })).toThrow(InvalidArgumentError);
    expect(() => createRateBudget({ capacity: 2, windowMs: 1, reserveForInteractive: 2 })).toThrow(
      InvalidArgumentError,
    );
  });

  it('exports HubSpot private-app defaults', () => {
    expect(HUBSPOT_PRIVATE_APP_RATE_LIMIT).toEqual({
      capacity: 190,
      windowMs: 10_000,
      reserveForInteractive: 19,
      refill: 'rolling',
    });
  });
});

describe('rate budget with a rolling window', () => {
  const rolling = (options: Partial<RateBudgetOptions> = {}) => budget({ refill: 'rolling', marginMs: 5, ...options });

  it('takes the whole window at once, then goes as the oldest calls leave the window', async () => {
    const { b, time } = rolling();
    for (let i = 0; i < 10; i++) {
      await b.acquire();
      time.state.now += 10; // calls at 0, 10, ..., 90
    }
    expect(time.state.now).toBe(100);
    expect(b.available()).toBe(0);
    await b.acquire();
    // The call taken at 0 leaves the vendor's window at 1000 (+ the margin): no earlier, no later.
    expect(time.state.now).toBe(1005);
    await b.acquire();
    expect(time.state.now).toBe(1015);
    time.state.now = 5000;
    expect(b.available()).toBe(10);
  });

  it('paces a long run at exactly the window rate: 100 calls of a 10-per-second window take 9 windows', async () => {
    const { b, time } = rolling({ marginMs: 0 });
    for (let i = 0; i < 100; i++) await b.acquire();
    expect(time.state.now).toBe(9000);
  });

  it('keeps the reserve for interactive calls', async () => {
    const { b, time } = rolling({ reserveForInteractive: 2 });
    for (let i = 0; i < 8; i++) await b.acquire({ priority: 'background' });
    expect(time.state.now).toBe(0);
    await b.acquire();
    await b.acquire();
    expect(time.state.now, 'interactive calls use the reserve').toBe(0);
    await b.acquire({ priority: 'background' });
    expect(time.state.now).toBe(1005);
  });

  it('counts what other processes used when the vendor says fewer calls remain', async () => {
    const { b, time } = rolling();
    await b.acquire();
    time.state.now = 200;
    b.updateFromHeaders({ 'X-HubSpot-RateLimit-Remaining': '2' });
    expect(b.available()).toBe(2);
    await b.acquire();
    await b.acquire();
    expect(time.state.now).toBe(200);
    await b.acquire();
    // The call of this process taken at 0 comes back first.
    expect(time.state.now).toBe(1005);
    await b.acquire();
    // The others' calls are counted from when the headers told of them.
    expect(time.state.now).toBe(1205);
  });
});
