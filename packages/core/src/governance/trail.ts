import type { JournalEntry, JsonValue, StoredRecord } from '@crmkit/model';
import { type AuditInput, diffFields } from './audit';

/** The actor of operations made without one: the embedding app itself. */
export const APP_ACTOR = 'system:app';

/** The data of a record as flat top-level fields (`data.givenName` ...), for diffs. Tombstones have none. */
function flatData(record: StoredRecord | undefined): Record<string, JsonValue> {
  if (!record || record.deleted || record.data === null) return {};
  const out: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(record.data as Record<string, JsonValue>)) {
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/**
 * The audit entry of one stored change of a source record: `record.created`, `record.updated` or `record.deleted`
 * on `record:<key>`, with every changed top-level data field (old and new values).
 */
export function auditOfRecord(
  record: StoredRecord,
  prev: StoredRecord | undefined,
  change: 'created' | 'updated' | 'deleted',
  actor: string,
  at: string,
): AuditInput {
  return {
    actor,
    action: `record.${change}`,
    target: `record:${record.key}`,
    changes: diffFields(flatData(prev), flatData(record)),
    at,
  };
}

const JOURNAL_ACTIONS: Record<JournalEntry['kind'], string> = {
  merge: 'customer.merge',
  unmerge: 'customer.unmerge',
  'auto-merge': 'customer.auto-merge',
  split: 'customer.split',
  override: 'customer.override',
  'override-cleared': 'customer.override-cleared',
  link: 'identity.link',
  unlink: 'identity.unlink',
  review: 'identity.review',
  fields: 'customer.fields',
};

/**
 * The audit entry of one journal entry (merges, unmerges, links, reviews, overrides, plugin fields): the journal
 * says what changed identity or overrides; the audit log adds the hash chain. Values that the journal keeps
 * (override values, plugin field values) become changes; merge snapshots are left in the journal.
 */
export function auditOfJournal(entry: JournalEntry, fallbackActor: string): AuditInput {
  const data = (entry.data ?? {}) as Record<string, JsonValue>;
  const reason = typeof data.reason === 'string' ? data.reason : undefined;
  const target = `customer:${entry.customerIds[0] ?? 'unknown'}`;
  let changes: AuditInput['changes'] = [];
  switch (entry.kind) {
    case 'override':
      changes = [{ field: String(data.field), new: data.value ?? null }];
      break;
    case 'override-cleared':
      changes = [{ field: String(data.field) }];
      break;
    case 'fields':
      changes = Object.entries(data)
        .filter(([field]) => field.startsWith('attributes.'))
        .map(([field, value]) => (value === null ? { field } : { field, new: value }));
      break;
    case 'merge':
    case 'unmerge':
    case 'auto-merge':
    case 'split':
      changes = entry.customerIds.slice(1).map((id) => ({ field: 'customers', new: id }));
      break;
    default:
      changes = [];
  }
  return {
    actor: entry.actor ?? fallbackActor,
    action: JOURNAL_ACTIONS[entry.kind] ?? `journal.${entry.kind}`,
    target,
    ...(reason ? { reason } : {}),
    changes,
    at: entry.at,
  };
}
