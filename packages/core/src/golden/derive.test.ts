import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GoldenField, GoldenRecord, JsonValue, StoredRecord } from '@crmkit/model';
import { deriveGolden, displayNameOf } from './derive';
import { hashString, stableStringify } from '../runtime/stable';
import { D1, D2, D3, D4, deriveAllOrders, org, person, tombstone } from './records.test-support';

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
