/**
 * Overrides: an explicit value of one golden field that wins over every survivorship rule, validated against the
 * field's schema, the input limits and the time bounds.
 *
 * @module
 */
import {
  InvalidArgumentError,
  JsonValueSchema,
  type PartyRecordType,
  quoteValue,
  ValidationError,
  type Customer,
  type JsonValue,
  validationIssue,
} from '@crmkit/model';
import type { OperationContext } from '../runtime/operation-context';
import type { Hub } from '../api/hub';
import { relink } from '../identity/relink';
import { publicCustomer, requireActive } from '../runtime/customer-rows';
import type { HubRuntime } from '../runtime/hub-runtime';
import { checkActorOptions, checkOverride, checkValueLimits } from './override-checks';

function validateField(field: string): void {
  if (typeof field !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_-]+)*$/.test(field)) {
    throw new InvalidArgumentError({
      argument: 'field',
      message: `[crmkit/core] Invalid field name ${quoteValue(field)}.`,
    });
  }
}

/**
 * After a hand edit of a customer (an override set or cleared, plugin fields set): re-derives the customer (relink),
 * journals the change and returns the customer as it is now.
 */
export async function afterHandEdit(
  ctx: OperationContext,
  customerId: string,
  kind: 'override' | 'override-cleared' | 'fields',
  actor: string | undefined,
  data: JsonValue,
): Promise<Customer> {
  await relink(ctx, [customerId], new Map(), { kind: 'override' });
  ctx.journal.push({
    id: ctx.newId('jrn'),
    at: ctx.now,
    kind,
    customerIds: [customerId],
    data,
    ...(actor ? { actor } : {}),
  });
  const [after] = await ctx.tx.getCustomers([customerId]);
  return publicCustomer(after!);
}

/** Creates `setOverride()` and `clearOverride()` of a Hub. */
export function createOverrides(rt: HubRuntime): Pick<Hub, 'setOverride' | 'clearOverride'> {
  return {
    async setOverride(customerId, field, value, callOptions = {}) {
      callOptions = checkActorOptions(callOptions, rt.limits);
      validateField(field);
      value = checkValueLimits(value, rt.limits, ['value'], `The override of ${quoteValue(field)}`);
      const checked = JsonValueSchema.safeParse(value);
      if (!checked.success || value === undefined) {
        throw new ValidationError({
          message: `[crmkit/core] Override value for "${field}" must be JSON.`,
          issues: [validationIssue(['value'], 'Expected a JSON value', 'invalid_type')],
        });
      }
      if (rt.host.hooks.has('update:before')) {
        const { values } = await rt.host.before('update:before', { customerId, values: { [field]: value } });
        if (values[field] !== undefined && values[field] !== null) value = values[field];
      }
      return rt.write(callOptions.signal, async (ctx) => {
        const row = await requireActive(ctx.tx, customerId, 'customerId');
        value = checkOverride(row.kind as PartyRecordType, field, value, {
          limits: rt.limits,
          now: new Date(ctx.now),
          schemas: rt.host.schemas,
        });
        await ctx.tx.putOverride({
          customerId: row.id,
          field,
          value,
          at: ctx.now,
          ...(callOptions.actor ? { actor: callOptions.actor } : {}),
          ...(callOptions.reason ? { reason: callOptions.reason } : {}),
        });
        return afterHandEdit(ctx, row.id, 'override', callOptions.actor, {
          field,
          value,
          ...(callOptions.reason ? { reason: callOptions.reason } : {}),
        });
      });
    },

    async clearOverride(customerId, field, callOptions = {}) {
      callOptions = checkActorOptions(callOptions, rt.limits);
      validateField(field);
      return rt.write(callOptions.signal, async (ctx) => {
        const row = await requireActive(ctx.tx, customerId, 'customerId');
        await ctx.tx.deleteOverride(row.id, field);
        return afterHandEdit(ctx, row.id, 'override-cleared', callOptions.actor, { field });
      });
    },
  };
}
