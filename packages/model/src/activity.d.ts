import { z } from 'zod';
/** Channels an interaction can take place on. */
export declare const InteractionChannelSchema: z.ZodEnum<{
  email: 'email';
  phone: 'phone';
  sms: 'sms';
  whatsapp: 'whatsapp';
  web: 'web';
  chat: 'chat';
  social: 'social';
  video: 'video';
  in_person: 'in_person';
  letter: 'letter';
  other: 'other';
}>;
/** Channel of an interaction. */
export type InteractionChannel = z.infer<typeof InteractionChannelSchema>;
/** Direction of an interaction, seen from the organisation. */
export declare const InteractionDirectionSchema: z.ZodEnum<{
  inbound: 'inbound';
  outbound: 'outbound';
  internal: 'internal';
}>;
/** Direction of an interaction. */
export type InteractionDirection = z.infer<typeof InteractionDirectionSchema>;
/** Role of a participant in an interaction. */
export declare const ParticipantRoleSchema: z.ZodEnum<{
  to: 'to';
  from: 'from';
  cc: 'cc';
  attendee: 'attendee';
  customer: 'customer';
  owner: 'owner';
  visitor: 'visitor';
}>;
/** Role of a participant. */
export type ParticipantRole = z.infer<typeof ParticipantRoleSchema>;
/** A participant: a party (customer side) or a user (our side). */
export declare const ParticipantSchema: z.ZodObject<
  {
    partyId: z.ZodOptional<z.ZodString>;
    userId: z.ZodOptional<z.ZodString>;
    role: z.ZodEnum<{
      to: 'to';
      from: 'from';
      cc: 'cc';
      attendee: 'attendee';
      customer: 'customer';
      owner: 'owner';
      visitor: 'visitor';
    }>;
  },
  z.core.$strip
>;
/** A participant in an interaction. */
export type Participant = z.infer<typeof ParticipantSchema>;
/** A phone or video call. */
export declare const CallActivitySchema: z.ZodObject<
  {
    kind: z.ZodLiteral<'call'>;
    durationSeconds: z.ZodOptional<z.ZodNumber>;
    outcome: z.ZodOptional<z.ZodString>;
  },
  z.core.$strip
>;
/** A meeting, online or in person. */
export declare const MeetingActivitySchema: z.ZodObject<
  {
    kind: z.ZodLiteral<'meeting'>;
    startsAt: z.ZodOptional<z.ZodISODateTime>;
    endsAt: z.ZodOptional<z.ZodISODateTime>;
    location: z.ZodOptional<z.ZodString>;
  },
  z.core.$strip
>;
/** An email message. */
export declare const EmailActivitySchema: z.ZodObject<
  {
    kind: z.ZodLiteral<'email'>;
    messageId: z.ZodOptional<z.ZodString>;
    threadId: z.ZodOptional<z.ZodString>;
  },
  z.core.$strip
>;
/** A free-text note. */
export declare const NoteActivitySchema: z.ZodObject<
  {
    kind: z.ZodLiteral<'note'>;
    text: z.ZodOptional<z.ZodString>;
  },
  z.core.$strip
>;
/** A task for a user. */
export declare const TaskActivitySchema: z.ZodObject<
  {
    kind: z.ZodLiteral<'task'>;
    status: z.ZodDefault<
      z.ZodEnum<{
        open: 'open';
        in_progress: 'in_progress';
        done: 'done';
        cancelled: 'cancelled';
      }>
    >;
    dueAt: z.ZodOptional<z.ZodISODateTime>;
    priority: z.ZodDefault<
      z.ZodEnum<{
        low: 'low';
        normal: 'normal';
        high: 'high';
      }>
    >;
    assigneeId: z.ZodOptional<z.ZodString>;
  },
  z.core.$strip
>;
/** A follow-up agreed during a visit. */
export declare const FollowUpSchema: z.ZodObject<
  {
    description: z.ZodString;
    dueDate: z.ZodOptional<z.ZodISODate>;
    ownerId: z.ZodOptional<z.ZodString>;
    done: z.ZodDefault<z.ZodBoolean>;
  },
  z.core.$strip
>;
/** A follow-up agreed during a visit. */
export type FollowUp = z.infer<typeof FollowUpSchema>;
/** A visit report: who visited whom, when, why, what came of it, and what follows. */
export declare const VisitReportActivitySchema: z.ZodObject<
  {
    kind: z.ZodLiteral<'visit_report'>;
    visitorId: z.ZodOptional<z.ZodString>;
    visitorName: z.ZodOptional<z.ZodString>;
    visitedAt: z.ZodISODateTime;
    purpose: z.ZodString;
    outcome: z.ZodOptional<z.ZodString>;
    followUps: z.ZodDefault<
      z.ZodArray<
        z.ZodObject<
          {
            description: z.ZodString;
            dueDate: z.ZodOptional<z.ZodISODate>;
            ownerId: z.ZodOptional<z.ZodString>;
            done: z.ZodDefault<z.ZodBoolean>;
          },
          z.core.$strip
        >
      >
    >;
  },
  z.core.$strip
>;
/** A service case (ticket). */
export declare const CaseActivitySchema: z.ZodObject<
  {
    kind: z.ZodLiteral<'case'>;
    caseNumber: z.ZodOptional<z.ZodString>;
    status: z.ZodDefault<
      z.ZodEnum<{
        open: 'open';
        cancelled: 'cancelled';
        pending: 'pending';
        resolved: 'resolved';
      }>
    >;
    priority: z.ZodDefault<
      z.ZodEnum<{
        low: 'low';
        normal: 'normal';
        high: 'high';
        urgent: 'urgent';
      }>
    >;
    resolvedAt: z.ZodOptional<z.ZodISODateTime>;
  },
  z.core.$strip
>;
/** A message on a messaging channel (SMS, WhatsApp, chat). */
export declare const MessageActivitySchema: z.ZodObject<
  {
    kind: z.ZodLiteral<'message'>;
    messageId: z.ZodOptional<z.ZodString>;
  },
  z.core.$strip
>;
/**
 * An activity of a type a plugin declared (`<plugin>.<type>`, e.g. `service.escalation`). The Hub validates `data`
 * against the plugin's schema on every write and refuses types no registered plugin declares.
 */
export declare const CustomActivitySchema: z.ZodObject<
  {
    kind: z.ZodLiteral<'custom'>;
    type: z.ZodString;
    data: z.ZodDefault<
      z.ZodRecord<
        z.ZodString,
        z.ZodType<
          import('./common').JsonValue,
          unknown,
          z.core.$ZodTypeInternals<import('./common').JsonValue, unknown>
        >
      >
    >;
  },
  z.core.$strip
>;
/** An activity of a plugin-declared type. */
export type CustomActivity = z.infer<typeof CustomActivitySchema>;
/** The activity an interaction records, discriminated by `kind`. */
export declare const ActivitySchema: z.ZodDiscriminatedUnion<
  [
    z.ZodObject<
      {
        kind: z.ZodLiteral<'call'>;
        durationSeconds: z.ZodOptional<z.ZodNumber>;
        outcome: z.ZodOptional<z.ZodString>;
      },
      z.core.$strip
    >,
    z.ZodObject<
      {
        kind: z.ZodLiteral<'meeting'>;
        startsAt: z.ZodOptional<z.ZodISODateTime>;
        endsAt: z.ZodOptional<z.ZodISODateTime>;
        location: z.ZodOptional<z.ZodString>;
      },
      z.core.$strip
    >,
    z.ZodObject<
      {
        kind: z.ZodLiteral<'email'>;
        messageId: z.ZodOptional<z.ZodString>;
        threadId: z.ZodOptional<z.ZodString>;
      },
      z.core.$strip
    >,
    z.ZodObject<
      {
        kind: z.ZodLiteral<'note'>;
        text: z.ZodOptional<z.ZodString>;
      },
      z.core.$strip
    >,
    z.ZodObject<
      {
        kind: z.ZodLiteral<'task'>;
        status: z.ZodDefault<
          z.ZodEnum<{
            open: 'open';
            in_progress: 'in_progress';
            done: 'done';
            cancelled: 'cancelled';
          }>
        >;
        dueAt: z.ZodOptional<z.ZodISODateTime>;
        priority: z.ZodDefault<
          z.ZodEnum<{
            low: 'low';
            normal: 'normal';
            high: 'high';
          }>
        >;
        assigneeId: z.ZodOptional<z.ZodString>;
      },
      z.core.$strip
    >,
    z.ZodObject<
      {
        kind: z.ZodLiteral<'visit_report'>;
        visitorId: z.ZodOptional<z.ZodString>;
        visitorName: z.ZodOptional<z.ZodString>;
        visitedAt: z.ZodISODateTime;
        purpose: z.ZodString;
        outcome: z.ZodOptional<z.ZodString>;
        followUps: z.ZodDefault<
          z.ZodArray<
            z.ZodObject<
              {
                description: z.ZodString;
                dueDate: z.ZodOptional<z.ZodISODate>;
                ownerId: z.ZodOptional<z.ZodString>;
                done: z.ZodDefault<z.ZodBoolean>;
              },
              z.core.$strip
            >
          >
        >;
      },
      z.core.$strip
    >,
    z.ZodObject<
      {
        kind: z.ZodLiteral<'case'>;
        caseNumber: z.ZodOptional<z.ZodString>;
        status: z.ZodDefault<
          z.ZodEnum<{
            open: 'open';
            cancelled: 'cancelled';
            pending: 'pending';
            resolved: 'resolved';
          }>
        >;
        priority: z.ZodDefault<
          z.ZodEnum<{
            low: 'low';
            normal: 'normal';
            high: 'high';
            urgent: 'urgent';
          }>
        >;
        resolvedAt: z.ZodOptional<z.ZodISODateTime>;
      },
      z.core.$strip
    >,
    z.ZodObject<
      {
        kind: z.ZodLiteral<'message'>;
        messageId: z.ZodOptional<z.ZodString>;
      },
      z.core.$strip
    >,
    z.ZodObject<
      {
        kind: z.ZodLiteral<'custom'>;
        type: z.ZodString;
        data: z.ZodDefault<
          z.ZodRecord<
            z.ZodString,
            z.ZodType<
              import('./common').JsonValue,
              unknown,
              z.core.$ZodTypeInternals<import('./common').JsonValue, unknown>
            >
          >
        >;
      },
      z.core.$strip
    >,
  ],
  'kind'
>;
/** The activity an interaction records. */
export type Activity = z.infer<typeof ActivitySchema>;
/** Kinds of activity. */
export type ActivityKind = Activity['kind'];
/** A visit report. */
export type VisitReport = z.infer<typeof VisitReportActivitySchema>;
/** Any contact between the organisation and a customer: a call, an email, a visit, a case ... */
export declare const InteractionSchema: z.ZodObject<
  {
    id: z.ZodString;
    createdAt: z.ZodISODateTime;
    updatedAt: z.ZodISODateTime;
    sources: z.ZodArray<
      z.ZodObject<
        {
          system: z.ZodString;
          externalId: z.ZodString;
          observedAt: z.ZodISODateTime;
        },
        z.core.$strip
      >
    >;
    channel: z.ZodEnum<{
      email: 'email';
      phone: 'phone';
      sms: 'sms';
      whatsapp: 'whatsapp';
      web: 'web';
      chat: 'chat';
      social: 'social';
      video: 'video';
      in_person: 'in_person';
      letter: 'letter';
      other: 'other';
    }>;
    direction: z.ZodEnum<{
      inbound: 'inbound';
      outbound: 'outbound';
      internal: 'internal';
    }>;
    participants: z.ZodArray<
      z.ZodObject<
        {
          partyId: z.ZodOptional<z.ZodString>;
          userId: z.ZodOptional<z.ZodString>;
          role: z.ZodEnum<{
            to: 'to';
            from: 'from';
            cc: 'cc';
            attendee: 'attendee';
            customer: 'customer';
            owner: 'owner';
            visitor: 'visitor';
          }>;
        },
        z.core.$strip
      >
    >;
    subject: z.ZodOptional<z.ZodString>;
    bodyRef: z.ZodOptional<z.ZodString>;
    occurredAt: z.ZodISODateTime;
    departmentId: z.ZodOptional<z.ZodString>;
    activity: z.ZodDiscriminatedUnion<
      [
        z.ZodObject<
          {
            kind: z.ZodLiteral<'call'>;
            durationSeconds: z.ZodOptional<z.ZodNumber>;
            outcome: z.ZodOptional<z.ZodString>;
          },
          z.core.$strip
        >,
        z.ZodObject<
          {
            kind: z.ZodLiteral<'meeting'>;
            startsAt: z.ZodOptional<z.ZodISODateTime>;
            endsAt: z.ZodOptional<z.ZodISODateTime>;
            location: z.ZodOptional<z.ZodString>;
          },
          z.core.$strip
        >,
        z.ZodObject<
          {
            kind: z.ZodLiteral<'email'>;
            messageId: z.ZodOptional<z.ZodString>;
            threadId: z.ZodOptional<z.ZodString>;
          },
          z.core.$strip
        >,
        z.ZodObject<
          {
            kind: z.ZodLiteral<'note'>;
            text: z.ZodOptional<z.ZodString>;
          },
          z.core.$strip
        >,
        z.ZodObject<
          {
            kind: z.ZodLiteral<'task'>;
            status: z.ZodDefault<
              z.ZodEnum<{
                open: 'open';
                in_progress: 'in_progress';
                done: 'done';
                cancelled: 'cancelled';
              }>
            >;
            dueAt: z.ZodOptional<z.ZodISODateTime>;
            priority: z.ZodDefault<
              z.ZodEnum<{
                low: 'low';
                normal: 'normal';
                high: 'high';
              }>
            >;
            assigneeId: z.ZodOptional<z.ZodString>;
          },
          z.core.$strip
        >,
        z.ZodObject<
          {
            kind: z.ZodLiteral<'visit_report'>;
            visitorId: z.ZodOptional<z.ZodString>;
            visitorName: z.ZodOptional<z.ZodString>;
            visitedAt: z.ZodISODateTime;
            purpose: z.ZodString;
            outcome: z.ZodOptional<z.ZodString>;
            followUps: z.ZodDefault<
              z.ZodArray<
                z.ZodObject<
                  {
                    description: z.ZodString;
                    dueDate: z.ZodOptional<z.ZodISODate>;
                    ownerId: z.ZodOptional<z.ZodString>;
                    done: z.ZodDefault<z.ZodBoolean>;
                  },
                  z.core.$strip
                >
              >
            >;
          },
          z.core.$strip
        >,
        z.ZodObject<
          {
            kind: z.ZodLiteral<'case'>;
            caseNumber: z.ZodOptional<z.ZodString>;
            status: z.ZodDefault<
              z.ZodEnum<{
                open: 'open';
                cancelled: 'cancelled';
                pending: 'pending';
                resolved: 'resolved';
              }>
            >;
            priority: z.ZodDefault<
              z.ZodEnum<{
                low: 'low';
                normal: 'normal';
                high: 'high';
                urgent: 'urgent';
              }>
            >;
            resolvedAt: z.ZodOptional<z.ZodISODateTime>;
          },
          z.core.$strip
        >,
        z.ZodObject<
          {
            kind: z.ZodLiteral<'message'>;
            messageId: z.ZodOptional<z.ZodString>;
          },
          z.core.$strip
        >,
        z.ZodObject<
          {
            kind: z.ZodLiteral<'custom'>;
            type: z.ZodString;
            data: z.ZodDefault<
              z.ZodRecord<
                z.ZodString,
                z.ZodType<
                  import('./common').JsonValue,
                  unknown,
                  z.core.$ZodTypeInternals<import('./common').JsonValue, unknown>
                >
              >
            >;
          },
          z.core.$strip
        >,
      ],
      'kind'
    >;
    attributes: z.ZodOptional<
      z.ZodRecord<
        z.ZodString,
        z.ZodType<
          import('./common').JsonValue,
          unknown,
          z.core.$ZodTypeInternals<import('./common').JsonValue, unknown>
        >
      >
    >;
  },
  z.core.$strip
>;
/** An interaction with a customer. */
export type Interaction = z.infer<typeof InteractionSchema>;
//# sourceMappingURL=activity.d.ts.map
