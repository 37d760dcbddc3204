/**
 * Deterministic serialisation, hashing and ordering helpers. The golden record must not depend on ingest order, so
 * every comparison here is a total order. Hashing, stable JSON and string order are `@crmkit/model`'s (one copy in crmkit).
 *
 * @module
 */
export { compareStrings, hashString, stableStringify } from '@crmkit/model';
