/**
 * Read mapping of contacts (people) and companies (organizations).
 *
 * @module
 */
import { orderedAssociations, type PropertyReader } from './property-reader';
import type { HubspotAssociations } from './types';
import { ownerIdOf, toCountryCode, toDate, validEmail, validPhone } from './values';

export function mapContact(p: PropertyReader, associations: HubspotAssociations): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  const set = (key: string, value: unknown) => {
    if (value !== undefined) data[key] = value;
  };
  set('givenName', p.take('firstname'));
  set('familyName', p.take('lastname'));
  set('salutation', p.take('salutation'));
  set('jobTitle', p.take('jobtitle'));
  set('lifecycleStage', p.take('lifecyclestage'));
  set('language', p.take('hs_language'));
  const birthDate = toDate(p.peek('date_of_birth'));
  if (birthDate !== undefined) {
    p.use('date_of_birth');
    data.birthDate = birthDate;
  }
  const emails: string[] = [];
  const email = p.peek('email');
  if (email !== undefined && validEmail(email)) {
    p.use('email');
    emails.push(email);
  }
  const additional = p.peek('hs_additional_emails');
  if (additional !== undefined) {
    const list = additional
      .split(/[;,\s]+/)
      .map((e) => e.trim())
      .filter(Boolean);
    if (list.every(validEmail)) {
      p.use('hs_additional_emails');
      for (const e of list) if (!emails.includes(e)) emails.push(e);
    }
  }
  if (emails.length > 0) data.emails = emails;
  const phones = readPhones(p, [
    ['phone', 'work'],
    ['mobilephone', 'mobile'],
  ]);
  if (phones.length > 0) data.phones = phones;
  const address = readAddress(p, { street: 'address', city: 'city', postalCode: 'zip', region: 'state' });
  if (address !== undefined) data.addresses = [address];
  const website = p.take('website');
  if (website !== undefined) data.websites = [website];
  const owner = readOwner(p);
  if (owner !== undefined) data.ownerId = owner;
  const organization: Record<string, unknown> = {};
  const company = p.take('company');
  if (company !== undefined) organization.name = company;
  const primaryCompany = orderedAssociations(associations.companies)[0];
  if (primaryCompany !== undefined) {
    organization.ref = { type: 'organization', externalId: primaryCompany.id };
  }
  if (Object.keys(organization).length > 0) data.organization = organization;
  return data;
}

export function readPhones(p: PropertyReader, fields: [string, string][]): { value: string; label: string }[] {
  const out: { value: string; label: string }[] = [];
  for (const [property, label] of fields) {
    const value = p.peek(property);
    if (value !== undefined && validPhone(value) && value.length <= 64) {
      p.use(property);
      out.push({ value, label });
    }
  }
  return out;
}

export function readAddress(
  p: PropertyReader,
  fields: { street: string; extra?: string; city: string; postalCode: string; region: string },
): Record<string, string> | undefined {
  const address: Record<string, string> = {};
  const put = (key: string, property: string | undefined, max: number) => {
    if (property === undefined) return;
    const value = p.peek(property);
    if (value !== undefined && value.length <= max) {
      p.use(property);
      address[key] = value;
    }
  };
  put('street', fields.street, 512);
  put('extra', fields.extra, 512);
  put('city', fields.city, 256);
  put('postalCode', fields.postalCode, 32);
  put('region', fields.region, 256);
  const country = toCountryCode(p.peek('country'));
  if (country !== undefined) {
    p.use('country');
    address.country = country;
  }
  return Object.keys(address).length > 0 ? address : undefined;
}

export function readOwner(p: PropertyReader): string | undefined {
  const owner = p.peek('hubspot_owner_id');
  if (owner === undefined || !/^\d+$/.test(owner)) return undefined;
  p.use('hubspot_owner_id');
  return ownerIdOf(owner);
}

export function mapCompany(p: PropertyReader, id: string): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  const set = (key: string, value: unknown) => {
    if (value !== undefined) data[key] = value;
  };
  const name = p.take('name');
  const domain = p.take('domain');
  data.name = name ?? domain ?? `Company ${id}`;
  set('domain', domain);
  set('industry', p.take('industry'));
  set('lifecycleStage', p.take('lifecyclestage'));
  const employees = p.peek('numberofemployees');
  if (employees !== undefined && /^\d+$/.test(employees)) {
    p.use('numberofemployees');
    data.employees = Number(employees);
  }
  const phones = readPhones(p, [['phone', 'work']]);
  if (phones.length > 0) data.phones = phones;
  const address = readAddress(p, {
    street: 'address',
    extra: 'address2',
    city: 'city',
    postalCode: 'zip',
    region: 'state',
  });
  if (address !== undefined) data.addresses = [address];
  const website = p.take('website');
  if (website !== undefined) data.websites = [website];
  const owner = readOwner(p);
  if (owner !== undefined) data.ownerId = owner;
  return data;
}
