/**
 * Pure mapping between HubSpot objects and crmkit source records, both ways. No I/O: the adapter fetches, these
 * functions translate.
 *
 * Read: every HubSpot property the mapping does not consume is kept under `attributes.hubspot`, so nothing is lost
 * (`mapping/read.ts`, one module per object family: `read-parties.ts`, `read-deals.ts`, `read-engagements.ts`).
 * Write: model fields become HubSpot properties; a field without a HubSpot property is an error, never dropped
 * (`mapping/write.ts`, with the field writers in `write-fields.ts` and each object type's in `write-objects.ts`).
 *
 * @module
 */

export { toSourceRecord, toTombstone } from './mapping/read';
export type {
  FieldError,
  HubspotAssociatedId,
  HubspotAssociations,
  HubspotAssociationTarget,
  HubspotObject,
  MappingContext,
  MapResult,
  PropertiesResult,
  WriteMappingOptions,
} from './mapping/types';
export {
  associationsFromV3,
  hubspotOwnerIdOf,
  OWNER_ID_PREFIX,
  ownerIdOf,
  toCountryCode,
  toDate,
  toTimestamp,
} from './mapping/values';
export { engagementTypeOfActivity, recordTypeOf, toHubspotProperties } from './mapping/write';
