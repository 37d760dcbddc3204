import { z } from 'zod';
import {
  InteractionChannelSchema,
  InteractionDirectionSchema,
  InteractionSchema,
  ParticipantRoleSchema,
} from './activity';
import { AttributesSchema, IdSchema, TimestampSchema } from './common';
import { truncateText, type ValidationError, type ValidationIssue } from './errors';
import { issuesFromZod, validationErrorOf } from './validation-errors';
import { checkInputLimits, checkRecordTimes, type InputLimits, resolveInputLimits } from './limits';
import { OrganizationSchema, PersonSchema, PostalAddressSchema } from './party';
import { OpportunitySchema } from './commerce';

/**
 * Source records are what enters the Hub: facts about a person, an organisation, an interaction or an opportunity,
 * as one source system holds them. The Hub stores them, links them to customers and derives golden records.
 *
 * @module
 */

/** Types of source record. */
export const RecordTypeSchema = z.enum(['person', 'organization', 'interaction', 'opportunity']);
/** Type of a source record. */
export type RecordType = z.infer<typeof RecordTypeSchema>;
/** Record types that describe a party (and so become customers). */
export type PartyRecordType = 'person' | 'organization';

/** Name of a source system: letters, digits and `._:-`, starting with a letter or digit. */
export const SourceNameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'Expected a source name of letters, digits and "._:-"');

/**
 * A reference from one source record to a party: by external id (in the same source unless `source` says otherwise),
 * by email address, or by phone number.
 */
export const RecordRefSchema = z.union([
  z.strictObject({
    type: z.enum(['person', 'organization']).default('person'),
    source: SourceNameSchema.optional(),
    externalId: z.string().min(1).max(256),
  }),
  z.strictObject({ email: z.string().trim().pipe(z.email()) }),
  z.strictObject({ phone: z.string().regex(/\d{3,}/, 'Expected a phone number with at least 3 digits') }),
]);
/** A reference to a party. */
export type RecordRef = z.output<typeof RecordRefSchema>;
/** A reference to a party, as supplied. */
export type RecordRefInput = z.input<typeof RecordRefSchema>;

const contactDetails = {
  label: z.string().max(64).optional(),
  primary: z.boolean().optional(),
  verified: z.boolean().optional(),
};

/** An email address, surrounding white space ignored (CRM exports are full of it). */
const TrimmedEmailSchema = z.string().trim().pipe(z.email());

/** An email address: a string, or an object with label and flags. */
export const EmailInputSchema = z
  .union([TrimmedEmailSchema, z.strictObject({ value: TrimmedEmailSchema, ...contactDetails })])
  .transform((v) => (typeof v === 'string' ? { value: v } : v));
/** A phone number: a string, or an object with label and flags. */
export const PhoneInputSchema = z
  .union([
    z
      .string()
      .regex(/\d{3,}/, 'Expected a phone number with at least 3 digits')
      .max(64),
    z.strictObject({
      value: z
        .string()
        .regex(/\d{3,}/, 'Expected a phone number with at least 3 digits')
        .max(64),
      ...contactDetails,
    }),
  ])
  .transform((v) => (typeof v === 'string' ? { value: v } : v));
/** A postal address with label and flags. */
export const AddressInputSchema = PostalAddressSchema.extend(contactDetails);
/** A web or social address: a string, or an object with label and flags. */
export const UrlInputSchema = z
  .union([z.string().min(1).max(1024), z.strictObject({ value: z.string().min(1).max(1024), ...contactDetails })])
  .transform((v) => (typeof v === 'string' ? { value: v } : v));

const partyContact = {
  emails: z
    .array(EmailInputSchema)
    .optional()
    .describe(
      'Email addresses: each a string or `{ value, label, primary, verified }`; white space around is ignored.',
    ),
  phones: z
    .array(PhoneInputSchema)
    .optional()
    .describe('Phone numbers (at least 3 digits), as supplied; normalised for matching with the default calling code.'),
  addresses: z.array(AddressInputSchema).optional().describe('Postal addresses; `country` is ISO 3166-1 alpha-2.'),
  websites: z.array(UrlInputSchema).optional().describe('Web addresses.'),
  socials: z.array(UrlInputSchema).optional().describe('Social media handles or profile URLs.'),
};

/** Data of a `person` source record. */
export const PersonDataSchema = z.strictObject({
  // The person's own fields, as the entity schema defines them (one definition).
  ...PersonSchema.pick({
    givenName: true,
    familyName: true,
    fullName: true,
    salutation: true,
    jobTitle: true,
    birthDate: true,
    language: true,
  }).shape,
  ...partyContact,
  /** The person's organisation: a reference to an organisation record, a name, or both. */
  organization: z
    .strictObject({
      ref: RecordRefSchema.optional().describe(
        'The organisation record: by external id (same source unless `source` says otherwise), email or phone.',
      ),
      name: z.string().max(512).optional(),
      role: z.string().max(128).optional(),
    })
    .optional()
    .describe("The person's organisation: a reference to an organisation record, a name, or both."),
  ownerId: IdSchema.optional().describe('The user who owns the record in the source.'),
  lifecycleStage: z.string().max(64).optional().describe('The stage in the sales lifecycle, e.g. `lead`, `customer`.'),
  attributes: AttributesSchema.optional().describe('Free-form JSON attributes (plugins keep their fields here).'),
});
/** Data of a `person` source record. */
export type PersonData = z.output<typeof PersonDataSchema>;

/** Data of an `organization` source record. */
export const OrganizationDataSchema = z.strictObject({
  ...OrganizationSchema.pick({
    name: true,
    legalName: true,
    domain: true,
    industry: true,
    employees: true,
    registrationId: true,
  }).shape,
  ...partyContact,
  ownerId: IdSchema.optional().describe('The user who owns the record in the source.'),
  lifecycleStage: z.string().max(64).optional().describe('The stage in the sales lifecycle, e.g. `lead`, `customer`.'),
  attributes: AttributesSchema.optional().describe('Free-form JSON attributes (plugins keep their fields here).'),
});
/** Data of an `organization` source record. */
export type OrganizationData = z.output<typeof OrganizationDataSchema>;

/** Data of an `interaction` source record. */
export const InteractionDataSchema = z.strictObject({
  channel: InteractionChannelSchema,
  direction: InteractionDirectionSchema,
  participants: z
    .array(z.strictObject({ ref: RecordRefSchema, role: ParticipantRoleSchema }))
    .min(1)
    .describe('The parties involved, each by reference (external id, email or phone) with a role.'),
  ...InteractionSchema.pick({
    subject: true,
    bodyRef: true,
    occurredAt: true,
    departmentId: true,
    activity: true,
    attributes: true,
  }).shape,
});
/** Data of an `interaction` source record. */
export type InteractionData = z.output<typeof InteractionDataSchema>;

/** Data of an `opportunity` source record. */
export const OpportunityDataSchema = z.strictObject({
  name: z.string().min(1).max(512),
  customer: RecordRefSchema.describe('The customer: a person or organisation record, by external id, email or phone.'),
  pipeline: z.string().max(128).optional(),
  ...OpportunitySchema.pick({
    stage: true,
    status: true,
    amount: true,
    closeDate: true,
    ownerId: true,
    probability: true,
    attributes: true,
  }).shape,
});
/** Data of an `opportunity` source record. */
export type OpportunityData = z.output<typeof OpportunityDataSchema>;

/** Schema of each record type's `data`. */
export const RecordDataSchemas = {
  person: PersonDataSchema,
  organization: OrganizationDataSchema,
  interaction: InteractionDataSchema,
  opportunity: OpportunityDataSchema,
} as const;

/** The envelope every source record shares. */
export const SourceRecordEnvelopeSchema = z.strictObject({
  type: RecordTypeSchema.describe('The record type; decides the schema of `data`.'),
  /** Name of the source system, e.g. `hubspot-sales`. */
  source: SourceNameSchema.describe('Name of the source system, e.g. `hubspot-sales`.'),
  /** The record's id in the source system; with `source` and `type` it identifies the record. */
  externalId: z
    .string()
    .min(1)
    .max(256)
    .describe("The record's id in the source system; with `source` and `type` it identifies the record."),
  /** When the source last changed the record. The newest observation of a record wins. */
  observedAt: TimestampSchema.describe(
    'When the source last changed the record; the newest observation wins. From 1900, at most 24 h ahead.',
  ),
  /** A tombstone: the source deleted the record. `data` is ignored. */
  deleted: z.boolean().optional().describe('A tombstone: the source deleted the record; `data` is ignored.'),
  data: z.unknown().optional().describe('The fields of the record, by `type` (the tables below).'),
});

/** The envelope fields of a validated source record of type `T`. */
export interface SourceRecordEnvelope<T extends RecordType> {
  type: T;
  source: string;
  externalId: string;
  observedAt: string;
}

/** A validated, live source record. */
export type LiveSourceRecord =
  | (SourceRecordEnvelope<'person'> & { deleted: false; data: PersonData })
  | (SourceRecordEnvelope<'organization'> & { deleted: false; data: OrganizationData })
  | (SourceRecordEnvelope<'interaction'> & { deleted: false; data: InteractionData })
  | (SourceRecordEnvelope<'opportunity'> & { deleted: false; data: OpportunityData });

/** A validated tombstone: the source deleted the record. */
export type SourceTombstone = SourceRecordEnvelope<RecordType> & { deleted: true; data?: undefined };

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
  | { type: RecordType; source: string; externalId: string; observedAt: string; deleted: true; data?: unknown };

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

const resolvedLimits = new WeakMap<object, InputLimits>();
function limitsOf(limits: Partial<InputLimits> | undefined): InputLimits {
  if (!limits) return defaultLimits;
  let resolved = resolvedLimits.get(limits);
  if (!resolved) {
    resolved = resolveInputLimits(limits);
    resolvedLimits.set(limits, resolved);
  }
  return resolved;
}
const defaultLimits = resolveInputLimits();

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
export function parseSourceRecord(input: unknown, options: ParseSourceRecordOptions = {}): SourceRecord {
  const prefix = options.index === undefined ? [] : [options.index];
  const root = options.index === undefined ? (options.root ?? 'record') : (options.root ?? 'records');
  const limits = limitsOf(options.limits);
  const raw = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const where = {
    ...(options.index === undefined ? {} : { index: options.index }),
    ...(typeof raw.source === 'string' ? { source: raw.source } : {}),
    ...(typeof raw.externalId === 'string' ? { externalId: raw.externalId } : {}),
  };
  const describe = (): string =>
    `${options.index === undefined ? 'Record' : `Record ${options.index}`}${
      where.source && where.externalId
        ? ` (${truncateText(where.source, 60)}/${truncateText(where.externalId, 60)})`
        : ''
    }`;
  const refuse = (issues: ValidationIssue[], cause?: unknown): ValidationError =>
    validationErrorOf(issues, { message: `[crmkit] ${describe()} is invalid`, ...where, cause });
  // Size, depth, key count and text first, in one pass: the schema never sees a record it could choke on.
  const checked = checkInputLimits(input, limits, prefix, root);
  if (checked.issues.length > 0) throw refuse(checked.issues);
  if (checked.cleaned.length > 0) {
    input = checked.value;
    options.onCleaned?.(checked.cleaned);
  }
  const envelope = SourceRecordEnvelopeSchema.safeParse(input);
  if (!envelope.success) throw refuse(issuesFromZod(envelope.error, { basePath: prefix, root }), envelope.error);
  const { type, source, externalId, observedAt, deleted } = envelope.data;
  if (checked.cleaned.length > 0) {
    where.source = source;
    where.externalId = externalId;
  }
  const now = options.now ?? new Date();
  if (deleted === true) {
    const times = checkRecordTimes(envelope.data, limits, now, prefix, root);
    if (times.length > 0) throw refuse(times);
    return { type, source, externalId, observedAt, deleted: true };
  }
  const data = RecordDataSchemas[type].safeParse(envelope.data.data);
  if (!data.success) throw refuse(issuesFromZod(data.error, { basePath: [...prefix, 'data'], root }), data.error);
  const record = { type, source, externalId, observedAt, deleted: false, data: data.data } as SourceRecord;
  const times = checkRecordTimes(record, limits, now, prefix, root);
  if (times.length > 0) throw refuse(times);
  return record;
}
