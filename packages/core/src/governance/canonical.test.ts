import { stableStringify } from '@crmkit/model';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalChangesJson } from './canonical';

describe('canonicalChangesJson', () => {
  it('is exactly stableStringify for any array of changes, of the usual shape or not, and for any other value', () => {
    const change = fc.record(
      {
        field: fc.oneof(fc.string(), fc.constant(undefined), fc.integer()),
        new: fc.jsonValue(),
        old: fc.oneof(fc.jsonValue(), fc.constant(undefined)),
        secret: fc.oneof(fc.boolean(), fc.constant(undefined)),
        extra: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    const usual = fc.record(
      { field: fc.string(), new: fc.jsonValue(), old: fc.jsonValue(), secret: fc.boolean() },
      { requiredKeys: ['field'] },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(usual),
          fc.array(change),
          fc.array(fc.oneof(usual, fc.anything())),
          fc.anything({ withSparseArray: true, withNullPrototype: true, withBoxedValues: true }),
        ),
        (changes) => {
          expect(canonicalChangesJson(changes)).toBe(stableStringify(changes));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('writes the usual shape in canonical key order, whatever order the keys were set in', () => {
    const changes = [
      { secret: true, field: 'apiToken' },
      { old: 'Ada', new: 'Ada King', field: 'displayName' },
      { field: 'emails', new: [{ value: 'a@example.com', label: 'work' }] },
      { field: 'removed', old: null, new: undefined },
    ];
    expect(canonicalChangesJson(changes)).toBe(
      '[{"field":"apiToken","secret":true},{"field":"displayName","new":"Ada King","old":"Ada"},' +
        '{"field":"emails","new":[{"label":"work","value":"a@example.com"}]},{"field":"removed","old":null}]',
    );
    expect(canonicalChangesJson(changes)).toBe(stableStringify(changes));
    // biome-ignore lint/suspicious/noSparseArray: a hole is handed to stableStringify whole
    const holed = [{ field: 'a' }, , { field: 'b' }];
    expect(canonicalChangesJson(holed)).toBe(stableStringify(holed));
  });
});
