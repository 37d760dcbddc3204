import { z } from 'zod';
import { AttributesSchema, DateSchema, EntityBaseSchema, IdSchema, MoneySchema } from './common';

/** A sales opportunity (deal). */
export const OpportunitySchema = EntityBaseSchema.extend({
  name: z.string().min(1).max(512),
  /** The customer (party id) the opportunity is with. */
  customerId: IdSchema,
  pipeline: z.string().max(128).default('default'),
  stage: z.string().min(1).max(128).describe('The stage in its pipeline, as the source names it.'),
  status: z.enum(['open', 'won', 'lost']).default('open'),
  amount: MoneySchema.optional().describe('A decimal amount (number or string such as `"1250.50"`) and a currency.'),
  /** Expected or actual close date. */
  closeDate: DateSchema.optional().describe('Expected or actual close date.'),
  /** Owning user. */
  ownerId: IdSchema.optional().describe('The user who owns the record in the source.'),
  /** Win probability, 0..1. */
  probability: z.number().min(0).max(1).optional().describe('Chance of winning, 0 to 1.'),
  lines: z
    .array(z.object({ productId: IdSchema, quantity: z.number().positive(), unitPrice: MoneySchema.optional() }))
    .default([]),
  attributes: AttributesSchema.optional().describe('Free-form JSON attributes (plugins keep their fields here).'),
});
/** A sales opportunity. */
export type Opportunity = z.infer<typeof OpportunitySchema>;

/** A product or service that can be sold. */
export const ProductSchema = EntityBaseSchema.extend({
  sku: z.string().min(1).max(128),
  name: z.string().min(1).max(512),
  description: z.string().max(10_000).optional(),
  category: z.string().max(256).optional(),
  price: MoneySchema.optional(),
  active: z.boolean().default(true),
  attributes: AttributesSchema.optional(),
});
/** A product or service. */
export type Product = z.infer<typeof ProductSchema>;

/** An assortment: the set of products offered to a customer group. */
export const AssortmentSchema = EntityBaseSchema.extend({
  name: z.string().min(1).max(256),
  productIds: z.array(IdSchema),
  description: z.string().max(2000).optional(),
});
/** An assortment of products. */
export type Assortment = z.infer<typeof AssortmentSchema>;
