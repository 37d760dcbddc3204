/**
 * Normalisers used for deterministic linking and lookups. Pure string functions; no I/O.
 *
 * @module
 */

import {
  countriesOfCallingCode,
  foldText,
  isPhoneCountry,
  normalizeEmail,
  normalizePhone,
  tokens,
  type NormalizePhoneOptions,
} from '@crmkit/identity';
import { InvalidArgumentError } from '@crmkit/model';

// Email and phone numbers have one normaliser in the whole of crmkit: `@crmkit/identity`'s (phone numbers on
// libphonenumber-js). Core re-exports it so that match keys, lookups and `find()` agree with the matcher.
export { normalizeEmail, normalizePhone, type NormalizePhoneOptions };

/**
 * How a phone number written without a calling code is read: the one option is `defaultCountry` (ISO 3166-1
 * alpha-2, e.g. `'NL'`). `defaultCallingCode` (e.g. `'31'`) is the deprecated form of the same setting and is
 * mapped onto the main country of that code (`'31'` -> `'NL'`, `'1'` -> `'US'`, `'44'` -> `'GB'`).
 */
export interface PhoneCountryOptions {
  /** ISO 3166-1 alpha-2 country assumed for national phone numbers (`'NL'` reads `06-12345678` as `+31612345678`). */
  defaultCountry?: string | undefined;
  /**
   * Country calling code for national phone numbers, e.g. `'31'`.
   * @deprecated Pass `defaultCountry` (`'NL'`) instead; `defaultCallingCode` is read as the main country of the code.
   */
  defaultCallingCode?: string | undefined;
}

/**
 * Resolves {@link PhoneCountryOptions} into the options of {@link normalizePhone}: `defaultCountry` upper-cased, or
 * the main country of the deprecated `defaultCallingCode`.
 *
 * @throws InvalidArgumentError (`INVALID_ARGUMENT`) when `defaultCountry` is not a country the phone metadata knows
 *   (`'XX'`), when no country
 *   uses `defaultCallingCode`, or when both are given and disagree (`defaultCountry: 'BE'` with
 *   `defaultCallingCode: '31'`).
 * @example
 * ```ts
 * phoneOptionsOf({ defaultCallingCode: '31' }); // { defaultCountry: 'NL' }
 * phoneOptionsOf({ defaultCountry: 'nl' });     // { defaultCountry: 'NL' }
 * ```
 */
export function phoneOptionsOf(options: PhoneCountryOptions): NormalizePhoneOptions {
  const { defaultCountry, defaultCallingCode } = options;
  let country: string | undefined;
  if (defaultCountry !== undefined) {
    // A code the phone metadata does not know would read every national number as nothing: refuse it here.
    if (!isPhoneCountry(defaultCountry)) {
      throw new InvalidArgumentError({
        argument: 'defaultCountry',
        message: `[crmkit/core] defaultCountry must be a two-letter ISO 3166 country code with a phone numbering plan, such as "NL", got ${JSON.stringify(defaultCountry)}.`,
      });
    }
    country = defaultCountry.toUpperCase();
  }
  if (defaultCallingCode !== undefined && defaultCallingCode !== '') {
    const countries = countriesOfCallingCode(defaultCallingCode);
    if (countries.length === 0) {
      throw new InvalidArgumentError({
        argument: 'defaultCallingCode',
        message: `[crmkit/core] defaultCallingCode ${JSON.stringify(defaultCallingCode)} is not a country calling code; pass defaultCountry (e.g. "NL") instead.`,
      });
    }
    if (country !== undefined && !countries.includes(country)) {
      throw new InvalidArgumentError({
        argument: 'defaultCallingCode',
        message: `[crmkit/core] defaultCallingCode ${JSON.stringify(defaultCallingCode)} does not belong to defaultCountry "${country}"; pass defaultCountry alone.`,
      });
    }
    country ??= countries[0];
  }
  return country === undefined ? {} : { defaultCountry: country };
}

/**
 * Folds text for comparison: lower case, diacritics stripped, punctuation and white space collapsed.
 * The same function as `foldText` of `@crmkit/identity` (one copy).
 */
export const normalizeText: (text: string) => string = foldText;

/**
 * Splits a name into folded tokens (for name lookups). The same function as `tokens` of `@crmkit/identity`.
 */
export const nameTokens: (name: string) => string[] = tokens;

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
