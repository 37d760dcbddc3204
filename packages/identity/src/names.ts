/**
 * Normalisers for person and organisation names.
 *
 * @module
 */

import { foldText } from './text';

/** Apostrophes of every kind: removed (not replaced by a space) so that `O'Brien` and `OBrien` agree. */
const APOSTROPHES = /['’‘ʼ`´]/g;
const WHITESPACE = /\s+/;
const AMPERSAND = /&/g;

/**
 * Titles, honorifics and generational suffixes, folded. Dropped from given names and from full names.
 */
const TITLES: ReadonlySet<string> = new Set([
  // English
  'mr',
  'mrs',
  'ms',
  'miss',
  'mx',
  'mister',
  'madam',
  'dr',
  'doctor',
  'prof',
  'professor',
  'sir',
  'dame',
  'lord',
  'lady',
  'rev',
  'revd',
  'reverend',
  'fr',
  'phd',
  'md',
  'msc',
  'bsc',
  'ma',
  'ba',
  'llm',
  // Dutch
  'ir',
  'ing',
  'drs',
  'mevr',
  'mevrouw',
  'dhr',
  'heer',
  'mw',
  'mej',
  'bc',
  // German
  'herr',
  'frau',
  'dipl',
  // French
  'mme',
  'mlle',
  // generational suffixes
  'jr',
  'jnr',
  'junior',
  'sr',
  'snr',
  'senior',
  'ii',
  'iii',
  'iv',
]);

/** Generational suffixes, dropped from family names when other tokens remain. */
const FAMILY_SUFFIXES: ReadonlySet<string> = new Set(['jr', 'jnr', 'junior', 'sr', 'snr', 'senior', 'ii', 'iii', 'iv']);

/**
 * Family-name particles (tussenvoegsels, nobiliary particles, articles), folded. `mc`, `mac` and `o` are not
 * particles: they are part of the name (`McDonald`, `O'Brien`).
 */
const PARTICLES: ReadonlySet<string> = new Set([
  // Dutch
  'van',
  'der',
  'den',
  'de',
  'het',
  'ten',
  'ter',
  'te',
  't',
  's',
  'in',
  'op',
  'onder',
  'aan',
  'uit',
  'bij',
  'tot',
  // German
  'von',
  'zu',
  'zum',
  'zur',
  'vom',
  'am',
  'auf',
  // French
  'le',
  'la',
  'les',
  'du',
  'des',
  // Italian, Spanish, Portuguese
  'da',
  'di',
  'del',
  'della',
  'delle',
  'dei',
  'degli',
  'dal',
  'dalla',
  'dos',
  'das',
  'do',
  'y',
  // Scandinavian
  'af',
  'av',
]);

/**
 * Hand-written nickname table: canonical name -> its nicknames, diminutives and spelling variants (all folded).
 * Only unambiguous variants are listed: names that are commonly a full name of their own or a nickname of
 * several canonical names (chris, alex, sam, jan, bert, jo, pat) are deliberately absent.
 */
const NICKNAMES: Readonly<Record<string, readonly string[]>> = {
  // English, male
  william: ['bill', 'billy', 'will', 'willy', 'willie', 'liam'],
  robert: ['bob', 'bobby', 'rob', 'robbie', 'robby', 'bobbie'],
  richard: ['rick', 'ricky', 'rich', 'richie', 'dick', 'dicky', 'rico'],
  james: ['jim', 'jimmy', 'jimmie', 'jamie', 'jem'],
  john: ['johnny', 'johnnie', 'jack', 'jonny'],
  joseph: ['joe', 'joey'],
  thomas: ['tom', 'tommy', 'thom', 'tommie'],
  charles: ['charlie', 'charley', 'chuck', 'chas', 'chaz'],
  edward: ['ed', 'eddie', 'eddy', 'ted', 'teddy', 'ned'],
  michael: ['mike', 'mikey', 'mick', 'mickey', 'micky'],
  daniel: ['dan', 'danny'],
  david: ['dave', 'davy', 'davey'],
  anthony: ['tony', 'antony'],
  andrew: ['andy', 'drew'],
  benjamin: ['ben', 'benny', 'benji'],
  nicholas: [
    'nick',
    'nicky',
    'nicolas',
    'nikolas',
    'niklas',
    'nikolaus',
    'nicolaas',
    'klaas',
    'klaus',
    'claus',
    'niek',
  ],
  matthew: ['matt', 'matty', 'mathew'],
  peter: ['pete'],
  stephen: ['steve', 'stevie', 'steven'],
  timothy: ['tim', 'timmy'],
  gregory: ['greg'],
  jeffrey: ['jeff', 'geoff', 'geoffrey', 'jeffery'],
  kenneth: ['ken', 'kenny'],
  lawrence: ['larry', 'laurence'],
  leonard: ['len', 'lenny', 'leonhard'],
  raymond: ['ray'],
  ronald: ['ron', 'ronnie', 'ronny'],
  donald: ['don', 'donnie'],
  douglas: ['doug'],
  frederick: ['fred', 'freddy', 'freddie', 'frederik', 'frederic', 'frits'],
  francis: ['frank', 'frankie'],
  henry: ['harry', 'hank'],
  philip: ['phil', 'phillip'],
  walter: ['walt', 'wally'],
  eugene: ['gene'],
  theodore: ['theo', 'theodorus', 'dorus'],
  vincent: ['vince', 'vinny', 'vinnie'],
  abraham: ['abe', 'bram'],
  ernest: ['ernie'],
  arthur: ['art', 'artie'],
  archibald: ['archie'],
  reginald: ['reg', 'reggie'],
  oliver: ['ollie', 'olly'],
  alfred: ['alf', 'alfie'],
  bernard: ['bernie', 'bernd', 'bernhard'],
  gabriel: ['gabe'],
  herbert: ['herb', 'herbie'],
  jacob: ['jake', 'jakob', 'jacobus', 'jaap', 'koos', 'sjaak', 'cobus'],
  montgomery: ['monty'],
  mortimer: ['morty'],
  norman: ['norm'],
  percival: ['percy'],
  russell: ['russ'],
  stanley: ['stan'],
  tobias: ['toby'],
  zachary: ['zach', 'zack', 'zak', 'zac'],
  bradley: ['brad'],
  mitchell: ['mitch'],
  oswald: ['ozzie', 'ozzy'],
  solomon: ['sol'],
  ezekiel: ['zeke'],
  joshua: ['josh'],
  clifford: ['cliff'],
  maximilian: ['max', 'maxi'],
  sebastian: ['seb', 'basti'],
  // Dutch, male
  willem: ['wim', 'pim'],
  johannes: ['hans', 'hannes', 'johann', 'johan', 'joop'],
  hendrik: ['henk', 'hendrikus', 'henricus'],
  pieter: ['piet', 'petrus'],
  cornelis: ['kees', 'cees', 'cornelius'],
  antonius: ['toon', 'ton', 'teun', 'antoon'],
  franciscus: ['frans'],
  josephus: ['jos', 'joep', 'sjef', 'jozef'],
  gijsbertus: ['gijs', 'gijsbert'],
  hubertus: ['huub', 'huib', 'hubert'],
  rudolf: ['ruud', 'rudi', 'rudy', 'dolf', 'rudolph'],
  bartholomeus: ['bart', 'bartel'],
  martinus: ['tinus'],
  marinus: ['rinus'],
  wouter: ['wout'],
  gerardus: ['ger', 'gerard'],
  // German, male
  wilhelm: ['willi'],
  heinrich: ['heinz', 'heiner', 'heini'],
  friedrich: ['fritz'],
  wolfgang: ['wolfi'],
  ulrich: ['uli', 'ulli'],
  joachim: ['jochen', 'achim'],
  ludwig: ['lutz'],
  andreas: ['andi'],
  matthias: ['matze'],
  // English, female
  elizabeth: [
    'elisabeth',
    'beth',
    'betty',
    'bettie',
    'betsy',
    'bess',
    'bessie',
    'liz',
    'lizzy',
    'lizzie',
    'liza',
    'libby',
    'elsie',
    'lisbeth',
    'liesbeth',
    'lies',
    'els',
    'liesel',
  ],
  margaret: [
    'maggie',
    'meg',
    'peggy',
    'marge',
    'margie',
    'madge',
    'margarete',
    'margarethe',
    'margaretha',
    'margriet',
    'greet',
    'griet',
    'grietje',
    'grete',
    'gretel',
    'gretchen',
  ],
  katherine: [
    'kate',
    'katie',
    'katy',
    'kathy',
    'cathy',
    'kat',
    'kitty',
    'catherine',
    'katharine',
    'kathryn',
    'katharina',
    'catharina',
    'katrien',
    'kathe',
    'kathi',
  ],
  patricia: ['patty', 'patsy', 'trish', 'tricia', 'trisha'],
  jennifer: ['jen', 'jenny', 'jenn'],
  rebecca: ['becky', 'becca', 'bex'],
  susan: ['sue', 'susie', 'suzy', 'suzie'],
  deborah: ['deb', 'debbie', 'debby', 'debra'],
  dorothy: ['dot', 'dottie'],
  barbara: ['barb', 'barbie', 'babs', 'babsi', 'barbel'],
  jessica: ['jess'],
  victoria: ['vicky', 'vickie', 'tori'],
  theresa: ['tess', 'tessie', 'terri', 'teresa'],
  abigail: ['abby', 'abbie'],
  pamela: ['pam', 'pammy'],
  cynthia: ['cindy'],
  judith: ['judy', 'judi'],
  frances: ['fran', 'frannie'],
  jacqueline: ['jackie'],
  josephine: ['josie', 'fien'],
  penelope: ['penny'],
  virginia: ['ginny'],
  angela: ['angie'],
  amanda: ['mandy'],
  melissa: ['missy'],
  caroline: ['carrie'],
  constance: ['connie'],
  florence: ['flo', 'flossie'],
  harriet: ['hattie'],
  mary: ['molly', 'polly', 'mamie'],
  sarah: ['sally', 'sadie', 'sara'],
  anne: ['ann', 'annie'],
  matilda: ['tilly', 'tillie'],
  gertrude: ['gertie', 'trudy', 'trudi', 'truus', 'trude', 'geertruida', 'gertrud'],
  // Dutch / German, female
  cornelia: ['corrie'],
  jacoba: ['coba', 'coby'],
  franziska: ['franzi'],
  gabriele: ['gabi', 'gaby'],
};

/** Flattened {@link NICKNAMES}: variant -> canonical. Built once at module load. */
const CANONICAL_GIVEN_NAMES: ReadonlyMap<string, string> = (() => {
  const map = new Map<string, string>();
  for (const [canonical, variants] of Object.entries(NICKNAMES)) {
    for (const variant of variants) map.set(variant, canonical);
  }
  return map;
})();

/** Legal-form tokens of organisation names (folded), dropped from the end of a name. */
const LEGAL_FORMS: ReadonlySet<string> = new Set([
  // Dutch, Belgian
  'bv',
  'nv',
  'vof',
  'cv',
  'bvba',
  'sprl',
  'ua',
  // German, Austrian, Swiss
  'gmbh',
  'mbh',
  'ag',
  'kg',
  'kgaa',
  'ug',
  'ohg',
  'gbr',
  'ev',
  'eg',
  'se',
  // English
  'ltd',
  'limited',
  'llc',
  'llp',
  'lp',
  'inc',
  'incorporated',
  'corp',
  'corporation',
  'co',
  'company',
  'plc',
  'pty',
  'pte',
  // French, Italian, Spanish, Portuguese
  'sa',
  'sarl',
  'sas',
  'sasu',
  'srl',
  'spa',
  'sl',
  'ltda',
  'lda',
  // Nordic, Central European, other
  'oy',
  'oyj',
  'ab',
  'as',
  'asa',
  'aps',
  'kft',
  'zrt',
  'nyrt',
  'sro',
  'bhd',
  'sdn',
  'kk',
]);

/**
 * Legal forms written with dots or spaces between their letters, which fold into several tokens
 * (`B.V.` -> `b v`, `Sp. z o.o.` -> `sp z o o`). Sorted longest first so that the longest form wins.
 */
const MULTI_TOKEN_LEGAL_FORMS: readonly (readonly string[])[] = [
  ['sp', 'z', 'o', 'o'],
  ['s', 'a', 'r', 'l'],
  ['g', 'm', 'b', 'h'],
  ['s', 'a', 's'],
  ['s', 'r', 'l'],
  ['s', 'p', 'a'],
  ['v', 'o', 'f'],
  ['p', 'l', 'c'],
  ['l', 'l', 'c'],
  ['l', 'l', 'p'],
  ['b', 'v'],
  ['n', 'v'],
  ['c', 'v'],
  ['s', 'a'],
  ['a', 'g'],
  ['e', 'v'],
  ['u', 'a'],
  ['a', 's'],
  ['a', 'b'],
  ['s', 'l'],
];

/**
 * Tokens dropped from the start of an organisation name when other tokens remain: articles and the legal forms that
 * are customarily written first (`AB Volvo`, `Oy Karl Fazer`, `NV Bekaert`).
 */
const LEADING_DROPPED: ReadonlySet<string> = new Set(['the', 'de', 'het', 'ab', 'oy', 'oyj', 'nv', 'bv', 'bvba']);

/** Folds a name, removing apostrophes first so `O'Brien` becomes `obrien` rather than `o brien`. */
function foldName(s: string): string {
  return foldText(s.replace(APOSTROPHES, ''));
}

function splitFolded(folded: string): string[] {
  return folded === '' ? [] : folded.split(' ');
}

/**
 * Normalises a given name (first and middle names): folded, apostrophes removed, titles and honorifics (`Mr`,
 * `Dr.`, `Mevr.`, `Herr`, `Sir`, `Jr` ...) dropped, tokens joined by one space. Nicknames are not resolved here,
 * see {@link canonicalGivenName}.
 *
 * @param s - A raw given name.
 * @returns The normalised given name, or `null` when nothing remains.
 * @example
 * ```ts
 * normalizeGivenName('Dr. Jean-Pierre'); // 'jean pierre'
 * normalizeGivenName('Mevr.');           // null
 * ```
 */
export function normalizeGivenName(s: string): string | null {
  const parts = splitFolded(foldName(s));
  let out = '';
  for (const part of parts) {
    if (TITLES.has(part)) continue;
    out = out === '' ? part : out + ' ' + part;
  }
  return out === '' ? null : out;
}

/**
 * Maps one folded given-name token to its canonical form through a hand-written nickname table of English, Dutch
 * and German names (`bill` -> `william`, `hans` -> `johannes`, `kees` -> `cornelis`, `katie` -> `katherine`).
 * Only unambiguous variants are mapped; unknown names and canonical names map to themselves.
 *
 * @param s - One folded given-name token, e.g. a token of {@link normalizeGivenName}'s result.
 * @returns The canonical name.
 * @example
 * ```ts
 * canonicalGivenName('bob');    // 'robert'
 * canonicalGivenName('johnny'); // 'john'
 * canonicalGivenName('xavier'); // 'xavier'
 * ```
 */
export function canonicalGivenName(s: string): string {
  return CANONICAL_GIVEN_NAMES.get(s) ?? s;
}

/**
 * Normalises a family name: folded, apostrophes removed, particles (`van`, `der`, `de`, `von`, `le`, `da`, `dos` ...)
 * and generational suffixes (`Jr`, `III`) dropped when other tokens remain, and the remaining tokens joined without
 * spaces, so double-barrelled names compare as one word. `Mc`, `Mac` and `O'` are kept.
 *
 * @param s - A raw family name, possibly with particles.
 * @returns The normalised family name, or `null` when nothing remains.
 * @example
 * ```ts
 * normalizeFamilyName('Van der Berg'); // 'berg'
 * normalizeFamilyName('Smith-Jones');  // 'smithjones'
 * normalizeFamilyName("O'Brien");      // 'obrien'
 * normalizeFamilyName('van');          // 'van'
 * ```
 */
export function normalizeFamilyName(s: string): string | null {
  const folded = foldName(s);
  if (folded === '') return null;
  if (folded.indexOf(' ') === -1) return folded;
  const parts = folded.split(' ');
  let kept = '';
  for (const part of parts) {
    if (!PARTICLES.has(part) && !FAMILY_SUFFIXES.has(part)) kept += part;
  }
  return kept === '' ? parts.join('') : kept;
}

/** Folds each whitespace-separated word of a raw name on its own, so `Smith-Jones` stays one unit `smith jones`. */
function nameUnits(s: string): string[] {
  const units: string[] = [];
  for (const word of s.replace(APOSTROPHES, '').split(WHITESPACE)) {
    const folded = foldText(word);
    if (folded !== '' && !TITLES.has(folded)) units.push(folded);
  }
  return units;
}

/** True when every folded token of `s` is a title or suffix (or there is none). */
function onlyTitles(s: string): boolean {
  for (const part of splitFolded(foldName(s))) {
    if (!TITLES.has(part)) return false;
  }
  return true;
}

/**
 * Splits a full name into a normalised given name and family name. Understands:
 *
 * - `Family, Given` (a comma separates family name first), including Dutch index order `Berg, Jan van der`;
 * - `Given Family` and `Given Middle Family` (the last word is the family name);
 * - `Given van der Family` (the family name starts at the first particle after the given name);
 * - titles and suffixes anywhere (`Dr. John Smith Jr.`), and hyphenated words (`Mary Smith-Jones`).
 *
 * A single word is taken as the family name. Both parts are normalised as by {@link normalizeGivenName} and
 * {@link normalizeFamilyName}.
 *
 * @param s - A raw full name.
 * @returns The given and family name, each `null` when absent.
 * @example
 * ```ts
 * splitFullName('Jan van der Berg'); // { givenName: 'jan', familyName: 'berg' }
 * splitFullName('Berg, Jan van der'); // { givenName: 'jan', familyName: 'berg' }
 * splitFullName('Mr. John Smith');   // { givenName: 'john', familyName: 'smith' }
 * ```
 */
export function splitFullName(s: string): { givenName: string | null; familyName: string | null } {
  const comma = s.indexOf(',');
  if (comma !== -1 && !onlyTitles(s.slice(comma + 1))) {
    const familyUnits = nameUnits(s.slice(0, comma));
    const givenUnits = nameUnits(s.slice(comma + 1));
    // Dutch index order puts the particles after the given name: "Berg, Jan van der".
    let cut = givenUnits.length;
    while (cut > 1 && PARTICLES.has(givenUnits[cut - 1]!)) cut--;
    const family = [...givenUnits.slice(cut), ...familyUnits].join(' ');
    return {
      givenName: normalizeGivenName(givenUnits.slice(0, cut).join(' ')),
      familyName: normalizeFamilyName(family),
    };
  }
  const units = nameUnits(comma === -1 ? s : s.slice(0, comma));
  if (units.length === 0) return { givenName: null, familyName: null };
  if (units.length === 1) return { givenName: null, familyName: normalizeFamilyName(units[0]!) };
  // The family name starts at the first multi-letter particle after the first word, if a non-particle follows it.
  let start = units.length - 1;
  for (let i = 1; i < units.length - 1; i++) {
    const unit = units[i]!;
    if (unit.length >= 2 && PARTICLES.has(unit)) {
      start = i;
      break;
    }
  }
  return {
    givenName: normalizeGivenName(units.slice(0, start).join(' ')),
    familyName: normalizeFamilyName(units.slice(start).join(' ')),
  };
}

/** Length of the multi-token legal form that ends at `end` (exclusive) in `parts`, or 0. */
function legalFormEndingAt(parts: readonly string[], end: number): number {
  for (const form of MULTI_TOKEN_LEGAL_FORMS) {
    const start = end - form.length;
    if (start < 1) continue; // never consume the whole name
    let match = true;
    for (let k = 0; k < form.length; k++) {
      if (parts[start + k] !== form[k]) {
        match = false;
        break;
      }
    }
    if (match) return form.length;
  }
  return 0;
}

/**
 * Normalises an organisation name: `&` read as `and`, folded, legal forms dropped (`B.V.`, `NV`, `GmbH & Co. KG`,
 * `Ltd`, `Inc.`, `Company`, `S.A.R.L.`, `Sp. z o.o.`, `AB` ...), and a leading `The`/`De`/`Het` dropped; tokens
 * joined by one space.
 *
 * Legal forms are removed from the end of the name (repeatedly, with `and` between them) and a few from its start
 * (`AB Volvo`, `Oy`, `NV`), never from the middle, where such tokens are usually words (`As You Like It Ltd`). A name is never
 * reduced to nothing: the last remaining token is always kept.
 *
 * @param s - A raw organisation name.
 * @returns The normalised name, or `null` when nothing alphanumeric remains.
 * @example
 * ```ts
 * normalizeOrganizationName('Acme B.V.');              // 'acme'
 * normalizeOrganizationName('The Acme Company Ltd.');  // 'acme'
 * normalizeOrganizationName('Smith & Sons GmbH & Co. KG'); // 'smith and sons'
 * ```
 */
export function normalizeOrganizationName(s: string): string | null {
  const folded = foldText(s.indexOf('&') === -1 ? s : s.replace(AMPERSAND, ' and '));
  if (folded === '') return null;
  const parts = folded.split(' ');
  let begin = 0;
  let end = parts.length;
  // Trailing legal forms, possibly joined by 'and' ("gmbh and co kg").
  for (;;) {
    if (end - begin <= 1) break;
    const last = parts[end - 1]!;
    if (LEGAL_FORMS.has(last) || (last === 'and' && end < parts.length)) {
      end--;
      continue;
    }
    const multi = legalFormEndingAt(parts, end);
    if (multi > 0 && end - multi > begin) {
      end -= multi;
      continue;
    }
    break;
  }
  // Leading articles and legal forms ("the acme", "de vries", "ab volvo").
  for (;;) {
    if (end - begin <= 1) break;
    if (!LEADING_DROPPED.has(parts[begin]!)) break;
    begin++;
  }
  if (begin === 0 && end === parts.length) return folded;
  return parts.slice(begin, end).join(' ');
}
