import { type ValidationIssue } from './errors';
/**
 * Input limits and text rules: what every source record must keep to before it is parsed or stored. One iterative
 * pass over the record checks size, string length, nesting depth, key count and text every store can keep (no NUL,
 * no unpaired UTF-16 surrogates); the timestamp bounds are checked after parsing.
 *
 * @module
 */
/** What to do with text no store can keep: a NUL character (U+0000) or an unpaired UTF-16 surrogate. */
export type TextPolicy = 'reject' | 'clean';
/** Limits on one source record. Every field has a default ({@link DEFAULT_INPUT_LIMITS}). */
export interface InputLimits {
  /** Largest record, as UTF-8 bytes of its JSON text (escapes not counted). @default 1048576 (1 MiB) */
  maxRecordBytes: number;
  /** Longest string (value or object key), in UTF-16 code units. @default 65536 */
  maxStringLength: number;
  /** Deepest nesting of objects and arrays, counted from the record itself (`data` is depth 1). @default 32 */
  maxDepth: number;
  /** Most object keys and array items in one record, all levels together. @default 10000 */
  maxKeys: number;
  /**
   * Text with a NUL character or an unpaired surrogate: `reject` refuses the record (`VALIDATION_FAILED`); `clean`
   * strips NUL characters, replaces unpaired surrogates with U+FFFD and reports the paths it cleaned.
   * @default 'reject'
   */
  text: TextPolicy;
  /** Earliest `observedAt` (and interaction `occurredAt`) accepted. @default '1900-01-01T00:00:00Z' */
  minObservedAt: string;
  /**
   * How far in the future (after the Hub's clock) an `observedAt` may be, in milliseconds. A record observed later
   * would win over every later correction. @default 86400000 (24 hours)
   */
  maxFutureSkewMs: number;
  /** Earliest `birthDate` accepted; a birth date after today (plus the skew) is refused too. @default '1000-01-01' */
  minBirthDate: string;
}
/** The default {@link InputLimits}. */
export declare const DEFAULT_INPUT_LIMITS: Readonly<InputLimits>;
/** Issue codes of the limit and text checks (in {@link ValidationIssue.issueCode}). */
export declare const LimitIssueCode: {
  /** The record's JSON text is larger than `maxRecordBytes`. */
  readonly RECORD_TOO_LARGE: 'record_too_large';
  /** A string or key is longer than `maxStringLength`. */
  readonly STRING_TOO_LONG: 'string_too_long';
  /** Objects and arrays nest deeper than `maxDepth`. */
  readonly TOO_DEEP: 'too_deep';
  /** More object keys and array items than `maxKeys`. */
  readonly TOO_MANY_KEYS: 'too_many_keys';
  /** A NUL character or unpaired surrogate (text policy `reject`). */
  readonly INVALID_TEXT: 'invalid_text';
  /** A timestamp or date outside the accepted bounds. */
  readonly TIME_OUT_OF_RANGE: 'time_out_of_range';
};
/**
 * Resolves partial limits against the defaults and checks them. Throws a `TypeError` on a limit that is not a
 * positive integer (or a bound that is not a date), so a misconfiguration shows at start.
 */
export declare function resolveInputLimits(limits?: Partial<InputLimits>): InputLimits;
/** What {@link checkInputLimits} found. */
export interface InputCheck {
  /** The first problems found (the walk stops at the first limit it passes); empty when the input is acceptable. */
  issues: ValidationIssue[];
  /** The input, with bad text cleaned when the policy is `clean` (the same object when nothing was cleaned). */
  value: unknown;
  /** Paths where text was cleaned (policy `clean`), in the order found. */
  cleaned: ValidationIssue[];
}
/**
 * Strips NUL characters and replaces unpaired surrogates with U+FFFD: the text every store (PostgreSQL included)
 * can keep.
 *
 * @example
 * ```ts
 * cleanText('Ad\u0000a\uD800'); // 'Ada\uFFFD'
 * ```
 */
export declare function cleanText(text: string): string;
/**
 * Checks one input (a source record, an override value) against the limits and the text policy in one iterative,
 * breadth-first pass: no recursion (a record nested 100,000 deep is refused, not a stack overflow), no
 * `JSON.stringify`, and it stops at the first limit passed. Strings are scanned once, for bad text and their size.
 *
 * @param prefix path of `input` in issues (e.g. `[3]` for the fourth record of a batch)
 * @param root root name of `pathString` (e.g. `records`)
 */
export declare function checkInputLimits(
  input: unknown,
  limits: InputLimits,
  prefix?: readonly (string | number)[],
  root?: string,
): InputCheck;
/**
 * Checks the time fields of a parsed source record against the bounds: `observedAt` between `minObservedAt` and
 * `now + maxFutureSkewMs`; an interaction's `occurredAt` not before `minObservedAt`; a person's `birthDate` between
 * `minBirthDate` and today (plus the skew). Returns the issues (paths under `prefix`).
 */
export declare function checkRecordTimes(
  record: {
    observedAt: string;
    type: string;
    deleted?: boolean;
    data?: unknown;
  },
  limits: InputLimits,
  now: Date,
  prefix?: readonly (string | number)[],
  root?: string,
): ValidationIssue[];
/** Checks a birth date (`YYYY-MM-DD`): not before `minBirthDate`, not after today (plus the skew). */
export declare function checkBirthDate(
  birthDate: string,
  limits: InputLimits,
  now: Date,
  path: (string | number)[],
  root?: string,
): ValidationIssue[];
//# sourceMappingURL=limits.d.ts.map
