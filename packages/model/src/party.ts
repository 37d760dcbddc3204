import { z } from 'zod';
import { AttributesSchema, DateSchema, EntityBaseSchema, IdSchema, TimestampSchema } from './common';

/** Kinds of contact point. */
export const ContactPointKindSchema = z.enum(['email', 'phone', 'postal', 'social', 'web']);
/** Kind of contact point: `email`, `phone`, `postal`, `social` or `web`. */
export type ContactPointKind = z.infer<typeof ContactPointKindSchema>;

/** A postal address. All parts optional; `country` is ISO 3166-1 alpha-2 when given. */
export const PostalAddressSchema = z.object({
  street: z.string().max(512).optional(),
  houseNumber: z.string().max(32).optional(),
  extra: z.string().max(512).optional(),
  postalCode: z.string().max(32).optional(),
  city: z.string().max(256).optional(),
  region: z.string().max(256).optional(),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'Expected an ISO 3166-1 alpha-2 country code such as "NL"')
    .optional(),
});
/** A postal address. */
export type PostalAddress = z.infer<typeof PostalAddressSchema>;

/** A way to reach a party: an email address, phone number, postal address, social handle or web address. */
export const ContactPointSchema = EntityBaseSchema.extend({
  /** The party (person or organisation) this contact point belongs to. */
  partyId: IdSchema,
  kind: ContactPointKindSchema,
  /** The value as supplied (email address, phone number, URL, handle, or a formatted address). */
  value: z.string().min(1).max(1024),
  /** Normalised form used for matching (lower-cased email, E.164-like phone, ...). */
  normalized: z.string().max(1024).optional(),
  /** Structured address, for `postal` contact points. */
  address: PostalAddressSchema.optional(),
  /** Free label: `work`, `home`, `mobile`, `billing` ... */
  label: z.string().max(64).optional(),
  /** The primary contact point of its kind for the party. */
  primary: z.boolean().default(false),
  /** Whether the value was verified (double opt-in, call-back, returned mail ...). */
  verified: z.boolean().default(false),
  verifiedAt: TimestampSchema.optional(),
});
/** A way to reach a party. */
export type ContactPoint = z.infer<typeof ContactPointSchema>;

/** A natural person. */
export const PersonSchema = EntityBaseSchema.extend({
  kind: z.literal('person'),
  givenName: z.string().max(256).optional(),
  familyName: z.string().max(256).optional(),
  /** The full display name; derived from given and family name when absent. */
  fullName: z.string().max(512).optional(),
  salutation: z.string().max(64).optional(),
  jobTitle: z.string().max(256).optional(),
  birthDate: DateSchema.optional().describe('From year 1000, not in the future.'),
  /** BCP 47 language tag, e.g. `nl-NL`. */
  language: z.string().max(35).optional().describe('Preferred language, a BCP 47 tag such as `nl-NL`.'),
  attributes: AttributesSchema.optional(),
});
/** A natural person. */
export type Person = z.infer<typeof PersonSchema>;

/** An organisation: a company, a public body, a household account. */
export const OrganizationSchema = EntityBaseSchema.extend({
  kind: z.literal('organization'),
  name: z.string().min(1).max(512),
  legalName: z.string().max(512).optional(),
  /** Primary internet domain, e.g. `acme.example`. */
  domain: z.string().max(253).optional().describe('Web domain, e.g. `acme.example`.'),
  industry: z.string().max(256).optional(),
  employees: z.number().int().nonnegative().optional(),
  /** VAT or company registration number. */
  registrationId: z.string().max(64).optional().describe('Chamber of commerce or VAT number.'),
  /** Parent organisation, for hierarchies. */
  parentId: IdSchema.optional(),
  attributes: AttributesSchema.optional(),
});
/** An organisation. */
export type Organization = z.infer<typeof OrganizationSchema>;

/** A person's relation to an organisation (employment, contact role). */
export const PartyRelationSchema = EntityBaseSchema.extend({
  personId: IdSchema,
  organizationId: IdSchema,
  /** The person's role at the organisation: `decision maker`, `purchaser`, `employee` ... */
  role: z.string().max(128).optional(),
  /** The person's primary organisation. */
  primary: z.boolean().default(false),
  validFrom: DateSchema.optional(),
  validTo: DateSchema.optional(),
});
/** A person's relation to an organisation. */
export type PartyRelation = z.infer<typeof PartyRelationSchema>;
