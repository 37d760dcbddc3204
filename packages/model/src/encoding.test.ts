import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  base64Encode,
  base64UrlDecode,
  compareStrings,
  base64UrlEncode,
  FNV_OFFSET_BASIS,
  fnv1a32,
  hashString,
  stableStringify,
} from './encoding';

describe('fnv1a32', () => {
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('matches the FNV-1a reference value of %j', (text, expected) => {
    expect(fnv1a32(text)).toBe(expected);
  });

  it('continues from a basis: hashing in two parts equals hashing the whole', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(fnv1a32(b, fnv1a32(a))).toBe(fnv1a32(a + b));
      }),
    );
    expect(fnv1a32('x', FNV_OFFSET_BASIS)).toBe(fnv1a32('x'));
  });

  it('returns an unsigned 32-bit integer', () => {
    fc.assert(
      fc.property(fc.string(), fc.nat(), (text, basis) => {
        const hash = fnv1a32(text, basis);
        expect(Number.isInteger(hash) && hash >= 0 && hash < 2 ** 32).toBe(true);
      }),
    );
  });
});

describe('hashString', () => {
  it('gives 16 hex characters whose first half is FNV-1a', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const hash = hashString(text);
        expect(hash).toMatch(/^[0-9a-f]{16}$/);
        expect(hash.slice(0, 8)).toBe(fnv1a32(text).toString(16).padStart(8, '0'));
      }),
    );
    expect(hashString('a')).not.toBe(hashString('b'));
  });
});

describe('stableStringify', () => {
  it('sorts keys at every level and drops undefined properties', () => {
    expect(stableStringify({ b: 1, a: { d: [2, undefined], c: undefined } })).toBe('{"a":{"d":[2,null]},"b":1}');
    expect(stableStringify(undefined)).toBe('undefined');
    expect(stableStringify(null)).toBe('null');
    expect(stableStringify('x')).toBe('"x"');
  });

  it('is equal for equal values whatever the key order, and parses back to the value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const reordered = JSON.parse(JSON.stringify(value), (_key, v) =>
          v !== null && typeof v === 'object' && !Array.isArray(v)
            ? Object.fromEntries(Object.entries(v).reverse())
            : v,
        );
        expect(stableStringify(reordered)).toBe(stableStringify(value));
        expect(JSON.parse(stableStringify(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('gives the same text as the entry-sorting definition, undefined values and any key included', () => {
    // The definition the stored content hashes were computed with: the text must never change.
    const reference = (value: unknown): string => {
      if (value === undefined) return 'undefined';
      if (value === null || typeof value !== 'object') return JSON.stringify(value);
      if (Array.isArray(value))
        return `[${value.map((item) => (item === undefined ? 'null' : reference(item))).join(',')}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => compareStrings(a, b));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
    };
    const leaf = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.boolean(),
      fc.double(),
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: 'binary' }),
    );
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
      array: fc.array(tie('tree'), { maxLength: 5 }),
      object: fc.dictionary(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constant('__proto__')),
        tie('tree'),
        {
          maxKeys: 6,
        },
      ),
    }));
    fc.assert(
      fc.property(tree, (value) => {
        expect(stableStringify(value)).toBe(reference(value));
      }),
      { numRuns: 500 },
    );
  });
});

describe('base64 and base64url', () => {
  it.each([
    ['', '', ''],
    ['f', 'Zg==', 'Zg'],
    ['foobar', 'Zm9vYmFy', 'Zm9vYmFy'],
    ['ü', 'w7w=', 'w7w'],
    ['\u00ff\u00fe?>', 'w7/Dvj8+', 'w7_Dvj8-'],
  ])('encodes %j as %j (base64url %j)', (text, base64, base64url) => {
    expect(base64Encode(text)).toBe(base64);
    expect(base64Encode(new TextEncoder().encode(text))).toBe(base64);
    expect(base64UrlEncode(text)).toBe(base64url);
    expect(base64UrlDecode(base64url)).toBe(text);
  });

  it('round-trips any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const encoded = base64UrlEncode(text);
        expect(encoded).toMatch(/^[A-Za-z0-9_-]*$/);
        expect(base64UrlDecode(encoded)).toBe(text);
      }),
    );
  });

  it('accepts padding', () => {
    expect(base64UrlDecode('Zg==')).toBe('f');
  });

  it.each(['Zm9v YmFy', 'Zm9v+mFy', 'a', '!!', '_w'])('refuses %j with a TypeError', (value) => {
    expect(() => base64UrlDecode(value)).toThrow(TypeError);
  });
});

describe('compareStrings', () => {
  it('orders like the default sort (code units), consistently and antisymmetrically', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' })), (strings) => {
        expect([...strings].sort(compareStrings)).toEqual([...strings].sort());
        for (const a of strings.slice(0, 5))
          for (const b of strings.slice(0, 5))
            expect(Math.sign(compareStrings(a, b))).toBe(-Math.sign(compareStrings(b, a)) || 0);
      }),
    );
  });
});
