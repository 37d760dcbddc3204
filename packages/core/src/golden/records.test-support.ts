/**
 * Stored records for the golden-record tests (`derive.test.ts`, `survivorship.test.ts`), built the way the Hub
 * builds them. Test code only: excluded from the package build.
 *
 * @module
 */
import { parseSourceRecord, type RecordType, type StoredRecord } from '@crmkit/model';
import { expect } from 'vitest';
import { hashString, stableStringify } from '../runtime/stable';
import { type DeriveGoldenOptions, deriveGolden } from './derive';

/** Builds a StoredRecord the way the Hub would: the data goes through the real schema first. */
export function stored(
  type: RecordType,
  source: string,
  externalId: string,
  observedAt: string,
  data: Record<string, unknown>,
  extra: { deleted?: boolean } = {},
): StoredRecord {
  const parsed = parseSourceRecord({ type, source, externalId, observedAt, data });
  if (parsed.deleted) throw new Error('unexpected tombstone');
  return {
    key: `${source}/${type}/${externalId}`,
    type,
    source,
    externalId,
    observedAt,
    deleted: extra.deleted ?? false,
    data: parsed.data,
    contentHash: hashString(stableStringify(parsed.data)),
    matchKeys: [],
    refKeys: [],
    blockKeys: [],
    customerId: 'cus_1',
    homeId: 'cus_1',
    version: 1,
    ingestedAt: '2026-06-01T00:00:00Z',
  };
}

export const person = (source: string, externalId: string, observedAt: string, data: Record<string, unknown>) =>
  stored('person', source, externalId, observedAt, data);
export const org = (source: string, externalId: string, observedAt: string, data: Record<string, unknown>) =>
  stored('organization', source, externalId, observedAt, data);

export function tombstone(type: RecordType, source: string, externalId: string, observedAt: string): StoredRecord {
  return { ...person(source, externalId, observedAt, {}), type, deleted: true, data: null };
}

/** Every ordering of a list. */
export function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

/** Derives for every permutation, asserts all results are equal, and returns the first. */
export function deriveAllOrders(
  kind: 'person' | 'organization',
  records: StoredRecord[],
  options?: DeriveGoldenOptions,
) {
  const results = permutations(records).map((list) => deriveGolden(kind, list, options));
  for (const result of results) expect(result).toEqual(results[0]);
  return results[0]!;
}

export const D1 = '2026-01-01T00:00:00Z';
export const D2 = '2026-02-01T00:00:00Z';
export const D3 = '2026-03-01T00:00:00Z';
export const D4 = '2026-04-01T00:00:00Z';
