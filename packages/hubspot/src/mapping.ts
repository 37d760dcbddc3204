/**
 * Pure mapping between HubSpot objects and crmkit source records, both ways. No I/O: the adapter fetches, these
 * functions translate.
 *
 * Read: every HubSpot property the mapping does not consume is kept under `attributes.hubspot`, so nothing is lost.
 * Write: model fields become HubSpot properties; a field without a HubSpot property is an error, never dropped.
 *
 * @module
 */

import {
  EmailInputSchema,
  type JsonValue,
  parseSourceRecord,
  PhoneInputSchema,
  type RecordType,
  type SourceRecordInput,
  ValidationError,
} from '@crmkit/model';
import { externalIdOf, HUBSPOT_OBJECTS, type HubspotEngagementType, type HubspotObjectType } from './objects';
import type { HubspotPropertyMapping, InvalidObjectReport } from './settings';

/** One association of a HubSpot object: the associated object's id and whether it is the primary one. */
export interface HubspotAssociatedId {
  /** HubSpot id of the associated object. */
  id: string;
  /** True for the primary association (e.g. a contact's primary company). */
  primary: boolean;
}

/** Associations of one object, by associated object type. */
export type HubspotAssociations = Partial<Record<HubspotObjectType, HubspotAssociatedId[]>>;

/** A CRM object as HubSpot's v3 object APIs return it. */
export interface HubspotObject {
  /** HubSpot's id. */
  id: string;
  /** Property values; HubSpot sends every value as a string (or null). */
  properties: Record<string, string | null | undefined>;
  /** When the object was created (ISO 8601). */
  createdAt?: string;
  /** When the object was last modified (ISO 8601). */
  updatedAt?: string;
  /** Whether the object is archived (deleted). */
  archived?: boolean;
  /** Associations as the v3 list endpoint returns them with `associations=...`. */
  associations?: Record<string, { results?: { id: string | number; type?: string }[] } | undefined>;
}

/** What the mapping needs besides the object. */
export interface MappingContext {
  /** crmkit source name. */
  source: string;
  /** Custom property mapping. */
  mapping?: HubspotPropertyMapping;
  /** Currency of deals without `deal_currency_code`. */
  defaultCurrency?: string | undefined;
}

/** Result of {@link toSourceRecord}: a valid record, or a report naming why the object was skipped. */
export type MapResult = { ok: true; record: SourceRecordInput } | { ok: false; report: InvalidObjectReport };

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

function isPrimaryType(type: string): boolean {
  return /^(contact_to_company|deal_to_company|company_to_company|ticket_to_company)$/.test(type);
}

/** Maps an association key (`companies`, `company`, `0-2`) to an object type. */
function associationKey(key: string): HubspotObjectType | undefined {
  const k = key.toLowerCase();
  for (const info of Object.values(HUBSPOT_OBJECTS)) {
    if (k === info.type || `${k}s` === info.type || k === info.objectTypeId) return info.type;
  }
  if (k === 'company') return 'companies';
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Value helpers
// ---------------------------------------------------------------------------------------------------------------

function text(value: string | null | undefined): string | undefined {
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

function toDecimal(value: string | null | undefined): string | undefined {
  const raw = text(value);
  if (raw === undefined) return undefined;
  if (/^-?\d+(\.\d+)?$/.test(raw)) return raw;
  const n = Number(raw);
  if (!Number.isFinite(n)) return undefined;
  return n.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
}

function toBool(value: string | null | undefined): boolean | undefined {
  const raw = text(value)?.toLowerCase();
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  return undefined;
}

const COUNTRY_CODES: Record<string, string> = {
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

function validEmail(value: string): boolean {
  return EmailInputSchema.safeParse(value).success;
}

function validPhone(value: string): boolean {
  return PhoneInputSchema.safeParse(value).success;
}

/** Sets `value` at a dotted `path` in `target`, creating objects on the way. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

// ---------------------------------------------------------------------------------------------------------------
// Read: HubSpot object -> source record
// ---------------------------------------------------------------------------------------------------------------

/** Reads properties and remembers which ones the mapping consumed. */
class PropertyReader {
  readonly used = new Set<string>();
  constructor(readonly properties: Record<string, string | null | undefined>) {}
  /** The trimmed value of `name` (marked consumed when present). */
  take(name: string): string | undefined {
    const value = text(this.properties[name]);
    if (value !== undefined) this.used.add(name);
    return value;
  }
  /** The value, without marking it consumed. */
  peek(name: string): string | undefined {
    return text(this.properties[name]);
  }
  /** Marks `name` consumed. */
  use(name: string): void {
    this.used.add(name);
  }
  /** Every present property the mapping did not consume. */
  rest(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(this.properties)) {
      if (this.used.has(name) || value === null || value === undefined || value === '') continue;
      out[name] = value;
    }
    return out;
  }
}

function orderedAssociations(list: HubspotAssociatedId[] | undefined): HubspotAssociatedId[] {
  return [...(list ?? [])].sort((a, b) => Number(b.primary) - Number(a.primary));
}

function mapContact(p: PropertyReader, associations: HubspotAssociations): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  const set = (key: string, value: unknown) => {
    if (value !== undefined) data[key] = value;
  };
  set('givenName', p.take('firstname'));
  set('familyName', p.take('lastname'));
  set('salutation', p.take('salutation'));
  set('jobTitle', p.take('jobtitle'));
  set('lifecycleStage', p.take('lifecyclestage'));
  set('language', p.take('hs_language'));
  const birthDate = toDate(p.peek('date_of_birth'));
  if (birthDate !== undefined) {
    p.use('date_of_birth');
    data.birthDate = birthDate;
  }
  const emails: string[] = [];
  const email = p.peek('email');
  if (email !== undefined && validEmail(email)) {
    p.use('email');
    emails.push(email);
  }
  const additional = p.peek('hs_additional_emails');
  if (additional !== undefined) {
    const list = additional
      .split(/[;,\s]+/)
      .map((e) => e.trim())
      .filter(Boolean);
    if (list.every(validEmail)) {
      p.use('hs_additional_emails');
      for (const e of list) if (!emails.includes(e)) emails.push(e);
    }
  }
  if (emails.length > 0) data.emails = emails;
  const phones = readPhones(p, [
    ['phone', 'work'],
    ['mobilephone', 'mobile'],
  ]);
  if (phones.length > 0) data.phones = phones;
  const address = readAddress(p, { street: 'address', city: 'city', postalCode: 'zip', region: 'state' });
  if (address !== undefined) data.addresses = [address];
  const website = p.take('website');
  if (website !== undefined) data.websites = [website];
  const owner = readOwner(p);
  if (owner !== undefined) data.ownerId = owner;
  const organization: Record<string, unknown> = {};
  const company = p.take('company');
  if (company !== undefined) organization.name = company;
  const primaryCompany = orderedAssociations(associations.companies)[0];
  if (primaryCompany !== undefined) {
    organization.ref = { type: 'organization', externalId: primaryCompany.id };
  }
  if (Object.keys(organization).length > 0) data.organization = organization;
  return data;
}

function readPhones(p: PropertyReader, fields: [string, string][]): { value: string; label: string }[] {
  const out: { value: string; label: string }[] = [];
  for (const [property, label] of fields) {
    const value = p.peek(property);
    if (value !== undefined && validPhone(value) && value.length <= 64) {
      p.use(property);
      out.push({ value, label });
    }
  }
  return out;
}

function readAddress(
  p: PropertyReader,
  fields: { street: string; extra?: string; city: string; postalCode: string; region: string },
): Record<string, string> | undefined {
  const address: Record<string, string> = {};
  const put = (key: string, property: string | undefined, max: number) => {
    if (property === undefined) return;
    const value = p.peek(property);
    if (value !== undefined && value.length <= max) {
      p.use(property);
      address[key] = value;
    }
  };
  put('street', fields.street, 512);
  put('extra', fields.extra, 512);
  put('city', fields.city, 256);
  put('postalCode', fields.postalCode, 32);
  put('region', fields.region, 256);
  const country = toCountryCode(p.peek('country'));
  if (country !== undefined) {
    p.use('country');
    address.country = country;
  }
  return Object.keys(address).length > 0 ? address : undefined;
}

function readOwner(p: PropertyReader): string | undefined {
  const owner = p.peek('hubspot_owner_id');
  if (owner === undefined || !/^\d+$/.test(owner)) return undefined;
  p.use('hubspot_owner_id');
  return ownerIdOf(owner);
}

function mapCompany(p: PropertyReader, id: string): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  const set = (key: string, value: unknown) => {
    if (value !== undefined) data[key] = value;
  };
  const name = p.take('name');
  const domain = p.take('domain');
  data.name = name ?? domain ?? `Company ${id}`;
  set('domain', domain);
  set('industry', p.take('industry'));
  set('lifecycleStage', p.take('lifecyclestage'));
  const employees = p.peek('numberofemployees');
  if (employees !== undefined && /^\d+$/.test(employees)) {
    p.use('numberofemployees');
    data.employees = Number(employees);
  }
  const phones = readPhones(p, [['phone', 'work']]);
  if (phones.length > 0) data.phones = phones;
  const address = readAddress(p, {
    street: 'address',
    extra: 'address2',
    city: 'city',
    postalCode: 'zip',
    region: 'state',
  });
  if (address !== undefined) data.addresses = [address];
  const website = p.take('website');
  if (website !== undefined) data.websites = [website];
  const owner = readOwner(p);
  if (owner !== undefined) data.ownerId = owner;
  return data;
}

function dealStatus(p: PropertyReader, stage: string | undefined): 'open' | 'won' | 'lost' {
  const won = toBool(p.peek('hs_is_closed_won'));
  const closed = toBool(p.peek('hs_is_closed'));
  if (won !== undefined) p.use('hs_is_closed_won');
  if (closed !== undefined) p.use('hs_is_closed');
  if (won === true) return 'won';
  if (closed === true) return 'lost';
  if (won === false && closed === false) return 'open';
  if (stage === 'closedwon') return 'won';
  if (stage === 'closedlost') return 'lost';
  return 'open';
}

function mapDeal(
  p: PropertyReader,
  id: string,
  associations: HubspotAssociations,
  context: MappingContext,
): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  const set = (key: string, value: unknown) => {
    if (value !== undefined) data[key] = value;
  };
  data.name = p.take('dealname') ?? `Deal ${id}`;
  const company = orderedAssociations(associations.companies)[0];
  const contact = orderedAssociations(associations.contacts)[0];
  if (company !== undefined) data.customer = { type: 'organization', externalId: company.id };
  else if (contact !== undefined) data.customer = { type: 'person', externalId: contact.id };
  set('pipeline', p.take('pipeline'));
  const stage = p.take('dealstage');
  set('stage', stage);
  data.status = dealStatus(p, stage);
  const amount = toDecimal(p.peek('amount'));
  const currency = p.peek('deal_currency_code') ?? context.defaultCurrency;
  if (amount !== undefined && currency !== undefined && /^[A-Z]{3}$/.test(currency)) {
    p.use('amount');
    if (p.peek('deal_currency_code') !== undefined) p.use('deal_currency_code');
    data.amount = { amount, currency };
  }
  const closeDate = toDate(p.peek('closedate'));
  if (closeDate !== undefined) {
    p.use('closedate');
    data.closeDate = closeDate;
  }
  const owner = readOwner(p);
  if (owner !== undefined) data.ownerId = owner;
  const probability = p.peek('hs_deal_stage_probability');
  if (probability !== undefined) {
    const n = Number(probability);
    if (Number.isFinite(n) && n >= 0 && n <= 1) {
      p.use('hs_deal_stage_probability');
      data.probability = n;
    }
  }
  return data;
}

const TASK_STATUS: Record<string, 'open' | 'in_progress' | 'done' | 'cancelled'> = {
  NOT_STARTED: 'open',
  IN_PROGRESS: 'in_progress',
  WAITING: 'in_progress',
  DEFERRED: 'open',
  COMPLETED: 'done',
};
const TASK_PRIORITY: Record<string, 'low' | 'normal' | 'high'> = {
  LOW: 'low',
  MEDIUM: 'normal',
  NONE: 'normal',
  HIGH: 'high',
};

function mapEngagement(
  type: HubspotEngagementType,
  p: PropertyReader,
  object: HubspotObject,
  associations: HubspotAssociations,
): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  const timestamp = toTimestamp(p.peek('hs_timestamp'));
  if (timestamp !== undefined) p.use('hs_timestamp');
  let contactRole: string = 'customer';
  switch (type) {
    case 'notes': {
      data.channel = 'other';
      data.direction = 'internal';
      const body = p.take('hs_note_body');
      data.activity = { kind: 'note', ...(body === undefined ? {} : { text: body }) };
      break;
    }
    case 'calls': {
      data.channel = 'phone';
      const direction = p.peek('hs_call_direction')?.toUpperCase();
      if (direction === 'INBOUND' || direction === 'OUTBOUND') p.use('hs_call_direction');
      data.direction = direction === 'INBOUND' ? 'inbound' : 'outbound';
      contactRole = direction === 'INBOUND' ? 'from' : 'to';
      const subject = p.take('hs_call_title');
      if (subject !== undefined) data.subject = subject;
      const activity: Record<string, unknown> = { kind: 'call' };
      const duration = p.peek('hs_call_duration');
      if (duration !== undefined && /^\d+(\.\d+)?$/.test(duration)) {
        p.use('hs_call_duration');
        activity.durationSeconds = Math.round(Number(duration) / 1000);
      }
      const outcome = p.peek('hs_call_disposition') ?? p.peek('hs_call_status');
      if (outcome !== undefined && outcome.length <= 128) {
        p.use(p.peek('hs_call_disposition') !== undefined ? 'hs_call_disposition' : 'hs_call_status');
        activity.outcome = outcome;
      }
      data.activity = activity;
      break;
    }
    case 'meetings': {
      const location = p.peek('hs_meeting_location');
      const online = location === undefined || /^https?:\/\//i.test(location);
      data.channel = online ? 'video' : 'in_person';
      data.direction = 'outbound';
      contactRole = 'attendee';
      const subject = p.take('hs_meeting_title');
      if (subject !== undefined) data.subject = subject;
      const activity: Record<string, unknown> = { kind: 'meeting' };
      const startsAt = toTimestamp(p.peek('hs_meeting_start_time'));
      if (startsAt !== undefined) {
        p.use('hs_meeting_start_time');
        activity.startsAt = startsAt;
      }
      const endsAt = toTimestamp(p.peek('hs_meeting_end_time'));
      if (endsAt !== undefined) {
        p.use('hs_meeting_end_time');
        activity.endsAt = endsAt;
      }
      if (location !== undefined && location.length <= 512) {
        p.use('hs_meeting_location');
        activity.location = location;
      }
      data.activity = activity;
      if (timestamp === undefined && startsAt !== undefined) data.occurredAt = startsAt;
      break;
    }
    case 'tasks': {
      data.channel = 'other';
      data.direction = 'internal';
      const subject = p.take('hs_task_subject');
      if (subject !== undefined) data.subject = subject;
      const activity: Record<string, unknown> = { kind: 'task' };
      const status = TASK_STATUS[p.peek('hs_task_status')?.toUpperCase() ?? ''];
      if (status !== undefined) {
        p.use('hs_task_status');
        activity.status = status;
      }
      const priority = TASK_PRIORITY[p.peek('hs_task_priority')?.toUpperCase() ?? ''];
      if (priority !== undefined) {
        p.use('hs_task_priority');
        activity.priority = priority;
      }
      if (timestamp !== undefined) activity.dueAt = timestamp;
      const owner = p.peek('hubspot_owner_id');
      if (owner !== undefined && /^\d+$/.test(owner)) {
        p.use('hubspot_owner_id');
        activity.assigneeId = ownerIdOf(owner);
      }
      data.activity = activity;
      break;
    }
  }
  if (timestamp !== undefined) data.occurredAt = timestamp;
  if (data.occurredAt === undefined) {
    const created = toTimestamp(object.createdAt);
    if (created !== undefined) data.occurredAt = created;
  }
  const participants: { ref: Record<string, string>; role: string }[] = [];
  for (const contact of orderedAssociations(associations.contacts)) {
    participants.push({ ref: { type: 'person', externalId: contact.id }, role: contactRole });
  }
  for (const company of orderedAssociations(associations.companies)) {
    participants.push({ ref: { type: 'organization', externalId: company.id }, role: 'customer' });
  }
  data.participants = participants;
  return data;
}

/**
 * Maps one HubSpot object to a crmkit source record: the object's own fields to the model, custom-mapped properties
 * to their model paths, and every other property to `attributes.hubspot`. `observedAt` is HubSpot's `updatedAt`.
 * Returns a report instead of throwing when the record fails the model's validation.
 *
 * @example
 * ```ts
 * const result = toSourceRecord('contacts', object, associationsFromV3(object), { source: 'hubspot' });
 * if (result.ok) records.push(result.record);
 * ```
 */
export function toSourceRecord(
  type: HubspotObjectType,
  object: HubspotObject,
  associations: HubspotAssociations,
  context: MappingContext,
): MapResult {
  const info = HUBSPOT_OBJECTS[type];
  const p = new PropertyReader(object.properties ?? {});
  p.use('hs_object_id');
  let data: Record<string, unknown>;
  switch (type) {
    case 'contacts':
      data = mapContact(p, associations);
      break;
    case 'companies':
      data = mapCompany(p, object.id);
      break;
    case 'deals':
      data = mapDeal(p, object.id, associations, context);
      break;
    default:
      data = mapEngagement(type, p, object, associations);
  }
  for (const [property, path] of Object.entries(context.mapping?.[type] ?? {})) {
    const value = text(object.properties?.[property]);
    if (value === undefined) {
      p.use(property);
      continue;
    }
    p.use(property);
    setPath(data, path, value);
  }
  const raw = p.rest();
  if (Object.keys(raw).length > 0) {
    const attributes = (data.attributes ?? {}) as Record<string, unknown>;
    attributes.hubspot = raw;
    data.attributes = attributes;
  }
  const observedAt =
    toTimestamp(object.updatedAt) ??
    toTimestamp(object.properties?.[info.lastModifiedProperty]) ??
    toTimestamp(object.createdAt);
  const record = {
    type: info.recordType,
    source: context.source,
    externalId: externalIdOf(type, object.id),
    observedAt: observedAt ?? '',
    data,
  } as SourceRecordInput;
  try {
    parseSourceRecord(record);
  } catch (error) {
    if (!ValidationError.isInstance(error)) throw error;
    const issues = error.issues.map((issue) => ({ path: issue.pathString, message: issue.message }));
    return {
      ok: false,
      report: {
        objectType: type,
        objectId: object.id,
        path: issues[0]?.path ?? 'record',
        message: `${type} ${object.id} is invalid at ${issues[0]?.path}: ${issues[0]?.message}`,
        issues,
      },
    };
  }
  return { ok: true, record };
}

/** A tombstone for a deleted HubSpot object. */
export function toTombstone(
  type: HubspotObjectType,
  objectId: string,
  observedAt: string,
  source: string,
): SourceRecordInput {
  return {
    type: HUBSPOT_OBJECTS[type].recordType,
    source,
    externalId: externalIdOf(type, objectId),
    observedAt,
    deleted: true,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Write: model fields -> HubSpot properties
// ---------------------------------------------------------------------------------------------------------------

/** An association to create when writing: the associated object's type and id. */
export interface HubspotAssociationTarget {
  /** The associated object's type. */
  type: HubspotObjectType;
  /** The associated object's HubSpot id. */
  id: string;
}

/** A model field the write mapping refused. */
export interface FieldError {
  /** The model field (dotted for nested ones), e.g. `fullName` or `attributes.sales.tier`. */
  field: string;
  /** Why. */
  message: string;
}

/** Result of {@link toHubspotProperties}. */
export interface PropertiesResult {
  /** HubSpot properties to write (`''` clears a value). */
  properties: Record<string, string>;
  /** Associations to create. */
  associations: HubspotAssociationTarget[];
  /** Which properties each model field wrote (used to compare with a change's `base`). */
  fields: Record<string, string[]>;
  /** Fields that have no HubSpot property or hold an unacceptable value. */
  errors: FieldError[];
}

/** Options of {@link toHubspotProperties}. */
export interface WriteMappingOptions {
  /** Custom property mapping, reversed. */
  mapping?: HubspotPropertyMapping | undefined;
  /** The account's currency: amounts in it are written without `deal_currency_code`. */
  defaultCurrency?: string | undefined;
}

type Writer = (value: JsonValue, out: PropertiesResult, field: string, options: WriteMappingOptions) => void;

function str(value: JsonValue): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function put(out: PropertiesResult, field: string, property: string, value: string): void {
  out.properties[property] = value;
  const list = out.fields[field] ?? [];
  if (!list.includes(property)) list.push(property);
  out.fields[field] = list;
}

const plain =
  (property: string): Writer =>
  (value, out, field) => {
    if (value !== null && typeof value === 'object') {
      out.errors.push({ field, message: `Expected a single value for "${field}"` });
      return;
    }
    put(out, field, property, str(value));
  };

const owner: Writer = (value, out, field) => {
  if (value === null) return put(out, field, 'hubspot_owner_id', '');
  const id = typeof value === 'string' ? hubspotOwnerIdOf(value) : undefined;
  if (id === undefined) {
    out.errors.push({ field, message: `Expected a HubSpot owner id such as "${OWNER_ID_PREFIX}123"` });
    return;
  }
  put(out, field, 'hubspot_owner_id', id);
};

function itemValue(item: JsonValue): string | undefined {
  if (typeof item === 'string') return item;
  if (item !== null && typeof item === 'object' && !Array.isArray(item) && typeof item.value === 'string') {
    return item.value;
  }
  return undefined;
}

function labelOf(item: JsonValue): string | undefined {
  if (item !== null && typeof item === 'object' && !Array.isArray(item) && typeof item.label === 'string') {
    return item.label;
  }
  return undefined;
}

const emails: Writer = (value, out, field) => {
  if (value === null) return put(out, field, 'email', '');
  if (!Array.isArray(value)) return void out.errors.push({ field, message: 'Expected a list of email addresses' });
  const list = value.map(itemValue);
  if (list.some((e) => e === undefined || !validEmail(e))) {
    return void out.errors.push({ field, message: 'Expected valid email addresses' });
  }
  if (list.length > 1) {
    return void out.errors.push({
      field,
      message: 'HubSpot contacts take one email through the API (hs_additional_emails is read-only)',
    });
  }
  put(out, field, 'email', list[0] ?? '');
};

const phonesWriter =
  (withMobile: boolean): Writer =>
  (value, out, field) => {
    if (value === null) {
      put(out, field, 'phone', '');
      if (withMobile) put(out, field, 'mobilephone', '');
      return;
    }
    if (!Array.isArray(value)) return void out.errors.push({ field, message: 'Expected a list of phone numbers' });
    let phone: string | undefined;
    let mobile: string | undefined;
    for (const item of value) {
      const number = itemValue(item);
      if (number === undefined) return void out.errors.push({ field, message: 'Expected phone numbers' });
      if (withMobile && labelOf(item) === 'mobile' && mobile === undefined) mobile = number;
      else if (phone === undefined) phone = number;
      else
        return void out.errors.push({
          field,
          message: withMobile
            ? 'HubSpot holds one phone and one mobile phone (label "mobile") per contact'
            : 'HubSpot holds one phone number per company',
        });
    }
    put(out, field, 'phone', phone ?? '');
    if (withMobile) put(out, field, 'mobilephone', mobile ?? '');
  };

const addressesWriter =
  (withExtra: boolean): Writer =>
  (value, out, field) => {
    const props = ['address', ...(withExtra ? ['address2'] : []), 'city', 'zip', 'state', 'country'];
    if (value === null || (Array.isArray(value) && value.length === 0)) {
      for (const p of props) put(out, field, p, '');
      return;
    }
    if (!Array.isArray(value) || value.length > 1) {
      return void out.errors.push({ field, message: 'HubSpot holds one postal address per object' });
    }
    const a = value[0];
    if (a === null || typeof a !== 'object' || Array.isArray(a)) {
      return void out.errors.push({ field, message: 'Expected an address object' });
    }
    const get = (k: string) => (typeof a[k] === 'string' ? (a[k] as string) : '');
    const street = [get('street'), get('houseNumber')].filter(Boolean).join(' ');
    put(out, field, 'address', withExtra ? street : [street, get('extra')].filter(Boolean).join(', '));
    if (withExtra) put(out, field, 'address2', get('extra'));
    put(out, field, 'city', get('city'));
    put(out, field, 'zip', get('postalCode'));
    put(out, field, 'state', get('region'));
    put(out, field, 'country', get('country'));
  };

const firstUrl =
  (property: string): Writer =>
  (value, out, field) => {
    if (value === null || (Array.isArray(value) && value.length === 0)) return put(out, field, property, '');
    if (!Array.isArray(value) || value.length > 1) {
      return void out.errors.push({ field, message: `HubSpot holds one ${property} per object` });
    }
    const url = itemValue(value[0]!);
    if (url === undefined) return void out.errors.push({ field, message: 'Expected a URL' });
    put(out, field, property, url);
  };

function refTarget(ref: JsonValue, field: string, out: PropertiesResult): HubspotAssociationTarget | undefined {
  if (ref === null || typeof ref !== 'object' || Array.isArray(ref) || typeof ref.externalId !== 'string') {
    out.errors.push({ field, message: 'Expected a reference by external id ({ type, externalId })' });
    return undefined;
  }
  if (typeof ref.source === 'string') {
    out.errors.push({ field, message: 'References to another source cannot be written to HubSpot' });
    return undefined;
  }
  const type = ref.type === 'organization' ? 'companies' : 'contacts';
  return { type, id: ref.externalId };
}

const organizationWriter: Writer = (value, out, field) => {
  if (value === null) return put(out, field, 'company', '');
  if (typeof value !== 'object' || Array.isArray(value)) {
    return void out.errors.push({ field, message: 'Expected { name?, ref? }' });
  }
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'name') put(out, field, 'company', str(inner));
    else if (key === 'ref') {
      const target = refTarget(inner, `${field}.ref`, out);
      if (target !== undefined && target.type !== 'companies') {
        out.errors.push({ field: `${field}.ref`, message: 'Expected a reference to an organization' });
      } else if (target !== undefined) out.associations.push(target);
    } else out.errors.push({ field: `${field}.${key}`, message: `HubSpot has no property for "${field}.${key}"` });
  }
};

const refused =
  (why: string): Writer =>
  (_value, out, field) => {
    out.errors.push({ field, message: why });
  };

const PERSON_WRITERS: Record<string, Writer> = {
  givenName: plain('firstname'),
  familyName: plain('lastname'),
  salutation: plain('salutation'),
  jobTitle: plain('jobtitle'),
  lifecycleStage: plain('lifecyclestage'),
  language: plain('hs_language'),
  birthDate: plain('date_of_birth'),
  ownerId: owner,
  emails,
  phones: phonesWriter(true),
  addresses: addressesWriter(false),
  websites: firstUrl('website'),
  organization: organizationWriter,
  fullName: refused('HubSpot has no full-name property; write givenName and familyName'),
};

const ORGANIZATION_WRITERS: Record<string, Writer> = {
  name: plain('name'),
  domain: plain('domain'),
  industry: plain('industry'),
  employees: plain('numberofemployees'),
  lifecycleStage: plain('lifecyclestage'),
  ownerId: owner,
  phones: phonesWriter(false),
  addresses: addressesWriter(true),
  websites: firstUrl('website'),
};

const OPPORTUNITY_WRITERS: Record<string, Writer> = {
  name: plain('dealname'),
  pipeline: plain('pipeline'),
  stage: plain('dealstage'),
  closeDate: plain('closedate'),
  ownerId: owner,
  amount: (value, out, field, options) => {
    if (value === null) return put(out, field, 'amount', '');
    if (typeof value !== 'object' || Array.isArray(value) || value.amount === undefined) {
      return void out.errors.push({ field, message: 'Expected { amount, currency }' });
    }
    put(out, field, 'amount', str(value.amount ?? null));
    // The account's own currency needs no code (and accounts without multi-currency lack the property).
    if (typeof value.currency === 'string' && value.currency !== options.defaultCurrency) {
      put(out, field, 'deal_currency_code', value.currency);
    }
  },
  customer: (value, out, field) => {
    const target = refTarget(value, field, out);
    if (target !== undefined) out.associations.push(target);
  },
  status: refused('HubSpot derives a deal\'s status from its stage; write "stage" (e.g. closedwon)'),
  probability: refused("HubSpot derives a deal's probability from its stage"),
};

function engagementWriters(type: HubspotEngagementType): Record<string, Writer> {
  const subject: Record<HubspotEngagementType, string | undefined> = {
    notes: undefined,
    calls: 'hs_call_title',
    meetings: 'hs_meeting_title',
    tasks: 'hs_task_subject',
  };
  const kinds: Record<HubspotEngagementType, string> = {
    notes: 'note',
    calls: 'call',
    meetings: 'meeting',
    tasks: 'task',
  };
  const channels: Record<HubspotEngagementType, string[]> = {
    notes: ['other'],
    calls: ['phone'],
    meetings: ['video', 'in_person'],
    tasks: ['other'],
  };
  const writers: Record<string, Writer> = {
    occurredAt: (value, out, field) => {
      const ts = typeof value === 'string' ? toTimestamp(value) : undefined;
      if (ts === undefined) return void out.errors.push({ field, message: 'Expected an ISO 8601 timestamp' });
      put(out, field, 'hs_timestamp', ts);
    },
    participants: (value, out, field) => {
      if (!Array.isArray(value)) return void out.errors.push({ field, message: 'Expected a list of participants' });
      value.forEach((item, i) => {
        const ref = item !== null && typeof item === 'object' && !Array.isArray(item) ? item.ref : undefined;
        const target = refTarget(ref ?? null, `${field}[${i}].ref`, out);
        if (target !== undefined) out.associations.push(target);
      });
    },
    channel: (value, out, field) => {
      if (typeof value !== 'string' || !channels[type].includes(value)) {
        out.errors.push({ field, message: `HubSpot ${type} have channel ${channels[type].join(' or ')}` });
      }
    },
    direction: (value, out, field) => {
      if (type === 'calls') {
        if (value === 'inbound' || value === 'outbound') put(out, field, 'hs_call_direction', value.toUpperCase());
        else out.errors.push({ field, message: 'HubSpot calls are "inbound" or "outbound"' });
        return;
      }
      const expected = type === 'meetings' ? 'outbound' : 'internal';
      if (value !== expected) {
        out.errors.push({ field, message: `HubSpot ${type} cannot record direction "${str(value)}"` });
      }
    },
    activity: (value, out, field, options) => {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        return void out.errors.push({ field, message: 'Expected an activity object' });
      }
      if (value.kind !== undefined && value.kind !== kinds[type]) {
        return void out.errors.push({
          field: `${field}.kind`,
          message: `HubSpot ${type} hold activities of kind "${kinds[type]}"`,
        });
      }
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'kind') continue;
        const sub = `${field}.${key}`;
        const property = ACTIVITY_PROPERTIES[type][key];
        if (property === undefined) {
          out.errors.push({ field: sub, message: `HubSpot has no property for "${sub}"` });
          continue;
        }
        property(inner, out, sub, options);
      }
    },
  };
  const subjectProperty = subject[type];
  if (subjectProperty !== undefined) writers.subject = plain(subjectProperty);
  return writers;
}

const timestampWriter =
  (property: string): Writer =>
  (value, out, field) => {
    if (value === null) return put(out, field, property, '');
    const ts = typeof value === 'string' ? toTimestamp(value) : undefined;
    if (ts === undefined) return void out.errors.push({ field, message: 'Expected an ISO 8601 timestamp' });
    put(out, field, property, ts);
  };

const enumWriter =
  (property: string, values: Record<string, string>): Writer =>
  (value, out, field) => {
    const mapped = typeof value === 'string' ? values[value] : undefined;
    if (mapped === undefined) {
      return void out.errors.push({ field, message: `Expected one of ${Object.keys(values).join(', ')}` });
    }
    put(out, field, property, mapped);
  };

const ACTIVITY_PROPERTIES: Record<HubspotEngagementType, Record<string, Writer>> = {
  notes: { text: plain('hs_note_body') },
  calls: {
    durationSeconds: (value, out, field) => {
      if (typeof value !== 'number') return void out.errors.push({ field, message: 'Expected a number of seconds' });
      put(out, field, 'hs_call_duration', String(Math.round(value * 1000)));
    },
    outcome: plain('hs_call_status'),
  },
  meetings: {
    startsAt: timestampWriter('hs_meeting_start_time'),
    endsAt: timestampWriter('hs_meeting_end_time'),
    location: plain('hs_meeting_location'),
  },
  tasks: {
    status: enumWriter('hs_task_status', {
      open: 'NOT_STARTED',
      in_progress: 'IN_PROGRESS',
      done: 'COMPLETED',
      cancelled: 'DEFERRED',
    }),
    priority: enumWriter('hs_task_priority', { low: 'LOW', normal: 'MEDIUM', high: 'HIGH' }),
    dueAt: timestampWriter('hs_timestamp'),
    assigneeId: owner,
  },
};

function writersOf(type: HubspotObjectType): Record<string, Writer> {
  switch (type) {
    case 'contacts':
      return PERSON_WRITERS;
    case 'companies':
      return ORGANIZATION_WRITERS;
    case 'deals':
      return OPPORTUNITY_WRITERS;
    default:
      return engagementWriters(type);
  }
}

/** Flattens `attributes` into dotted leaf paths (`attributes.sales.tier`), stopping at mapped paths. */
function flattenAttributes(value: JsonValue, prefix: string, stops: Set<string>, out: [string, JsonValue][]): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !stops.has(prefix)) {
    for (const [key, inner] of Object.entries(value)) flattenAttributes(inner, `${prefix}.${key}`, stops, out);
    return;
  }
  out.push([prefix, value]);
}

/**
 * Maps model fields (a write's `data`, in crmkit's names) to HubSpot properties, reversing the custom mapping.
 * `attributes.hubspot.<property>` writes that property as it is. Fields HubSpot cannot hold are reported in `errors`.
 *
 * @example
 * ```ts
 * toHubspotProperties('contacts', { givenName: 'Ada', emails: ['ada@example.com'] });
 * // { properties: { firstname: 'Ada', email: 'ada@example.com' }, ... }
 * ```
 */
export function toHubspotProperties(
  type: HubspotObjectType,
  data: Record<string, JsonValue | null>,
  options: WriteMappingOptions = {},
): PropertiesResult {
  const mapping = options.mapping ?? {};
  const out: PropertiesResult = { properties: {}, associations: [], fields: {}, errors: [] };
  const custom = mapping[type] ?? {};
  const byPath = new Map<string, string>();
  for (const [property, path] of Object.entries(custom)) byPath.set(path, property);
  const writers = writersOf(type);
  const leaves: [string, JsonValue][] = [];
  for (const [field, value] of Object.entries(data)) {
    if (value === undefined) continue;
    if (field === 'attributes' || field.startsWith('attributes.')) {
      flattenAttributes(value, field, new Set(byPath.keys()), leaves);
      continue;
    }
    const mapped = byPath.get(field);
    if (mapped !== undefined) {
      put(out, field, mapped, str(value));
      continue;
    }
    if (field.includes('.')) {
      const root = field.split('.')[0]!;
      out.errors.push({ field, message: `HubSpot has no property for "${field}"; write "${root}" as a whole` });
      continue;
    }
    const writer = writers[field];
    if (writer === undefined) {
      out.errors.push({ field, message: `HubSpot ${type} have no property for the model field "${field}"` });
      continue;
    }
    writer(value, out, field, options);
  }
  for (const [path, value] of leaves) {
    const mapped = byPath.get(path);
    if (mapped !== undefined) {
      put(out, path, mapped, str(value));
      continue;
    }
    const raw = /^attributes\.hubspot\.([A-Za-z0-9_][A-Za-z0-9_-]*)$/.exec(path);
    if (raw !== null) {
      put(out, path, raw[1]!, str(value));
      continue;
    }
    if (path === 'attributes' && (value === null || (typeof value === 'object' && Object.keys(value).length === 0))) {
      continue;
    }
    out.errors.push({
      field: path,
      message: `No HubSpot property is mapped to "${path}"; add it to the adapter's mapping`,
    });
  }
  return out;
}

/** The HubSpot engagement type an interaction's `activity.kind` is written to; `undefined` for other kinds. */
export function engagementTypeOfActivity(kind: unknown): HubspotEngagementType | undefined {
  switch (kind) {
    case 'note':
      return 'notes';
    case 'call':
      return 'calls';
    case 'meeting':
      return 'meetings';
    case 'task':
      return 'tasks';
    default:
      return undefined;
  }
}

/** The record type a HubSpot object type maps to. */
export function recordTypeOf(type: HubspotObjectType): RecordType {
  return HUBSPOT_OBJECTS[type].recordType;
}
