/**
 * Text folding shared by every normaliser: case, diacritics, punctuation and whitespace are removed so that only
 * the letters and digits that carry identity remain.
 *
 * @module
 */

/** Combining marks left behind by NFKD decomposition (é -> e + U+0301). */
const COMBINING_MARKS = /\p{M}+/gu;
/** Letters that NFKD does not decompose into a base letter, with their conventional ASCII transliteration. */
const SPECIAL_LETTERS: ReadonlyMap<string, string> = new Map([
  ['ß', 'ss'],
  ['ø', 'o'],
  ['æ', 'ae'],
  ['œ', 'oe'],
  ['ł', 'l'],
  ['đ', 'd'],
  ['ð', 'd'],
  ['þ', 'th'],
  ['ħ', 'h'],
  ['ı', 'i'],
  ['ŀ', 'l'],
]);
const SPECIAL_LETTER_PATTERN = /[ßøæœłđðþħıŀ]/g;
/** Runs of anything that is not a letter or a digit, in any script. */
const NON_ALPHANUMERIC_UNICODE = /[^\p{L}\p{N}]+/gu;
const NON_ALPHANUMERIC_ASCII = /[^a-z0-9]+/g;

const replaceSpecial = (ch: string): string => SPECIAL_LETTERS.get(ch) ?? ch;

/**
 * Classifies a string in one pass: 0 = already folded (only `a-z`, `0-9` and single inner spaces), 1 = plain
 * ASCII that needs work, 2 = contains non-ASCII characters.
 */
function classify(s: string): 0 | 1 | 2 {
  let folded = true;
  let previousSpace = true; // a leading space is not folded
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return 2;
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) {
      previousSpace = false;
    } else if (c === 0x20 && !previousSpace) {
      previousSpace = true;
    } else {
      folded = false;
    }
  }
  if (previousSpace && s.length > 0) folded = false; // trailing space
  return folded ? 0 : 1;
}

/**
 * Folds text to a comparable form: lowercase, diacritics stripped (NFKD decomposition with combining marks removed,
 * plus `ß`->`ss`, `ø`->`o`, `æ`->`ae`, `œ`->`oe`, `ł`->`l`, `đ`->`d`, `þ`->`th`), every run of characters that is
 * not a letter or a digit replaced by one space, and trimmed. Letters of other scripts (Greek, Cyrillic, CJK) are
 * kept, lowercased.
 *
 * Already folded input is returned as is without allocating, so folding twice is cheap.
 *
 * @param s - Any text.
 * @returns The folded text; `''` when nothing alphanumeric remains.
 * @example
 * ```ts
 * foldText('  Ångström-Straße 12 '); // 'angstrom strasse 12'
 * foldText("O'Brien & Søn");         // 'o brien son'
 * ```
 */
export function foldText(s: string): string {
  const kind = classify(s);
  if (kind === 0) return s;
  if (kind === 1) return s.toLowerCase().replace(NON_ALPHANUMERIC_ASCII, ' ').trim();
  return s
    .normalize('NFKD')
    .toLowerCase()
    .replace(COMBINING_MARKS, '')
    .replace(SPECIAL_LETTER_PATTERN, replaceSpecial)
    .replace(NON_ALPHANUMERIC_UNICODE, ' ')
    .trim();
}

/**
 * Splits text into folded tokens: {@link foldText} split on spaces.
 *
 * @param s - Any text.
 * @returns The tokens in order; an empty array when nothing alphanumeric remains.
 * @example
 * ```ts
 * tokens('Van der Berg, Jan'); // ['van', 'der', 'berg', 'jan']
 * ```
 */
export function tokens(s: string): string[] {
  const folded = foldText(s);
  return folded === '' ? [] : folded.split(' ');
}
