/**
 * Conflict detection for updates: a change is refused as `CONFLICT` when HubSpot changed a field it writes after
 * the change's base was observed.
 *
 * @module
 */
import { type JsonValue, stableStringify, type WriteChange, type WriteResult } from '@crmkit/model';
import {
  type HubspotAssociations,
  type HubspotObject,
  type PropertiesResult,
  toHubspotProperties,
  toSourceRecord,
  toTimestamp,
} from '../mapping';
import type { HubspotObjectType } from '../objects';
import type { HubspotContext } from './context';
import { failure } from './write-results';

/** Compares two HubSpot property values, treating empty as absent and equal instants or numbers as equal. */
function sameValue(a: string | null | undefined, b: string | null | undefined): boolean {
  const x = (a ?? '').trim();
  const y = (b ?? '').trim();
  if (x === y) return true;
  if (x === '' || y === '') return false;
  if (/^-?\d+(\.\d+)?$/.test(x) && /^-?\d+(\.\d+)?$/.test(y) && Number(x) === Number(y)) return true;
  const tx = toTimestamp(x);
  const ty = toTimestamp(y);
  if (tx !== undefined && ty !== undefined && tx === ty && /\d{4}-\d{2}-\d{2}/.test(x + y)) return true;
  return x.toLowerCase() === y.toLowerCase() && /@/.test(x);
}

/** JSON with sorted keys, for comparing model values (`undefined` counts as `null`). */
function canonical(value: unknown): string {
  return stableStringify(value ?? null);
}

const ASSOCIATION_FIELDS = new Set(['organization', 'customer', 'participants']);

/** The references a field holds (`organization.ref`, `customer`, the participants' refs), for conflict checks. */
function refsOf(field: string, value: unknown): unknown {
  if (value === null || value === undefined) return field === 'participants' ? [] : null;
  if (field === 'organization') return (value as { ref?: unknown }).ref;
  if (field === 'participants' && Array.isArray(value)) {
    return value.map((p) => canonical((p as { ref?: unknown })?.ref)).sort();
  }
  return value;
}

/** A change prepared for a batch call: its type, HubSpot id and mapped properties. */
export interface Prepared {
  index: number;
  change: WriteChange;
  type: HubspotObjectType;
  id?: string;
  mapped: PropertiesResult;
}

/** A `CONFLICT` result when HubSpot changed a written field after the change's base was observed. */
export function conflictOf(
  ctx: HubspotContext,
  type: HubspotObjectType,
  item: Prepared,
  object: HubspotObject,
  associations: HubspotAssociations,
): WriteResult | undefined {
  const { s, context } = ctx;
  const base = item.change.base!;
  const vendorMs = Date.parse(toTimestamp(object.updatedAt) ?? '');
  const baseMs = Date.parse(base.observedAt);
  if (!(Number.isFinite(vendorMs) && Number.isFinite(baseMs) && vendorMs > baseMs)) return undefined;
  const mappedCurrent = toSourceRecord(type, object, associations, context);
  const currentData = mappedCurrent.ok ? (mappedCurrent.record.data as Record<string, unknown>) : undefined;
  const changed: string[] = [];
  for (const field of Object.keys(item.change.data ?? {})) {
    if (!(field in base.data)) continue;
    // The HubSpot properties this field writes (nested attribute paths included), compared with the base's values.
    const properties = Object.entries(item.mapped.fields)
      .filter(([written]) => written === field || written.startsWith(`${field}.`))
      .flatMap(([, names]) => names);
    const baseProps = toHubspotProperties(type, { [field]: base.data[field] ?? null } as Record<string, JsonValue>, {
      mapping: s.mapping,
      defaultCurrency: s.defaultCurrency,
    }).properties;
    let differs = properties.some(
      (property) =>
        property in baseProps && !sameValue(baseProps[property], object.properties?.[property] ?? undefined),
    );
    // References are associations, not properties: compare them on the mapped record.
    if (!differs && ASSOCIATION_FIELDS.has(field) && currentData !== undefined) {
      const known = refsOf(field, base.data[field]);
      if (known !== undefined) differs = canonical(refsOf(field, currentData[field])) !== canonical(known);
    }
    if (differs) changed.push(field);
  }
  if (changed.length === 0) return undefined;
  return failure(
    item.change,
    'CONFLICT',
    `[crmkit/hubspot] HubSpot ${type} ${object.id} changed ${changed.join(', ')} after ${base.observedAt} (at ${toTimestamp(object.updatedAt)}); not overwritten.`,
    false,
    mappedCurrent.ok ? mappedCurrent.record : undefined,
  );
}
