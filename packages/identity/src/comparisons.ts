import { damerauLevenshtein, isDateTransposition, jaroWinkler, tokenJaccard } from './compare';
import type { Prepared } from './prepare';

/**
 * One comparison of a configuration: how far two prepared records agree on one aspect (a name, the birth date,
 * the address), as a level. Level 0 is the strongest agreement, the last level is disagreement; `-1` means a value
 * is missing on either side (no evidence either way).
 */
export interface Comparison {
  /** Name used in parameters and explanations. */
  readonly name: string;
  /** Level names, strongest first; the last one is "different". */
  readonly levels: readonly string[];
  /** Default m and u per level, used until parameters are estimated. */
  readonly defaults: { readonly m: readonly number[]; readonly u: readonly number[] };
  /** Value whose frequency adjusts the weight of level 0 (term-frequency adjustment), if any. */
  readonly tf?: (record: Prepared) => string | null;
  /** The level the pair reaches, or -1 when either side lacks the value. */
  level(a: Prepared, b: Prepared): number;
  /** The normalised values compared, for explanations. */
  show(record: Prepared): string | null;
}

const MISSING = -1;

/** Jaro-Winkler with the identical-strings shortcut. */
function jw(a: string, b: string): number {
  return a === b ? 1 : jaroWinkler(a, b);
}

function nameLevel(
  a: string | null,
  b: string | null,
  aCanon: string | null,
  bCanon: string | null,
  aOther: string | null,
  bOther: string | null,
): number {
  if (a === null || b === null) return MISSING;
  // An initial says little: two "J."s agree no more than "J." and "Jan" do.
  if (a.length === 1 || b.length === 1) return a.charCodeAt(0) === b.charCodeAt(0) ? 2 : 4;
  if (a === b) return 0;
  if (aCanon !== null && aCanon === bCanon) return 1;
  const similarity = jw(a, b);
  if (similarity >= 0.92) return 1;
  if (similarity >= 0.8) return 2;
  // Swapped names; the first-letter check keeps this cheap for the many pairs that are simply different.
  if (
    aOther !== null &&
    bOther !== null &&
    a.charCodeAt(0) === bOther.charCodeAt(0) &&
    b.charCodeAt(0) === aOther.charCodeAt(0)
  ) {
    if (jw(a, bOther) >= 0.88 && jw(b, aOther) >= 0.88) return 3;
  }
  return 4;
}

/** Given name: exact, nickname or close, similar or an initial, swapped with the family name, different. */
export const givenNameComparison: Comparison = {
  name: 'givenName',
  levels: [
    'exact',
    'nickname or jaro-winkler >= 0.92',
    'jaro-winkler >= 0.8 or initial',
    'swapped with family name',
    'different',
  ],
  defaults: { m: [0.78, 0.1, 0.06, 0.02, 0.04], u: [0.004, 0.004, 0.03, 0.0002, 0.9618] },
  tf: (r) => r.given,
  level: (a, b) => nameLevel(a.given, b.given, a.givenCanon, b.givenCanon, a.family, b.family),
  show: (r) => r.given,
};

/** Family name: exact, close, similar, swapped with the given name, different. */
export const familyNameComparison: Comparison = {
  name: 'familyName',
  levels: ['exact', 'jaro-winkler >= 0.92', 'jaro-winkler >= 0.8', 'swapped with given name', 'different'],
  defaults: { m: [0.82, 0.09, 0.04, 0.02, 0.03], u: [0.001, 0.002, 0.02, 0.0002, 0.9768] },
  tf: (r) => r.family,
  level: (a, b) => nameLevel(a.family, b.family, null, null, a.given, b.given),
  show: (r) => r.family,
};

/** True when two strings differ by one character or by two adjacent characters swapped. */
function oneKeyingError(x: string, y: string): boolean {
  if (x.length !== y.length) return damerauLevenshtein(x, y, 1) <= 1;
  let first = -1;
  let count = 0;
  for (let i = 0; i < x.length; i++) {
    if (x.charCodeAt(i) !== y.charCodeAt(i)) {
      if (++count > 2) return false;
      if (first < 0) first = i;
    }
  }
  if (count <= 1) return true;
  return x.charCodeAt(first) === y.charCodeAt(first + 1) && x.charCodeAt(first + 1) === y.charCodeAt(first);
}

/** True when two strings of equal length differ in at most `max` positions. */
function sameLengthFewDifferences(x: string, y: string, max: number): boolean {
  if (x.length !== y.length) return false;
  let count = 0;
  for (let i = 0; i < x.length; i++) if (x.charCodeAt(i) !== y.charCodeAt(i) && ++count > max) return false;
  return true;
}

/** Days since 0000-03-01 of an ISO date (civil calendar arithmetic, no Date objects). */
function dayNumber(iso: string): number {
  let y =
    (iso.charCodeAt(0) - 48) * 1000 +
    (iso.charCodeAt(1) - 48) * 100 +
    (iso.charCodeAt(2) - 48) * 10 +
    iso.charCodeAt(3) -
    48;
  const m = (iso.charCodeAt(5) - 48) * 10 + iso.charCodeAt(6) - 48;
  const d = (iso.charCodeAt(8) - 48) * 10 + iso.charCodeAt(9) - 48;
  if (m <= 2) y--;
  const mp = (m + 9) % 12;
  return 365 * y + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400) + Math.floor((153 * mp + 2) / 5) + d;
}

/** Birth date: exact, one keying error (one digit, transposition, day and month swapped), within a year, different. */
export const birthDateComparison: Comparison = {
  name: 'birthDate',
  levels: ['exact', 'one keying error', 'within a year', 'different'],
  defaults: { m: [0.9, 0.06, 0.02, 0.02], u: [0.0001, 0.002, 0.02, 0.9779] },
  level(a, b) {
    const x = a.birth;
    const y = b.birth;
    if (x === null || y === null) return MISSING;
    if (x === y) return 0;
    if (oneKeyingError(x, y) || (sameLengthFewDifferences(x, y, 4) && isDateTransposition(x, y))) return 1;
    return Math.abs(dayNumber(x) - dayNumber(y)) <= 366 ? 2 : 3;
  },
  show: (r) => r.birth,
};

function bestOf(xs: readonly string[], ys: readonly string[], level: (x: string, y: string) => number): number {
  if (xs.length === 0 || ys.length === 0) return MISSING;
  let best = Number.POSITIVE_INFINITY;
  for (const x of xs) {
    for (const y of ys) {
      const l = level(x, y);
      if (l < best) best = l;
      if (best === 0) return 0;
    }
  }
  return best;
}

/**
 * Email: exact (after normalisation), the same user name at a mistyped domain, different. There is deliberately no
 * "similar user name" level: user names are mostly made of the person's name, so that level would count the name
 * evidence twice (two different Priya Asantes are priya.asante@ziggo.nl and priya.asante99@outlook.com).
 */
export const emailComparison: Comparison = {
  name: 'email',
  levels: ['exact', 'same user name, domain within two typos', 'different'],
  defaults: { m: [0.7, 0.03, 0.27], u: [0.00001, 0.000001, 0.999989] },
  level: (a, b) =>
    bestOf(a.emails, b.emails, (x, y) => {
      if (x === y) return 0;
      const at = x.indexOf('@');
      if (
        at === y.indexOf('@') &&
        x.slice(0, at) === y.slice(0, at) &&
        damerauLevenshtein(x.slice(at), y.slice(at), 2) <= 2
      ) {
        return 1;
      }
      return 2;
    }),
  show: (r) => r.emails.join(' ') || null,
};

/** Phone: exact (E.164), one digit off, different. */
export const phoneComparison: Comparison = {
  name: 'phone',
  levels: ['exact', 'one keying error', 'different'],
  defaults: { m: [0.75, 0.05, 0.2], u: [0.00001, 0.0001, 0.99989] },
  level: (a, b) => bestOf(a.phones, b.phones, (x, y) => (x === y ? 0 : damerauLevenshtein(x, y, 1) <= 1 ? 1 : 2)),
  show: (r) => r.phones.join(' ') || null,
};

const citiesAgree = (x: string, y: string): boolean => jaroWinkler(x, y) >= 0.92 || wordsContained(x, y);
const streetsAgree = (x: string, y: string): boolean => jaroWinkler(x, y) >= 0.9 || wordsContained(x, y);

function cityAgrees(a: Prepared, b: Prepared): boolean {
  if (a.city === null || b.city === null) return false;
  return a.city === b.city || citiesAgree(a.city, b.city);
}

function streetAgrees(a: Prepared, b: Prepared): boolean {
  if (a.street === null || b.street === null) return false;
  return a.street === b.street || streetsAgree(a.street, b.street);
}

/**
 * True when every word of the shorter text occurs in the longer one ("broadway" in "broadway between 90th and
 * 91st sts", "new york" in "new york city").
 */
function wordsContained(x: string, y: string): boolean {
  const short = x.length <= y.length ? x : y;
  const long = x.length <= y.length ? y : x;
  if (short.length < 4) return false;
  let found = 0;
  let start = 0;
  while (start < short.length) {
    let end = short.indexOf(' ', start);
    if (end < 0) end = short.length;
    // Compass points come and go ("Peachtree Road NE"); they neither count nor spoil containment.
    if (!isDirection(short, start, end)) {
      if (!hasWord(long, short, start, end)) return false;
      found++;
    }
    start = end + 1;
  }
  return found > 0;
}

/** True when `text` contains the word `source[start..end)` as a whole word (no allocation). */
function hasWord(text: string, source: string, start: number, end: number): boolean {
  const length = end - start;
  let at = 0;
  while (at <= text.length - length) {
    let wordEnd = text.indexOf(' ', at);
    if (wordEnd < 0) wordEnd = text.length;
    if (wordEnd - at === length) {
      let same = true;
      for (let i = 0; i < length && same; i++) same = text.charCodeAt(at + i) === source.charCodeAt(start + i);
      if (same) return true;
    }
    at = wordEnd + 1;
  }
  return false;
}

function isDirection(text: string, start: number, end: number): boolean {
  const length = end - start;
  if (length > 5) return false;
  return DIRECTIONS.has(text.slice(start, end));
}

const DIRECTIONS = new Set(['n', 's', 'e', 'w', 'ne', 'nw', 'se', 'sw', 'north', 'south', 'east', 'west']);

/**
 * Address as one comparison, because its parts (street, number, postcode, city) are strongly correlated: scoring
 * them separately would count the same evidence several times.
 */
export const addressComparison: Comparison = {
  name: 'address',
  levels: [
    'same street, number and postcode or city',
    'same street and number, or postcode and street or number',
    'same postcode, or street and city',
    'same city',
    'different',
  ],
  defaults: { m: [0.7, 0.1, 0.07, 0.05, 0.08], u: [0.00005, 0.0002, 0.002, 0.03, 0.96775] },
  level(a, b) {
    const hasA = a.street !== null || a.postcode !== null || a.city !== null;
    const hasB = b.street !== null || b.postcode !== null || b.city !== null;
    if (!hasA || !hasB) return MISSING;
    // Cheap facts first; Jaro-Winkler on street and city only when the answer depends on them.
    const hn = a.house !== null && a.house === b.house;
    // Postcode: 2 same, 1 one keying error, 0 different, -1 missing.
    let pc = -1;
    if (a.postcode !== null && b.postcode !== null) {
      pc = a.postcode === b.postcode ? 2 : oneKeyingError(a.postcode, b.postcode) ? 1 : 0;
    }
    if (hn) {
      const st = streetAgrees(a, b);
      if (st && (pc === 2 || (pc === -1 && cityAgrees(a, b)))) return 0;
      if (st || pc === 2) return 1;
      if (pc === 1) return 2;
      // Same number in the same city, street written differently: a weaker level than street and number.
      if (cityAgrees(a, b)) return pc === 0 ? 3 : 2;
      return 4;
    }
    if (pc === 2) return streetAgrees(a, b) ? 1 : 2;
    const st = streetAgrees(a, b);
    if (st && pc === 1) return 2;
    const ct = cityAgrees(a, b);
    if (st && ct) return 2;
    return ct ? 3 : 4;
  },
  show(r) {
    const parts = [r.street, r.house, r.postcode, r.city].filter((p) => p !== null);
    return parts.length === 0 ? null : parts.join(' ');
  },
};

/** National or registration id: exact, one edit, two edits, different. */
export const nationalIdComparison: Comparison = {
  name: 'nationalId',
  levels: ['exact', 'one edit', 'two edits', 'different'],
  defaults: { m: [0.85, 0.08, 0.03, 0.04], u: [0.00001, 0.0001, 0.001, 0.99889] },
  level(a, b) {
    if (a.nid === null || b.nid === null) return MISSING;
    if (a.nid === b.nid) return 0;
    const d = damerauLevenshtein(a.nid, b.nid, 2);
    return d <= 1 ? 1 : d <= 2 ? 2 : 3;
  },
  show: (r) => r.nid,
};

/** Organisation name without legal form: exact, close, similar, different. */
export const organizationNameComparison: Comparison = {
  name: 'organizationName',
  levels: [
    'exact',
    'jaro-winkler >= 0.92 or most words shared',
    'jaro-winkler >= 0.8 or some words shared',
    'different',
  ],
  defaults: { m: [0.7, 0.2, 0.06, 0.04], u: [0.0005, 0.002, 0.02, 0.9775] },
  tf: (r) => r.org,
  level(a, b) {
    if (a.org === null || b.org === null) return MISSING;
    if (a.org === b.org) return 0;
    const jw = jaroWinkler(a.org, b.org);
    const tj = tokenJaccard(a.org, b.org);
    if (jw >= 0.92 || tj >= 0.6) return 1;
    if (jw >= 0.8 || tj >= 0.34) return 2;
    return 3;
  },
  show: (r) => r.org,
};
