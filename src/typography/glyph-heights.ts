import type { OcrWord } from '../models/ocr-model.ts';

// Lowercase letters with neither ascender nor descender: their height is the line's x-height.
export const xHeightLetters = new Set('acemnoruvwxz');
// Lowercase letters whose capital, or a digit, has the same shape at a larger size: "o" and
// "O" and "0", "s" and "S" and "5". A recogniser reads the shape and guesses the case from the
// word around it, so a "0" in "t0night" comes back as "tonight"; only the glyph's height says
// it was drawn as tall as a capital.
export const sizeOnlyLetters = new Set('cosvwxz');
// Letters drawn at ascender or cap height (no dot, no descender), for the line's cap height.
const tallReference = /^[bdfhklt\p{Lu}]$/u;
/** x-height glyphs needed on the line before its heights are trusted. */
const minimumReferences = 3;
/** Share of the x-height glyphs that must lie within 15% of their median: else the boxes are noise. */
const consistentShare = 0.75;

/** The heights of a line's lowercase and tall letters, as read. */
export interface LineHeights {
  readonly xHeight: number;
  /** Median height of the capitals and ascenders read, when there are any. */
  readonly capHeight?: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * The x-height and cap height of a line from its glyph boxes, or undefined when too few
 * x-height letters were read or their boxes disagree (noise read as part of the letters).
 */
export function lineHeights(words: readonly OcrWord[]): LineHeights | undefined {
  const symbols = words.flatMap((word) => word.symbols ?? []);
  const small = symbols
    .filter((symbol) => xHeightLetters.has(symbol.text))
    .map((symbol) => symbol.box.height);
  if (small.length < minimumReferences) return undefined;
  const xHeight = median(small);
  const near = small.filter((height) => Math.abs(height - xHeight) <= xHeight * 0.15).length;
  if (near < small.length * consistentShare) return undefined;
  const tall = symbols.filter((symbol) => tallReference.test(symbol.text)).map((symbol) => symbol.box.height);
  const capHeight = tall.length > 0 ? median(tall) : undefined;
  return capHeight !== undefined && capHeight > xHeight * 1.05 ? { xHeight, capHeight } : { xHeight };
}

/** Whether the copy word (as written) has a lowercase letter only its height tells from a digit or capital. */
export function hasSizeOnlyLetter(copyWord: string): boolean {
  return Array.from(copyWord).some((letter) => sizeOnlyLetters.has(letter));
}
