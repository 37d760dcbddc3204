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
  if (keys.length > 1) keys.sort(compareStrings);
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
