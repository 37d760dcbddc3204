/**
 * The field vocabulary of the identity engine. A record to match is a bag of these fields; everything else a
 * source holds is irrelevant to identity and stays out.
 */
export const FIELD_NAMES = [
  'givenName',
  'familyName',
  'fullName',
  'birthDate',
  'email',
  'phone',
  'street',
  'houseNumber',
  'postcode',
  'city',
  'region',
  'country',
  'organizationName',
  'nationalId',
] as const;

/** One field of the vocabulary, see {@link FIELD_NAMES}. */
export type FieldName = (typeof FIELD_NAMES)[number];

/** A raw field value: one string, several (a person with two emails), or missing. */
export type FieldValue = string | readonly string[] | null | undefined;

/** A record to match: an id unique in its input, an optional source (file, system) and its identifying fields. */
export interface IdentityRecord {
  /** Unique among all records given to one resolve run or one index. */
  id: string;
  /** Where the record comes from (a file, a CRM). Used in reports; linking works within and across sources. */
  source?: string;
  /** Identifying fields; unknown or empty ones are ignored. */
  fields: Partial<Record<FieldName, FieldValue>>;
}

/** What kind of entity a configuration matches. */
export type EntityKind = 'person' | 'organization';

/** The three decision bands of a scored pair. */
export type MatchBand = 'link' | 'review' | 'apart';

/** How much one compared field moved the score. */
export interface FieldContribution {
  /** The comparison, e.g. `familyName` or `birthDate`. */
  comparison: string;
  /** The level the pair reached, e.g. `exact`, `jaro-winkler >= 0.92`, `missing`. */
  level: string;
  /** log2 Bayes factor this level contributes (0 when a value is missing). */
  weight: number;
  /** The normalised values that were compared. */
  values: readonly [string | null, string | null];
}

/** A scored candidate pair and why it scored so. */
export interface PairScore {
  /** Ids of the two records, `a < b`. */
  a: string;
  b: string;
  /** Total match weight: prior log2 odds plus every contribution. */
  weight: number;
  /** Match probability in [0, 1]. */
  probability: number;
  /** Decision band by the configured thresholds, after rules and guards. */
  band: MatchBand;
  /** Per comparison, what it added. */
  contributions: readonly FieldContribution[];
  /** Name of the deterministic rule that linked the pair regardless of the score, if one did. */
  rule?: string;
  /** Why the pair was kept apart regardless of the score (blocked value, conflicting identifier), if so. */
  guard?: string;
}
