import { z } from 'zod';
/** Kinds of contact point. */
export declare const ContactPointKindSchema: z.ZodEnum<{
  email: 'email';
  phone: 'phone';
  web: 'web';
  social: 'social';
  postal: 'postal';
}>;
/** Kind of contact point: `email`, `phone`, `postal`, `social` or `web`. */
export type ContactPointKind = z.infer<typeof ContactPointKindSchema>;
/** A postal address. All parts optional; `country` is ISO 3166-1 alpha-2 when given. */
export declare const PostalAddressSchema: z.ZodObject<
  {
    street: z.ZodOptional<z.ZodString>;
    houseNumber: z.ZodOptional<z.ZodString>;
    extra: z.ZodOptional<z.ZodString>;
    postalCode: z.ZodOptional<z.ZodString>;
    city: z.ZodOptional<z.ZodString>;
    region: z.ZodOptional<z.ZodString>;
    country: z.ZodOptional<z.ZodString>;
  },
  z.core.$strip
>;
/** A postal address. */
export type PostalAddress = z.infer<typeof PostalAddressSchema>;
/** A way to reach a party: an email address, phone number, postal address, social handle or web address. */
export declare const ContactPointSchema: z.ZodObject<
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
    partyId: z.ZodString;
    kind: z.ZodEnum<{
      email: 'email';
      phone: 'phone';
      web: 'web';
      social: 'social';
      postal: 'postal';
    }>;
    value: z.ZodString;
    normalized: z.ZodOptional<z.ZodString>;
    address: z.ZodOptional<
      z.ZodObject<
        {
          street: z.ZodOptional<z.ZodString>;
          houseNumber: z.ZodOptional<z.ZodString>;
          extra: z.ZodOptional<z.ZodString>;
          postalCode: z.ZodOptional<z.ZodString>;
          city: z.ZodOptional<z.ZodString>;
          region: z.ZodOptional<z.ZodString>;
          country: z.ZodOptional<z.ZodString>;
        },
        z.core.$strip
      >
    >;
    label: z.ZodOptional<z.ZodString>;
    primary: z.ZodDefault<z.ZodBoolean>;
    verified: z.ZodDefault<z.ZodBoolean>;
    verifiedAt: z.ZodOptional<z.ZodISODateTime>;
  },
  z.core.$strip
>;
/** A way to reach a party. */
export type ContactPoint = z.infer<typeof ContactPointSchema>;
/** A natural person. */
export declare const PersonSchema: z.ZodObject<
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
    kind: z.ZodLiteral<'person'>;
    givenName: z.ZodOptional<z.ZodString>;
    familyName: z.ZodOptional<z.ZodString>;
    fullName: z.ZodOptional<z.ZodString>;
    salutation: z.ZodOptional<z.ZodString>;
    jobTitle: z.ZodOptional<z.ZodString>;
    birthDate: z.ZodOptional<z.ZodISODate>;
    language: z.ZodOptional<z.ZodString>;
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
/** A natural person. */
export type Person = z.infer<typeof PersonSchema>;
/** An organisation: a company, a public body, a household account. */
export declare const OrganizationSchema: z.ZodObject<
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
    kind: z.ZodLiteral<'organization'>;
    name: z.ZodString;
    legalName: z.ZodOptional<z.ZodString>;
    domain: z.ZodOptional<z.ZodString>;
    industry: z.ZodOptional<z.ZodString>;
    employees: z.ZodOptional<z.ZodNumber>;
    registrationId: z.ZodOptional<z.ZodString>;
    parentId: z.ZodOptional<z.ZodString>;
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
/** An organisation. */
export type Organization = z.infer<typeof OrganizationSchema>;
/** A person's relation to an organisation (employment, contact role). */
export declare const PartyRelationSchema: z.ZodObject<
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
    personId: z.ZodString;
    organizationId: z.ZodString;
    role: z.ZodOptional<z.ZodString>;
    primary: z.ZodDefault<z.ZodBoolean>;
    validFrom: z.ZodOptional<z.ZodISODate>;
    validTo: z.ZodOptional<z.ZodISODate>;
  },
  z.core.$strip
>;
/** A person's relation to an organisation. */
export type PartyRelation = z.infer<typeof PartyRelationSchema>;
//# sourceMappingURL=party.d.ts.map
