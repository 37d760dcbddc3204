/**
 * Read mapping of deals (opportunities).
 *
 * @module
 */
import { orderedAssociations, type PropertyReader } from './property-reader';
import { readOwner } from './read-parties';
import type { HubspotAssociations, MappingContext } from './types';
import { toBool, toDate, toDecimal } from './values';

export function dealStatus(p: PropertyReader, stage: string | undefined): 'open' | 'won' | 'lost' {
  const won = toBool(p.peek('hs_is_closed_won'));
  const closed = toBool(p.peek('hs_is_closed'));
  if (won !== undefined) p.use('hs_is_closed_won');
  if (closed !== undefined) p.use('hs_is_closed');
  if (won === true) return 'won';
  if (closed === true) return 'lost';
  if (won === false && closed === false) return 'open';
  if (stage === 'closedwon') return 'won';
  if (stage === 'closedlost') return 'lost';
  return 'open';
}

export function mapDeal(
  p: PropertyReader,
  id: string,
  associations: HubspotAssociations,
  context: MappingContext,
): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  const set = (key: string, value: unknown) => {
    if (value !== undefined) data[key] = value;
  };
  data.name = p.take('dealname') ?? `Deal ${id}`;
  const company = orderedAssociations(associations.companies)[0];
  const contact = orderedAssociations(associations.contacts)[0];
  if (company !== undefined) data.customer = { type: 'organization', externalId: company.id };
  else if (contact !== undefined) data.customer = { type: 'person', externalId: contact.id };
  set('pipeline', p.take('pipeline'));
  const stage = p.take('dealstage');
  set('stage', stage);
  data.status = dealStatus(p, stage);
  const amount = toDecimal(p.peek('amount'));
  const currency = p.peek('deal_currency_code') ?? context.defaultCurrency;
  if (amount !== undefined && currency !== undefined && /^[A-Z]{3}$/.test(currency)) {
    p.use('amount');
    if (p.peek('deal_currency_code') !== undefined) p.use('deal_currency_code');
    data.amount = { amount, currency };
  }
  const closeDate = toDate(p.peek('closedate'));
  if (closeDate !== undefined) {
    p.use('closedate');
    data.closeDate = closeDate;
  }
  const owner = readOwner(p);
  if (owner !== undefined) data.ownerId = owner;
  const probability = p.peek('hs_deal_stage_probability');
  if (probability !== undefined) {
    const n = Number(probability);
    if (Number.isFinite(n) && n >= 0 && n <= 1) {
      p.use('hs_deal_stage_probability');
      data.probability = n;
    }
  }
  return data;
}
