/**
 * The canonical JSON of an audit entry's changes, on the ingest path (the audit log serialises every change of every
 * ingested record): an array of changes of the usual shape (`field`, `new`, `old`, `secret`, nothing else) is written
 * in that key order directly, without collecting and sorting each change's keys. Anything else is left to
 * `stableStringify`, so the output is always `stableStringify(changes)` (tested as a property) and entries written
 * before keep their hashes.
 *
 * @module
 */
import { stableStringify } from '../runtime/stable';

interface PlainChange {
  field: unknown;
  new?: unknown;
  old?: unknown;
  secret?: unknown;
}

/** `stableStringify(changes)`, faster for an array of changes of the usual shape. */
export function canonicalChangesJson(changes: unknown): string {
  if (!Array.isArray(changes)) return stableStringify(changes);
  for (let i = 0; i < changes.length; i++) {
    if (!(i in changes) || !isPlainChange(changes[i])) return stableStringify(changes);
  }
  let out = '[';
  for (let i = 0; i < changes.length; i++) {
    if (i > 0) out += ',';
    out += plainChangeJson(changes[i] as PlainChange);
  }
  return `${out}]`;
}

/** A plain object whose own keys are `field` (defined) and any of `new`, `old` and `secret`. */
function isPlainChange(change: unknown): change is PlainChange {
  if (change === null || typeof change !== 'object' || Array.isArray(change)) return false;
  let field = false;
  for (const key of Object.keys(change)) {
    if (key === 'field') field = true;
    else if (key !== 'new' && key !== 'old' && key !== 'secret') return false;
  }
  return field && (change as PlainChange).field !== undefined;
}

/** A plain change with its keys in canonical order: `field`, `new`, `old`, `secret` (undefined members left out). */
function plainChangeJson(change: PlainChange): string {
  let out = `{"field":${stableStringify(change.field)}`;
  if (change.new !== undefined) out += `,"new":${stableStringify(change.new)}`;
  if (change.old !== undefined) out += `,"old":${stableStringify(change.old)}`;
  if (change.secret !== undefined) out += `,"secret":${stableStringify(change.secret)}`;
  return `${out}}`;
}
