import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatAddress,
  nameTokens,
  normalizeAddress,
  normalizeEmail,
  normalizePhone,
  normalizeText,
  normalizeUrl,
} from './normalize';

describe('normalizeEmail', () => {
  it('trims and lower-cases', () => {
    expect(normalizeEmail('  Ada.Lovelace@Example.COM ')).toBe('ada.lovelace@example.com');
    expect(normalizeEmail('\tBOB+tag@Mail.Example\n')).toBe('bob+tag@mail.example');
  });

  it.each(['', '   ', 'ada', '@example.com', 'ada@', 'ada @example.com', 'ada@exa mple.com', 'a\tb@c.d'])(
    'rejects %j',
    (value) => {
      expect(normalizeEmail(value)).toBeUndefined();
    },
  );

  it('uses the last @ as the domain separator', () => {
    expect(normalizeEmail('"a@b"@Example.com')).toBe('"a@b"@example.com');
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (email) => {
        const once = normalizeEmail(email);
        expect(once).toBeDefined();
        expect(normalizeEmail(once!)).toBe(once);
      }),
    );
  });
});

describe('normalizePhone', () => {
  it('keeps an international number with + as +digits', () => {
    expect(normalizePhone('+31 6-1234 5678')).toBe('+31612345678');
    expect(normalizePhone('+1 (555) 123-4567')).toBe('+15551234567');
  });

  it('turns a 00 prefix into +', () => {
    expect(normalizePhone('0031 6 1234 5678')).toBe('+31612345678');
    expect(normalizePhone('00 44 20 7946 0958')).toBe('+442079460958');
  });

  it('drops the (0) trunk prefix of an international number', () => {
    expect(normalizePhone('+31 (0)6-1234 5678')).toBe('+31612345678');
    expect(normalizePhone('+44 (0) 20 7946 0958')).toBe('+442079460958');
  });

  it('gives the same key for the same number written in several ways', () => {
    const forms = ['+31 6 1234 5678', '+31 (0)6 1234 5678', '0031 6 12345678', '+31-6-12-34-56-78'];
    expect(new Set(forms.map((f) => normalizePhone(f))).size).toBe(1);
    expect(normalizePhone('06 1234 5678', { defaultCallingCode: '31' })).toBe(normalizePhone(forms[0]!));
  });

  it('uses defaultCallingCode for national numbers with a trunk 0', () => {
    expect(normalizePhone('06 1234 5678', { defaultCallingCode: '31' })).toBe('+31612345678');
    expect(normalizePhone('020-7946 0958', { defaultCallingCode: '44' })).toBe('+442079460958');
  });

  it('keeps national digits without a defaultCallingCode', () => {
    expect(normalizePhone('06 1234 5678')).toBe('0612345678');
    expect(normalizePhone('06 1234 5678', {})).toBe('0612345678');
  });

  it('does not apply defaultCallingCode to numbers that are already international or lack a trunk 0', () => {
    expect(normalizePhone('+44 20 7946 0958', { defaultCallingCode: '31' })).toBe('+442079460958');
    expect(normalizePhone('0044 20 7946 0958', { defaultCallingCode: '31' })).toBe('+442079460958');
    expect(normalizePhone('612345678', { defaultCallingCode: '31' })).toBe('612345678');
  });

  it.each([
    ['+1 555 123 4567 x123', '+15551234567'],
    ['+1 555 123 4567 ext. 12', '+15551234567'],
    ['+1 555 123 4567 ext 12', '+15551234567'],
    ['+1 555 123 4567 extension 9', '+15551234567'],
    ['+1 555 123 4567 EXT.12', '+15551234567'],
    ['+1 555 123 4567 #77', '+15551234567'],
    ['+1 555 123 4567x5 ', '+15551234567'],
  ])('drops the extension of %j', (input, expected) => {
    expect(normalizePhone(input)).toBe(expected);
  });

  it('rejects fewer than 3 digits', () => {
    expect(normalizePhone('')).toBeUndefined();
    expect(normalizePhone('12')).toBeUndefined();
    expect(normalizePhone('+1-2')).toBeUndefined();
    expect(normalizePhone('phone')).toBeUndefined();
    expect(normalizePhone('(0)12')).toBeUndefined();
    expect(normalizePhone('123')).toBe('123');
  });

  it('rejects numbers with fewer than 3 digits after a 00 prefix', () => {
    // The documented contract: fewer than 3 digits is not a phone number, whatever the prefix.
    expect(normalizePhone('000')).toBeUndefined();
    expect(normalizePhone('00 1')).toBeUndefined();
    expect(normalizePhone('0012', { defaultCallingCode: '31' })).toBeUndefined();
  });

  const phoneLike = fc.stringMatching(/^(\+|00|0)?[0-9 ()-]{0,20}( ?(x|ext\.?|#) ?[0-9]{1,4})?$/);

  it('always returns + and at least 3 digits, or at least 3 digits', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), phoneLike),
        fc.option(fc.constantFrom('31', '44', '1'), { nil: undefined }),
        (input, code) => {
          const out = normalizePhone(input, code ? { defaultCallingCode: code } : {});
          if (out !== undefined) expect(out).toMatch(/^\+?\d{3,}$/);
        },
      ),
    );
  });

  it('is idempotent on its own output', () => {
    fc.assert(
      fc.property(phoneLike, (input) => {
        const once = normalizePhone(input);
        if (once !== undefined) expect(normalizePhone(once)).toBe(once);
      }),
    );
  });
});

describe('normalizeText', () => {
  it('strips diacritics and lower-cases', () => {
    expect(normalizeText('Zoë Ångström')).toBe('zoe angstrom');
    expect(normalizeText('Ça va, Müller-Lüdenscheidt?')).toBe('ca va muller ludenscheidt');
    expect(normalizeText('ÉCOLE')).toBe('ecole');
  });

  it('replaces punctuation with single spaces and trims', () => {
    expect(normalizeText('  O’Brien,   Jr.  ')).toBe('o brien jr');
    expect(normalizeText('a---b___c')).toBe('a b c');
    expect(normalizeText('!!!')).toBe('');
  });

  it('keeps letters of other scripts and digits', () => {
    expect(normalizeText('Δέλτα 42')).toBe('δελτα 42');
    expect(normalizeText('東京 Tower')).toBe('東京 tower');
  });

  it('folds compatibility forms', () => {
    expect(normalizeText('ﬁle')).toBe('file');
    expect(normalizeText('ＡＢＣ')).toBe('abc');
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const once = normalizeText(text);
        expect(normalizeText(once)).toBe(once);
      }),
    );
  });
});

describe('nameTokens', () => {
  it('splits a name into normalised tokens', () => {
    expect(nameTokens('  Ada  Lovelace-Byron ')).toEqual(['ada', 'lovelace', 'byron']);
    expect(nameTokens('José Núñez')).toEqual(['jose', 'nunez']);
  });

  it('returns no tokens for a blank or punctuation-only name', () => {
    expect(nameTokens('')).toEqual([]);
    expect(nameTokens('   ')).toEqual([]);
    expect(nameTokens('-- .')).toEqual([]);
  });

  it('never returns empty tokens', () => {
    fc.assert(
      fc.property(fc.string(), (name) => {
        for (const token of nameTokens(name)) {
          expect(token).not.toBe('');
          expect(token).not.toMatch(/\s/);
        }
      }),
    );
  });
});

describe('normalizeUrl', () => {
  it.each([
    ['https://www.Example.com/', 'example.com'],
    ['HTTP://EXAMPLE.COM', 'example.com'],
    ['  www.example.com//  ', 'example.com'],
    ['example.com/Path/', 'example.com/path'],
    ['https://example.com/a?b=1', 'example.com/a?b=1'],
    ['git+ssh://host.example/repo', 'host.example/repo'],
    ['https://wwwexample.com', 'wwwexample.com'],
    ['https://sub.www.example.com', 'sub.www.example.com'],
  ])('normalises %j to %j', (input, expected) => {
    expect(normalizeUrl(input)).toBe(expected);
  });

  it('gives the same key to equivalent spellings', () => {
    const forms = ['https://acme.example', 'http://www.acme.example/', 'ACME.example', 'www.acme.example'];
    expect(new Set(forms.map(normalizeUrl))).toEqual(new Set(['acme.example']));
  });
});

describe('normalizeAddress', () => {
  it('joins tagged normalised parts with |, compacting the postal code', () => {
    expect(
      normalizeAddress({
        street: 'Keizersgracht',
        houseNumber: '123-A',
        postalCode: '1015 CJ',
        city: 'Amsterdam',
        country: 'NL',
      }),
    ).toBe('s:keizersgracht|n:123 a|p:1015cj|c:amsterdam|k:nl');
  });

  it('keeps the part order street, number, extra, postal code, city, region, country', () => {
    expect(
      normalizeAddress({
        country: 'DE',
        region: 'Bayern',
        city: 'München',
        postalCode: '80331',
        extra: '2. OG',
        houseNumber: '5',
        street: 'Marienplatz',
      }),
    ).toBe('s:marienplatz|n:5|x:2 og|p:80331|c:munchen|r:bayern|k:de');
  });

  it('never confuses one part with another', () => {
    expect(normalizeAddress({ city: 'Delft' })).not.toBe(normalizeAddress({ street: 'Delft' }));
  });

  it('skips empty and missing parts', () => {
    expect(normalizeAddress({ city: 'Utrecht', street: '', houseNumber: undefined })).toBe('c:utrecht');
    expect(normalizeAddress({})).toBe('');
    expect(normalizeAddress({ street: ' -- ' })).toBe('');
  });

  it('treats spelling variants of one address as equal', () => {
    const a = normalizeAddress({
      street: 'Straße des 17. Juni',
      houseNumber: '1',
      postalCode: '10623',
      city: 'Berlin',
    });
    const b = normalizeAddress({
      street: 'STRASSE des 17 Juni',
      houseNumber: '1',
      postalCode: '10 623',
      city: 'berlin',
    });
    const c = normalizeAddress({
      street: 'Straße des 17. Juni',
      houseNumber: '1',
      postalCode: ' 10623 ',
      city: 'BERLIN',
    });
    expect(c).toBe(a);
    // ß does not decompose: "Straße" and "STRASSE" stay different.
    expect(b).not.toBe(a);
    expect(normalizeAddress({ street: 'Rue de l’Église', city: 'Genève' })).toBe(
      normalizeAddress({ street: 'rue de l eglise', city: 'GENEVE' }),
    );
  });
});

describe('formatAddress', () => {
  it('formats a full address as one line', () => {
    expect(
      formatAddress({
        street: 'Keizersgracht',
        houseNumber: '123',
        extra: 'A',
        postalCode: '1015 CJ',
        city: 'Amsterdam',
        region: 'Noord-Holland',
        country: 'NL',
      }),
    ).toBe('Keizersgracht 123 A, 1015 CJ Amsterdam, Noord-Holland, NL');
  });

  it('leaves out missing parts without stray separators', () => {
    expect(formatAddress({ city: 'Utrecht', country: 'NL' })).toBe('Utrecht, NL');
    expect(formatAddress({ street: 'Main St', postalCode: '12345' })).toBe('Main St, 12345');
    expect(formatAddress({ houseNumber: '7', city: 'Delft' })).toBe('7, Delft');
    expect(formatAddress({})).toBe('');
  });
});
