import type { JsonValue, SourceRef } from './common';
import type { ContactPointKind, PostalAddress } from './party';
import type { PartyRecordType, RecordType } from './source-record';

/** Names of the survivorship rules a golden field can be decided by. */
export type SurvivorshipRuleName = 'mostRecent' | 'sourcePriority' | 'mostFrequent' | 'departmentOwned' | 'override';

/**
 * How the value of one golden field is chosen from the linked source records.
 * - `mostRecent`: the value observed last wins.
 * - `sourcePriority`: the first listed source that has a value wins; unlisted sources follow, most recent first.
 * - `mostFrequent`: the value most sources agree on wins; ties go to the most recent.
 * - `departmentOwned`: the sources of the owning department win (most recent first); others only fill a gap.
 * Every rule breaks remaining ties the same way (observedAt, source, external id, value), so the result never
 * depends on ingest order.
 */
export type SurvivorshipRule =
  | { rule: 'mostRecent' }
  | { rule: 'sourcePriority'; sources: readonly string[] }
  | { rule: 'mostFrequent' }
  | { rule: 'departmentOwned'; department: string };

/** Where a golden field's value came from, and which rule chose it. */
export interface Provenance {
  /** Source system that supplied the value (`crmkit:override` for an explicit override). */
  source: string;
  /** Type of the source record. */
  recordType: RecordType;
  /** The record's id in that source (the actor's id for an override). */
  externalId: string;
  /** When the source observed the value (when the override was set). */
  observedAt: string;
  /** The rule that chose this value. */
  rule: SurvivorshipRuleName;
}

/** One field of a golden record: the surviving value, where it came from, and how many candidates there were. */
export interface GoldenField<T extends JsonValue = JsonValue> {
  value: T;
  provenance: Provenance;
  /** Number of linked records that had a value for the field. */
  candidates: number;
}

/** A contact point on a golden record: de-duplicated by its normalised value, with every source that supplied it. */
export interface GoldenContactPoint {
  kind: ContactPointKind;
  /** The value as the most recent source spelled it. */
  value: string;
  /** Normalised value (the de-duplication key). */
  normalized: string;
  address?: PostalAddress;
  label?: string;
  primary: boolean;
  verified: boolean;
  /** Every source record that supplied the contact point. */
  sources: SourceRef[];
}

/** The golden record of a customer: derived from its linked source records, rules and overrides. */
export interface GoldenRecord {
  kind: PartyRecordType;
  /** The surviving value of each field, each with provenance. */
  fields: Record<string, GoldenField>;
  contactPoints: GoldenContactPoint[];
  /** Every live source record linked to the customer, sorted. */
  sources: SourceRef[];
}

/** Lifecycle of a customer id: active; merged into another (a redirect); deleted (no live records left). */
export type CustomerStatus = 'active' | 'merged' | 'deleted';

/** A customer: a stable id and its current golden record. */
export interface Customer {
  id: string;
  kind: PartyRecordType;
  status: CustomerStatus;
  /** For `merged` customers: the id that now holds their records. */
  mergedInto?: string;
  /** A display name derived from the golden record. */
  displayName: string;
  createdAt: string;
  updatedAt: string;
  /** Increases with every change to the customer. */
  version: number;
  golden: GoldenRecord;
}
