/**
 * Deterministic serialisation, hashing and ordering helpers. The golden record must not depend on ingest order, so
 * every comparison here is a total order. Hashing, stable JSON and string order are `@crmkit/model`'s (one copy in crmkit).
 *
 * @module
 */
import { stableStringify } from '@crmkit/model';

export { compareStrings, hashString, stableStringify } from '@crmkit/model';

/**
 * True when `stableStringify(a) === stableStringify(b)`, decided without building either text: it walks both values
 * and stops at the first difference. As in stable JSON, key order does not count, object properties that are
 * `undefined` are absent, and an `undefined` array item equals `null`.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    // Different primitives can still print alike (`NaN` and `null`, `Infinity` and `null`).
    return stableStringify(a) === stableStringify(b);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    if (a.length !== other.length) return false;
    for (let i = 0; i < a.length; i++) {
      if (!jsonEqual(a[i] === undefined ? null : a[i], other[i] === undefined ? null : other[i])) return false;
    }
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let count = 0;
  for (const key of Object.keys(x)) {
    const value = x[key];
    if (value === undefined) continue;
    count++;
    if (!Object.hasOwn(y, key) || !jsonEqual(value, y[key])) return false;
  }
  for (const key of Object.keys(y)) if (y[key] !== undefined) count--;
  return count === 0;
}
