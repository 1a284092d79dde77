import { z } from 'zod';

/** How copy and OCR output are made comparable before scoring. */
export const textMatchingSchema = z.strictObject({
  /** Compare letter case too (default: no, OCR confuses case in display type). */
  caseSensitive: z.boolean().default(false),
  /** `ignore` drops punctuation from both sides; `keep` counts every mark. */
  punctuation: z.enum(['ignore', 'keep']).default('ignore'),
  /**
   * `keep` requires accents to be read exactly; `fold` compares base letters (é -> e, ß -> ss).
   * Default: `fold` for English copy (the English model drops accents), `keep` for any other
   * language (its model reads them) — see `matchingFor`.
   */
  diacritics: z.enum(['keep', 'fold']).optional(),
});
export type TextMatching = z.infer<typeof textMatchingSchema>;

export const defaultTextMatching: TextMatching = textMatchingSchema.parse({});

/**
 * The matching for copy in `language` (a Tesseract code): diacritics are compared exactly
 * unless the copy is English or `matching` says otherwise.
 *
 * @example matchingFor(defaultTextMatching, 'fra').diacritics // 'keep'
 */
export function matchingFor(matching: TextMatching, language: string): TextMatching {
  return { ...matching, diacritics: matching.diacritics ?? (language === 'eng' ? 'fold' : 'keep') };
}

// Typographic variants of the same mark, mapped to the plain ASCII mark before comparison:
// copy is written with curly quotes and em dashes, OCR reads whichever it likes.
const singleQuotes = /[\u2018\u2019\u201A\u201B\u2032\u0060\u00B4]/g;
const doubleQuotes = /[\u201C\u201D\u201E\u201F\u2033\u00AB\u00BB]/g;
const dashes = /[\u2010\u2011\u2012\u2013\u2014\u2015\u2212]/g;
const invisible = /\u00AD|\u200B|\u200C|\u200D|\u2060|\uFEFF/g;
const foldedLetters: Record<string, string> = {
  ß: 'ss',
  ẞ: 'SS',
  æ: 'ae',
  Æ: 'AE',
  œ: 'oe',
  Œ: 'OE',
  ø: 'o',
  Ø: 'O',
  ł: 'l',
  Ł: 'L',
  đ: 'd',
  Đ: 'D',
  þ: 'th',
  Þ: 'TH',
};

/**
 * Puts copy or OCR output in a canonical form: Unicode compatibility forms (ligatures such as
 * "ﬁ", full-width letters), typographic quotes and dashes, invisible characters and runs of
 * whitespace are unified; case, punctuation and accents follow `matching`.
 *
 * @example normaliseText('“Spring” — into  colour!') // 'spring into colour'
 */
export function normaliseText(text: string, matching: TextMatching = defaultTextMatching): string {
  let result = text
    .normalize('NFKC')
    .replace(invisible, '')
    .replace(singleQuotes, "'")
    .replace(doubleQuotes, '"')
    .replace(dashes, '-');
  if ((matching.diacritics ?? 'fold') === 'fold') {
    result = result
      .replace(/[ßẞæÆœŒøØłŁđĐþÞ]/g, (letter) => foldedLetters[letter] ?? letter)
      .normalize('NFD')
      .replace(/\p{M}/gu, '')
      .normalize('NFC');
  }
  if (!matching.caseSensitive) result = result.toLowerCase();
  if (matching.punctuation === 'ignore') {
    // Dashes and slashes separate words ("spring—now"); other marks sit inside or after one.
    result = result.replace(/[\p{Pd}/]/gu, ' ').replace(/\p{P}/gu, '');
  }
  return result.replace(/\s+/gu, ' ').trim();
}
