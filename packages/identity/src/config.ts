import { fnv1a32 } from '@crmkit/model';
import type { EntityKind } from './types';
import {
  addressComparison,
  birthDateComparison,
  type Comparison,
  emailComparison,
  familyNameComparison,
  givenNameComparison,
  nationalIdComparison,
  organizationNameComparison,
  phoneComparison,
} from './comparisons';
import type { Prepared } from './prepare';

/**
 * A blocking rule: records that produce the same key under a rule are compared. A rule may give several keys
 * (one per email address, say) or none (a field is missing).
 */
export interface BlockingRule {
  readonly name: string;
  keys(record: Prepared): readonly string[];
  /**
   * A tighter block-size cap for a loose rule (a whole name, a phonetic code): it finds candidates while its
   * blocks are small (small inputs, rare values) and steps aside when they grow, leaving the work to the
   * composite rules. The matcher's `maxBlockSize` still applies when it is smaller.
   */
  readonly maxBlockSize?: number;
}

/** A training session for EM: pairs sharing the key; the named comparisons are left out of the estimate. */
export interface TrainingRule extends BlockingRule {
  /** Comparisons the rule fixes (they agree on every pair of the session, so they say nothing). */
  readonly fixes: readonly string[];
}

/** A deterministic rule: when every named comparison reaches one of its accepted levels, the pair links. */
export interface DeterministicRule {
  readonly name: string;
  readonly require: Readonly<Record<string, readonly number[]>>;
}

/** A guard: when the comparison reaches one of these levels, the pair is kept apart whatever the score. */
export interface Guard {
  readonly name: string;
  readonly comparison: string;
  readonly levels: readonly number[];
}

/**
 * A cap: when every `when` comparison reaches one of its levels, and no `unless` comparison reaches one of its
 * levels, the pair goes to review at most (never linked automatically). For evidence that the model over-counts,
 * such as two relatives at one address.
 */
export interface ReviewCap {
  readonly name: string;
  readonly when: Readonly<Record<string, readonly number[]>>;
  readonly unless: Readonly<Record<string, readonly number[]>>;
}

/** A full matching configuration. */
export interface EngineConfig {
  readonly entity: string;
  readonly comparisons: readonly Comparison[];
  readonly blocking: readonly BlockingRule[];
  readonly training: readonly TrainingRule[];
  readonly rules: readonly DeterministicRule[];
  readonly guards: readonly Guard[];
  readonly caps: readonly ReviewCap[];
  /**
   * The name comparisons. A pair that agrees on nothing but its name never goes to review: namesakes are common
   * and a review queue full of them helps nobody. (It can still link when the name is rare enough.)
   */
  readonly names: readonly string[];
  /** Prior probability that two random records match, until estimated. */
  readonly defaultLambda: number;
}

const one = (value: string | null): readonly string[] => (value === null ? [] : [value]);
const both = (a: string | null, b: string | null): readonly string[] => (a === null || b === null ? [] : [`${a}|${b}`]);
const year = (birth: string | null): string | null => (birth === null ? null : birth.slice(0, 4));
/**
 * Q-gram keys (MinHash over padded bigrams): for each of three seeds, the bigram with the smallest hash. Two
 * spellings that share most bigrams ("jansen"/"janssen", "pridham"/"pridam") very likely share at least one of
 * these keys, whatever position a typo is at, which phonetic codes (sensitive to the first letter and consonants)
 * and exact keys miss.
 */
export function qgramKeys(value: string | null): readonly string[] {
  if (value === null || value.length < 3) return [];
  const padded = `#${value}#`;
  const out: string[] = [];
  for (let seed = 1; seed <= 3; seed++) {
    let best = '';
    let bestHash = Number.POSITIVE_INFINITY;
    for (let i = 0; i + 2 <= padded.length; i++) {
      const gram = padded.slice(i, i + 2);
      const h = gramHash(gram, seed);
      if (h < bestHash) {
        bestHash = h;
        best = gram;
      }
    }
    out.push(`${seed}${best}`);
  }
  return out;
}

function gramHash(gram: string, seed: number): number {
  let h = fnv1a32(gram, Math.imul(seed, 0x9e3779b1) >>> 0);
  h ^= h >>> 15;
  return Math.imul(h, 0x85ebca6b) >>> 0;
}

/** Each key with a suffix appended; no keys when the suffix is missing. */
const withSuffix = (keys: readonly string[], suffix: string | null): readonly string[] =>
  suffix === null ? [] : keys.map((k) => `${k}|${suffix}`);
/** Given and family name in sorted order, so swapped names share the key. */
const namePair = (r: Prepared): readonly string[] => {
  const g = r.givenCanon;
  const f = r.family;
  if (g === null || f === null) return [];
  return [g < f ? `${g}|${f}` : `${f}|${g}`];
};

/** Phonetic codes of given and family name in sorted order, so swapped names share the key. */
const phoneticPair = (r: Prepared): readonly string[] => {
  const g = r.givenSx;
  const f = r.familySx;
  if (g === null || f === null) return [];
  return [g < f ? `${g}|${f}` : `${f}|${g}`];
};

/** The default configuration for people. */
export const PERSON_CONFIG: EngineConfig = {
  entity: 'person',
  comparisons: [
    givenNameComparison,
    familyNameComparison,
    birthDateComparison,
    emailComparison,
    phoneComparison,
    addressComparison,
    nationalIdComparison,
  ],
  // Every rule is selective enough for a million records (blocks of a handful); together they tolerate a typo or a
  // missing value in any one field. Names are combined with something else because at scale whole names repeat.
  blocking: [
    { name: 'name', keys: namePair, maxBlockSize: 10 },
    { name: 'name+birth-year', keys: (r) => withSuffix(namePair(r), year(r.birth)) },
    { name: 'name+city', keys: (r) => withSuffix(namePair(r), r.city) },
    {
      name: 'given+family-initial+city',
      keys: (r) => both(r.givenCanon, r.family && r.city ? `${r.family[0]}|${r.city}` : null),
      maxBlockSize: 10,
    },
    { name: 'family+birth', keys: (r) => both(r.family, r.birth) },
    { name: 'given+birth', keys: (r) => both(r.givenCanon, r.birth) },
    { name: 'birth+postcode', keys: (r) => both(r.birth, r.postcode) },
    { name: 'email', keys: (r) => r.emails },
    { name: 'email-user', keys: (r) => r.emailLocals.filter((l) => l.length >= 4), maxBlockSize: 10 },
    { name: 'birth+given-initial', keys: (r) => both(r.birth, r.given === null ? null : r.given.slice(0, 1)) },
    { name: 'phone', keys: (r) => r.phones },
    { name: 'nationalId', keys: (r) => one(r.nid) },
    { name: 'phonetic-names', keys: phoneticPair, maxBlockSize: 10 },
    { name: 'family-qgrams+birth', keys: (r) => withSuffix(qgramKeys(r.family), r.birth), maxBlockSize: 10 },
    { name: 'phonetic-names+birth-year', keys: (r) => withSuffix(phoneticPair(r), year(r.birth)) },
    { name: 'given+postcode', keys: (r) => both(r.givenCanon, r.postcode) },
    { name: 'family+postcode', keys: (r) => both(r.family, r.postcode) },
    { name: 'house+postcode', keys: (r) => both(r.house, r.postcode) },
    { name: 'birth+house', keys: (r) => both(r.birth, r.house) },
  ],
  training: [
    { name: 'birthDate', keys: (r) => one(r.birth), fixes: ['birthDate'] },
    { name: 'name', keys: (r) => both(r.given, r.family), fixes: ['givenName', 'familyName'] },
    { name: 'postcode', keys: (r) => one(r.postcode), fixes: ['address'] },
    { name: 'email', keys: (r) => r.emails, fixes: ['email'] },
  ],
  rules: [
    { name: 'email and family name', require: { email: [0], familyName: [0, 1, 2] } },
    { name: 'national id and birth date', require: { nationalId: [0], birthDate: [0] } },
  ],
  guards: [],
  caps: [
    {
      // Relatives share a family name, an address and often a phone; different first names make it a review.
      name: 'different given names',
      when: { givenName: [4] },
      unless: { email: [0], nationalId: [0, 1], birthDate: [0, 1] },
    },
  ],
  names: ['givenName', 'familyName'],
  defaultLambda: 1e-5,
};

/** The default configuration for organisations. */
export const ORGANIZATION_CONFIG: EngineConfig = {
  entity: 'organization',
  comparisons: [organizationNameComparison, addressComparison, phoneComparison, emailComparison, nationalIdComparison],
  blocking: [
    { name: 'name', keys: (r) => one(r.org) },
    {
      name: 'name-word+city',
      keys: (r) => (r.city === null ? [] : r.orgTokens.filter((t) => t.length >= 3).map((t) => `${t}|${r.city}`)),
    },
    { name: 'name-prefix', keys: (r) => (r.org === null || r.org.length < 4 ? [] : [r.org.slice(0, 4)]) },
    { name: 'name-qgrams+city', keys: (r) => withSuffix(qgramKeys(r.org), r.city), maxBlockSize: 10 },
    { name: 'street+house', keys: (r) => both(r.street, r.house) },
    { name: 'house+postcode', keys: (r) => both(r.house, r.postcode) },
    { name: 'phone', keys: (r) => r.phones },
    { name: 'email', keys: (r) => r.emails },
    { name: 'nationalId', keys: (r) => one(r.nid) },
  ],
  training: [
    { name: 'name', keys: (r) => one(r.org), fixes: ['organizationName'] },
    { name: 'street+house', keys: (r) => both(r.street, r.house), fixes: ['address'] },
    { name: 'phone', keys: (r) => r.phones, fixes: ['phone'] },
  ],
  rules: [{ name: 'registration id', require: { nationalId: [0] } }],
  guards: [{ name: 'different registration id', comparison: 'nationalId', levels: [3] }],
  caps: [],
  names: ['organizationName'],
  defaultLambda: 1e-4,
};

/** The default configuration of an entity kind. */
export function defaultConfig(entity: EntityKind = 'person'): EngineConfig {
  return entity === 'organization' ? ORGANIZATION_CONFIG : PERSON_CONFIG;
}
