import { z } from 'zod';

/** A stable identifier: 1-128 characters. */
export const IdSchema = z.string().min(1).max(128);

/** An ISO 8601 timestamp with a time zone (`2026-03-01T09:30:00Z` or `...+01:00`). */
export const TimestampSchema = z.iso.datetime({ offset: true });

/** A calendar date, `YYYY-MM-DD`. */
export const DateSchema = z.iso.date();

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Schema of {@link JsonValue}. */
export const JsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(JsonValueSchema),
    z.record(z.string(), JsonValueSchema),
  ]),
);

/**
 * Where a fact came from: the system that supplied it, the record's id in that system, and when it was observed
 * there. Every entity keeps a list of them.
 */
export const SourceRefSchema = z.object({
  /** Name of the source system, e.g. `hubspot-sales` or `dynamics-service`. */
  system: z.string().min(1).max(128),
  /** The record's id in that system. */
  externalId: z.string().min(1).max(256),
  /** When the fact was observed in (or last modified at) the source. */
  observedAt: TimestampSchema,
});
/** A reference to a record in a source system. */
export type SourceRef = z.infer<typeof SourceRefSchema>;

/** Fields every stored entity has. */
export const EntityBaseSchema = z.object({
  id: IdSchema,
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
  sources: z.array(SourceRefSchema),
});
/** Fields every stored entity has: id, timestamps and source references. */
export type EntityBase = z.infer<typeof EntityBaseSchema>;

/** ISO 4217 currency code, e.g. `EUR`. */
export const CurrencySchema = z.string().regex(/^[A-Z]{3}$/, 'Expected an ISO 4217 currency code such as "EUR"');

/**
 * An amount of money. `amount` is a decimal string in major units (`"1250.50"`) so no precision is lost; numbers are
 * accepted on input and turned into strings.
 */
export const MoneySchema = z.object({
  amount: z
    .union([z.number().finite(), z.string().regex(/^-?\d+(\.\d+)?$/, 'Expected a decimal number such as "1250.50"')])
    .transform((value) =>
      typeof value === 'string'
        ? value
        : // Plain decimal notation, never exponent notation (1e21, 1e-7), in every runtime.
          value.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 }),
    ),
  currency: CurrencySchema,
});
/** An amount of money with its currency. */
export type Money = z.output<typeof MoneySchema>;

/** Free-form extension attributes (namespaced per plugin by the host), JSON only. */
export const AttributesSchema = z.record(z.string().min(1), JsonValueSchema);
