/**
 * Webhook signature primitives for HubSpot (v3, and the legacy v2 and v1), on WebCrypto.
 *
 * Verify on the raw body, exactly as received: parse JSON only after the signature checked out. Results and errors
 * never contain the client secret or the signatures.
 *
 * No `node:` imports: this module runs on Node >= 20, Bun, Deno and edge runtimes (`globalThis.crypto.subtle`).
 *
 * @module
 */
import { base64Encode, InvalidArgumentError } from '@crmkit/model';
import { type HeadersLike, headerValue } from './headers';

/** Why a webhook signature was refused. */
export type WebhookRejectReason = 'bad-signature' | 'expired' | 'missing-header' | 'bad-timestamp';

/** Outcome of a signature check. Never throws for a bad request; only for a misconfigured caller. */
export type WebhookVerification = { valid: true } | { valid: false; reason: WebhookRejectReason };

/** Default tolerance of HubSpot v3 timestamps: 5 minutes, as HubSpot recommends. */
export const HUBSPOT_SIGNATURE_TOLERANCE_MS = 300_000;

/** Input of {@link verifyHubspotSignatureV3}. */
export interface HubspotSignatureV3Input {
  /** HTTP method of the request, e.g. `POST`. Compared upper-cased. */
  method: string;
  /** Full URL the request was sent to, with scheme, host, path and query, e.g. `https://example.com/hooks?x=1`. */
  url: string;
  /** The raw request body, exactly as received (empty string for none). */
  body: string;
  /** Value of `X-HubSpot-Request-Timestamp`: milliseconds since the epoch, as a string or number. */
  timestamp: string | number | null | undefined;
  /** Value of `X-HubSpot-Signature-v3` (base64). */
  signature: string | null | undefined;
  /** The app's client secret. */
  clientSecret: string;
  /** Current time in milliseconds since the epoch; defaults to `Date.now()`. */
  now?: number | undefined;
  /** Maximum age (and clock skew into the future) of the timestamp, in milliseconds. Default 300 000 (5 minutes). */
  toleranceMs?: number | undefined;
}

/**
 * Verifies a HubSpot v3 webhook signature: base64(HMAC-SHA256(clientSecret, method + uri + body + timestamp)), where
 * the URI has HubSpot's listed percent-escapes decoded (see {@link hubspotSignatureUri}). Refuses timestamps more
 * than `toleranceMs` away from `now` (`expired`). Compares in constant time.
 *
 * @example
 * ```ts
 * const result = await verifyHubspotSignatureV3({
 *   method: 'POST',
 *   url: 'https://crm.example.com/webhooks/hubspot',
 *   body: rawBody,
 *   timestamp: req.headers['x-hubspot-request-timestamp'],
 *   signature: req.headers['x-hubspot-signature-v3'],
 *   clientSecret: process.env.HUBSPOT_CLIENT_SECRET!,
 * });
 * if (!result.valid) return reply.status(401).send(result.reason);
 * ```
 */
export async function verifyHubspotSignatureV3(input: HubspotSignatureV3Input): Promise<WebhookVerification> {
  requireSecret(input.clientSecret);
  const toleranceMs = input.toleranceMs ?? HUBSPOT_SIGNATURE_TOLERANCE_MS;
  if (!Number.isFinite(toleranceMs) || toleranceMs < 0) {
    throw new InvalidArgumentError({
      argument: 'toleranceMs',
      message: '[crmkit/adapter-kit] toleranceMs must be a non-negative number of milliseconds.',
    });
  }
  const signature = typeof input.signature === 'string' ? input.signature.trim() : '';
  const rawTimestamp = input.timestamp === null || input.timestamp === undefined ? '' : String(input.timestamp).trim();
  if (signature === '' || rawTimestamp === '') return { valid: false, reason: 'missing-header' };
  if (!/^\d{1,16}$/.test(rawTimestamp)) return { valid: false, reason: 'bad-timestamp' };
  const timestamp = Number(rawTimestamp);
  const now = input.now ?? Date.now();
  if (Math.abs(now - timestamp) > toleranceMs) return { valid: false, reason: 'expired' };
  const source = `${input.method.toUpperCase()}${hubspotSignatureUri(input.url)}${input.body}${rawTimestamp}`;
  const expected = base64Encode(await hmacSha256(input.clientSecret, source));
  return constantTimeEqual(expected, signature) ? { valid: true } : { valid: false, reason: 'bad-signature' };
}

/** Input of {@link verifyHubspotSignatureV2}. */
export interface HubspotSignatureV2Input {
  /** HTTP method, e.g. `POST`. */
  method: string;
  /** Full URL the request was sent to, as HubSpot called it. */
  url: string;
  /** The raw request body (empty string for none, e.g. GET requests of CRM cards). */
  body: string;
  /** Value of `X-HubSpot-Signature` (hex). */
  signature: string | null | undefined;
  /** The app's client secret. */
  clientSecret: string;
}

/**
 * Verifies a legacy HubSpot v2 signature: hex(SHA-256(clientSecret + method + uri + body)). v2 carries no timestamp,
 * so it cannot refuse replays; prefer v3.
 *
 * @example
 * ```ts
 * const result = await verifyHubspotSignatureV2({ method: 'POST', url, body: rawBody, signature, clientSecret });
 * ```
 */
export async function verifyHubspotSignatureV2(input: HubspotSignatureV2Input): Promise<WebhookVerification> {
  return verifyLegacySha256(input, `${input.method.toUpperCase()}${input.url}${input.body}`);
}

/** The legacy HubSpot check shared by v1 and v2: hex(SHA-256(clientSecret + signed)) against the header. */
async function verifyLegacySha256(
  input: { clientSecret: string; signature: string | null | undefined },
  signed: string,
): Promise<WebhookVerification> {
  requireSecret(input.clientSecret);
  const signature = typeof input.signature === 'string' ? input.signature.trim().toLowerCase() : '';
  if (signature === '') return { valid: false, reason: 'missing-header' };
  const expected = toHex(await sha256(`${input.clientSecret}${signed}`));
  return constantTimeEqual(expected, signature) ? { valid: true } : { valid: false, reason: 'bad-signature' };
}

/** Input of {@link verifyHubspotSignatureV1}. */
export interface HubspotSignatureV1Input {
  /** The raw request body. */
  body: string;
  /** Value of `X-HubSpot-Signature` (hex). */
  signature: string | null | undefined;
  /** The app's client secret. */
  clientSecret: string;
}

/**
 * Verifies a legacy HubSpot v1 signature: hex(SHA-256(clientSecret + body)). No method, URL or timestamp is signed;
 * prefer v3.
 *
 * @example
 * ```ts
 * const result = await verifyHubspotSignatureV1({ body: rawBody, signature, clientSecret });
 * ```
 */
export async function verifyHubspotSignatureV1(input: HubspotSignatureV1Input): Promise<WebhookVerification> {
  return verifyLegacySha256(input, input.body);
}

/** Request headers: a Fetch `Headers` object, or a plain record (Node's `IncomingHttpHeaders` fits). */
export type WebhookHeaders = HeadersLike;

/** The parts of an incoming webhook request that {@link verifyHubspotRequest} reads. */
export interface WebhookRequest {
  /** HTTP method. */
  method: string;
  /** Full URL the request was sent to (scheme, host, path, query). Behind a proxy, rebuild the public URL. */
  url: string;
  /** Request headers; names are matched case-insensitively. */
  headers: WebhookHeaders;
  /** The raw body, exactly as received. */
  body: string;
}

/** Options of {@link verifyHubspotRequest}. */
export interface VerifyHubspotRequestOptions {
  /** The app's client secret. */
  clientSecret: string;
  /** Current time in milliseconds since the epoch; defaults to `Date.now()`. */
  now?: number | undefined;
  /** Tolerance of the v3 timestamp in milliseconds; default 5 minutes. */
  toleranceMs?: number | undefined;
  /**
   * Also accept the legacy v1 and v2 signatures (`X-HubSpot-Signature` with `X-HubSpot-Signature-Version`) when no
   * v3 signature is present. Off by default: they carry no timestamp, so replays cannot be refused.
   */
  allowLegacy?: boolean | undefined;
}

/**
 * Verifies an incoming HubSpot webhook request: reads `X-HubSpot-Signature-v3` and `X-HubSpot-Request-Timestamp`
 * (case-insensitively) and checks them with {@link verifyHubspotSignatureV3}. With `allowLegacy`, a request with only
 * a v1/v2 signature is checked with those.
 *
 * @example
 * ```ts
 * // In a Fetch-style handler (Hono, Next.js route, Cloudflare Worker ...):
 * const body = await request.text();
 * const result = await verifyHubspotRequest(
 *   { method: request.method, url: request.url, headers: request.headers, body },
 *   { clientSecret: env.HUBSPOT_CLIENT_SECRET },
 * );
 * if (!result.valid) return new Response(null, { status: 401 });
 * ```
 */
export async function verifyHubspotRequest(
  request: WebhookRequest,
  options: VerifyHubspotRequestOptions,
): Promise<WebhookVerification> {
  const signatureV3 = headerValue(request.headers, 'x-hubspot-signature-v3');
  const legacySignature = headerValue(request.headers, 'x-hubspot-signature');
  if (signatureV3 === undefined && options.allowLegacy === true && legacySignature !== undefined) {
    const version = (headerValue(request.headers, 'x-hubspot-signature-version') ?? 'v1').trim().toLowerCase();
    if (version === 'v2') {
      return verifyHubspotSignatureV2({
        method: request.method,
        url: request.url,
        body: request.body,
        signature: legacySignature,
        clientSecret: options.clientSecret,
      });
    }
    if (version === 'v1') {
      return verifyHubspotSignatureV1({
        body: request.body,
        signature: legacySignature,
        clientSecret: options.clientSecret,
      });
    }
    requireSecret(options.clientSecret);
    return { valid: false, reason: 'bad-signature' };
  }
  return verifyHubspotSignatureV3({
    method: request.method,
    url: request.url,
    body: request.body,
    timestamp: headerValue(request.headers, 'x-hubspot-request-timestamp'),
    signature: signatureV3,
    clientSecret: options.clientSecret,
    now: options.now,
    toleranceMs: options.toleranceMs,
  });
}

/** HubSpot's table of percent-escapes that are decoded in the URI before signing (v3). */
const HUBSPOT_DECODED_ESCAPES: Readonly<Record<string, string>> = {
  '3A': ':',
  '2F': '/',
  '3F': '?',
  '40': '@',
  '21': '!',
  '24': '$',
  '27': "'",
  '28': '(',
  '29': ')',
  '2A': '*',
  '2C': ',',
  '3B': ';',
};

/**
 * The URI as HubSpot signs it in v3: the full URL with only these percent-escapes decoded (case-insensitively, in
 * one pass): `%3A :`, `%2F /`, `%3F ?`, `%40 @`, `%21 !`, `%24 $`, `%27 '`, `%28 (`, `%29 )`, `%2A *`, `%2C ,`,
 * `%3B ;`. Every other escape (`%20`, `%25` ...) stays as it is.
 *
 * @example
 * ```ts
 * hubspotSignatureUri('https://example.com/hook?email=a%40b.com%2C&q=a%20b');
 * // 'https://example.com/hook?email=a@b.com,&q=a%20b'
 * ```
 */
export function hubspotSignatureUri(url: string): string {
  return url.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (match, hex: string) => {
    return HUBSPOT_DECODED_ESCAPES[hex.toUpperCase()] ?? match;
  });
}

/**
 * Compares two strings in time that depends only on their lengths, not on where they differ.
 *
 * @example
 * ```ts
 * constantTimeEqual(expectedSignature, receivedSignature); // true or false
 * ```
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = encoder().encode(a);
  const right = encoder().encode(b);
  const length = Math.max(left.length, right.length);
  let difference = left.length ^ right.length;
  for (let i = 0; i < length; i++) difference |= (left[i] ?? 0) ^ (right[i] ?? 0);
  return difference === 0;
}

// --- WebCrypto, typed locally so the module needs neither the DOM nor the Node type library ---

interface SubtleCryptoLike {
  importKey(
    format: 'raw',
    keyData: Uint8Array,
    algorithm: { name: 'HMAC'; hash: 'SHA-256' },
    extractable: false,
    usages: ['sign'],
  ): Promise<unknown>;
  sign(algorithm: 'HMAC', key: unknown, data: Uint8Array): Promise<ArrayBuffer>;
  digest(algorithm: 'SHA-256', data: Uint8Array): Promise<ArrayBuffer>;
}

interface WebGlobals {
  crypto?: { subtle?: SubtleCryptoLike };
  TextEncoder: new () => { encode(input?: string): Uint8Array };
}

const web = globalThis as unknown as WebGlobals;

function encoder(): { encode(input?: string): Uint8Array } {
  return new web.TextEncoder();
}

function subtle(): SubtleCryptoLike {
  const subtleCrypto = web.crypto?.subtle;
  if (subtleCrypto === undefined) {
    throw new InvalidArgumentError({
      argument: 'globalThis.crypto.subtle',
      message: '[crmkit/adapter-kit] WebCrypto (globalThis.crypto.subtle) is not available in this runtime.',
    });
  }
  return subtleCrypto;
}

async function hmacSha256(secret: string, message: string): Promise<Uint8Array> {
  const key = await subtle().importKey('raw', encoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  return new Uint8Array(await subtle().sign('HMAC', key, encoder().encode(message)));
}

async function sha256(message: string): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest('SHA-256', encoder().encode(message)));
}

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

function requireSecret(clientSecret: unknown): void {
  if (typeof clientSecret !== 'string' || clientSecret === '') {
    throw new InvalidArgumentError({
      argument: 'clientSecret',
      message: '[crmkit/adapter-kit] A non-empty client secret is required to verify webhook signatures.',
    });
  }
}
