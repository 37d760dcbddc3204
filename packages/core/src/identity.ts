import type { LiveSourceRecord, RecordRef, RecordType, SourceRecord, StoredRecord } from '@crmkit/model';
import { normalizeEmail, normalizePhone, type NormalizePhoneOptions } from './normalize';
import { compareStrings, hashString, stableStringify } from './stable';

/**
 * The identity seam. The Hub asks the resolver for the deterministic match keys of each party record; records
 * that share a key are linked into one customer. `@crmkit/identity` plugs a probabilistic engine in behind the
 * same interface.
 */
export interface IdentityResolver {
  /** Name, for messages and the journal. */
  readonly name: string;
  /** Match keys of a live party record, e.g. `person:email:ada@example.com`. Must be a pure function of the record. */
  matchKeys(record: LiveSourceRecord): string[];
  /** Keys under which a reference (interaction participant, opportunity customer) finds its party. */
  refKeys(ref: RecordRef, defaultSource: string): string[];
}

/** Options of {@link createDeterministicResolver}. */
export interface DeterministicResolverOptions extends NormalizePhoneOptions {
  /**
   * Which contact points link records. @default ['email', 'phone']
   */
  keys?: readonly ('email' | 'phone')[];
}

/** Key of a stored record: `source/type/externalId`. */
export function recordKey(record: { source: string; type: RecordType; externalId: string }): string {
  return `${record.source}/${record.type}/${record.externalId}`;
}

/**
 * The default resolver: records of the same type link when they share a normalised email address or phone number
 * (and, trivially, when they are the same record: same source, type and external id).
 *
 * @example
 * ```ts
 * const hub = createHub({ identity: createDeterministicResolver({ defaultCallingCode: '31' }) });
 * ```
 */
export function createDeterministicResolver(options: DeterministicResolverOptions = {}): IdentityResolver {
  const useEmail = options.keys?.includes('email') ?? true;
  const usePhone = options.keys?.includes('phone') ?? true;
  const phoneOptions: NormalizePhoneOptions = options.defaultCallingCode
    ? { defaultCallingCode: options.defaultCallingCode }
    : {};
  return {
    name: 'deterministic',
    matchKeys(record) {
      if (record.type !== 'person' && record.type !== 'organization') return [];
      const keys = new Set<string>();
      if (useEmail) {
        for (const email of record.data.emails ?? []) {
          const normalized = normalizeEmail(email.value);
          if (normalized) keys.add(`${record.type}:email:${normalized}`);
        }
      }
      if (usePhone) {
        for (const phone of record.data.phones ?? []) {
          const normalized = normalizePhone(phone.value, phoneOptions);
          if (normalized) keys.add(`${record.type}:phone:${normalized}`);
        }
      }
      return [...keys].sort();
    },
    refKeys(ref, defaultSource) {
      if ('externalId' in ref)
        return [
          `rec:${recordKey({ source: ref.source ?? defaultSource, type: ref.type, externalId: ref.externalId })}`,
        ];
      if ('email' in ref) {
        const normalized = normalizeEmail(ref.email);
        return normalized ? [`email:${normalized}`] : [];
      }
      const normalized = normalizePhone(ref.phone, phoneOptions);
      return normalized ? [`phone:${normalized}`] : [];
    },
  };
}

/** The references a record makes to parties (participants, opportunity customer, a person's organisation). */
export function referencesOf(record: SourceRecord): RecordRef[] {
  if (record.deleted) return [];
  switch (record.type) {
    case 'interaction':
      return record.data.participants.map((participant) => participant.ref);
    case 'opportunity':
      return [record.data.customer];
    case 'person':
      return record.data.organization?.ref ? [record.data.organization.ref] : [];
    default:
      return [];
  }
}

/**
 * Turns a validated source record into the row a store keeps, as the Hub does on ingest: key, content hash, match
 * keys and reference keys from the resolver. The row is not linked yet (`customerId` and `homeId` null, version 1).
 * Bulk loaders and benchmarks use it to write exactly what the Hub would.
 *
 * @example
 * ```ts
 * const row = prepareRecord(parseSourceRecord(input), { identity: createDeterministicResolver(), now: new Date().toISOString() });
 * ```
 */
export function prepareRecord(
  record: SourceRecord,
  options: { identity: IdentityResolver; now: string },
): StoredRecord {
  const live = record.deleted ? undefined : record;
  const data = live ? live.data : null;
  return {
    key: recordKey(record),
    type: record.type,
    source: record.source,
    externalId: record.externalId,
    observedAt: new Date(record.observedAt).toISOString(),
    deleted: record.deleted,
    data,
    contentHash: hashString(stableStringify({ type: record.type, deleted: record.deleted, data })),
    matchKeys: live && (live.type === 'person' || live.type === 'organization') ? options.identity.matchKeys(live) : [],
    refKeys: [...new Set(referencesOf(record).flatMap((ref) => options.identity.refKeys(ref, record.source)))].sort(
      compareStrings,
    ),
    customerId: null,
    homeId: null,
    version: 1,
    ingestedAt: options.now,
  };
}
