import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  countriesOfCallingCode,
  isPhoneCountry,
  normalizeDate,
  normalizeEmail,
  normalizeNationalId,
  normalizePhone,
  normalizePostcode,
  normalizeStreet,
  splitHouseNumber,
} from './contact';
import {
  canonicalGivenName,
  normalizeFamilyName,
  normalizeGivenName,
  normalizeOrganizationName,
  splitFullName,
} from './names';
import { foldText, tokens } from './text';

/** Messy text: letters with diacritics, punctuation, odd whitespace, other scripts. */
const messy = fc.string({
  unit: fc.constantFrom(
    ..."abcXYZ019 .-,&'’/()+@",
    'é',
    'Ø',
    'ß',
    'æ',
    'Ł',
    'đ',
    'ﬁ',
    '\u0301',
    '\t',
    '\u00a0',
    'Ω',
    'ж',
  ),
  maxLength: 24,
});

describe('foldText and tokens', () => {
  it.each([
    ['  Ångström-Straße 12 ', 'angstrom strasse 12'],
    ["O'Brien & Søn", 'o brien son'],
    ['ÆRØ', 'aero'],
    ['Łódź', 'lodz'],
    ['Đorđe', 'dorde'],
    ['Œuvre', 'oeuvre'],
    ['ﬁne', 'fine'],
    ['José\u0301', 'jose'],
    ['a\t\n b', 'a b'],
    ['ΑΘΗΝΑ', 'αθηνα'],
    ['Москва', 'москва'],
    ['already folded', 'already folded'],
    ['...', ''],
    ['', ''],
  ])('foldText(%j) = %j', (input, expected) => {
    expect(foldText(input)).toBe(expected);
  });

  it('splits into tokens', () => {
    expect(tokens('Van der Berg, Jan')).toEqual(['van', 'der', 'berg', 'jan']);
    expect(tokens(' -- ')).toEqual([]);
  });

  it('is idempotent and yields only single-spaced alphanumerics', () => {
    fc.assert(
      fc.property(messy, (s) => {
        const f = foldText(s);
        expect(foldText(f)).toBe(f);
        expect(f).not.toMatch(/^ | $| {2}|[A-Z]/);
        expect(f).toMatch(/^[\p{L}\p{N} ]*$/u);
      }),
    );
  });
});

describe('given names', () => {
  it.each([
    ['Dr. Jean-Pierre', 'jean pierre'],
    ['Mevr. Anna', 'anna'],
    ['  JOHN  ', 'john'],
    ['Herr Jürgen', 'jurgen'],
    ["D'Arcy", 'darcy'],
    ['J.P.', 'j p'],
    ['Mevr.', null],
    ['', null],
  ])('normalizeGivenName(%j) = %j', (input, expected) => {
    expect(normalizeGivenName(input)).toBe(expected);
  });

  it.each([
    ['bill', 'william'],
    ['liam', 'william'],
    ['bob', 'robert'],
    ['robbie', 'robert'],
    ['kate', 'katherine'],
    ['cathy', 'katherine'],
    ['catherine', 'katherine'],
    ['hans', 'johannes'],
    ['johnny', 'john'],
    ['jack', 'john'],
    ['kees', 'cornelis'],
    ['henk', 'hendrik'],
    ['wim', 'willem'],
    ['heinz', 'heinrich'],
    ['peggy', 'margaret'],
    ['william', 'william'],
    ['jan', 'jan'],
    ['chris', 'chris'],
    ['xavier', 'xavier'],
  ])('canonicalGivenName(%s) = %s', (input, expected) => {
    expect(canonicalGivenName(input)).toBe(expected);
  });

  it('maps canonical names to themselves (no chains)', () => {
    for (const name of ['william', 'robert', 'katherine', 'johannes', 'john', 'elizabeth', 'margaret', 'nicholas']) {
      expect(canonicalGivenName(name)).toBe(name);
    }
    fc.assert(
      fc.property(fc.constantFrom('bill', 'bob', 'kate', 'hans', 'kees', 'liz', 'klaus', 'fritz', 'sue', 'x'), (s) => {
        const c = canonicalGivenName(s);
        expect(canonicalGivenName(c)).toBe(c);
      }),
    );
  });
});

describe('family names', () => {
  it.each([
    ['Van der Berg', 'berg'],
    ['van den Berg', 'berg'],
    ['de Vries', 'vries'],
    ["van 't Hof", 'hof'],
    ['von Trapp', 'trapp'],
    ['de la Cruz', 'cruz'],
    ['Da Silva', 'silva'],
    ['Smith-Jones', 'smithjones'],
    ["O'Brien", 'obrien'],
    ['O’Brien', 'obrien'],
    ['McDonald', 'mcdonald'],
    ['Mc Donald', 'mcdonald'],
    ['Müller', 'muller'],
    ['Smith Jr.', 'smith'],
    ['van', 'van'],
    ['Van Der', 'vander'],
    ['  ', null],
  ])('normalizeFamilyName(%j) = %j', (input, expected) => {
    expect(normalizeFamilyName(input)).toBe(expected);
  });
});

describe('splitFullName', () => {
  it.each([
    ['Jan van der Berg', 'jan', 'berg'],
    ['Berg, Jan van der', 'jan', 'berg'],
    ['van der Berg, Jan', 'jan', 'berg'],
    ['Smith, John', 'john', 'smith'],
    ['Mr. John Smith', 'john', 'smith'],
    ['Dr. John Smith Jr.', 'john', 'smith'],
    ['John Smith, Jr.', 'john', 'smith'],
    ['John Paul Smith', 'john paul', 'smith'],
    ['Mary Smith-Jones', 'mary', 'smithjones'],
    ["Pat O'Brien", 'pat', 'obrien'],
    ['Maria de la Cruz', 'maria', 'cruz'],
    ['Ludwig van Beethoven', 'ludwig', 'beethoven'],
    ['Jean-Pierre Dupont', 'jean pierre', 'dupont'],
    ['Mevr. A.M. de Vries', 'a m', 'vries'],
    ['Smith', null, 'smith'],
    ['Dr.', null, null],
    ['', null, null],
  ])('splitFullName(%j)', (input, givenName, familyName) => {
    expect(splitFullName(input)).toEqual({ givenName, familyName });
  });
});

describe('normalizeOrganizationName', () => {
  it.each([
    ['Acme B.V.', 'acme'],
    ['ACME bv', 'acme'],
    ['The Acme Company Ltd.', 'acme'],
    ['Acme Inc.', 'acme'],
    ['Acme, Inc', 'acme'],
    ['Acme Corp.', 'acme'],
    ['Acme LLC', 'acme'],
    ['Acme N.V.', 'acme'],
    ['Acme GmbH', 'acme'],
    ['Smith & Sons GmbH & Co. KG', 'smith and sons'],
    ['Acme & Co', 'acme'],
    ['Acme Sp. z o.o.', 'acme'],
    ['Acme S.A.R.L.', 'acme'],
    ['Acme S.p.A.', 'acme'],
    ['Acme Pty Ltd', 'acme'],
    ['AB Volvo', 'volvo'],
    ['De Vries B.V.', 'vries'],
    ['Bakkerij De Vries B.V.', 'bakkerij de vries'],
    ['Marks & Spencer plc', 'marks and spencer'],
    ['Marks and Spencer', 'marks and spencer'],
    ['As You Like It Ltd', 'as you like it'],
    ['Société Générale S.A.', 'societe generale'],
    ['The Company', 'the'],
    ['Ltd', 'ltd'],
    ['B.V.', 'b v'],
    ['The', 'the'],
    [' .. ', null],
  ])('normalizeOrganizationName(%j) = %j', (input, expected) => {
    expect(normalizeOrganizationName(input)).toBe(expected);
  });
});

describe('normalizeEmail', () => {
  it.each([
    [' Jan.Jansen@Example.COM ', 'jan.jansen@example.com'],
    ['jan+news@example.nl', 'jan@example.nl'],
    ['Jan.Jansen+crm@GoogleMail.com', 'janjansen@gmail.com'],
    ['j.a.n@gmail.com', 'jan@gmail.com'],
    ['mailto:info@acme.co.uk', 'info@acme.co.uk'],
    ["o'brien@example.ie", "o'brien@example.ie"],
    ['jan@sub-domain.example.org', 'jan@sub-domain.example.org'],
    ['jan@example', null],
    ['jan@@example.com', null],
    ['@example.com', null],
    ['jan@.com', null],
    ['jan@example.c', null],
    ['.jan@example.com', null],
    ['jan..j@example.com', null],
    ['jan jansen@example.com', null],
    ['n/a', null],
    ['', null],
    ['  Ada.Lovelace@Example.COM ', 'ada.lovelace@example.com'],
    ['\tBOB+tag@Mail.Example\n', 'bob@mail.example'],
    ['   ', null],
    ['ada', null],
    ['ada@', null],
    ['ada@exa mple.com', null],
    ['a\tb@c.d', null],
  ])('normalizeEmail(%j) = %j', (input, expected) => {
    expect(normalizeEmail(input)).toBe(expected);
  });
});

describe('normalizePhone', () => {
  it.each([
    ['+31 6 12345678', undefined, '+31612345678'],
    ['0031612345678', undefined, '+31612345678'],
    ['0031 6 1234 5678', undefined, '+31612345678'],
    ['06-12345678', 'NL', '+31612345678'],
    ['06 1234 5678', 'nl', '+31612345678'],
    ['(020) 555 1234', 'NL', '+31205551234'],
    ['+31 (0)20 555 1234', undefined, '+31205551234'],
    ['+31 20 5551234 ext 12', undefined, '+31205551234'],
    ['(202) 555-0123', 'US', '+12025550123'],
    ['+1 202-555-0123', 'NL', '+12025550123'],
    ['+44 20 7946 0958', undefined, '+442079460958'],
    ['030 123456', 'DE', '+4930123456'],
    ['+49 30 123456', undefined, '+4930123456'],
    ['+800 1234 5678', undefined, '+80012345678'],
  ])('normalizePhone(%j, %s) = %s', (input, defaultCountry, expected) => {
    expect(normalizePhone(input, defaultCountry === undefined ? undefined : { defaultCountry })).toBe(expected);
  });

  it.each([
    ['06-12345678', undefined],
    ['020 555 1234', undefined],
    ['0000000000', 'NL'],
    ['12', 'NL'],
    ['abc', 'NL'],
    ['', 'NL'],
    ['+999 123456', undefined],
    ['06-12345678', 'XX'],
  ])('normalizePhone(%j, %s) = null', (input, defaultCountry) => {
    expect(normalizePhone(input, defaultCountry === undefined ? undefined : { defaultCountry })).toBeNull();
  });

  // Cases merged from the former copy in @crmkit/core (keys of the Hub's match keys and lookups).
  it('gives the same number for the same phone written in several ways', () => {
    const forms = ['+31 6 1234 5678', '+31 (0)6 1234 5678', '0031 6 12345678', '+31-6-12-34-56-78', '+31 6-1234 5678'];
    expect(new Set(forms.map((f) => normalizePhone(f)))).toEqual(new Set(['+31612345678']));
    expect(normalizePhone('06 1234 5678', { defaultCountry: 'NL' })).toBe('+31612345678');
    expect(normalizePhone('+44 (0) 20 7946 0958')).toBe('+442079460958');
    expect(normalizePhone('00 44 20 7946 0958')).toBe('+442079460958');
    expect(normalizePhone('020-7946 0958', { defaultCountry: 'GB' })).toBe('+442079460958');
  });

  it('does not apply defaultCountry to numbers that are already international', () => {
    expect(normalizePhone('+44 20 7946 0958', { defaultCountry: 'NL' })).toBe('+442079460958');
    expect(normalizePhone('0044 20 7946 0958', { defaultCountry: 'NL' })).toBe('+442079460958');
  });

  it.each([
    '+1 202 555 0123 x123',
    '+1 202 555 0123 ext. 12',
    '+1 202 555 0123 ext 12',
    '+1 202 555 0123 extension 9',
    '+1 202 555 0123 EXT.12',
    '+1 202 555 0123x5 ',
  ])('drops the extension of %j', (input) => {
    expect(normalizePhone(input)).toBe('+12025550123');
  });

  it.each(['', '12', '+1-2', 'phone', '(0)12', '000', '00 1', '123'])(
    'rejects %j, which is no phone number',
    (input) => {
      expect(normalizePhone(input, { defaultCountry: 'NL' })).toBeNull();
    },
  );

  const phoneLike = fc.stringMatching(/^(\+|00|0)?[0-9 ()-]{0,20}( ?(x|ext\.?|#) ?[0-9]{1,4})?$/);

  it('returns E.164 or null, and is idempotent on its own output', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), phoneLike),
        fc.option(fc.constantFrom('NL', 'GB', 'US'), { nil: undefined }),
        (input, defaultCountry) => {
          const out = normalizePhone(input, defaultCountry === undefined ? undefined : { defaultCountry });
          if (out === null) return;
          expect(out).toMatch(/^\+[1-9]\d{2,14}$/);
          expect(normalizePhone(out)).toBe(out);
        },
      ),
    );
  });

  it('is idempotent', () => {
    for (const s of ['+31 6 12345678', '06-12345678', '(202) 555-0123']) {
      const once = normalizePhone(s, { defaultCountry: 'NL' });
      if (once !== null) expect(normalizePhone(once, { defaultCountry: 'NL' })).toBe(once);
    }
  });
});

describe('postcode and national id', () => {
  it.each([
    [' 1012 ab ', '1012AB'],
    ['SW1A 1AA', 'SW1A1AA'],
    ['12345-6789', '123456789'],
    ['  ', null],
  ])('normalizePostcode(%j) = %j', (input, expected) => {
    expect(normalizePostcode(input)).toBe(expected);
  });

  it.each([
    ['123.456.782', '123456782'],
    ['123-45-6789', '123456789'],
    ['ab 12 34 56 c', 'AB123456C'],
    ['--', null],
  ])('normalizeNationalId(%j) = %j', (input, expected) => {
    expect(normalizeNationalId(input)).toBe(expected);
  });
});

describe('streets', () => {
  it.each([
    ['Pridhamstreet', 'pridham street'],
    ['Pridham Street', 'pridham street'],
    ['Pridham St.', 'pridham street'],
    ['Kerkstraat', 'kerk straat'],
    ['Kerkstr.', 'kerk straat'],
    ['Kerk str', 'kerk straat'],
    ['Straatweg', 'straat weg'],
    ['12th Ave.', '12th avenue'],
    ['Sunset Blvd', 'sunset boulevard'],
    ['Mulholland Dr', 'mulholland drive'],
    ['Penny Ln', 'penny lane'],
    ['Berkeley Sq', 'berkeley square'],
    ['Pacific Coast Hwy', 'pacific coast highway'],
    ["St. John's Rd", 'saint johns road'],
    ['Dr. Lelylaan', 'doctor lely laan'],
    ['Hoofdweg', 'hoofd weg'],
    ['Broad St', 'broad street'],
    ['Weg', 'weg'],
    ['Damrak', 'damrak'],
    ['St', 'street'],
    ['', null],
  ])('normalizeStreet(%j) = %j', (input, expected) => {
    expect(normalizeStreet(input)).toBe(expected);
  });

  it.each([
    ['Kerkstraat 12a', 'kerk straat', '12a'],
    ['Kerkstraat 12 A', 'kerk straat', '12a'],
    ['Kerkstraat 12-3', 'kerk straat', '12-3'],
    ['Kerkstraat 12 hs', 'kerk straat', '12hs'],
    ['Kerkstraat, 12', 'kerk straat', '12'],
    ['Kerkstraat12', 'kerk straat', '12'],
    ['12 High Street', 'high street', '12'],
    ['12a High St', 'high street', '12a'],
    ['12-14 High Street', 'high street', '12-14'],
    ['1e Hugo de Grootstraat 5', '1e hugo de groot straat', '5'],
    ['1e Hugo de Grootstraat', '1e hugo de groot straat', null],
    ['1st Avenue', '1st avenue', null],
    ['Laan 1940-1945 12', 'laan 1940 1945', '12'],
    ['High Street', 'high street', null],
    ['12', null, '12'],
    ['', null, null],
  ])('splitHouseNumber(%j)', (input, street, houseNumber) => {
    expect(splitHouseNumber(input)).toEqual({ street, houseNumber });
  });
});

describe('normalizeDate', () => {
  it.each([
    ['19801231', '1980-12-31'],
    ['1980-12-31', '1980-12-31'],
    ['1980/12/31', '1980-12-31'],
    ['1980-1-5', '1980-01-05'],
    ['31-12-1980', '1980-12-31'],
    ['31/12/1980', '1980-12-31'],
    ['31.12.1980', '1980-12-31'],
    ['5-1-1980', '1980-01-05'],
    [' 2024-02-29 ', '2024-02-29'],
    ['2000-02-29', '2000-02-29'],
    ['2024-03-01T12:00:00Z', '2024-03-01'],
    ['2024-03-01T23:30:00.123+02:00', '2024-03-01'],
    ['2024-03-01 08:15', '2024-03-01'],
  ])('normalizeDate(%j) = %s', (input, expected) => {
    expect(normalizeDate(input)).toBe(expected);
  });

  it('reads month first with order mdy', () => {
    expect(normalizeDate('12/31/1980', { order: 'mdy' })).toBe('1980-12-31');
    expect(normalizeDate('01/05/1980', { order: 'mdy' })).toBe('1980-01-05');
    expect(normalizeDate('01/05/1980')).toBe('1980-05-01');
    expect(normalizeDate('31/12/1980', { order: 'mdy' })).toBeNull();
    expect(normalizeDate('1980-12-31', { order: 'mdy' })).toBe('1980-12-31');
  });

  it.each([
    ['1980-02-30'],
    ['1981-02-29'],
    ['1900-02-29'],
    ['1980-13-01'],
    ['1980-00-10'],
    ['1980-04-31'],
    ['00000000'],
    ['31-12-80'],
    ['1980-12/31'],
    ['0999-01-01'],
    ['yesterday'],
    [''],
  ])('normalizeDate(%j) = null', (input) => {
    expect(normalizeDate(input)).toBeNull();
  });
});

describe('idempotence of the string normalisers', () => {
  const normalisers: [string, (s: string) => string | null][] = [
    ['normalizeGivenName', normalizeGivenName],
    ['normalizeFamilyName', normalizeFamilyName],
    ['normalizeOrganizationName', normalizeOrganizationName],
    ['normalizeEmail', normalizeEmail],
    ['normalizePostcode', normalizePostcode],
    ['normalizeStreet', normalizeStreet],
    ['normalizeNationalId', normalizeNationalId],
    ['normalizeDate', (s) => normalizeDate(s)],
  ];
  const street = fc
    .array(
      fc.constantFrom(
        'st',
        'str',
        'kerk',
        'kerkstraat',
        'straatweg',
        'blvdstreet',
        'dr',
        'hoofdweg',
        'de',
        'the',
        'bv',
      ),
      { maxLength: 5 },
    )
    .map((parts) => parts.join(' '));

  it.each(normalisers)('%s(%s(s)) === %s(s)', (_name, normalise) => {
    fc.assert(
      fc.property(fc.oneof(messy, street), (s) => {
        const once = normalise(s);
        if (once !== null) expect(normalise(once)).toBe(once);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps organisation names, emails and dates stable on typical values', () => {
    for (const s of ['The The Ltd', 'Co Ltd', 'Smith and Ltd', 'De De B.V.', 'Acme Ltd and']) {
      const once = normalizeOrganizationName(s);
      expect(once).not.toBeNull();
      expect(normalizeOrganizationName(once!)).toBe(once);
    }
    expect(normalizeEmail(normalizeEmail('J.A.N+x@googlemail.com')!)).toBe('jan@gmail.com');
    expect(normalizeDate(normalizeDate('31.12.1980')!)).toBe('1980-12-31');
  });
});

describe('countriesOfCallingCode', () => {
  it.each([
    ['31', 'NL'],
    ['+31', 'NL'],
    [' 44 ', 'GB'],
    ['1', 'US'],
    ['7', 'RU'],
    ['49', 'DE'],
  ])('names %j main country %s first', (code, country) => {
    expect(countriesOfCallingCode(code)[0]).toBe(country);
  });

  it('lists every country sharing a code', () => {
    expect(countriesOfCallingCode('44')).toEqual(expect.arrayContaining(['GB', 'GG', 'IM', 'JE']));
    expect(countriesOfCallingCode('1')).toContain('CA');
  });

  it.each(['', '999', '800', 'NL', '31a', '1234'])('knows no country for %j', (code) => {
    expect(countriesOfCallingCode(code)).toEqual([]);
  });
});

describe('isPhoneCountry', () => {
  it.each(['NL', 'nl', 'GB', 'US', 'DE'])('knows %j', (country) => {
    expect(isPhoneCountry(country)).toBe(true);
  });

  it.each(['XX', 'ZZ', '', 'NLD', '31', 'n1', '__proto__', 'AA'])('does not know %j', (country) => {
    expect(isPhoneCountry(country)).toBe(false);
  });
});

describe('normalizePhone remembers results per text and country', () => {
  it('gives the same answer the second time, and never the answer for another country', () => {
    expect(normalizePhone('06-12345678', { defaultCountry: 'NL' })).toBe('+31612345678');
    expect(normalizePhone('06-12345678')).toBeNull();
    expect(normalizePhone('06-12345678', { defaultCountry: 'NL' })).toBe('+31612345678');
    expect(normalizePhone('020 7946 0000', { defaultCountry: 'GB' })).toBe('+442079460000');
    expect(normalizePhone('020 7946 0000', { defaultCountry: 'NL' })).toBeNull(); // 11 digits: not a Dutch number
  });

  it('stays correct past its size bound (it starts again, it does not grow)', () => {
    for (let i = 0; i < 12_000; i++) normalizePhone(`+3161234${String(i).padStart(4, '0')}`);
    expect(normalizePhone('+31 6 12345678')).toBe('+31612345678');
    expect(normalizePhone('0031612345678')).toBe('+31612345678');
  });
});
