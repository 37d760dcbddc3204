import { z } from 'zod';
import { type ValidationIssue } from './errors';
import { type InputLimits } from './limits';
/**
 * Source records are what enters the Hub: facts about a person, an organisation, an interaction or an opportunity,
 * as one source system holds them. The Hub stores them, links them to customers and derives golden records.
 *
 * @module
 */
/** Types of source record. */
export declare const RecordTypeSchema: z.ZodEnum<{
  interaction: 'interaction';
  person: 'person';
  organization: 'organization';
  opportunity: 'opportunity';
}>;
/** Type of a source record. */
export type RecordType = z.infer<typeof RecordTypeSchema>;
/** Record types that describe a party (and so become customers). */
export type PartyRecordType = 'person' | 'organization';
/** Name of a source system: letters, digits and `._:-`, starting with a letter or digit. */
export declare const SourceNameSchema: z.ZodString;
/**
 * A reference from one source record to a party: by external id (in the same source unless `source` says otherwise),
 * by email address, or by phone number.
 */
export declare const RecordRefSchema: z.ZodUnion<
  readonly [
    z.ZodObject<
      {
        type: z.ZodDefault<
          z.ZodEnum<{
            person: 'person';
            organization: 'organization';
          }>
        >;
        source: z.ZodOptional<z.ZodString>;
        externalId: z.ZodString;
      },
      z.core.$strict
    >,
    z.ZodObject<
      {
        email: z.ZodPipe<z.ZodString, z.ZodEmail>;
      },
      z.core.$strict
    >,
    z.ZodObject<
      {
        phone: z.ZodString;
      },
      z.core.$strict
    >,
  ]
>;
/** A reference to a party. */
export type RecordRef = z.output<typeof RecordRefSchema>;
/** A reference to a party, as supplied. */
export type RecordRefInput = z.input<typeof RecordRefSchema>;
/** An email address: a string, or an object with label and flags. */
export declare const EmailInputSchema: z.ZodPipe<
  z.ZodUnion<
    readonly [
      z.ZodPipe<z.ZodString, z.ZodEmail>,
      z.ZodObject<
        {
          label: z.ZodOptional<z.ZodString>;
          primary: z.ZodOptional<z.ZodBoolean>;
          verified: z.ZodOptional<z.ZodBoolean>;
          value: z.ZodPipe<z.ZodString, z.ZodEmail>;
        },
        z.core.$strict
      >,
    ]
  >,
  z.ZodTransform<
    {
      value: string;
      label?: string | undefined;
      primary?: boolean | undefined;
      verified?: boolean | undefined;
    },
    | string
    | {
        value: string;
        label?: string | undefined;
        primary?: boolean | undefined;
        verified?: boolean | undefined;
      }
  >
>;
/** A phone number: a string, or an object with label and flags. */
export declare const PhoneInputSchema: z.ZodPipe<
  z.ZodUnion<
    readonly [
      z.ZodString,
      z.ZodObject<
        {
          label: z.ZodOptional<z.ZodString>;
          primary: z.ZodOptional<z.ZodBoolean>;
          verified: z.ZodOptional<z.ZodBoolean>;
          value: z.ZodString;
        },
        z.core.$strict
      >,
    ]
  >,
  z.ZodTransform<
    {
      value: string;
      label?: string | undefined;
      primary?: boolean | undefined;
      verified?: boolean | undefined;
    },
    | string
    | {
        value: string;
        label?: string | undefined;
        primary?: boolean | undefined;
        verified?: boolean | undefined;
      }
  >
>;
/** A postal address with label and flags. */
export declare const AddressInputSchema: z.ZodObject<
  {
    street: z.ZodOptional<z.ZodString>;
    houseNumber: z.ZodOptional<z.ZodString>;
    extra: z.ZodOptional<z.ZodString>;
    postalCode: z.ZodOptional<z.ZodString>;
    city: z.ZodOptional<z.ZodString>;
    region: z.ZodOptional<z.ZodString>;
    country: z.ZodOptional<z.ZodString>;
    label: z.ZodOptional<z.ZodString>;
    primary: z.ZodOptional<z.ZodBoolean>;
    verified: z.ZodOptional<z.ZodBoolean>;
  },
  z.core.$strip
>;
/** A web or social address: a string, or an object with label and flags. */
export declare const UrlInputSchema: z.ZodPipe<
  z.ZodUnion<
    readonly [
      z.ZodString,
      z.ZodObject<
        {
          label: z.ZodOptional<z.ZodString>;
          primary: z.ZodOptional<z.ZodBoolean>;
          verified: z.ZodOptional<z.ZodBoolean>;
          value: z.ZodString;
        },
        z.core.$strict
      >,
    ]
  >,
  z.ZodTransform<
    {
      value: string;
      label?: string | undefined;
      primary?: boolean | undefined;
      verified?: boolean | undefined;
    },
    | string
    | {
        value: string;
        label?: string | undefined;
        primary?: boolean | undefined;
        verified?: boolean | undefined;
      }
  >
>;
/** Data of a `person` source record. */
export declare const PersonDataSchema: z.ZodObject<
  {
    organization: z.ZodOptional<
      z.ZodObject<
        {
          ref: z.ZodOptional<
            z.ZodUnion<
              readonly [
                z.ZodObject<
                  {
                    type: z.ZodDefault<
                      z.ZodEnum<{
                        person: 'person';
                        organization: 'organization';
                      }>
                    >;
                    source: z.ZodOptional<z.ZodString>;
                    externalId: z.ZodString;
                  },
                  z.core.$strict
                >,
                z.ZodObject<
                  {
                    email: z.ZodPipe<z.ZodString, z.ZodEmail>;
                  },
                  z.core.$strict
                >,
                z.ZodObject<
                  {
                    phone: z.ZodString;
                  },
                  z.core.$strict
                >,
              ]
            >
          >;
          name: z.ZodOptional<z.ZodString>;
          role: z.ZodOptional<z.ZodString>;
        },
        z.core.$strict
      >
    >;
    ownerId: z.ZodOptional<z.ZodString>;
    lifecycleStage: z.ZodOptional<z.ZodString>;
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
    emails: z.ZodOptional<
      z.ZodArray<
        z.ZodPipe<
          z.ZodUnion<
            readonly [
              z.ZodPipe<z.ZodString, z.ZodEmail>,
              z.ZodObject<
                {
                  label: z.ZodOptional<z.ZodString>;
                  primary: z.ZodOptional<z.ZodBoolean>;
                  verified: z.ZodOptional<z.ZodBoolean>;
                  value: z.ZodPipe<z.ZodString, z.ZodEmail>;
                },
                z.core.$strict
              >,
            ]
          >,
          z.ZodTransform<
            {
              value: string;
              label?: string | undefined;
              primary?: boolean | undefined;
              verified?: boolean | undefined;
            },
            | string
            | {
                value: string;
                label?: string | undefined;
                primary?: boolean | undefined;
                verified?: boolean | undefined;
              }
          >
        >
      >
    >;
    phones: z.ZodOptional<
      z.ZodArray<
        z.ZodPipe<
          z.ZodUnion<
            readonly [
              z.ZodString,
              z.ZodObject<
                {
                  label: z.ZodOptional<z.ZodString>;
                  primary: z.ZodOptional<z.ZodBoolean>;
                  verified: z.ZodOptional<z.ZodBoolean>;
                  value: z.ZodString;
                },
                z.core.$strict
              >,
            ]
          >,
          z.ZodTransform<
            {
              value: string;
              label?: string | undefined;
              primary?: boolean | undefined;
              verified?: boolean | undefined;
            },
            | string
            | {
                value: string;
                label?: string | undefined;
                primary?: boolean | undefined;
                verified?: boolean | undefined;
              }
          >
        >
      >
    >;
    addresses: z.ZodOptional<
      z.ZodArray<
        z.ZodObject<
          {
            street: z.ZodOptional<z.ZodString>;
            houseNumber: z.ZodOptional<z.ZodString>;
            extra: z.ZodOptional<z.ZodString>;
            postalCode: z.ZodOptional<z.ZodString>;
            city: z.ZodOptional<z.ZodString>;
            region: z.ZodOptional<z.ZodString>;
            country: z.ZodOptional<z.ZodString>;
            label: z.ZodOptional<z.ZodString>;
            primary: z.ZodOptional<z.ZodBoolean>;
            verified: z.ZodOptional<z.ZodBoolean>;
          },
          z.core.$strip
        >
      >
    >;
    websites: z.ZodOptional<
      z.ZodArray<
        z.ZodPipe<
          z.ZodUnion<
            readonly [
              z.ZodString,
              z.ZodObject<
                {
                  label: z.ZodOptional<z.ZodString>;
                  primary: z.ZodOptional<z.ZodBoolean>;
                  verified: z.ZodOptional<z.ZodBoolean>;
                  value: z.ZodString;
                },
                z.core.$strict
              >,
            ]
          >,
          z.ZodTransform<
            {
              value: string;
              label?: string | undefined;
              primary?: boolean | undefined;
              verified?: boolean | undefined;
            },
            | string
            | {
                value: string;
                label?: string | undefined;
                primary?: boolean | undefined;
                verified?: boolean | undefined;
              }
          >
        >
      >
    >;
    socials: z.ZodOptional<
      z.ZodArray<
        z.ZodPipe<
          z.ZodUnion<
            readonly [
              z.ZodString,
              z.ZodObject<
                {
                  label: z.ZodOptional<z.ZodString>;
                  primary: z.ZodOptional<z.ZodBoolean>;
                  verified: z.ZodOptional<z.ZodBoolean>;
                  value: z.ZodString;
                },
                z.core.$strict
              >,
            ]
          >,
          z.ZodTransform<
            {
              value: string;
              label?: string | undefined;
              primary?: boolean | undefined;
              verified?: boolean | undefined;
            },
            | string
            | {
                value: string;
                label?: string | undefined;
                primary?: boolean | undefined;
                verified?: boolean | undefined;
              }
          >
        >
      >
    >;
    givenName: z.ZodOptional<z.ZodString>;
    familyName: z.ZodOptional<z.ZodString>;
    fullName: z.ZodOptional<z.ZodString>;
    salutation: z.ZodOptional<z.ZodString>;
    jobTitle: z.ZodOptional<z.ZodString>;
    birthDate: z.ZodOptional<z.ZodISODate>;
    language: z.ZodOptional<z.ZodString>;
  },
  z.core.$strict
>;
/** Data of a `person` source record. */
export type PersonData = z.output<typeof PersonDataSchema>;
/** Data of an `organization` source record. */
export declare const OrganizationDataSchema: z.ZodObject<
  {
    ownerId: z.ZodOptional<z.ZodString>;
    lifecycleStage: z.ZodOptional<z.ZodString>;
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
    emails: z.ZodOptional<
      z.ZodArray<
        z.ZodPipe<
          z.ZodUnion<
            readonly [
              z.ZodPipe<z.ZodString, z.ZodEmail>,
              z.ZodObject<
                {
                  label: z.ZodOptional<z.ZodString>;
                  primary: z.ZodOptional<z.ZodBoolean>;
                  verified: z.ZodOptional<z.ZodBoolean>;
                  value: z.ZodPipe<z.ZodString, z.ZodEmail>;
                },
                z.core.$strict
              >,
            ]
          >,
          z.ZodTransform<
            {
              value: string;
              label?: string | undefined;
              primary?: boolean | undefined;
              verified?: boolean | undefined;
            },
            | string
            | {
                value: string;
                label?: string | undefined;
                primary?: boolean | undefined;
                verified?: boolean | undefined;
              }
          >
        >
      >
    >;
    phones: z.ZodOptional<
      z.ZodArray<
        z.ZodPipe<
          z.ZodUnion<
            readonly [
              z.ZodString,
              z.ZodObject<
                {
                  label: z.ZodOptional<z.ZodString>;
                  primary: z.ZodOptional<z.ZodBoolean>;
                  verified: z.ZodOptional<z.ZodBoolean>;
                  value: z.ZodString;
                },
                z.core.$strict
              >,
            ]
          >,
          z.ZodTransform<
            {
              value: string;
              label?: string | undefined;
              primary?: boolean | undefined;
              verified?: boolean | undefined;
            },
            | string
            | {
                value: string;
                label?: string | undefined;
                primary?: boolean | undefined;
                verified?: boolean | undefined;
              }
          >
        >
      >
    >;
    addresses: z.ZodOptional<
      z.ZodArray<
        z.ZodObject<
          {
            street: z.ZodOptional<z.ZodString>;
            houseNumber: z.ZodOptional<z.ZodString>;
            extra: z.ZodOptional<z.ZodString>;
            postalCode: z.ZodOptional<z.ZodString>;
            city: z.ZodOptional<z.ZodString>;
            region: z.ZodOptional<z.ZodString>;
            country: z.ZodOptional<z.ZodString>;
            label: z.ZodOptional<z.ZodString>;
            primary: z.ZodOptional<z.ZodBoolean>;
            verified: z.ZodOptional<z.ZodBoolean>;
          },
          z.core.$strip
        >
      >
    >;
    websites: z.ZodOptional<
      z.ZodArray<
        z.ZodPipe<
          z.ZodUnion<
            readonly [
              z.ZodString,
              z.ZodObject<
                {
                  label: z.ZodOptional<z.ZodString>;
                  primary: z.ZodOptional<z.ZodBoolean>;
                  verified: z.ZodOptional<z.ZodBoolean>;
                  value: z.ZodString;
                },
                z.core.$strict
              >,
            ]
          >,
          z.ZodTransform<
            {
              value: string;
              label?: string | undefined;
              primary?: boolean | undefined;
              verified?: boolean | undefined;
            },
            | string
            | {
                value: string;
                label?: string | undefined;
                primary?: boolean | undefined;
                verified?: boolean | undefined;
              }
          >
        >
      >
    >;
    socials: z.ZodOptional<
      z.ZodArray<
        z.ZodPipe<
          z.ZodUnion<
            readonly [
              z.ZodString,
              z.ZodObject<
                {
                  label: z.ZodOptional<z.ZodString>;
                  primary: z.ZodOptional<z.ZodBoolean>;
                  verified: z.ZodOptional<z.ZodBoolean>;
                  value: z.ZodString;
                },
                z.core.$strict
              >,
            ]
          >,
          z.ZodTransform<
            {
              value: string;
              label?: string | undefined;
              primary?: boolean | undefined;
              verified?: boolean | undefined;
            },
            | string
            | {
                value: string;
                label?: string | undefined;
                primary?: boolean | undefined;
                verified?: boolean | undefined;
              }
          >
        >
      >
    >;
    name: z.ZodString;
    legalName: z.ZodOptional<z.ZodString>;
    domain: z.ZodOptional<z.ZodString>;
    industry: z.ZodOptional<z.ZodString>;
    employees: z.ZodOptional<z.ZodNumber>;
    registrationId: z.ZodOptional<z.ZodString>;
  },
  z.core.$strict
>;
/** Data of an `organization` source record. */
export type OrganizationData = z.output<typeof OrganizationDataSchema>;
/** Data of an `interaction` source record. */
export declare const InteractionDataSchema: z.ZodObject<
  {
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
          ref: z.ZodUnion<
            readonly [
              z.ZodObject<
                {
                  type: z.ZodDefault<
                    z.ZodEnum<{
                      person: 'person';
                      organization: 'organization';
                    }>
                  >;
                  source: z.ZodOptional<z.ZodString>;
                  externalId: z.ZodString;
                },
                z.core.$strict
              >,
              z.ZodObject<
                {
                  email: z.ZodPipe<z.ZodString, z.ZodEmail>;
                },
                z.core.$strict
              >,
              z.ZodObject<
                {
                  phone: z.ZodString;
                },
                z.core.$strict
              >,
            ]
          >;
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
        z.core.$strict
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
  z.core.$strict
>;
/** Data of an `interaction` source record. */
export type InteractionData = z.output<typeof InteractionDataSchema>;
/** Data of an `opportunity` source record. */
export declare const OpportunityDataSchema: z.ZodObject<
  {
    name: z.ZodString;
    customer: z.ZodUnion<
      readonly [
        z.ZodObject<
          {
            type: z.ZodDefault<
              z.ZodEnum<{
                person: 'person';
                organization: 'organization';
              }>
            >;
            source: z.ZodOptional<z.ZodString>;
            externalId: z.ZodString;
          },
          z.core.$strict
        >,
        z.ZodObject<
          {
            email: z.ZodPipe<z.ZodString, z.ZodEmail>;
          },
          z.core.$strict
        >,
        z.ZodObject<
          {
            phone: z.ZodString;
          },
          z.core.$strict
        >,
      ]
    >;
    pipeline: z.ZodOptional<z.ZodString>;
    stage: z.ZodString;
    status: z.ZodDefault<
      z.ZodEnum<{
        open: 'open';
        won: 'won';
        lost: 'lost';
      }>
    >;
    amount: z.ZodOptional<
      z.ZodObject<
        {
          amount: z.ZodPipe<z.ZodUnion<readonly [z.ZodNumber, z.ZodString]>, z.ZodTransform<string, string | number>>;
          currency: z.ZodString;
        },
        z.core.$strip
      >
    >;
    closeDate: z.ZodOptional<z.ZodISODate>;
    ownerId: z.ZodOptional<z.ZodString>;
    probability: z.ZodOptional<z.ZodNumber>;
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
  z.core.$strict
>;
/** Data of an `opportunity` source record. */
export type OpportunityData = z.output<typeof OpportunityDataSchema>;
/** Schema of each record type's `data`. */
export declare const RecordDataSchemas: {
  readonly person: z.ZodObject<
    {
      organization: z.ZodOptional<
        z.ZodObject<
          {
            ref: z.ZodOptional<
              z.ZodUnion<
                readonly [
                  z.ZodObject<
                    {
                      type: z.ZodDefault<
                        z.ZodEnum<{
                          person: 'person';
                          organization: 'organization';
                        }>
                      >;
                      source: z.ZodOptional<z.ZodString>;
                      externalId: z.ZodString;
                    },
                    z.core.$strict
                  >,
                  z.ZodObject<
                    {
                      email: z.ZodPipe<z.ZodString, z.ZodEmail>;
                    },
                    z.core.$strict
                  >,
                  z.ZodObject<
                    {
                      phone: z.ZodString;
                    },
                    z.core.$strict
                  >,
                ]
              >
            >;
            name: z.ZodOptional<z.ZodString>;
            role: z.ZodOptional<z.ZodString>;
          },
          z.core.$strict
        >
      >;
      ownerId: z.ZodOptional<z.ZodString>;
      lifecycleStage: z.ZodOptional<z.ZodString>;
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
      emails: z.ZodOptional<
        z.ZodArray<
          z.ZodPipe<
            z.ZodUnion<
              readonly [
                z.ZodPipe<z.ZodString, z.ZodEmail>,
                z.ZodObject<
                  {
                    label: z.ZodOptional<z.ZodString>;
                    primary: z.ZodOptional<z.ZodBoolean>;
                    verified: z.ZodOptional<z.ZodBoolean>;
                    value: z.ZodPipe<z.ZodString, z.ZodEmail>;
                  },
                  z.core.$strict
                >,
              ]
            >,
            z.ZodTransform<
              {
                value: string;
                label?: string | undefined;
                primary?: boolean | undefined;
                verified?: boolean | undefined;
              },
              | string
              | {
                  value: string;
                  label?: string | undefined;
                  primary?: boolean | undefined;
                  verified?: boolean | undefined;
                }
            >
          >
        >
      >;
      phones: z.ZodOptional<
        z.ZodArray<
          z.ZodPipe<
            z.ZodUnion<
              readonly [
                z.ZodString,
                z.ZodObject<
                  {
                    label: z.ZodOptional<z.ZodString>;
                    primary: z.ZodOptional<z.ZodBoolean>;
                    verified: z.ZodOptional<z.ZodBoolean>;
                    value: z.ZodString;
                  },
                  z.core.$strict
                >,
              ]
            >,
            z.ZodTransform<
              {
                value: string;
                label?: string | undefined;
                primary?: boolean | undefined;
                verified?: boolean | undefined;
              },
              | string
              | {
                  value: string;
                  label?: string | undefined;
                  primary?: boolean | undefined;
                  verified?: boolean | undefined;
                }
            >
          >
        >
      >;
      addresses: z.ZodOptional<
        z.ZodArray<
          z.ZodObject<
            {
              street: z.ZodOptional<z.ZodString>;
              houseNumber: z.ZodOptional<z.ZodString>;
              extra: z.ZodOptional<z.ZodString>;
              postalCode: z.ZodOptional<z.ZodString>;
              city: z.ZodOptional<z.ZodString>;
              region: z.ZodOptional<z.ZodString>;
              country: z.ZodOptional<z.ZodString>;
              label: z.ZodOptional<z.ZodString>;
              primary: z.ZodOptional<z.ZodBoolean>;
              verified: z.ZodOptional<z.ZodBoolean>;
            },
            z.core.$strip
          >
        >
      >;
      websites: z.ZodOptional<
        z.ZodArray<
          z.ZodPipe<
            z.ZodUnion<
              readonly [
                z.ZodString,
                z.ZodObject<
                  {
                    label: z.ZodOptional<z.ZodString>;
                    primary: z.ZodOptional<z.ZodBoolean>;
                    verified: z.ZodOptional<z.ZodBoolean>;
                    value: z.ZodString;
                  },
                  z.core.$strict
                >,
              ]
            >,
            z.ZodTransform<
              {
                value: string;
                label?: string | undefined;
                primary?: boolean | undefined;
                verified?: boolean | undefined;
              },
              | string
              | {
                  value: string;
                  label?: string | undefined;
                  primary?: boolean | undefined;
                  verified?: boolean | undefined;
                }
            >
          >
        >
      >;
      socials: z.ZodOptional<
        z.ZodArray<
          z.ZodPipe<
            z.ZodUnion<
              readonly [
                z.ZodString,
                z.ZodObject<
                  {
                    label: z.ZodOptional<z.ZodString>;
                    primary: z.ZodOptional<z.ZodBoolean>;
                    verified: z.ZodOptional<z.ZodBoolean>;
                    value: z.ZodString;
                  },
                  z.core.$strict
                >,
              ]
            >,
            z.ZodTransform<
              {
                value: string;
                label?: string | undefined;
                primary?: boolean | undefined;
                verified?: boolean | undefined;
              },
              | string
              | {
                  value: string;
                  label?: string | undefined;
                  primary?: boolean | undefined;
                  verified?: boolean | undefined;
                }
            >
          >
        >
      >;
      givenName: z.ZodOptional<z.ZodString>;
      familyName: z.ZodOptional<z.ZodString>;
      fullName: z.ZodOptional<z.ZodString>;
      salutation: z.ZodOptional<z.ZodString>;
      jobTitle: z.ZodOptional<z.ZodString>;
      birthDate: z.ZodOptional<z.ZodISODate>;
      language: z.ZodOptional<z.ZodString>;
    },
    z.core.$strict
  >;
  readonly organization: z.ZodObject<
    {
      ownerId: z.ZodOptional<z.ZodString>;
      lifecycleStage: z.ZodOptional<z.ZodString>;
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
      emails: z.ZodOptional<
        z.ZodArray<
          z.ZodPipe<
            z.ZodUnion<
              readonly [
                z.ZodPipe<z.ZodString, z.ZodEmail>,
                z.ZodObject<
                  {
                    label: z.ZodOptional<z.ZodString>;
                    primary: z.ZodOptional<z.ZodBoolean>;
                    verified: z.ZodOptional<z.ZodBoolean>;
                    value: z.ZodPipe<z.ZodString, z.ZodEmail>;
                  },
                  z.core.$strict
                >,
              ]
            >,
            z.ZodTransform<
              {
                value: string;
                label?: string | undefined;
                primary?: boolean | undefined;
                verified?: boolean | undefined;
              },
              | string
              | {
                  value: string;
                  label?: string | undefined;
                  primary?: boolean | undefined;
                  verified?: boolean | undefined;
                }
            >
          >
        >
      >;
      phones: z.ZodOptional<
        z.ZodArray<
          z.ZodPipe<
            z.ZodUnion<
              readonly [
                z.ZodString,
                z.ZodObject<
                  {
                    label: z.ZodOptional<z.ZodString>;
                    primary: z.ZodOptional<z.ZodBoolean>;
                    verified: z.ZodOptional<z.ZodBoolean>;
                    value: z.ZodString;
                  },
                  z.core.$strict
                >,
              ]
            >,
            z.ZodTransform<
              {
                value: string;
                label?: string | undefined;
                primary?: boolean | undefined;
                verified?: boolean | undefined;
              },
              | string
              | {
                  value: string;
                  label?: string | undefined;
                  primary?: boolean | undefined;
                  verified?: boolean | undefined;
                }
            >
          >
        >
      >;
      addresses: z.ZodOptional<
        z.ZodArray<
          z.ZodObject<
            {
              street: z.ZodOptional<z.ZodString>;
              houseNumber: z.ZodOptional<z.ZodString>;
              extra: z.ZodOptional<z.ZodString>;
              postalCode: z.ZodOptional<z.ZodString>;
              city: z.ZodOptional<z.ZodString>;
              region: z.ZodOptional<z.ZodString>;
              country: z.ZodOptional<z.ZodString>;
              label: z.ZodOptional<z.ZodString>;
              primary: z.ZodOptional<z.ZodBoolean>;
              verified: z.ZodOptional<z.ZodBoolean>;
            },
            z.core.$strip
          >
        >
      >;
      websites: z.ZodOptional<
        z.ZodArray<
          z.ZodPipe<
            z.ZodUnion<
              readonly [
                z.ZodString,
                z.ZodObject<
                  {
                    label: z.ZodOptional<z.ZodString>;
                    primary: z.ZodOptional<z.ZodBoolean>;
                    verified: z.ZodOptional<z.ZodBoolean>;
                    value: z.ZodString;
                  },
                  z.core.$strict
                >,
              ]
            >,
            z.ZodTransform<
              {
                value: string;
                label?: string | undefined;
                primary?: boolean | undefined;
                verified?: boolean | undefined;
              },
              | string
              | {
                  value: string;
                  label?: string | undefined;
                  primary?: boolean | undefined;
                  verified?: boolean | undefined;
                }
            >
          >
        >
      >;
      socials: z.ZodOptional<
        z.ZodArray<
          z.ZodPipe<
            z.ZodUnion<
              readonly [
                z.ZodString,
                z.ZodObject<
                  {
                    label: z.ZodOptional<z.ZodString>;
                    primary: z.ZodOptional<z.ZodBoolean>;
                    verified: z.ZodOptional<z.ZodBoolean>;
                    value: z.ZodString;
                  },
                  z.core.$strict
                >,
              ]
            >,
            z.ZodTransform<
              {
                value: string;
                label?: string | undefined;
                primary?: boolean | undefined;
                verified?: boolean | undefined;
              },
              | string
              | {
                  value: string;
                  label?: string | undefined;
                  primary?: boolean | undefined;
                  verified?: boolean | undefined;
                }
            >
          >
        >
      >;
      name: z.ZodString;
      legalName: z.ZodOptional<z.ZodString>;
      domain: z.ZodOptional<z.ZodString>;
      industry: z.ZodOptional<z.ZodString>;
      employees: z.ZodOptional<z.ZodNumber>;
      registrationId: z.ZodOptional<z.ZodString>;
    },
    z.core.$strict
  >;
  readonly interaction: z.ZodObject<
    {
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
            ref: z.ZodUnion<
              readonly [
                z.ZodObject<
                  {
                    type: z.ZodDefault<
                      z.ZodEnum<{
                        person: 'person';
                        organization: 'organization';
                      }>
                    >;
                    source: z.ZodOptional<z.ZodString>;
                    externalId: z.ZodString;
                  },
                  z.core.$strict
                >,
                z.ZodObject<
                  {
                    email: z.ZodPipe<z.ZodString, z.ZodEmail>;
                  },
                  z.core.$strict
                >,
                z.ZodObject<
                  {
                    phone: z.ZodString;
                  },
                  z.core.$strict
                >,
              ]
            >;
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
          z.core.$strict
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
    z.core.$strict
  >;
  readonly opportunity: z.ZodObject<
    {
      name: z.ZodString;
      customer: z.ZodUnion<
        readonly [
          z.ZodObject<
            {
              type: z.ZodDefault<
                z.ZodEnum<{
                  person: 'person';
                  organization: 'organization';
                }>
              >;
              source: z.ZodOptional<z.ZodString>;
              externalId: z.ZodString;
            },
            z.core.$strict
          >,
          z.ZodObject<
            {
              email: z.ZodPipe<z.ZodString, z.ZodEmail>;
            },
            z.core.$strict
          >,
          z.ZodObject<
            {
              phone: z.ZodString;
            },
            z.core.$strict
          >,
        ]
      >;
      pipeline: z.ZodOptional<z.ZodString>;
      stage: z.ZodString;
      status: z.ZodDefault<
        z.ZodEnum<{
          open: 'open';
          won: 'won';
          lost: 'lost';
        }>
      >;
      amount: z.ZodOptional<
        z.ZodObject<
          {
            amount: z.ZodPipe<z.ZodUnion<readonly [z.ZodNumber, z.ZodString]>, z.ZodTransform<string, string | number>>;
            currency: z.ZodString;
          },
          z.core.$strip
        >
      >;
      closeDate: z.ZodOptional<z.ZodISODate>;
      ownerId: z.ZodOptional<z.ZodString>;
      probability: z.ZodOptional<z.ZodNumber>;
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
    z.core.$strict
  >;
};
/** The envelope every source record shares. */
export declare const SourceRecordEnvelopeSchema: z.ZodObject<
  {
    type: z.ZodEnum<{
      interaction: 'interaction';
      person: 'person';
      organization: 'organization';
      opportunity: 'opportunity';
    }>;
    source: z.ZodString;
    externalId: z.ZodString;
    observedAt: z.ZodISODateTime;
    deleted: z.ZodOptional<z.ZodBoolean>;
    data: z.ZodOptional<z.ZodUnknown>;
  },
  z.core.$strict
>;
/** The envelope fields of a validated source record of type `T`. */
export interface SourceRecordEnvelope<T extends RecordType> {
  type: T;
  source: string;
  externalId: string;
  observedAt: string;
}
/** A validated, live source record. */
export type LiveSourceRecord =
  | (SourceRecordEnvelope<'person'> & {
      deleted: false;
      data: PersonData;
    })
  | (SourceRecordEnvelope<'organization'> & {
      deleted: false;
      data: OrganizationData;
    })
  | (SourceRecordEnvelope<'interaction'> & {
      deleted: false;
      data: InteractionData;
    })
  | (SourceRecordEnvelope<'opportunity'> & {
      deleted: false;
      data: OpportunityData;
    });
/** A validated tombstone: the source deleted the record. */
export type SourceTombstone = SourceRecordEnvelope<RecordType> & {
  deleted: true;
  data?: undefined;
};
/** A validated source record (the output of {@link parseSourceRecord}). */
export type SourceRecord = LiveSourceRecord | SourceTombstone;
/** A source record as supplied to `ingest()`: `data` is checked against the schema of its `type`. */
export type SourceRecordInput =
  | {
      type: 'person';
      source: string;
      externalId: string;
      observedAt: string;
      deleted?: false;
      data: z.input<typeof PersonDataSchema>;
    }
  | {
      type: 'organization';
      source: string;
      externalId: string;
      observedAt: string;
      deleted?: false;
      data: z.input<typeof OrganizationDataSchema>;
    }
  | {
      type: 'interaction';
      source: string;
      externalId: string;
      observedAt: string;
      deleted?: false;
      data: z.input<typeof InteractionDataSchema>;
    }
  | {
      type: 'opportunity';
      source: string;
      externalId: string;
      observedAt: string;
      deleted?: false;
      data: z.input<typeof OpportunityDataSchema>;
    }
  | {
      type: RecordType;
      source: string;
      externalId: string;
      observedAt: string;
      deleted: true;
      data?: unknown;
    };
/** Options of {@link parseSourceRecord}. */
export interface ParseSourceRecordOptions {
  /** Index of the record in its batch; prefixed to issue paths. */
  index?: number;
  /** Root name used in `pathString`, e.g. `records`. @default 'record' */
  root?: string;
  /**
   * Size limits, text policy and time bounds (see {@link InputLimits}); resolve them once with
   * {@link resolveInputLimits} when parsing many records. @default DEFAULT_INPUT_LIMITS
   */
  limits?: Partial<InputLimits>;
  /** The time `observedAt` may not be far after (see `maxFutureSkewMs`). @default new Date() */
  now?: Date;
  /**
   * Called with the paths where text was cleaned (NUL stripped, unpaired surrogates replaced), when the text policy
   * is `clean` and there was something to clean.
   */
  onCleaned?: (issues: ValidationIssue[]) => void;
}
/**
 * Validates one source record. Throws a {@link ValidationError} naming the record (index, source, external id) and
 * every offending path; returns the typed record otherwise.
 *
 * @example
 * ```ts
 * const record = parseSourceRecord({ type: 'person', source: 'hubspot', externalId: '51',
 *   observedAt: '2026-01-01T00:00:00Z', data: { givenName: 'Ada', emails: ['ada@example.com'] } });
 * ```
 */
export declare function parseSourceRecord(input: unknown, options?: ParseSourceRecordOptions): SourceRecord;
//# sourceMappingURL=source-record.d.ts.map
