import { fnv1a32 } from '@crmkit/model';
import {
  CITIES,
  type City,
  CITY_CDF,
  DUTCH_STREET_COUNT,
  DUTCH_SUFFIX_CDF,
  DUTCH_SUFFIXES,
  EMPLOYERS,
  ENGLISH_STREET_START,
  FAMILY_CORE_SLUG,
  FAMILY_RANGE,
  FAMILY_SLUG,
  GIVEN_RANGE,
  GIVEN_SLUG,
  ORIGIN_CDF,
  PAD2,
  POSTCODE_LETTERS,
  PROVIDER_CDF,
  PROVIDERS,
  STREET_BASES,
  STREETS,
} from './tables';
import { pickIndex } from './distributions';

// ---------------------------------------------------------------------------------------------------------------
// People

export interface Address {
  street: string;
  house: string;
  postcodeDigits: number;
  postcodeLetters: string;
  city: City;
}

export interface Person {
  origin: number;
  given: number;
  family: number;
  year: number;
  month: number;
  day: number;
  address: Address;
  /** Local part and domain, or undefined when the person has no email address. */
  email: string | undefined;
  /** The 8 digits after `06`, or undefined when the person has no mobile number. */
  phone: string | undefined;
}

/**
 * A set of 32-bit string hashes (FNV-1a, open addressing): far faster and smaller than a `Set<string>` of millions
 * of addresses. A hash collision only makes an address get a number it did not need.
 */
export class StringHashSet {
  private table = new Uint32Array(1 << 16);
  private count = 0;

  /** Adds `s`; false when (its hash) was already there. */
  add(s: string): boolean {
    const h = fnv1a32(s) || 1; // 0 marks an empty slot
    if (!this.insert(h)) return false;
    if (++this.count * 2 > this.table.length) this.grow();
    return true;
  }

  private insert(h: number): boolean {
    const mask = this.table.length - 1;
    let i = h & mask;
    for (;;) {
      const v = this.table[i]!;
      if (v === 0) {
        this.table[i] = h;
        return true;
      }
      if (v === h) return false;
      i = (i + 1) & mask;
    }
  }

  private grow(): void {
    const old = this.table;
    this.table = new Uint32Array(old.length * 2);
    for (const v of old) if (v !== 0) this.insert(v);
  }
}

export const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export class PersonFactory {
  private readonly usedEmails = new StringHashSet();
  private phoneSerial = 0;
  private readonly phoneOffset: number;

  constructor(readonly rnd: () => number) {
    this.phoneOffset = Math.floor(rnd() * 50_000_000);
  }

  int(n: number): number {
    return Math.floor(this.rnd() * n);
  }

  chance(p: number): boolean {
    return this.rnd() < p;
  }

  origin(): number {
    return pickIndex(ORIGIN_CDF, this.rnd());
  }

  /** Skewed pick within [start, end): the first names of a slice are the most common. */
  skewed(range: readonly [number, number], power: number): number {
    return range[0] + Math.floor((range[1] - range[0]) * this.rnd() ** power);
  }

  givenOf(origin: number): number {
    return this.skewed(GIVEN_RANGE[origin]!, 1.6);
  }

  familyOf(origin: number): number {
    // one in ten people carries a family name of another origin (marriage, adoption, history)
    return this.skewed(FAMILY_RANGE[this.chance(0.1) ? this.origin() : origin]!, 1.5);
  }

  birth(person: { year: number; month: number; day: number }): void {
    const year = 1940 + this.int(66);
    const month = 1 + this.int(12);
    const leap = year % 4 === 0 && month === 2 ? 1 : 0;
    person.year = year;
    person.month = month;
    person.day = 1 + this.int(DAYS_IN_MONTH[month - 1]! + leap);
  }

  address(city?: City): Address {
    const c = city ?? CITIES[pickIndex(CITY_CDF, this.rnd())]!;
    let street: string;
    if (this.chance(0.05)) street = STREETS[ENGLISH_STREET_START + this.int(STREETS.length - ENGLISH_STREET_START)]!;
    else {
      const base = STREET_BASES[Math.floor(DUTCH_STREET_COUNT * this.rnd() ** 1.3)]!;
      street = base + DUTCH_SUFFIXES[pickIndex(DUTCH_SUFFIX_CDF, this.rnd())]!;
    }
    let house = String(1 + Math.floor(this.rnd() ** 2 * 250));
    const r = this.rnd();
    if (r < 0.06) house += 'abcd'[this.int(4)]!;
    else if (r < 0.08) house += `-${1 + this.int(3)}`;
    return {
      street,
      house,
      postcodeDigits: c.postcodeBase + this.int(c.postcodeSpan),
      postcodeLetters: POSTCODE_LETTERS[this.int(20)]! + POSTCODE_LETTERS[this.int(20)]!,
      city: c,
    };
  }

  /** A new, unique mobile number (8 digits after 06). */
  newPhone(): string {
    // an affine map of a serial number is a permutation of 0..49,999,999 (27,644,437 is coprime with 5 * 10^7)
    const n = (this.phoneSerial++ * 27_644_437 + this.phoneOffset) % 50_000_000;
    return String(10_000_000 + n);
  }

  /** A new email address, unique among all addresses given so far. */
  newEmail(given: number, family: number, year: number, kind: 'private' | 'work' = 'private'): string {
    const g = GIVEN_SLUG[given]!;
    const f = FAMILY_SLUG[family]!;
    const core = FAMILY_CORE_SLUG[family]!;
    const i = g[0] ?? 'x';
    let local: string;
    let domain: string;
    if (kind === 'work') {
      local = this.chance(0.6) ? `${g}.${f}` : `${i}.${core}`;
      domain = `${EMPLOYERS[this.int(EMPLOYERS.length)]!}.nl`;
    } else {
      const r = this.rnd();
      const yy = PAD2[year % 100]!;
      if (r < 0.25) local = `${g}.${f}`;
      else if (r < 0.35) local = `${g}${f}`;
      else if (r < 0.45) local = `${i}.${f}`;
      else if (r < 0.52) local = `${i}${core}`;
      else if (r < 0.58) local = `${f}.${g}`;
      else if (r < 0.63) local = `${g}_${f}`;
      else if (r < 0.73) local = `${g}${yy}`;
      else if (r < 0.83) local = `${g}.${f}${yy}`;
      else if (r < 0.9) local = `${g}${1 + this.int(999)}`;
      else local = `${g}.${core}${1940 + ((year - 1940 + 66) % 66)}`;
      if (this.chance(0.05)) {
        domain = `${core}${this.chance(0.5) ? '' : 'family'}.nl`;
        local = g;
      } else domain = PROVIDERS[pickIndex(PROVIDER_CDF, this.rnd())]!;
    }
    return this.claimEmail(local, domain);
  }

  claimEmail(local: string, domain: string): string {
    let email = `${local}@${domain}`;
    while (!this.usedEmails.add(email)) email = `${local}${1 + this.int(9999)}@${domain}`;
    return email;
  }

  person(): Person {
    const origin = this.origin();
    const given = this.givenOf(origin);
    const family = this.familyOf(origin);
    const p: Person = {
      origin,
      given,
      family,
      year: 0,
      month: 0,
      day: 0,
      address: this.address(),
      email: undefined,
      phone: undefined,
    };
    this.birth(p);
    if (this.chance(0.9)) p.email = this.newEmail(given, family, p.year);
    if (this.chance(0.75)) p.phone = this.newPhone();
    return p;
  }

  /** Someone else with the same (common) name, usually in the same city. */
  namesake(of: Person): Person {
    const p: Person = {
      ...of,
      address: this.address(this.chance(0.8) ? of.address.city : undefined),
      email: undefined,
      phone: undefined,
    };
    this.birth(p);
    if (this.chance(0.9)) p.email = this.newEmail(p.given, p.family, p.year);
    if (this.chance(0.75)) p.phone = this.newPhone();
    return p;
  }

  /** A relative at the same address: same family name, another given name, born within a few years. */
  relative(of: Person): Person {
    let given = this.givenOf(of.origin);
    if (given === of.given) given = GIVEN_RANGE[of.origin]![0] + ((given + 1 - GIVEN_RANGE[of.origin]![0]) % 20);
    const p: Person = {
      ...of,
      given,
      address: { ...of.address },
      email: undefined,
      phone: of.phone !== undefined && this.chance(0.25) ? of.phone : undefined,
    };
    do {
      this.birth(p);
      p.year = Math.min(2005, Math.max(1940, of.year - 4 + this.int(9)));
      if (p.month === 2 && p.day > 28) p.day = 28;
    } while (p.year === of.year && p.month === of.month && p.day === of.day);
    if (this.chance(0.9)) {
      // a shared family domain, or an address of their own
      const domain = of.email?.split('@')[1];
      const g = GIVEN_SLUG[given]!;
      p.email = domain?.startsWith(FAMILY_CORE_SLUG[of.family]!)
        ? this.claimEmail(g, domain)
        : this.newEmail(given, p.family, p.year);
    }
    if (p.phone === undefined && this.chance(0.75)) p.phone = this.newPhone();
    return p;
  }
}
