import { z } from 'zod';
/** A stable identifier: 1-128 characters. */
export declare const IdSchema: z.ZodString;
/** An ISO 8601 timestamp with a time zone (`2026-03-01T09:30:00Z` or `...+01:00`). */
export declare const TimestampSchema: z.ZodISODateTime;
/** A calendar date, `YYYY-MM-DD`. */
export declare const DateSchema: z.ZodISODate;
/** Any JSON value. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | {
      [key: string]: JsonValue;
    };
/** Schema of {@link JsonValue}. */
export declare const JsonValueSchema: z.ZodType<JsonValue>;
/**
 * Where a fact came from: the system that supplied it, the record's id in that system, and when it was observed
 * there. Every entity keeps a list of them.
 */
export declare const SourceRefSchema: z.ZodObject<
  {
    system: z.ZodString;
    externalId: z.ZodString;
    observedAt: z.ZodISODateTime;
  },
  z.core.$strip
>;
/** A reference to a record in a source system. */
export type SourceRef = z.infer<typeof SourceRefSchema>;
/** Fields every stored entity has. */
export declare const EntityBaseSchema: z.ZodObject<
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
  },
  z.core.$strip
>;
/** Fields every stored entity has: id, timestamps and source references. */
export type EntityBase = z.infer<typeof EntityBaseSchema>;
/** ISO 4217 currency code, e.g. `EUR`. */
export declare const CurrencySchema: z.ZodString;
/**
 * An amount of money. `amount` is a decimal string in major units (`"1250.50"`) so no precision is lost; numbers are
 * accepted on input and turned into strings.
 */
export declare const MoneySchema: z.ZodObject<
  {
    amount: z.ZodPipe<z.ZodUnion<readonly [z.ZodNumber, z.ZodString]>, z.ZodTransform<string, string | number>>;
    currency: z.ZodString;
  },
  z.core.$strip
>;
/** An amount of money with its currency. */
export type Money = z.output<typeof MoneySchema>;
/** Free-form extension attributes (namespaced per plugin by the host), JSON only. */
export declare const AttributesSchema: z.ZodRecord<
  z.ZodString,
  z.ZodType<JsonValue, unknown, z.core.$ZodTypeInternals<JsonValue, unknown>>
>;
//# sourceMappingURL=common.d.ts.map
