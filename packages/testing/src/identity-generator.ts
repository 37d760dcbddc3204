import { seededRandom } from './generate';
import type { IdentityRecordLike } from './identity-datasets';
import { duplicateCdf, pickIndex } from './identity-generator/distributions';
import { type Person, PersonFactory } from './identity-generator/person';
import { render } from './identity-generator/render';

/** Options of {@link generateIdentities} and {@link syntheticIdentities}. */
export interface GenerateIdentitiesOptions {
  /** Number of distinct people (true entities) to generate. */
  entities: number;
  /** Seed of the pseudo-random generator; the same seed gives the same records. Default 1. */
  seed?: number;
  /** Source names, cycled over the copies of each person. Default `['hubspot', 'salesforce', 'dynamics']`. */
  sources?: readonly string[];
  /**
   * Extra records per person: k in 0..max, drawn from a truncated geometric distribution with the given mean.
   * Default mean 0.6, max 5.
   */
  duplicates?: { mean?: number; max?: number };
}

/** One generated record with its true entity (`e<n>`), which a matcher must not see. */
export interface GeneratedIdentity {
  /** The record: id `p<n>` in emission order, a source, and (distorted) person fields. */
  record: IdentityRecordLike;
  /** The true person the record describes. */
  entity: string;
}

/** Generated records with their ground truth; see {@link syntheticIdentities}. */
export interface SyntheticIdentities {
  /** The records in emission order. */
  records: IdentityRecordLike[];
  /** Record id -> true entity id. */
  entityOf: Map<string, string>;
}

// ---------------------------------------------------------------------------------------------------------------

interface Pending {
  fields: IdentityRecordLike['fields'];
  source: string;
  entity: string;
}

const DEFAULT_SOURCES = ['hubspot', 'salesforce', 'dynamics'] as const;

/**
 * Generates realistic synthetic Dutch/European person records with known duplicates, lazily (a million people take
 * a few seconds and little memory beyond the set of email addresses in use).
 *
 * Each of `entities` people gets one clean-ish record and k extra, distorted ones (k from a truncated geometric
 * distribution, default mean 0.6 and max 5): typos (insert, delete, keyboard-neighbour substitution,
 * transposition), nicknames and initials, dropped or reordered name particles (`Berg, van der`, `v.d. Berg`),
 * swapped given/family names, stripped diacritics, all-capitals systems, a full name instead of its parts, day/month
 * transposed or mistyped birth dates, moved addresses, street abbreviations (`Kerkstr.`), house number and postcode
 * spellings (`12a`/`12 A`, `1234AB`/`1234 ab`), alternative city names (`'s-Gravenhage`), changed email providers,
 * new (work) addresses, mixed phone formats (`+31 6 ...`, `06-...`, `0031 6 ...`) and missing fields (more often on
 * the duplicates). About 2% of the people are namesakes of someone else (same common name, usually the same city)
 * and 1.5% are relatives of someone else (same family name and address, other given name and birth date): hard
 * negatives. Names mix Dutch (with particles), English, German, French, Spanish/Portuguese, Turkish, Moroccan and
 * other origins; postcodes `1234 AB` belong to ~200 Dutch cities; emails and mobile numbers are unique per person.
 *
 * Records get ids `p0, p1, ...` in emission order and sources cycled over `sources` per person. Extra records are
 * held back and emitted later, interleaved with other people's, so the records of one person are rarely adjacent
 * (no shuffle needed). The same options always give the same sequence.
 *
 * @example
 * ```ts
 * for (const { record, entity } of generateIdentities({ entities: 1_000_000, seed: 7 })) index(record);
 * ```
 */
export function* generateIdentities(options: GenerateIdentitiesOptions): Generator<GeneratedIdentity> {
  const { entities, seed = 1, sources = DEFAULT_SOURCES } = options;
  const mean = options.duplicates?.mean ?? 0.6;
  const max = options.duplicates?.max ?? 5;
  if (!Number.isInteger(entities) || entities < 0) throw new RangeError('entities must be a non-negative integer');
  if (!Number.isInteger(max) || max < 0) throw new RangeError('duplicates.max must be a non-negative integer');
  if (!(mean >= 0) || mean > max) throw new RangeError('duplicates.mean must be between 0 and duplicates.max');
  if (sources.length === 0) throw new RangeError('sources must not be empty');
  const rnd = seededRandom(seed);
  const f = new PersonFactory(rnd);
  const dupCdf = duplicateCdf(mean, max);
  // recent people, for namesakes and relatives
  const recent: Person[] = [];
  const RECENT = 4096;
  // held-back duplicates
  const slots: (Pending | undefined)[] = new Array(Math.max(8, Math.min(8192, entities >> 2))).fill(undefined);
  let nextId = 0;
  const emit = (p: Pending): GeneratedIdentity => ({
    record: { id: `p${nextId++}`, source: p.source, fields: p.fields },
    entity: p.entity,
  });

  for (let e = 0; e < entities; e++) {
    let person: Person;
    const r = rnd();
    const other = recent.length > 0 ? recent[Math.floor(rnd() * recent.length)]! : undefined;
    if (other !== undefined && r < 0.02) person = f.namesake(other);
    else if (other !== undefined && r < 0.035) person = f.relative(other);
    else person = f.person();
    if (recent.length < RECENT) recent.push(person);
    else recent[Math.floor(rnd() * RECENT)] = person;

    const entity = `e${e}`;
    yield emit({ fields: render(person, f, false), source: sources[e % sources.length]!, entity });
    const extra = pickIndex(dupCdf, rnd());
    for (let k = 1; k <= extra; k++) {
      const pending: Pending = { fields: render(person, f, true), source: sources[(e + k) % sources.length]!, entity };
      if (rnd() < 0.15) {
        yield emit(pending);
        continue;
      }
      const slot = Math.floor(rnd() * slots.length);
      const held = slots[slot];
      slots[slot] = pending;
      if (held !== undefined) yield emit(held);
    }
  }
  for (const held of slots) if (held !== undefined) yield emit(held);
}

/**
 * All records of {@link generateIdentities} in an array, with the truth (record id -> entity) in a separate map.
 *
 * @example
 * ```ts
 * const { records, entityOf } = syntheticIdentities({ entities: 10_000, seed: 3 }); // ~16,000 records
 * ```
 */
export function syntheticIdentities(options: GenerateIdentitiesOptions): SyntheticIdentities {
  const records: IdentityRecordLike[] = [];
  const entityOf = new Map<string, string>();
  for (const { record, entity } of generateIdentities(options)) {
    records.push(record);
    entityOf.set(record.id, entity);
  }
  return { records, entityOf };
}
