import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  evaluateClusters,
  type IdentityDatasetName,
  identityDataDir,
  loadIdentityDataset,
  parseCsv,
  truePairCount,
} from './identity-datasets';

function mapOf(entries: Record<string, string>): Map<string, string> {
  return new Map(Object.entries(entries));
}

describe('parseCsv', () => {
  it('reads Febrl style: ", " separators, empty cells, apostrophes inside values', () => {
    expect(parseCsv("rec_id, given_name, surname\nrec-1-org, , van't hof\nrec-1-dup-0, john, smith\n")).toEqual([
      ['rec_id', 'given_name', 'surname'],
      ['rec-1-org', '', "van't hof"],
      ['rec-1-dup-0', 'john', 'smith'],
    ]);
  });

  it("reads double-quoted fields (commas, escaped quotes, line breaks) and single-quoted '0' ids", () => {
    const text = `name,address,unique_id\r\n"arnie morton's, chicago", "435 ""s."" la\ncienega", '0'\r\n\r\n"x",, '12'`;
    expect(parseCsv(text)).toEqual([
      ['name', 'address', 'unique_id'],
      ["arnie morton's, chicago", '435 "s." la\ncienega', '0'],
      ['x', '', '12'],
    ]);
  });

  it("keeps a leading apostrophe that is not a quote ('s-Hertogenbosch)", () => {
    expect(parseCsv("city,n\n's-Hertogenbosch,1\nx,'2'\n")).toEqual([
      ['city', 'n'],
      ["'s-Hertogenbosch", '1'],
      ['x', '2'],
    ]);
  });
});

describe('truePairCount', () => {
  it('sums n*(n-1)/2 over entities', () => {
    expect(truePairCount(mapOf({ a: '1', b: '1', c: '1', d: '2', e: '2', f: '3' }))).toBe(4);
    expect(truePairCount(new Map())).toBe(0);
  });
});

describe('evaluateClusters', () => {
  // entities: A = {a1,a2,a3} (3 pairs), B = {b1,b2} (1 pair), C = {c1}: 4 true pairs
  const truth = mapOf({ a1: 'A', a2: 'A', a3: 'A', b1: 'B', b2: 'B', c1: 'C' });

  it('perfect clustering', () => {
    const clusters = mapOf({ a1: 'x', a2: 'x', a3: 'x', b1: 'y', b2: 'y', c1: 'z' });
    expect(evaluateClusters(clusters, truth)).toEqual({
      precision: 1,
      recall: 1,
      f1: 1,
      truePositives: 4,
      falsePositives: 0,
      falseNegatives: 0,
    });
  });

  it('all singletons (explicit or missing from clusterOf)', () => {
    const expected = { precision: 1, recall: 0, f1: 0, truePositives: 0, falsePositives: 0, falseNegatives: 4 };
    expect(evaluateClusters(new Map(), truth)).toEqual(expected);
    expect(evaluateClusters(mapOf({ a1: '1', a2: '2', a3: '3', b1: '4', b2: '5', c1: '6' }), truth)).toEqual(expected);
  });

  it('everything in one cluster', () => {
    const clusters = mapOf({ a1: 'x', a2: 'x', a3: 'x', b1: 'x', b2: 'x', c1: 'x' });
    // 15 predicted pairs, 4 of them true
    expect(evaluateClusters(clusters, truth)).toEqual({
      precision: 4 / 15,
      recall: 1,
      f1: (2 * (4 / 15)) / (4 / 15 + 1),
      truePositives: 4,
      falsePositives: 11,
      falseNegatives: 0,
    });
  });

  it('a split entity', () => {
    // A split into {a1,a2} and {a3} (a3 missing from clusterOf = singleton): 1 of A's 3 pairs found
    const clusters = mapOf({ a1: 'x', a2: 'x', b1: 'y', b2: 'y', c1: 'z' });
    expect(evaluateClusters(clusters, truth)).toEqual({
      precision: 1,
      recall: 0.5,
      f1: 2 / 3,
      truePositives: 2,
      falsePositives: 0,
      falseNegatives: 2,
    });
  });

  it('a wrong merge', () => {
    // B and C merged: pairs b1-b2 (true), b1-c1, b2-c1 (false)
    const clusters = mapOf({ a1: 'x', a2: 'x', a3: 'x', b1: 'y', b2: 'y', c1: 'y' });
    expect(evaluateClusters(clusters, truth)).toEqual({
      precision: 4 / 6,
      recall: 1,
      f1: 0.8,
      truePositives: 4,
      falsePositives: 2,
      falseNegatives: 0,
    });
  });

  it('ignores clustered ids without truth', () => {
    const clusters = mapOf({ a1: 'x', a2: 'x', a3: 'x', b1: 'y', b2: 'y', c1: 'z', extra: 'z' });
    expect(evaluateClusters(clusters, truth).precision).toBe(1);
  });

  // Typically a few hundred ms; the budget holds on a loaded machine and still catches enumerating pairs.
  it('handles 1,000,000 records quickly without enumerating pairs', { timeout: 120_000 }, () => {
    const entityOf = new Map<string, string>();
    const clusterOf = new Map<string, string>();
    for (let i = 0; i < 1_000_000; i++) {
      const id = `r${i}`;
      entityOf.set(id, `e${i >> 1}`); // 500,000 true pairs
      clusterOf.set(id, `c${Math.floor(i / 4)}`); // clusters of 4: 6 pairs each, 2 of them true
    }
    const result = evaluateClusters(clusterOf, entityOf);
    expect(result.truePositives).toBe(500_000);
    expect(result.falsePositives).toBe(250_000 * 6 - 500_000);
    expect(result.falseNegatives).toBe(0);
  });
});

describe('loadIdentityDataset on a fixture', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crmkit-identity-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'febrl'));
  writeFileSync(
    join(dir, 'febrl', 'dataset1.csv'),
    [
      'rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, state, date_of_birth, soc_sec_id',
      'rec-7-org, , waller, 6, tullaroop street, willaroo, st james, 0811, wa, 19081209, 6988048',
      'rec-7-dup-0, john, waller, , tullaroop st, , st james, 0811, wa, 19081209, 6988048',
      'rec-9-org, lachlan, berry, 69, giblin street, killarney, bittern, 4814, qld, 19990219, 7364009',
    ].join('\n'),
  );

  it('maps columns, hides the truth and keeps numbers as strings', async () => {
    const data = await loadIdentityDataset('febrl1', { dir });
    expect(data.records).toEqual([
      {
        id: 'r0',
        fields: {
          familyName: 'waller',
          houseNumber: '6',
          street: 'tullaroop street',
          city: 'st james',
          postcode: '0811',
          region: 'wa',
          birthDate: '19081209',
          nationalId: '6988048',
        },
      },
      {
        id: 'r1',
        fields: {
          givenName: 'john',
          familyName: 'waller',
          street: 'tullaroop st',
          city: 'st james',
          postcode: '0811',
          region: 'wa',
          birthDate: '19081209',
          nationalId: '6988048',
        },
      },
      {
        id: 'r2',
        fields: {
          givenName: 'lachlan',
          familyName: 'berry',
          houseNumber: '69',
          street: 'giblin street',
          city: 'bittern',
          postcode: '4814',
          region: 'qld',
          birthDate: '19990219',
          nationalId: '7364009',
        },
      },
    ]);
    expect([...data.entityOf]).toEqual([
      ['r0', '7'],
      ['r1', '7'],
      ['r2', '9'],
    ]);
    expect(data.truePairs).toBe(1);
    expect(data.entity).toBe('person');
    expect(data.columns.soc_sec_id).toBe('nationalId');
    expect(JSON.stringify(data.records)).not.toContain('rec-');
  });

  it('fails clearly when a file is missing', async () => {
    await expect(loadIdentityDataset('febrl2', { dir })).rejects.toThrow(/dataset2\.csv/);
  });
});

describe('identityDataDir', () => {
  it('uses $CRMKIT_DATA_DIR/identity and returns undefined when it is absent', () => {
    const base = mkdtempSync(join(tmpdir(), 'crmkit-data-'));
    try {
      vi.stubEnv('CRMKIT_DATA_DIR', base);
      expect(identityDataDir()).toBeUndefined();
      mkdirSync(join(base, 'identity'));
      expect(identityDataDir()).toBe(join(base, 'identity'));
    } finally {
      vi.unstubAllEnvs();
      rmSync(base, { recursive: true, force: true });
    }
  });
});

const dataDir = identityDataDir();
const expected: [IdentityDatasetName, 'person' | 'organization', number, number][] = [
  ['febrl1', 'person', 1000, 500],
  ['febrl2', 'person', 5000, 1934],
  ['febrl3', 'person', 5000, 6538],
  ['fake1000', 'person', 1000, 2031],
  ['restaurants', 'organization', 864, 112],
];

describe.skipIf(!dataDir)(
  `public identity data sets${dataDir ? '' : ' (skipped: ../shared/data/identity not found)'}`,
  () => {
    it.each(expected)('%s: %s, %i records, %i true pairs', async (name, entity, rows, truePairs) => {
      const data = await loadIdentityDataset(name);
      expect(data.entity).toBe(entity);
      expect(data.records).toHaveLength(rows);
      expect(data.entityOf.size).toBe(rows);
      expect(data.truePairs).toBe(truePairs);
      expect(new Set(data.records.map((r) => r.id)).size).toBe(rows);
      // the perfect clustering scores 1; every record has at least one field
      const perfect = evaluateClusters(data.entityOf, data.entityOf);
      expect(perfect.f1).toBe(1);
      expect(perfect.truePositives).toBe(truePairs);
      for (const record of data.records) expect(Object.keys(record.fields).length).toBeGreaterThan(0);
    });

    it('reads values as in the files', async () => {
      const febrl = await loadIdentityDataset('febrl1');
      expect(febrl.records[0]).toEqual({
        id: 'r0',
        fields: {
          familyName: 'waller',
          houseNumber: '6',
          street: 'tullaroop street',
          city: 'st james',
          postcode: '4011',
          region: 'wa',
          birthDate: '19081209',
          nationalId: '6988048',
        },
      });
      const fake = await loadIdentityDataset('fake1000');
      expect(fake.records[0]).toEqual({
        id: 'r0',
        fields: { givenName: 'Robert', familyName: 'Alan', birthDate: '1971-06-24', email: 'robert255@smith.net' },
      });
      const restaurants = await loadIdentityDataset('restaurants');
      expect(restaurants.records[0]).toEqual({
        id: 'r0',
        fields: {
          organizationName: "arnie morton's of chicago",
          street: '435 s. la cienega blv.',
          city: 'los angeles',
        },
      });
      expect(restaurants.entityOf.get('r0')).toBe(restaurants.entityOf.get('r1'));
    });
  },
);
