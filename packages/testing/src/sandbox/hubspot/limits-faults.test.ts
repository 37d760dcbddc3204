import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHubspotSandbox } from './server';
import { apiClient } from './test-support';
import type { HubspotSandbox, HubspotSandboxOptions } from './types';

const open: HubspotSandbox[] = [];
async function start(options: HubspotSandboxOptions = {}): Promise<HubspotSandbox> {
  const sb = await createHubspotSandbox(options);
  open.push(sb);
  return sb;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((sb) => sb.close()));
});

describe('rate limits', () => {
  it('answers 429 like HubSpot once the rolling window is full', async () => {
    const sb = await start({ rateLimit: { max: 5, intervalMs: 1000 } });
    const api = apiClient(sb);
    for (let i = 0; i < 5; i++) {
      const res = await api('GET', '/crm/v3/objects/contacts');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-hubspot-ratelimit-remaining')).toBe(String(4 - i));
    }
    const sixth = await api('GET', '/crm/v3/objects/contacts');
    expect(sixth.status).toBe(429);
    expect(sixth.body).toEqual({
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      correlationId: expect.any(String),
      category: 'RATE_LIMITS',
      policyName: 'TEN_SECONDLY_ROLLING',
    });
    expect(sixth.headers.get('retry-after')).toBeNull();
    expect(sixth.headers.get('x-hubspot-ratelimit-max')).toBe('5');
    expect(sixth.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    expect(sixth.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('1000');
    expect(sixth.headers.get('x-hubspot-ratelimit-daily')).toBe('250000');
    expect(sixth.headers.get('x-hubspot-ratelimit-daily-remaining')).toBeDefined();
    expect(sb.stats().throttled).toBe(1);
    // Limits are per token; the control API is not limited.
    sb.createObject('contacts', { email: 'free@x.test' });
    await new Promise((r) => setTimeout(r, 1050));
    expect((await api('GET', '/crm/v3/objects/contacts')).status).toBe(200);
  });
});

describe('faults', () => {
  async function statuses(seed: number): Promise<number[]> {
    const sb = await start({ rateLimit: { max: 1000, intervalMs: 1000 } });
    sb.faults.set({ seed, error5xx: 0.3, rateLimit429: 0.1, slow: 0.1, slowMs: [1, 5] });
    const api = apiClient(sb);
    const out: number[] = [];
    for (let i = 0; i < 30; i++) out.push((await api('GET', '/crm/v3/objects/contacts')).status);
    return out;
  }

  it('are deterministic per seed', async () => {
    const a = await statuses(7);
    const b = await statuses(7);
    const c = await statuses(8);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.some((s) => s >= 500)).toBe(true);
    expect(a.filter((s) => s >= 500).every((s) => [500, 502, 503].includes(s))).toBe(true);
    expect(a).toContain(429);
  });

  it('5xx answers are HubSpot-shaped and may come after the write was applied', async () => {
    const sb = await start();
    const api = apiClient(sb);
    sb.faults.set({ seed: 1, error5xx: 1, applyBeforeFault: 1 });
    const lost = await api('POST', '/crm/v3/objects/contacts', { properties: { email: 'applied@x.test' } });
    expect([500, 502, 503]).toContain(lost.status);
    expect(lost.body).toMatchObject({
      status: 'error',
      correlationId: expect.any(String),
      category: expect.any(String),
    });
    expect(sb.listObjects('contacts').map((o) => o.properties.email)).toEqual(['applied@x.test']);
    sb.faults.set({ seed: 1, error5xx: 1, applyBeforeFault: 0 });
    await api('POST', '/crm/v3/objects/contacts', { properties: { email: 'notapplied@x.test' } });
    expect(sb.listObjects('contacts')).toHaveLength(1);
    expect(sb.stats().faults).toMatchObject({ error5xx: 2, appliedBeforeFault: 1 });
    sb.faults.clear();
    expect((await api('GET', '/crm/v3/objects/contacts')).status).toBe(200);
  });

  it('timeouts hold the response until the client aborts, and close() still works', async () => {
    const sb = await start();
    sb.faults.set({ seed: 2, timeout: 1, applyBeforeFault: 1 });
    const api = apiClient(sb);
    // The client gives up once the sandbox holds the request (waiting for that, not for a fixed time: a loaded machine
    // may take longer than any fixed time to get the request there).
    const giveUp = new AbortController();
    const posting = api(
      'POST',
      '/crm/v3/objects/contacts',
      { properties: { email: 't@x.test' } },
      { signal: giveUp.signal },
    );
    await vi.waitUntil(() => sb.stats().faults.timeout === 1, { timeout: 20_000, interval: 10 });
    giveUp.abort();
    await expect(posting).rejects.toThrow();
    expect(sb.listObjects('contacts')).toHaveLength(1);
    // A held request still open when the sandbox closes.
    const pending = api('GET', '/crm/v3/objects/contacts').catch((error: unknown) => error);
    await vi.waitUntil(() => sb.stats().faults.timeout === 2, { timeout: 20_000, interval: 10 }); // it is held
    await sb.close();
    expect(await pending).toBeInstanceOf(Error);
    expect(sb.stats().faults.timeout).toBe(2);
  });
});
