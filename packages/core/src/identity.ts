import type { LiveSourceRecord, RecordRef, RecordType, SourceRecord } from '@crmkit/model';
import { normalizeEmail, normalizePhone, type NormalizePhoneOptions } from './normalize';

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
