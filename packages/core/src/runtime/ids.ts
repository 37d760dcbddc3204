/**
 * Identifier generation: `<prefix>_<time><random>`, sortable by creation time (ULID-style, Crockford base 32),
 * using WebCrypto where the runtime has it.
 *
 * @module
 */

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** Creates ids for one prefix-space; ids from one generator sort in creation order. */
export type IdGenerator = (prefix: string) => string;

/** Random bytes drawn per call of the runtime's generator: one call serves this many ids' random parts. */
const RANDOM_POOL = 4096;
/** Random characters per id (one byte each, reduced to the 32-letter alphabet). */
const RANDOM_CHARS = 8;

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  const webCrypto = (globalThis as { crypto?: { getRandomValues?: (array: Uint8Array) => Uint8Array } }).crypto;
  if (webCrypto?.getRandomValues) webCrypto.getRandomValues(bytes);
  else for (let i = 0; i < length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return bytes;
}

function encodeTime(ms: number): string {
  let out = '';
  let value = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[value % 32] + out;
    value = Math.floor(value / 32);
  }
  return out;
}

/**
 * Returns a generator of time-sortable ids. Within one millisecond a counter keeps ids increasing.
 *
 * @example
 * ```ts
 * const nextId = createIdGenerator();
 * nextId('cus') // 'cus_01jd3k...'
 * ```
 */
export function createIdGenerator(now: () => number = Date.now): IdGenerator {
  let lastTime = -1;
  let counter = 0;
  // Time and random part of the current millisecond, encoded once for every id in it.
  let timePart = '';
  let randomPart = '';
  // Random bytes are drawn in blocks (one runtime call per RANDOM_POOL / RANDOM_CHARS milliseconds), not per id.
  let pool: Uint8Array = new Uint8Array(0);
  let offset = 0;
  const nextRandomPart = (): string => {
    if (offset + RANDOM_CHARS > pool.length) {
      pool = randomBytes(RANDOM_POOL);
      offset = 0;
    }
    let out = '';
    for (let i = 0; i < RANDOM_CHARS; i++) out += ALPHABET[pool[offset + i]! % 32];
    offset += RANDOM_CHARS;
    return out;
  };
  return (prefix) => {
    // A clock that steps back (NTP) must not make ids go backwards: stay on the last time and count on.
    let time = Math.max(now(), lastTime);
    if (time === lastTime && counter < 32 ** 4 - 1) {
      counter++;
    } else {
      if (time === lastTime) time++; // the counter is spent: borrow the next millisecond
      lastTime = time;
      counter = 0;
      timePart = encodeTime(time);
      randomPart = nextRandomPart();
    }
    return `${prefix}_${timePart}${counter.toString(32).padStart(4, '0')}${randomPart}`;
  };
}
