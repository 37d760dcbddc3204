import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  damerauLevenshtein,
  dateDifferenceDays,
  isDateTransposition,
  jaccard,
  jaroWinkler,
  levenshtein,
  numericDifference,
  qgrams,
  tokenJaccard,
} from './compare';

/** Plain textbook implementations, to check the optimised ones against. */
function naiveLevenshtein(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push([i]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
    }
  }
  return d[a.length]![b.length]!;
}

function naiveOsa(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push([i]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** Short strings over a small alphabet, so that random pairs share characters. */
const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd', 'é', 'ß', ' '), maxLength: 12 });
const wideWord = fc.string({ unit: 'binary', maxLength: 20 });

describe('jaroWinkler', () => {
  it.each([
    ['MARTHA', 'MARHTA', 0.961],
    ['DWAYNE', 'DUANE', 0.84],
    ['DIXON', 'DICKSONX', 0.813],
    ['JELLYFISH', 'SMELLYFISH', 0.896],
    ['CRATE', 'TRACE', 0.733],
    ['ABC', 'XYZ', 0],
  ])('jaroWinkler(%s, %s) = %f', (a, b, expected) => {
    expect(jaroWinkler(a, b)).toBeCloseTo(expected, 3);
  });

  it('is 1 for identical strings and 0 when one is empty', () => {
    expect(jaroWinkler('jansen', 'jansen')).toBe(1);
    expect(jaroWinkler('', '')).toBe(1);
    expect(jaroWinkler('', 'a')).toBe(0);
    expect(jaroWinkler('a', '')).toBe(0);
  });

  it('gives plain Jaro with prefixScale 0 and clamps the scale', () => {
    expect(jaroWinkler('MARTHA', 'MARHTA', 0)).toBeCloseTo(0.944, 3);
    expect(jaroWinkler('MARTHA', 'MARHTA', 5)).toBeLessThanOrEqual(1);
  });

  it('only boosts above a Jaro similarity of 0.7', () => {
    // 'ab' vs 'ac': jaro = (1/2 + 1/2 + 1) / 3 = 0.667, no boost despite the common prefix.
    expect(jaroWinkler('ab', 'ac')).toBeCloseTo(2 / 3, 10);
  });

  it('works for non-Latin BMP characters and long strings (buffer growth)', () => {
    expect(jaroWinkler('ελληνικά', 'ελληνικα')).toBeGreaterThan(0.9);
    const long = 'abcdefghij'.repeat(30);
    expect(jaroWinkler(long, long + 'x')).toBeGreaterThan(0.99);
    expect(jaroWinkler('martha', 'marhta')).toBeCloseTo(0.961, 3); // buffers still fine after growing
  });

  it('is symmetric and in [0, 1]', () => {
    fc.assert(
      fc.property(word, word, (a, b) => {
        const ab = jaroWinkler(a, b);
        expect(ab).toBeGreaterThanOrEqual(0);
        expect(ab).toBeLessThanOrEqual(1);
        expect(ab).toBeCloseTo(jaroWinkler(b, a), 12);
      }),
    );
  });
});

describe('levenshtein', () => {
  it.each([
    ['kitten', 'sitting', 3],
    ['flaw', 'lawn', 2],
    ['', 'abc', 3],
    ['abc', '', 3],
    ['abc', 'abc', 0],
    ['martha', 'marhta', 2],
    ['jansen', 'janssen', 1],
    ['müller', 'muller', 1],
  ])('levenshtein(%s, %s) = %i', (a, b, expected) => {
    expect(levenshtein(a, b)).toBe(expected);
  });

  it('stops early above max and returns max + 1', () => {
    expect(levenshtein('kitten', 'sitting', 1)).toBe(2);
    expect(levenshtein('kitten', 'sitting', 3)).toBe(3);
    expect(levenshtein('a', 'abcdef', 2)).toBe(3);
    expect(levenshtein('abc', 'xyz', 0)).toBe(1);
    expect(levenshtein('abc', 'abc', 0)).toBe(0);
  });

  it('agrees with the textbook algorithm, also under a bound', () => {
    fc.assert(
      fc.property(wideWord, wideWord, fc.nat(6), (a, b, max) => {
        const d = naiveLevenshtein(a, b);
        expect(levenshtein(a, b)).toBe(d);
        expect(levenshtein(a, b, max)).toBe(d > max ? max + 1 : d);
      }),
    );
  });

  it('satisfies the triangle inequality and symmetry', () => {
    fc.assert(
      fc.property(word, word, word, (a, b, c) => {
        expect(levenshtein(a, c)).toBeLessThanOrEqual(levenshtein(a, b) + levenshtein(b, c));
        expect(levenshtein(a, b)).toBe(levenshtein(b, a));
      }),
    );
  });
});

describe('damerauLevenshtein', () => {
  it.each([
    ['martha', 'marhta', 1],
    ['ca', 'abc', 3],
    ['ab', 'ba', 1],
    ['abcdef', 'badcfe', 3],
    ['kitten', 'sitting', 3],
    ['', 'ab', 2],
    ['jansen', 'jasnen', 1],
  ])('damerauLevenshtein(%s, %s) = %i', (a, b, expected) => {
    expect(damerauLevenshtein(a, b)).toBe(expected);
  });

  it('stops early above max and returns max + 1', () => {
    expect(damerauLevenshtein('abcdef', 'badcfe', 2)).toBe(3);
    expect(damerauLevenshtein('abcdef', 'badcfe', 3)).toBe(3);
    expect(damerauLevenshtein('ab', 'ba', 0)).toBe(1);
  });

  it('agrees with the textbook optimal string alignment algorithm, also under a bound', () => {
    fc.assert(
      fc.property(word, word, fc.nat(6), (a, b, max) => {
        const d = naiveOsa(a, b);
        expect(damerauLevenshtein(a, b)).toBe(d);
        expect(damerauLevenshtein(a, b, max)).toBe(d > max ? max + 1 : d);
      }),
      { numRuns: 500 },
    );
  });

  it('is never more than the Levenshtein distance', () => {
    fc.assert(
      fc.property(word, word, (a, b) => {
        expect(damerauLevenshtein(a, b)).toBeLessThanOrEqual(levenshtein(a, b));
      }),
    );
  });
});

describe('qgrams and jaccard', () => {
  it.each([
    ['ab', 2, ['#a', 'ab', 'b#']],
    ['anna', 2, ['#a', 'an', 'nn', 'na', 'a#']],
    ['ab', 3, ['##a', '#ab', 'ab#', 'b##']],
    ['abc', 1, ['a', 'b', 'c']],
    ['', 2, []],
  ] as const)('qgrams(%s, %i)', (s, q, expected) => {
    expect(qgrams(s, q)).toEqual(expected);
  });

  it('computes multiset Jaccard of padded bigrams', () => {
    // #n ni ig gh ht t# vs #n na ac ch ht t#: 3 shared of 9
    expect(jaccard('night', 'nacht')).toBeCloseTo(3 / 9, 10);
    expect(jaccard('jansen', 'jansen')).toBe(1);
    expect(jaccard('', '')).toBe(1);
    expect(jaccard('abc', '')).toBe(0);
    // multiset: aaaa has #a aa aa aa a#, aa has #a aa a#: 3 shared of 5
    expect(jaccard('aaaa', 'aa')).toBeCloseTo(3 / 5, 10);
    expect(jaccard('abc', 'xyz')).toBe(0);
  });

  it('is symmetric and in [0, 1]', () => {
    fc.assert(
      fc.property(word, word, fc.integer({ min: 1, max: 3 }), (a, b, q) => {
        const j = jaccard(a, b, q);
        expect(j).toBeGreaterThanOrEqual(0);
        expect(j).toBeLessThanOrEqual(1);
        expect(j).toBeCloseTo(jaccard(b, a, q), 12);
      }),
    );
  });

  it('computes token-set Jaccard', () => {
    expect(tokenJaccard('acme trading', 'acme holding trading')).toBeCloseTo(2 / 3, 10);
    expect(tokenJaccard('jan van berg', 'berg jan van')).toBe(1);
    expect(tokenJaccard('a a b', 'a b')).toBe(1);
    expect(tokenJaccard('a', 'b')).toBe(0);
    expect(tokenJaccard('', '')).toBe(1);
    expect(tokenJaccard('  ', '')).toBe(1);
    expect(tokenJaccard('a', '')).toBe(0);
  });
});

describe('dates', () => {
  it.each([
    ['1980-02-28', '1980-03-01', 2],
    ['1981-02-28', '1981-03-01', 1],
    ['2000-01-01', '1999-12-31', 1],
    ['1970-01-01', '1970-01-01', 0],
    ['1900-01-01', '2000-01-01', 36524],
    ['0050-01-01', '0051-01-01', 365],
  ])('dateDifferenceDays(%s, %s) = %i', (a, b, expected) => {
    expect(dateDifferenceDays(a, b)).toBe(expected);
  });

  it('returns null for invalid dates', () => {
    expect(dateDifferenceDays('1980-02-30', '1980-03-01')).toBeNull();
    expect(dateDifferenceDays('1980-13-01', '1980-03-01')).toBeNull();
    expect(dateDifferenceDays('19800101', '1980-03-01')).toBeNull();
    expect(dateDifferenceDays('1980-03-01', '')).toBeNull();
  });

  it.each([
    ['1980-03-04', '1980-04-03', true],
    ['1978-05-12', '1987-05-12', true],
    ['1980-05-12', '1980-05-21', true],
    ['1980-01-12', '1980-10-12', true],
    ['1980-05-12', '1980-05-12', false],
    ['1980-05-12', '1980-05-13', false],
    ['1980-03-04', '1981-04-03', false],
    ['1978-05-12', '1987-05-21', false],
    ['1980-05-12', 'not a date', false],
  ])('isDateTransposition(%s, %s) = %s', (a, b, expected) => {
    expect(isDateTransposition(a, b)).toBe(expected);
    expect(isDateTransposition(b, a)).toBe(expected);
  });
});

describe('numericDifference', () => {
  it.each([
    ['1980', '1982', 2],
    ['-3.5', '1.5', 5],
    [' 42 ', '42', 0],
    ['1e3', '999', 1],
    ['.5', '0.25', 0.25],
  ])('numericDifference(%s, %s) = %f', (a, b, expected) => {
    expect(numericDifference(a, b)).toBeCloseTo(expected, 10);
  });

  it.each([
    ['12a', '12'],
    ['', '1'],
    ['1,5', '1'],
    ['NaN', '1'],
    ['Infinity', '1'],
    ['0x10', '16'],
  ])('numericDifference(%s, %s) = null', (a, b) => {
    expect(numericDifference(a, b)).toBeNull();
  });
});
