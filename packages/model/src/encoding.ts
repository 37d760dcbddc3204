/**
 * The small encodings every package shares, one copy each: FNV-1a hashing, stable (key-sorted) JSON, code-unit string
 * order and base64 / base64url of UTF-8 text. Pure functions on Web-standard globals (`btoa`, `atob`, `TextEncoder`,
 * `TextDecoder`); no `node:` imports, so they run on every runtime.
 *
 * @module
 */

interface EncodingGlobals {
  btoa(data: string): string;
  atob(data: string): string;
  TextEncoder: new () => { encode(input?: string): Uint8Array };
  TextDecoder: new (label?: string, options?: { fatal?: boolean }) => { decode(input?: Uint8Array): string };
}

const web = globalThis as unknown as EncodingGlobals;

/** The 32-bit FNV offset basis. */
export const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * 32-bit FNV-1a hash of the UTF-16 code units of `text`, as an unsigned integer. Not cryptographic: for lock keys,
 * fingerprints, hash sets and made-up test digests. `basis` continues from an earlier hash or mixes in a seed.
 *
 * @param text - What to hash.
 * @param basis - Start value. @default FNV_OFFSET_BASIS
 * @returns An integer in `[0, 2^32)`.
 * @example
 * ```ts
 * fnv1a32('a'); // 0xe40c292c
 * fnv1a32('crmkit:migrate:public') | 0; // a signed 32-bit key, e.g. for pg_advisory_lock
 * ```
 */
export function fnv1a32(text: string, basis: number = FNV_OFFSET_BASIS): number {
  let hash = basis;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), FNV_PRIME);
  return hash >>> 0;
}

/**
 * A 64-bit hash of a string, as 16 hex characters: 32-bit FNV-1a next to a second, differently mixed 32-bit lane.
 * Not cryptographic: used to detect unchanged content.
 *
 * @example
 * ```ts
 * hashString(stableStringify(record.data)); // e.g. 'a1b2c3d4e5f60718'
 * ```
 */
export function hashString(text: string): string {
  let h1 = FNV_OFFSET_BASIS;
  let h2 = FNV_PRIME ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, FNV_PRIME) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
    h2 = (h2 ^ (h2 >>> 15)) >>> 0;
  }
  return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
}

/**
 * JSON with object keys sorted at every level, so equal values give equal strings. Object properties that are
 * `undefined` are left out and `undefined` array items become `null` (as in `JSON.stringify`); a top-level
 * `undefined` gives `'undefined'`.
 *
 * @example
 * ```ts
 * stableStringify({ b: 1, a: [2, undefined] }); // '{"a":[2,null],"b":1}'
 * ```
 */
export function stableStringify(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  // Strings are built by concatenation, without intermediate entry arrays: this runs for every record and audit entry.
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (i > 0) out += ',';
      out += item === undefined ? 'null' : stableStringify(item);
    }
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  // The default sort compares UTF-16 code units, as `compareStrings` does.
  const keys = Object.keys(object).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = object[key];
    if (item === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += `${JSON.stringify(key)}:${stableStringify(item)}`;
  }
  return `${out}}`;
}

/**
 * Standard base64 (with `=` padding) of bytes, or of the UTF-8 encoding of a string.
 *
 * @example
 * ```ts
 * base64Encode('ü'); // 'w7w='
 * ```
 */
export function base64Encode(input: string | Uint8Array): string {
  const bytes = typeof input === 'string' ? new web.TextEncoder().encode(input) : input;
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return web.btoa(binary);
}

/**
 * Base64url without padding (RFC 4648 §5) of bytes, or of the UTF-8 encoding of a string: safe in URLs, cursors
 * and checkpoints.
 *
 * @example
 * ```ts
 * base64UrlEncode('cus_1'); // 'Y3VzXzE'
 * ```
 */
export function base64UrlEncode(input: string | Uint8Array): string {
  return base64Encode(input).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Decodes base64url (padding optional) back to the UTF-8 text it encodes.
 *
 * @throws TypeError when `value` holds characters outside the base64url alphabet, has an impossible length, or
 *   does not decode to valid UTF-8. Callers turn this into their own typed error (`InvalidArgumentError`).
 * @example
 * ```ts
 * base64UrlDecode('Y3VzXzE'); // 'cus_1'
 * ```
 */
export function base64UrlDecode(value: string): string {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(value)) throw new TypeError('not base64url');
  const base64 = value.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  if (base64.length % 4 === 1) throw new TypeError('not base64url: impossible length');
  const binary = web.atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new web.TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

/**
 * Compares two strings by UTF-16 code unit, locale independent: the total order every deterministic sort in crmkit
 * uses (`Array.prototype.sort`'s default order, as a comparator).
 *
 * @example
 * ```ts
 * ['b', 'a', 'B'].sort(compareStrings); // ['B', 'a', 'b']
 * ```
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
