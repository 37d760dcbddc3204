/**
 * Normalisers used for deterministic linking and lookups. Pure string functions; no I/O.
 *
 * @module
 */

/** Options of `normalizePhone` (and of the resolvers, which normalise phone numbers with it). */
export interface NormalizePhoneOptions {
  /**
   * Country calling code used for national numbers written with a leading trunk `0` (e.g. `31` turns
   * `06 1234 5678` into `+31612345678`). Without it, national numbers keep their digits as written.
   */
  defaultCallingCode?: string;
}

/**
 * Lower-cases and trims an email address. Returns `undefined` for something that is not an address.
 *
 * @example
 * ```ts
 * normalizeEmail('  Ada.Lovelace@Example.COM ') // 'ada.lovelace@example.com'
 * ```
 */
export function normalizeEmail(email: string): string | undefined {
  const value = email.trim().toLowerCase();
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1 || /\s/.test(value)) return undefined;
  return value;
}

/**
 * Normalises a phone number to `+<digits>` when its country is known (`+` or `00` prefix, or a trunk `0` with
 * `defaultCallingCode`); otherwise to its digits. Extensions (`x123`, `ext. 123`) are dropped. Returns `undefined`
 * for fewer than 3 digits.
 *
 * @example
 * ```ts
 * normalizePhone('+31 (0)6-1234 5678') // '+31612345678'
 * normalizePhone('06 1234 5678', { defaultCallingCode: '31' }) // '+31612345678'
 * ```
 */
export function normalizePhone(phone: string, options: NormalizePhoneOptions = {}): string | undefined {
  const withoutExtension = phone.replace(/\s*(?:x|ext\.?|extension|#)\s*\d+\s*$/i, '');
  const trimmed = withoutExtension.trim();
  // "+31 (0)6..." : the "(0)" is a trunk prefix that must be dropped in international form.
  const cleaned = trimmed.replace(/\(0\)/g, '');
  const digits = cleaned.replace(/\D/g, '');
  let result: string;
  if (cleaned.startsWith('+')) result = `+${digits}`;
  else if (digits.startsWith('00')) result = `+${digits.slice(2)}`;
  else if (options.defaultCallingCode && /^0+[1-9]/.test(digits)) {
    result = `+${options.defaultCallingCode}${digits.replace(/^0+/, '')}`;
  } else result = digits;
  // Fewer than 3 digits (after any international prefix) is not a phone number.
  return result.replace(/\D/g, '').length >= 3 ? result : undefined;
}

/** Lower-cases, strips diacritics and punctuation, and collapses white space. */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Splits a name into normalised tokens (for name lookups). */
export function nameTokens(name: string): string[] {
  const text = normalizeText(name);
  return text === '' ? [] : text.split(' ');
}

/** Normalises a web address: lower case, no scheme, no `www.`, no trailing slash. */
export function normalizeUrl(url: string): string {
  return url
    .trim()
    .toLowerCase()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
    .replace(/^www\./, '')
    .replace(/\/+$/, '');
}

/** The parts of a postal address the normalisers read (all optional). */
export interface AddressParts {
  street?: string | undefined;
  houseNumber?: string | undefined;
  extra?: string | undefined;
  postalCode?: string | undefined;
  city?: string | undefined;
  region?: string | undefined;
  country?: string | undefined;
}

/** Normalises a postal address into one comparable line of tagged parts (`s:` street, `n:` number, `x:` extra, `p:` postal code, `c:` city, `r:` region, `k:` country). */
export function normalizeAddress(address: AddressParts): string {
  const parts: [string, string | undefined][] = [
    ['s', address.street],
    ['n', address.houseNumber],
    ['x', address.extra],
    ['p', address.postalCode?.replace(/\s+/g, '')],
    ['c', address.city],
    ['r', address.region],
    ['k', address.country],
  ];
  // Each part is tagged, so a city is never mistaken for a street: `s:main st|n:1|c:delft`.
  return parts
    .map(([tag, part]) => [tag, part ? normalizeText(part) : ''] as const)
    .filter(([, part]) => part !== '')
    .map(([tag, part]) => `${tag}:${part}`)
    .join('|');
}

/** Formats a postal address as one human-readable line. */
export function formatAddress(address: AddressParts): string {
  const street = [address.street, address.houseNumber, address.extra].filter(Boolean).join(' ');
  const place = [address.postalCode, address.city].filter(Boolean).join(' ');
  return [street, place, address.region, address.country].filter(Boolean).join(', ');
}
