import type { OcrPolarity, OcrWord } from '../models/ocr-model.ts';
import { hasSizeOnlyLetter, type LineHeights, sizeOnlyLetters, xHeightLetters } from './glyph-heights.ts';
import {
  type AccentMark,
  accentMark,
  closedFoot,
  flagReach,
  type Glyph,
  type GreyImage,
  inkPolarity,
  wordGlyphs,
} from './glyph-shapes.ts';

/** A stem whose top reaches this many stem widths left of it has a flag: a "1", not an "l" (measured: "l" up to 0.12, "1" 0.6-1.3). */
const flagFrom = 0.35;
/** Letter bodies shorter than this (px) carry marks too small to tell apart. */
const minimumAccentedHeight = 20;
/** Cap height over x-height when the line does not show it (typical of text faces). */
const typicalCapRatio = 1.4;

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

/** What one reading's glyphs show about a word it read exactly. */
export interface DrawnLetters {
  /** The word as drawn, when a look-alike was drawn for one of its letters ("h0liday", "ho1iday"). */
  readonly form?: string;
  /** Some letter that has a look-alike could be measured (else the reading says nothing). */
  readonly measured: boolean;
}

/** Whether the copy word (as written) has a letter whose look-alike the recogniser reads as it. */
export function hasLookAlikeLetter(copyWord: string): boolean {
  return (
    hasSizeOnlyLetter(copyWord) ||
    copyWord.includes('l') ||
    copyWord.includes('ß') ||
    Array.from(copyWord).some((letter) => accentIn(letter))
  );
}

/** Neighbouring glyph boxes overlapping by more than this share of a box's width are misplaced. */
const maximumOverlap = 0.3;

/**
 * The glyphs where the recogniser placed them, when the pixels could not be cut into one glyph
 * per letter (noise touching the letters): used only when its boxes sit one after another, as
 * it sometimes places a word's boxes off their glyphs (each over half of its neighbour).
 */
function recognisedGlyphs(read: OcrWord, grey: GreyImage, polarity: OcrPolarity): Glyph[] | undefined {
  const symbols = (read.symbols ?? []).filter((symbol) => /[\p{L}\p{N}]/u.test(symbol.text));
  const lineUp = symbols.every((symbol, index) => {
    const previous = symbols[index - 1];
    if (!previous) return true;
    const overlap = previous.box.x + previous.box.width - symbol.box.x;
    return overlap <= Math.min(symbol.box.width, previous.box.width) * maximumOverlap;
  });
  if (!lineUp) return undefined;
  return symbols.map((symbol) => {
    const accent = accentMark(grey, symbol.box, polarity);
    return { body: symbol.box, marks: accent && accent !== 'none' ? 1 : 0, accent };
  });
}

function median(values: readonly number[]): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length > 0 ? sorted[Math.floor(sorted.length / 2)] : undefined;
}

// Lowercase letters drawn with a dot above their body.
const dotted = new Set('ij');

/**
 * The copy word without its marked letters (dotted "i", "j" and accented letters), when the
 * glyphs cut show exactly that: one body fewer for each of them and no mark anywhere. A
 * recogniser reads a word that lacks an "i" as the word with it ("Swm" as "Swim"), but
 * cannot draw the dot. An "i" after an "f" is left out of the count: the "fi" ligature takes
 * the dot into the "f".
 */
function lettersWithoutTheirMarks(letters: readonly string[], cut: readonly Glyph[]): string | undefined {
  const marked = letters.map(
    (letter, index) => (dotted.has(letter) && letters[index - 1] !== 'f') || accentIn(letter) !== undefined,
  );
  const missing = marked.filter(Boolean).length;
  if (missing === 0 || cut.length !== letters.length - missing) return undefined;
  if (cut.some((glyph) => glyph.marks > 0)) return undefined;
  return letters.filter((_, index) => !marked[index]).join('');
}

/**
 * Looks at the glyphs behind a word the recogniser read as the copy's, cut from the pixels in
 * the word's box: a lowercase "o", "s"... drawn at cap height is a "0", "5" or capital, an "l"
 * with a flag is a "1", a "ß" whose foot is closed is a "B", an accent of another shape is
 * another accent ("ó" drawn with two dots is "ö"), and a word with neither the bodies nor the
 * dots of its "i"s lacks them ("Swm"). The recogniser's language model reads all of these as
 * the letter the word needs — and cannot read at all an accent its language lacks. Nothing
 * else is claimed unless the glyphs line up one to one with the copy word's letters (touching
 * letters, ligatures).
 *
 * @example drawnLetters('holiday', word, { grey }).form // 'ho1iday'
 */
export function drawnLetters(
  copyWord: string,
  read: OcrWord,
  glyphs: { readonly grey: GreyImage; readonly heights?: LineHeights },
): DrawnLetters {
  const letters = Array.from(copyWord);
  if (!hasLookAlikeLetter(copyWord) && !letters.some((letter) => dotted.has(letter)))
    return { measured: false };
  const polarity = inkPolarity(glyphs.grey, read.box);
  const cut = wordGlyphs(glyphs.grey, read.box, polarity, glyphs.heights?.xHeight);
  const unmarked = lettersWithoutTheirMarks(letters, cut);
  if (unmarked) return { form: unmarked, measured: true };
  const drawn = cut.length === letters.length ? cut : recognisedGlyphs(read, glyphs.grey, polarity);
  if (drawn?.length !== letters.length) return { measured: false };
  // Half-way between x-height and cap height counts as cap height; display faces such as Anton
  // have capitals only 15% taller than their lowercase.
  const capRatio = glyphs.heights?.capHeight
    ? glyphs.heights.capHeight / glyphs.heights.xHeight
    : typicalCapRatio;
  let measured = false;
  let changed = false;
  const shown = letters.map((letter, index) => {
    const glyph = drawn[index]!;
    if (sizeOnlyLetters.has(letter)) {
      // Against the word's own lowercase, else the line's ("0ff" has none of its own).
      const xHeight =
        median(
          letters.flatMap((other, at) =>
            at !== index && xHeightLetters.has(other) && drawn[at]!.marks === 0
              ? [drawn[at]!.body.height]
              : [],
          ),
        ) ?? glyphs.heights?.xHeight;
      if (xHeight !== undefined) {
        measured = true;
        if (glyph.body.height >= xHeight * (1 + (capRatio - 1) / 2)) {
          changed = true;
          return letter.toUpperCase();
        }
      }
    }
    if (letter === 'l') {
      const reach = flagReach(glyphs.grey, glyph.body, polarity);
      if (reach !== undefined) {
        measured = true;
        if (reach >= flagFrom) {
          changed = true;
          return '1';
        }
      }
    }
    if (letter === 'ß') {
      const closed = closedFoot(glyphs.grey, glyph.body, polarity);
      if (closed !== undefined) {
        measured = true;
        if (closed) {
          changed = true;
          return 'B';
        }
      }
    }
    const accented = accentIn(letter);
    // Only a mark made out and different counts: a mark that touches its letter reads as none.
    if (accented && glyph.body.height >= minimumAccentedHeight && glyph.accent && glyph.accent !== 'none') {
      measured = true;
      if (glyph.accent !== accented.accent) {
        changed = true;
        return `${accented.base}${accentMarks[glyph.accent]}`.normalize('NFC');
      }
    }
    return letter;
  });
  return changed ? { form: shown.join(''), measured } : { measured };
}
