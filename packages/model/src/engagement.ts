import { z } from 'zod';
import { EntityBaseSchema, IdSchema, TimestampSchema } from './common';

/** Channels a customer can be contacted on (for consent and contact arrangements). */
export const ContactChannelSchema = z.enum(['email', 'phone', 'sms', 'whatsapp', 'post', 'visit', 'web_push']);
/** A contact channel. */
export type ContactChannel = z.infer<typeof ContactChannelSchema>;

/** Why the organisation contacts a customer. */
export const ContactPurposeSchema = z.enum(['service', 'transactional', 'marketing', 'sales', 'research', 'billing']);
/** A contact purpose. */
export type ContactPurpose = z.infer<typeof ContactPurposeSchema>;

/** A frequency cap: at most `max` contacts per `per` period. */
export const FrequencyCapSchema = z.object({
  max: z.number().int().positive(),
  per: z.enum(['day', 'week', 'month', 'quarter', 'year']),
});
/** A frequency cap. */
export type FrequencyCap = z.infer<typeof FrequencyCapSchema>;

/** Quiet hours in the customer's time zone, `HH:MM` 24-hour clock; `from` may be after `to` (overnight). */
export const QuietHoursSchema = z.object({
  from: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Expected HH:MM'),
  to: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Expected HH:MM'),
  /** IANA time zone, e.g. `Europe/Amsterdam`. */
  timeZone: z.string().min(1).max(64),
});
/** Quiet hours. */
export type QuietHours = z.infer<typeof QuietHoursSchema>;

/**
 * A contact arrangement: for one customer (or, as a default, a customer group) and one channel, which purposes are
 * allowed, whether it is the preferred channel, how often, and when not.
 */
export const ContactArrangementSchema = EntityBaseSchema.extend({
  /** The customer it applies to; absent for a group default. */
  customerId: IdSchema.optional(),
  channel: ContactChannelSchema,
  allowedPurposes: z.array(ContactPurposeSchema),
  preferred: z.boolean().default(false),
  frequencyCap: FrequencyCapSchema.optional(),
  quietHours: QuietHoursSchema.optional(),
  /** The user responsible for contact with the customer on this channel (the group's manager when absent). */
  accountManagerId: IdSchema.optional(),
  note: z.string().max(2000).optional(),
});
/** A contact arrangement. */
export type ContactArrangement = z.infer<typeof ContactArrangementSchema>;

/** A consent record: what the customer agreed (or refused) to, on which channel, when, where and with which wording. */
export const ConsentSchema = EntityBaseSchema.extend({
  customerId: IdSchema,
  purpose: ContactPurposeSchema,
  channel: ContactChannelSchema,
  status: z.enum(['granted', 'denied', 'withdrawn']),
  capturedAt: TimestampSchema,
  /** Where consent was captured: `webform:newsletter`, `hubspot`, `call-center` ... */
  captureSource: z.string().min(1).max(256),
  /** Version of the consent wording shown. */
  wordingVersion: z.string().min(1).max(64),
  expiresAt: TimestampSchema.optional(),
});
/** A consent record. */
export type Consent = z.infer<typeof ConsentSchema>;

/** Comparison operators of a customer-group rule condition. */
export const ConditionOperatorSchema = z.enum(['eq', 'neq', 'in', 'contains', 'exists', 'gt', 'gte', 'lt', 'lte']);

/** One condition on a golden-record field, e.g. `{ field: 'country', op: 'eq', value: 'NL' }`. */
export const GroupConditionSchema = z.object({
  field: z.string().min(1).max(256),
  op: ConditionOperatorSchema,
  value: z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))]).optional(),
});
/** A group rule condition. */
export type GroupCondition = z.infer<typeof GroupConditionSchema>;

/** A serialisable membership rule: all of / any of a list of conditions. */
export const GroupRuleSchema = z.object({
  match: z.enum(['all', 'any']).default('all'),
  conditions: z.array(GroupConditionSchema).min(1),
});
/** A group membership rule. */
export type GroupRule = z.infer<typeof GroupRuleSchema>;

/** A customer group: a segment with a responsible manager, members (static or by rule), an assortment and defaults. */
export const CustomerGroupSchema = EntityBaseSchema.extend({
  name: z.string().min(1).max(256),
  description: z.string().max(2000).optional(),
  /** The user responsible for the group (account or segment manager). */
  managerId: IdSchema,
  /** Static members (customer ids). */
  memberIds: z.array(IdSchema).default([]),
  /** Rule-based membership; combined with static members. */
  rule: GroupRuleSchema.optional(),
  assortmentId: IdSchema.optional(),
  /** Contact arrangements that apply to members unless a customer has their own. */
  defaultArrangements: z.array(ContactArrangementSchema.omit({ customerId: true })).default([]),
});
/** A customer group. */
export type CustomerGroup = z.infer<typeof CustomerGroupSchema>;
/** A customer group as supplied when defining one (defaults not yet applied). */
export type CustomerGroupInput = z.input<typeof CustomerGroupSchema>;
