/**
 * The canonical JSON the audit chain hashes, built without the intermediate arrays of the general
 * `stableStringify`: the audit log serialises every change of every ingested record, so this is on the ingest path.
 * Output is identical to `stableStringify` for every input (tested as a property), so entries written before keep
 * their hashes.
 *
 * @module
 */
import { compareStrings } from '../runtime/stable';

/**
 * JSON with object keys sorted at every level (code-unit order), `undefined` object members left out, `undefined`
 * array items as `null`: exactly `stableStringify(value)` from `@crmkit/model`, faster.
 */
export function canonicalJson(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      // A hole is skipped by `map` and joined as an empty string, as stableStringify does.
      if (!(i in value)) continue;
      const item: unknown = value[i];
      // `join` writes an item that serialises to nothing (a function, a symbol) as an empty string.
      const text: string | undefined = item === undefined ? 'null' : canonicalJson(item);
      if (text !== undefined) out += text;
    }
    return `${out}]`;
  }
  const keys = Object.keys(value);
  if (!isSorted(keys)) keys.sort(compareStrings);
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member: unknown = (value as Record<string, unknown>)[key];
    if (member === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(member)}`;
    first = false;
  }
  return `${out}}`;
}

/** True when `keys` are in code-unit order already (objects built in canonical order need no sort). */
function isSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return false;
  return true;
}

/**
 * `canonicalJson` of an array of audit changes, with each change of the usual shape (`field`, `new`, `old`,
 * `secret` and nothing else) written in that canonical order directly; any other value takes the general path.
 */
export function canonicalChangesJson(changes: unknown): string {
  if (!Array.isArray(changes)) return canonicalJson(changes);
  let out = '[';
  for (let i = 0; i < changes.length; i++) {
    if (i > 0) out += ',';
    if (!(i in changes)) continue;
    const change: unknown = changes[i];
    if (isPlainChange(change)) out += plainChangeJson(change);
    else {
      const text: string | undefined = change === undefined ? 'null' : canonicalJson(change);
      if (text !== undefined) out += text;
    }
  }
  return `${out}]`;
}

interface PlainChange {
  field: unknown;
  new?: unknown;
  old?: unknown;
  secret?: unknown;
}

/** An object whose own keys are among `field` (present), `new`, `old` and `secret`. */
function isPlainChange(change: unknown): change is PlainChange {
  if (change === null || typeof change !== 'object' || Array.isArray(change)) return false;
  const keys = Object.keys(change);
  let field = false;
  for (const key of keys) {
    if (key === 'field') field = true;
    else if (key !== 'new' && key !== 'old' && key !== 'secret') return false;
  }
  const value = (change as PlainChange).field;
  return field && value !== undefined;
}

/** A plain change in canonical order: `field`, `new`, `old`, `secret` (undefined members left out). */
function plainChangeJson(change: PlainChange): string {
  let out = `{"field":${canonicalJson(change.field)}`;
  if (change.new !== undefined) out += `,"new":${canonicalJson(change.new)}`;
  if (change.old !== undefined) out += `,"old":${canonicalJson(change.old)}`;
  if (change.secret !== undefined) out += `,"secret":${canonicalJson(change.secret)}`;
  return `${out}}`;
}
