import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MoneySchema } from './common';
import { assertSpecificationVersion, SPECIFICATION_VERSION } from './contracts/version';
import { ContactArrangementSchema, CustomerGroupSchema, QuietHoursSchema } from './engagement';
import { CrmkitError, UnsupportedSpecificationError, ValidationError } from './errors';
import { parseSourceRecord, type ParseSourceRecordOptions } from './source-record';

const T = '2026-03-01T09:30:00Z';

function envelope(type: string, externalId = 'ext-1', source = 'hubspot-sales') {
  return { type, source, externalId, observedAt: T };
}

const person = { ...envelope('person', 'p-1'), data: { givenName: 'Ada', emails: ['ada@example.com'] } };

/** Runs parseSourceRecord expecting a ValidationError and returns it. */
function expectInvalid(input: unknown, options?: ParseSourceRecordOptions): ValidationError {
  let thrown: unknown;
  try {
    parseSourceRecord(input, options);
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected parseSourceRecord to throw').toBeDefined();
  expect(thrown).toBeInstanceOf(ValidationError);
  expect(ValidationError.isInstance(thrown)).toBe(true);
  const error = thrown as ValidationError;
  expect(error.code).toBe('VALIDATION_FAILED');
  expect(error.issues.length).toBeGreaterThan(0);
  // The top-level path is the first issue's path.
  expect(error.path).toEqual(error.issues[0]!.path);
  return error;
}

const entity = { id: 'x1', createdAt: T, updatedAt: T, sources: [] };

describe('parseSourceRecord: valid records', () => {
  it('accepts a person and turns string emails and phones into { value }', () => {
    const record = parseSourceRecord({
      ...envelope('person', 'p-1'),
      data: {
        givenName: 'Ada',
        familyName: 'Lovelace',
        emails: ['ada@example.com', { value: 'ada@work.example', label: 'work', primary: true }],
        phones: ['+44 20 7946 0958', { value: '020 7946 0000', verified: true }],
        addresses: [{ street: 'Main St', houseNumber: '1', city: 'London', country: 'GB', label: 'home' }],
        websites: ['https://ada.example'],
        socials: [{ value: 'https://x.example/ada' }],
        organization: { ref: { externalId: 'o-1', type: 'organization' }, name: 'Analytical Engines', role: 'CTO' },
        birthDate: '1815-12-10',
        attributes: { tier: 'gold', score: 3, tags: ['a', 'b'], nested: { x: null } },
      },
    });
    expect(record).toEqual({
      type: 'person',
      source: 'hubspot-sales',
      externalId: 'p-1',
      observedAt: T,
      deleted: false,
      data: {
        givenName: 'Ada',
        familyName: 'Lovelace',
        emails: [{ value: 'ada@example.com' }, { value: 'ada@work.example', label: 'work', primary: true }],
        phones: [{ value: '+44 20 7946 0958' }, { value: '020 7946 0000', verified: true }],
        addresses: [{ street: 'Main St', houseNumber: '1', city: 'London', country: 'GB', label: 'home' }],
        websites: [{ value: 'https://ada.example' }],
        socials: [{ value: 'https://x.example/ada' }],
        organization: { ref: { externalId: 'o-1', type: 'organization' }, name: 'Analytical Engines', role: 'CTO' },
        birthDate: '1815-12-10',
        attributes: { tier: 'gold', score: 3, tags: ['a', 'b'], nested: { x: null } },
      },
    });
  });

  it('accepts a person with empty data and defaults a ref type to person', () => {
    const empty = parseSourceRecord({ ...envelope('person'), data: {} });
    expect(empty.deleted).toBe(false);
    expect(empty.data).toEqual({});
    const withRef = parseSourceRecord({ ...envelope('person'), data: { organization: { ref: { externalId: 'o' } } } });
    expect(withRef.data).toEqual({ organization: { ref: { externalId: 'o', type: 'person' } } });
  });

  it('accepts an observedAt with an offset', () => {
    expect(parseSourceRecord({ ...person, observedAt: '2026-03-01T10:30:00+01:00' }).observedAt).toBe(
      '2026-03-01T10:30:00+01:00',
    );
  });

  it('accepts an organization', () => {
    const record = parseSourceRecord({
      ...envelope('organization', 'o-1'),
      data: { name: 'Acme', domain: 'acme.example', employees: 12, phones: ['+31 20 123 4567'] },
    });
    expect(record).toEqual({
      ...envelope('organization', 'o-1'),
      deleted: false,
      data: { name: 'Acme', domain: 'acme.example', employees: 12, phones: [{ value: '+31 20 123 4567' }] },
    });
  });

  it('accepts an interaction with a visit report and applies activity defaults', () => {
    const record = parseSourceRecord({
      ...envelope('interaction', 'i-1'),
      data: {
        channel: 'in_person',
        direction: 'outbound',
        participants: [
          { ref: { email: 'ada@example.com' }, role: 'customer' },
          { ref: { phone: '+31 6 1234 5678' }, role: 'attendee' },
          { ref: { externalId: 'o-1', type: 'organization', source: 'erp' }, role: 'customer' },
        ],
        occurredAt: T,
        activity: {
          kind: 'visit_report',
          visitedAt: T,
          purpose: 'Quarterly review',
          followUps: [{ description: 'Send quote' }],
        },
      },
    });
    expect(record.deleted).toBe(false);
    if (record.deleted || record.type !== 'interaction') throw new Error('expected a live interaction');
    expect(record.data.participants).toHaveLength(3);
    expect(record.data.activity).toEqual({
      kind: 'visit_report',
      visitedAt: T,
      purpose: 'Quarterly review',
      followUps: [{ description: 'Send quote', done: false }],
    });
  });

  it('accepts an opportunity, defaults status to open and turns a numeric amount into a string', () => {
    const record = parseSourceRecord({
      ...envelope('opportunity', 'op-1'),
      data: {
        name: 'Deal',
        customer: { externalId: 'o-1', type: 'organization' },
        stage: 'proposal',
        amount: { amount: 1250.5, currency: 'EUR' },
      },
    });
    if (record.deleted || record.type !== 'opportunity') throw new Error('expected a live opportunity');
    expect(record.data.status).toBe('open');
    expect(record.data.amount).toEqual({ amount: '1250.5', currency: 'EUR' });
  });

  it('accepts tombstones and ignores their data, even invalid data', () => {
    for (const data of [undefined, { emails: ['not-an-email'] }, 'garbage', { name: 123 }]) {
      const record = parseSourceRecord({ ...envelope('organization', 'o-9'), deleted: true, data });
      expect(record).toEqual({ ...envelope('organization', 'o-9'), deleted: true });
      expect('data' in record).toBe(false);
    }
  });

  it('validates data when deleted is false', () => {
    const error = expectInvalid({ ...envelope('organization'), deleted: false, data: {} });
    expect(error.path).toEqual(['data', 'name']);
  });
});

describe('parseSourceRecord: rejections', () => {
  const options = { index: 2, root: 'records' };

  it('rejects a bad observedAt, naming index, source and external id', () => {
    const error = expectInvalid({ ...person, observedAt: '2026-03-01' }, options);
    expect(error.index).toBe(2);
    expect(error.source).toBe('hubspot-sales');
    expect(error.externalId).toBe('p-1');
    expect(error.path).toEqual([2, 'observedAt']);
    expect(error.issues[0]!.pathString).toBe('records[2].observedAt');
    expect(error.message).toContain('Record 2 (hubspot-sales/p-1)');
    expect(error.message).toContain('records[2].observedAt');
  });

  it('rejects an observedAt without a time zone', () => {
    const error = expectInvalid({ ...person, observedAt: '2026-03-01T09:30:00' });
    expect(error.path).toEqual(['observedAt']);
  });

  it('rejects an unknown top-level key at the record itself', () => {
    const error = expectInvalid({ ...person, extra: true }, options);
    expect(error.path).toEqual([2]);
    expect(error.issues[0]!.pathString).toBe('records[2]');
    expect(error.issues[0]!.issueCode).toBe('unrecognized_keys');
    expect(error.issues[0]!.message).toContain('extra');
  });

  it('rejects an unknown data key (strict data)', () => {
    const error = expectInvalid({ ...person, data: { givenName: 'Ada', nickname: 'A' } }, options);
    expect(error.path).toEqual([2, 'data']);
    expect(error.issues[0]!.pathString).toBe('records[2].data');
    expect(error.issues[0]!.issueCode).toBe('unrecognized_keys');
    expect(error.issues[0]!.message).toContain('nickname');
    expect(error.source).toBe('hubspot-sales');
    expect(error.externalId).toBe('p-1');
  });

  it('rejects an unknown key inside an email object (strict)', () => {
    const error = expectInvalid({ ...person, data: { emails: [{ value: 'a@b.example', kind: 'work' }] } }, options);
    expect(error.path.slice(0, 5)).toEqual([2, 'data', 'emails', 0]);
  });

  it('rejects a bad email with the exact path', () => {
    const error = expectInvalid({ ...person, data: { emails: ['ada@example.com', 'not-an-email'] } }, options);
    expect(error.index).toBe(2);
    expect(error.path).toEqual([2, 'data', 'emails', 1]);
    expect(error.issues[0]!.pathString).toBe('records[2].data.emails[1]');
    expect(error.message).toContain('records[2].data.emails[1]');
  });

  it('uses the default roots: "record" without an index, "records" with one', () => {
    const input = { ...person, data: { emails: ['bad'] } };
    const single = expectInvalid(input);
    expect(single.index).toBeUndefined();
    expect(single.path).toEqual(['data', 'emails', 0]);
    expect(single.issues[0]!.pathString).toBe('record.data.emails[0]');
    expect(single.message).toContain('Record (hubspot-sales/p-1)');
    const batch = expectInvalid(input, { index: 0 });
    expect(batch.index).toBe(0);
    expect(batch.path).toEqual([0, 'data', 'emails', 0]);
    expect(batch.issues[0]!.pathString).toBe('records[0].data.emails[0]');
    const custom = expectInvalid(input, { root: 'input' });
    expect(custom.issues[0]!.pathString).toBe('input.data.emails[0]');
  });

  it('rejects a bad currency', () => {
    const error = expectInvalid(
      {
        ...envelope('opportunity', 'op-1', 'pipedrive'),
        data: {
          name: 'Deal',
          customer: { externalId: 'o-1' },
          stage: 's',
          amount: { amount: '10.00', currency: 'eur' },
        },
      },
      options,
    );
    expect(error.source).toBe('pipedrive');
    expect(error.externalId).toBe('op-1');
    expect(error.path).toEqual([2, 'data', 'amount', 'currency']);
    expect(error.issues[0]!.pathString).toBe('records[2].data.amount.currency');
  });

  it('rejects a malformed amount string', () => {
    const error = expectInvalid({
      ...envelope('opportunity'),
      data: {
        name: 'Deal',
        customer: { externalId: 'o-1' },
        stage: 's',
        amount: { amount: '1,250.50', currency: 'EUR' },
      },
    });
    expect(error.path).toEqual(['data', 'amount', 'amount']);
  });

  const interaction = (data: Record<string, unknown>) => ({
    ...envelope('interaction', 'i-7', 'zendesk'),
    data: {
      channel: 'phone',
      direction: 'inbound',
      participants: [{ ref: { email: 'ada@example.com' }, role: 'from' }],
      occurredAt: T,
      activity: { kind: 'call' },
      ...data,
    },
  });

  it('the interaction fixture itself is valid', () => {
    expect(parseSourceRecord(interaction({})).type).toBe('interaction');
  });

  it('rejects an interaction with an empty participant list', () => {
    const error = expectInvalid(interaction({ participants: [] }), options);
    expect(error.path).toEqual([2, 'data', 'participants']);
    expect(error.issues[0]!.pathString).toBe('records[2].data.participants');
    expect(error.source).toBe('zendesk');
    expect(error.externalId).toBe('i-7');
  });

  it('rejects an interaction without participants', () => {
    const input = interaction({});
    delete (input.data as Record<string, unknown>).participants;
    const error = expectInvalid(input, options);
    expect(error.path).toEqual([2, 'data', 'participants']);
  });

  it('rejects a visit_report without purpose', () => {
    const error = expectInvalid(
      interaction({ channel: 'in_person', activity: { kind: 'visit_report', visitedAt: T } }),
      options,
    );
    expect(error.path).toEqual([2, 'data', 'activity', 'purpose']);
    expect(error.issues[0]!.pathString).toBe('records[2].data.activity.purpose');
  });

  it('rejects a visit_report with an empty purpose', () => {
    const error = expectInvalid(
      interaction({ channel: 'in_person', activity: { kind: 'visit_report', visitedAt: T, purpose: '' } }),
    );
    expect(error.path).toEqual(['data', 'activity', 'purpose']);
  });

  it('rejects a live record without data', () => {
    const { data: _data, ...withoutData } = person;
    const error = expectInvalid(withoutData, options);
    expect(error.path).toEqual([2, 'data']);
  });

  it('rejects an unknown type and an invalid source name', () => {
    expect(expectInvalid({ ...person, type: 'lead' }).path).toEqual(['type']);
    expect(expectInvalid({ ...person, source: '-bad name' }).path).toEqual(['source']);
  });

  it('reports every issue, each with its path', () => {
    const error = expectInvalid({ ...person, data: { emails: ['bad'], phones: ['12'], birthDate: '1815-13-40' } });
    const paths = error.issues.map((i) => i.pathString).sort();
    expect(paths).toEqual(['record.data.birthDate', 'record.data.emails[0]', 'record.data.phones[0]']);
  });

  it('omits source and externalId when they are not strings, and handles non-objects', () => {
    const error = expectInvalid({ type: 'person', source: 5, externalId: null, observedAt: T, data: {} }, { index: 4 });
    expect(error.index).toBe(4);
    expect(error.source).toBeUndefined();
    expect(error.externalId).toBeUndefined();
    expect(error.message).toContain('Record 4 ');
    const nullError = expectInvalid(null, options);
    expect(nullError.path).toEqual([2]);
    expect(nullError.source).toBeUndefined();
    expect(expectInvalid('text').path).toEqual([]);
  });

  it('keeps the zod error as cause', () => {
    const error = expectInvalid({ ...person, data: { emails: ['bad'] } });
    expect(error.cause).toBeDefined();
    expect((error.cause as { issues: unknown[] }).issues).toHaveLength(1);
  });
});

describe('QuietHoursSchema / ContactArrangementSchema', () => {
  const arrangement = (quietHours: unknown) => ({
    ...entity,
    channel: 'phone',
    allowedPurposes: ['service'],
    quietHours,
  });

  it('accepts HH:MM quiet hours, including overnight', () => {
    const parsed = ContactArrangementSchema.parse(
      arrangement({ from: '22:00', to: '07:30', timeZone: 'Europe/Amsterdam' }),
    );
    expect(parsed.quietHours).toEqual({ from: '22:00', to: '07:30', timeZone: 'Europe/Amsterdam' });
    expect(parsed.preferred).toBe(false);
    expect(QuietHoursSchema.safeParse({ from: '00:00', to: '23:59', timeZone: 'UTC' }).success).toBe(true);
  });

  it.each(['24:00', '7:30', '07:60', '0730', '07:30:00', ' 07:30', 'ab:cd'])('rejects quiet hours from %j', (from) => {
    const result = ContactArrangementSchema.safeParse(arrangement({ from, to: '07:00', timeZone: 'UTC' }));
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['quietHours', 'from']);
  });

  it('rejects an unknown channel or purpose', () => {
    expect(ContactArrangementSchema.safeParse({ ...arrangement(undefined), channel: 'fax' }).success).toBe(false);
    expect(ContactArrangementSchema.safeParse({ ...arrangement(undefined), allowedPurposes: ['spam'] }).success).toBe(
      false,
    );
  });
});

describe('CustomerGroupSchema', () => {
  it('applies defaults for members and default arrangements', () => {
    const group = CustomerGroupSchema.parse({ ...entity, name: 'Key accounts', managerId: 'usr_1' });
    expect(group.memberIds).toEqual([]);
    expect(group.defaultArrangements).toEqual([]);
    expect(group.rule).toBeUndefined();
  });

  it('applies defaults inside rules and default arrangements', () => {
    const group = CustomerGroupSchema.parse({
      ...entity,
      name: 'NL',
      managerId: 'usr_1',
      rule: { conditions: [{ field: 'country', op: 'eq', value: 'NL' }] },
      defaultArrangements: [{ ...entity, channel: 'email', allowedPurposes: ['marketing'] }],
    });
    expect(group.rule?.match).toBe('all');
    expect(group.defaultArrangements[0]?.preferred).toBe(false);
  });

  it('rejects a group without a manager or with an empty rule', () => {
    expect(CustomerGroupSchema.safeParse({ ...entity, name: 'G' }).success).toBe(false);
    expect(
      CustomerGroupSchema.safeParse({ ...entity, name: 'G', managerId: 'u', rule: { conditions: [] } }).success,
    ).toBe(false);
  });
});

describe('MoneySchema', () => {
  it('turns numbers into decimal strings and keeps strings', () => {
    expect(MoneySchema.parse({ amount: 1250.5, currency: 'EUR' })).toEqual({ amount: '1250.5', currency: 'EUR' });
    expect(MoneySchema.parse({ amount: -3, currency: 'USD' })).toEqual({ amount: '-3', currency: 'USD' });
    expect(MoneySchema.parse({ amount: '1250.50', currency: 'EUR' })).toEqual({ amount: '1250.50', currency: 'EUR' });
  });

  it('rejects malformed amounts, non-finite numbers and bad currencies', () => {
    for (const amount of ['1,5', '1.', '.5', '1e3', 'abc', '', Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(MoneySchema.safeParse({ amount, currency: 'EUR' }).success, String(amount)).toBe(false);
    }
    for (const currency of ['eur', 'EURO', 'EU', '']) {
      expect(MoneySchema.safeParse({ amount: 1, currency }).success, currency).toBe(false);
    }
  });

  // A numeric amount must come out as a plain decimal string (never exponent notation) that the schema accepts again.
  it.each([0.1 + 0.2, 123456789012345680000, 1e21, 1e-7])('turns the number %s into a decimal string', (amount) => {
    const parsed = MoneySchema.parse({ amount, currency: 'EUR' });
    expect(parsed.amount).toMatch(/^-?\d+(\.\d+)?$/);
    expect(Number(parsed.amount)).toBe(amount);
    expect(MoneySchema.safeParse(parsed).success).toBe(true);
  });

  it('turns any finite number into a decimal string the schema accepts again (property)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (amount) => {
        const parsed = MoneySchema.parse({ amount, currency: 'EUR' });
        expect(parsed.amount).toMatch(/^-?\d+(\.\d+)?$/);
        expect(MoneySchema.parse(parsed)).toEqual(parsed);
      }),
    );
  });

  it('keeps amounts in cents exact (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e13, max: 1e13 }), (cents) => {
        const amount = cents / 100;
        expect(Number(MoneySchema.parse({ amount, currency: 'EUR' }).amount)).toBe(amount);
      }),
    );
  });
});

describe('assertSpecificationVersion', () => {
  it('accepts the current version', () => {
    expect(SPECIFICATION_VERSION).toBe('v1');
    expect(() => assertSpecificationVersion('store', { specificationVersion: 'v1', name: 'memory' })).not.toThrow();
  });

  it('accepts a version in a custom supported list', () => {
    expect(() =>
      assertSpecificationVersion('plugin', { specificationVersion: 'v2', id: 'p' }, ['v1', 'v2']),
    ).not.toThrow();
    expect(() => assertSpecificationVersion('plugin', { specificationVersion: 'v1', id: 'p' }, ['v2'])).toThrow(
      UnsupportedSpecificationError,
    );
  });

  it.each([['v2'], ['V1'], [1], [undefined], [null]])('rejects version %j', (version) => {
    let thrown: unknown;
    try {
      assertSpecificationVersion('adapter', { specificationVersion: version, name: 'hubspot' });
    } catch (error) {
      thrown = error;
    }
    expect(UnsupportedSpecificationError.isInstance(thrown)).toBe(true);
    expect(CrmkitError.isInstance(thrown)).toBe(true);
    const error = thrown as UnsupportedSpecificationError;
    expect(error.code).toBe('UNSUPPORTED_SPECIFICATION_VERSION');
    expect(error.contract).toBe('adapter');
    expect(error.version).toBe(version);
    expect(error.message).toContain('Adapter "hubspot"');
    expect(error.message).toContain('"v1"');
  });

  it('names the implementation by name, else id, else "unnamed"', () => {
    const messageOf = (impl: { name?: unknown; id?: unknown }): string => {
      try {
        assertSpecificationVersion('channel', { ...impl, specificationVersion: 'v0' });
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('expected a throw');
    };
    expect(messageOf({ name: 'smtp', id: 'ch_1' })).toContain('Channel "smtp"');
    expect(messageOf({ id: 'ch_1' })).toContain('Channel "ch_1"');
    expect(messageOf({})).toContain('Channel "unnamed"');
  });
});
