/**
 * String, date and number similarity measures used by the comparison levels. Inputs are expected to be normalised
 * already. Strings are compared by UTF-16 code unit, which is exact for the Basic Multilingual Plane.
 *
 * The edit-distance and Jaro functions reuse module-level typed-array buffers that grow as needed, so they do not
 * allocate per call. They are not re-entrant, which is fine in single-threaded JavaScript (each worker has its own
 * module instance).
 *
 * @module
 */

let flagsA = new Uint8Array(64);
let flagsB = new Uint8Array(64);
let row0 = new Int32Array(64);
let row1 = new Int32Array(64);
let row2 = new Int32Array(64);

function ensureFlags(n: number): void {
  if (flagsA.length < n) {
    const size = Math.max(n, flagsA.length * 2);
    flagsA = new Uint8Array(size);
    flagsB = new Uint8Array(size);
  }
}

function ensureRows(n: number): void {
  if (row0.length < n) {
    const size = Math.max(n, row0.length * 2);
    row0 = new Int32Array(size);
    row1 = new Int32Array(size);
    row2 = new Int32Array(size);
  }
}

/**
 * Jaro-Winkler similarity. The Jaro similarity (matches within a window of `floor(max(|a|, |b|) / 2) - 1`,
 * half-transpositions) is boosted by `l * prefixScale * (1 - jaro)` for a common prefix of length `l <= 4`, when the
 * Jaro similarity exceeds 0.7 (Winkler's boost threshold).
 *
 * @param a - First string.
 * @param b - Second string.
 * @param prefixScale - Weight of the common prefix, clamped to [0, 0.25] so the result stays in [0, 1]; 0 gives the
 *   plain Jaro similarity. Default 0.1.
 * @returns The similarity in [0, 1]: 1 for identical strings (also two empty ones), 0 when one is empty or nothing
 *   matches.
 * @example
 * ```ts
 * jaroWinkler('martha', 'marhta'); // 0.9611...
 * jaroWinkler('dwayne', 'duane');  // 0.84
 * ```
 */
export function jaroWinkler(a: string, b: string, prefixScale = 0.1): number {
  if (a === b) return 1;
  const la = a.length;
  const lb = b.length;
  if (la === 0 || lb === 0) return 0;
  const window = Math.max(0, (Math.max(la, lb) >> 1) - 1);
  ensureFlags(Math.max(la, lb));
  const fa = flagsA;
  const fb = flagsB;
  fa.fill(0, 0, la);
  fb.fill(0, 0, lb);
  let matches = 0;
  for (let i = 0; i < la; i++) {
    const c = a.charCodeAt(i);
    const lo = i > window ? i - window : 0;
    const hi = Math.min(i + window + 1, lb);
    for (let j = lo; j < hi; j++) {
      if (fb[j] === 0 && b.charCodeAt(j) === c) {
        fa[i] = 1;
        fb[j] = 1;
        matches++;
        break;
      }
    }
  }
  if (matches === 0) return 0;
  let halfTranspositions = 0;
  let k = 0;
  for (let i = 0; i < la; i++) {
    if (fa[i] === 0) continue;
    while (fb[k] === 0) k++;
    if (a.charCodeAt(i) !== b.charCodeAt(k)) halfTranspositions++;
    k++;
  }
  const m = matches;
  const jaro = (m / la + m / lb + (m - (halfTranspositions >> 1)) / m) / 3;
  if (jaro <= 0.7) return jaro;
  const scale = prefixScale < 0 ? 0 : Math.min(prefixScale, 0.25);
  const maxPrefix = Math.min(4, la, lb);
  let prefix = 0;
  while (prefix < maxPrefix && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  return jaro + prefix * scale * (1 - jaro);
}

/**
 * The set-up both bounded edit distances share, left in module state by the last `alignForEdit` call (no
 * allocation): the shorter string `editA`, the longer `editB`, their common prefix length `editStart`, the lengths
 * `editLa` and `editLb` of what remains between the common prefix and suffix, and the bound.
 */
let editA = '';
let editB = '';
let editStart = 0;
let editLa = 0;
let editLb = 0;
let editBound = 0;

/**
 * Orders `a` and `b` (shorter first), strips their common prefix and (non-overlapping) suffix, and answers what
 * needs no table: the distance when one string is used up, `max + 1` when the lengths alone exceed the bound. Returns
 * that distance, or -1 with the module state set for the dynamic programme.
 */
function alignForEdit(a: string, b: string, max: number | undefined): number {
  if (a === b) return 0;
  // Make `a` the shorter string: the rows are as long as `a`.
  if (a.length > b.length) {
    const t = a;
    a = b;
    b = t;
  }
  const bound = max === undefined ? Number.POSITIVE_INFINITY : Math.max(0, max);
  if (b.length - a.length > bound) return bound + 1;
  const la = a.length;
  const lb = b.length;
  let start = 0;
  while (start < la && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  let end = 0;
  while (end < la - start && a.charCodeAt(la - 1 - end) === b.charCodeAt(lb - 1 - end)) end++;
  const restA = la - start - end;
  const restB = lb - start - end;
  if (restA === 0) return restB > bound ? bound + 1 : restB;
  editA = a;
  editB = b;
  editStart = start;
  editLa = restA;
  editLb = restB;
  editBound = bound;
  ensureRows(restA + 1);
  return -1;
}

/**
 * Levenshtein edit distance (insertions, deletions, substitutions, each cost 1).
 *
 * @param a - First string.
 * @param b - Second string.
 * @param max - Optional bound: when the distance exceeds it, the computation may stop early and return `max + 1`
 *   (so any result `> max` means "more than max").
 * @returns The distance, or `max + 1` when it is larger than `max`.
 * @example
 * ```ts
 * levenshtein('kitten', 'sitting');    // 3
 * levenshtein('kitten', 'sitting', 1); // 2 (= max + 1)
 * ```
 */
export function levenshtein(a: string, b: string, max?: number): number {
  const decided = alignForEdit(a, b, max);
  return decided >= 0 ? decided : levenshteinTable(editA, editB, editStart, editLa, editLb, editBound);
}

/** The dynamic programme of {@link levenshtein} over `a` and `b` from `start`, `la` and `lb` long, with early stop. */
function levenshteinTable(a: string, b: string, start: number, la: number, lb: number, bound: number): number {
  let prev = row0;
  let curr = row1;
  for (let i = 0; i <= la; i++) prev[i] = i;
  for (let j = 1; j <= lb; j++) {
    const cb = b.charCodeAt(start + j - 1);
    curr[0] = j;
    let rowMin = j;
    for (let i = 1; i <= la; i++) {
      const cost = a.charCodeAt(start + i - 1) === cb ? 0 : 1;
      let v = prev[i - 1]! + cost;
      const del = prev[i]! + 1;
      if (del < v) v = del;
      const ins = curr[i - 1]! + 1;
      if (ins < v) v = ins;
      curr[i] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > bound) return bound + 1;
    const t = prev;
    prev = curr;
    curr = t;
  }
  const d = prev[la]!;
  return d > bound ? bound + 1 : d;
}

/**
 * Damerau-Levenshtein distance in its optimal string alignment form: like {@link levenshtein}, plus a transposition
 * of two adjacent characters costs 1 (no substring is edited twice, so `ca` -> `abc` is 3, not 2).
 *
 * @param a - First string.
 * @param b - Second string.
 * @param max - Optional bound with early stop, as for {@link levenshtein}.
 * @returns The distance, or `max + 1` when it is larger than `max`.
 * @example
 * ```ts
 * damerauLevenshtein('martha', 'marhta'); // 1
 * levenshtein('martha', 'marhta');        // 2
 * ```
 */
export function damerauLevenshtein(a: string, b: string, max?: number): number {
  const decided = alignForEdit(a, b, max);
  return decided >= 0 ? decided : damerauTable(editA, editB, editStart, editLa, editLb, editBound);
}

/** The dynamic programme of {@link damerauLevenshtein}, as {@link levenshteinTable} plus adjacent transpositions. */
function damerauTable(a: string, b: string, start: number, la: number, lb: number, bound: number): number {
  let before = row0; // row j - 2
  let prev = row1; // row j - 1
  let curr = row2; // row j
  for (let i = 0; i <= la; i++) prev[i] = i;
  for (let j = 1; j <= lb; j++) {
    const cb = b.charCodeAt(start + j - 1);
    const cbPrev = j > 1 ? b.charCodeAt(start + j - 2) : -1;
    curr[0] = j;
    let rowMin = j;
    for (let i = 1; i <= la; i++) {
      const ca = a.charCodeAt(start + i - 1);
      const cost = ca === cb ? 0 : 1;
      let v = prev[i - 1]! + cost;
      const del = prev[i]! + 1;
      if (del < v) v = del;
      const ins = curr[i - 1]! + 1;
      if (ins < v) v = ins;
      if (i > 1 && j > 1 && ca === cbPrev && a.charCodeAt(start + i - 2) === cb) {
        const tr = before[i - 2]! + 1;
        if (tr < v) v = tr;
      }
      curr[i] = v;
      if (v < rowMin) rowMin = v;
    }
    // Later cells derive from this row (cost >= 0) or, by a transposition, from the previous row (cost 1): once
    // this row is above the bound and the previous one is at least the bound, the result must exceed the bound.
    if (rowMin > bound) {
      let prevMin = Number.POSITIVE_INFINITY;
      for (let i = 0; i <= la; i++) if (prev[i]! < prevMin) prevMin = prev[i]!;
      if (prevMin >= bound) return bound + 1;
    }
    const t = before;
    before = prev;
    prev = curr;
    curr = t;
  }
  const d = prev[la]!;
  return d > bound ? bound + 1 : d;
}

/**
 * Padded q-grams: the string is padded with `q - 1` `#` characters on each side and every substring of length `q`
 * is returned in order (with repeats). `qgrams('ab')` is `['#a', 'ab', 'b#']`.
 *
 * @param s - The string.
 * @param q - Gram length, at least 1. Default 2.
 * @returns The q-grams; empty for an empty string.
 * @example
 * ```ts
 * qgrams('anna'); // ['#a', 'an', 'nn', 'na', 'a#']
 * ```
 */
export function qgrams(s: string, q = 2): string[] {
  if (s.length === 0) return [];
  const n = Math.max(1, Math.floor(q));
  const pad = n > 1 ? '#'.repeat(n - 1) : '';
  const padded = pad + s + pad;
  const out: string[] = new Array(padded.length - n + 1);
  for (let i = 0; i + n <= padded.length; i++) out[i] = padded.slice(i, i + n);
  return out;
}

/**
 * Jaccard similarity of the padded q-gram **multisets** (bags) of two strings: the size of the multiset intersection
 * (minimum count of each gram) divided by the size of the multiset union (maximum count). Counting repeats keeps
 * `aaaa` and `aa` apart, which set semantics would call identical.
 *
 * @param a - First string.
 * @param b - Second string.
 * @param q - Gram length, see {@link qgrams}. Default 2.
 * @returns The similarity in [0, 1]; 1 for identical strings (also two empty ones), 0 when one is empty.
 * @example
 * ```ts
 * jaccard('night', 'nacht'); // 0.333... (#n, ht, t# shared; 9 distinct bigrams)
 * ```
 */
export function jaccard(a: string, b: string, q = 2): number {
  if (a === b) return 1;
  if (a.length === 0 || b.length === 0) return 0;
  const gramsA = qgrams(a, q);
  const gramsB = qgrams(b, q);
  const counts = new Map<string, number>();
  for (const g of gramsA) counts.set(g, (counts.get(g) ?? 0) + 1);
  let intersection = 0;
  for (const g of gramsB) {
    const c = counts.get(g);
    if (c !== undefined && c > 0) {
      intersection++;
      counts.set(g, c - 1);
    }
  }
  return intersection / (gramsA.length + gramsB.length - intersection);
}

const WHITESPACE = /\s+/;

function tokenSet(s: string): Set<string> {
  const set = new Set<string>();
  for (const t of s.split(WHITESPACE)) if (t !== '') set.add(t);
  return set;
}

/**
 * Jaccard similarity of the **sets** of whitespace-separated tokens: `|A ∩ B| / |A ∪ B|`. Token order and repeats
 * do not matter (`jan van berg` equals `berg jan van`).
 *
 * @param a - First string.
 * @param b - Second string.
 * @returns The similarity in [0, 1]; 1 for identical strings (also two empty ones), 0 when one has no tokens.
 * @example
 * ```ts
 * tokenJaccard('acme trading', 'acme holding trading'); // 0.666...
 * ```
 */
export function tokenJaccard(a: string, b: string): number {
  if (a === b) return 1;
  const setA = tokenSet(a);
  const setB = tokenSet(b);
  if (setA.size === 0 || setB.size === 0) return setA.size === setB.size ? 1 : 0;
  let intersection = 0;
  for (const t of setA) if (setB.has(t)) intersection++;
  return intersection / (setA.size + setB.size - intersection);
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/** Parses a strict, existing ISO date into its components, or `null`. */
function parseIsoDate(s: string): [number, number, number] | null {
  const m = ISO_DATE.exec(s);
  if (m === null) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1) return null;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = mo === 2 ? (leap ? 29 : 28) : mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31;
  if (d > days) return null;
  return [y, mo, d];
}

function dayNumber(y: number, m: number, d: number): number {
  const date = new Date(0);
  date.setUTCFullYear(y, m - 1, d); // setUTCFullYear keeps years 0-99 literal, unlike Date.UTC
  return Math.round(date.getTime() / MS_PER_DAY);
}

/**
 * Absolute number of days between two ISO dates (`YYYY-MM-DD`).
 *
 * @param a - First date.
 * @param b - Second date.
 * @returns The number of days, or `null` when either is not a valid ISO date.
 * @example
 * ```ts
 * dateDifferenceDays('1980-02-28', '1980-03-01'); // 2
 * ```
 */
export function dateDifferenceDays(a: string, b: string): number | null {
  const da = parseIsoDate(a);
  const db = parseIsoDate(b);
  if (da === null || db === null) return null;
  return Math.abs(dayNumber(da[0], da[1], da[2]) - dayNumber(db[0], db[1], db[2]));
}

/** True when `a` and `b` (same length) differ in exactly two positions whose characters are swapped. */
function isDigitSwap(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let first = -1;
  let second = -1;
  for (let i = 0; i < a.length; i++) {
    if (a.charCodeAt(i) !== b.charCodeAt(i)) {
      if (first === -1) first = i;
      else if (second === -1) second = i;
      else return false;
    }
  }
  return second !== -1 && a[first] === b[second] && a[second] === b[first];
}

/**
 * Detects a typical keying error between two different ISO dates: day and month swapped (`1980-03-04` vs
 * `1980-04-03`), or two digits swapped within one component while the other two agree (`1978-05-12` vs
 * `1987-05-12`, `1980-05-12` vs `1980-05-21`).
 *
 * @param a - First ISO date.
 * @param b - Second ISO date.
 * @returns `true` for such a transposition; `false` for equal dates, other differences and invalid dates.
 * @example
 * ```ts
 * isDateTransposition('1980-03-04', '1980-04-03'); // true
 * isDateTransposition('1978-05-12', '1987-05-12'); // true
 * ```
 */
export function isDateTransposition(a: string, b: string): boolean {
  if (a === b) return false;
  const da = parseIsoDate(a);
  const db = parseIsoDate(b);
  if (da === null || db === null) return false;
  const [ya, ma, dA] = da;
  const [yb, mb, dB] = db;
  if (ya === yb && ma === dB && dA === mb) return true;
  const sameYear = ya === yb;
  const sameMonth = ma === mb;
  const sameDay = dA === dB;
  if (sameMonth && sameDay) return isDigitSwap(a.slice(0, 4), b.slice(0, 4));
  if (sameYear && sameDay) return isDigitSwap(a.slice(5, 7), b.slice(5, 7));
  if (sameYear && sameMonth) return isDigitSwap(a.slice(8, 10), b.slice(8, 10));
  return false;
}

const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

/**
 * Absolute difference of two decimal numbers written as strings (`'42'`, `'-3.5'`, `'1e3'`; surrounding
 * whitespace allowed).
 *
 * @param a - First number.
 * @param b - Second number.
 * @returns `|a - b|`, or `null` when either is not a finite decimal number.
 * @example
 * ```ts
 * numericDifference('1980', '1982'); // 2
 * numericDifference('12a', '12');    // null
 * ```
 */
export function numericDifference(a: string, b: string): number | null {
  const ta = a.trim();
  const tb = b.trim();
  if (!NUMERIC.test(ta) || !NUMERIC.test(tb)) return null;
  const d = Math.abs(Number(ta) - Number(tb));
  return Number.isFinite(d) ? d : null;
}
