import {
  createMatcher,
  type FieldValue,
  type IdentityRecord,
  type Matcher,
  type MatcherOptions,
  type PairScore,
  type PreparedRecord,
} from '@crmkit/identity';
import type { LiveSourceRecord, RecordRef, RecordType, SourceRecord, StoredRecord } from '@crmkit/model';
import {
  normalizeEmail,
  normalizePhone,
  phoneOptionsOf,
  type NormalizePhoneOptions,
  type PhoneCountryOptions,
} from '../normalize';
import { compareStrings, hashString, stableStringify } from '../runtime/stable';
import { contactKey, matchKey, recordRefKey } from '../runtime/lookup-keys';

/** A live person or organisation record: what the identity matcher compares. */
export type LivePartyRecord = Extract<LiveSourceRecord, { type: 'person' | 'organization' }>;

/**
 * Probabilistic matching of party records, behind {@link IdentityResolver.matcher}. Both functions must be pure
 * functions of the records' content (the Hub recomputes automatic links whenever a record changes, so the links
 * never depend on ingest order). `@crmkit/identity` provides one; {@link createProbabilisticResolver} wires it in.
 */
export interface RecordMatcher {
  /** Keys under which candidates are found: two records of one type are compared when they share one. */
  blockingKeys(record: LivePartyRecord): string[];
  /**
   * Scores a pair of records of the same type. The Hub links pairs in the `link` band, opens a review item for
   * pairs in the `review` band, and ignores `apart` ones. `a`/`b` of the result are ignored by the Hub.
   */
  score(a: LivePartyRecord, b: LivePartyRecord): PairScore;
  /**
   * The band and probability of a pair without the explanation. Optional: when given, the Hub classifies every
   * candidate with it and asks `score` only for the pairs it keeps (links and reviews).
   */
  classify?(a: LivePartyRecord, b: LivePartyRecord): { band: PairScore['band']; probability: number };
}

/**
 * The identity seam. The Hub asks the resolver for the deterministic match keys of each party record; records
 * that share a key are linked into one customer. With a {@link RecordMatcher} the Hub also compares each new or
 * changed party record with candidates that share a blocking key, links likely duplicates automatically and opens
 * review items for uncertain pairs.
 */
export interface IdentityResolver {
  /** Name, for messages and the journal. */
  readonly name: string;
  /** Match keys of a live party record, e.g. `person:email:ada@example.com`. Must be a pure function of the record. */
  matchKeys(record: LiveSourceRecord): string[];
  /** Keys under which a reference (interaction participant, opportunity customer) finds its party. */
  refKeys(ref: RecordRef, defaultSource: string): string[];
  /** Probabilistic matching of party records; without it records link by match keys (and merges) only. */
  readonly matcher?: RecordMatcher;
  /**
   * At most this many candidates are scored for each new or changed record: those sharing the most blocking keys
   * with it, then by record key. A guard, not a tuning knob. @default 50
   */
  readonly maxCandidates?: number;
  /**
   * A blocking key shared by more live records of a type than this is not used to find candidates (it says too
   * little, like a common name in a big city). @default 250
   */
  readonly maxBlockSize?: number;
}

/** Options of {@link createDeterministicResolver}. */
export interface DeterministicResolverOptions extends PhoneCountryOptions {
  /**
   * Which contact points link records. @default ['email', 'phone']
   */
  keys?: readonly ('email' | 'phone')[];
}

/** Key of a stored record: `source/type/externalId`. */
export function recordKey(record: { source: string; type: RecordType; externalId: string }): string {
  return `${record.source}/${record.type}/${record.externalId}`;
}

/**
 * The default resolver: records of the same type link when they share a normalised email address or phone number
 * (and, trivially, when they are the same record: same source, type and external id).
 *
 * @example
 * ```ts
 * const hub = createHub({ identity: createDeterministicResolver({ defaultCountry: 'NL' }) });
 * ```
 */
export function createDeterministicResolver(options: DeterministicResolverOptions = {}): IdentityResolver {
  const useEmail = options.keys?.includes('email') ?? true;
  const usePhone = options.keys?.includes('phone') ?? true;
  const phoneOptions = phoneOptionsOf(options);
  return {
    name: 'deterministic',
    matchKeys(record) {
      if (record.type !== 'person' && record.type !== 'organization') return [];
      const keys = new Set<string>();
      if (useEmail) {
        for (const email of record.data.emails ?? []) {
          const normalized = normalizeEmail(email.value);
          if (normalized) keys.add(matchKey(record.type, 'email', normalized));
        }
      }
      if (usePhone) {
        for (const phone of record.data.phones ?? []) {
          const normalized = normalizePhone(phone.value, phoneOptions);
          if (normalized) keys.add(matchKey(record.type, 'phone', normalized));
        }
      }
      return [...keys].sort();
    },
    refKeys(ref, defaultSource) {
      if ('externalId' in ref)
        return [
          recordRefKey(recordKey({ source: ref.source ?? defaultSource, type: ref.type, externalId: ref.externalId })),
        ];
      if ('email' in ref) {
        const normalized = normalizeEmail(ref.email);
        return normalized ? [contactKey('email', normalized)] : [];
      }
      const normalized = normalizePhone(ref.phone, phoneOptions);
      return normalized ? [contactKey('phone', normalized)] : [];
    },
  };
}

/** The references a record makes to parties (participants, opportunity customer, a person's organisation). */
export function referencesOf(record: SourceRecord): RecordRef[] {
  if (record.deleted) return [];
  switch (record.type) {
    case 'interaction':
      return record.data.participants.map((participant) => participant.ref);
    case 'opportunity':
      return [record.data.customer];
    case 'person':
      return record.data.organization?.ref ? [record.data.organization.ref] : [];
    default:
      return [];
  }
}

/**
 * The keys the Hub derives from a record's content with an identity resolver: match keys and blocking keys (live
 * party records) and reference keys (live records that refer to parties). A pure function of the content and the
 * resolver's configuration.
 */
export interface DerivedKeys {
  /** Deterministic identity keys, as the resolver returns them. */
  matchKeys: string[];
  /** Blocking keys of the resolver's matcher, unique and sorted. */
  blockKeys: string[];
  /** Keys of the parties the record refers to, unique and sorted. */
  refKeys: string[];
}

/** Derives the match, blocking and reference keys of a source record, as {@link prepareRecord} stores them. */
export function deriveKeys(record: SourceRecord, identity: IdentityResolver): DerivedKeys {
  const live = record.deleted ? undefined : record;
  const party = live && (live.type === 'person' || live.type === 'organization') ? live : undefined;
  return {
    matchKeys: party ? identity.matchKeys(party) : [],
    blockKeys: party && identity.matcher ? [...new Set(identity.matcher.blockingKeys(party))].sort(compareStrings) : [],
    refKeys: [...new Set(referencesOf(record).flatMap((ref) => identity.refKeys(ref, record.source)))].sort(
      compareStrings,
    ),
  };
}

/** The source record a stored row holds (tombstones without data). */
function sourceRecordOf(stored: StoredRecord): SourceRecord {
  const envelope = {
    type: stored.type,
    source: stored.source,
    externalId: stored.externalId,
    observedAt: stored.observedAt,
  };
  if (stored.deleted || stored.data === null) return { ...envelope, deleted: true };
  return { ...envelope, deleted: false, data: stored.data } as SourceRecord;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) {
    // Duplicates from a resolver do not make keys differ: compare as sets.
    const x = new Set(a);
    const y = new Set(b);
    return x.size === y.size && [...x].every((key) => y.has(key));
  }
  const x = [...a].sort(compareStrings);
  const y = [...b].sort(compareStrings);
  return x.every((key, i) => key === y[i]);
}

/**
 * A stored record with its keys derived again by `identity`, or `undefined` when the stored keys are current (as
 * sets). Rows written by an older version (no blocking keys) or under another resolver configuration get new keys;
 * the content, `observedAt`, customer and home stay, the version goes up by one. Internal to the Hub (ingest and
 * `reindex()`).
 */
export function rekeyRecord(stored: StoredRecord, identity: IdentityResolver): StoredRecord | undefined {
  const keys = deriveKeys(sourceRecordOf(stored), identity);
  if (
    sameKeys(stored.matchKeys, keys.matchKeys) &&
    sameKeys(stored.blockKeys, keys.blockKeys) &&
    sameKeys(stored.refKeys, keys.refKeys)
  )
    return undefined;
  return { ...stored, ...keys, version: stored.version + 1 };
}

/**
 * Turns a validated source record into the row a store keeps, as the Hub does on ingest: key, content hash, match
 * keys, blocking keys and reference keys from the resolver. The row is not linked yet (`customerId` and `homeId` null, version 1).
 * Bulk loaders and benchmarks use it to write exactly what the Hub would.
 *
 * @example
 * ```ts
 * const row = prepareRecord(parseSourceRecord(input), { identity: createDeterministicResolver(), now: new Date().toISOString() });
 * ```
 */
export function prepareRecord(
  record: SourceRecord,
  options: { identity: IdentityResolver; now: string },
): StoredRecord {
  const live = record.deleted ? undefined : record;
  const data = live ? live.data : null;
  return {
    key: recordKey(record),
    type: record.type,
    source: record.source,
    externalId: record.externalId,
    observedAt: new Date(record.observedAt).toISOString(),
    deleted: record.deleted,
    data,
    contentHash: hashString(stableStringify({ type: record.type, deleted: record.deleted, data })),
    ...deriveKeys(record, options.identity),
    customerId: null,
    homeId: null,
    version: 1,
    ingestedAt: options.now,
  };
}

/** Options of {@link createProbabilisticResolver}. */
export interface ProbabilisticResolverOptions extends Omit<MatcherOptions, 'entity'>, DeterministicResolverOptions {
  /** Options for the person matcher only (e.g. `parameters` estimated on your people); win over the shared ones. */
  person?: Omit<MatcherOptions, 'entity'>;
  /** Options for the organisation matcher only; win over the shared ones. */
  organization?: Omit<MatcherOptions, 'entity'>;
  /** See {@link IdentityResolver.maxCandidates}. @default 50 */
  maxCandidates?: number;
}

type IdentityFields = IdentityRecord['fields'];

function values(list: readonly { value: string }[] | undefined): string[] | undefined {
  if (!list || list.length === 0) return undefined;
  return list.map((item) => item.value);
}

/** The parts of a party's main address. */
function addressFields(
  addresses: LivePartyRecord['data']['addresses'],
): Pick<IdentityFields, 'street' | 'houseNumber' | 'postcode' | 'city' | 'region' | 'country'> {
  // The engine compares one address per record: the primary one, else the first one given.
  const first = addresses?.find((address) => address.primary) ?? addresses?.[0];
  if (!first) return {};
  const out: Record<string, FieldValue> = {};
  if (first.street) out.street = first.street;
  if (first.houseNumber) out.houseNumber = first.houseNumber;
  if (first.postalCode) out.postcode = first.postalCode;
  if (first.city) out.city = first.city;
  if (first.region) out.region = first.region;
  if (first.country) out.country = first.country;
  return out;
}

/**
 * The identifying fields of a party record in the vocabulary of `@crmkit/identity`. People: names, birth date,
 * emails, phones, address and organisation name; organisations: name (and legal name), registration id (as
 * `nationalId`), emails, phones and address. `id` is the record key. Phone numbers are passed in international
 * (E.164) when `defaultCountry` (or their own prefix) allows it.
 */
export function identityRecordOf(record: LivePartyRecord, options: NormalizePhoneOptions = {}): IdentityRecord {
  const id = recordKey(record);
  const fields: IdentityFields = {};
  const data = record.data;
  const emails = values(data.emails);
  // National numbers become international with the Hub's calling code, as for the match keys.
  const phones = values(data.phones)?.map((phone) => {
    const normalized = normalizePhone(phone, options);
    return normalized?.startsWith('+') ? normalized : phone;
  });
  if (emails) fields.email = emails;
  if (phones) fields.phone = phones;
  Object.assign(fields, addressFields(data.addresses));
  if (record.type === 'person') {
    const person = record.data;
    if (person.givenName) fields.givenName = person.givenName;
    if (person.familyName) fields.familyName = person.familyName;
    if (person.fullName) fields.fullName = person.fullName;
    if (person.birthDate) fields.birthDate = person.birthDate;
    if (person.organization?.name) fields.organizationName = person.organization.name;
  } else {
    const organization = record.data;
    const names = [organization.name, organization.legalName].filter(
      (name, i, all): name is string => typeof name === 'string' && name !== '' && all.indexOf(name) === i,
    );
    fields.organizationName = names.length === 1 ? names[0]! : names;
    if (organization.registrationId) fields.nationalId = organization.registrationId;
  }
  return { id, source: record.source, fields };
}

/**
 * Wraps two `@crmkit/identity` matchers (one per party type) as a {@link RecordMatcher}. Each record's data object
 * is normalised once and cached (a `WeakMap` on the data object), so scoring one record against many candidates in
 * one operation prepares it once.
 */
export function createRecordMatcher(
  matchers: { person: Matcher; organization: Matcher },
  options: NormalizePhoneOptions = {},
): RecordMatcher {
  const cache = new WeakMap<object, PreparedRecord>();
  const prepared = (record: LivePartyRecord): PreparedRecord => {
    const matcher = matchers[record.type];
    let found = cache.get(record.data);
    // The cache is keyed on the data object; a record key is part of the prepared record, so check it.
    if (!found || found.id !== recordKey(record)) {
      found = matcher.prepare(identityRecordOf(record, options));
      cache.set(record.data, found);
    }
    return found;
  };
  return {
    blockingKeys(record) {
      // Only the selective rules: the Hub's index grows without bound, where loose rules only add work.
      return matchers[record.type]
        .blockingKeys(prepared(record), { loose: false })
        .map((key) => `${record.type}:${key}`);
    },
    score(a, b) {
      return matchers[a.type].score(prepared(a), prepared(b));
    },
    classify(a, b) {
      return matchers[a.type].classify(prepared(a), prepared(b));
    },
  };
}

/**
 * The Hub's default resolver: the deterministic email and phone keys of {@link createDeterministicResolver}, plus
 * the probabilistic matcher of `@crmkit/identity` (Fellegi-Sunter scores over names, birth date, contact points,
 * address and identifiers, with explanations). Likely duplicates are linked as they arrive; uncertain pairs become
 * review items.
 *
 * @example
 * ```ts
 * const hub = createHub({
 *   identity: createProbabilisticResolver({ defaultCountry: 'NL', thresholds: { review: 0.7 } }),
 * });
 * ```
 */
export function createProbabilisticResolver(options: ProbabilisticResolverOptions = {}): IdentityResolver {
  const { person, organization, maxCandidates, keys, defaultCallingCode, defaultCountry, ...rest } = options;
  // One country for the match keys, the lookups and the matcher (the deprecated calling code mapped onto it).
  const phoneOptions = phoneOptionsOf({ defaultCountry, defaultCallingCode });
  const shared = { ...rest, ...phoneOptions };
  const deterministic = createDeterministicResolver({ ...(keys ? { keys } : {}), ...phoneOptions });
  const matcher = createRecordMatcher(
    {
      person: createMatcher({ ...shared, ...person, entity: 'person' }),
      organization: createMatcher({ ...shared, ...organization, entity: 'organization' }),
    },
    phoneOptions,
  );
  return {
    name: 'probabilistic',
    matchKeys: deterministic.matchKeys,
    refKeys: deterministic.refKeys,
    matcher,
    maxCandidates: maxCandidates ?? 50,
    maxBlockSize: shared.maxBlockSize ?? 250,
  };
}
