import { stableStringify } from '@crmkit/model';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalChangesJson, canonicalJson } from './canonical';

describe('canonicalJson', () => {
  it('is exactly stableStringify for any value (so format-2 hashes do not change)', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withSparseArray: true,
          withNullPrototype: true,
          withBoxedValues: true,
          withDate: true,
          withObjectString: true,
        }),
        (value) => {
          expect(canonicalJson(value)).toBe(stableStringify(value));
        },
      ),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(stableStringify(value));
      }),
      { numRuns: 1000 },
    );
  });

  it('sorts keys by code unit, drops undefined members, writes undefined and unserialisable items as stableStringify does', () => {
    const cases: unknown[] = [
      { b: 1, a: [2, undefined], B: null, é: 'x', '10': 1, '9': 2 },
      // biome-ignore lint/suspicious/noSparseArray: a hole is one of the cases
      [1, , 3],
      [() => 1, Symbol('s'), undefined, Number.NaN, -0, 1e21],
      { f: () => 1, u: undefined, n: Number.POSITIVE_INFINITY },
      undefined,
      'a"b\\c\u0000\u2028',
      new Date(0),
    ];
    for (const value of cases) expect(canonicalJson(value)).toBe(stableStringify(value));
    expect(canonicalJson({ b: 1, a: [2, undefined] })).toBe('{"a":[2,null],"b":1}');
  });
});

describe('canonicalChangesJson', () => {
  it('is exactly stableStringify for any array of changes, of the usual shape or not', () => {
    const change = fc.record(
      {
        field: fc.oneof(fc.string(), fc.constant(undefined), fc.integer()),
        new: fc.jsonValue(),
        old: fc.oneof(fc.jsonValue(), fc.constant(undefined)),
        secret: fc.boolean(),
        extra: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.array(change), fc.anything({ withSparseArray: true })), (changes) => {
        expect(canonicalChangesJson(changes)).toBe(stableStringify(changes));
      }),
      { numRuns: 2000 },
    );
  });
});
