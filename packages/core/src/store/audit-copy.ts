/**
 * The memory store's copy of an audit entry it appends. An entry's members are strings, numbers and booleans except
 * `changes`, whose values are JSON: a shallow copy with a deep copy of the changes keeps the store's entry its own,
 * at a fraction of `structuredClone`'s cost (which was most of appending a batch's entries).
 *
 * @module
 */
import type { AuditEntry } from '@crmkit/model';

/** A deep copy of a JSON value (arrays and plain objects copied, primitives shared). */
function copyJson<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyJson) as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = copyJson((value as Record<string, unknown>)[key]);
  return out as T;
}

/** The entry as the store keeps it: its own object and its own `changes`, sharing nothing with the caller's. */
export function copyAuditEntry(entry: AuditEntry): AuditEntry {
  return { ...entry, changes: copyJson(entry.changes) };
}
