import type { Customer, CustomerGroup } from '@crmkit/model';

/** The golden fields a group's rule tests. */
export function ruleFields(group: Pick<CustomerGroup, 'rule'>): string[] {
  return [...new Set((group.rule?.conditions ?? []).map((c) => c.field))];
}

/**
 * May a reader know that this customer is in the group: it is a static member (chosen by a person), or the reader
 * reads every field the rule tests on this customer (it could check the rule itself). Membership by a rule on
 * fields the reader may not read would be an oracle for their values. The one rule for scoped actors and plugins.
 */
export function membershipKnown(
  group: Pick<CustomerGroup, 'rule' | 'memberIds'>,
  customer: Customer,
  canReadFieldOn: (customer: Customer, field: string) => boolean,
): boolean {
  if (group.memberIds.includes(customer.id)) return true;
  return ruleFields(group).every((field) => canReadFieldOn(customer, field));
}
