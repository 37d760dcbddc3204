/**
 * Customer groups: segments with a responsible manager, static members and an optional rule on golden fields.
 *
 * @module
 */
import {
  validationErrorFromZod,
  type Customer,
  type CustomerGroup,
  CustomerGroupSchema,
  type GroupCondition,
  type JsonValue,
  NotFoundError,
  pagesAfterId,
} from '@crmkit/model';
import type { Hub } from '../api/hub';
import { checkActorOptions, checkValueLimits } from '../golden/override-checks';
import { diffFields } from '../governance/audit';
import { publicCustomer } from '../runtime/customer-rows';
import type { HubRuntime } from '../runtime/hub-runtime';

function matchesCondition(customer: Customer, condition: GroupCondition): boolean {
  const field = customer.golden.fields[condition.field];
  const value = field?.value ?? (condition.field === 'kind' ? customer.kind : undefined);
  const wanted = condition.value;
  switch (condition.op) {
    case 'exists':
      return (value !== undefined && value !== null) === (wanted === undefined ? true : wanted === true);
    case 'eq':
      return value === wanted;
    case 'neq':
      return value !== wanted;
    case 'in':
      return (
        Array.isArray(wanted) && (typeof value === 'string' || typeof value === 'number') && wanted.includes(value)
      );
    case 'contains':
      if (typeof value === 'string' && typeof wanted === 'string')
        return value.toLowerCase().includes(wanted.toLowerCase());
      return Array.isArray(value) && value.some((item) => item === wanted);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (
        !(typeof value === 'number' || typeof value === 'string') ||
        !(typeof wanted === 'number' || typeof wanted === 'string')
      )
        return false;
      if (typeof value !== typeof wanted) return false;
      const cmp = value < wanted ? -1 : value > wanted ? 1 : 0;
      return condition.op === 'gt'
        ? cmp > 0
        : condition.op === 'gte'
          ? cmp >= 0
          : condition.op === 'lt'
            ? cmp < 0
            : cmp <= 0;
    }
  }
}

/** True when a customer is in a group (static member, or matches the group's rule). */
export function isGroupMember(group: CustomerGroup, customer: Customer): boolean {
  if (group.memberIds.includes(customer.id)) return true;
  if (!group.rule) return false;
  const results = group.rule.conditions.map((condition) => matchesCondition(customer, condition));
  return group.rule.match === 'any' ? results.some(Boolean) : results.every(Boolean);
}

/** Creates `hub.groups`. */
export function createGroups(rt: HubRuntime): Pick<Hub, 'groups'> {
  return {
    groups: {
      async define(input, callOptions = {}) {
        callOptions = checkActorOptions(callOptions, rt.limits);
        rt.ensureOpen();
        // Bad text and oversized input are refused (VALIDATION_FAILED at `group...`) before the store sees them.
        input = checkValueLimits(input, rt.limits, ['group'], 'The group');
        const now = rt.now().toISOString();
        const id = input.id ?? rt.newId('grp');
        return rt.write(
          callOptions.signal,
          async (ctx) => {
            const [existing] = await ctx.tx.getGroups([id]);
            const parsed = CustomerGroupSchema.safeParse({
              ...input,
              id,
              createdAt: existing?.createdAt ?? now,
              updatedAt: now,
              sources: existing?.sources ?? [],
            });
            if (!parsed.success)
              throw validationErrorFromZod(parsed.error, { root: 'group', message: '[crmkit/core] Group is invalid' });
            await ctx.tx.putGroup(parsed.data);
            ctx.audit.push({
              actor: ctx.actor,
              action: existing ? 'group.update' : 'group.define',
              target: `group:${id}`,
              changes: diffFields(
                (existing ?? {}) as unknown as Record<string, JsonValue>,
                parsed.data as unknown as Record<string, JsonValue>,
              ).filter((c) => c.field !== 'updatedAt' && c.field !== 'createdAt'),
              at: ctx.now,
            });
            return parsed.data;
          },
          undefined,
          callOptions.actor,
        );
      },
      async get(id, callOptions = {}) {
        return rt.read(callOptions.signal, async (tx) => (await tx.getGroups([id]))[0]);
      },
      async list(callOptions = {}) {
        return rt.read(callOptions.signal, (tx) => tx.getGroups());
      },
      async remove(id, callOptions = {}) {
        callOptions = checkActorOptions(callOptions, rt.limits);
        await rt.write(
          callOptions.signal,
          async (ctx) => {
            const [existing] = await ctx.tx.getGroups([id]);
            if (!existing) throw new NotFoundError({ entity: 'group', id });
            await ctx.tx.deleteGroup(id);
            ctx.audit.push({
              actor: ctx.actor,
              action: 'group.remove',
              target: `group:${id}`,
              changes: [],
              at: ctx.now,
            });
          },
          undefined,
          callOptions.actor,
        );
      },
      async members(id, callOptions = {}) {
        return rt.read(callOptions.signal, async (tx) => {
          const [group] = await tx.getGroups([id]);
          if (!group) throw new NotFoundError({ entity: 'group', id });
          const members: Customer[] = [];
          const pages = pagesAfterId((request) => tx.listCustomers({ status: 'active', ...request }), {
            pageSize: 500,
          });
          for await (const page of pages) {
            for (const row of page) {
              const customer = publicCustomer(row);
              if (isGroupMember(group, customer)) members.push(customer);
            }
          }
          return members;
        });
      },
    },
  };
}
