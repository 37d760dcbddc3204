/**
 * Write: model fields (a write's `data`) to HubSpot properties, reversing the custom mapping; and the object type
 * a record is written to.
 *
 * @module
 */
import type { JsonValue, RecordType } from '@crmkit/model';
import { HUBSPOT_OBJECTS, type HubspotEngagementType, type HubspotObjectType } from '../objects';
import type { PropertiesResult, WriteMappingOptions } from './types';
import { put, str } from './write-fields';
import { writersOf } from './write-objects';

/** Flattens `attributes` into dotted leaf paths (`attributes.sales.tier`), stopping at mapped paths. */
export function flattenAttributes(
  value: JsonValue,
  prefix: string,
  stops: Set<string>,
  out: [string, JsonValue][],
): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !stops.has(prefix)) {
    for (const [key, inner] of Object.entries(value)) flattenAttributes(inner, `${prefix}.${key}`, stops, out);
    return;
  }
  out.push([prefix, value]);
}

/**
 * Maps model fields (a write's `data`, in crmkit's names) to HubSpot properties, reversing the custom mapping.
 * `attributes.hubspot.<property>` writes that property as it is. Fields HubSpot cannot hold are reported in `errors`.
 *
 * @example
 * ```ts
 * toHubspotProperties('contacts', { givenName: 'Ada', emails: ['ada@example.com'] });
 * // { properties: { firstname: 'Ada', email: 'ada@example.com' }, ... }
 * ```
 */
export function toHubspotProperties(
  type: HubspotObjectType,
  data: Record<string, JsonValue | null>,
  options: WriteMappingOptions = {},
): PropertiesResult {
  const mapping = options.mapping ?? {};
  const out: PropertiesResult = { properties: {}, associations: [], fields: {}, errors: [] };
  const custom = mapping[type] ?? {};
  const byPath = new Map<string, string>();
  for (const [property, path] of Object.entries(custom)) byPath.set(path, property);
  const writers = writersOf(type);
  const leaves: [string, JsonValue][] = [];
  for (const [field, value] of Object.entries(data)) {
    if (value === undefined) continue;
    if (field === 'attributes' || field.startsWith('attributes.')) {
      flattenAttributes(value, field, new Set(byPath.keys()), leaves);
      continue;
    }
    const mapped = byPath.get(field);
    if (mapped !== undefined) {
      put(out, field, mapped, str(value));
      continue;
    }
    if (field.includes('.')) {
      const root = field.split('.')[0]!;
      out.errors.push({ field, message: `HubSpot has no property for "${field}"; write "${root}" as a whole` });
      continue;
    }
    const writer = writers[field];
    if (writer === undefined) {
      out.errors.push({ field, message: `HubSpot ${type} have no property for the model field "${field}"` });
      continue;
    }
    writer(value, out, field, options);
  }
  for (const [path, value] of leaves) {
    const mapped = byPath.get(path);
    if (mapped !== undefined) {
      put(out, path, mapped, str(value));
      continue;
    }
    const raw = /^attributes\.hubspot\.([A-Za-z0-9_][A-Za-z0-9_-]*)$/.exec(path);
    if (raw !== null) {
      put(out, path, raw[1]!, str(value));
      continue;
    }
    if (path === 'attributes' && (value === null || (typeof value === 'object' && Object.keys(value).length === 0))) {
      continue;
    }
    out.errors.push({
      field: path,
      message: `No HubSpot property is mapped to "${path}"; add it to the adapter's mapping`,
    });
  }
  return out;
}

/** The HubSpot engagement type an interaction's `activity.kind` is written to; `undefined` for other kinds. */
export function engagementTypeOfActivity(kind: unknown): HubspotEngagementType | undefined {
  switch (kind) {
    case 'note':
      return 'notes';
    case 'call':
      return 'calls';
    case 'meeting':
      return 'meetings';
    case 'task':
      return 'tasks';
    default:
      return undefined;
  }
}

/** The record type a HubSpot object type maps to. */
export function recordTypeOf(type: HubspotObjectType): RecordType {
  return HUBSPOT_OBJECTS[type].recordType;
}
