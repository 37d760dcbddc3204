import type { Customer, RecordType } from '@crmkit/model';
import type { Grant } from './permissions';

/** True when the grant may read the record type of every record key (`source/type/externalId`) given. */
export function canReadKeys(grant: Grant, keys: readonly unknown[]): boolean {
  return keys.every((key) => typeof key === 'string' && grant.canReadEntity(key.split('/')[1] as RecordType));
}

/**
 * The payload of an event as a plugin may see it, or `undefined` when the plugin may not read what it is about.
 * Customers are projected to the read grant; records of types it may not read are hidden; plugin attributes of
 * namespaces it may not read are dropped; the matcher's explanation (which carries field values) is kept only for
 * plugins that may read every field.
 */
export function projectEventPayload(type: string, payload: unknown, grant: Grant): unknown {
  const data = payload as Record<string, unknown>;
  switch (type) {
    case 'customer.created': {
      const customer = grant.projectCustomer(data.customer as Customer);
      return customer ? { customer } : undefined;
    }
    case 'customer.updated': {
      if (grant.readsAllFields) return grant.canReadEntity((data.customer as Customer).kind) ? payload : undefined;
      const customer = grant.projectCustomer(data.customer as Customer);
      if (!customer) return undefined;
      const changedFields = (data.changedFields as string[]).filter((f) => grant.canReadField(f));
      return { customer, changedFields };
    }
    case 'record.ingested':
      return grant.canReadEntity(data.type as RecordType) ? payload : undefined;
    case 'interaction.recorded': {
      if (!grant.canReadEntity('interaction')) return undefined;
      if (grant.readsAllFields) return payload;
      return { ...data, interaction: grant.projectData('interaction', data.interaction) };
    }
    case 'opportunity.upserted': {
      if (!grant.canReadEntity('opportunity')) return undefined;
      if (grant.readsAllFields) return payload;
      return { ...data, opportunity: grant.projectData('opportunity', data.opportunity) };
    }
    case 'review.opened':
    case 'review.decided': {
      const review = data.review as Record<string, unknown>;
      if (!canReadKeys(grant, [review.a, review.b])) return undefined;
      if (grant.readsAllFields) return payload;
      const { explanation: _explanation, ...rest } = review;
      return { ...data, review: rest };
    }
    default:
      // customer.merged, customer.split, customer.deleted: ids only.
      return payload;
  }
}
