/**
 * Phonetic codes for names, used for blocking and as a comparison level. Both work on the letters A-Z: input is
 * folded when it contains other characters, and anything that is not a letter is ignored.
 *
 * @module
 */

import { foldText } from './text';

/** Soundex digit per letter a-z: 0 = vowel (separates equal codes), -1 = h/w (ignored, does not separate). */
const SOUNDEX_CODES = new Int8Array([
  // a  b  c  d  e  f  g  h   i  j  k  l  m  n  o  p  q  r  s  t  u  v  w   x  y  z
  0, 1, 2, 3, 0, 1, 2, -1, 0, 2, 2, 4, 5, 5, 0, 1, 2, 6, 2, 3, 0, 1, -1, 2, 0, 2,
]);
const SOUNDEX_DIGITS = ['0', '1', '2', '3', '4', '5', '6'] as const;

/** Returns `s` when it is plain ASCII, otherwise its folded form (diacritics stripped). */
function asciiLetters(s: string): string {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) return foldText(s);
  }
  return s;
}

/** The index 0-25 of an ASCII letter (either case), or -1. */
function letterIndex(c: number): number {
  if (c >= 0x61 && c <= 0x7a) return c - 0x61;
  if (c >= 0x41 && c <= 0x5a) return c - 0x41;
  return -1;
}

/**
 * American Soundex: the first letter followed by three digits (`Robert` -> `R163`). Letters with the same code are
 * collapsed when adjacent or separated only by `h` or `w` (the American rule: `Ashcraft` -> `A261`), but coded
 * again after a vowel (`Tymczak` -> `T522`); the first letter's own code counts (`Pfister` -> `P236`). Padded with
 * zeros.
 *
 * @param s - A single word, ideally folded; non-letters are ignored and diacritics folded.
 * @returns The four-character code in uppercase, or `''` when the word has no letters.
 * @example
 * ```ts
 * soundex('robert'); // 'R163'
 * soundex('rupert'); // 'R163'
 * ```
 */
export function soundex(s: string): string {
  const text = asciiLetters(s);
  let out = '';
  let last = 0;
  let i = 0;
  for (; i < text.length; i++) {
    const k = letterIndex(text.charCodeAt(i));
    if (k === -1) continue;
    out = String.fromCharCode(0x41 + k);
    last = SOUNDEX_CODES[k]!;
    i++;
    break;
  }
  if (out === '') return '';
  for (; i < text.length && out.length < 4; i++) {
    const k = letterIndex(text.charCodeAt(i));
    if (k === -1) continue;
    const code = SOUNDEX_CODES[k]!;
    if (code === -1) continue; // h, w: transparent
    if (code !== 0 && code !== last) out += SOUNDEX_DIGITS[code]!;
    last = code;
  }
  while (out.length < 4) out += '0';
  return out;
}

const A = 0x41;
const C = 0x43;
const D = 0x44;
const E = 0x45;
const F = 0x46;
const G = 0x47;
const H = 0x48;
const I = 0x49;
const K = 0x4b;
const M = 0x4d;
const N = 0x4e;
const O = 0x4f;
const P = 0x50;
const Q = 0x51;
const R = 0x52;
const S = 0x53;
const T = 0x54;
const U = 0x55;
const V = 0x56;
const W = 0x57;
const Y = 0x59;
const Z = 0x5a;
const SPACE = 0x20;

/** Working buffer of uppercase letter codes, grown as needed. */
let word = new Uint16Array(32);

function isVowel(c: number): boolean {
  return c === A || c === E || c === I || c === O || c === U;
}

/**
 * NYSIIS, the New York State Identification and Intelligence System phonetic code (Taft, 1970), in its original
 * form as implemented by Apache Commons Codec: prefix rules (`MAC`->`MCC`, `KN`->`NN`, `K`->`C`, `PH`/`PF`->`FF`,
 * `SCH`->`SSS`), suffix rules (`EE`/`IE`->`Y`, `DT`/`RT`/`RD`/`NT`/`ND`->`D`), the letter-by-letter translation
 * (vowels->`A`, `EV`->`AF`, `Q`->`G`, `Z`->`S`, `M`->`N`, `KN`->`N`, `K`->`C`, `SCH`->`SSS`, `PH`->`FF`, `H` and
 * `W` after/between vowels) with repeated letters collapsed, and the final `S`, `AY`->`Y` and `A` rules. A trailing
 * `A` is kept when it is the whole code.
 *
 * @param s - A single word (family or given name); non-letters are ignored and diacritics folded.
 * @param maxLength - Truncate the code to this length (the original algorithm uses 6); 0 or less for no limit.
 * @returns The code in uppercase, or `''` when the word has no letters.
 * @example
 * ```ts
 * nysiis('knight');   // 'NAGT'
 * nysiis('mitchell'); // 'MATCAL'
 * ```
 */
export function nysiis(s: string, maxLength = 6): string {
  const text = asciiLetters(s);
  if (word.length < text.length + 2) word = new Uint16Array(Math.max(text.length + 2, word.length * 2));
  const w = word;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const k = letterIndex(text.charCodeAt(i));
    if (k !== -1) w[n++] = A + k;
  }
  if (n === 0) return '';

  // 1. Prefixes.
  if (n >= 3 && w[0] === M && w[1] === A && w[2] === C) {
    w[1] = C;
  } else if (n >= 2 && w[0] === K && w[1] === N) {
    w[0] = N;
  } else if (w[0] === K) {
    w[0] = C;
  } else if (n >= 2 && w[0] === P && (w[1] === H || w[1] === F)) {
    w[0] = F;
    w[1] = F;
  } else if (n >= 3 && w[0] === S && w[1] === C && w[2] === H) {
    w[1] = S;
    w[2] = S;
  }
  // 2. Suffixes.
  if (n >= 2) {
    const a = w[n - 2]!;
    const b = w[n - 1]!;
    if ((a === E || a === I) && b === E) {
      n--;
      w[n - 1] = Y;
    } else if (b === T ? a === D || a === R || a === N : b === D && (a === R || a === N)) {
      n--;
      w[n - 1] = D;
    }
  }
  // 3. The key starts with the first letter.
  let key = String.fromCharCode(w[0]!);
  let keyLast = w[0]!;
  // 4. Translate the remaining letters in place; append each one that differs from the previous letter.
  for (let i = 1; i < n; i++) {
    const prev = w[i - 1]!;
    const curr = w[i]!;
    const next = i < n - 1 ? w[i + 1]! : SPACE;
    const afterNext = i < n - 2 ? w[i + 2]! : SPACE;
    if (curr === E && next === V) {
      w[i] = A;
      w[i + 1] = F;
    } else if (isVowel(curr)) {
      w[i] = A;
    } else if (curr === Q) {
      w[i] = G;
    } else if (curr === Z) {
      w[i] = S;
    } else if (curr === M) {
      w[i] = N;
    } else if (curr === K) {
      if (next === N) {
        w[i] = N;
        w[i + 1] = N;
      } else {
        w[i] = C;
      }
    } else if (curr === S && next === C && afterNext === H) {
      w[i + 1] = S;
      w[i + 2] = S;
    } else if (curr === P && next === H) {
      w[i] = F;
      w[i + 1] = F;
    } else if (curr === H && (!isVowel(prev) || !isVowel(next))) {
      w[i] = prev;
    } else if (curr === W && isVowel(prev)) {
      w[i] = prev;
    }
    const c = w[i]!;
    if (c !== prev) {
      key += String.fromCharCode(c);
      keyLast = c;
    }
  }
  // 5-7. Final letters.
  if (key.length > 1) {
    if (keyLast === S) {
      key = key.slice(0, -1);
      keyLast = key.charCodeAt(key.length - 1);
    }
    if (key.length > 2 && keyLast === Y && key.charCodeAt(key.length - 2) === A) {
      key = key.slice(0, -2) + 'Y';
    }
    if (keyLast === A && key.length > 1) key = key.slice(0, -1);
  }
  return maxLength > 0 && key.length > maxLength ? key.slice(0, maxLength) : key;
}
