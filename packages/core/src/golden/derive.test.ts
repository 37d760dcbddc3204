import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseSourceRecord,
  type FieldOverride,
  type GoldenField,
  type GoldenRecord,
  type JsonValue,
  type RecordType,
  type StoredRecord,
} from '@crmkit/model';
import { deriveGolden, displayNameOf, type DeriveGoldenOptions } from './derive';
import { hashString, stableStringify } from '../runtime/stable';

/** Builds a StoredRecord the way the Hub would: the data goes through the real schema first. */
function stored(
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

const person = (source: string, externalId: string, observedAt: string, data: Record<string, unknown>) =>
  stored('person', source, externalId, observedAt, data);
const org = (source: string, externalId: string, observedAt: string, data: Record<string, unknown>) =>
  stored('organization', source, externalId, observedAt, data);

function tombstone(type: RecordType, source: string, externalId: string, observedAt: string): StoredRecord {
  return { ...person(source, externalId, observedAt, {}), type, deleted: true, data: null };
}

/** Every ordering of a list. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

/** Derives for every permutation, asserts all results are equal, and returns the first. */
function deriveAllOrders(kind: 'person' | 'organization', records: StoredRecord[], options?: DeriveGoldenOptions) {
  const results = permutations(records).map((list) => deriveGolden(kind, list, options));
  for (const result of results) expect(result).toEqual(results[0]);
  return results[0]!;
}

const D1 = '2026-01-01T00:00:00Z';
const D2 = '2026-02-01T00:00:00Z';
const D3 = '2026-03-01T00:00:00Z';
const D4 = '2026-04-01T00:00:00Z';

describe('deriveGolden: mostRecent (default)', () => {
  it('picks the most recently observed value and reports its provenance', () => {
    const records = [
      person('crm', 'p1', D1, { jobTitle: 'Engineer' }),
      person('erp', 'e1', D3, { jobTitle: 'CTO' }),
      person('web', 'w1', D2, { jobTitle: 'Lead' }),
    ];
    const golden = deriveAllOrders('person', records);
    expect(golden.kind).toBe('person');
    expect(golden.fields.jobTitle).toEqual({
      value: 'CTO',
      provenance: { source: 'erp', recordType: 'person', externalId: 'e1', observedAt: D3, rule: 'mostRecent' },
      candidates: 3,
    });
  });

  it('compares instants, not timestamp strings', () => {
    const records = [
      // 08:00Z, but the string sorts after the other.
      person('a', '1', '2026-01-01T10:00:00+02:00', { jobTitle: 'Older' }),
      person('b', '2', '2026-01-01T09:00:00Z', { jobTitle: 'Newer' }),
    ];
    expect(deriveAllOrders('person', records).fields.jobTitle?.value).toBe('Newer');
  });

  it('breaks ties on observedAt by source, then external id, in every input order', () => {
    const bySource = deriveAllOrders('person', [
      person('zeta', '1', D1, { jobTitle: 'Z' }),
      person('alpha', '9', D1, { jobTitle: 'A' }),
      person('mid', '5', D1, { jobTitle: 'M' }),
    ]);
    expect(bySource.fields.jobTitle?.value).toBe('A');
    expect(bySource.fields.jobTitle?.provenance.source).toBe('alpha');
    const byExternalId = deriveAllOrders('person', [
      person('crm', 'b', D1, { jobTitle: 'B' }),
      person('crm', 'a', D1, { jobTitle: 'A' }),
      person('crm', 'c', D1, { jobTitle: 'C' }),
    ]);
    expect(byExternalId.fields.jobTitle?.provenance.externalId).toBe('a');
    expect(byExternalId.fields.jobTitle?.value).toBe('A');
  });

  it('counts only records that have a value, and ignores empty strings', () => {
    const golden = deriveAllOrders('person', [
      person('a', '1', D3, { jobTitle: '' }),
      person('b', '2', D2, { givenName: 'Ada' }),
      person('c', '3', D1, { jobTitle: 'CTO' }),
    ]);
    expect(golden.fields.jobTitle).toMatchObject({ value: 'CTO', candidates: 1 });
    expect(golden.fields.givenName).toMatchObject({ value: 'Ada', candidates: 1 });
  });
});

describe('deriveGolden: sourcePriority', () => {
  const options: DeriveGoldenOptions = {
    survivorship: { fields: { jobTitle: { rule: 'sourcePriority', sources: ['hr', 'crm'] } } },
  };

  it('picks the first listed source that has a value, even when older', () => {
    const golden = deriveAllOrders(
      'person',
      [
        person('web', 'w', D4, { jobTitle: 'Web' }),
        person('crm', 'c', D3, { jobTitle: 'Crm' }),
        person('hr', 'h', D1, { jobTitle: 'Hr' }),
      ],
      options,
    );
    expect(golden.fields.jobTitle).toEqual({
      value: 'Hr',
      provenance: { source: 'hr', recordType: 'person', externalId: 'h', observedAt: D1, rule: 'sourcePriority' },
      candidates: 3,
    });
  });

  it('falls through to the next listed source when the first has no value', () => {
    const golden = deriveAllOrders(
      'person',
      [
        person('web', 'w', D4, { jobTitle: 'Web' }),
        person('crm', 'c', D2, { jobTitle: 'Crm' }),
        person('hr', 'h', D3, { givenName: 'Ada' }),
      ],
      options,
    );
    expect(golden.fields.jobTitle?.value).toBe('Crm');
    expect(golden.fields.jobTitle?.provenance.rule).toBe('sourcePriority');
  });

  it('orders unlisted sources after listed ones, most recent first', () => {
    const golden = deriveAllOrders(
      'person',
      [
        person('web', 'w', D2, { jobTitle: 'Web' }),
        person('shop', 's', D4, { jobTitle: 'Shop' }),
        person('events', 'e', D3, { jobTitle: 'Events' }),
      ],
      options,
    );
    expect(golden.fields.jobTitle?.value).toBe('Shop');
    expect(golden.fields.jobTitle?.provenance).toMatchObject({ source: 'shop', rule: 'sourcePriority' });
  });

  it('takes the most recent record within the same listed source', () => {
    const golden = deriveAllOrders(
      'person',
      [person('hr', 'h1', D1, { jobTitle: 'Old' }), person('hr', 'h2', D2, { jobTitle: 'New' })],
      options,
    );
    expect(golden.fields.jobTitle?.provenance.externalId).toBe('h2');
  });

  it('applies only to its field; other fields use the default rule', () => {
    const golden = deriveAllOrders(
      'person',
      [
        person('hr', 'h', D1, { jobTitle: 'Hr', language: 'nl' }),
        person('web', 'w', D2, { jobTitle: 'W', language: 'en' }),
      ],
      options,
    );
    expect(golden.fields.jobTitle?.value).toBe('Hr');
    expect(golden.fields.language).toMatchObject({ value: 'en', provenance: { rule: 'mostRecent' } });
  });

  it('can be the default rule', () => {
    const golden = deriveAllOrders(
      'person',
      [
        person('hr', 'h', D1, { jobTitle: 'Hr', language: 'nl' }),
        person('web', 'w', D2, { jobTitle: 'W', language: 'en' }),
      ],
      {
        survivorship: {
          default: { rule: 'sourcePriority', sources: ['hr'] },
          fields: { language: { rule: 'mostRecent' } },
        },
      },
    );
    expect(golden.fields.jobTitle).toMatchObject({ value: 'Hr', provenance: { rule: 'sourcePriority' } });
    expect(golden.fields.language).toMatchObject({ value: 'en', provenance: { rule: 'mostRecent' } });
  });
});

describe('deriveGolden: mostFrequent', () => {
  const options: DeriveGoldenOptions = { survivorship: { default: { rule: 'mostFrequent' } } };

  it('picks the value most records agree on, with the provenance of its most recent supplier', () => {
    const golden = deriveAllOrders(
      'person',
      [
        person('a', '1', D1, { jobTitle: 'CTO' }),
        person('b', '2', D2, { jobTitle: 'CTO' }),
        person('c', '3', D4, { jobTitle: 'CEO' }),
        person('d', '4', D3, { jobTitle: 'CTO' }),
        person('e', '5', D4, { jobTitle: 'CEO' }),
      ],
      options,
    );
    expect(golden.fields.jobTitle).toEqual({
      value: 'CTO',
      provenance: { source: 'd', recordType: 'person', externalId: '4', observedAt: D3, rule: 'mostFrequent' },
      candidates: 5,
    });
  });

  it('gives ties to the value with the most recent supplier', () => {
    const golden = deriveAllOrders(
      'person',
      [
        person('a', '1', D1, { jobTitle: 'CTO' }),
        person('b', '2', D3, { jobTitle: 'CTO' }),
        person('c', '3', D2, { jobTitle: 'CEO' }),
        person('d', '4', D4, { jobTitle: 'CEO' }),
      ],
      options,
    );
    expect(golden.fields.jobTitle?.value).toBe('CEO');
    expect(golden.fields.jobTitle?.provenance).toMatchObject({ source: 'd', externalId: '4', rule: 'mostFrequent' });
  });

  it('breaks a full tie (same counts, same instants) by source', () => {
    const golden = deriveAllOrders(
      'person',
      [
        person('b', '1', D1, { jobTitle: 'X' }),
        person('a', '2', D1, { jobTitle: 'Y' }),
        person('c', '3', D1, { jobTitle: 'Z' }),
      ],
      options,
    );
    expect(golden.fields.jobTitle).toMatchObject({ value: 'Y', provenance: { source: 'a' } });
  });

  it('compares structured values by content, not key order', () => {
    const golden = deriveAllOrders(
      'person',
      [
        person('a', '1', D1, { attributes: { address: { city: 'Delft', zip: '2611' } } }),
        person('b', '2', D2, { attributes: { address: { zip: '2611', city: 'Delft' } } }),
        person('c', '3', D3, { attributes: { address: { city: 'Leiden', zip: '2311' } } }),
      ],
      options,
    );
    expect(golden.fields['attributes.address']?.value).toEqual({ city: 'Delft', zip: '2611' });
    expect(golden.fields['attributes.address']?.provenance.source).toBe('b');
  });
});

describe('deriveGolden: departmentOwned', () => {
  const departments = [
    { id: 'sales', systems: ['hubspot-sales', 'pipedrive'] },
    { id: 'service', systems: ['zendesk'] },
  ];
  const options: DeriveGoldenOptions = {
    departments,
    survivorship: { fields: { lifecycleStage: { rule: 'departmentOwned', department: 'sales' } } },
  };

  it("prefers the owning department's sources over newer others", () => {
    const golden = deriveAllOrders(
      'person',
      [
        person('zendesk', 'z', D4, { lifecycleStage: 'churn-risk' }),
        person('hubspot-sales', 'h', D1, { lifecycleStage: 'customer' }),
        person('marketo', 'm', D3, { lifecycleStage: 'lead' }),
      ],
      options,
    );
    expect(golden.fields.lifecycleStage).toEqual({
      value: 'customer',
      provenance: {
        source: 'hubspot-sales',
        recordType: 'person',
        externalId: 'h',
        observedAt: D1,
        rule: 'departmentOwned',
      },
      candidates: 3,
    });
  });

  it('picks the most recent among the owning sources', () => {
    const golden = deriveAllOrders(
      'person',
      [
        person('hubspot-sales', 'h', D1, { lifecycleStage: 'customer' }),
        person('pipedrive', 'p', D2, { lifecycleStage: 'opportunity' }),
        person('zendesk', 'z', D4, { lifecycleStage: 'churn-risk' }),
      ],
      options,
    );
    expect(golden.fields.lifecycleStage?.provenance.source).toBe('pipedrive');
  });

  it('lets other sources fill the gap, most recent first', () => {
    const golden = deriveAllOrders(
      'person',
      [
        person('hubspot-sales', 'h', D4, { givenName: 'Ada' }),
        person('zendesk', 'z', D2, { lifecycleStage: 'churn-risk' }),
        person('marketo', 'm', D3, { lifecycleStage: 'lead' }),
      ],
      options,
    );
    expect(golden.fields.lifecycleStage).toMatchObject({
      value: 'lead',
      provenance: { source: 'marketo', rule: 'departmentOwned' },
      candidates: 2,
    });
  });

  it('behaves like mostRecent for an unknown department', () => {
    const golden = deriveAllOrders(
      'person',
      [
        person('hubspot-sales', 'h', D1, { lifecycleStage: 'customer' }),
        person('zendesk', 'z', D2, { lifecycleStage: 'x' }),
      ],
      { departments, survivorship: { fields: { lifecycleStage: { rule: 'departmentOwned', department: 'finance' } } } },
    );
    expect(golden.fields.lifecycleStage).toMatchObject({ value: 'x', provenance: { rule: 'departmentOwned' } });
  });
});

describe('deriveGolden: order independence', () => {
  it('gives the same golden record for every permutation of tied records', () => {
    const records = [
      person('crm', 'a', D2, { givenName: 'Ada', emails: ['ada@example.com'], jobTitle: 'CTO' }),
      person('crm', 'b', D2, { givenName: 'Ada L.', emails: ['ADA@example.com'], jobTitle: 'CEO' }),
      person('erp', 'a', D2, { givenName: 'A.', phones: ['+31 6 1234 5678'], jobTitle: 'CTO' }),
      person('erp', 'b', D1, { familyName: 'Lovelace', phones: ['0031612345678'], jobTitle: 'CEO' }),
    ];
    for (const survivorship of [
      undefined,
      { default: { rule: 'mostFrequent' } as const },
      { default: { rule: 'sourcePriority', sources: ['erp'] } as const },
      { default: { rule: 'departmentOwned', department: 'd' } as const },
    ]) {
      const options: DeriveGoldenOptions = { departments: [{ id: 'd', systems: ['erp'] }] };
      if (survivorship) options.survivorship = survivorship;
      deriveAllOrders('person', records, options);
    }
  });

  it('is order independent for random record sets (property)', () => {
    const recordArb = fc.record({
      source: fc.constantFrom('a', 'b', 'c'),
      externalId: fc.constantFrom('1', '2', '3'),
      observedAt: fc.constantFrom(D1, D2, '2026-01-01T02:00:00+02:00'),
      jobTitle: fc.constantFrom('CTO', 'CEO', 'Dev'),
      email: fc.constantFrom('ada@example.com', 'ADA@example.com ', 'bob@example.com'),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(recordArb, { selector: (r) => `${r.source}/${r.externalId}`, minLength: 1, maxLength: 6 }),
        fc.constantFrom<DeriveGoldenOptions>(
          {},
          { survivorship: { default: { rule: 'mostFrequent' } } },
          { survivorship: { default: { rule: 'sourcePriority', sources: ['c'] } } },
        ),
        (specs, options) => {
          const records = specs.map((s) =>
            person(s.source, s.externalId, s.observedAt, { jobTitle: s.jobTitle, emails: [s.email] }),
          );
          const forward = deriveGolden('person', records, options);
          expect(deriveGolden('person', [...records].reverse(), options)).toEqual(forward);
          const rotated = [...records.slice(1), records[0]!];
          expect(deriveGolden('person', rotated, options)).toEqual(forward);
        },
      ),
    );
  });
});

describe('deriveGolden: overrides', () => {
  const records = [person('crm', 'c', D1, { jobTitle: 'CTO' }), person('erp', 'e', D2, { jobTitle: 'CEO' })];

  it('an override wins and reports crmkit:override with rule override', () => {
    const override: FieldOverride = {
      customerId: 'cus_1',
      field: 'jobTitle',
      value: 'Chief Scientist',
      at: D4,
      actor: 'usr_9',
    };
    const golden = deriveGolden('person', records, { overrides: [override] });
    expect(golden.fields.jobTitle).toEqual({
      value: 'Chief Scientist',
      provenance: {
        source: 'crmkit:override',
        recordType: 'person',
        externalId: 'usr_9',
        observedAt: D4,
        rule: 'override',
      },
      candidates: 2,
    });
  });

  it('wins over every survivorship rule', () => {
    for (const rule of [
      { rule: 'mostRecent' } as const,
      { rule: 'mostFrequent' } as const,
      { rule: 'sourcePriority', sources: ['crm'] } as const,
    ]) {
      const golden = deriveGolden('person', records, {
        survivorship: { fields: { jobTitle: rule } },
        overrides: [{ customerId: 'c', field: 'jobTitle', value: 'O', at: D1 }],
      });
      expect(golden.fields.jobTitle?.value).toBe('O');
      expect(golden.fields.jobTitle?.provenance.rule).toBe('override');
    }
  });

  it('uses "unknown" as external id without an actor, and the kind as record type', () => {
    const golden = deriveGolden('organization', [org('crm', 'o', D1, { name: 'Acme' })], {
      overrides: [{ customerId: 'c', field: 'name', value: 'ACME Corp', at: D3 }],
    });
    expect(golden.fields.name?.provenance).toEqual({
      source: 'crmkit:override',
      recordType: 'organization',
      externalId: 'unknown',
      observedAt: D3,
      rule: 'override',
    });
  });

  it('can set a field no record supplies, with zero candidates, and keeps fields sorted', () => {
    const golden = deriveGolden('person', records, {
      overrides: [{ customerId: 'c', field: 'attributes.vip', value: true, at: D1 }],
    });
    expect(golden.fields['attributes.vip']).toMatchObject({ value: true, candidates: 0 });
    expect(Object.keys(golden.fields)).toEqual([...Object.keys(golden.fields)].sort());
    expect(Object.keys(golden.fields)).toContain('attributes.vip');
  });

  it('the first override of a field wins', () => {
    const golden = deriveGolden('person', records, {
      overrides: [
        { customerId: 'c', field: 'jobTitle', value: 'First', at: D1, actor: 'one' },
        { customerId: 'c', field: 'jobTitle', value: 'Second', at: D4, actor: 'two' },
        { customerId: 'c', field: 'givenName', value: 'Other field', at: D4, actor: 'three' },
      ],
    });
    expect(golden.fields.jobTitle).toMatchObject({
      value: 'First',
      provenance: { externalId: 'one', observedAt: D1 },
      candidates: 2,
    });
    expect(golden.fields.givenName?.value).toBe('Other field');
  });

  it('leaves other fields to their rules', () => {
    const golden = deriveGolden('person', [person('crm', 'c', D1, { jobTitle: 'CTO', language: 'nl' })], {
      overrides: [{ customerId: 'c', field: 'jobTitle', value: 'X', at: D1 }],
    });
    expect(golden.fields.language?.provenance.rule).toBe('mostRecent');
  });
});

describe('deriveGolden: contact points', () => {
  it('de-duplicates by normalised value, lists every source, and keeps the most recent spelling', () => {
    const golden = deriveAllOrders('person', [
      person('crm', 'c', D1, { emails: ['Ada@Example.com'] }),
      person('web', 'w', D3, { emails: [' ada@EXAMPLE.com'] }),
      person('erp', 'e', D2, { emails: [{ value: 'ADA@example.com', label: 'work', verified: true }] }),
    ]);
    expect(golden.contactPoints).toEqual([
      {
        kind: 'email',
        value: 'ada@EXAMPLE.com',
        normalized: 'ada@example.com',
        primary: false,
        verified: true,
        label: 'work',
        sources: [
          { system: 'crm', externalId: 'c', observedAt: D1 },
          { system: 'erp', externalId: 'e', observedAt: D2 },
          { system: 'web', externalId: 'w', observedAt: D3 },
        ],
      },
    ]);
  });

  it('takes the label of the most recent supplier that has one, and primary from any', () => {
    const golden = deriveAllOrders('person', [
      person('a', '1', D1, { emails: [{ value: 'x@example.com', label: 'old', primary: true }] }),
      person('b', '2', D2, { emails: [{ value: 'x@example.com', label: 'new' }] }),
      person('c', '3', D3, { emails: ['x@example.com'] }),
    ]);
    expect(golden.contactPoints).toHaveLength(1);
    expect(golden.contactPoints[0]).toMatchObject({ label: 'new', primary: true, verified: false });
  });

  it('lists a record once even when it supplies the same value twice', () => {
    const golden = deriveGolden('person', [person('a', '1', D1, { emails: ['x@example.com', 'X@example.com'] })]);
    expect(golden.contactPoints).toHaveLength(1);
    expect(golden.contactPoints[0]!.sources).toEqual([{ system: 'a', externalId: '1', observedAt: D1 }]);
  });

  it('de-duplicates phones by normalised number, using defaultCallingCode', () => {
    const records = [
      person('a', '1', D1, { phones: ['06 1234 5678'] }),
      person('b', '2', D2, { phones: ['+31 (0)6 1234 5678'] }),
    ];
    const withCode = deriveAllOrders('person', records, { defaultCallingCode: '31' });
    expect(withCode.contactPoints).toHaveLength(1);
    expect(withCode.contactPoints[0]).toMatchObject({
      kind: 'phone',
      value: '+31 (0)6 1234 5678',
      normalized: '+31612345678',
    });
    expect(withCode.contactPoints[0]!.sources.map((s) => s.system)).toEqual(['a', 'b']);
    const without = deriveAllOrders('person', records);
    expect(without.contactPoints.map((c) => c.normalized).sort()).toEqual(['+31612345678', '0612345678']);
  });

  it('builds postal points with the structured address and a formatted value', () => {
    const golden = deriveAllOrders('organization', [
      org('a', '1', D1, {
        name: 'Acme',
        addresses: [{ street: 'Main St', houseNumber: '1', city: 'Delft', label: 'hq' }],
      }),
      org('b', '2', D2, { name: 'Acme', addresses: [{ street: 'MAIN ST', houseNumber: '1', city: 'delft' }] }),
    ]);
    expect(golden.contactPoints).toEqual([
      {
        kind: 'postal',
        value: 'MAIN ST 1, delft',
        normalized: 's:main st|n:1|c:delft',
        address: { street: 'MAIN ST', houseNumber: '1', city: 'delft' },
        label: 'hq',
        primary: false,
        verified: false,
        sources: [
          { system: 'a', externalId: '1', observedAt: D1 },
          { system: 'b', externalId: '2', observedAt: D2 },
        ],
      },
    ]);
  });

  it('keeps different kinds apart and orders by kind, primary, then normalised value', () => {
    const golden = deriveAllOrders('person', [
      person('a', '1', D1, {
        emails: ['b@example.com', { value: 'z@example.com', primary: true }, 'a@example.com'],
        phones: ['+31 20 123 4567'],
        websites: ['https://www.ada.example/'],
        socials: ['https://ada.example'],
        addresses: [{ city: 'Delft' }],
      }),
    ]);
    expect(golden.contactPoints.map((c) => `${c.kind}:${c.normalized}`)).toEqual([
      'email:z@example.com',
      'email:a@example.com',
      'email:b@example.com',
      'phone:+31201234567',
      'postal:c:delft',
      'web:ada.example',
      'social:ada.example',
    ]);
  });

  it('drops contact points that do not normalise', () => {
    // Data that bypassed the schema (deriveGolden is pure and must not trust it either).
    const raw: StoredRecord = {
      ...person('a', '1', D1, {}),
      data: { emails: [{ value: 'not an email' }], phones: [{ value: '1-2' }], addresses: [{ street: '--' }] },
    };
    expect(deriveGolden('person', [raw]).contactPoints).toEqual([]);
    const valid = deriveGolden('person', [person('a', '1', D1, { addresses: [{ street: '--' }, { city: 'Delft' }] })]);
    expect(valid.contactPoints.map((c) => c.normalized)).toEqual(['c:delft']);
  });
});

describe('deriveGolden: record selection', () => {
  it('ignores tombstones, even when newer', () => {
    const golden = deriveAllOrders('person', [
      person('crm', 'c', D1, { jobTitle: 'CTO', emails: ['a@example.com'] }),
      { ...person('erp', 'e', D4, { jobTitle: 'Deleted', emails: ['gone@example.com'] }), deleted: true },
      tombstone('person', 'web', 'w', D4),
    ]);
    expect(golden.fields.jobTitle).toMatchObject({ value: 'CTO', candidates: 1 });
    expect(golden.contactPoints.map((c) => c.normalized)).toEqual(['a@example.com']);
    expect(golden.sources).toEqual([{ system: 'crm', externalId: 'c', observedAt: D1 }]);
  });

  it('ignores records of the other kind and non-party records', () => {
    const interaction: StoredRecord = {
      ...person('crm', 'i', D4, {}),
      type: 'interaction',
      key: 'crm/interaction/i',
      data: {
        channel: 'email',
        direction: 'inbound',
        participants: [{ ref: { email: 'a@example.com' }, role: 'from' }],
        occurredAt: D4,
        activity: { kind: 'note' },
      },
    };
    const golden = deriveAllOrders('person', [
      person('crm', 'p', D1, { givenName: 'Ada' }),
      org('crm', 'o', D3, { name: 'Acme', emails: ['info@acme.example'], attributes: { tier: 'gold' } }),
      interaction,
    ]);
    expect(Object.keys(golden.fields).sort()).toEqual(['fullName', 'givenName']);
    expect(golden.contactPoints).toEqual([]);
    expect(golden.sources).toEqual([{ system: 'crm', externalId: 'p', observedAt: D1 }]);

    const orgGolden = deriveGolden('organization', [
      person('crm', 'p', D4, { givenName: 'Ada' }),
      org('crm', 'o', D1, { name: 'Acme' }),
    ]);
    expect(orgGolden.kind).toBe('organization');
    expect(Object.keys(orgGolden.fields)).toEqual(['name']);
  });

  it('returns an empty golden record without live records', () => {
    expect(deriveGolden('person', [tombstone('person', 'a', '1', D1)])).toEqual({
      kind: 'person',
      fields: {},
      contactPoints: [],
      sources: [],
    });
  });

  it('lists every live source record once, sorted by system and external id', () => {
    const golden = deriveGolden('person', [
      person('web', '2', D1, {}),
      person('crm', 'b', D2, {}),
      person('crm', 'a', D3, {}),
    ]);
    expect(golden.sources).toEqual([
      { system: 'crm', externalId: 'a', observedAt: D3 },
      { system: 'crm', externalId: 'b', observedAt: D2 },
      { system: 'web', externalId: '2', observedAt: D1 },
    ]);
  });
});

describe('deriveGolden: field extraction', () => {
  it('turns attributes into attributes.<key> fields with their own rules', () => {
    const golden = deriveAllOrders(
      'person',
      [
        person('crm', 'c', D1, { attributes: { segment: 'smb', score: 7, empty: '', nothing: null } }),
        person('erp', 'e', D2, { attributes: { segment: 'enterprise', tags: ['x', 'y'] } }),
      ],
      { survivorship: { fields: { 'attributes.segment': { rule: 'sourcePriority', sources: ['crm'] } } } },
    );
    expect(golden.fields['attributes.segment']).toMatchObject({
      value: 'smb',
      provenance: { source: 'crm', rule: 'sourcePriority' },
      candidates: 2,
    });
    expect(golden.fields['attributes.score']?.value).toBe(7);
    expect(golden.fields['attributes.tags']?.value).toEqual(['x', 'y']);
    expect(golden.fields['attributes.empty']).toBeUndefined();
    expect(golden.fields['attributes.nothing']).toBeUndefined();
    expect(golden.fields.segment).toBeUndefined();
  });

  it('derives fullName from given and family name unless one is supplied', () => {
    const derived = deriveGolden('person', [person('a', '1', D1, { givenName: 'Ada', familyName: 'Lovelace' })]);
    expect(derived.fields.fullName?.value).toBe('Ada Lovelace');
    const onlyFamily = deriveGolden('person', [person('a', '1', D1, { familyName: 'Lovelace' })]);
    expect(onlyFamily.fields.fullName?.value).toBe('Lovelace');
    const explicit = deriveGolden('person', [
      person('a', '1', D1, { givenName: 'Ada', fullName: 'Countess Lovelace' }),
    ]);
    expect(explicit.fields.fullName?.value).toBe('Countess Lovelace');
    expect(deriveGolden('person', [person('a', '1', D1, { jobTitle: 'X' })]).fields.fullName).toBeUndefined();
  });

  it('extracts person organisation fields and organisation fields', () => {
    const p = deriveGolden('person', [
      person('a', '1', D1, { organization: { name: 'Acme', role: 'CTO' }, ownerId: 'usr_1', birthDate: '1815-12-10' }),
    ]);
    expect(p.fields.organizationName?.value).toBe('Acme');
    expect(p.fields.organizationRole?.value).toBe('CTO');
    expect(p.fields.ownerId?.value).toBe('usr_1');
    expect(p.fields.birthDate?.value).toBe('1815-12-10');
    const o = deriveGolden('organization', [
      org('a', '1', D1, { name: 'Acme', domain: 'Acme.EXAMPLE', employees: 0, registrationId: 'NL123' }),
    ]);
    expect(o.fields.domain?.value).toBe('acme.example');
    expect(o.fields.employees?.value).toBe(0);
    expect(o.fields.registrationId?.value).toBe('NL123');
  });
});

describe('displayNameOf', () => {
  const field = (value: JsonValue): GoldenField => ({
    value,
    provenance: { source: 's', recordType: 'person', externalId: 'e', observedAt: D1, rule: 'mostRecent' },
    candidates: 1,
  });
  const golden = (fields: Record<string, JsonValue>, contacts: [string, string][] = []): GoldenRecord => ({
    kind: 'person',
    fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, field(v)])),
    contactPoints: contacts.map(([kind, value]) => ({
      kind: kind as 'email' | 'phone',
      value,
      normalized: value,
      primary: false,
      verified: false,
      sources: [],
    })),
    sources: [],
  });

  it('prefers fullName, then name', () => {
    expect(displayNameOf(golden({ fullName: 'Ada Lovelace', name: 'Acme', givenName: 'A' }))).toBe('Ada Lovelace');
    expect(displayNameOf(golden({ name: 'Acme', givenName: 'A' }))).toBe('Acme');
  });

  it('falls back to given and family name', () => {
    expect(displayNameOf(golden({ givenName: 'Ada', familyName: 'Lovelace' }))).toBe('Ada Lovelace');
    expect(displayNameOf(golden({ familyName: 'Lovelace' }, [['email', 'a@example.com']]))).toBe('Lovelace');
  });

  it('skips blank and non-string names', () => {
    expect(displayNameOf(golden({ fullName: '   ', name: 'Acme' }))).toBe('Acme');
    expect(displayNameOf(golden({ fullName: 42, givenName: 'Ada' }))).toBe('Ada');
  });

  it('falls back to the first email, then the first contact point, then (unnamed)', () => {
    expect(
      displayNameOf(
        golden({}, [
          ['phone', '+31 6 1'],
          ['email', 'first@example.com'],
          ['email', 'second@example.com'],
        ]),
      ),
    ).toBe('first@example.com');
    expect(displayNameOf(golden({}, [['phone', '+31 6 1234']]))).toBe('+31 6 1234');
    expect(displayNameOf(golden({}))).toBe('(unnamed)');
  });

  it('works on a derived golden record', () => {
    const derived = deriveGolden('person', [person('a', '1', D1, { emails: ['ada@example.com'] })]);
    expect(displayNameOf(derived)).toBe('ada@example.com');
    const named = deriveGolden('person', [person('a', '1', D1, { givenName: 'Ada', familyName: 'Lovelace' })]);
    expect(displayNameOf(named)).toBe('Ada Lovelace');
  });
});

describe('stableStringify', () => {
  it('does not depend on key order, at any depth', () => {
    const a = { b: 1, a: { y: [1, { q: 1, p: 2 }], x: null }, c: 'text' };
    const b = { c: 'text', a: { x: null, y: [1, { p: 2, q: 1 }] }, b: 1 };
    expect(stableStringify(a)).toBe(stableStringify(b));
    expect(stableStringify(a)).toBe('{"a":{"x":null,"y":[1,{"p":2,"q":1}]},"b":1,"c":"text"}');
  });

  it('keeps array order and distinguishes different values', () => {
    expect(stableStringify([1, 2])).not.toBe(stableStringify([2, 1]));
    expect(stableStringify({ a: 1 })).not.toBe(stableStringify({ a: '1' }));
    expect(stableStringify({ a: null })).not.toBe(stableStringify({}));
    expect(stableStringify('x')).toBe('"x"');
    expect(stableStringify(undefined)).toBe('undefined');
  });

  it('drops undefined properties and writes undefined array items as null, like JSON', () => {
    expect(stableStringify({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(stableStringify([1, undefined])).toBe('[1,null]');
  });

  it('produces JSON equivalent to JSON.stringify (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(stableStringify(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('gives the same string for any key order (property)', () => {
    const reverseKeys = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(reverseKeys);
      if (value === null || typeof value !== 'object') return value;
      return Object.fromEntries(
        Object.entries(value)
          .reverse()
          .map(([k, v]) => [k, reverseKeys(v)]),
      );
    };
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(stableStringify(reverseKeys(value))).toBe(stableStringify(value));
      }),
    );
  });
});

describe('hashString', () => {
  it('is 16 hex characters and deterministic', () => {
    const hash = hashString('hello world');
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    expect(hashString('hello world')).toBe(hash);
    expect(hashString('')).toMatch(/^[0-9a-f]{16}$/);
  });

  it('its first half is 32-bit FNV-1a', () => {
    expect(hashString('').slice(0, 8)).toBe('811c9dc5');
    expect(hashString('a').slice(0, 8)).toBe('e40c292c');
    expect(hashString('foobar').slice(0, 8)).toBe('bf9cf968');
  });

  it('differs for different inputs', () => {
    const inputs = ['', 'a', 'b', 'ab', 'ba', 'hello', 'hellp', 'Hello', '{"a":1}', '{"a":2}', 'é', 'e\u0301'];
    expect(new Set(inputs.map(hashString)).size).toBe(inputs.length);
  });

  it('differs for distinct random strings (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        fc.pre(a !== b);
        expect(hashString(a)).not.toBe(hashString(b));
      }),
    );
  });

  it('hashes equal content equally through stableStringify', () => {
    expect(hashString(stableStringify({ a: 1, b: [2] }))).toBe(hashString(stableStringify({ b: [2], a: 1 })));
    expect(hashString(stableStringify({ a: 1 }))).not.toBe(hashString(stableStringify({ a: 2 })));
  });
});
