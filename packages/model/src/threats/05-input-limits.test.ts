/**
 * Threats 3 and 5 (issue 13) at the model: `parseSourceRecord` refuses text no store can keep and input past the
 * limits with a `ValidationError` naming the path, in one iterative pass; error messages quote user values short.
 */
import { describe, expect, it } from 'vitest';
import { CrmkitError, NotFoundError, quoteValue, ValidationError } from '../errors';
import { cleanText } from '../limits';
import { parseSourceRecord } from '../source-record';

const base = { type: 'person', source: 'crm', externalId: 'p1', observedAt: '2026-03-01T10:00:00Z' };
const parse =
  (data: unknown, limits = {}) =>
  () =>
    parseSourceRecord({ ...base, data }, { index: 2, limits });

describe('threat 5: input limits in parseSourceRecord', () => {
  it('refuses a NUL in an attribute key and a lone surrogate in a nested value, naming the path', () => {
    for (const [data, path] of [
      [{ attributes: { 'a\u0000': 1 } }, 'records[2].data.attributes'],
      [{ attributes: { a: [{ b: '\uDFFFx' }] } }, 'records[2].data.attributes.a[0].b'],
      [{ givenName: 'Ada', familyName: '\uD83D' }, 'records[2].data.familyName'],
    ] as const) {
      try {
        parse(data)();
        expect.unreachable('expected a ValidationError');
      } catch (error) {
        expect(ValidationError.isInstance(error)).toBe(true);
        expect((error as ValidationError).issues[0]).toMatchObject({ pathString: path, issueCode: 'invalid_text' });
        expect((error as ValidationError).index).toBe(2);
      }
    }
    // A well-formed surrogate pair (an emoji) is fine.
    expect(parse({ givenName: 'Ada \uD83D\uDE00' })()).toMatchObject({ data: { givenName: 'Ada \uD83D\uDE00' } });
  });

  it('cleans with the text policy "clean" and reports the paths', () => {
    const cleaned: string[] = [];
    const record = parseSourceRecord(
      { ...base, data: { givenName: 'A\u0000da', attributes: { 'k\uD800': ['\uDC00'] } } },
      { limits: { text: 'clean' }, onCleaned: (issues) => cleaned.push(...issues.map((i) => i.pathString)) },
    );
    expect(record).toMatchObject({ data: { givenName: 'Ada', attributes: { 'k\uFFFD': ['\uFFFD'] } } });
    expect(cleaned).toEqual(['record.data.givenName', 'record.data.attributes', 'record.data.attributes.k\uFFFD[0]']);
    expect(cleanText('\uD83D\uDE00\u0000\uD83D')).toBe('\uD83D\uDE00\uFFFD');
  });

  it('refuses nesting 50,000 deep with too_deep, not a RangeError', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 50_000; i++) deep = [deep];
    expect(parse({ attributes: { deep } })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });

  it('quotes user values short in every message, centrally', () => {
    const id = 'x'.repeat(1_000_000);
    expect(quoteValue(id)).toBe(`${JSON.stringify('x'.repeat(120))}… (1000000 characters)`);
    expect(new NotFoundError({ entity: 'customer', id }).message.length).toBeLessThan(300);
    // A message built without quoteValue: its long quoted segment is cut the same way.
    const built = new CrmkitError({ code: 'X', message: `No plugin owns "${'n'.repeat(5_000)}".` }).message;
    expect(built).toBe(`No plugin owns "${'n'.repeat(120)}…" (5000 characters).`);
    // Whatever a caller builds, a crmkit error message stays bounded.
    expect(new CrmkitError({ code: 'X', message: `bad ${id}` }).message.length).toBeLessThanOrEqual(2_000);
  });
});
