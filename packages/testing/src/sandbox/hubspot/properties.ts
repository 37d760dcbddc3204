/** Property definitions (built-in and custom) and value validation. */
import { type PropertyValidationFailure, iso } from './http-util';
import { OBJECT_TYPES, type ObjectTypeInfo } from './object-types';
import type { HubspotJson, HubspotPropertyDefinition } from './types';

type Def = HubspotPropertyDefinition;
type Opt = NonNullable<Def['options']>[number];

function opts(values: string[]): Opt[] {
  return values.map((value, i) => ({
    label: value.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()),
    value,
    hidden: false,
    displayOrder: i,
  }));
}

function p(name: string, label: string, type: string, fieldType: string, groupName: string, extra: Partial<Def> = {}) {
  return { name, label, type, fieldType, groupName, hubspotDefined: true, ...extra } satisfies Def;
}

const LIFECYCLE = opts([
  'subscriber',
  'lead',
  'marketingqualifiedlead',
  'salesqualifiedlead',
  'opportunity',
  'customer',
  'evangelist',
  'other',
]);

function common(group: string, lastModified: string): Def[] {
  return [
    p('hs_object_id', 'Record ID', 'number', 'number', group, { readOnlyValue: true }),
    p('createdate', 'Create Date', 'datetime', 'date', group),
    p(lastModified, 'Last Modified Date', 'datetime', 'date', group, { readOnlyValue: true }),
    p('hubspot_owner_id', 'Owner', 'enumeration', 'select', group, { referencedObjectType: 'OWNER' }),
  ];
}

function engagement(extra: Def[]): Def[] {
  return [
    ...common('engagement', 'hs_lastmodifieddate'),
    p('hs_timestamp', 'Activity date', 'datetime', 'date', 'engagement'),
    ...extra,
  ];
}

const BUILT_IN: Record<string, Def[]> = {
  contacts: [
    ...common('contactinformation', 'lastmodifieddate'),
    p('email', 'Email', 'string', 'text', 'contactinformation', { formField: true }),
    p('firstname', 'First Name', 'string', 'text', 'contactinformation', { formField: true }),
    p('lastname', 'Last Name', 'string', 'text', 'contactinformation', { formField: true }),
    p('phone', 'Phone Number', 'string', 'phonenumber', 'contactinformation', { formField: true }),
    p('mobilephone', 'Mobile Phone Number', 'string', 'phonenumber', 'contactinformation'),
    p('company', 'Company Name', 'string', 'text', 'contactinformation'),
    p('website', 'Website URL', 'string', 'text', 'contactinformation'),
    p('jobtitle', 'Job Title', 'string', 'text', 'contactinformation'),
    p('address', 'Street Address', 'string', 'text', 'contactinformation'),
    p('city', 'City', 'string', 'text', 'contactinformation'),
    p('state', 'State/Region', 'string', 'text', 'contactinformation'),
    p('zip', 'Postal Code', 'string', 'text', 'contactinformation'),
    p('country', 'Country/Region', 'string', 'text', 'contactinformation'),
    p('lifecyclestage', 'Lifecycle Stage', 'enumeration', 'radio', 'contactinformation', { options: LIFECYCLE }),
    p('hs_lead_status', 'Lead Status', 'enumeration', 'radio', 'sales_properties', {
      options: opts(['NEW', 'OPEN', 'IN_PROGRESS', 'OPEN_DEAL', 'UNQUALIFIED', 'ATTEMPTED_TO_CONTACT', 'CONNECTED']),
    }),
    p('date_of_birth', 'Date of birth', 'date', 'date', 'contactinformation'),
  ],
  companies: [
    ...common('companyinformation', 'hs_lastmodifieddate'),
    p('name', 'Company name', 'string', 'text', 'companyinformation'),
    p('domain', 'Company Domain Name', 'string', 'text', 'companyinformation'),
    p('website', 'Website URL', 'string', 'text', 'companyinformation'),
    p('phone', 'Phone Number', 'string', 'phonenumber', 'companyinformation'),
    p('industry', 'Industry', 'enumeration', 'select', 'companyinformation', {
      options: opts([
        'COMPUTER_SOFTWARE',
        'FINANCIAL_SERVICES',
        'HOSPITAL_HEALTH_CARE',
        'RETAIL',
        'MARKETING_AND_ADVERTISING',
      ]),
    }),
    p('address', 'Street Address', 'string', 'text', 'companyinformation'),
    p('city', 'City', 'string', 'text', 'companyinformation'),
    p('state', 'State/Region', 'string', 'text', 'companyinformation'),
    p('zip', 'Postal Code', 'string', 'text', 'companyinformation'),
    p('country', 'Country/Region', 'string', 'text', 'companyinformation'),
    p('numberofemployees', 'Number of Employees', 'number', 'number', 'companyinformation'),
    p('annualrevenue', 'Annual Revenue', 'number', 'number', 'companyinformation'),
    p('description', 'Description', 'string', 'textarea', 'companyinformation'),
    p('lifecyclestage', 'Lifecycle Stage', 'enumeration', 'radio', 'companyinformation', { options: LIFECYCLE }),
  ],
  deals: [
    ...common('dealinformation', 'hs_lastmodifieddate'),
    p('dealname', 'Deal Name', 'string', 'text', 'dealinformation'),
    p('amount', 'Amount', 'number', 'number', 'dealinformation'),
    p('closedate', 'Close Date', 'datetime', 'date', 'dealinformation'),
    p('pipeline', 'Pipeline', 'enumeration', 'select', 'dealinformation', { options: opts(['default']) }),
    p('dealstage', 'Deal Stage', 'enumeration', 'radio', 'dealinformation', {
      options: opts([
        'appointmentscheduled',
        'qualifiedtobuy',
        'presentationscheduled',
        'decisionmakerboughtin',
        'contractsent',
        'closedwon',
        'closedlost',
      ]),
    }),
    p('dealtype', 'Deal Type', 'enumeration', 'radio', 'dealinformation', {
      options: opts(['newbusiness', 'existingbusiness']),
    }),
    p('description', 'Deal Description', 'string', 'textarea', 'dealinformation'),
  ],
  notes: engagement([p('hs_note_body', 'Note body', 'string', 'html', 'engagement')]),
  calls: engagement([
    p('hs_call_title', 'Call Title', 'string', 'text', 'engagement'),
    p('hs_call_body', 'Call notes', 'string', 'html', 'engagement'),
    p('hs_call_duration', 'Call duration', 'number', 'number', 'engagement'),
    p('hs_call_direction', 'Call direction', 'enumeration', 'select', 'engagement', {
      options: opts(['INBOUND', 'OUTBOUND']),
    }),
    p('hs_call_status', 'Call status', 'enumeration', 'select', 'engagement', {
      options: opts([
        'BUSY',
        'CALLING_CRM_USER',
        'CANCELED',
        'COMPLETED',
        'CONNECTING',
        'FAILED',
        'IN_PROGRESS',
        'NO_ANSWER',
        'QUEUED',
        'RINGING',
      ]),
    }),
  ]),
  meetings: engagement([
    p('hs_meeting_title', 'Meeting name', 'string', 'text', 'engagement'),
    p('hs_meeting_body', 'Meeting description', 'string', 'html', 'engagement'),
    p('hs_meeting_start_time', 'Start time', 'datetime', 'date', 'engagement'),
    p('hs_meeting_end_time', 'End time', 'datetime', 'date', 'engagement'),
    p('hs_meeting_outcome', 'Meeting outcome', 'enumeration', 'select', 'engagement', {
      options: opts(['SCHEDULED', 'COMPLETED', 'RESCHEDULED', 'NO_SHOW', 'CANCELED']),
    }),
  ]),
  tasks: engagement([
    p('hs_task_subject', 'Task Title', 'string', 'text', 'engagement'),
    p('hs_task_body', 'Notes', 'string', 'html', 'engagement'),
    p('hs_task_status', 'Task Status', 'enumeration', 'select', 'engagement', {
      options: opts(['NOT_STARTED', 'IN_PROGRESS', 'WAITING', 'COMPLETED', 'DEFERRED']),
    }),
    p('hs_task_priority', 'Priority', 'enumeration', 'select', 'engagement', {
      options: opts(['LOW', 'MEDIUM', 'HIGH']),
    }),
    p('hs_task_type', 'Task Type', 'enumeration', 'select', 'engagement', { options: opts(['EMAIL', 'CALL', 'TODO']) }),
  ]),
};

interface StoredDef {
  def: Def;
  createdAt: number;
  updatedAt: number;
}

/** Parses a date value (ms epoch string or ISO / date string) to ms; NaN when invalid. */
export function parseInstant(value: string): number {
  if (/^-?\d+$/.test(value)) return Number(value);
  return Date.parse(value);
}

/** Property definitions per object type. */
export class PropertyRegistry {
  private readonly defs = new Map<string, Map<string, StoredDef>>();

  constructor(now: number) {
    for (const type of OBJECT_TYPES) {
      const map = new Map<string, StoredDef>();
      for (const [i, def] of (BUILT_IN[type.name] ?? []).entries()) {
        map.set(def.name, { def: { displayOrder: i, ...def }, createdAt: now, updatedAt: now });
      }
      this.defs.set(type.name, map);
    }
  }

  /** The definition of a property, if it exists. */
  get(type: ObjectTypeInfo, name: string): Def | undefined {
    return this.defs.get(type.name)?.get(name)?.def;
  }

  /** All definitions of a type. */
  list(type: ObjectTypeInfo): Def[] {
    return [...(this.defs.get(type.name)?.values() ?? [])].map((s) => s.def);
  }

  /** Defines or replaces a property. */
  define(type: ObjectTypeInfo, def: Def, now: number): void {
    const map = this.defs.get(type.name)!;
    const existing = map.get(def.name);
    map.set(def.name, { def: { ...def }, createdAt: existing?.createdAt ?? now, updatedAt: now });
  }

  /** Whether a property can be used as an upsert / lookup `idProperty`. */
  isUnique(type: ObjectTypeInfo, name: string): boolean {
    if (name === 'hs_object_id') return true;
    if (type.name === 'contacts' && name === 'email') return true;
    return this.get(type, name)?.hasUniqueValue === true;
  }

  /** Names of the unique properties (besides hs_object_id) of a type. */
  uniqueProperties(type: ObjectTypeInfo): string[] {
    const names = this.list(type)
      .filter((d) => d.hasUniqueValue && d.name !== 'hs_object_id')
      .map((d) => d.name);
    if (type.name === 'contacts' && !names.includes('email')) names.push('email');
    return names;
  }

  /** A property definition in the shape of HubSpot's `Property`. */
  toJson(type: ObjectTypeInfo, name: string): Record<string, HubspotJson> | undefined {
    const stored = this.defs.get(type.name)?.get(name);
    if (!stored) return undefined;
    const d = stored.def;
    const json: Record<string, HubspotJson> = {
      name: d.name,
      label: d.label,
      type: d.type,
      fieldType: d.fieldType,
      description: d.description ?? '',
      groupName: d.groupName,
      options: (d.options ?? []).map((o, i) => ({
        label: o.label,
        value: o.value,
        displayOrder: o.displayOrder ?? i,
        hidden: o.hidden ?? false,
        ...(o.description !== undefined ? { description: o.description } : {}),
      })),
      displayOrder: d.displayOrder ?? -1,
      calculated: false,
      externalOptions: d.referencedObjectType !== undefined,
      hasUniqueValue: d.hasUniqueValue ?? false,
      hidden: d.hidden ?? false,
      hubspotDefined: d.hubspotDefined ?? false,
      formField: d.formField ?? false,
      archived: false,
      createdAt: iso(stored.createdAt),
      updatedAt: iso(stored.updatedAt),
      modificationMetadata: {
        archivable: !d.hubspotDefined,
        readOnlyDefinition: d.hubspotDefined === true,
        readOnlyValue: d.readOnlyValue === true,
      },
    };
    if (d.referencedObjectType) json.referencedObjectType = d.referencedObjectType;
    if (d.type === 'datetime' || d.type === 'date') json.dateDisplayHint = 'absolute';
    return json;
  }

  /**
   * Validates and normalizes written property values. Returns the normalized values (`''` means "clear") and the
   * failures (unknown property, read-only value, invalid option, invalid number or date).
   */
  normalize(
    type: ObjectTypeInfo,
    input: Record<string, unknown>,
  ): { values: Record<string, string>; failures: PropertyValidationFailure[] } {
    const values: Record<string, string> = {};
    const failures: PropertyValidationFailure[] = [];
    for (const [name, raw] of Object.entries(input)) {
      const def = this.get(type, name);
      if (!def) {
        failures.push({ name, error: 'PROPERTY_DOESNT_EXIST', message: `Property "${name}" does not exist` });
        continue;
      }
      if (def.readOnlyValue) {
        failures.push({
          name,
          error: 'READ_ONLY_VALUE',
          message: `${name} is a read only property; its value cannot be set.`,
        });
        continue;
      }
      let value = raw === null || raw === undefined ? '' : typeof raw === 'object' ? JSON.stringify(raw) : String(raw);
      if (value !== '') {
        if (def.type === 'number') {
          if (!Number.isFinite(Number(value))) {
            failures.push({ name, error: 'INVALID_INTEGER', message: `${value} was not a valid number.` });
            continue;
          }
        } else if (def.type === 'datetime' || def.type === 'date') {
          const ms = parseInstant(value);
          if (Number.isNaN(ms)) {
            failures.push({ name, error: 'INVALID_DATE', message: `${value} was not a valid date.` });
            continue;
          }
          value = def.type === 'date' ? iso(ms).slice(0, 10) : iso(ms);
        } else if (def.type === 'enumeration' && def.options && def.options.length > 0) {
          const allowed = new Set(def.options.map((o) => o.value));
          const parts = def.fieldType === 'checkbox' ? value.split(';') : [value];
          const bad = parts.find((part) => !allowed.has(part));
          if (bad !== undefined) {
            failures.push({
              name,
              error: 'INVALID_OPTION',
              message: `${bad} was not one of the allowed options: ${[...allowed].map((o) => `[value: ${o}]`).join(', ')}`,
            });
            continue;
          }
        } else if (def.type === 'bool') {
          const lower = value.toLowerCase();
          if (lower !== 'true' && lower !== 'false') {
            failures.push({ name, error: 'INVALID_BOOLEAN', message: `${value} was not a valid boolean.` });
            continue;
          }
          value = lower;
        }
        if (type.name === 'contacts' && name === 'email') value = value.trim().toLowerCase();
      }
      values[name] = value;
    }
    return { values, failures };
  }
}

/** Validates a `PropertyCreate` body; returns the definition or an error message. */
export function propertyFromCreate(body: Record<string, unknown>): Def | string {
  for (const field of ['name', 'label', 'type', 'fieldType', 'groupName']) {
    if (typeof body[field] !== 'string' || body[field] === '') return `Property field "${field}" is required.`;
  }
  const name = body.name as string;
  if (!/^[a-z][a-z0-9_]*$/.test(name)) return `Property name "${name}" must be lower-case letters, digits and _.`;
  const types = ['bool', 'date', 'datetime', 'enumeration', 'number', 'phone_number', 'string'];
  if (!types.includes(body.type as string)) return `Property type "${String(body.type)}" is not valid.`;
  const def: Def = {
    name,
    label: body.label as string,
    type: body.type as string,
    fieldType: body.fieldType as string,
    groupName: body.groupName as string,
    hubspotDefined: false,
  };
  if (typeof body.description === 'string') def.description = body.description;
  if (typeof body.hasUniqueValue === 'boolean') def.hasUniqueValue = body.hasUniqueValue;
  if (typeof body.hidden === 'boolean') def.hidden = body.hidden;
  if (typeof body.formField === 'boolean') def.formField = body.formField;
  if (typeof body.displayOrder === 'number') def.displayOrder = body.displayOrder;
  if (Array.isArray(body.options)) {
    def.options = body.options
      .filter((o): o is Record<string, unknown> => typeof o === 'object' && o !== null)
      .map((o, i) => ({
        label: String(o.label ?? o.value ?? ''),
        value: String(o.value ?? ''),
        hidden: o.hidden === true,
        displayOrder: typeof o.displayOrder === 'number' ? o.displayOrder : i,
        ...(typeof o.description === 'string' ? { description: o.description } : {}),
      }));
  }
  return def;
}
