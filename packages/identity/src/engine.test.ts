import { AbortedError, InvalidArgumentError } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { createMatcher, estimateParameters, resolve } from './engine';
import type { IdentityRecord } from './types';

const jonathan: IdentityRecord = {
  id: 'hubspot:1',
  fields: {
    givenName: 'Jonathan',
    familyName: 'Smith',
    birthDate: '1980-03-02',
    street: 'Kerkstraat 12',
    postcode: '1011 AB',
    city: 'Amsterdam',
  },
};
const jonathon: IdentityRecord = {
  id: 'dynamics:9',
  fields: {
    givenName: 'Jonathon',
    familyName: 'Smit',
    birthDate: '02-03-1980',
    street: 'Kerkstr. 12',
    postcode: '1011AB',
    city: 'amsterdam',
  },
};
const other: IdentityRecord = {
  id: 'hubspot:2',
  fields: { givenName: 'Maria', familyName: 'Jansen', birthDate: '1975-11-20', city: 'Utrecht', postcode: '3511 AA' },
};

describe('createMatcher', () => {
  it('links a typo-ridden duplicate and explains every field', () => {
    const m = createMatcher();
    const score = m.score(m.prepare(jonathan), m.prepare(jonathon));
    expect(score.band).toBe('link');
    expect(score.a).toBe('dynamics:9');
    expect(score.b).toBe('hubspot:1');
    const byName = Object.fromEntries(score.contributions.map((c) => [c.comparison, c]));
    expect(byName.birthDate?.level).toBe('exact');
    expect(byName.givenName?.level).toBe('nickname or jaro-winkler >= 0.92');
    expect(byName.email?.level).toBe('missing');
    expect(byName.email?.weight).toBe(0);
    expect(byName.address?.values).toEqual(['kerk straat 12 1011AB amsterdam', 'kerk straat 12 1011AB amsterdam']);
    // The total is the prior plus the contributions.
    const sum = score.contributions.reduce((s, c) => s + c.weight, 0);
    expect(score.weight - sum).toBeCloseTo(Math.log2(1e-5 / (1 - 1e-5)), 1);
  });

  it('classify gives the same decision as score, without the explanation', () => {
    const m = createMatcher();
    for (const [x, y] of [
      [jonathan, jonathon],
      [jonathan, other],
      [jonathon, other],
    ] as const) {
      const a = m.prepare(x);
      const b = m.prepare(y);
      const full = m.score(a, b);
      expect(m.classify(a, b)).toMatchObject({ band: full.band, probability: full.probability });
    }
  });

  it('leaves the loose blocking rules out on request', () => {
    const m = createMatcher();
    const p = m.prepare(jonathan);
    const all = m.blockingKeys(p);
    const selective = m.blockingKeys(p, { loose: false });
    expect(selective.length).toBeGreaterThan(3);
    expect(selective.length).toBeLessThan(all.length);
    expect(all).toEqual(expect.arrayContaining(selective));
  });

  it('keeps different people apart', () => {
    const m = createMatcher();
    const score = m.score(m.prepare(jonathan), m.prepare(other));
    expect(score.band).toBe('apart');
    expect(score.probability).toBeLessThan(0.01);
  });

  it('links on a deterministic rule: same email and family name', () => {
    const m = createMatcher();
    const a = m.prepare({
      id: 'a',
      fields: { givenName: 'J.', familyName: 'de Vries', email: 'J.deVries+crm@Example.com' },
    });
    const b = m.prepare({
      id: 'b',
      fields: { givenName: 'Johan', familyName: 'Vries', email: 'j.devries@example.com' },
    });
    const score = m.score(a, b);
    expect(score.rule).toBe('email and family name');
    expect(score.band).toBe('link');
  });

  it('ignores blocked values such as test@test.com and -1', () => {
    const m = createMatcher({ blockedValues: { phone: ['+31612345678'] } });
    const a = m.prepare({
      id: 'a',
      fields: { familyName: 'Smith', email: 'test@test.com', nationalId: '-1', phone: '+31612345678' },
    });
    const b = m.prepare({
      id: 'b',
      fields: { familyName: 'Jones', email: 'test@test.com', nationalId: '-1', phone: '+31 6 12345678' },
    });
    const score = m.score(a, b);
    const levels = Object.fromEntries(score.contributions.map((c) => [c.comparison, c.level]));
    expect(levels).toMatchObject({ email: 'missing', nationalId: 'missing', phone: 'missing' });
    expect(score.band).toBe('apart');
    expect(m.blockingKeys(a).some((k) => k.includes('test@test.com'))).toBe(false);
  });

  it('keeps organisations with different registration ids apart whatever their names (guard)', () => {
    const m = createMatcher({ entity: 'organization' });
    const a = m.prepare({ id: 'a', fields: { organizationName: 'Acme B.V.', nationalId: '12345678', city: 'Delft' } });
    const b = m.prepare({ id: 'b', fields: { organizationName: 'ACME bv', nationalId: '87654321', city: 'Delft' } });
    const score = m.score(a, b);
    expect(score.guard).toBe('different registration id');
    expect(score.band).toBe('apart');
    const c = m.prepare({
      id: 'c',
      fields: { organizationName: 'The Acme Company Ltd.', city: 'Delft', street: 'Markt 1' },
    });
    const d = m.prepare({ id: 'd', fields: { organizationName: 'Acme', city: 'delft', street: 'markt 1' } });
    expect(m.score(c, d).band).toBe('link');
  });

  it('takes a custom configuration: a national-id guard where ids are reliable', async () => {
    const { PERSON_CONFIG } = await import('./config');
    const strict = createMatcher({
      config: {
        ...PERSON_CONFIG,
        guards: [{ name: 'different national id', comparison: 'nationalId', levels: [3] }],
      },
    });
    const x: IdentityRecord = { ...jonathan, fields: { ...jonathan.fields, nationalId: '123456782' } };
    const y: IdentityRecord = { ...jonathon, fields: { ...jonathon.fields, nationalId: '987654321' } };
    expect(strict.score(strict.prepare(x), strict.prepare(y))).toMatchObject({
      band: 'apart',
      guard: 'different national id',
    });
    const lenient = createMatcher();
    expect(lenient.score(lenient.prepare(x), lenient.prepare(y)).band).not.toBe('apart');
    expect(() =>
      createMatcher({ config: { ...PERSON_CONFIG, guards: [{ name: 'x', comparison: 'shoeSize', levels: [1] }] } }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', argument: 'config.guards[0].comparison' }));
    expect(() => createMatcher({ config: { ...PERSON_CONFIG, comparisons: [] } })).toThrow(
      expect.objectContaining({ argument: 'config.comparisons' }),
    );
  });

  it('rejects bad options with typed errors naming the option', () => {
    const attempts: [unknown, string][] = [
      [{ entity: 'robot' }, 'entity'],
      [{ thresholds: { link: 1.5 } }, 'thresholds.link'],
      [{ thresholds: { link: 0.5, review: 0.8 } }, 'thresholds.review'],
      [{ maxBlockSize: 1 }, 'maxBlockSize'],
      [{ parameters: { entity: 'organization', lambda: 0.1, comparisons: {} } }, 'parameters.entity'],
      [
        { parameters: { entity: 'person', lambda: 0.1, comparisons: { birthDate: { m: [1], u: [1] } } } },
        'parameters.comparisons.birthDate.m',
      ],
    ];
    for (const [options, argument] of attempts) {
      let caught: unknown;
      try {
        createMatcher(options as never);
      } catch (error) {
        caught = error;
      }
      expect(InvalidArgumentError.isInstance(caught), JSON.stringify(options)).toBe(true);
      expect((caught as InvalidArgumentError).argument).toBe(argument);
      expect((caught as InvalidArgumentError).code).toBe('INVALID_ARGUMENT');
    }
  });
});

function people(): IdentityRecord[] {
  const base = [
    ['Jonathan', 'Smith', '1980-03-02', 'Kerkstraat 12', '1011 AB', 'Amsterdam', 'jon.smith@example.com'],
    ['Maria', 'Jansen', '1975-11-20', 'Oudegracht 4', '3511 AA', 'Utrecht', 'maria.jansen@example.org'],
    ['Pieter', 'de Vries', '1990-07-14', 'Laan 8', '2511 CV', 'Den Haag', 'pdv@example.net'],
    ['Fatima', 'El Amrani', '1985-01-30', 'Markt 3', '5611 EB', 'Eindhoven', 'fatima.ea@example.com'],
    ['Willem', 'Bakker', '1962-05-05', 'Dorpsstraat 77', '9711 AB', 'Groningen', 'w.bakker@example.com'],
  ];
  const out: IdentityRecord[] = [];
  base.forEach(([given, family, birth, street, postcode, city, email], i) => {
    out.push({
      id: `a${i}`,
      source: 'a',
      fields: { givenName: given, familyName: family, birthDate: birth, street, postcode, city, email },
    });
    out.push({
      id: `b${i}`,
      source: 'b',
      fields: {
        givenName: `${given!.slice(0, -1)}${given!.at(-1) === 'a' ? 'e' : 'a'}`,
        familyName: family!.toUpperCase(),
        birthDate: birth,
        street: street!.toLowerCase(),
        postcode: postcode!.replace(' ', ''),
        city,
      },
    });
  });
  return out;
}

describe('resolve', () => {
  it('clusters duplicates, keeps the rest apart, and names each cluster after its first record', async () => {
    const result = await resolve(people());
    for (let i = 0; i < 5; i++) {
      expect(result.clusterOf.get(`a${i}`)).toBe(`a${i}`);
      expect(result.clusterOf.get(`b${i}`)).toBe(`a${i}`);
    }
    expect(result.stats).toMatchObject({ records: 10, clusters: 5 });
    expect(result.stats.links).toBeGreaterThanOrEqual(5);
    expect(result.parameters.entity).toBe('person');
  });

  it('gives the same partition whatever the input order', async () => {
    const records = people();
    const forward = await resolve(records);
    const backward = await resolve([...records].reverse());
    const partition = (clusterOf: Map<string, string>) => {
      const groups = new Map<string, string[]>();
      for (const [id, c] of clusterOf) groups.set(c, [...(groups.get(c) ?? []), id].sort());
      return [...groups.values()].map((g) => g.join(',')).sort();
    };
    expect(partition(backward.clusterOf)).toEqual(partition(forward.clusterOf));
  });

  it('refuses repeated ids and records without fields, naming the index', async () => {
    await expect(resolve([jonathan, jonathan])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      argument: 'records[1].id',
    });
    await expect(resolve([jonathan, { id: 'x' } as never])).rejects.toMatchObject({ argument: 'records[1].fields' });
  });

  it('stops with AbortedError when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(resolve(people(), { signal: controller.signal })).rejects.toSatisfy(AbortedError.isInstance);
  });

  it('reports progress for every phase', async () => {
    const phases = new Set<string>();
    await resolve(people(), { onProgress: (p) => phases.add(p.phase) });
    expect([...phases]).toEqual(['prepare', 'block', 'train', 'score', 'cluster']);
  });

  it('estimates parameters that can be saved as JSON and used again', async () => {
    const parameters = estimateParameters(people());
    const again = JSON.parse(JSON.stringify(parameters));
    const result = await resolve(people(), { parameters: again });
    expect(result.stats.clusters).toBe(5);
    expect(result.parameters).toEqual(again);
  });
});

describe('q-gram blocking keys', () => {
  it('give typo variants a shared key, wherever the typo is, and unrelated names none', async () => {
    const { qgramKeys } = await import('./config');
    const shares = (x: string, y: string) => qgramKeys(x).some((k) => qgramKeys(y).includes(k));
    expect(qgramKeys('jansen')).toHaveLength(3);
    expect(qgramKeys('jansen')).toEqual(qgramKeys('jansen'));
    expect(shares('jansen', 'janssen')).toBe(true);
    expect(shares('pridham', 'pridam')).toBe(true);
    expect(shares('morrison', 'morisson')).toBe(true);
    expect(shares('bakker', 'wijdeveld')).toBe(false);
    expect(qgramKeys('ab')).toEqual([]);
    expect(qgramKeys(null)).toEqual([]);
  });
});
