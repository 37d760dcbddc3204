/**
 * Small golden records for bulk-loading a store with many customers (1,000,000 in `store.bench.ts` (c) and in the
 * issue-15 target runner's read row): customer `i` has a given, family and full name with provenance, one email, one
 * phone and one source (`hubspot-sales`, external id `i`), and lookup keys `email:`, `phone:` and two `name:` tokens.
 * `smallRecord(i)` is the source record behind customer `i`, so a `hub.view` finds the customer's own record too.
 */
import { prepareRecord } from '@crmkit/core/internal';
import type { IdentityResolver } from '@crmkit/core';
import { type CustomerRow, parseSourceRecord, type StoredRecord } from '@crmkit/model';
import { FAMILY_NAMES as FAMILY, GIVEN_NAMES as GIVEN } from '@crmkit/testing';

/** When every small record was observed. */
export const OBSERVED = '2026-06-01T00:00:00.000Z';

/** Id of customer `i`: `cus_` and seven digits, so ids sort like the numbers. */
export function idOf(i: number): string {
  return `cus_${String(i).padStart(7, '0')}`;
}

/** Given and family name of customer `i`. */
export function namesOf(i: number): [given: string, family: string] {
  return [GIVEN[i % GIVEN.length]!, FAMILY[Math.floor(i / GIVEN.length) % FAMILY.length]!];
}

/** The (unique) email address of customer `i`. */
export function emailOf(i: number): string {
  const [given, family] = namesOf(i);
  return `${given}.${family.replace(/\s/g, '')}.${i}@example.com`.toLowerCase();
}

/** The (unique) phone number of customer `i`. */
export function phoneOf(i: number): string {
  return `+316${String(10_000_000 + i).slice(-8)}`;
}

/** A small golden record: three name fields, one email, one phone, one source. */
export function smallCustomer(i: number): CustomerRow {
  const [given, family] = namesOf(i);
  const fullName = `${given} ${family}`;
  const email = emailOf(i);
  const phone = phoneOf(i);
  const source = { system: 'hubspot-sales', externalId: String(i), observedAt: OBSERVED };
  const provenance = {
    source: 'hubspot-sales',
    recordType: 'person' as const,
    externalId: String(i),
    observedAt: OBSERVED,
    rule: 'mostRecent' as const,
  };
  return {
    id: idOf(i),
    kind: 'person',
    status: 'active',
    displayName: fullName,
    createdAt: OBSERVED,
    updatedAt: OBSERVED,
    version: 1,
    golden: {
      kind: 'person',
      fields: {
        givenName: { value: given, provenance, candidates: 1 },
        familyName: { value: family, provenance, candidates: 1 },
        fullName: { value: fullName, provenance, candidates: 1 },
      },
      contactPoints: [
        { kind: 'email', value: email, normalized: email, primary: true, verified: false, sources: [source] },
        { kind: 'phone', value: phone, normalized: phone, primary: true, verified: false, sources: [source] },
      ],
      sources: [source],
    },
    lookupKeys: [
      `email:${email}`,
      `phone:${phone}`,
      ...new Set(
        fullName
          .toLowerCase()
          .split(/\s+/)
          .map((token) => `name:${token}`),
      ),
    ].sort(),
  };
}

/**
 * The stored source record behind customer `i` (validated data, match keys, content hash), linked to it: what a
 * bulk importer hands to `StoreTransaction.putRecords` next to `smallCustomer(i)`.
 */
export function smallRecord(i: number, identity: IdentityResolver, now: string): StoredRecord {
  const [given, family] = namesOf(i);
  const record = parseSourceRecord({
    type: 'person',
    source: 'hubspot-sales',
    externalId: String(i),
    observedAt: OBSERVED,
    data: { givenName: given, familyName: family, emails: [emailOf(i)], phones: [phoneOf(i)] },
  });
  return { ...prepareRecord(record, { identity, now }), customerId: idOf(i), homeId: idOf(i) };
}
