import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256HexSync } from './sha256';

describe('sha256HexSync', () => {
  it('matches the FIPS 180-4 test vectors', () => {
    expect(sha256HexSync('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256HexSync('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256HexSync('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    expect(sha256HexSync('a'.repeat(1_000_000))).toBe(
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
    );
  });

  it('equals node:crypto on any string, across block boundaries', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (text) => {
        expect(sha256HexSync(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
      }),
      { numRuns: 500 },
    );
    for (let length = 50; length < 140; length++) {
      const text = 'x'.repeat(length);
      expect(sha256HexSync(text)).toBe(createHash('sha256').update(text).digest('hex'));
    }
  });

  it('reuses its buffer safely: long after short, short after long, ASCII prefixes before other characters', () => {
    const node = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
    const texts = [
      'short',
      `${'a'.repeat(511)}é`,
      `${'a'.repeat(512)}é`,
      `${'a'.repeat(600)}🦄`,
      'x'.repeat(200_000),
      'after a large input',
      `é${'a'.repeat(70)}`,
      '\u0000\u007f\u0080\u07ff\u0800\uffff',
      '\ud800 lone surrogate',
      '',
    ];
    for (const text of texts) expect(sha256HexSync(text), JSON.stringify(text.slice(0, 20))).toBe(node(text));
    // The same text again gives the same digest (nothing left over from the previous call).
    for (const text of texts) expect(sha256HexSync(text)).toBe(node(text));
  });

  it('equals node:crypto on long strings of any characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 400, maxLength: 2000 }), (text) => {
        expect(sha256HexSync(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
      }),
      { numRuns: 40 },
    );
  });
});
