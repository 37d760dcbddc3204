import type { ReviewItem } from './contracts/store';
import type { Customer } from './golden';
import type { InteractionData, OpportunityData, RecordType } from './source-record';

/** Payload of each Hub event, by event type. */
export interface HubEventMap {
  /** A new customer id came into being. */
  'customer.created': { customer: Customer };
  /** A customer's golden record changed. `changedFields` lists fields (and `contactPoints`) that differ. */
  'customer.updated': { customer: Customer; changedFields: string[] };
  /**
   * `from` now redirects to `into`; their records are one customer. `reason`: `manual` (a merge by hand), `auto`
   * (ingest: shared identity keys or an automatic identity link), `identity` (a person accepted a review item;
   * `linkId` names the link).
   */
  'customer.merged': {
    into: string;
    from: string;
    reason: 'manual' | 'auto' | 'identity';
    mergeId?: string;
    linkId?: string;
  };
  /**
   * Records of `from` split off into `restored`. `reason`: `unmerge`, `relink` (a record no longer links them), or
   * `identity` (a person removed an identity link, or rejected a pair that was linked automatically; `linkId` names
   * the link).
   */
  'customer.split': {
    from: string;
    restored: string;
    reason: 'unmerge' | 'relink' | 'identity';
    mergeId?: string;
    linkId?: string;
  };
  /** The identity matcher was unsure whether two records are one party: a review item was opened. */
  'review.opened': { review: ReviewItem };
  /** A person accepted or rejected a review item (an unlink rejects its pair too). */
  'review.decided': { review: ReviewItem; decision: 'accepted' | 'rejected' };
  /** A customer has no live source records left. */
  'customer.deleted': { customerId: string };
  /** A source record was created, changed or deleted. */
  'record.ingested': {
    key: string;
    type: RecordType;
    source: string;
    externalId: string;
    change: 'created' | 'updated' | 'deleted';
    customerId: string | null;
  };
  /** A new interaction was recorded for one or more customers. */
  'interaction.recorded': {
    key: string;
    source: string;
    externalId: string;
    customerIds: string[];
    interaction: InteractionData;
  };
  /** An opportunity was created or changed. */
  'opportunity.upserted': {
    key: string;
    source: string;
    externalId: string;
    customerId: string | null;
    opportunity: OpportunityData;
  };
}

/** Every Hub event type. */
export type HubEventType = keyof HubEventMap;

/** An event: id, type, time and payload. Written to the outbox in the transaction that made the change. */
export interface HubEvent<T extends HubEventType = HubEventType> {
  id: string;
  type: T;
  at: string;
  payload: HubEventMap[T];
}

/** Every event type, for iteration and validation. */
export const HUB_EVENT_TYPES: readonly HubEventType[] = [
  'customer.created',
  'customer.updated',
  'customer.merged',
  'customer.split',
  'customer.deleted',
  'review.opened',
  'review.decided',
  'record.ingested',
  'interaction.recorded',
  'opportunity.upserted',
];
