/**
 * Which writer each model field of each HubSpot object type uses.
 *
 * @module
 */
import type { HubspotEngagementType, HubspotObjectType } from '../objects';
import type { Writer } from './types';
import { toTimestamp } from './values';
import {
  addressesWriter,
  emails,
  firstUrl,
  organizationWriter,
  owner,
  phonesWriter,
  plain,
  put,
  refTarget,
  refused,
  str,
} from './write-fields';

export const PERSON_WRITERS: Record<string, Writer> = {
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

export const ORGANIZATION_WRITERS: Record<string, Writer> = {
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

export const OPPORTUNITY_WRITERS: Record<string, Writer> = {
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

export function engagementWriters(type: HubspotEngagementType): Record<string, Writer> {
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

export const timestampWriter =
  (property: string): Writer =>
  (value, out, field) => {
    if (value === null) return put(out, field, property, '');
    const ts = typeof value === 'string' ? toTimestamp(value) : undefined;
    if (ts === undefined) return void out.errors.push({ field, message: 'Expected an ISO 8601 timestamp' });
    put(out, field, property, ts);
  };

export const enumWriter =
  (property: string, values: Record<string, string>): Writer =>
  (value, out, field) => {
    const mapped = typeof value === 'string' ? values[value] : undefined;
    if (mapped === undefined) {
      return void out.errors.push({ field, message: `Expected one of ${Object.keys(values).join(', ')}` });
    }
    put(out, field, property, mapped);
  };

export const ACTIVITY_PROPERTIES: Record<HubspotEngagementType, Record<string, Writer>> = {
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

export function writersOf(type: HubspotObjectType): Record<string, Writer> {
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
