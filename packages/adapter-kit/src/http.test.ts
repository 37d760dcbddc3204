import { inspect } from 'node:util';
import { AbortedError, RateLimitError, VendorError } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { createHttpClient, type HttpClientOptions, memoryTokenStore, parseRetryAfter, redactSecrets } from './http';
import { createRateBudget } from './rate-budget';

type Responder = (request: Request) => Response | Promise<Response>;

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/** A fake server: answers with the responders in order (the last one repeats) and records every request. */
function fakeFetch(...responders: Responder[]) {
  const requests: Request[] = [];
  const bodies: string[] = [];
  const fetch = (async (input: Request | string | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    requests.push(request);
    bodies.push(request.body === null ? '' : await request.clone().text());
    const responder = responders[Math.min(requests.length - 1, responders.length - 1)]!;
    return responder(request);
  }) as typeof globalThis.fetch;
  return { fetch, requests, bodies };
}

/** A fake clock whose sleep only records the wait and moves time on. */
function fakeTime() {
  const state = { now: 1_700_000_000_000, sleeps: [] as number[] };
  return {
    state,
    now: () => state.now,
    sleep: async (ms: number) => {
      state.sleeps.push(ms);
      state.now += ms;
    },
  };
}

const TOKEN = 'pat-na1-secret-token-0123456789';

function client(fetch: typeof globalThis.fetch, extra: Partial<HttpClientOptions> = {}) {
  const time = fakeTime();
  const http = createHttpClient({
    baseUrl: 'https://api.example.test',
    vendor: 'hubspot',
    credentials: { type: 'token', token: TOKEN },
    fetch,
    now: time.now,
    sleep: time.sleep,
    random: () => 0.5,
    ...extra,
  });
  return { http, time };
}

function serialise(error: unknown): string {
  const e = error as Error;
  return [
    String(e),
    e.message,
    e.stack ?? '',
    JSON.stringify(e),
    inspect(e, { depth: 10, showHidden: true }),
    inspect((e as { cause?: unknown }).cause, { depth: 10, showHidden: true }),
  ].join('\n');
}

describe('createHttpClient', () => {
  it('sends the bearer token, query and JSON body, and parses JSON', async () => {
    const { fetch, requests, bodies } = fakeFetch(() => json({ ok: 1 }));
    const { http } = client(fetch);
    const result = await http.post<{ ok: number }>('/crm/v3/objects/contacts/search', {
      searchParams: { limit: 10, properties: ['email', 'firstname'], after: undefined },
      json: { filterGroups: [] },
    });
    expect(result).toEqual({ ok: 1 });
    const request = requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.url).toBe(
      'https://api.example.test/crm/v3/objects/contacts/search?limit=10&properties=email&properties=firstname',
    );
    expect(request.headers.get('authorization')).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(bodies[0]!)).toEqual({ filterGroups: [] });
  });

  it('returns undefined for 204', async () => {
    const { fetch } = fakeFetch(() => new Response(null, { status: 204 }));
    const { http } = client(fetch);
    await expect(http.delete('/crm/v3/objects/contacts/1')).resolves.toBeUndefined();
  });

  it('retries a 429 after Retry-After seconds', async () => {
    const { fetch, requests } = fakeFetch(
      () => json({ message: 'slow down' }, 429, { 'retry-after': '2' }),
      () => json({ ok: true }),
    );
    const { http, time } = client(fetch);
    await expect(http.get('/x')).resolves.toEqual({ ok: true });
    expect(requests).toHaveLength(2);
    expect(time.state.sleeps).toEqual([2000]);
  });

  it('retries a 429 after a Retry-After HTTP date', async () => {
    const time = fakeTime();
    const at = new Date(time.state.now + 5000).toUTCString();
    const { fetch } = fakeFetch(
      () => json({}, 429, { 'retry-after': at }),
      () => json({ ok: true }),
    );
    const { http } = client(fetch, { now: time.now, sleep: time.sleep });
    await http.get('/x');
    // HTTP dates have a resolution of one second.
    expect(time.state.sleeps[0]).toBeGreaterThan(4000);
    expect(time.state.sleeps[0]).toBeLessThanOrEqual(5000);
  });

  it('waits the vendor window when a 429 has no Retry-After but says remaining 0', async () => {
    const { fetch } = fakeFetch(
      () =>
        json({}, 429, {
          'x-hubspot-ratelimit-remaining': '0',
          'x-hubspot-ratelimit-interval-milliseconds': '10000',
        }),
      () => json({}),
    );
    const { http, time } = client(fetch);
    await http.get('/x');
    expect(time.state.sleeps).toEqual([10_000]);
  });

  it('uses full jitter within [0, base * 2^n)', async () => {
    for (const r of [0, 0.25, 0.999]) {
      const { fetch } = fakeFetch(
        () => json({}, 503),
        () => json({}, 503),
        () => json({}, 503),
        () => json({}),
      );
      const { http, time } = client(fetch, { random: () => r, baseDelayMs: 100 });
      await http.get('/x');
      expect(time.state.sleeps).toEqual([r * 100, r * 200, r * 400]);
      for (const [n, ms] of time.state.sleeps.entries()) {
        expect(ms).toBeGreaterThanOrEqual(0);
        expect(ms).toBeLessThan(100 * 2 ** n);
      }
    }
  });

  it('caps one backoff step at maxDelayMs', async () => {
    const { fetch } = fakeFetch(...Array.from({ length: 6 }, () => () => json({}, 500)), () => json({}));
    const { http, time } = client(fetch, { random: () => 0.999, baseDelayMs: 1000, maxDelayMs: 3000, maxWaitMs: 1e9 });
    await http.get('/x');
    expect(Math.max(...time.state.sleeps)).toBeLessThan(3000);
  });

  it('throws RateLimitError with retryAfterMs when the wait budget is exhausted', async () => {
    const { fetch, requests } = fakeFetch(() => json({}, 429, { 'retry-after': '20', 'x-request-id': 'req-9' }));
    const { http, time } = client(fetch, { maxWaitMs: 30_000 });
    const error = await http.get('/x').catch((e: unknown) => e);
    expect(RateLimitError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', vendor: 'hubspot', retryAfterMs: 20_000, requestId: 'req-9' });
    // One wait of 20 s fits into 30 s; the second would not.
    expect(time.state.sleeps).toEqual([20_000]);
    expect(requests).toHaveLength(2);
  });

  it('retries a 5xx and then succeeds', async () => {
    const { fetch, requests } = fakeFetch(
      () => json({}, 502),
      () => json({}, 500),
      () => json({ id: '1' }),
    );
    const { http } = client(fetch);
    await expect(http.put('/x', { json: {} })).resolves.toEqual({ id: '1' });
    expect(requests).toHaveLength(3);
  });

  it('throws a retryable VendorError when 5xx outlasts the wait budget', async () => {
    const { fetch } = fakeFetch(() => json({}, 503, { 'retry-after': '10' }));
    const { http } = client(fetch, { maxWaitMs: 25_000 });
    const error = await http.get('/x').catch((e: unknown) => e);
    expect(VendorError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'VENDOR_ERROR', status: 503, retryable: true });
  });

  it('does not retry a POST on 5xx unless it is marked idempotent', async () => {
    const first = fakeFetch(
      () => json({}, 500),
      () => json({ ok: 1 }),
    );
    const { http } = client(first.fetch);
    const error = await http.post('/x', { json: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 500, retryable: true });
    expect(first.requests).toHaveLength(1);

    const second = fakeFetch(
      () => json({}, 500),
      () => json({ ok: 1 }),
    );
    const { http: http2 } = client(second.fetch);
    await expect(http2.post('/x', { json: {}, idempotent: true })).resolves.toEqual({ ok: 1 });
    expect(second.requests).toHaveLength(2);
  });

  it('retries a POST on 429 (the vendor did not process it)', async () => {
    const { fetch, requests } = fakeFetch(
      () => json({}, 429, { 'retry-after': '1' }),
      () => json({ ok: 1 }),
    );
    const { http } = client(fetch);
    await expect(http.post('/x', { json: {} })).resolves.toEqual({ ok: 1 });
    expect(requests).toHaveLength(2);
  });

  it('retries network errors for idempotent methods only', async () => {
    const failing = fakeFetch(
      () => {
        throw new TypeError('fetch failed');
      },
      () => json({ ok: 1 }),
    );
    const { http } = client(failing.fetch);
    await expect(http.get('/x')).resolves.toEqual({ ok: 1 });

    const post = fakeFetch(() => {
      throw new TypeError('fetch failed');
    });
    const { http: http2 } = client(post.fetch);
    const error = await http2.post('/x').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'VENDOR_ERROR', status: undefined, retryable: true });
  });

  it('times out a hanging attempt and retries it', async () => {
    let calls = 0;
    const fetch = (async (input: Request) => {
      calls += 1;
      if (calls === 1) {
        return new Promise<Response>((_, reject) => {
          input.signal.addEventListener('abort', () => reject(input.signal.reason));
        });
      }
      return json({ ok: 1 });
    }) as unknown as typeof globalThis.fetch;
    const { http } = client(fetch, { timeoutMs: 20 });
    await expect(http.get('/x')).resolves.toEqual({ ok: 1 });
    expect(calls).toBe(2);
  });

  it('wraps non-2xx into VendorError with status, request id and retryable', async () => {
    const { fetch } = fakeFetch(() =>
      json({ status: 'error', message: 'Object not found', correlationId: 'c-1' }, 404, {
        'x-hubspot-correlation-id': 'corr-123',
      }),
    );
    const { http } = client(fetch);
    const error = await http.get('/crm/v3/objects/contacts/9').catch((e: unknown) => e);
    expect(VendorError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ vendor: 'hubspot', status: 404, requestId: 'corr-123', retryable: false });
    expect((error as Error).message).toContain('GET /crm/v3/objects/contacts/9');
    expect((error as Error).message).toContain('Object not found');
  });

  it('reads the request id from configured header names', async () => {
    const { fetch } = fakeFetch(() => json({}, 400, { 'x-vendor-trace': 'trace-7', 'x-request-id': 'other' }));
    const { http } = client(fetch, { requestIdHeaders: ['x-vendor-trace'] });
    await expect(http.get('/x')).rejects.toMatchObject({ requestId: 'trace-7' });
  });

  it('cuts the body excerpt short and redacts secrets in it', async () => {
    const body = JSON.stringify({ access_token: 'abc-secret-xyz', echo: `Bearer ${TOKEN}`, filler: 'x'.repeat(2000) });
    const { fetch } = fakeFetch(() => new Response(body, { status: 400 }));
    const { http } = client(fetch);
    const error = (await http.get('/x').catch((e: unknown) => e)) as Error;
    expect(error.message.length).toBeLessThan(400);
    expect(error.message).not.toContain('abc-secret-xyz');
    expect(serialise(error)).not.toContain(TOKEN);
  });

  it('never puts the token into errors (status, network, timeout, query secrets)', async () => {
    const cases: Responder[] = [
      (request) => json({ echoed: request.headers.get('authorization') }, 401),
      (request) => new Response(`your header was ${request.headers.get('authorization')}`, { status: 500 }),
      (request) => {
        throw new TypeError(`connect failed for ${request.headers.get('authorization')}`);
      },
    ];
    for (const responder of cases) {
      const { fetch } = fakeFetch(responder);
      const { http } = client(fetch, { maxRetries: 1 });
      const error = await http.get('/x', { searchParams: { hapikey: 'query-secret' } }).catch((e: unknown) => e);
      expect(VendorError.isInstance(error)).toBe(true);
      const text = serialise(error);
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain('query-secret');
    }
  });

  describe('AbortSignal', () => {
    it('cancels a backoff wait', async () => {
      const { fetch, requests } = fakeFetch(() => json({}, 429, { 'retry-after': '5' }));
      const controller = new AbortController();
      const { http } = client(fetch, {
        sleep: () => {
          controller.abort();
          return new Promise(() => {});
        },
      });
      await expect(http.get('/x', { signal: controller.signal })).rejects.toSatisfy(AbortedError.isInstance);
      expect(requests).toHaveLength(1);
    });

    it('cancels a request on the wire', async () => {
      const controller = new AbortController();
      const fetch = ((input: Request) =>
        new Promise<Response>((_, reject) => {
          input.signal.addEventListener('abort', () => reject(input.signal.reason));
          setTimeout(() => controller.abort(), 1);
        })) as unknown as typeof globalThis.fetch;
      const { http } = client(fetch);
      await expect(http.get('/x', { signal: controller.signal })).rejects.toSatisfy(AbortedError.isInstance);
    });

    it('refuses to start when already aborted', async () => {
      const { fetch, requests } = fakeFetch(() => json({}));
      const { http } = client(fetch);
      await expect(http.get('/x', { signal: AbortSignal.abort() })).rejects.toSatisfy(AbortedError.isInstance);
      expect(requests).toHaveLength(0);
    });

    it('cancels a wait for the rate budget', async () => {
      const time = fakeTime();
      const budget = createRateBudget({
        capacity: 1,
        windowMs: 1000,
        now: time.now,
        sleep: () => new Promise(() => {}),
      });
      const { fetch } = fakeFetch(() => json({}));
      const { http } = client(fetch, { budget });
      await http.get('/x');
      const controller = new AbortController();
      const pending = http.get('/x', { signal: controller.signal });
      controller.abort();
      await expect(pending).rejects.toSatisfy(AbortedError.isInstance);
    });
  });

  describe('rate budget', () => {
    it('acquires before each attempt and resyncs from the response headers', async () => {
      const time = fakeTime();
      const budget = createRateBudget({ capacity: 10, windowMs: 1000, now: time.now, sleep: time.sleep });
      const { fetch } = fakeFetch(() => json({}, 200, { 'x-hubspot-ratelimit-remaining': '3' }));
      const { http } = client(fetch, { budget, now: time.now, sleep: time.sleep });
      await http.get('/x');
      expect(budget.available()).toBe(3);
    });
  });

  describe('OAuth 2', () => {
    const REFRESH = 'refresh-secret-abcdef';

    function oauth(initial: { accessToken: string; expiresAt?: number }, responder: Responder) {
      const time = fakeTime();
      const store = memoryTokenStore({ ...initial, refreshToken: REFRESH });
      let refreshes = 0;
      const refresh = async (refreshToken: string) => {
        expect(refreshToken).toBe(REFRESH);
        refreshes += 1;
        await new Promise((resolve) => setTimeout(resolve, 5));
        return { accessToken: `access-${refreshes}`, expiresAt: time.state.now + 3_600_000 };
      };
      const { fetch, requests } = fakeFetch(responder);
      const http = createHttpClient({
        baseUrl: 'https://api.example.test',
        vendor: 'hubspot',
        credentials: { type: 'oauth2', tokenStore: store, refresh },
        fetch,
        now: time.now,
        sleep: time.sleep,
      });
      return { http, store, requests, time, refreshes: () => refreshes };
    }

    const echoAuth: Responder = (request) =>
      request.headers.get('authorization') === 'Bearer old-access' ? json({}, 401) : json({ ok: 1 });

    it('refreshes an expired token (with 60 s skew) once for concurrent requests', async () => {
      const time = fakeTime();
      const setup = oauth({ accessToken: 'old-access', expiresAt: time.state.now + 30_000 }, echoAuth);
      await Promise.all([setup.http.get('/a'), setup.http.get('/b'), setup.http.get('/c')]);
      expect(setup.refreshes()).toBe(1);
      expect(setup.requests.map((r) => r.headers.get('authorization'))).toEqual([
        'Bearer access-1',
        'Bearer access-1',
        'Bearer access-1',
      ]);
      expect(await setup.store.get()).toMatchObject({ accessToken: 'access-1', refreshToken: REFRESH });
    });

    it('does not refresh a token that is valid for more than 60 s', async () => {
      const time = fakeTime();
      const setup = oauth({ accessToken: 'still-good', expiresAt: time.state.now + 61_000 }, () => json({ ok: 1 }));
      await setup.http.get('/a');
      expect(setup.refreshes()).toBe(0);
      expect(setup.requests[0]!.headers.get('authorization')).toBe('Bearer still-good');
    });

    it('refreshes on a 401 once, single flight, and retries', async () => {
      const setup = oauth({ accessToken: 'old-access' }, echoAuth);
      const results = await Promise.all([setup.http.get('/a'), setup.http.get('/b'), setup.http.get('/c')]);
      expect(results).toEqual([{ ok: 1 }, { ok: 1 }, { ok: 1 }]);
      expect(setup.refreshes()).toBe(1);
      expect(setup.requests).toHaveLength(6);
    });

    it('gives up after one refresh when the vendor still answers 401, without leaking tokens', async () => {
      const setup = oauth({ accessToken: 'old-access' }, (request) =>
        json({ message: `bad token ${request.headers.get('authorization')}` }, 401),
      );
      const error = await setup.http.get('/a').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'VENDOR_ERROR', status: 401, retryable: false });
      expect(setup.refreshes()).toBe(1);
      const text = serialise(error);
      for (const secret of ['old-access', 'access-1', REFRESH]) expect(text).not.toContain(secret);
    });

    it('wraps a failing refresh without leaking the refresh token', async () => {
      const store = memoryTokenStore({ accessToken: 'old-access', refreshToken: REFRESH, expiresAt: 0 });
      const { fetch } = fakeFetch(() => json({}));
      const http = createHttpClient({
        baseUrl: 'https://api.example.test',
        vendor: 'hubspot',
        credentials: {
          type: 'oauth2',
          tokenStore: store,
          refresh: async (token) => {
            throw new Error(`invalid_grant for ${token}`);
          },
        },
        fetch,
      });
      const error = await http.get('/a').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'VENDOR_ERROR', status: 401, retryable: false });
      expect(serialise(error)).not.toContain(REFRESH);
    });
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter('0.5', 0)).toBe(500);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:10 GMT', 4000)).toBe(6000);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:10 GMT', 20_000)).toBe(0);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(null, 0)).toBeUndefined();
  });
});

describe('redactSecrets', () => {
  it('removes known secrets, bearer tokens and credential-like fields', () => {
    const out = redactSecrets('{"refresh_token":"r1","client_secret":"s2"} Bearer abc.def key=zzz1 x=1 hapikey=hh', [
      'zzz1',
    ]);
    expect(out).not.toMatch(/r1|s2|abc\.def|zzz1|hh/);
    expect(out).toContain('x=1');
  });
});
