/**
 * `@crmkit/hubspot`: the HubSpot adapter for crmkit (layer 4). Contacts, companies, deals and engagements (notes,
 * calls, meetings, tasks) become person, organization, opportunity and interaction source records: full and
 * incremental reads with resumable checkpoints, write-back with conflict detection and idempotent creates, GDPR
 * erase, and signed webhooks. Runs on any runtime with `fetch` and WebCrypto.
 *
 * @packageDocumentation
 */

export {
  createHubspot,
  type HubspotAdapter,
  type HubspotAdapterStats,
  type HubspotOwner,
  WRITE_KEY_PROPERTY,
} from './adapter';
export {
  decodeCheckpoint,
  encodeCheckpoint,
  type FullCheckpoint,
  type HubspotCheckpoint,
  type IncrementalCheckpoint,
} from './checkpoint';
export {
  associationsFromV3,
  type FieldError,
  type HubspotAssociatedId,
  type HubspotAssociations,
  type HubspotAssociationTarget,
  type HubspotObject,
  hubspotOwnerIdOf,
  type MapResult,
  type MappingContext,
  OWNER_ID_PREFIX,
  ownerIdOf,
  type PropertiesResult,
  toCountryCode,
  toDate,
  toHubspotProperties,
  toSourceRecord,
  toTimestamp,
  toTombstone,
  type WriteMappingOptions,
  engagementTypeOfActivity,
  recordTypeOf,
} from './mapping';
export {
  externalIdOf,
  HUBSPOT_OBJECT_TYPES,
  HUBSPOT_OBJECTS,
  type HubspotEngagementType,
  type HubspotObjectInfo,
  type HubspotObjectType,
  isEngagementType,
  objectTypeOfRecord,
  objectTypeOfTypeId,
  parseEngagementId,
} from './objects';
export {
  type HubspotHttpOptions,
  type HubspotPropertyMapping,
  type HubspotSettings,
  type InvalidObjectHandler,
  type InvalidObjectReport,
  type ResolvedHubspotSettings,
  resolveSettings,
} from './settings';
export { type ParseHubspotEventsOptions, parseHubspotEvents } from './webhooks';
