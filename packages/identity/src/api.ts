import type { AbortSignalLike } from '@crmkit/model';
import type { EngineConfig } from './config';
import type { EntityKind, IdentityRecord, MatchBand, PairScore } from './types';

/** Estimated parameters of one comparison: m and u probability per level (same order as the levels). */
export interface ComparisonParameters {
  /** P(level | match), one per level, summing to 1. */
  m: number[];
  /** P(level | non-match), one per level, summing to 1. */
  u: number[];
}

/** Everything a trained model knows; plain JSON, so it can be saved and passed to the next run or to the Hub. */
export interface ModelParameters {
  /** Configuration the parameters belong to (`person` or `organization` default, or a custom name). */
  entity: string;
  /** Prior probability that a random pair of records is a match. */
  lambda: number;
  /** Per comparison name. */
  comparisons: Record<string, ComparisonParameters>;
  /**
   * Term frequencies of common values per comparison (relative frequency among records that have a value), for
   * the term-frequency adjustment of exact agreement. Values not listed count as rare, at `floor`.
   */
  termFrequencies?: Record<string, { floor: number; values: Record<string, number> }>;
}

/** Where a pair lands by probability. */
export interface Thresholds {
  /** At or above: link automatically. @default 0.9 */
  link: number;
  /** At or above (and below `link`): send to review. @default 0.5 */
  review: number;
}

/** Options of {@link createMatcher} and {@link resolve}. */
export interface MatcherOptions {
  /** Which default configuration to use. @default 'person' */
  entity?: EntityKind;
  /** Decision thresholds on the match probability. */
  thresholds?: Partial<Thresholds>;
  /** Parameters from an earlier run; without them defaults are used (and `resolve` estimates its own). */
  parameters?: ModelParameters;
  /** Country for phone numbers without a calling code (ISO 3166 alpha-2). */
  defaultCountry?: string;
  /** Values that never count as evidence (e.g. `test@test.com`, `-1`), per field; added to the built-in list. */
  blockedValues?: Partial<Record<string, readonly string[]>>;
  /** Records sharing a blocking key beyond this many are not compared on that key. @default 250 */
  maxBlockSize?: number;
  /** Clusters never grow beyond this many records; links that would exceed it go to review. @default 1000 */
  maxClusterSize?: number;
  /** Date order of ambiguous dates such as 03/04/1990. @default 'dmy' */
  dateOrder?: 'dmy' | 'mdy';
  /**
   * A whole configuration instead of the entity's default: comparisons, blocking and training rules, deterministic
   * rules, guards and caps. Start from `PERSON_CONFIG` or `ORGANIZATION_CONFIG` and change what you need, e.g. add a
   * guard that keeps people with different national ids apart where your ids are reliable (the default does not:
   * in data such as Febrl, duplicates often carry a mistyped id).
   */
  config?: EngineConfig;
}

/** A record after normalisation, ready to block and compare. Opaque to callers apart from `id`. */
export interface PreparedRecord {
  readonly id: string;
  readonly source: string | undefined;
}

/** A configured matcher: normalises, blocks and scores. Pure and synchronous. */
export interface Matcher {
  /** The parameters in use. */
  readonly parameters: ModelParameters;
  /** The thresholds in use. */
  readonly thresholds: Thresholds;
  /** Normalises a record once; pass the result to `blockingKeys` and `score`. */
  prepare(record: IdentityRecord): PreparedRecord;
  /**
   * Keys under which candidates are found: two records are compared when they share at least one. With
   * `{ loose: false }` the loose rules (a whole name, a phonetic code: useful while blocks are small) are left out,
   * which suits a large, growing index such as the Hub's.
   */
  blockingKeys(record: PreparedRecord, options?: { loose?: boolean }): string[];
  /** Scores a pair and explains the score. */
  score(a: PreparedRecord, b: PreparedRecord): PairScore;
  /** The decision on a pair without the explanation: much cheaper than `score` for the many pairs kept apart. */
  classify(a: PreparedRecord, b: PreparedRecord): PairDecision;
}

/** A pair's decision without its explanation (see {@link Matcher.classify}). */
export interface PairDecision {
  band: MatchBand;
  probability: number;
  weight: number;
}

/** Progress of a {@link resolve} run. */
export interface ResolveProgress {
  phase: 'prepare' | 'block' | 'train' | 'score' | 'cluster';
  done: number;
  total: number;
}

/** Options of {@link resolve}. */
export interface ResolveOptions extends MatcherOptions {
  /** Estimate m and u from the data (EM) before scoring. @default true unless `parameters` is given */
  train?: boolean;
  /** Called now and then with the phase and how far it is. */
  onProgress?: (progress: ResolveProgress) => void;
  /** Stops the run with an `AbortedError`. */
  signal?: AbortSignalLike;
  /** Keep every scored pair in the result (memory grows with the number of candidate pairs). @default false */
  keepPairs?: boolean;
}

/** Counts of a {@link resolve} run. */
export interface ResolveStats {
  records: number;
  candidatePairs: number;
  /** Pairs in the link band (including rule links). */
  links: number;
  /** Pairs in the review band. */
  reviews: number;
  clusters: number;
  seconds: number;
}

/** Result of {@link resolve}. */
export interface ResolveResult {
  /** Cluster id of every record id. A cluster's id is the id of its first record in input order. */
  clusterOf: Map<string, string>;
  /** Pairs in the review band, for a person to decide. */
  reviews: PairScore[];
  /** Every scored pair when `keepPairs` was set, else empty. */
  pairs: PairScore[];
  /** The parameters used (estimated or given); pass them to the next run or the Hub. */
  parameters: ModelParameters;
  stats: ResolveStats;
}

/** Result of adding or matching one record against an {@link IdentityIndex}. */
export interface MatchResult {
  /** The record's cluster after the operation (for `match`, the cluster it would join, or its own id). */
  cluster: string;
  /** Candidates in the link band, best first. */
  links: PairScore[];
  /** Candidates in the review band, best first. */
  reviews: PairScore[];
  /** Clusters that were merged into `cluster` (only `add`). */
  merged: string[];
}
