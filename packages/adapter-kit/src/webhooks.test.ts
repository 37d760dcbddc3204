import { createHash, createHmac } from 'node:crypto';
import { InvalidArgumentError } from '@crmkit/model';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  constantTimeEqual,
  hubspotSignatureUri,
  verifyHubspotRequest,
  verifyHubspotSignatureV1,
  verifyHubspotSignatureV2,
  verifyHubspotSignatureV3,
} from './webhooks';

const clientSecret = 'test-client-secret-0f3a9c';
const now = 1_764_000_000_000;
const url = 'https://crm.example.com/webhooks/hubspot?portal=42';
const body = JSON.stringify([{ eventId: 1, subscriptionType: 'contact.creation', objectId: 123, occurredAt: now }]);

/** Independent v3 signature with node:crypto: base64(HMAC-SHA256(secret, method + uri + body + timestamp)). */
function signV3(method: string, uri: string, rawBody: string, timestamp: string, secret = clientSecret): string {
  return createHmac('sha256', secret).update(`${method}${uri}${rawBody}${timestamp}`, 'utf8').digest('base64');
}

function v3(overrides: Partial<Parameters<typeof verifyHubspotSignatureV3>[0]> = {}) {
  const timestamp = String(now - 1000);
  return {
    method: 'POST',
    url,
    body,
    timestamp,
    signature: signV3('POST', url, body, timestamp),
    clientSecret,
    now,
    ...overrides,
  };
}

describe('verifyHubspotSignatureV3', () => {
  it('accepts a signature computed independently with node:crypto', async () => {
    expect(await verifyHubspotSignatureV3(v3())).toEqual({ valid: true });
  });

  it('matches a fixed known vector', async () => {
    const timestamp = '1700000000000';
    const signature = signV3('POST', 'https://example.com/hook', '{"a":1}', timestamp, 'secret');
    expect(signature).toBe(
      createHmac('sha256', 'secret').update('POSThttps://example.com/hook{"a":1}1700000000000').digest('base64'),
    );
    const result = await verifyHubspotSignatureV3({
      method: 'POST',
      url: 'https://example.com/hook',
      body: '{"a":1}',
      timestamp,
      signature,
      clientSecret: 'secret',
      now: 1_700_000_000_000,
    });
    expect(result).toEqual({ valid: true });
  });

  it('property: accepts any body, method and URL signed with the same secret; rejects another secret', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string(),
        fc.constantFrom('POST', 'GET', 'PUT'),
        fc.webUrl({ withQueryParameters: true }),
        async (rawBody, method, target) => {
          const timestamp = String(now);
          const signature = signV3(
            method,
            target.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (e) => decodeURIComponent(e)),
            rawBody,
            timestamp,
          );
          const input = { method, url: target, body: rawBody, timestamp, signature, clientSecret, now };
          expect(await verifyHubspotSignatureV3(input)).toEqual({ valid: true });
          expect(await verifyHubspotSignatureV3({ ...input, clientSecret: `${clientSecret}x` })).toEqual({
            valid: false,
            reason: 'bad-signature',
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('signs the body as UTF-8', async () => {
    const unicode = '{"name":"Zoë 北京 🚀"}';
    const timestamp = String(now);
    const signature = signV3('POST', url, unicode, timestamp);
    expect(await verifyHubspotSignatureV3(v3({ body: unicode, timestamp, signature }))).toEqual({ valid: true });
  });

  it.each([
    ['body', { body: body.replace('123', '124') }],
    ['body (trailing newline)', { body: `${body}\n` }],
    ['method', { method: 'PUT' }],
    ['url path', { url: 'https://crm.example.com/webhooks/other?portal=42' }],
    ['url query', { url: 'https://crm.example.com/webhooks/hubspot?portal=43' }],
    ['url host', { url: 'https://evil.example.com/webhooks/hubspot?portal=42' }],
    ['url scheme', { url: 'http://crm.example.com/webhooks/hubspot?portal=42' }],
    ['timestamp', { timestamp: String(now - 999) }],
    ['signature', { signature: signV3('POST', url, body, String(now - 1000), 'other-secret') }],
    ['signature (truncated)', { signature: signV3('POST', url, body, String(now - 1000)).slice(0, -2) }],
  ])('rejects a tampered %s', async (_name, overrides) => {
    expect(await verifyHubspotSignatureV3(v3(overrides))).toEqual({ valid: false, reason: 'bad-signature' });
  });

  it('accepts a lower-case method (compared upper-cased) and a signature with surrounding spaces', async () => {
    expect(await verifyHubspotSignatureV3(v3({ method: 'post' }))).toEqual({ valid: true });
    const timestamp = String(now);
    expect(
      await verifyHubspotSignatureV3(v3({ timestamp, signature: ` ${signV3('POST', url, body, timestamp)} ` })),
    ).toEqual({ valid: true });
  });

  it('accepts timestamps up to exactly 5 minutes old and refuses one millisecond more', async () => {
    const at = (age: number) => {
      const timestamp = String(now - age);
      return v3({ timestamp, signature: signV3('POST', url, body, timestamp) });
    };
    expect(await verifyHubspotSignatureV3(at(0))).toEqual({ valid: true });
    expect(await verifyHubspotSignatureV3(at(300_000))).toEqual({ valid: true });
    expect(await verifyHubspotSignatureV3(at(300_001))).toEqual({ valid: false, reason: 'expired' });
    expect(await verifyHubspotSignatureV3(at(3_600_000))).toEqual({ valid: false, reason: 'expired' });
    // Clock skew: up to the tolerance into the future is accepted, beyond is refused.
    expect(await verifyHubspotSignatureV3(at(-300_000))).toEqual({ valid: true });
    expect(await verifyHubspotSignatureV3(at(-300_001))).toEqual({ valid: false, reason: 'expired' });
  });

  it('honours a custom tolerance and a numeric timestamp, and defaults now to Date.now()', async () => {
    const timestamp = String(now - 10_000);
    const signed = v3({ timestamp, signature: signV3('POST', url, body, timestamp) });
    expect(await verifyHubspotSignatureV3({ ...signed, toleranceMs: 5_000 })).toEqual({
      valid: false,
      reason: 'expired',
    });
    expect(await verifyHubspotSignatureV3({ ...signed, timestamp: now - 10_000 })).toEqual({ valid: true });
    const fresh = String(Date.now());
    expect(
      await verifyHubspotSignatureV3({
        ...v3({ timestamp: fresh, signature: signV3('POST', url, body, fresh) }),
        now: undefined,
      }),
    ).toEqual({ valid: true });
    await expect(verifyHubspotSignatureV3({ ...signed, toleranceMs: -1 })).rejects.toThrow(InvalidArgumentError);
  });

  it.each([
    ['missing signature', { signature: undefined }, 'missing-header'],
    ['empty signature', { signature: '' }, 'missing-header'],
    ['null timestamp', { timestamp: null }, 'missing-header'],
    ['empty timestamp', { timestamp: '  ' }, 'missing-header'],
    ['non-numeric timestamp', { timestamp: 'yesterday' }, 'bad-timestamp'],
    ['fractional timestamp', { timestamp: '1764000000000.5' }, 'bad-timestamp'],
    ['negative timestamp', { timestamp: '-1' }, 'bad-timestamp'],
    ['seconds instead of ms', { timestamp: String(Math.floor(now / 1000)) }, 'expired'],
  ] as const)('reports %s', async (_name, overrides, reason) => {
    expect(await verifyHubspotSignatureV3(v3(overrides))).toEqual({ valid: false, reason });
  });

  it('requires a client secret and never leaks it', async () => {
    await expect(verifyHubspotSignatureV3(v3({ clientSecret: '' }))).rejects.toThrow(InvalidArgumentError);
    const results = await Promise.all([
      verifyHubspotSignatureV3(v3()),
      verifyHubspotSignatureV3(v3({ body: 'x' })),
      verifyHubspotSignatureV3(v3({ timestamp: '1' })),
    ]);
    const expected = signV3('POST', url, 'x', String(now - 1000));
    for (const result of results) {
      expect(JSON.stringify(result)).not.toContain(clientSecret);
      expect(JSON.stringify(result)).not.toContain(expected);
    }
    const error = (await verifyHubspotSignatureV3(v3({ clientSecret: '' })).catch((e: unknown) => e)) as Error;
    expect(`${error.message} ${String(error.stack)}`).not.toContain(clientSecret);
  });
});

describe('hubspotSignatureUri', () => {
  it("decodes only HubSpot's listed escapes, case-insensitively and in one pass", () => {
    expect(hubspotSignatureUri('https://example.com/hook?email=a%40b.com%2C&q=a%20b')).toBe(
      'https://example.com/hook?email=a@b.com,&q=a%20b',
    );
    expect(hubspotSignatureUri('https://x.io/p?a=%3A%2F%3F%40%21%24%27%28%29%2A%2C%3B')).toBe(
      "https://x.io/p?a=:/?@!$'()*,;",
    );
    expect(hubspotSignatureUri('https://x.io/p?a=%3a%2f%40')).toBe('https://x.io/p?a=:/@');
    expect(hubspotSignatureUri('https://x.io/p?a=%253A%2B%26%3D%23')).toBe('https://x.io/p?a=%253A%2B%26%3D%23');
    expect(hubspotSignatureUri(url)).toBe(url);
  });

  it('verifies a request whose URL carries encoded characters (signed over the decoded URI)', async () => {
    const encoded = 'https://crm.example.com/hook?email=jane%40example.com&tags=a%2Cb&name=Jane%20Doe';
    const decoded = 'https://crm.example.com/hook?email=jane@example.com&tags=a,b&name=Jane%20Doe';
    const timestamp = String(now);
    const signature = signV3('POST', decoded, body, timestamp);
    expect(await verifyHubspotSignatureV3(v3({ url: encoded, timestamp, signature }))).toEqual({ valid: true });
    expect(await verifyHubspotSignatureV3(v3({ url: decoded, timestamp, signature }))).toEqual({ valid: true });
    const signedRaw = signV3('POST', encoded, body, timestamp);
    expect(await verifyHubspotSignatureV3(v3({ url: encoded, timestamp, signature: signedRaw }))).toEqual({
      valid: false,
      reason: 'bad-signature',
    });
  });
});

describe('verifyHubspotRequest', () => {
  const timestamp = String(now - 2000);
  const signature = signV3('POST', url, body, timestamp);

  it('reads the headers case-insensitively from a plain record', async () => {
    for (const [sigName, tsName] of [
      ['X-HubSpot-Signature-v3', 'X-HubSpot-Request-Timestamp'],
      ['x-hubspot-signature-v3', 'x-hubspot-request-timestamp'],
      ['X-HUBSPOT-SIGNATURE-V3', 'X-HUBSPOT-REQUEST-TIMESTAMP'],
    ]) {
      const headers = {
        [sigName as string]: signature,
        [tsName as string]: timestamp,
        'content-type': 'application/json',
      };
      expect(await verifyHubspotRequest({ method: 'POST', url, headers, body }, { clientSecret, now })).toEqual({
        valid: true,
      });
    }
  });

  it('reads a Fetch Headers object and array-valued Node headers', async () => {
    const headers = new Headers({ 'X-HubSpot-Signature-v3': signature, 'X-HubSpot-Request-Timestamp': timestamp });
    expect(await verifyHubspotRequest({ method: 'POST', url, headers, body }, { clientSecret, now })).toEqual({
      valid: true,
    });
    const nodeHeaders = { 'x-hubspot-signature-v3': [signature], 'x-hubspot-request-timestamp': timestamp };
    expect(
      await verifyHubspotRequest({ method: 'POST', url, headers: nodeHeaders, body }, { clientSecret, now }),
    ).toEqual({ valid: true });
  });

  it('works with a real Request', async () => {
    const request = new Request(url, {
      method: 'POST',
      body,
      headers: { 'X-HubSpot-Signature-v3': signature, 'X-HubSpot-Request-Timestamp': timestamp },
    });
    const result = await verifyHubspotRequest(
      { method: request.method, url: request.url, headers: request.headers, body: await request.text() },
      { clientSecret, now },
    );
    expect(result).toEqual({ valid: true });
  });

  it('reports missing headers, expiry and tampering', async () => {
    const check = (headers: Record<string, string>, requestBody = body) =>
      verifyHubspotRequest({ method: 'POST', url, headers, body: requestBody }, { clientSecret, now });
    expect(await check({})).toEqual({ valid: false, reason: 'missing-header' });
    expect(await check({ 'X-HubSpot-Signature-v3': signature })).toEqual({ valid: false, reason: 'missing-header' });
    expect(await check({ 'X-HubSpot-Request-Timestamp': timestamp })).toEqual({
      valid: false,
      reason: 'missing-header',
    });
    const headers = { 'X-HubSpot-Signature-v3': signature, 'X-HubSpot-Request-Timestamp': timestamp };
    expect(await check(headers, `${body} `)).toEqual({ valid: false, reason: 'bad-signature' });
    expect(
      await verifyHubspotRequest({ method: 'POST', url, headers, body }, { clientSecret, now: now + 400_000 }),
    ).toEqual({ valid: false, reason: 'expired' });
  });

  describe('legacy signatures', () => {
    const v1 = createHash('sha256').update(`${clientSecret}${body}`).digest('hex');
    const v2 = createHash('sha256').update(`${clientSecret}POST${url}${body}`).digest('hex');

    it('are refused unless allowLegacy is set', async () => {
      const headers = { 'X-HubSpot-Signature': v1, 'X-HubSpot-Signature-Version': 'v1' };
      expect(await verifyHubspotRequest({ method: 'POST', url, headers, body }, { clientSecret, now })).toEqual({
        valid: false,
        reason: 'missing-header',
      });
    });

    it('verify v1 and v2 with allowLegacy', async () => {
      const options = { clientSecret, now, allowLegacy: true };
      const request = (signature: string, version: string, requestBody = body) => ({
        method: 'POST',
        url,
        headers: { 'x-hubspot-signature': signature, 'x-hubspot-signature-version': version },
        body: requestBody,
      });
      expect(await verifyHubspotRequest(request(v1, 'v1'), options)).toEqual({ valid: true });
      expect(await verifyHubspotRequest(request(v2, 'v2'), options)).toEqual({ valid: true });
      expect(await verifyHubspotRequest(request(v2, 'V2'), options)).toEqual({ valid: true });
      expect(await verifyHubspotRequest(request(v1, 'v2'), options)).toEqual({ valid: false, reason: 'bad-signature' });
      expect(await verifyHubspotRequest(request(v1, 'v1', 'tampered'), options)).toEqual({
        valid: false,
        reason: 'bad-signature',
      });
      expect(await verifyHubspotRequest(request(v1, 'v9'), options)).toEqual({ valid: false, reason: 'bad-signature' });
    });

    it('direct v1 and v2 functions check method, URL and body', async () => {
      expect(await verifyHubspotSignatureV1({ body, signature: v1.toUpperCase(), clientSecret })).toEqual({
        valid: true,
      });
      expect(await verifyHubspotSignatureV1({ body, signature: undefined, clientSecret })).toEqual({
        valid: false,
        reason: 'missing-header',
      });
      expect(await verifyHubspotSignatureV2({ method: 'POST', url, body, signature: v2, clientSecret })).toEqual({
        valid: true,
      });
      expect(await verifyHubspotSignatureV2({ method: 'GET', url, body, signature: v2, clientSecret })).toEqual({
        valid: false,
        reason: 'bad-signature',
      });
      expect(
        await verifyHubspotSignatureV2({ method: 'POST', url: `${url}&x=1`, body, signature: v2, clientSecret }),
      ).toEqual({ valid: false, reason: 'bad-signature' });
    });
  });
});

describe('constantTimeEqual', () => {
  it('compares strings', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'ab')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
    expect(constantTimeEqual('a\u0000', 'a')).toBe(false);
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => constantTimeEqual(a, b) === (a === b)));
  });
});

describe("HubSpot's published examples (developers.hubspot.com, v1 and v2 request validation)", () => {
  const clientSecret = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';
  it('v2: secret + GET + URI', async () => {
    await expect(
      verifyHubspotSignatureV2({
        clientSecret,
        method: 'GET',
        url: 'https://www.example.com/webhook_uri',
        body: '',
        signature: 'eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e',
      }),
    ).resolves.toEqual({ valid: true });
  });
  it('v1: secret + body', async () => {
    const body =
      '[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]';
    await expect(
      verifyHubspotSignatureV1({
        clientSecret,
        body,
        signature: '232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de',
      }),
    ).resolves.toEqual({ valid: true });
  });
});
