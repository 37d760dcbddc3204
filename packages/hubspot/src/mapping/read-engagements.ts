/**
 * Read mapping of engagements (notes, calls, meetings, tasks) to interactions.
 *
 * @module
 */
import type { HubspotEngagementType } from '../objects';
import { orderedAssociations, type PropertyReader } from './property-reader';
import type { HubspotAssociations, HubspotObject } from './types';
import { ownerIdOf, toTimestamp } from './values';

export const TASK_STATUS: Record<string, 'open' | 'in_progress' | 'done' | 'cancelled'> = {
  NOT_STARTED: 'open',
  IN_PROGRESS: 'in_progress',
  WAITING: 'in_progress',
  DEFERRED: 'open',
  COMPLETED: 'done',
};
export const TASK_PRIORITY: Record<string, 'low' | 'normal' | 'high'> = {
  LOW: 'low',
  MEDIUM: 'normal',
  NONE: 'normal',
  HIGH: 'high',
};

export function mapEngagement(
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
