/**
 * The HTTP client factory every adapter uses: credentials (token or OAuth 2 with refresh), retries with jittered
 * backoff that honour `Retry-After` within a wait budget, a per-credential rate budget, typed vendor errors.
 *
 * @module
 */

import { AbortedError, base64Encode, InvalidArgumentError, RateLimitError, VendorError } from '@crmkit/model';
import { raceAbort } from './abort';
import ky from 'ky';
import {
  abortableSleep,
  HUBSPOT_RATE_LIMIT_HEADERS,
  type RateBudget,
  type RateLimitHeaderNames,
  type RequestPriority,
} from './rate-budget';
import { defaultSleep } from './timers';

/** An OAuth 2 access token with its refresh token and expiry. */
export interface TokenSet {
  /** The bearer token sent in `Authorization`. */
  accessToken: string;
  /** Used to get a new access token; kept from the previous set when a refresh does not return a new one. */
  refreshToken?: string;
  /** When the access token expires, in epoch milliseconds. */
  expiresAt?: number;
}

/** Where OAuth 2 tokens live between requests (and processes): a database row, a secret manager ... */
export interface TokenStore {
  /** The current token set, or `undefined` when none was stored yet. */
  get(): Promise<TokenSet | undefined>;
  /** Stores a new token set after a refresh. */
  set(tokens: TokenSet): Promise<void>;
}

/** A static bearer token (e.g. a HubSpot private-app token). */
export interface TokenCredentials {
  /** Discriminator. */
  type: 'token';
  /** The token; sent as `Authorization: Bearer <token>`, never logged or put into errors. */
  token: string;
}

/** OAuth 2 credentials: an access token refreshed through `refresh` when it expires or the vendor answers 401. */
export interface OAuth2Credentials {
  /** Discriminator. */
  type: 'oauth2';
  /** Holds the current token set. */
  tokenStore: TokenStore;
  /**
   * Exchanges a refresh token for a new token set (e.g. with oauth4webapi). Called at most once at a time per
   * client: concurrent requests share one refresh. `signal` bounds it by the client's `timeoutMs`.
   */
  refresh: (refreshToken: string, signal: AbortSignal) => Promise<TokenSet>;
}

/** How a client authenticates. */
export type Credentials = TokenCredentials | OAuth2Credentials;

/** A {@link TokenStore} kept in memory (for tests and single-process scripts). */
export function memoryTokenStore(initial?: TokenSet): TokenStore {
  let current = initial;
  return {
    get: async () => current,
    set: async (tokens) => {
      current = tokens;
    },
  };
}

/** Options of {@link createHttpClient}. */
export interface HttpClientOptions {
  /** Base URL every path is resolved against, e.g. `https://api.hubapi.com`. */
  baseUrl: string;
  /** Vendor name used in errors, e.g. `hubspot`. */
  vendor: string;
  /** How to authenticate. */
  credentials: Credentials;
  /** Rate budget to acquire a token from before every attempt (see `getRateBudget`). */
  budget?: RateBudget;
  /** Total time the client may spend waiting between retries of one request. Default 30 000 ms. */
  maxWaitMs?: number;
  /** Upper bound on retries of one request (besides the wait budget). Default 8. */
  maxRetries?: number;
  /** First backoff step; attempt `n` waits a random time in `[0, min(maxDelayMs, baseDelayMs * 2^n))`. Default 500. */
  baseDelayMs?: number;
  /** Cap of one backoff step. Default 10 000 ms. */
  maxDelayMs?: number;
  /** Time limit of one attempt. Default 30 000 ms. */
  timeoutMs?: number;
  /** Response headers that carry the vendor's request id, first match wins. Default `x-request-id`, `x-hubspot-correlation-id`, `x-correlation-id`. */
  requestIdHeaders?: readonly string[];
  /**
   * Vendor rate-limit headers: when a 429 carries no `Retry-After` but says `remaining: 0`, the client waits the
   * window's length (`intervalMs` header), or, with a `budget`, as long as the budget (resynced from the headers)
   * says. Default {@link HUBSPOT_RATE_LIMIT_HEADERS}.
   */
  rateLimitHeaders?: RateLimitHeaderNames;
  /** Extra headers sent with every request (not for credentials). */
  headers?: Record<string, string>;
  /**
   * More values to keep out of errors, besides the tokens the client sends (which it always scrubs): an OAuth
   * client secret, the `clientId:clientSecret` pair of HTTP Basic credentials, an API key sent in a custom header.
   * Each is scrubbed in every form it is commonly echoed in (see {@link redactSecrets}).
   */
  secrets?: readonly string[];
  /** `fetch` implementation; injectable for tests. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Clock in milliseconds; injectable for tests. Default `Date.now`. */
  now?: () => number;
  /** Waits `ms` milliseconds; injectable for tests. Need not honour `signal`: the client races it anyway. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Random number in `[0, 1)` for jitter; injectable for tests. Default `Math.random`. */
  random?: () => number;
}

/** Value types accepted in query strings; arrays repeat the parameter (`properties=a&properties=b`). */
export type SearchParamValue = string | number | boolean | readonly (string | number | boolean)[] | undefined;

/** Options of one request. */
export interface RequestOptions {
  /** Query parameters; `undefined` values are left out. */
  searchParams?: Record<string, SearchParamValue>;
  /** Body, sent as JSON. */
  json?: unknown;
  /** Cancels the request and any wait (rate budget, backoff) with an `AbortedError`. */
  signal?: AbortSignal;
  /** Marks a POST or PATCH as safe to repeat (e.g. a search or an upsert by id), so it is retried on 5xx. */
  idempotent?: boolean;
  /** Default `interactive`; `background` calls leave the rate budget's reserve alone. */
  priority?: RequestPriority;
}

/** HTTP methods the client sends. */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

/** A client made by {@link createHttpClient}. */
export interface HttpClient {
  /** Sends a request and returns the parsed JSON answer (`undefined` for 204 or an empty body). */
  request<T = unknown>(method: HttpMethod, path: string, options?: RequestOptions): Promise<T>;
  /** `request('GET', ...)`. */
  get<T = unknown>(path: string, options?: RequestOptions): Promise<T>;
  /** `request('POST', ...)`; retried on 5xx only with `idempotent: true`. */
  post<T = unknown>(path: string, options?: RequestOptions): Promise<T>;
  /** `request('PUT', ...)`. */
  put<T = unknown>(path: string, options?: RequestOptions): Promise<T>;
  /** `request('PATCH', ...)`; retried on 5xx only with `idempotent: true`. */
  patch<T = unknown>(path: string, options?: RequestOptions): Promise<T>;
  /** `request('DELETE', ...)`. */
  delete<T = unknown>(path: string, options?: RequestOptions): Promise<T>;
}

const IDEMPOTENT = new Set<HttpMethod>(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
const DEFAULT_REQUEST_ID_HEADERS = ['x-request-id', 'x-hubspot-correlation-id', 'x-correlation-id'];
const EXPIRY_SKEW_MS = 60_000;
const EXCERPT_LENGTH = 200;

/**
 * Parses a `Retry-After` value (delta seconds or an HTTP date) into milliseconds from `now`; `undefined` when
 * absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Shortest run of a secret's characters that counts as a leak of part of it (for secrets of 16 characters and more). */
const SECRET_PART = 12;

/**
 * The forms a secret can be echoed in: as is, URL-encoded, base64 (padded and not) and base64url, longest first.
 * Pass a `clientId:clientSecret` pair as a secret to cover HTTP Basic credentials.
 */
function secretForms(secret: string): string[] {
  const b64 = base64Encode(secret);
  const forms = new Set([
    secret,
    encodeURIComponent(secret),
    b64,
    b64.replace(/=+$/, ''),
    b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
  ]);
  return [...forms].filter((f) => f.length >= 4).sort((a, b) => b.length - a.length);
}

/** Replaces every run of at least {@link SECRET_PART} characters of `secret` found in `text`. */
function redactParts(text: string, secret: string): string {
  if (secret.length < 16 || text.length < SECRET_PART) return text;
  const grams = new Set<string>();
  for (let i = 0; i + SECRET_PART <= secret.length; i++) grams.add(secret.slice(i, i + SECRET_PART));
  let out = '';
  let copied = 0;
  let end = -1;
  for (let i = 0; i + SECRET_PART <= text.length; i++) {
    if (!grams.has(text.slice(i, i + SECRET_PART))) continue;
    if (i > end) {
      if (end >= 0) out += '[redacted]';
      out += text.slice(copied, i);
    }
    end = Math.max(end, i + SECRET_PART);
    copied = end;
  }
  if (end < 0) return text;
  return `${out}[redacted]${text.slice(copied)}`;
}

/**
 * Replaces secrets in `text`: the given values in every form they are commonly echoed in (as is, URL-encoded,
 * base64, base64url; and any run of 12 or more of their characters for values of 16 characters and more), bearer
 * tokens, and JSON fields and query parameters that look like credentials.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  const known = secrets.filter((secret): secret is string => secret !== undefined && secret.length >= 4);
  for (const secret of known) {
    for (const form of secretForms(secret)) out = out.split(form).join('[redacted]');
  }
  for (const secret of known) out = redactParts(out, secret);
  out = out.replace(/(bearer\s+)[A-Za-z0-9._~+/=-]+/gi, '$1[redacted]');
  out = out.replace(
    /("(?:[a-z_]*token|password|secret|client_secret|api_?key|hapikey|authorization)"\s*:\s*)"[^"]*"/gi,
    '$1"[redacted]"',
  );
  out = out.replace(/((?:[a-z_]*token|password|secret|api_?key|hapikey)=)[^&\s"]+/gi, '$1[redacted]');
  return out;
}

function toSearchParams(params: Record<string, SearchParamValue> | undefined): URLSearchParams | undefined {
  if (params === undefined) return undefined;
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) out.append(key, String(item));
    else out.append(key, String(value));
  }
  return out;
}

/**
 * Creates an HTTP client for one vendor account. ky sends the requests (with its own retry and error throwing
 * off); this client does the retries itself so that `Retry-After`, the rate budget and the wait budget are exact.
 *
 * @example
 * ```ts
 * const hubspot = createHttpClient({
 *   baseUrl: 'https://api.hubapi.com',
 *   vendor: 'hubspot',
 *   credentials: { type: 'token', token: process.env.HUBSPOT_TOKEN! },
 *   budget: getRateBudget('hubspot:my-portal', HUBSPOT_PRIVATE_APP_RATE_LIMIT),
 * });
 * const page = await hubspot.get('/crm/v3/objects/contacts', { searchParams: { limit: 100 } });
 * ```
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  if (typeof options.baseUrl !== 'string' || options.baseUrl === '') {
    throw new InvalidArgumentError({ argument: 'baseUrl', message: '[crmkit/adapter-kit] baseUrl is required.' });
  }
  const vendor = options.vendor;
  const credentials = options.credentials;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const maxWaitMs = options.maxWaitMs ?? 30_000;
  const maxRetries = options.maxRetries ?? 8;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const requestIdHeaders = options.requestIdHeaders ?? DEFAULT_REQUEST_ID_HEADERS;
  const rateHeaders = options.rateLimitHeaders ?? HUBSPOT_RATE_LIMIT_HEADERS;
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const prefixUrl = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
  const http = ky.create({
    prefixUrl,
    retry: 0,
    throwHttpErrors: false,
    timeout: timeoutMs,
    fetch: fetchImpl,
    headers: options.headers,
  });

  /** Every secret this client has seen, to scrub from anything that leaves it. */
  const secrets = new Set<string>();
  const remember = (tokens: TokenSet | undefined) => {
    if (tokens?.accessToken) secrets.add(tokens.accessToken);
    if (tokens?.refreshToken) secrets.add(tokens.refreshToken);
  };
  if (credentials.type === 'token') secrets.add(credentials.token);
  for (const secret of options.secrets ?? []) secrets.add(secret);
  const scrub = (text: string) => redactSecrets(text, [...secrets]);
  /** A vendor error without secrets: message and request id scrubbed, and the cause reduced to a scrubbed copy. */
  const scrubError = (error: VendorError | RateLimitError): VendorError | RateLimitError => {
    const requestId = error.requestId === undefined ? undefined : scrub(error.requestId);
    if (RateLimitError.isInstance(error)) {
      return new RateLimitError({
        vendor: error.vendor,
        retryAfterMs: error.retryAfterMs,
        requestId,
        message: scrub(error.message),
        cause: safeCause(error.cause, scrub),
      });
    }
    return new VendorError({
      vendor: error.vendor,
      status: error.status,
      requestId,
      retryable: error.retryable,
      message: scrub(error.message),
      cause: safeCause(error.cause, scrub),
    });
  };

  let refreshing: Promise<TokenSet> | undefined;

  const refreshTokens = (): Promise<TokenSet> => {
    if (credentials.type !== 'oauth2') throw new Error('unreachable');
    if (refreshing === undefined) {
      refreshing = (async () => {
        const current = await credentials.tokenStore.get();
        remember(current);
        if (current?.refreshToken === undefined) {
          throw new VendorError({
            vendor,
            status: 401,
            retryable: false,
            message: `[crmkit/adapter-kit] ${vendor}: the access token expired and the token store holds no refresh token.`,
          });
        }
        let next: TokenSet;
        try {
          next = await credentials.refresh(current.refreshToken, AbortSignal.timeout(timeoutMs));
        } catch (error) {
          if (VendorError.isInstance(error) || RateLimitError.isInstance(error)) throw scrubError(error);
          const detail = error instanceof Error ? `: ${scrub(error.message).slice(0, EXCERPT_LENGTH)}` : '';
          throw new VendorError({
            vendor,
            status: 401,
            retryable: false,
            message: `[crmkit/adapter-kit] ${vendor}: refreshing the OAuth 2 token failed${detail}`,
          });
        }
        const merged: TokenSet = { ...next, refreshToken: next.refreshToken ?? current.refreshToken };
        remember(merged);
        await credentials.tokenStore.set(merged);
        return merged;
      })().finally(() => {
        refreshing = undefined;
      });
    }
    return refreshing;
  };

  const accessToken = async (signal: AbortSignal | undefined): Promise<string> => {
    if (credentials.type === 'token') return credentials.token;
    let tokens = await credentials.tokenStore.get();
    remember(tokens);
    if (tokens === undefined || (tokens.expiresAt !== undefined && tokens.expiresAt - EXPIRY_SKEW_MS <= now())) {
      tokens = await raceAbort(refreshTokens(), signal);
    }
    return tokens.accessToken;
  };

  /** The vendor's request id, scrubbed: a vendor may echo the credentials in it. */
  const requestIdOf = (headers: Headers): string | undefined => {
    for (const name of requestIdHeaders) {
      const value = headers.get(name);
      if (value) return scrub(value).slice(0, EXCERPT_LENGTH);
    }
    return undefined;
  };

  const excerpt = async (response: Response): Promise<string> => {
    try {
      const raw = await response.text();
      // Scrub a bounded prefix (well beyond the excerpt, so no secret is cut in two where the excerpt ends).
      const text = raw
        .slice(0, 16 * EXCERPT_LENGTH)
        .replace(/\s+/g, ' ')
        .trim();
      if (text === '') return '';
      const short = scrub(text).slice(0, EXCERPT_LENGTH);
      return short.length < raw.trim().length ? `${short}...` : short;
    } catch {
      return '';
    }
  };

  async function request<T>(method: HttpMethod, path: string, requestOptions: RequestOptions = {}): Promise<T> {
    const { signal, json, priority = 'interactive' } = requestOptions;
    const idempotent = IDEMPOTENT.has(method) || requestOptions.idempotent === true;
    const searchParams = toSearchParams(requestOptions.searchParams);
    const relative = path.replace(/^\/+/, '');
    // The path can hold a secret too (e.g. a token introspection call): scrubbed, as everything in a message.
    const where = () => `${method} /${scrub(relative)}`;
    let waited = 0;
    let retries = 0;
    let refreshedOn401 = false;

    const abortIfNeeded = () => {
      if (signal?.aborted) throw new AbortedError({ cause: signal.reason });
    };

    /** Waits `delay` ms before the next attempt, or throws `onExhausted()` when the budget would be exceeded. */
    const backoff = async (delay: number, onExhausted: (delay: number) => Error) => {
      if (retries >= maxRetries || waited + delay > maxWaitMs) throw onExhausted(delay);
      retries += 1;
      waited += delay;
      await abortableSleep(sleep, delay, signal);
    };
    const jitter = () => random() * Math.min(maxDelayMs, baseDelayMs * 2 ** retries);

    for (;;) {
      abortIfNeeded();
      if (options.budget) await options.budget.acquire({ priority, signal });
      const token = await accessToken(signal);
      abortIfNeeded();

      let response: Response;
      try {
        response = await http(relative, {
          method,
          searchParams,
          json,
          signal,
          headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        });
      } catch (error) {
        if (signal?.aborted) throw new AbortedError({ cause: signal.reason });
        const timedOut = error instanceof Error && error.name === 'TimeoutError';
        const what = timedOut ? `timed out after ${timeoutMs} ms` : 'could not reach the server';
        const makeError = () =>
          new VendorError({
            vendor,
            retryable: true,
            message: `[crmkit/adapter-kit] ${vendor} ${where()} ${what}.`,
            cause: timedOut ? undefined : safeCause(error, scrub),
          });
        if (!idempotent) throw makeError();
        await backoff(jitter(), makeError);
        continue;
      }

      options.budget?.updateFromHeaders(response.headers);
      const status = response.status;

      if (status === 401 && credentials.type === 'oauth2' && !refreshedOn401) {
        refreshedOn401 = true;
        await response.body?.cancel().catch(() => undefined);
        const current = await credentials.tokenStore.get();
        // Someone else may have refreshed already while this request was on the wire.
        if (current === undefined || current.accessToken === token) await raceAbort(refreshTokens(), signal);
        continue;
      }

      if (response.ok) {
        if (status === 204 || method === 'HEAD') return undefined as T;
        const text = await response.text();
        if (text.trim() === '') return undefined as T;
        try {
          return JSON.parse(text) as T;
        } catch (error) {
          throw new VendorError({
            vendor,
            status,
            requestId: requestIdOf(response.headers),
            retryable: false,
            message: `[crmkit/adapter-kit] ${vendor} ${where()} answered ${status} with a body that is not JSON.`,
            cause: safeCause(error, scrub),
          });
        }
      }

      const requestId = requestIdOf(response.headers);
      const transient = status === 429 || status === 408 || status >= 500;
      const retryAfter =
        parseRetryAfter(response.headers.get('retry-after'), now()) ??
        // With a rate budget, the budget (resynced from these headers) makes the next attempt wait as long as the
        // vendor's window needs; without one, wait the window's length when the vendor says nothing is left.
        (status === 429 && !options.budget ? vendorWindowWait(response.headers, rateHeaders) : undefined);
      const body = await excerpt(response);
      const vendorError = () =>
        new VendorError({
          vendor,
          status,
          requestId,
          retryable: transient,
          message: `[crmkit/adapter-kit] ${vendor} ${where()} failed with ${status}${
            requestId ? ` (request id ${requestId})` : ''
          }${body ? `: ${body}` : '.'}`,
        });

      if (status === 429) {
        await backoff(
          retryAfter ?? jitter(),
          (delay) => new RateLimitError({ vendor, retryAfterMs: delay, requestId }),
        );
        continue;
      }
      if (transient && idempotent) {
        await backoff(retryAfter ?? jitter(), vendorError);
        continue;
      }
      throw vendorError();
    }
  }

  return {
    request,
    get: (path, o) => request('GET', path, o),
    post: (path, o) => request('POST', path, o),
    put: (path, o) => request('PUT', path, o),
    patch: (path, o) => request('PATCH', path, o),
    delete: (path, o) => request('DELETE', path, o),
  };
}

/** The window length when the vendor's headers say no request is left in it. */
function vendorWindowWait(headers: Headers, names: RateLimitHeaderNames): number | undefined {
  if (headers.get(names.remaining)?.trim() !== '0') return undefined;
  const interval = Number(headers.get(names.intervalMs));
  return Number.isFinite(interval) && interval > 0 ? interval : undefined;
}

/** A cause that keeps the error's name and (scrubbed) message but none of its properties (requests, headers). */
function safeCause(error: unknown, scrub: (text: string) => string): Error | undefined {
  if (!(error instanceof Error)) return undefined;
  const copy = new Error(scrub(error.message));
  copy.name = error.name;
  return copy;
}
