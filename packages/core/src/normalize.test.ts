import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as identity from '@crmkit/identity';
import { InvalidArgumentError } from '@crmkit/model';
import {
  formatAddress,
  nameTokens,
  normalizeAddress,
  normalizeEmail,
  normalizePhone,
  normalizeText,
  normalizeUrl,
  phoneOptionsOf,
} from './normalize';

describe('email and phone normalisers', () => {
  it('are the ones of @crmkit/identity (one copy in crmkit)', () => {
    expect(normalizeEmail).toBe(identity.normalizeEmail);
    expect(normalizePhone).toBe(identity.normalizePhone);
    expect(normalizeText).toBe(identity.foldText);
    expect(nameTokens).toBe(identity.tokens);
  });
});

describe('phoneOptionsOf', () => {
  it('upper-cases defaultCountry', () => {
    expect(phoneOptionsOf({ defaultCountry: 'nl' })).toEqual({ defaultCountry: 'NL' });
    expect(phoneOptionsOf({})).toEqual({});
  });

  it('maps the deprecated defaultCallingCode onto the main country of the code', () => {
    expect(phoneOptionsOf({ defaultCallingCode: '31' })).toEqual({ defaultCountry: 'NL' });
    expect(phoneOptionsOf({ defaultCallingCode: '+44' })).toEqual({ defaultCountry: 'GB' });
    expect(phoneOptionsOf({ defaultCallingCode: '1' })).toEqual({ defaultCountry: 'US' });
    const national = normalizePhone('06 1234 5678', phoneOptionsOf({ defaultCallingCode: '31' }));
    expect(national).toBe('+31612345678');
  });

  it('accepts both when they agree, and keeps the country', () => {
    expect(phoneOptionsOf({ defaultCountry: 'CA', defaultCallingCode: '1' })).toEqual({ defaultCountry: 'CA' });
    expect(phoneOptionsOf({ defaultCountry: 'NL', defaultCallingCode: '31' })).toEqual({ defaultCountry: 'NL' });
  });

  it.each([
    [{ defaultCountry: 'Netherlands' }, 'defaultCountry'],
    [{ defaultCountry: '31' }, 'defaultCountry'],
    [{ defaultCountry: 'XX' }, 'defaultCountry'],
    [{ defaultCallingCode: '999' }, 'defaultCallingCode'],
    [{ defaultCallingCode: 'NL' }, 'defaultCallingCode'],
    [{ defaultCountry: 'BE', defaultCallingCode: '31' }, 'defaultCallingCode'],
  ])('refuses %j with INVALID_ARGUMENT naming %s', (options, argument) => {
    let thrown: unknown;
    try {
      phoneOptionsOf(options);
    } catch (error) {
      thrown = error;
    }
    expect(InvalidArgumentError.isInstance(thrown)).toBe(true);
    expect(thrown).toMatchObject({ code: 'INVALID_ARGUMENT', argument });
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
    // ß folds to ss (identity's foldText), so "Straße" and "STRASSE" agree.
    expect(b).toBe(a);
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
