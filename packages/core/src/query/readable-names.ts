import type { Customer } from '@crmkit/model';
import { nameTokens } from '../normalize';

/** Golden fields the display name is made from (see `displayNameOf`). */
const DISPLAY_NAME_FIELDS = ['fullName', 'name', 'givenName', 'familyName'] as const;

/** Golden name fields a customer is found by with a `{ name }` query (besides the display name). */
export const NAME_FIELDS = ['fullName', 'givenName', 'familyName', 'name', 'legalName'] as const;

/**
 * The display name as a reader sees it: a display name that is only a contact point (a customer without any name
 * shows its e-mail address or phone number) is `(unnamed)` to a reader that may not read `contactPoints`. The one rule
 * for plugins and scoped actors.
 */
export function visibleDisplayName(customer: Pick<Customer, 'displayName' | 'golden'>, readsContactPoints: boolean) {
  if (readsContactPoints) return customer.displayName;
  const named = DISPLAY_NAME_FIELDS.some((name) => {
    const value = customer.golden.fields[name]?.value;
    return typeof value === 'string' && value.trim() !== '';
  });
  return named ? customer.displayName : '(unnamed)';
}

/**
 * The names a reader may match a customer by with a `{ name }` query, from the customer as projected for it: its
 * display name (when present) and the name fields it kept.
 */
export function readableNames(projected: Pick<Customer, 'displayName' | 'golden'>): string[] {
  const names: string[] = typeof projected.displayName === 'string' ? [projected.displayName] : [];
  for (const field of NAME_FIELDS) {
    const value = projected.golden.fields[field]?.value;
    if (typeof value === 'string') names.push(value);
  }
  return names;
}

/** True when every token of the `query` name is a token of one of the customer's {@link readableNames}. */
export function matchesReadableName(projected: Pick<Customer, 'displayName' | 'golden'>, query: string): boolean {
  const readable = new Set(readableNames(projected).flatMap((name) => nameTokens(name)));
  return nameTokens(query).every((token) => readable.has(token));
}
