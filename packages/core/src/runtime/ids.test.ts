import { describe, expect, it } from 'vitest';
import { compareStrings } from './stable';
import { createIdGenerator } from './ids';

const SHAPE = /^cus_[0-9a-hjkmnp-tv-z]{10}[0-9a-v]{4}[0-9a-hjkmnp-tv-z]{8}$/;

describe('createIdGenerator', () => {
  it('gives unique ids that sort in creation order, within one millisecond and across many', () => {
    const t = 1_700_000_000_000;
    let calls = 0;
    // Four ids per millisecond for a while, then a long run in one millisecond: the random pool refills many times.
    const nextId = createIdGenerator(() => (calls++ < 8_000 ? t + Math.floor(calls / 4) : t + 5_000));
    const ids = Array.from({ length: 20_000 }, () => nextId('cus'));
    for (const id of ids) expect(id).toMatch(SHAPE);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort(compareStrings)).toEqual(ids);
  });

  it('draws a new random part for every millisecond and keeps it within one', () => {
    let t = 1_700_000_000_000;
    const nextId = createIdGenerator(() => t);
    const a = nextId('x');
    const b = nextId('x');
    t++;
    const c = nextId('x');
    expect(a.slice(-8)).toBe(b.slice(-8));
    expect(a.slice(2, 12)).toBe(b.slice(2, 12));
    expect(c.slice(2, 12)).not.toBe(a.slice(2, 12));
    // 8 random characters out of 32: equal by chance once in 2^40.
    const parts = new Set(
      Array.from({ length: 2_000 }, () => {
        t++;
        return nextId('x').slice(-8);
      }),
    );
    expect(parts.size).toBe(2_000);
  });

  it('does not go backwards when the clock steps back, and borrows the next millisecond when the counter is spent', () => {
    let t = 1_700_000_000_000;
    const nextId = createIdGenerator(() => t);
    const first = nextId('e');
    t -= 10_000;
    const second = nextId('e');
    expect(compareStrings(first, second)).toBeLessThan(0);
    const many = Array.from({ length: 32 ** 4 + 5 }, () => nextId('e'));
    expect(compareStrings(second, many[0]!)).toBeLessThan(0);
    for (let i = 1; i < many.length; i += 997) expect(compareStrings(many[i - 1]!, many[i]!)).toBeLessThan(0);
    expect(compareStrings(many.at(-2)!, many.at(-1)!)).toBeLessThan(0);
    expect(many.at(-1)!.slice(2, 12)).not.toBe(first.slice(2, 12));
  });
});
