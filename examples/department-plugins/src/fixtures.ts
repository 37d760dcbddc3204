import type { Customer, SourceRecordInput } from '@crmkit/model';

/** Time the fixtures were observed. */
export const OBSERVED = '2026-01-01T00:00:00Z';

/** Acme (an organisation), Ada (a person at Acme) and Globex (an organisation), as the ERP holds them. */
export function accounts(): SourceRecordInput[] {
  return [
    {
      type: 'organization',
      source: 'erp',
      externalId: 'acme',
      observedAt: OBSERVED,
      data: { name: 'Acme Corp', domain: 'acme.example', emails: ['info@acme.example'] },
    },
    {
      type: 'person',
      source: 'erp',
      externalId: 'ada',
      observedAt: OBSERVED,
      data: {
        givenName: 'Ada',
        familyName: 'Lovelace',
        emails: ['ada@acme.example'],
        organization: { ref: { type: 'organization', externalId: 'acme' }, role: 'Buyer' },
      },
    },
    {
      type: 'organization',
      source: 'erp',
      externalId: 'globex',
      observedAt: OBSERVED,
      data: { name: 'Globex', emails: ['hello@globex.example'] },
    },
  ];
}

/** The customers of {@link accounts} by external id, from a Hub's customer list. */
export function byExternalId(customers: readonly Customer[]): Record<'acme' | 'ada' | 'globex', Customer> {
  const find = (externalId: string) => {
    const customer = customers.find((c) =>
      c.golden.sources.some((s) => s.system === 'erp' && s.externalId === externalId),
    );
    if (!customer) throw new Error(`no customer for erp/${externalId}`);
    return customer;
  };
  return { acme: find('acme'), ada: find('ada'), globex: find('globex') };
}
