import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FieldOverride } from '@crmkit/model';
import { deriveGolden, type DeriveGoldenOptions } from './derive';
import { D1, D2, D3, D4, deriveAllOrders, org, person } from './records.test-support';

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
