/**
 * Value helpers of the mapping: owner ids, associations of v3 objects, and HubSpot's property values as model
 * values (timestamps, dates, decimals, booleans, country codes, emails, phones, nested paths).
 *
 * @module
 */
import { EmailInputSchema, PhoneInputSchema } from '@crmkit/model';
import { HUBSPOT_OBJECTS, type HubspotObjectType } from '../objects';
import type { HubspotAssociatedId, HubspotAssociations, HubspotObject } from './types';

/** Prefix of owner ids: HubSpot owner `123` is `hubspot-owner-123` in crmkit. */
export const OWNER_ID_PREFIX = 'hubspot-owner-';

/** crmkit's owner id for a HubSpot owner id. */
export function ownerIdOf(hubspotOwnerId: string): string {
  return `${OWNER_ID_PREFIX}${hubspotOwnerId}`;
}

/** HubSpot's owner id for a crmkit owner id (`hubspot-owner-123` or a bare `123`); `undefined` when neither. */
export function hubspotOwnerIdOf(ownerId: string): string | undefined {
  const bare = ownerId.startsWith(OWNER_ID_PREFIX) ? ownerId.slice(OWNER_ID_PREFIX.length) : ownerId;
  return /^\d+$/.test(bare) ? bare : undefined;
}

/** Normalises the `associations` of a v3 list/read answer into {@link HubspotAssociations}. */
export function associationsFromV3(object: HubspotObject): HubspotAssociations {
  const out: HubspotAssociations = {};
  for (const [key, collection] of Object.entries(object.associations ?? {})) {
    const type = associationKey(key);
    if (type === undefined) continue;
    const byId = new Map<string, HubspotAssociatedId>();
    for (const entry of collection?.results ?? []) {
      const id = String(entry.id);
      // `contact_to_company` is the primary association, `contact_to_company_unlabeled` any other one.
      const primary = typeof entry.type === 'string' && !entry.type.endsWith('_unlabeled') && isPrimaryType(entry.type);
      const known = byId.get(id);
      byId.set(id, { id, primary: (known?.primary ?? false) || primary });
    }
    out[type] = [...byId.values()];
  }
  return out;
}

export function isPrimaryType(type: string): boolean {
  return /^(contact_to_company|deal_to_company|company_to_company|ticket_to_company)$/.test(type);
}

/** Maps an association key (`companies`, `company`, `0-2`) to an object type. */
export function associationKey(key: string): HubspotObjectType | undefined {
  const k = key.toLowerCase();
  for (const info of Object.values(HUBSPOT_OBJECTS)) {
    if (k === info.type || `${k}s` === info.type || k === info.objectTypeId) return info.type;
  }
  if (k === 'company') return 'companies';
  return undefined;
}

export function text(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** An ISO 8601 timestamp from HubSpot's ISO strings or epoch-millisecond strings; `undefined` when unreadable. */
export function toTimestamp(value: string | number | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const raw = String(value).trim();
  if (raw === '') return undefined;
  const ms = /^-?\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms)) return undefined;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** A `YYYY-MM-DD` date from HubSpot's date or datetime values (UTC); `undefined` when unreadable. */
export function toDate(value: string | null | undefined): string | undefined {
  const raw = text(value);
  if (raw === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(raw)) return raw;
  return toTimestamp(raw)?.slice(0, 10);
}

export function toDecimal(value: string | null | undefined): string | undefined {
  const raw = text(value);
  if (raw === undefined) return undefined;
  if (/^-?\d+(\.\d+)?$/.test(raw)) return raw;
  const n = Number(raw);
  if (!Number.isFinite(n)) return undefined;
  return n.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
}

export function toBool(value: string | null | undefined): boolean | undefined {
  const raw = text(value)?.toLowerCase();
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  return undefined;
}

export const COUNTRY_CODES: Record<string, string> = {
  netherlands: 'NL',
  'the netherlands': 'NL',
  germany: 'DE',
  deutschland: 'DE',
  belgium: 'BE',
  france: 'FR',
  spain: 'ES',
  italy: 'IT',
  austria: 'AT',
  switzerland: 'CH',
  'united kingdom': 'GB',
  uk: 'GB',
  'great britain': 'GB',
  ireland: 'IE',
  'united states': 'US',
  'united states of america': 'US',
  usa: 'US',
  canada: 'CA',
  australia: 'AU',
  denmark: 'DK',
  sweden: 'SE',
  norway: 'NO',
  finland: 'FI',
  poland: 'PL',
  portugal: 'PT',
  luxembourg: 'LU',
};

/** An ISO 3166-1 alpha-2 code from HubSpot's free-text country; `undefined` when unknown. */
export function toCountryCode(value: string | null | undefined): string | undefined {
  const raw = text(value);
  if (raw === undefined) return undefined;
  if (/^[A-Za-z]{2}$/.test(raw)) return raw.toUpperCase();
  return COUNTRY_CODES[raw.toLowerCase()];
}

export function validEmail(value: string): boolean {
  return EmailInputSchema.safeParse(value).success;
}

export function validPhone(value: string): boolean {
  return PhoneInputSchema.safeParse(value).success;
}

/** Sets `value` at a dotted `path` in `target`, creating objects on the way. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}
