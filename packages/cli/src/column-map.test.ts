import { fileURLToPath } from 'node:url';
import { FIELD_NAMES } from '@crmkit/identity';
import { ValidationError } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { entityOf, parseColumnMap } from './column-map';
import { loadRecords } from './resolve';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

function problem(input: unknown): ValidationError {
  try {
    parseColumnMap(input, 'map.json');
  } catch (error) {
    if (ValidationError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('parseColumnMap', () => {
  it('accepts a map with every optional key and upper-cases the country', () => {
    expect(
      parseColumnMap({
        $schema: './map.schema.json',
        id: 'no',
        columns: { Name: 'fullName', Mail: 'email' },
        entity: 'person',
        defaultCountry: 'de',
        dateOrder: 'mdy',
        thresholds: { link: 0.9, review: 0.5 },
      }),
    ).toEqual({
      id: 'no',
      columns: { Name: 'fullName', Mail: 'email' },
      entity: 'person',
      defaultCountry: 'DE',
      dateOrder: 'mdy',
      thresholds: { link: 0.9, review: 0.5 },
    });
  });

  it('names the column of an unknown field and lists the valid fields', () => {
    const error = problem({ id: 'no', columns: { Name: 'fullName', 'E-Mail': 'mail' } });
    expect(error.message).toBe(
      `[crmkit/cli] map.json: column "E-Mail" maps to unknown field "mail" (valid fields: ${FIELD_NAMES.join(', ')})`,
    );
    expect(error.path).toEqual(['columns', 'E-Mail']);
    expect(error.code).toBe('VALIDATION_FAILED');
  });

  it('says what is missing or wrong, every problem in one line', () => {
    expect(problem({ columns: { a: 'email' } }).message).toBe(
      '[crmkit/cli] map.json: id is required: the name of the column that holds the record id',
    );
    expect(problem({ id: 'x' }).message).toBe(
      '[crmkit/cli] map.json: columns is required: an object from CSV column name to field name',
    );
    expect(problem({ id: 'x', columns: {} }).message).toBe(
      '[crmkit/cli] map.json: columns maps no column; map at least one',
    );
    expect(problem([]).message).toBe('[crmkit/cli] map.json: must be a JSON object with "id" and "columns"');
    expect(problem({ id: 'x', colums: {}, columns: { a: 'email' } }).message).toBe(
      '[crmkit/cli] map.json: unknown key "colums" (valid keys: id, columns, entity, defaultCountry, dateOrder, thresholds)',
    );
    expect(
      problem({ id: 'x', columns: { a: 'email' }, entity: 'company', thresholds: { link: 0.5, review: 0.8 } }).message,
    ).toBe(
      '[crmkit/cli] map.json: entity must be "person" or "organization"; thresholds review must not be above link',
    );
    expect(problem({ id: 'x', columns: { a: 'email' }, thresholds: { link: 2 } }).message).toBe(
      '[crmkit/cli] map.json: thresholds.link must be between 0 and 1',
    );
    expect(problem({ id: 'x', columns: { a: 'email' }, defaultCountry: 'Germany' }).message).toBe(
      '[crmkit/cli] map.json: defaultCountry must be a two-letter country code such as "DE"',
    );
  });
});

describe('entityOf', () => {
  it('infers organization only when organizationName is mapped without person fields', () => {
    expect(entityOf({ id: 'i', columns: { a: 'organizationName', b: 'city', c: 'phone' } })).toBe('organization');
    expect(entityOf({ id: 'i', columns: { a: 'organizationName', b: 'familyName' } })).toBe('person');
    expect(entityOf({ id: 'i', columns: { a: 'email' } })).toBe('person');
    expect(entityOf({ id: 'i', columns: { a: 'organizationName' }, entity: 'person' })).toBe('person');
  });
});

describe('loadRecords', () => {
  it('maps columns by name (any order per file), skips empty cells and unmapped columns, ids per file', async () => {
    const map = parseColumnMap({
      id: 'customer_id',
      columns: { 'First Name': 'givenName', 'Last Name': 'familyName', 'E-Mail': 'email', Phone: 'phone' },
    });
    const { records, origins } = await loadRecords(['people-crm.csv', 'people-shop.csv'], map, fixtures);
    expect(records).toHaveLength(12);
    expect(records[0]).toEqual({
      id: '0:A-1',
      source: 'people-crm.csv',
      fields: {
        givenName: 'Johanna',
        familyName: 'Schmidt',
        email: 'johanna.schmidt@example.de',
        phone: '+49 30 1234567',
      },
    });
    expect(records[11]).toEqual({
      id: '1:S-106',
      source: 'people-shop.csv',
      fields: { givenName: 'Sofia', familyName: 'Rossi' },
    });
    expect(origins.map((o) => o.id)).toEqual([
      ...['A-1', 'A-2', 'A-3', 'A-4', 'A-5', 'A-6'],
      ...['S-101', 'S-102', 'S-103, web', 'S-104', 'S-105', 'S-106'],
    ]);
  });

  it('gives a field several values when several columns map to it', async () => {
    const map = parseColumnMap({ id: 'customer_id', columns: { 'E-Mail': 'email', Notes: 'email', City: 'city' } });
    const { records } = await loadRecords(['people-crm.csv'], map, fixtures);
    expect(records[1]?.fields).toEqual({
      email: ['miguel.fernandez@example.com', 'VIP, call before noon'],
      city: 'Madrid',
    });
    expect(records[0]?.fields.email).toBe('johanna.schmidt@example.de');
  });

  it('reports reading progress in bytes', async () => {
    const map = parseColumnMap({ id: 'rec_id', columns: { surname: 'familyName' } });
    const progress: number[] = [];
    await loadRecords(['febrl-sample.csv'], map, fixtures, (p) => progress.push(p.done / p.total));
    expect(progress.at(-1)).toBe(1);
  });
});
