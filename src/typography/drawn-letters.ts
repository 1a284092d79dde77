import type { OcrWord } from '../models/ocr-model.ts';
import { drawnTall, hasSizeOnlyLetter, type LineHeights } from './glyph-heights.ts';
import { flagReach, type GreyImage, inkPolarity } from './glyph-shapes.ts';

/** A stem whose top reaches this many stem widths left of it has a flag: a "1", not an "l" (measured: "l" up to 0.12, "1" 0.6-1.3). */
const flagFrom = 0.35;

/** What one reading's glyphs show about a word it read exactly. */
export interface DrawnLetters {
  /** The word as drawn, when a look-alike was drawn for one of its letters ("h0liday", "ho1iday"). */
  readonly form?: string;
  /** Some letter that has a look-alike could be measured (else the reading says nothing). */
  readonly measured: boolean;
}

/** Whether the copy word (as written) has a letter whose look-alike the recogniser reads as it. */
export function hasLookAlikeLetter(copyWord: string): boolean {
  return hasSizeOnlyLetter(copyWord) || copyWord.includes('l');
}

/**
 * Looks at the glyphs behind a word the recogniser read as the copy's: a lowercase "o", "s"...
 * drawn at cap height is a "0", "5" or capital (from the line's glyph heights), an "l" with a
 * flag is a "1" (from the pixels). The recogniser's language model reads both as the letter the
 * word needs. The read word's characters must line up one to one with the copy word's.
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
  const polarity = grey && letters.includes('l') ? inkPolarity(grey, read.box) : undefined;
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
    return letter;
  });
  return changed ? { form: shown.join(''), measured } : { measured };
}
