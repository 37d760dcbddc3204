import { describe, expect, it } from 'vitest';
import { idealMs, latencies, pairwiseF1, percentile, personOf } from './measure';

describe('pairwiseF1', () => {
  it('is 1 for the true clustering', () => {
    const q = pairwiseF1([
      ['c1', 'p1'],
      ['c1', 'p1'],
      ['c2', 'p2'],
      ['c2', 'p2'],
      ['c2', 'p2'],
    ]);
    expect(q).toEqual({ precision: 1, recall: 1, f1: 1, records: 5 });
  });

  it('counts pairs: a wrong merge and a missed link', () => {
    // Truth: p1 = {a, b}, p2 = {c, d, e}. Predicted: {a, b, c} and {d}, {e}.
    // Predicted pairs 3 (ab, ac, bc), true pairs 1 + 3 = 4, right pairs 1 (ab).
    const q = pairwiseF1([
      ['x', 'p1'],
      ['x', 'p1'],
      ['x', 'p2'],
      ['y', 'p2'],
      ['z', 'p2'],
    ]);
    expect(q.precision).toBeCloseTo(1 / 3);
    expect(q.recall).toBeCloseTo(1 / 4);
    expect(q.f1).toBeCloseTo((2 * 1) / (3 + 4));
  });

  it('gives recall 0 when every record stays alone', () => {
    const q = pairwiseF1([
      ['a', 'p1'],
      ['b', 'p1'],
    ]);
    expect(q).toEqual({ precision: 1, recall: 0, f1: 0, records: 2 });
  });
});

describe('personOf', () => {
  it('reads the person from <copy>-<person>', () => {
    expect(personOf('2-12345')).toBe('12345');
  });
});

describe('idealMs', () => {
  const limit = { max: 190, intervalMs: 10_000 };
  it('lets a fresh window burst, then waits a window per 190 calls', () => {
    expect(idealMs(limit, [], 0, 190)).toBe(0);
    expect(idealMs(limit, [], 0, 191)).toBe(10_000);
    expect(idealMs(limit, [], 0, 380)).toBe(10_000);
    expect(idealMs(limit, [], 0, 1000)).toBe(50_000);
  });

  it('counts the calls already in the window, not older ones', () => {
    const prior = Array.from({ length: 190 }, () => 5_000);
    expect(idealMs(limit, prior, 6_000, 1)).toBe(9_000);
    expect(idealMs(limit, prior, 16_000, 1)).toBe(0);
  });
});

describe('percentile', () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  it('takes the nearest rank', () => {
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
  });
  it('refuses no values', () => {
    expect(() => percentile([], 50)).toThrow();
  });
});

describe('latencies', () => {
  it('times each call after the warm-up, ascending', async () => {
    let called = 0;
    const times = await latencies(
      async () => {
        called++;
      },
      5,
      2,
    );
    expect(called).toBe(7);
    expect(times).toHaveLength(5);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });
});
