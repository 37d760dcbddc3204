/** Object types of the sandbox and HubSpot's default association type ids. */

/** An object type known to the sandbox. */
export interface ObjectTypeInfo {
  /** Plural name used in paths, e.g. `contacts`. */
  name: string;
  /** Type id, e.g. `0-1`. */
  typeId: string;
  /** Singular name used in webhook subscription types and association names, e.g. `contact`. */
  singular: string;
  /** Name of the last-modified property. */
  lastModifiedProperty: string;
  /** Properties returned when a request names none. */
  defaultProperties: string[];
  /** Properties searched by the free-text `query` of search. */
  queryProperties: string[];
  /** Whether webhooks use the generic `object.*` subscription types. */
  genericEvents: boolean;
}

const ENGAGEMENT_DEFAULTS = ['hs_timestamp', 'createdate', 'hs_lastmodifieddate', 'hs_object_id'];

const TYPES: ObjectTypeInfo[] = [
  {
    name: 'contacts',
    typeId: '0-1',
    singular: 'contact',
    lastModifiedProperty: 'lastmodifieddate',
    defaultProperties: ['firstname', 'lastname', 'email', 'createdate', 'lastmodifieddate', 'hs_object_id'],
    queryProperties: ['firstname', 'lastname', 'email', 'phone', 'mobilephone', 'company', 'hs_object_id'],
    genericEvents: false,
  },
  {
    name: 'companies',
    typeId: '0-2',
    singular: 'company',
    lastModifiedProperty: 'hs_lastmodifieddate',
    defaultProperties: ['name', 'domain', 'createdate', 'hs_lastmodifieddate', 'hs_object_id'],
    queryProperties: ['name', 'domain', 'website', 'phone', 'hs_object_id'],
    genericEvents: false,
  },
  {
    name: 'deals',
    typeId: '0-3',
    singular: 'deal',
    lastModifiedProperty: 'hs_lastmodifieddate',
    defaultProperties: [
      'dealname',
      'amount',
      'closedate',
      'pipeline',
      'dealstage',
      'createdate',
      'hs_lastmodifieddate',
      'hs_object_id',
    ],
    queryProperties: ['dealname', 'hs_object_id'],
    genericEvents: false,
  },
  {
    name: 'notes',
    typeId: '0-46',
    singular: 'note',
    lastModifiedProperty: 'hs_lastmodifieddate',
    defaultProperties: ENGAGEMENT_DEFAULTS,
    queryProperties: ['hs_note_body', 'hs_object_id'],
    genericEvents: true,
  },
  {
    name: 'calls',
    typeId: '0-48',
    singular: 'call',
    lastModifiedProperty: 'hs_lastmodifieddate',
    defaultProperties: ENGAGEMENT_DEFAULTS,
    queryProperties: ['hs_call_title', 'hs_call_body', 'hs_object_id'],
    genericEvents: true,
  },
  {
    name: 'meetings',
    typeId: '0-47',
    singular: 'meeting',
    lastModifiedProperty: 'hs_lastmodifieddate',
    defaultProperties: ENGAGEMENT_DEFAULTS,
    queryProperties: ['hs_meeting_title', 'hs_meeting_body', 'hs_object_id'],
    genericEvents: true,
  },
  {
    name: 'tasks',
    typeId: '0-27',
    singular: 'task',
    lastModifiedProperty: 'hs_lastmodifieddate',
    defaultProperties: ENGAGEMENT_DEFAULTS,
    queryProperties: ['hs_task_subject', 'hs_task_body', 'hs_object_id'],
    genericEvents: true,
  },
];

const BY_KEY = new Map<string, ObjectTypeInfo>();
for (const info of TYPES) {
  BY_KEY.set(info.name, info);
  BY_KEY.set(info.typeId, info);
  BY_KEY.set(info.singular, info);
}

/** Every object type of the sandbox. */
export const OBJECT_TYPES: readonly ObjectTypeInfo[] = TYPES;

/** Resolves a type name (`contacts`, `contact`) or type id (`0-1`), case-insensitively; undefined when unknown. */
export function resolveObjectType(key: string): ObjectTypeInfo | undefined {
  return BY_KEY.get(key.toLowerCase());
}

/** A HubSpot-defined association type between two object types. */
export interface AssociationTypeInfo {
  /** Type id. */
  typeId: number;
  /** Type id of the inverse direction. */
  inverseTypeId: number;
  /** From object type id. */
  from: string;
  /** To object type id. */
  to: string;
  /** Label (e.g. `Primary`), or undefined for the unlabeled default. */
  label?: string;
  /** Whether this is the default (unlabeled) type of the pair. */
  isDefault: boolean;
}

// [fromTypeId, toTypeId, typeId, inverseTypeId, label?]. From HubSpot's association type id reference.
const PAIRS: [string, string, number, number, string?][] = [
  ['0-1', '0-2', 279, 280],
  ['0-1', '0-2', 1, 2, 'Primary'],
  ['0-1', '0-3', 4, 3],
  ['0-1', '0-46', 201, 202],
  ['0-1', '0-48', 193, 194],
  ['0-1', '0-47', 199, 200],
  ['0-1', '0-27', 203, 204],
  ['0-1', '0-1', 449, 449],
  ['0-2', '0-3', 342, 341],
  ['0-2', '0-3', 6, 5, 'Primary'],
  ['0-2', '0-46', 189, 190],
  ['0-2', '0-48', 181, 182],
  ['0-2', '0-47', 187, 188],
  ['0-2', '0-27', 191, 192],
  ['0-2', '0-2', 450, 450],
  ['0-3', '0-46', 213, 214],
  ['0-3', '0-48', 205, 206],
  ['0-3', '0-47', 211, 212],
  ['0-3', '0-27', 215, 216],
  ['0-3', '0-3', 451, 451],
];

const ASSOC_TYPES = new Map<number, AssociationTypeInfo>();
const DEFAULT_TYPES = new Map<string, number>();
for (const [a, b, forward, inverse, label] of PAIRS) {
  const isDefault = label === undefined;
  ASSOC_TYPES.set(forward, { typeId: forward, inverseTypeId: inverse, from: a, to: b, label, isDefault });
  ASSOC_TYPES.set(inverse, { typeId: inverse, inverseTypeId: forward, from: b, to: a, label, isDefault });
  if (isDefault) {
    DEFAULT_TYPES.set(`${a}>${b}`, forward);
    DEFAULT_TYPES.set(`${b}>${a}`, inverse);
  }
}

const LABELED_PAIRS = new Set(
  [...ASSOC_TYPES.values()].filter((t) => t.label !== undefined).map((t) => `${t.from}>${t.to}`),
);

/** The HubSpot-defined association type with this id, if any. */
export function hubspotAssociationType(typeId: number): AssociationTypeInfo | undefined {
  return ASSOC_TYPES.get(typeId);
}

/** HubSpot's default (unlabeled) association type id from one object type to another, if the pair is supported. */
export function defaultAssociationTypeId(fromTypeId: string, toTypeId: string): number | undefined {
  return DEFAULT_TYPES.get(`${fromTypeId}>${toTypeId}`);
}

/** The v3 association name used in `associations` of object reads, e.g. `contact_to_company_unlabeled`. */
export function associationTypeName(from: ObjectTypeInfo, to: ObjectTypeInfo, typeId: number): string {
  const base = `${from.singular}_to_${to.singular}`;
  const info = ASSOC_TYPES.get(typeId);
  if (info && info.from === from.typeId && info.to === to.typeId) {
    // HubSpot names the unlabeled type of pairs that also have a Primary label `..._unlabeled`.
    const hasPrimary = LABELED_PAIRS.has(`${from.typeId}>${to.typeId}`);
    return info.label === undefined && hasPrimary ? `${base}_unlabeled` : base;
  }
  return `${base}_${typeId}`;
}
