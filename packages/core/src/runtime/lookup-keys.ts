/**
 * The lookup keys core stores, in one place. Two families:
 *
 * - **match keys** of a party record (`<type>:email:<address>`, `<type>:phone:<number>`): records of one type that
 *   share one are one customer;
 * - **reference and lookup keys** (`rec:<record key>`, `email:<address>`, `phone:<number>`, `name:<token>`): a
 *   reference from an interaction, an opportunity or a person finds its party by them, and `find()` finds customers
 *   by them (a customer carries the `rec:` keys of its records, its contact points and its name tokens).
 *
 * Every other module builds and reads these keys with the functions here, never with the prefixes.
 *
 * @module
 */

/** The kinds of reference and lookup keys. */
export type LookupKeyKind = 'rec' | 'email' | 'phone' | 'name';

/** The contact-point kinds that give keys. */
export type ContactKeyKind = 'email' | 'phone';

/** `rec:<record key>`: a reference to one source record (key `source/type/externalId`). */
export function recordRefKey(recordKey: string): string {
  return `rec:${recordKey}`;
}

/** `email:<address>` / `phone:<number>`: a reference to whoever has this (normalised) contact point. */
export function contactKey(kind: ContactKeyKind, normalized: string): string {
  return `${kind}:${normalized}`;
}

/** `name:<token>`: a customer with this (normalised) name token. */
export function nameKey(token: string): string {
  return `name:${token}`;
}

/** `<type>:email:<address>` / `<type>:phone:<number>`: a match key of a party record of `type`. */
export function matchKey(type: string, kind: ContactKeyKind, normalized: string): string {
  return `${type}:${kind}:${normalized}`;
}

/** A reference or lookup key taken apart, or `undefined` for anything else (a match key, an unknown key). */
export function parseLookupKey(key: string): { kind: LookupKeyKind; value: string } | undefined {
  const colon = key.indexOf(':');
  if (colon < 0) return undefined;
  const kind = key.slice(0, colon);
  if (kind === 'rec' || kind === 'email' || kind === 'phone' || kind === 'name')
    return { kind, value: key.slice(colon + 1) };
  return undefined;
}

/** True for the keys a reference can use (`rec:`, `email:`, `phone:`), i.e. every lookup key but a name token. */
export function isReferenceKey(key: string): boolean {
  const kind = parseLookupKey(key)?.kind;
  return kind === 'rec' || kind === 'email' || kind === 'phone';
}

/** The keys of a customer's lookup keys under which other records refer to it. */
export function referenceKeysOf(lookupKeys: readonly string[]): string[] {
  return lookupKeys.filter(isReferenceKey);
}
