/**
 * What the input checks of issue 13 (size, depth, keys, text, time bounds) cost per record, against the schema parse
 * they run with. `npm run bench -- bench/src/model/limits.bench.ts`
 */
import { bench, describe } from 'vitest';
import { checkInputLimits, DEFAULT_INPUT_LIMITS, parseSourceRecord } from '@crmkit/model';

const records = Array.from({ length: 10_000 }, (_, i) => ({
  type: 'person',
  source: 'crm',
  externalId: `p${i}`,
  observedAt: '2026-03-01T10:00:00Z',
  data: {
    givenName: `Given${i}`,
    familyName: `Family${i % 997}`,
    emails: [`person${i}@example.com`],
    phones: [`+31 20 555 ${String(i % 10_000).padStart(4, '0')}`],
    birthDate: '1980-05-17',
    addresses: [{ street: `Street ${i}`, city: 'Utrecht', postalCode: '3511 AB', country: 'NL' }],
    attributes: { segment: 'retail', score: i % 100, tags: ['a', 'b', 'c'] },
  },
}));

describe('input checks on 10,000 typical person records', () => {
  bench('checkInputLimits alone', () => {
    for (const record of records) checkInputLimits(record, DEFAULT_INPUT_LIMITS);
  });
  bench('parseSourceRecord (schema + checks)', () => {
    for (const record of records) parseSourceRecord(record);
  });
});
