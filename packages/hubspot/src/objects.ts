/**
 * The HubSpot object types this adapter syncs and how each one relates to crmkit's record types.
 *
 * @module
 */

import type { RecordType } from '@crmkit/model';

/** HubSpot object types the adapter syncs. Engagements (notes, calls, meetings, tasks) become interactions. */
export const HUBSPOT_OBJECT_TYPES = ['contacts', 'companies', 'deals', 'notes', 'calls', 'meetings', 'tasks'] as const;

/** One HubSpot object type the adapter syncs. */
export type HubspotObjectType = (typeof HUBSPOT_OBJECT_TYPES)[number];

/** HubSpot engagement object types (they map to `interaction` records). */
export type HubspotEngagementType = 'notes' | 'calls' | 'meetings' | 'tasks';

/** What the adapter knows about one HubSpot object type. */
export interface HubspotObjectInfo {
  /** The object type's name in HubSpot's CRM API paths, e.g. `contacts`. */
  type: HubspotObjectType;
  /** HubSpot's object type id, e.g. `0-1` for contacts (used by `object.*` webhook events). */
  objectTypeId: string;
  /** The crmkit record type the objects become. */
  recordType: RecordType;
  /** The property holding the last-modified time (contacts differ from every other object). */
  lastModifiedProperty: string;
  /** The object types whose associations are read with each object (they complete the record's references). */
  associations: readonly HubspotObjectType[];
  /** Properties the mapping reads (besides custom mappings and raw properties). */
  properties: readonly string[];
}

const ENGAGEMENT_ASSOCIATIONS: readonly HubspotObjectType[] = ['contacts', 'companies'];

/** The object types and what the adapter reads of them. */
export const HUBSPOT_OBJECTS: Readonly<Record<HubspotObjectType, HubspotObjectInfo>> = {
  contacts: {
    type: 'contacts',
    objectTypeId: '0-1',
    recordType: 'person',
    lastModifiedProperty: 'lastmodifieddate',
    associations: ['companies'],
    properties: [
      'firstname',
      'lastname',
      'salutation',
      'email',
      'hs_additional_emails',
      'phone',
      'mobilephone',
      'jobtitle',
      'company',
      'address',
      'city',
      'zip',
      'state',
      'country',
      'website',
      'lifecyclestage',
      'hubspot_owner_id',
      'date_of_birth',
      'hs_language',
      'createdate',
      'lastmodifieddate',
    ],
  },
  companies: {
    type: 'companies',
    objectTypeId: '0-2',
    recordType: 'organization',
    lastModifiedProperty: 'hs_lastmodifieddate',
    associations: [],
    properties: [
      'name',
      'domain',
      'website',
      'industry',
      'numberofemployees',
      'phone',
      'address',
      'address2',
      'city',
      'zip',
      'state',
      'country',
      'lifecyclestage',
      'hubspot_owner_id',
      'createdate',
      'hs_lastmodifieddate',
    ],
  },
  deals: {
    type: 'deals',
    objectTypeId: '0-3',
    recordType: 'opportunity',
    lastModifiedProperty: 'hs_lastmodifieddate',
    associations: ['companies', 'contacts'],
    properties: [
      'dealname',
      'pipeline',
      'dealstage',
      'amount',
      'deal_currency_code',
      'closedate',
      'hubspot_owner_id',
      'hs_deal_stage_probability',
      'hs_is_closed',
      'hs_is_closed_won',
      'createdate',
      'hs_lastmodifieddate',
    ],
  },
  notes: {
    type: 'notes',
    objectTypeId: '0-46',
    recordType: 'interaction',
    lastModifiedProperty: 'hs_lastmodifieddate',
    associations: ENGAGEMENT_ASSOCIATIONS,
    properties: ['hs_timestamp', 'hs_note_body', 'hubspot_owner_id', 'hs_lastmodifieddate'],
  },
  calls: {
    type: 'calls',
    objectTypeId: '0-48',
    recordType: 'interaction',
    lastModifiedProperty: 'hs_lastmodifieddate',
    associations: ENGAGEMENT_ASSOCIATIONS,
    properties: [
      'hs_timestamp',
      'hs_call_title',
      'hs_call_body',
      'hs_call_direction',
      'hs_call_duration',
      'hs_call_status',
      'hs_call_disposition',
      'hubspot_owner_id',
      'hs_lastmodifieddate',
    ],
  },
  meetings: {
    type: 'meetings',
    objectTypeId: '0-47',
    recordType: 'interaction',
    lastModifiedProperty: 'hs_lastmodifieddate',
    associations: ENGAGEMENT_ASSOCIATIONS,
    properties: [
      'hs_timestamp',
      'hs_meeting_title',
      'hs_meeting_body',
      'hs_meeting_start_time',
      'hs_meeting_end_time',
      'hs_meeting_location',
      'hs_meeting_outcome',
      'hubspot_owner_id',
      'hs_lastmodifieddate',
    ],
  },
  tasks: {
    type: 'tasks',
    objectTypeId: '0-27',
    recordType: 'interaction',
    lastModifiedProperty: 'hs_lastmodifieddate',
    associations: ENGAGEMENT_ASSOCIATIONS,
    properties: [
      'hs_timestamp',
      'hs_task_subject',
      'hs_task_body',
      'hs_task_status',
      'hs_task_priority',
      'hs_task_type',
      'hubspot_owner_id',
      'hs_lastmodifieddate',
    ],
  },
};

/** True for the engagement object types (notes, calls, meetings, tasks). */
export function isEngagementType(type: HubspotObjectType): type is HubspotEngagementType {
  return type === 'notes' || type === 'calls' || type === 'meetings' || type === 'tasks';
}

/** The HubSpot object type of an `object.*` webhook event's `objectTypeId` (`0-1`, `0-48` ...), if synced. */
export function objectTypeOfTypeId(objectTypeId: string): HubspotObjectType | undefined {
  return HUBSPOT_OBJECT_TYPES.find((type) => HUBSPOT_OBJECTS[type].objectTypeId === objectTypeId);
}

/**
 * The external id of an engagement as crmkit sees it: `<type>:<id>` (e.g. `calls:901`), so that notes, calls,
 * meetings and tasks stay apart in the one `interaction` record type. Contacts, companies and deals keep HubSpot's id.
 */
export function externalIdOf(type: HubspotObjectType, id: string): string {
  return isEngagementType(type) ? `${type}:${id}` : id;
}

/** Splits an interaction's external id (`calls:901`) into its HubSpot type and id; `undefined` when malformed. */
export function parseEngagementId(externalId: string): { type: HubspotEngagementType; id: string } | undefined {
  const match = /^(notes|calls|meetings|tasks):(.+)$/.exec(externalId);
  if (match === null) return undefined;
  return { type: match[1] as HubspotEngagementType, id: match[2]! };
}

/** The HubSpot object type behind a crmkit record (`person` is a contact; interactions carry their type in the id). */
export function objectTypeOfRecord(recordType: RecordType, externalId?: string): HubspotObjectType | undefined {
  switch (recordType) {
    case 'person':
      return 'contacts';
    case 'organization':
      return 'companies';
    case 'opportunity':
      return 'deals';
    case 'interaction':
      return externalId === undefined ? undefined : parseEngagementId(externalId)?.type;
  }
}
