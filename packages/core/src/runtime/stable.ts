/**
 * Deterministic serialisation, hashing and ordering helpers. The golden record must not depend on ingest order, so
 * every comparison here is a total order. Hashing and stable JSON are `@crmkit/model`'s (one copy in crmkit).
 *
 * @module
 */
export { hashString, stableStringify } from '@crmkit/model';

/** Compares two strings by code unit (locale independent). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
