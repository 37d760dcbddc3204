/**
 * The shapes the HubSpot mapping reads and writes: objects and their associations, results and options.
 *
 * @module
 */
import type { JsonValue, SourceRecordInput } from '@crmkit/model';
import type { HubspotObjectType } from '../objects';
import type { HubspotPropertyMapping, InvalidObjectReport } from '../settings';
import { toSourceRecord } from './read';
import { toHubspotProperties } from './write';

/** One association of a HubSpot object: the associated object's id and whether it is the primary one. */
export interface HubspotAssociatedId {
  /** HubSpot id of the associated object. */
  id: string;
  /** True for the primary association (e.g. a contact's primary company). */
  primary: boolean;
}

/** Associations of one object, by associated object type. */
export type HubspotAssociations = Partial<Record<HubspotObjectType, HubspotAssociatedId[]>>;

/** A CRM object as HubSpot's v3 object APIs return it. */
export interface HubspotObject {
  /** HubSpot's id. */
  id: string;
  /** Property values; HubSpot sends every value as a string (or null). */
  properties: Record<string, string | null | undefined>;
  /** When the object was created (ISO 8601). */
  createdAt?: string;
  /** When the object was last modified (ISO 8601). */
  updatedAt?: string;
  /** Whether the object is archived (deleted). */
  archived?: boolean;
  /** Associations as the v3 list endpoint returns them with `associations=...`. */
  associations?: Record<string, { results?: { id: string | number; type?: string }[] } | undefined>;
}

/** What the mapping needs besides the object. */
export interface MappingContext {
  /** crmkit source name. */
  source: string;
  /** Custom property mapping. */
  mapping?: HubspotPropertyMapping;
  /** Currency of deals without `deal_currency_code`. */
  defaultCurrency?: string | undefined;
}

/** Result of {@link toSourceRecord}: a valid record, or a report naming why the object was skipped. */
export type MapResult = { ok: true; record: SourceRecordInput } | { ok: false; report: InvalidObjectReport };

/** An association to create when writing: the associated object's type and id. */
export interface HubspotAssociationTarget {
  /** The associated object's type. */
  type: HubspotObjectType;
  /** The associated object's HubSpot id. */
  id: string;
}

/** A model field the write mapping refused. */
export interface FieldError {
  /** The model field (dotted for nested ones), e.g. `fullName` or `attributes.sales.tier`. */
  field: string;
  /** Why. */
  message: string;
}

/** Result of {@link toHubspotProperties}. */
export interface PropertiesResult {
  /** HubSpot properties to write (`''` clears a value). */
  properties: Record<string, string>;
  /** Associations to create. */
  associations: HubspotAssociationTarget[];
  /** Which properties each model field wrote (used to compare with a change's `base`). */
  fields: Record<string, string[]>;
  /** Fields that have no HubSpot property or hold an unacceptable value. */
  errors: FieldError[];
}

/** Options of {@link toHubspotProperties}. */
export interface WriteMappingOptions {
  /** Custom property mapping, reversed. */
  mapping?: HubspotPropertyMapping | undefined;
  /** The account's currency: amounts in it are written without `deal_currency_code`. */
  defaultCurrency?: string | undefined;
}

export type Writer = (value: JsonValue, out: PropertiesResult, field: string, options: WriteMappingOptions) => void;
