/** Rendering one record of a person, clean or distorted (typos, nicknames, formats, missing fields). */

import type { IdentityRecordLike } from '../identity-datasets';
import {
  FAMILY,
  FAMILY_CORE,
  FAMILY_FOLDED,
  FAMILY_PARTICLE,
  GIVEN,
  GIVEN_FOLDED,
  GIVEN_NICKS,
  NEIGHBOURS,
  PAD2,
  PROVIDER_CDF,
  PROVIDERS,
  PROVINCES,
} from './tables';
import { cumulative, pickIndex } from './distributions';
import type { Person, PersonFactory } from './person';

// ---------------------------------------------------------------------------------------------------------------
// Rendering one record of a person, clean or distorted

export const PHONE_FORMATS = 9;
export const PHONE_FORMAT_CDF = cumulative([20, 12, 20, 15, 10, 5, 6, 6, 6]);

export function formatPhone(d: string, format: number): string {
  switch (format) {
    case 0:
      return `+31 6 ${d}`;
    case 1:
      return `+316${d}`;
    case 2:
      return `06-${d}`;
    case 3:
      return `06${d}`;
    case 4:
      return `06 ${d.slice(0, 4)} ${d.slice(4)}`;
    case 5:
      return `0031 6 ${d}`;
    case 6:
      return `+31 (0)6 ${d}`;
    case 7:
      return `06-${d.slice(0, 2)} ${d.slice(2, 4)} ${d.slice(4, 6)} ${d.slice(6)}`;
    default:
      return `+31 6 ${d.slice(0, 2)} ${d.slice(2, 5)} ${d.slice(5)}`;
  }
}

export function isUpper(c: string): boolean {
  return c !== c.toLowerCase();
}

/** One typing error: insert, delete, substitute with a keyboard neighbour, or transpose. */
export function typo(s: string, f: PersonFactory): string {
  const n = s.length;
  if (n < 2) return s;
  const pos = n > 3 ? 1 + f.int(n - 1) : f.int(n); // the first letter is rarely wrong
  const c = s[pos]!;
  const lower = c.toLowerCase();
  const near = NEIGHBOURS[lower];
  const op = f.int(4);
  if (op === 0 || (op === 2 && near === undefined)) {
    // insert: a doubled letter or a neighbour
    const extra = near !== undefined && f.chance(0.5) ? near[f.int(near.length)]! : lower;
    return s.slice(0, pos) + extra + s.slice(pos);
  }
  if (op === 1) return s.slice(0, pos) + s.slice(pos + 1);
  if (op === 2 && near !== undefined) {
    const sub = near[f.int(near.length)]!;
    return s.slice(0, pos) + (isUpper(c) ? sub.toUpperCase() : sub) + s.slice(pos + 1);
  }
  const at = pos < n - 1 ? pos : pos - 1;
  return s.slice(0, at) + s[at + 1]! + s[at]! + s.slice(at + 2);
}

export function capitalize(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}

export function familyVariant(family: number, f: PersonFactory): string {
  const name = FAMILY[family]!;
  const particle = FAMILY_PARTICLE[family]!;
  if (particle === '') return name;
  const core = FAMILY_CORE[family]!;
  switch (f.int(7)) {
    case 0:
      return capitalize(name); // Van der Berg
    case 1:
      return `${core}, ${particle}`; // Berg, van der
    case 2:
      return `${core} ${particle}`; // Berg van der
    case 3:
      return particle === 'van der' || particle === 'van den' || particle === 'van de'
        ? `v.d. ${core}`
        : `${particle[0]}. ${core}`;
    case 4:
      return capitalize(particle.split(' ').join('') + core.toLowerCase()); // Vanderberg
    case 5:
      return core; // particle dropped
    default:
      return particle === 'van der' ? `vd ${core}` : capitalize(name);
  }
}

export function streetVariant(street: string, f: PersonFactory): string {
  if (street.endsWith('straat')) {
    const r = f.int(3);
    return street.slice(0, -6) + (r === 0 ? 'str.' : r === 1 ? 'str' : ' straat');
  }
  if (street.endsWith('laan') && f.chance(0.5)) return `${street.slice(0, -4)}ln`;
  if (street.endsWith('weg') && f.chance(0.5)) return `${street.slice(0, -3)} weg`;
  if (street.endsWith(' Street')) return `${street.slice(0, -7)} St.`;
  if (street.endsWith(' Road')) return `${street.slice(0, -5)} Rd`;
  if (street.startsWith('Burgemeester ')) return `Burg. ${street.slice(13)}`;
  return street.toLowerCase();
}

export function houseVariant(house: string, f: PersonFactory): string {
  const last = house[house.length - 1]!;
  if (last >= 'a' && last <= 'd') {
    const num = house.slice(0, -1);
    const r = f.int(4);
    return r === 0 ? `${num} ${last}` : r === 1 ? num + last.toUpperCase() : r === 2 ? `${num}-${last}` : num;
  }
  const dash = house.indexOf('-');
  if (dash > 0) return f.chance(0.5) ? `${house.slice(0, dash)} ${house.slice(dash + 1)}` : house.slice(0, dash);
  return house;
}

export function postcodeText(digits: number, letters: string, f: PersonFactory | undefined): string {
  if (f === undefined) return `${digits} ${letters}`;
  const r = f.rnd();
  if (r < 0.55) return `${digits} ${letters}`;
  if (r < 0.85) return `${digits}${letters}`;
  if (r < 0.93) return `${digits} ${letters.toLowerCase()}`;
  return `${digits}${letters.toLowerCase()}`;
}

export interface RenderProfile {
  missGiven: number;
  missFamily: number;
  missBirth: number;
  missEmail: number;
  missPhone: number;
  missStreet: number;
  missPostcode: number;
  missCity: number;
  missRegion: number;
  missCountry: number;
}

export const PRIMARY: RenderProfile = {
  missGiven: 0.01,
  missFamily: 0.003,
  missBirth: 0.1,
  missEmail: 0.12,
  missPhone: 0.2,
  missStreet: 0.05,
  missPostcode: 0.07,
  missCity: 0.03,
  missRegion: 0.75,
  missCountry: 0.5,
};

export const DUPLICATE: RenderProfile = {
  missGiven: 0.04,
  missFamily: 0.015,
  missBirth: 0.3,
  missEmail: 0.3,
  missPhone: 0.4,
  missStreet: 0.12,
  missPostcode: 0.15,
  missCity: 0.08,
  missRegion: 0.85,
  missCountry: 0.6,
};

export const NAME_FIELDS = ['givenName', 'familyName', 'fullName', 'street', 'city'] as const;

export const COUNTRY_NAMES = ['NL', 'NL', 'NL', 'Nederland', 'Nederland', 'Netherlands', 'The Netherlands', 'nl'];

/** The fields of one record of `p`; `distort` adds the errors and variations of a duplicate. */
export function render(p: Person, f: PersonFactory, distort: boolean): IdentityRecordLike['fields'] {
  const profile = distort ? DUPLICATE : PRIMARY;
  const fields: IdentityRecordLike['fields'] = {};

  // names
  let given: string | undefined = GIVEN[p.given]!;
  let family: string | undefined = FAMILY[p.family]!;
  if (distort) {
    const nicks = GIVEN_NICKS[p.given];
    const r = f.rnd();
    if (r < 0.1 && nicks !== undefined) given = nicks[f.int(nicks.length)]!;
    else if (r < 0.16) given = f.chance(0.6) ? `${given[0]}.` : given[0]!;
    else if (r < 0.26) given = typo(given, f);
    if (f.chance(0.5) && given === GIVEN[p.given]) given = GIVEN_FOLDED[p.given]!;
    const s = f.rnd();
    if (s < 0.08) family = typo(family, f);
    else if (s < 0.2 && FAMILY_PARTICLE[p.family] !== '') family = familyVariant(p.family, f);
    if (f.chance(0.5) && family === FAMILY[p.family]) family = FAMILY_FOLDED[p.family]!;
    if (f.chance(0.01)) [given, family] = [family, given];
  }
  if (f.chance(profile.missGiven)) given = undefined;
  if (f.chance(profile.missFamily)) family = undefined;
  if (distort && given !== undefined && family !== undefined && f.chance(0.04)) {
    fields.fullName = f.chance(0.7) ? `${given} ${family}` : `${family}, ${given}`;
  } else {
    if (given !== undefined) fields.givenName = given;
    if (family !== undefined) fields.familyName = family;
  }

  // birth date
  if (!f.chance(profile.missBirth)) {
    let { year, month, day } = p;
    if (distort) {
      const r = f.rnd();
      if (r < 0.015 && day <= 12 && day !== month) [month, day] = [day, month];
      else if (r < 0.03) {
        // one wrong digit: the last digit of the year or of the day
        if (f.chance(0.5)) year = year - (year % 10) + f.int(10);
        else day = Math.min(28, day - (day % 10) + 1 + f.int(9));
      }
    }
    fields.birthDate = `${year}-${PAD2[month]!}-${PAD2[day]!}`;
  }

  // email
  let email = p.email;
  if (email !== undefined && distort) {
    const r = f.rnd();
    if (r < 0.07) {
      const at = email.indexOf('@');
      email = f.claimEmail(email.slice(0, at), PROVIDERS[pickIndex(PROVIDER_CDF, f.rnd())]!);
    } else if (r < 0.12) email = f.newEmail(p.given, p.family, p.year, f.chance(0.5) ? 'work' : 'private');
    else if (r < 0.15) email = email.toUpperCase();
    else if (r < 0.18) email = capitalize(email);
    else if (r < 0.19) email = typo(email, f);
  }
  if (email !== undefined && !f.chance(profile.missEmail)) fields.email = email;

  // phone
  let phone = p.phone;
  if (distort && f.chance(0.04)) phone = f.newPhone();
  if (phone !== undefined && !f.chance(profile.missPhone)) {
    fields.phone = formatPhone(phone, pickIndex(PHONE_FORMAT_CDF, f.rnd()) % PHONE_FORMATS);
  }

  // address
  const a = distort && f.chance(0.08) ? f.address(f.chance(0.4) ? p.address.city : undefined) : p.address;
  if (!f.chance(profile.missStreet)) {
    let street = a.street;
    let house = a.house;
    if (distort) {
      const r = f.rnd();
      if (r < 0.12) street = streetVariant(street, f);
      else if (r < 0.16) street = typo(street, f);
      if (f.chance(0.4)) house = houseVariant(house, f);
    }
    fields.street = street;
    if (!f.chance(0.05)) fields.houseNumber = house;
  }
  if (!f.chance(profile.missPostcode)) {
    let digits = a.postcodeDigits;
    let letters = a.postcodeLetters;
    if (distort && f.chance(0.02)) {
      if (f.chance(0.5)) digits = digits - (digits % 10) + f.int(10);
      else letters = letters[1]! + letters[0]!;
    }
    fields.postcode = postcodeText(digits, letters, distort ? f : undefined);
  }
  if (!f.chance(profile.missCity)) {
    let city = a.city.name;
    if (distort) {
      const r = f.rnd();
      if (r < 0.3 && a.city.alt !== undefined) city = a.city.alt;
      else if (r < 0.34) city = city.toUpperCase();
      else if (r < 0.36) city = typo(city, f);
    }
    fields.city = city;
  }
  if (!f.chance(profile.missRegion)) {
    fields.region = f.chance(0.7) ? PROVINCES[a.city.province]! : a.city.province;
  }
  if (!f.chance(profile.missCountry)) fields.country = COUNTRY_NAMES[f.int(COUNTRY_NAMES.length)]!;

  // a legacy system that stores everything in capitals, or in lower case
  if (distort) {
    const r = f.rnd();
    if (r < 0.03) {
      for (const key of NAME_FIELDS) {
        const v = fields[key];
        if (v) fields[key] = v.toUpperCase();
      }
    } else if (r < 0.06) {
      for (const key of NAME_FIELDS) {
        const v = fields[key];
        if (v) fields[key] = v.toLowerCase();
      }
    }
  }
  return fields;
}
