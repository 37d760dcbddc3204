import {
  normalizeDate,
  normalizeEmail,
  normalizeNationalId,
  normalizePhone,
  normalizePostcode,
  normalizeStreet,
  splitHouseNumber,
} from './contact';
import {
  canonicalGivenName,
  normalizeFamilyName,
  normalizeGivenName,
  normalizeOrganizationName,
  splitFullName,
} from './names';
import { soundex } from './phonetic';
import { foldText } from './text';
import type { FieldValue, IdentityRecord } from './types';
import type { PreparedRecord } from './api';

/** Values that never count as evidence, whatever the field. */
const BUILTIN_BLOCKED = new Set([
  'null',
  'none',
  'nil',
  'n a',
  'n/a',
  'na',
  'unknown',
  'onbekend',
  'unbekannt',
  'test',
  'xxx',
  'x',
  '-',
  '0',
  '-1',
  '?',
]);

const BUILTIN_BLOCKED_EMAILS = new Set([
  'test@test.com',
  'test@example.com',
  'info@example.com',
  'noreply@example.com',
  'no-reply@example.com',
  'a@a.com',
  'x@x.com',
  'none@none.com',
  'null@null.com',
  'unknown@unknown.com',
  'email@email.com',
  'test@test.nl',
  'geen@geen.nl',
]);

const BUILTIN_BLOCKED_DATES = new Set(['1900-01-01', '1901-01-01', '1970-01-01', '9999-12-31', '2000-01-01']);

/** Normalisation options. */
export interface PrepareSettings {
  defaultCountry?: string;
  dateOrder?: 'dmy' | 'mdy';
  /** Extra blocked values per field name, already as the raw strings users give. */
  blockedValues?: Partial<Record<string, readonly string[]>>;
}

/** The internal, normalised form of a record. */
export interface Prepared extends PreparedRecord {
  /** Position in the run or index; set by the caller. */
  seq: number;
  given: string | null;
  givenCanon: string | null;
  family: string | null;
  givenSx: string | null;
  familySx: string | null;
  birth: string | null;
  emails: string[];
  emailLocals: string[];
  phones: string[];
  street: string | null;
  house: string | null;
  postcode: string | null;
  city: string | null;
  region: string | null;
  country: string | null;
  org: string | null;
  orgTokens: string[];
  nid: string | null;
}

/** One shared empty list, so records without a value allocate nothing. */
const NONE: string[] = [];

function values(value: FieldValue): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'string') return value.trim() === '' ? [] : [value];
  return value.filter((v) => typeof v === 'string' && v.trim() !== '');
}

function first(value: FieldValue): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  return values(value)[0];
}

/** Builds the blocked-value sets of a configuration once. */
export function blockedSets(settings: PrepareSettings): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [field, list] of Object.entries(settings.blockedValues ?? {})) {
    if (!list) continue;
    out.set(field, new Set(list.map((v) => v.trim().toLowerCase())));
  }
  return out;
}

/** Longest built-in blocked value; longer inputs cannot be one, which saves work on the common case. */
const BUILTIN_BLOCKED_MAX = Math.max(...[...BUILTIN_BLOCKED].map((v) => v.length)) + 2;

function isBlocked(field: string, raw: string, normalized: string | null, blocked: Map<string, Set<string>>): boolean {
  if (normalized === null) return true;
  const set = blocked.get(field);
  if (set !== undefined) {
    const folded = raw.trim().toLowerCase();
    if (set.has(folded) || set.has(normalized)) return true;
  }
  if (raw.length > BUILTIN_BLOCKED_MAX && normalized.length > BUILTIN_BLOCKED_MAX) return false;
  return BUILTIN_BLOCKED.has(raw.trim().toLowerCase()) || BUILTIN_BLOCKED.has(normalized.toLowerCase());
}

/** Normalises one record for blocking and comparison. */
export function prepareIdentityRecord(
  record: IdentityRecord,
  seq: number,
  settings: PrepareSettings,
  blocked: Map<string, Set<string>>,
): Prepared {
  const f = record.fields;
  const norm = (field: string, raw: string | undefined, fn: (s: string) => string | null): string | null => {
    if (raw === undefined) return null;
    const n = fn(raw);
    return isBlocked(field, raw, n, blocked) ? null : n;
  };

  let given = norm('givenName', first(f.givenName), normalizeGivenName);
  let family = norm('familyName', first(f.familyName), normalizeFamilyName);
  const full = first(f.fullName);
  if (full !== undefined && (given === null || family === null)) {
    const split = splitFullName(full);
    given ??= split.givenName;
    family ??= split.familyName;
  }
  const givenFirst = given === null ? null : (given.split(' ')[0] ?? null);
  const dateOptions = settings.dateOrder ? { order: settings.dateOrder } : {};
  let birth = norm('birthDate', first(f.birthDate), (s) => normalizeDate(s, dateOptions));
  if (birth !== null && BUILTIN_BLOCKED_DATES.has(birth)) birth = null;

  const emails: string[] = [];
  for (const raw of values(f.email)) {
    const n = norm('email', raw, normalizeEmail);
    if (n !== null && !BUILTIN_BLOCKED_EMAILS.has(n) && !emails.includes(n)) emails.push(n);
  }
  const phoneOptions = settings.defaultCountry ? { defaultCountry: settings.defaultCountry } : {};
  const phones: string[] = [];
  for (const raw of values(f.phone)) {
    const n = norm('phone', raw, (s) => normalizePhone(s, phoneOptions));
    if (n !== null && !phones.includes(n)) phones.push(n);
  }

  let street: string | null = null;
  let house: string | null = norm('houseNumber', first(f.houseNumber), (s) => {
    const h = s.toLowerCase().replace(/[\s-]+/g, '');
    return h === '' ? null : h;
  });
  const rawStreet = first(f.street);
  if (rawStreet !== undefined) {
    if (house === null) {
      const split = splitHouseNumber(rawStreet);
      street = split.street === null ? null : normalizeStreet(split.street);
      house = split.houseNumber;
    } else {
      street = normalizeStreet(rawStreet);
    }
    if (street !== null && isBlocked('street', rawStreet, street, blocked)) street = null;
  }
  const postcode = norm('postcode', first(f.postcode), normalizePostcode);
  const city = norm('city', first(f.city), (s) => foldText(s) || null);
  // Region and country are kept raw-folded only when present; no default comparison uses them yet.
  const region =
    f.region === undefined || f.region === null ? null : norm('region', first(f.region), (s) => foldText(s) || null);
  const country =
    f.country === undefined || f.country === null
      ? null
      : norm('country', first(f.country), (s) => foldText(s) || null);
  const org = norm('organizationName', first(f.organizationName), normalizeOrganizationName);
  const nid = norm('nationalId', first(f.nationalId), normalizeNationalId);

  return {
    id: record.id,
    source: record.source,
    seq,
    given: givenFirst,
    givenCanon: givenFirst === null ? null : canonicalGivenName(givenFirst),
    family,
    givenSx: givenFirst === null ? null : soundex(givenFirst) || null,
    familySx: family === null ? null : soundex(family) || null,
    birth,
    emails,
    emailLocals: emails.length === 0 ? NONE : emails.map((e) => e.slice(0, e.indexOf('@'))),
    phones,
    street,
    house,
    postcode,
    city,
    region,
    country,
    org,
    orgTokens: org === null ? NONE : org.split(' '),
    nid,
  };
}
