import type { OcrWord } from '../models/ocr-model.ts';
import { drawnTall, hasSizeOnlyLetter, type LineHeights } from './glyph-heights.ts';
import { type AccentMark, accentMark, flagReach, type GreyImage, inkPolarity } from './glyph-shapes.ts';

/** A stem whose top reaches this many stem widths left of it has a flag: a "1", not an "l" (measured: "l" up to 0.12, "1" 0.6-1.3). */
const flagFrom = 0.35;

/** What one reading's glyphs show about a word it read exactly. */
export interface DrawnLetters {
  /** The word as drawn, when a look-alike was drawn for one of its letters ("h0liday", "ho1iday"). */
  readonly form?: string;
  /** Some letter that has a look-alike could be measured (else the reading says nothing). */
  readonly measured: boolean;
}

// The combining mark of each accent the glyphs tell apart.
const accentMarks: Record<Exclude<AccentMark, 'none'>, string> = {
  acute: '\u0301',
  grave: '\u0300',
  circumflex: '\u0302',
  diaeresis: '\u0308',
  tilde: '\u0303',
};
const accentOf = new Map(Object.entries(accentMarks).map(([name, mark]) => [mark, name as AccentMark]));

/** The accent a letter of the copy carries ("é": acute), when it is one the glyphs tell apart. */
function accentIn(letter: string): { base: string; accent: AccentMark } | undefined {
  const [base, mark, ...rest] = Array.from(letter.normalize('NFD'));
  const accent = mark === undefined ? undefined : accentOf.get(mark);
  return base && accent && rest.length === 0 ? { base, accent } : undefined;
}

/** Whether the copy word (as written) has a letter whose look-alike the recogniser reads as it. */
export function hasLookAlikeLetter(copyWord: string): boolean {
  return (
    hasSizeOnlyLetter(copyWord) ||
    copyWord.includes('l') ||
    Array.from(copyWord).some((letter) => accentIn(letter))
  );
}

/**
 * Looks at the glyphs behind a word the recogniser read as the copy's: a lowercase "o", "s"...
 * drawn at cap height is a "0", "5" or capital (from the line's glyph heights), an "l" with a
 * flag is a "1", and an accent of another shape is another accent ("ó" drawn with two dots is
 * "ö"; from the pixels). The recogniser's language model reads all of these as the letter the
 * word needs — and cannot read at all an accent its language lacks. The read word's characters
 * must line up one to one with the copy word's.
 *
 * @example drawnLetters('holiday', word, { heights, grey }).form // 'ho1iday'
 */
export function drawnLetters(
  copyWord: string,
  read: OcrWord,
  glyphs: { readonly heights?: LineHeights; readonly grey?: GreyImage },
): DrawnLetters {
  const letters = Array.from(copyWord);
  const symbols = (read.symbols ?? []).filter((symbol) => /[\p{L}\p{N}]/u.test(symbol.text));
  if (symbols.length !== letters.length) return { measured: false };
  const grey = glyphs.grey;
  const polarity = grey && hasLookAlikeLetter(copyWord) ? inkPolarity(grey, read.box) : undefined;
  let measured = false;
  let changed = false;
  const shown = letters.map((letter, index) => {
    const symbol = symbols[index]!;
    if (glyphs.heights && hasSizeOnlyLetter(letter)) {
      measured = true;
      if (drawnTall(letter, symbol, glyphs.heights)) {
        changed = true;
        return letter.toUpperCase();
      }
    }
    if (letter === 'l' && grey && polarity) {
      const reach = flagReach(grey, symbol.box, polarity);
      if (reach === undefined) return letter;
      measured = true;
      if (reach >= flagFrom) {
        changed = true;
        return '1';
      }
    }
    const accented = accentIn(letter);
    if (accented && grey && polarity) {
      const drawn = accentMark(grey, symbol.box, polarity);
      // Only a mark made out and different counts: a mark that touches its letter reads as none.
      if (drawn === undefined || drawn === 'none') return letter;
      measured = true;
      if (drawn !== accented.accent) {
        changed = true;
        return `${accented.base}${accentMarks[drawn]}`.normalize('NFC');
      }
    }
    return letter;
  });
  return changed ? { form: shown.join(''), measured } : { measured };
}
