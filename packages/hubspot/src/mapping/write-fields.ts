/**
 * Writers of single model fields to HubSpot properties: plain values, owners, emails, phones, addresses, URLs and
 * references.
 *
 * @module
 */
import type { JsonValue } from '@crmkit/model';
import type { HubspotAssociationTarget, PropertiesResult, Writer } from './types';
import { hubspotOwnerIdOf, OWNER_ID_PREFIX, validEmail } from './values';

export function str(value: JsonValue): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export function put(out: PropertiesResult, field: string, property: string, value: string): void {
  out.properties[property] = value;
  const list = out.fields[field] ?? [];
  if (!list.includes(property)) list.push(property);
  out.fields[field] = list;
}

export const plain =
  (property: string): Writer =>
  (value, out, field) => {
    if (value !== null && typeof value === 'object') {
      out.errors.push({ field, message: `Expected a single value for "${field}"` });
      return;
    }
    put(out, field, property, str(value));
  };

export const owner: Writer = (value, out, field) => {
  if (value === null) return put(out, field, 'hubspot_owner_id', '');
  const id = typeof value === 'string' ? hubspotOwnerIdOf(value) : undefined;
  if (id === undefined) {
    out.errors.push({ field, message: `Expected a HubSpot owner id such as "${OWNER_ID_PREFIX}123"` });
    return;
  }
  put(out, field, 'hubspot_owner_id', id);
};

export function itemValue(item: JsonValue): string | undefined {
  if (typeof item === 'string') return item;
  if (item !== null && typeof item === 'object' && !Array.isArray(item) && typeof item.value === 'string') {
    return item.value;
  }
  return undefined;
}

export function labelOf(item: JsonValue): string | undefined {
  if (item !== null && typeof item === 'object' && !Array.isArray(item) && typeof item.label === 'string') {
    return item.label;
  }
  return undefined;
}

export const emails: Writer = (value, out, field) => {
  if (value === null) return put(out, field, 'email', '');
  if (!Array.isArray(value)) return void out.errors.push({ field, message: 'Expected a list of email addresses' });
  const list = value.map(itemValue);
  if (list.some((e) => e === undefined || !validEmail(e))) {
    return void out.errors.push({ field, message: 'Expected valid email addresses' });
  }
  if (list.length > 1) {
    return void out.errors.push({
      field,
      message: 'HubSpot contacts take one email through the API (hs_additional_emails is read-only)',
    });
  }
  put(out, field, 'email', list[0] ?? '');
};

export const phonesWriter =
  (withMobile: boolean): Writer =>
  (value, out, field) => {
    if (value === null) {
      put(out, field, 'phone', '');
      if (withMobile) put(out, field, 'mobilephone', '');
      return;
    }
    if (!Array.isArray(value)) return void out.errors.push({ field, message: 'Expected a list of phone numbers' });
    let phone: string | undefined;
    let mobile: string | undefined;
    for (const item of value) {
      const number = itemValue(item);
      if (number === undefined) return void out.errors.push({ field, message: 'Expected phone numbers' });
      if (withMobile && labelOf(item) === 'mobile' && mobile === undefined) mobile = number;
      else if (phone === undefined) phone = number;
      else
        return void out.errors.push({
          field,
          message: withMobile
            ? 'HubSpot holds one phone and one mobile phone (label "mobile") per contact'
            : 'HubSpot holds one phone number per company',
        });
    }
    put(out, field, 'phone', phone ?? '');
    if (withMobile) put(out, field, 'mobilephone', mobile ?? '');
  };

export const addressesWriter =
  (withExtra: boolean): Writer =>
  (value, out, field) => {
    const props = ['address', ...(withExtra ? ['address2'] : []), 'city', 'zip', 'state', 'country'];
    if (value === null || (Array.isArray(value) && value.length === 0)) {
      for (const p of props) put(out, field, p, '');
      return;
    }
    if (!Array.isArray(value) || value.length > 1) {
      return void out.errors.push({ field, message: 'HubSpot holds one postal address per object' });
    }
    const a = value[0];
    if (a === null || typeof a !== 'object' || Array.isArray(a)) {
      return void out.errors.push({ field, message: 'Expected an address object' });
    }
    const get = (k: string) => (typeof a[k] === 'string' ? (a[k] as string) : '');
    const street = [get('street'), get('houseNumber')].filter(Boolean).join(' ');
    put(out, field, 'address', withExtra ? street : [street, get('extra')].filter(Boolean).join(', '));
    if (withExtra) put(out, field, 'address2', get('extra'));
    put(out, field, 'city', get('city'));
    put(out, field, 'zip', get('postalCode'));
    put(out, field, 'state', get('region'));
    put(out, field, 'country', get('country'));
  };

export const firstUrl =
  (property: string): Writer =>
  (value, out, field) => {
    if (value === null || (Array.isArray(value) && value.length === 0)) return put(out, field, property, '');
    if (!Array.isArray(value) || value.length > 1) {
      return void out.errors.push({ field, message: `HubSpot holds one ${property} per object` });
    }
    const url = itemValue(value[0]!);
    if (url === undefined) return void out.errors.push({ field, message: 'Expected a URL' });
    put(out, field, property, url);
  };

export function refTarget(ref: JsonValue, field: string, out: PropertiesResult): HubspotAssociationTarget | undefined {
  if (ref === null || typeof ref !== 'object' || Array.isArray(ref) || typeof ref.externalId !== 'string') {
    out.errors.push({ field, message: 'Expected a reference by external id ({ type, externalId })' });
    return undefined;
  }
  if (typeof ref.source === 'string') {
    out.errors.push({ field, message: 'References to another source cannot be written to HubSpot' });
    return undefined;
  }
  const type = ref.type === 'organization' ? 'companies' : 'contacts';
  return { type, id: ref.externalId };
}

export const organizationWriter: Writer = (value, out, field) => {
  if (value === null) return put(out, field, 'company', '');
  if (typeof value !== 'object' || Array.isArray(value)) {
    return void out.errors.push({ field, message: 'Expected { name?, ref? }' });
  }
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'name') put(out, field, 'company', str(inner));
    else if (key === 'ref') {
      const target = refTarget(inner, `${field}.ref`, out);
      if (target !== undefined && target.type !== 'companies') {
        out.errors.push({ field: `${field}.ref`, message: 'Expected a reference to an organization' });
      } else if (target !== undefined) out.associations.push(target);
    } else out.errors.push({ field: `${field}.${key}`, message: `HubSpot has no property for "${field}.${key}"` });
  }
};

export const refused =
  (why: string): Writer =>
  (_value, out, field) => {
    out.errors.push({ field, message: why });
  };
