import type { Customer, InteractionData, JsonValue, RecordRefInput, SourceRecordInput } from '@crmkit/model';

/**
 * A reference to one of the customer's own source records, for the participants of an interaction a plugin
 * records. Needs the `sources` field in the plugin's read grant. Skips provenance of plugin writes.
 */
export function refOf(customer: Customer): RecordRefInput | undefined {
  const source = customer.golden.sources.find((s) => !s.system.startsWith('plugin:'));
  if (!source) return undefined;
  return { type: customer.kind, source: source.system, externalId: source.externalId };
}

/**
 * The participants of an interaction as another source can refer to them: a reference by external id without a
 * source means "in the interaction's own source", so it gets that source spelled out.
 */
export function portableParticipants(
  participants: InteractionData['participants'],
  source: string,
): { ref: RecordRefInput; role: InteractionData['participants'][number]['role'] }[] {
  return participants.map(({ ref, role }) => ({
    ref: 'externalId' in ref && ref.source === undefined ? { ...ref, source } : ref,
    role,
  }));
}

/** A tombstone of a record the plugin wrote: deletes it (wins over the stored record at the same time). */
export function tombstone(
  externalId: string,
  observedAt: string,
  type: SourceRecordInput['type'] = 'interaction',
): Omit<SourceRecordInput, 'source'> {
  return { type, externalId, observedAt, deleted: true } as Omit<SourceRecordInput, 'source'>;
}

/** `iso` plus `hours`, as an ISO 8601 string. */
export function addHours(iso: string, hours: number): string {
  return new Date(Date.parse(iso) + hours * 3_600_000).toISOString();
}

/** The later of two ISO 8601 times. */
export function later(a: string, b: string): string {
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

/** The value of a golden field, if the plugin may see it. */
export function fieldValue(customer: Customer, path: string): JsonValue | undefined {
  return customer.golden.fields[path]?.value;
}
