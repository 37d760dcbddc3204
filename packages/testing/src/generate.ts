import type { SourceRecordInput } from '@crmkit/model';

/** Deterministic pseudo-random numbers (mulberry32), so every run ingests the same data. */
export function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Given names the synthetic generator draws from. */
export const GIVEN_NAMES: readonly string[] = [
  'Ada',
  'Grace',
  'Jan',
  'Sanne',
  'Pieter',
  'Maria',
  'Ahmed',
  'Li',
  'Olga',
  'Tom',
  'Eva',
  'Noah',
];
/** Family names the synthetic generator draws from. */
export const FAMILY_NAMES: readonly string[] = [
  'de Vries',
  'Jansen',
  'Bakker',
  'Visser',
  'Smit',
  'Meijer',
  'Mulder',
  'Bos',
  'Vos',
  'Peters',
];
/** Source names of the synthetic generator, one per copy of a person. */
export const SYNTHETIC_SOURCES: readonly string[] = ['hubspot-sales', 'dynamics-service', 'pipedrive-sub'];

/**
 * Synthetic person source records with known duplicates: `people` persons, each present in 1-3 sources
 * (`hubspot-sales`, `dynamics-service`, `pipedrive-sub`); copies share the email or the phone (never both, sometimes
 * neither) and are spelled differently, like departmental CRMs. The same seed always gives the same records; the
 * external id `<copy>-<person>` tells which person a record belongs to.
 *
 * @example
 * ```ts
 * const records = syntheticPeople(10_000); // ~20,000 records
 * ```
 */
export function syntheticPeople(people: number, seed = 42): SourceRecordInput[] {
  return [...syntheticPeopleStream(people, seed)];
}

/**
 * The records of {@link syntheticPeople}, the same ones in the same order, one at a time: a million people never
 * sit in memory at once (for load benchmarks).
 *
 * @example
 * ```ts
 * await hub.load(syntheticPeopleStream(1_000_000)); // ~2,000,000 records, streamed
 * ```
 */
export function* syntheticPeopleStream(people: number, seed = 42): Generator<SourceRecordInput> {
  const rnd = seededRandom(seed);
  for (let i = 0; i < people; i++) {
    const given = GIVEN_NAMES[Math.floor(rnd() * GIVEN_NAMES.length)]!;
    const family = FAMILY_NAMES[Math.floor(rnd() * FAMILY_NAMES.length)]!;
    const email = `${given}.${family.replace(/\s/g, '')}.${i}@example.com`.toLowerCase();
    const phone = `+316${String(10_000_000 + i).slice(-8)}`;
    const copies = 1 + Math.floor(rnd() * 3);
    for (let c = 0; c < copies; c++) {
      const r = rnd();
      const observedAt = new Date(Date.UTC(2026, 0, 1) + Math.floor(rnd() * 300 * 86_400_000)).toISOString();
      yield {
        type: 'person',
        source: SYNTHETIC_SOURCES[c]!,
        externalId: `${c}-${i}`,
        observedAt,
        data: {
          givenName: c === 1 ? `${given[0]}.` : given,
          familyName: family,
          jobTitle: r < 0.5 ? 'Buyer' : 'Manager',
          emails: c === 0 || r < 0.6 ? [c === 2 ? email.toUpperCase() : email] : [],
          phones: c > 0 && r >= 0.4 ? [c === 1 ? `06-${phone.slice(4)}` : phone] : [],
        },
      };
    }
  }
}
