import { z } from 'zod';
import { AttributesSchema, DateSchema, EntityBaseSchema, IdSchema, JsonValueSchema, TimestampSchema } from './common';

/** Channels an interaction can take place on. */
export const InteractionChannelSchema = z.enum([
  'email',
  'phone',
  'sms',
  'whatsapp',
  'web',
  'chat',
  'social',
  'video',
  'in_person',
  'letter',
  'other',
]);
/** Channel of an interaction. */
export type InteractionChannel = z.infer<typeof InteractionChannelSchema>;

/** Direction of an interaction, seen from the organisation. */
export const InteractionDirectionSchema = z.enum(['inbound', 'outbound', 'internal']);
/** Direction of an interaction. */
export type InteractionDirection = z.infer<typeof InteractionDirectionSchema>;

/** Role of a participant in an interaction. */
export const ParticipantRoleSchema = z.enum(['from', 'to', 'cc', 'attendee', 'customer', 'owner', 'visitor']);
/** Role of a participant. */
export type ParticipantRole = z.infer<typeof ParticipantRoleSchema>;

/** A participant: a party (customer side) or a user (our side). */
export const ParticipantSchema = z.object({
  partyId: IdSchema.optional(),
  userId: IdSchema.optional(),
  role: ParticipantRoleSchema,
});
/** A participant in an interaction. */
export type Participant = z.infer<typeof ParticipantSchema>;

/** A phone or video call. */
export const CallActivitySchema = z.object({
  kind: z.literal('call'),
  durationSeconds: z.number().int().nonnegative().optional(),
  outcome: z.string().max(128).optional(),
});
/** A meeting, online or in person. */
export const MeetingActivitySchema = z.object({
  kind: z.literal('meeting'),
  startsAt: TimestampSchema.optional(),
  endsAt: TimestampSchema.optional(),
  location: z.string().max(512).optional(),
});
/** An email message. */
export const EmailActivitySchema = z.object({
  kind: z.literal('email'),
  messageId: z.string().max(998).optional(),
  threadId: z.string().max(998).optional(),
});
/** A free-text note. */
export const NoteActivitySchema = z.object({
  kind: z.literal('note'),
  text: z.string().max(100_000).optional(),
});
/** A task for a user. */
export const TaskActivitySchema = z.object({
  kind: z.literal('task'),
  status: z.enum(['open', 'in_progress', 'done', 'cancelled']).default('open'),
  dueAt: TimestampSchema.optional(),
  priority: z.enum(['low', 'normal', 'high']).default('normal'),
  assigneeId: IdSchema.optional(),
});
/** A follow-up agreed during a visit. */
export const FollowUpSchema = z.object({
  description: z.string().min(1).max(2000),
  dueDate: DateSchema.optional(),
  ownerId: IdSchema.optional(),
  done: z.boolean().default(false),
});
/** A follow-up agreed during a visit. */
export type FollowUp = z.infer<typeof FollowUpSchema>;
/** A visit report: who visited whom, when, why, what came of it, and what follows. */
export const VisitReportActivitySchema = z.object({
  kind: z.literal('visit_report'),
  /** User (account manager) who made the visit. */
  visitorId: IdSchema.optional(),
  /** Name of the visitor, when no user id is known. */
  visitorName: z.string().max(256).optional(),
  visitedAt: TimestampSchema,
  purpose: z.string().min(1).max(2000),
  outcome: z.string().max(10_000).optional(),
  followUps: z.array(FollowUpSchema).default([]),
});
/** A service case (ticket). */
export const CaseActivitySchema = z.object({
  kind: z.literal('case'),
  caseNumber: z.string().max(128).optional(),
  status: z.enum(['open', 'pending', 'resolved', 'cancelled']).default('open'),
  priority: z.enum(['low', 'normal', 'high', 'urgent']).default('normal'),
  resolvedAt: TimestampSchema.optional(),
});
/** A message on a messaging channel (SMS, WhatsApp, chat). */
export const MessageActivitySchema = z.object({
  kind: z.literal('message'),
  messageId: z.string().max(256).optional(),
});
/**
 * An activity of a type a plugin declared (`<plugin>.<type>`, e.g. `service.escalation`). The Hub validates `data`
 * against the plugin's schema on every write and refuses types no registered plugin declares.
 */
export const CustomActivitySchema = z.object({
  kind: z.literal('custom'),
  type: z
    .string()
    .regex(
      /^[a-z][a-z0-9-]{0,62}\.[a-zA-Z][a-zA-Z0-9_-]{0,62}$/,
      'Expected "<plugin>.<type>", e.g. "service.escalation"',
    ),
  data: z.record(z.string().min(1), JsonValueSchema).default({}),
});
/** An activity of a plugin-declared type. */
export type CustomActivity = z.infer<typeof CustomActivitySchema>;

/** The activity an interaction records, discriminated by `kind`. */
export const ActivitySchema = z.discriminatedUnion('kind', [
  CallActivitySchema,
  MeetingActivitySchema,
  EmailActivitySchema,
  NoteActivitySchema,
  TaskActivitySchema,
  VisitReportActivitySchema,
  CaseActivitySchema,
  MessageActivitySchema,
  CustomActivitySchema,
]);
/** The activity an interaction records. */
export type Activity = z.infer<typeof ActivitySchema>;
/** Kinds of activity. */
export type ActivityKind = Activity['kind'];
/** A visit report. */
export type VisitReport = z.infer<typeof VisitReportActivitySchema>;

/** Any contact between the organisation and a customer: a call, an email, a visit, a case ... */
export const InteractionSchema = EntityBaseSchema.extend({
  channel: InteractionChannelSchema,
  direction: InteractionDirectionSchema,
  participants: z.array(ParticipantSchema),
  subject: z.string().max(998).optional(),
  /** Where the body lives (a URL or storage key); bodies are not copied into the central model. */
  bodyRef: z
    .string()
    .max(2048)
    .optional()
    .describe('Where the body lives (a URL or storage key); bodies are not copied.'),
  occurredAt: TimestampSchema.describe('When the interaction took place.'),
  /** Department that owns the interaction. */
  departmentId: IdSchema.optional().describe('The department that owns the interaction.'),
  activity: ActivitySchema.describe(
    'What happened, by `kind`: call, meeting, email, note, task, visit report, case ...',
  ),
  attributes: AttributesSchema.optional().describe('Free-form JSON attributes (plugins keep their fields here).'),
});
/** An interaction with a customer. */
export type Interaction = z.infer<typeof InteractionSchema>;
