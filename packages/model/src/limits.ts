import { formatPath, quoteValue, type ValidationIssue } from './errors';

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
export const DEFAULT_INPUT_LIMITS: Readonly<InputLimits> = Object.freeze({
  maxRecordBytes: 1_048_576,
  maxStringLength: 65_536,
  maxDepth: 32,
  maxKeys: 10_000,
  text: 'reject',
  minObservedAt: '1900-01-01T00:00:00Z',
  maxFutureSkewMs: 86_400_000,
  minBirthDate: '1000-01-01',
});

/** Issue codes of the limit and text checks (in {@link ValidationIssue.issueCode}). */
export const LimitIssueCode = {
  /** The record's JSON text is larger than `maxRecordBytes`. */
  RECORD_TOO_LARGE: 'record_too_large',
  /** A string or key is longer than `maxStringLength`. */
  STRING_TOO_LONG: 'string_too_long',
  /** Objects and arrays nest deeper than `maxDepth`. */
  TOO_DEEP: 'too_deep',
  /** More object keys and array items than `maxKeys`. */
  TOO_MANY_KEYS: 'too_many_keys',
  /** A NUL character or unpaired surrogate (text policy `reject`). */
  INVALID_TEXT: 'invalid_text',
  /** A timestamp or date outside the accepted bounds. */
  TIME_OUT_OF_RANGE: 'time_out_of_range',
} as const;

/**
 * Resolves partial limits against the defaults and checks them. Throws a `TypeError` on a limit that is not a
 * positive integer (or a bound that is not a date), so a misconfiguration shows at start.
 */
export function resolveInputLimits(limits: Partial<InputLimits> = {}): InputLimits {
  const out: InputLimits = { ...DEFAULT_INPUT_LIMITS };
  for (const [key, value] of Object.entries(limits)) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_INPUT_LIMITS)) throw new TypeError(`[crmkit] Unknown input limit "${key}".`);
    (out as unknown as Record<string, unknown>)[key] = value;
  }
  for (const key of ['maxRecordBytes', 'maxStringLength', 'maxDepth', 'maxKeys'] as const) {
    if (!Number.isSafeInteger(out[key]) || out[key] < 1) {
      throw new TypeError(`[crmkit] Input limit "${key}" must be a positive integer; got ${String(out[key])}.`);
    }
  }
  if (!Number.isFinite(out.maxFutureSkewMs) || out.maxFutureSkewMs < 0) {
    throw new TypeError(
      `[crmkit] Input limit "maxFutureSkewMs" must be a number ≥ 0; got ${String(out.maxFutureSkewMs)}.`,
    );
  }
  if (out.text !== 'reject' && out.text !== 'clean') {
    throw new TypeError(`[crmkit] Input limit "text" must be "reject" or "clean"; got ${quoteValue(out.text)}.`);
  }
  for (const key of ['minObservedAt', 'minBirthDate'] as const) {
    if (Number.isNaN(Date.parse(out[key]))) {
      throw new TypeError(`[crmkit] Input limit "${key}" must be a date; got ${quoteValue(out[key])}.`);
    }
  }
  return out;
}

/** What {@link checkInputLimits} found. */
export interface InputCheck {
  /** The first problems found (the walk stops at the first limit it passes); empty when the input is acceptable. */
  issues: ValidationIssue[];
  /** The input, with bad text cleaned when the policy is `clean` (the same object when nothing was cleaned). */
  value: unknown;
  /** Paths where text was cleaned (policy `clean`), in the order found. */
  cleaned: ValidationIssue[];
}

/** True when `text` holds a NUL character or an unpaired surrogate. */
function badText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return true;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return true;
    } else if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}

/** UTF-8 length of `text` (a surrogate pair counts 4 bytes, an unpaired surrogate 3). */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) bytes += c >= 0x800 && !(c >= 0xd800 && c <= 0xdfff) ? 2 : 1;
  }
  return bytes;
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
export function cleanText(text: string): string {
  if (!badText(text)) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) continue;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += text[i]! + text[i + 1]!;
        i++;
      } else out += '\uFFFD';
    } else if (c >= 0xdc00 && c <= 0xdfff) out += '\uFFFD';
    else out += text[i]!;
  }
  return out;
}

function describeText(text: string): string {
  return text.includes('\u0000') ? 'a NUL character (U+0000)' : 'an unpaired UTF-16 surrogate';
}

/** Rebuilds `value` with every string and key cleaned. Only called after the limits passed (depth is bounded). */
function cleanDeep(value: unknown): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (Array.isArray(value)) return value.map(cleanDeep);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[cleanText(key)] = cleanDeep(inner);
    return out;
  }
  return value;
}

/**
 * Checks one input (a source record, an override value) against the limits and the text policy in one iterative,
 * breadth-first pass: no recursion (a record nested 100,000 deep is refused, not a stack overflow), no
 * `JSON.stringify`, and it stops at the first limit passed. Strings are scanned once, for bad text and their size.
 *
 * @param prefix path of `input` in issues (e.g. `[3]` for the fourth record of a batch)
 * @param root root name of `pathString` (e.g. `records`)
 */
export function checkInputLimits(
  input: unknown,
  limits: InputLimits,
  prefix: readonly (string | number)[] = [],
  root = '',
): InputCheck {
  const issues: ValidationIssue[] = [];
  const cleaned: ValidationIssue[] = [];
  const issue = (path: (string | number)[], message: string, issueCode: string): ValidationIssue => ({
    path,
    pathString: formatPath(path, root),
    message,
    issueCode,
  });
  let bytes = 0;
  let keys = 0;
  // Nodes point to their parent: a path is only built for a node with a problem.
  interface Node {
    value: unknown;
    parent: Node | undefined;
    key: string | number;
    depth: number;
  }
  const pathOf = (node: Node): (string | number)[] => {
    const keys: (string | number)[] = [];
    for (let at: Node | undefined = node; at?.parent; at = at.parent) keys.push(at.key);
    return [...prefix, ...keys.reverse()];
  };
  const queue: Node[] = [{ value: input, parent: undefined, key: '', depth: 0 }];
  const text = (value: string, node: Node, what: string): boolean => {
    if (value.length > limits.maxStringLength) {
      issues.push(
        issue(
          pathOf(node),
          `${what} is ${value.length} characters long; at most ${limits.maxStringLength} are accepted`,
          LimitIssueCode.STRING_TOO_LONG,
        ),
      );
      return false;
    }
    bytes += utf8Length(value) + 2;
    if (badText(value)) {
      const problem = `${what} contains ${describeText(value)}`;
      if (limits.text === 'clean')
        cleaned.push(issue(pathOf(node), `${problem}; cleaned`, LimitIssueCode.INVALID_TEXT));
      else {
        issues.push(issue(pathOf(node), `${problem}, which no store can keep`, LimitIssueCode.INVALID_TEXT));
        return false;
      }
    }
    return true;
  };
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!;
    const { value, depth } = node;
    if (typeof value === 'string') {
      if (!text(value, node, 'The text')) break;
    } else if (typeof value === 'number') bytes += 8;
    else if (typeof value === 'boolean') bytes += 5;
    else if (value === null) bytes += 4;
    else if (typeof value === 'object') {
      if (depth >= limits.maxDepth) {
        issues.push(
          issue(pathOf(node), `Objects and arrays nest deeper than ${limits.maxDepth} levels`, LimitIssueCode.TOO_DEEP),
        );
        break;
      }
      bytes += 2;
      if (Array.isArray(value)) {
        keys += value.length;
        if (keys > limits.maxKeys) {
          issues.push(
            issue(
              pathOf(node),
              `More than ${limits.maxKeys} keys and array items in one record`,
              LimitIssueCode.TOO_MANY_KEYS,
            ),
          );
          break;
        }
        for (let i = 0; i < value.length; i++) queue.push({ value: value[i], parent: node, key: i, depth: depth + 1 });
        bytes += value.length;
      } else {
        let stop = false;
        for (const key in value) {
          if (!Object.hasOwn(value, key)) continue;
          if (++keys > limits.maxKeys) {
            issues.push(
              issue(
                pathOf(node),
                `More than ${limits.maxKeys} keys and array items in one record`,
                LimitIssueCode.TOO_MANY_KEYS,
              ),
            );
            stop = true;
            break;
          }
          if (!text(key, node, `The key ${quoteValue(key)}`)) {
            stop = true;
            break;
          }
          const name = limits.text === 'clean' ? cleanText(key) : key;
          queue.push({ value: (value as Record<string, unknown>)[key], parent: node, key: name, depth: depth + 1 });
          bytes += 2;
        }
        if (stop) break;
      }
    }
    if (bytes > limits.maxRecordBytes) {
      issues.push(
        issue(
          [...prefix],
          `The record is larger than ${limits.maxRecordBytes} bytes as JSON`,
          LimitIssueCode.RECORD_TOO_LARGE,
        ),
      );
      break;
    }
  }
  if (issues.length > 0 || cleaned.length === 0)
    return { issues, value: input, cleaned: issues.length > 0 ? [] : cleaned };
  return { issues, value: cleanDeep(input), cleaned };
}

/** A timestamp or date as a number of milliseconds; `NaN` for text that is no date. */
function timeOf(value: string): number {
  return Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
}

/**
 * Checks the time fields of a parsed source record against the bounds: `observedAt` between `minObservedAt` and
 * `now + maxFutureSkewMs`; an interaction's `occurredAt` not before `minObservedAt`; a person's `birthDate` between
 * `minBirthDate` and today (plus the skew). Returns the issues (paths under `prefix`).
 */
export function checkRecordTimes(
  record: { observedAt: string; type: string; deleted?: boolean; data?: unknown },
  limits: InputLimits,
  now: Date,
  prefix: readonly (string | number)[] = [],
  root = '',
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const latest = now.getTime() + limits.maxFutureSkewMs;
  const earliest = timeOf(limits.minObservedAt);
  const out = (path: (string | number)[], message: string): void => {
    const full = [...prefix, ...path];
    issues.push({
      path: full,
      pathString: formatPath(full, root),
      message,
      issueCode: LimitIssueCode.TIME_OUT_OF_RANGE,
    });
  };
  const observed = timeOf(record.observedAt);
  if (observed < earliest) out(['observedAt'], `observedAt ${record.observedAt} is before ${limits.minObservedAt}`);
  else if (observed > latest) {
    out(
      ['observedAt'],
      `observedAt ${record.observedAt} is more than ${limits.maxFutureSkewMs} ms after now (${now.toISOString()})`,
    );
  }
  if (record.deleted || typeof record.data !== 'object' || record.data === null) return issues;
  const data = record.data as { occurredAt?: unknown; birthDate?: unknown };
  if (record.type === 'interaction' && typeof data.occurredAt === 'string' && timeOf(data.occurredAt) < earliest) {
    out(['data', 'occurredAt'], `occurredAt ${data.occurredAt} is before ${limits.minObservedAt}`);
  }
  if (record.type === 'person' && typeof data.birthDate === 'string') {
    issues.push(...checkBirthDate(data.birthDate, limits, now, [...prefix, 'data', 'birthDate'], root));
  }
  return issues;
}

/** Checks a birth date (`YYYY-MM-DD`): not before `minBirthDate`, not after today (plus the skew). */
export function checkBirthDate(
  birthDate: string,
  limits: InputLimits,
  now: Date,
  path: (string | number)[],
  root = '',
): ValidationIssue[] {
  const at = timeOf(birthDate);
  const message =
    at < timeOf(limits.minBirthDate)
      ? `birthDate ${birthDate} is before ${limits.minBirthDate}`
      : at > now.getTime() + limits.maxFutureSkewMs
        ? `birthDate ${birthDate} is in the future`
        : undefined;
  return message
    ? [{ path, pathString: formatPath(path, root), message, issueCode: LimitIssueCode.TIME_OUT_OF_RANGE }]
    : [];
}
