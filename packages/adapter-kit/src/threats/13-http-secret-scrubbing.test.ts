/**
 * Threat 13 (second half): a vendor that echoes the bearer token (or the OAuth access token, refresh token, or
 * client credentials) in a response header such as `x-request-id`, or in the body, must not get it into the errors
 * the HTTP client throws. Every known secret, and its obvious encodings, is scrubbed from everything an error
 * carries: message, request id, cause, stack.
 *
 * A real local HTTP server echoes what it received.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { RateLimitError, VendorError } from '@crmkit/model';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient, type HttpClientOptions, memoryTokenStore } from '../http';

const TOKEN = 'pat-na1-7f3c2a91-4be8-4d0e-9a61-0c55e2d7b3f4';
const ACCESS = 'oat-access-5d1e9b7c3a2f4e6d8c0b1a2f3e4d5c6b';
const REFRESH = 'rt-refresh-9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d';
const CLIENT_ID = 'client-id-3e1f';
const CLIENT_SECRET = 'cs-7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a';

/** Every form of a secret that must not appear: raw, in a header, base64, base64url, URL-encoded, a long part. */
function forms(secret: string): string[] {
  const b64 = Buffer.from(secret).toString('base64');
  return [
    secret,
    `Bearer ${secret}`,
    b64,
    Buffer.from(secret).toString('base64url'),
    encodeURIComponent(secret),
    secret.slice(0, 20),
    secret.slice(-20),
  ];
}

type Echo = (req: IncomingMessage, body: string) => { status: number; headers?: Record<string, string>; body?: string };

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Starts a server that answers every request with `echo`. */
async function serve(echo: Echo): Promise<string> {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = echo(req, Buffer.concat(chunks).toString('utf8'));
      res.writeHead(answer.status, answer.headers ?? {}).end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Everything an error shows: message, own fields, cause chain, stack. */
function everything(error: unknown): string {
  return [inspect(error, { depth: 10 }), JSON.stringify(error), String(error), (error as Error).stack ?? ''].join('\n');
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the request to fail');
}

function expectClean(error: unknown, secrets: readonly string[]) {
  expect(VendorError.isInstance(error) || RateLimitError.isInstance(error)).toBe(true);
  const shown = everything(error);
  for (const secret of secrets) {
    for (const form of forms(secret)) expect(shown, `the error shows ${JSON.stringify(form)}`).not.toContain(form);
  }
}

const fast: Partial<HttpClientOptions> = { sleep: async () => {}, random: () => 0, maxRetries: 2 };

/** What the server echoes: the Authorization header, its token, the token's base64, and a part of it. */
const echoAll = (req: IncomingMessage) => {
  const authorization = req.headers.authorization ?? '';
  const token = authorization.replace(/^Bearer /, '');
  return {
    'x-request-id': `req-${authorization}`,
    'x-hubspot-correlation-id': Buffer.from(token).toString('base64'),
    'x-debug': token.slice(0, 24),
    'content-type': 'text/plain',
  };
};

const echoBody = (req: IncomingMessage) => {
  const authorization = req.headers.authorization ?? '';
  const token = authorization.replace(/^Bearer /, '');
  // Not JSON (so the credential-looking-key patterns do not help): the echo sits in plain text.
  return `bad request; you sent ${authorization} (b64 ${Buffer.from(token).toString('base64')}, url ${encodeURIComponent(
    token,
  )}, starts ${token.slice(0, 24)})`;
};

describe('threat 13: a token echoed by the vendor is scrubbed from errors', () => {
  it('scrubs a static token echoed in x-request-id and in the body of a 400', async () => {
    const baseUrl = await serve((req) => ({ status: 400, headers: echoAll(req), body: echoBody(req) }));
    const http = createHttpClient({ baseUrl, vendor: 'acme', credentials: { type: 'token', token: TOKEN }, ...fast });
    const error = await failure(http.get('/crm/v3/objects/contacts'));
    expectClean(error, [TOKEN]);
    // What is not secret stays: the status, and a request id (scrubbed) to quote to support.
    expect((error as VendorError).status).toBe(400);
    expect((error as VendorError).requestId).toContain('req-');
  });

  it('scrubs a token in the request path (token introspection) and in a retried 503', async () => {
    const baseUrl = await serve((req) => ({ status: 503, headers: echoAll(req), body: echoBody(req) }));
    const http = createHttpClient({ baseUrl, vendor: 'acme', credentials: { type: 'token', token: TOKEN }, ...fast });
    const error = await failure(http.get(`/oauth/v1/access-tokens/${TOKEN}`, { searchParams: { token: TOKEN } }));
    expectClean(error, [TOKEN]);
  });

  it('scrubs the request id of a RateLimitError when 429s exhaust the budget', async () => {
    const baseUrl = await serve((req) => ({
      status: 429,
      headers: { ...echoAll(req), 'retry-after': '1' },
      body: echoBody(req),
    }));
    const http = createHttpClient({ baseUrl, vendor: 'acme', credentials: { type: 'token', token: TOKEN }, ...fast });
    const error = await failure(http.get('/crm/v3/objects/contacts'));
    expect(RateLimitError.isInstance(error)).toBe(true);
    expectClean(error, [TOKEN]);
  });

  it('scrubs OAuth access and refresh tokens and client credentials, also from a failed refresh', async () => {
    const baseUrl = await serve((req) => ({
      status: req.headers.authorization === `Bearer ${ACCESS}` ? 401 : 403,
      headers: echoAll(req),
      body: `${echoBody(req)}; refresh ${REFRESH}`,
    }));
    const tokens = memoryTokenStore({ accessToken: ACCESS, refreshToken: REFRESH });
    const basic = Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64');
    const http = createHttpClient({
      baseUrl,
      vendor: 'acme',
      credentials: {
        type: 'oauth2',
        tokenStore: tokens,
        refresh: async (refreshToken) => {
          // An OAuth library's error that quotes what it sent.
          throw new Error(
            `invalid_grant for refresh_token ${refreshToken} with Authorization: Basic ${basic} and client_secret ${CLIENT_SECRET}`,
          );
        },
      },
      // The client secret and the Basic pair are not sent by the client itself: name them so they are scrubbed too.
      secrets: [CLIENT_SECRET, `${CLIENT_ID}:${CLIENT_SECRET}`],
      ...fast,
    });
    const error = await failure(http.get('/crm/v3/objects/contacts'));
    expectClean(error, [ACCESS, REFRESH, CLIENT_SECRET]);
    expect(everything(error)).not.toContain(basic);
  });

  it('scrubs a refreshed access token echoed after the refresh', async () => {
    const NEW = 'oat-new-access-1a2b3c4d5e6f7a8b9c0d1e2f3a4b';
    const baseUrl = await serve((req) => ({
      status: req.headers.authorization === `Bearer ${ACCESS}` ? 401 : 422,
      headers: echoAll(req),
      body: echoBody(req),
    }));
    const http = createHttpClient({
      baseUrl,
      vendor: 'acme',
      credentials: {
        type: 'oauth2',
        tokenStore: memoryTokenStore({ accessToken: ACCESS, refreshToken: REFRESH }),
        refresh: async () => ({ accessToken: NEW, refreshToken: REFRESH }),
      },
      ...fast,
    });
    const error = await failure(http.get('/crm/v3/objects/contacts'));
    expect((error as VendorError).status).toBe(422);
    expectClean(error, [ACCESS, NEW, REFRESH]);
  });
});
