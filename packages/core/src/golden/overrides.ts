/**
 * Overrides: an explicit value of one golden field that wins over every survivorship rule, validated against the
 * field's schema, the input limits and the time bounds.
 *
 * @module
 */
import {
  formatPath,
  InvalidArgumentError,
  JsonValueSchema,
  type PartyRecordType,
  quoteValue,
  ValidationError,
} from '@crmkit/model';
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
          issues: [
            {
              path: ['value'],
              pathString: formatPath(['value']),
              message: 'Expected a JSON value',
              issueCode: 'invalid_type',
            },
          ],
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
        await relink(ctx, [row.id], new Map(), { kind: 'override' });
        ctx.journal.push({
          id: ctx.newId('jrn'),
          at: ctx.now,
          kind: 'override',
          customerIds: [row.id],
          data: { field, value, ...(callOptions.reason ? { reason: callOptions.reason } : {}) },
          ...(callOptions.actor ? { actor: callOptions.actor } : {}),
        });
        const [after] = await ctx.tx.getCustomers([row.id]);
        return publicCustomer(after!);
      });
    },

    async clearOverride(customerId, field, callOptions = {}) {
      callOptions = checkActorOptions(callOptions, rt.limits);
      validateField(field);
      return rt.write(callOptions.signal, async (ctx) => {
        const row = await requireActive(ctx.tx, customerId, 'customerId');
        await ctx.tx.deleteOverride(row.id, field);
        await relink(ctx, [row.id], new Map(), { kind: 'override' });
        ctx.journal.push({
          id: ctx.newId('jrn'),
          at: ctx.now,
          kind: 'override-cleared',
          customerIds: [row.id],
          data: { field },
          ...(callOptions.actor ? { actor: callOptions.actor } : {}),
        });
        const [after] = await ctx.tx.getCustomers([row.id]);
        return publicCustomer(after!);
      });
    },
  };
}
