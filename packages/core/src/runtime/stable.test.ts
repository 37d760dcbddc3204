import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonEqual, stableStringify } from './stable';

const leaf = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.constantFrom(0, -0, 1, Number.NaN, Number.POSITIVE_INFINITY),
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom('', 'a', 'b', 'null'),
);
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('tree'), { maxLength: 3 }),
  object: fc.dictionary(fc.constantFrom('a', 'b', 'c', '__proto__'), tie('tree'), { maxKeys: 3 }),
}));

describe('jsonEqual', () => {
  it('agrees with comparing stable JSON texts', () => {
    fc.assert(
      fc.property(tree, tree, (a, b) => {
        expect(jsonEqual(a, b)).toBe(stableStringify(a) === stableStringify(b));
        expect(jsonEqual(a, structuredClone(a))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('ignores key order and undefined properties, and reads an undefined item as null', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual([undefined], [null])).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEqual({ a: 1, b: 2 }, { a: 1, c: 2 })).toBe(false);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual([], {})).toBe(false);
    expect(jsonEqual({ a: null }, {})).toBe(false);
  });
});
