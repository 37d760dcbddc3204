/**
 * SHA-256 (FIPS 180-4), synchronous, on the UTF-8 bytes of a string. The audit chain hashes small entries inside
 * store transactions: a synchronous digest keeps a hop to a thread pool (WebCrypto's `subtle.digest` is async) out of
 * every write, and behaves the same on every runtime and under fake clocks.
 *
 * Tuned for many short inputs (an audit entry hashes two strings of a few hundred bytes): one module-level encoder
 * and input buffer reused across calls (`TextEncoder.encodeInto`, no allocation per call but the result string),
 * the message schedule computed in place over a 16-word ring, int32 arithmetic, and hex output through a table.
 * Not re-entrant across threads, which JavaScript does not share.
 *
 * @module
 */
import { runtime } from '../runtime/runtime';

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

/** The message schedule: 64 words, computed per block. */
const W = new Int32Array(64);
/** The chaining state of the digest being computed. */
const H = new Int32Array(8);

/** `TextEncoder.encodeInto`, which every target runtime has; typed here because core's runtime type omits it. */
interface Utf8Encoder {
  encode(input?: string): Uint8Array;
  encodeInto?(input: string, destination: Uint8Array): { read: number; written: number };
}
const encoder = new runtime.TextEncoder() as Utf8Encoder;

/** The input buffer, reused across calls and grown to the largest input seen (never shrunk below 64 KiB). */
let buffer = new Uint8Array(1024);
const KEEP_BYTES = 64 * 1024;

/** Byte -> two lowercase hex characters. */
const HEX_BYTE: string[] = [];
for (let i = 0; i < 256; i++) HEX_BYTE.push(i.toString(16).padStart(2, '0'));

/** The UTF-8 bytes of `text` into `buffer` (grown when needed); returns their length. */
function encode(text: string): number {
  // A UTF-16 code unit takes at most 3 bytes of UTF-8; 72 more for the padding.
  const needed = text.length * 3 + 72;
  if (buffer.length < needed) buffer = new Uint8Array(Math.max(needed, buffer.length * 2));
  // Code units below 0x80 are their own byte: short ASCII inputs (most audit input) skip the native call.
  const n = text.length;
  let i = 0;
  if (n <= 512) {
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      buffer[i] = c;
    }
    if (i === n) return n;
  }
  if (encoder.encodeInto) return i + encoder.encodeInto(i === 0 ? text : text.slice(i), buffer.subarray(i)).written;
  const bytes = encoder.encode(i === 0 ? text : text.slice(i));
  buffer.set(bytes, i);
  return i + bytes.length;
}

/** Runs the compression function over `blocks` 64-byte blocks of `bytes`, updating {@link H}. */
function compress(bytes: Uint8Array, blocks: number): void {
  let h0 = H[0]!;
  let h1 = H[1]!;
  let h2 = H[2]!;
  let h3 = H[3]!;
  let h4 = H[4]!;
  let h5 = H[5]!;
  let h6 = H[6]!;
  let h7 = H[7]!;
  for (let block = 0, offset = 0; block < blocks; block++, offset += 64) {
    for (let t = 0, j = offset; t < 16; t++, j += 4) {
      W[t] = (bytes[j]! << 24) | (bytes[j + 1]! << 16) | (bytes[j + 2]! << 8) | bytes[j + 3]!;
    }
    for (let t = 16; t < 64; t++) {
      const w15 = W[t - 15]!;
      const w2 = W[t - 2]!;
      const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
      const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
      W[t] = (W[t - 16]! + s0 + W[t - 7]! + s1) | 0;
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    let f = h5;
    let g = h6;
    let h = h7;
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (h + S1 + ch + K[t]! + W[t]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + S0 + maj) | 0;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
    h5 = (h5 + f) | 0;
    h6 = (h6 + g) | 0;
    h7 = (h7 + h) | 0;
  }
  H[0] = h0;
  H[1] = h1;
  H[2] = h2;
  H[3] = h3;
  H[4] = h4;
  H[5] = h5;
  H[6] = h6;
  H[7] = h7;
}

/** `length` bytes of `bytes` from `offset`, as lowercase hex. */
export function bytesToHex(bytes: Uint8Array, offset = 0, length = bytes.length - offset): string {
  let hex = '';
  for (let i = offset; i < offset + length; i++) hex += HEX_BYTE[bytes[i]!]!;
  return hex;
}

/** SHA-256 of the UTF-8 bytes of `text`, as 64 lowercase hex characters. */
export function sha256HexSync(text: string): string {
  const length = encode(text);
  // Message + 0x80 + zero padding + 64-bit big-endian bit length, to a multiple of 64 bytes.
  const padded = ((length + 9 + 63) >> 6) << 6;
  const bytes = buffer;
  bytes[length] = 0x80;
  bytes.fill(0, length + 1, padded - 8);
  const high = Math.floor(length / 0x20000000);
  const low = (length << 3) >>> 0;
  bytes[padded - 8] = high >>> 24;
  bytes[padded - 7] = high >>> 16;
  bytes[padded - 6] = high >>> 8;
  bytes[padded - 5] = high;
  bytes[padded - 4] = low >>> 24;
  bytes[padded - 3] = low >>> 16;
  bytes[padded - 2] = low >>> 8;
  bytes[padded - 1] = low;
  H[0] = 0x6a09e667;
  H[1] = 0xbb67ae85;
  H[2] = 0x3c6ef372;
  H[3] = 0xa54ff53a;
  H[4] = 0x510e527f;
  H[5] = 0x9b05688c;
  H[6] = 0x1f83d9ab;
  H[7] = 0x5be0cd19;
  compress(bytes, padded >> 6);
  if (buffer.length > KEEP_BYTES && length < KEEP_BYTES) buffer = new Uint8Array(KEEP_BYTES);
  let hex = '';
  for (let i = 0; i < 8; i++) {
    const word = H[i]!;
    hex +=
      HEX_BYTE[word >>> 24]! +
      HEX_BYTE[(word >>> 16) & 0xff]! +
      HEX_BYTE[(word >>> 8) & 0xff]! +
      HEX_BYTE[word & 0xff]!;
  }
  return hex;
}
