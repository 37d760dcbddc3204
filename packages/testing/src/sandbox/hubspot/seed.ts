/** Fast, deterministic bulk seeding with realistic data. */
import { FAMILY_NAMES, GIVEN_NAMES } from '../../generate';
import { seededRandom } from '../../generate';
import { iso } from './http-util';
import { defaultAssociationTypeId, resolveObjectType } from './object-types';
import type { ObjectStore, StoredObject } from './store';
import type { HubspotSeedInput, HubspotSeedResult } from './types';

const COMPANY_WORDS = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Stark',
  'Wayne',
  'Hooli',
  'Vandelay',
  'Soylent',
  'Tyrell',
];
const COMPANY_SUFFIX = ['Labs', 'Systems', 'Group', 'Partners', 'Logistics', 'Health', 'Foods', 'Energy', 'Media'];
const CITIES = ['Berlin', 'Amsterdam', 'Lisbon', 'Dublin', 'Boston', 'Austin', 'Toronto', 'Sydney', 'Zurich', 'Paris'];
const STAGES = [
  'appointmentscheduled',
  'qualifiedtobuy',
  'presentationscheduled',
  'contractsent',
  'closedwon',
  'closedlost',
];
const LIFECYCLE = ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer'];
const ENGAGEMENTS = ['notes', 'calls', 'meetings', 'tasks'] as const;

function pick<T>(rnd: () => number, list: readonly T[]): T {
  return list[Math.floor(rnd() * list.length)]!;
}

/** Seeds objects directly into the store (validation-free, unique emails and domains guaranteed). */
export function seedStore(store: ObjectStore, input: HubspotSeedInput): HubspotSeedResult {
  const rnd = seededRandom(input.seed ?? 1);
  const contactsType = resolveObjectType('contacts')!;
  const companiesType = resolveObjectType('companies')!;
  const dealsType = resolveObjectType('deals')!;
  const nContacts = Math.max(0, input.contacts ?? 0);
  const nCompanies = Math.max(0, input.companies ?? 0);
  const nDeals = Math.max(0, input.deals ?? 0);
  const nEngagements = Math.max(0, input.engagements ?? 0);
  const total = nContacts + nCompanies + nDeals + nEngagements;
  let at = store.clock.reserve(total);
  const emit = store.emit;
  store.emit = input.emitEvents === true;
  const result: HubspotSeedResult = { contacts: [], companies: [], deals: [], engagements: [] };
  const run = `${(input.seed ?? 1).toString(36)}${store.size(contactsType).toString(36)}`;
  try {
    const companies: StoredObject[] = [];
    for (let i = 0; i < nCompanies; i++) {
      const name = `${pick(rnd, COMPANY_WORDS)} ${pick(rnd, COMPANY_SUFFIX)} ${i + 1}`;
      const domain = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${run}.example.com`;
      const obj = store.create(
        companiesType,
        {
          name,
          domain,
          city: pick(rnd, CITIES),
          phone: `+1 555 ${String(1000 + (i % 9000)).padStart(4, '0')}`,
          numberofemployees: String(5 + Math.floor(rnd() * 5000)),
          industry: pick(rnd, ['COMPUTER_SOFTWARE', 'FINANCIAL_SERVICES', 'RETAIL']),
        },
        'CRM_UI',
        at++,
      );
      companies.push(obj);
      result.companies.push(String(obj.id));
    }
    const contacts: StoredObject[] = [];
    const contactToCompany = defaultAssociationTypeId('0-1', '0-2')!;
    for (let i = 0; i < nContacts; i++) {
      const first = pick(rnd, GIVEN_NAMES);
      const last = pick(rnd, FAMILY_NAMES);
      const company = companies.length > 0 ? companies[i % companies.length] : undefined;
      const domain = company?.props.domain ?? 'example.com';
      const props: Record<string, string> = {
        firstname: first,
        lastname: last,
        email: `${first}.${last}.${run}-${i}`.toLowerCase().replace(/[^a-z0-9.-]+/g, '') + `@${domain}`,
        phone: `+1 555 ${String(Math.floor(rnd() * 10_000_000)).padStart(7, '0')}`,
        city: pick(rnd, CITIES),
        lifecyclestage: pick(rnd, LIFECYCLE),
      };
      if (company) props.company = company.props.name ?? '';
      const obj = store.create(contactsType, props, 'CRM_UI', at++);
      if (company) store.associations.add('0-1', obj.id, '0-2', company.id, contactToCompany);
      if (contacts.length < 100_000) contacts.push(obj);
      result.contacts.push(String(obj.id));
    }
    const dealToCompany = defaultAssociationTypeId('0-3', '0-2')!;
    const dealToContact = defaultAssociationTypeId('0-3', '0-1')!;
    for (let i = 0; i < nDeals; i++) {
      const company = companies.length > 0 ? companies[i % companies.length] : undefined;
      const contact = contacts.length > 0 ? contacts[Math.floor(rnd() * contacts.length)] : undefined;
      const obj = store.create(
        dealsType,
        {
          dealname: `${company?.props.name ?? 'New'} deal ${i + 1}`,
          amount: String(Math.round(500 + rnd() * 99_500)),
          pipeline: 'default',
          dealstage: pick(rnd, STAGES),
          closedate: iso(Date.UTC(2026, 0, 1) + Math.floor(rnd() * 365) * 86_400_000),
        },
        'CRM_UI',
        at++,
      );
      if (company) store.associations.add('0-3', obj.id, '0-2', company.id, dealToCompany);
      if (contact) store.associations.add('0-3', obj.id, '0-1', contact.id, dealToContact);
      result.deals.push(String(obj.id));
    }
    for (let i = 0; i < nEngagements; i++) {
      const typeName = ENGAGEMENTS[i % ENGAGEMENTS.length]!;
      const type = resolveObjectType(typeName)!;
      const contact = contacts.length > 0 ? contacts[Math.floor(rnd() * contacts.length)] : undefined;
      const when = iso(Date.UTC(2025, 0, 1) + Math.floor(rnd() * 365 * 86_400_000));
      const props: Record<string, string> = { hs_timestamp: when };
      if (typeName === 'notes') props.hs_note_body = `Follow-up note ${i + 1}`;
      if (typeName === 'calls') Object.assign(props, { hs_call_title: `Call ${i + 1}`, hs_call_direction: 'OUTBOUND' });
      if (typeName === 'meetings')
        Object.assign(props, { hs_meeting_title: `Meeting ${i + 1}`, hs_meeting_start_time: when });
      if (typeName === 'tasks')
        Object.assign(props, { hs_task_subject: `Task ${i + 1}`, hs_task_status: 'NOT_STARTED' });
      const obj = store.create(type, props, 'CRM_UI', at++);
      if (contact) {
        store.associations.add(type.typeId, obj.id, '0-1', contact.id, defaultAssociationTypeId(type.typeId, '0-1')!);
      }
      result.engagements.push({ type: typeName, id: String(obj.id) });
    }
  } finally {
    store.emit = emit;
  }
  return result;
}
