/**
 * Read: one HubSpot object to a crmkit source record (or a report of why it is invalid), and tombstones.
 *
 * @module
 */
import { parseSourceRecord, type SourceRecordInput, ValidationError } from '@crmkit/model';
import { externalIdOf, HUBSPOT_OBJECTS, type HubspotObjectType } from '../objects';
import { PropertyReader } from './property-reader';
import { mapDeal } from './read-deals';
import { mapEngagement } from './read-engagements';
import { mapCompany, mapContact } from './read-parties';
import type { HubspotAssociations, HubspotObject, MappingContext, MapResult } from './types';
import { setPath, text, toTimestamp } from './values';

/**
 * Maps one HubSpot object to a crmkit source record: the object's own fields to the model, custom-mapped properties
 * to their model paths, and every other property to `attributes.hubspot`. `observedAt` is HubSpot's `updatedAt`.
 * Returns a report instead of throwing when the record fails the model's validation.
 *
 * @example
 * ```ts
 * const result = toSourceRecord('contacts', object, associationsFromV3(object), { source: 'hubspot' });
 * if (result.ok) records.push(result.record);
 * ```
 */
export function toSourceRecord(
  type: HubspotObjectType,
  object: HubspotObject,
  associations: HubspotAssociations,
  context: MappingContext,
): MapResult {
  const info = HUBSPOT_OBJECTS[type];
  const p = new PropertyReader(object.properties ?? {});
  p.use('hs_object_id');
  let data: Record<string, unknown>;
  switch (type) {
    case 'contacts':
      data = mapContact(p, associations);
      break;
    case 'companies':
      data = mapCompany(p, object.id);
      break;
    case 'deals':
      data = mapDeal(p, object.id, associations, context);
      break;
    default:
      data = mapEngagement(type, p, object, associations);
  }
  for (const [property, path] of Object.entries(context.mapping?.[type] ?? {})) {
    const value = text(object.properties?.[property]);
    if (value === undefined) {
      p.use(property);
      continue;
    }
    p.use(property);
    setPath(data, path, value);
  }
  const raw = p.rest();
  if (Object.keys(raw).length > 0) {
    const attributes = (data.attributes ?? {}) as Record<string, unknown>;
    attributes.hubspot = raw;
    data.attributes = attributes;
  }
  const observedAt =
    toTimestamp(object.updatedAt) ??
    toTimestamp(object.properties?.[info.lastModifiedProperty]) ??
    toTimestamp(object.createdAt);
  const record = {
    type: info.recordType,
    source: context.source,
    externalId: externalIdOf(type, object.id),
    observedAt: observedAt ?? '',
    data,
  } as SourceRecordInput;
  try {
    parseSourceRecord(record);
  } catch (error) {
    if (!ValidationError.isInstance(error)) throw error;
    const issues = error.issues.map((issue) => ({ path: issue.pathString, message: issue.message }));
    return {
      ok: false,
      report: {
        objectType: type,
        objectId: object.id,
        path: issues[0]?.path ?? 'record',
        message: `${type} ${object.id} is invalid at ${issues[0]?.path}: ${issues[0]?.message}`,
        issues,
      },
    };
  }
  return { ok: true, record };
}

/** A tombstone for a deleted HubSpot object. */
export function toTombstone(
  type: HubspotObjectType,
  objectId: string,
  observedAt: string,
  source: string,
): SourceRecordInput {
  return {
    type: HUBSPOT_OBJECTS[type].recordType,
    source,
    externalId: externalIdOf(type, objectId),
    observedAt,
    deleted: true,
  };
}
