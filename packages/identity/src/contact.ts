/**
 * Normalisers for contact and identifying data: email, phone, postcode, street and house number, dates, national
 * identifiers.
 *
 * @module
 */

import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import metadata from 'libphonenumber-js/min/metadata';
import type { CountryCode } from 'libphonenumber-js/min';
import { foldText } from './text';

// ---------------------------------------------------------------------------------------------------------------
// Email

const MAILTO = /^mailto:/;
/** local@domain.tld; the local part is an RFC 5322 dot-atom (letters of any script allowed), the TLD has 2+ chars. */
const EMAIL =
  /^([\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*)@((?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+\p{L}[\p{L}\p{N}-]*[\p{L}\p{N}])$/u;
const DOTS = /\./g;

/**
 * Normalises an email address: trimmed, lowercased, a `mailto:` prefix removed, a `+tag` removed from the local part
 * (`jan+news@x.nl` -> `jan@x.nl`), and for Gmail (`gmail.com`, `googlemail.com`) the dots of the local part removed
 * and the domain unified to `gmail.com`.
 *
 * @param s - A raw email address.
 * @returns The normalised address, or `null` when it does not look like `local@domain.tld`.
 * @example
 * ```ts
 * normalizeEmail(' Jan.Jansen+crm@GoogleMail.com '); // 'janjansen@gmail.com'
 * normalizeEmail('jan@example');                     // null
 * ```
 */
export function normalizeEmail(s: string): string | null {
  const text = s.trim().toLowerCase().replace(MAILTO, '');
  const match = EMAIL.exec(text);
  if (match === null) return null;
  let local = match[1]!;
  let domain = match[2]!;
  const plus = local.indexOf('+');
  if (plus > 0) local = local.slice(0, plus);
  if (domain === 'gmail.com' || domain === 'googlemail.com') {
    domain = 'gmail.com';
    local = local.replace(DOTS, '');
    if (local === '') return null;
  }
  return local + '@' + domain;
}

// ---------------------------------------------------------------------------------------------------------------
// Phone

/** A leading international `00` (possibly after an opening bracket or spaces). */
const LEADING_00 = /^[\s(]*00\s*/;
/** The Dutch/UK/German habit of writing the trunk prefix in brackets after the country code: `+31 (0)20 ...`. */
const BRACKETED_TRUNK_ZERO = /\(\s*0\s*\)/g;

/** Options of {@link normalizePhone}. */
export interface NormalizePhoneOptions {
  /** ISO 3166-1 alpha-2 country (e.g. `'NL'`) assumed for numbers written without a country code. */
  defaultCountry?: string;
}

/** How many normalised phone numbers {@link normalizePhone} remembers (then it starts again: bounded memory). */
const PHONE_MEMO_SIZE = 10_000;
const phoneMemo = new Map<string, string | null>();

/**
 * Normalises a phone number to E.164 (`+31612345678`) with `libphonenumber-js` (minimal metadata). Numbers starting
 * with `00` are international; a bracketed trunk zero (`+31 (0)20 ...`) is ignored; extensions are dropped. A
 * number is accepted when it is valid for its country, or, when the metadata cannot attribute it to a country
 * (non-geographic or unallocated ranges), when its length is possible.
 *
 * @param s - A raw phone number.
 * @param options - `defaultCountry` for national numbers such as `06-12345678`.
 * @returns The E.164 number, or `null` for junk, national numbers without a default country, and invalid numbers.
 * @example
 * ```ts
 * normalizePhone('+31 6 12345678');                        // '+31612345678'
 * normalizePhone('0031612345678');                         // '+31612345678'
 * normalizePhone('06-12345678', { defaultCountry: 'NL' }); // '+31612345678'
 * normalizePhone('06-12345678');                           // null
 * ```
 */
export function normalizePhone(s: string, options?: NormalizePhoneOptions): string | null {
  // The same number is normalised many times (match keys, golden contact points on every relink, lookups): parsing
  // with libphonenumber-js dominates, and the result depends only on the text and the country, so it is remembered.
  const key = `${options?.defaultCountry ?? ''}\u0000${s}`;
  const known = phoneMemo.get(key);
  if (known !== undefined) return known;
  const result = parsePhone(s, options);
  if (phoneMemo.size >= PHONE_MEMO_SIZE) phoneMemo.clear();
  phoneMemo.set(key, result);
  return result;
}

function parsePhone(s: string, options: NormalizePhoneOptions | undefined): string | null {
  let text = s.trim();
  if (text === '') return null;
  if (text.indexOf('(') !== -1) text = text.replace(BRACKETED_TRUNK_ZERO, ' ');
  if (LEADING_00.test(text)) text = '+' + text.replace(LEADING_00, '');
  const country = options?.defaultCountry?.toUpperCase() as CountryCode | undefined;
  // Without a default country only international numbers can be read; say so before libphonenumber throws (slow).
  if (country === undefined && text.charCodeAt(0) !== 43 /* + */) return null;
  let phone: ReturnType<typeof parsePhoneNumberFromString>;
  try {
    phone = country === undefined ? parsePhoneNumberFromString(text) : parsePhoneNumberFromString(text, country);
  } catch {
    return null; // unknown default country
  }
  if (phone === undefined) return null;
  if (phone.isValid() || (phone.country === undefined && phone.isPossible())) return phone.number;
  return null;
}

/**
 * The countries that use an international calling code, the main one first (`'31'` -> `['NL']`, `'1'` ->
 * `['US', 'AG', 'AI', ...]`, `'44'` -> `['GB', 'GG', 'IM', 'JE']`), as the phone metadata lists them. Countries that
 * share a calling code share their national numbering plan, so a national number read with the main country gives
 * the same E.164 number as with any other of them.
 *
 * @param callingCode - Digits of a calling code, with or without a leading `+`.
 * @returns ISO 3166-1 alpha-2 countries; empty for a code no country uses (or a non-geographic one such as `800`).
 * @example
 * ```ts
 * countriesOfCallingCode('+31')[0]; // 'NL'
 * countriesOfCallingCode('999');    // []
 * ```
 */
export function countriesOfCallingCode(callingCode: string): readonly string[] {
  const code = callingCode.trim().replace(/^\+/, '');
  if (!/^\d{1,3}$/.test(code)) return [];
  return metadata.country_calling_codes[code] ?? [];
}

/**
 * True when the phone metadata knows `country` (ISO 3166-1 alpha-2, any case), so national numbers can be read as
 * numbers of that country: `'NL'` and `'nl'` are, `'XX'` is not.
 */
export function isPhoneCountry(country: string): boolean {
  return /^[a-z]{2}$/i.test(country) && Object.hasOwn(metadata.countries, country.toUpperCase());
}

// ---------------------------------------------------------------------------------------------------------------
// Postcode, national id

const POSTCODE_SEPARATORS = /[\s\-‐‑‒–—]+/g;

/**
 * Normalises a postcode: uppercased, spaces and hyphens removed (`1234 ab` -> `1234AB`, `SW1A 1AA` -> `SW1A1AA`).
 *
 * @param s - A raw postcode.
 * @returns The normalised postcode, or `null` when empty.
 * @example
 * ```ts
 * normalizePostcode(' 1012 ab '); // '1012AB'
 * ```
 */
export function normalizePostcode(s: string): string | null {
  const out = s.toUpperCase().replace(POSTCODE_SEPARATORS, '');
  return out === '' ? null : out;
}

const NOT_ID_CHAR = /[^A-Z0-9]+/g;

/**
 * Normalises a national identifier (BSN, SSN, passport number): uppercased, every character other than an ASCII
 * letter or digit removed (`123-45-6789` -> `123456789`).
 *
 * @param s - A raw identifier.
 * @returns The normalised identifier, or `null` when nothing remains.
 * @example
 * ```ts
 * normalizeNationalId('123.456.782'); // '123456782'
 * ```
 */
export function normalizeNationalId(s: string): string | null {
  const out = s.toUpperCase().replace(NOT_ID_CHAR, '');
  return out === '' ? null : out;
}

// ---------------------------------------------------------------------------------------------------------------
// Street

/** Whole-token street abbreviations (folded) and their expansion. */
const STREET_ABBREVIATIONS: ReadonlyMap<string, string> = new Map([
  // Ordinal words as numbers, so "Seventh Avenue" and "7th Ave" agree.
  ['first', '1st'],
  ['second', '2nd'],
  ['third', '3rd'],
  ['fourth', '4th'],
  ['fifth', '5th'],
  ['sixth', '6th'],
  ['seventh', '7th'],
  ['eighth', '8th'],
  ['ninth', '9th'],
  ['tenth', '10th'],
  ['st', 'street'],
  ['str', 'straat'],
  ['rd', 'road'],
  ['ave', 'avenue'],
  ['av', 'avenue'],
  ['avn', 'avenue'],
  ['blvd', 'boulevard'],
  ['blv', 'boulevard'],
  ['bvd', 'boulevard'],
  ['dr', 'drive'],
  ['drv', 'drive'],
  ['ln', 'lane'],
  ['pl', 'place'],
  ['ct', 'court'],
  ['crt', 'court'],
  ['cres', 'crescent'],
  ['hwy', 'highway'],
  ['sq', 'square'],
  ['pkwy', 'parkway'],
  ['pky', 'parkway'],
  ['terr', 'terrace'],
  ['tce', 'terrace'],
  ['cl', 'close'],
  ['gdns', 'gardens'],
  ['grv', 'grove'],
  ['hts', 'heights'],
  ['mt', 'mount'],
  ['pde', 'parade'],
  ['esp', 'esplanade'],
  ['cir', 'circle'],
  ['rte', 'route'],
  ['pln', 'plein'],
]);

/** Abbreviations read differently as the first of several tokens: `St. John's Road`, `Dr. Lelylaan`. */
const LEADING_STREET_ABBREVIATIONS: ReadonlyMap<string, string> = new Map([
  ['st', 'saint'],
  ['dr', 'doctor'],
]);

/**
 * Street-type words split off when glued to the name (`pridhamstreet` -> `pridham street`, `kerkstraat` ->
 * `kerk straat`), with the word they become; `str` is the glued Dutch abbreviation (`kerkstr.`). Longest first.
 */
const GLUED_SUFFIXES: readonly (readonly [string, string])[] = [
  ['crescent', 'crescent'],
  ['avenue', 'avenue'],
  ['street', 'street'],
  ['straat', 'straat'],
  ['place', 'place'],
  ['court', 'court'],
  ['drive', 'drive'],
  ['plein', 'plein'],
  ['road', 'road'],
  ['laan', 'laan'],
  ['weg', 'weg'],
  ['str', 'straat'],
];
const MIN_STEM_LETTERS = 3;
/** Apostrophes, removed so that `St. John's` and `St Johns` agree. */
const APOSTROPHES = /['’‘ʼ`´]/g;

function countLetters(s: string, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) n++;
  }
  return n;
}

/** Appends one folded token to `out`, expanding abbreviations and splitting glued street-type suffixes. */
function pushStreetToken(out: string[], token: string): void {
  const expanded = STREET_ABBREVIATIONS.get(token);
  if (expanded !== undefined) {
    out.push(expanded);
    return;
  }
  for (const [suffix, word] of GLUED_SUFFIXES) {
    const stemLength = token.length - suffix.length;
    if (
      stemLength >= MIN_STEM_LETTERS &&
      token.endsWith(suffix) &&
      countLetters(token, stemLength) >= MIN_STEM_LETTERS
    ) {
      pushStreetToken(out, token.slice(0, stemLength));
      out.push(word);
      return;
    }
  }
  out.push(token);
}

/**
 * Normalises a street name: folded, common abbreviations expanded as whole tokens (`st` -> `street`, `rd` -> `road`,
 * `ave` -> `avenue`, `blvd` -> `boulevard`, `dr` -> `drive`, `ln` -> `lane`, `str` -> `straat` ...; apostrophes are
 * removed; a leading `st`
 * or `dr` before other tokens reads `saint`/`doctor`), and a street-type word glued to the name split off
 * (`pridhamstreet` -> `pridham street`, `kerkstraat` -> `kerk straat`, `kerkstr` -> `kerk straat`) when at least 3
 * letters remain before it. Splitting makes `Kerkstraat` and `Kerk straat` agree.
 *
 * @param s - A raw street name, without the house number (see {@link splitHouseNumber}).
 * @returns The normalised street, or `null` when empty.
 * @example
 * ```ts
 * normalizeStreet('12th Ave.');       // '12th avenue'
 * normalizeStreet('Pridhamstreet');   // 'pridham street'
 * normalizeStreet("St. John's Rd");   // 'saint johns road'
 * ```
 */
export function normalizeStreet(s: string): string | null {
  const folded = foldText(s.replace(APOSTROPHES, ''));
  if (folded === '') return null;
  const parts = folded.split(' ');
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const leading = i === 0 && parts.length > 1 ? LEADING_STREET_ABBREVIATIONS.get(part) : undefined;
    if (leading !== undefined) out.push(leading);
    else pushStreetToken(out, part);
  }
  return out.join(' ');
}

/** `Kerkstraat 12a`, `Kerkstraat 12 A`, `Kerkstraat 12-3`, `Kerkstraat, 12 hs`: the number at the end. */
const TRAILING_HOUSE_NUMBER = /^(.*\S)[\s,]+(\d+(?:\s?[a-z]{1,3})?(?:\s?[-/]\s?[a-z0-9]{1,5})?)\.?$/i;
/** `Kerkstraat12`: the number glued to the street. */
const GLUED_HOUSE_NUMBER = /^(.*\p{L})(\d+[a-z]{0,2})$/iu;
/** `12 High Street`, `12a High Street`, `12-14 High Street`: the number at the start. */
const LEADING_HOUSE_NUMBER = /^(\d+(?:[a-z]{1,2})?(?:[-/]\d+[a-z]?)?)[\s,]+(.*\S)$/i;
/** A whole field that is only a house number. */
const ONLY_HOUSE_NUMBER = /^\d+(?:\s?[a-z]{1,3})?(?:\s?[-/]\s?[a-z0-9]{1,5})?$/i;
/** Ordinal endings, which make a leading number part of the street name (`1e Hugo de Grootstraat`, `1st Ave`). */
const ORDINAL = /^\d+(?:e|de|ste|st|nd|rd|th)$/i;
const SPACES = /\s+/g;

function normalizeHouseNumber(s: string): string {
  return s.toLowerCase().replace(SPACES, '');
}

/**
 * Splits a street line into street and house number, with the number first (`12 High Street`) or last
 * (`Kerkstraat 12a`, `Kerkstraat 12 A`, `Kerkstraat 12-3`). The street is normalised by {@link normalizeStreet};
 * the number is lowercased without spaces (`12 A` -> `12a`). An ordinal at the start (`1e Hugo de Grootstraat`,
 * `1st Avenue`) is part of the street.
 *
 * @param s - A raw street line.
 * @returns The normalised street and house number, each `null` when absent.
 * @example
 * ```ts
 * splitHouseNumber('Kerkstraat 12 A'); // { street: 'kerk straat', houseNumber: '12a' }
 * splitHouseNumber('12 High St');      // { street: 'high street', houseNumber: '12' }
 * ```
 */
export function splitHouseNumber(s: string): { street: string | null; houseNumber: string | null } {
  const text = s.trim();
  if (ONLY_HOUSE_NUMBER.test(text)) return { street: null, houseNumber: normalizeHouseNumber(text) };
  const trailing = TRAILING_HOUSE_NUMBER.exec(text) ?? GLUED_HOUSE_NUMBER.exec(text);
  if (trailing !== null) {
    return { street: normalizeStreet(trailing[1]!), houseNumber: normalizeHouseNumber(trailing[2]!) };
  }
  const leading = LEADING_HOUSE_NUMBER.exec(text);
  if (leading !== null && !ORDINAL.test(leading[1]!)) {
    return { street: normalizeStreet(leading[2]!), houseNumber: normalizeHouseNumber(leading[1]!) };
  }
  return { street: normalizeStreet(text), houseNumber: null };
}

// ---------------------------------------------------------------------------------------------------------------
// Dates

const DATE_COMPACT = /^(\d{4})(\d{2})(\d{2})$/;
const DATE_YMD = /^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$/;
const DATE_DMY = /^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})$/;
const DATE_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Days in `month` (1-12) of `year` in the proleptic Gregorian calendar. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Formats a validated date as `YYYY-MM-DD`, or returns `null` when it does not exist. */
function isoDate(year: number, month: number, day: number): string | null {
  if (year < 1000 || year > 9999 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return year + '-' + (month < 10 ? '0' : '') + month + '-' + (day < 10 ? '0' : '') + day;
}

/** Options of {@link normalizeDate}. */
export interface NormalizeDateOptions {
  /** How to read `NN-NN-YYYY`: day first (`'dmy'`, default, European) or month first (`'mdy'`, US). */
  order?: 'dmy' | 'mdy';
}

/**
 * Normalises a date to ISO `YYYY-MM-DD`. Accepts `YYYYMMDD`, `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY.MM.DD`, `DD-MM-YYYY`,
 * `DD/MM/YYYY`, `DD.MM.YYYY` (month first with `order: 'mdy'`), one-digit days and months, and ISO timestamps
 * (`2024-03-01T12:00:00Z`; the calendar date as written is kept, the time and offset are ignored). Two-digit years
 * are not accepted (ambiguous century); years outside 1000-9999 and dates that do not exist (30 February, month 13)
 * give `null`.
 *
 * @param s - A raw date.
 * @param options - `order` of day and month in `NN-NN-YYYY`.
 * @returns The ISO date, or `null`.
 * @example
 * ```ts
 * normalizeDate('31-12-1980');                   // '1980-12-31'
 * normalizeDate('12/31/1980', { order: 'mdy' }); // '1980-12-31'
 * normalizeDate('19800230');                     // null
 * ```
 */
export function normalizeDate(s: string, options?: NormalizeDateOptions): string | null {
  const text = s.trim();
  let m = DATE_YMD.exec(text);
  if (m !== null) return isoDate(Number(m[1]), Number(m[3]), Number(m[4]));
  m = DATE_DMY.exec(text);
  if (m !== null) {
    const first = Number(m[1]);
    const second = Number(m[3]);
    const year = Number(m[4]);
    return options?.order === 'mdy' ? isoDate(year, first, second) : isoDate(year, second, first);
  }
  m = DATE_COMPACT.exec(text) ?? DATE_TIMESTAMP.exec(text);
  if (m !== null) return isoDate(Number(m[1]), Number(m[2]), Number(m[3]));
  return null;
}
