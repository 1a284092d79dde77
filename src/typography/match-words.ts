import { editDistance } from './edit-distance.ts';
import { defaultTextMatching, normaliseText, type TextMatching } from './normalise-text.ts';

/** How the words of one piece of copy lined up with one reading of an image. */
export interface WordAlignment {
  /** The copy's words after normalisation. */
  readonly expected: readonly string[];
  /** What was read for each word of the copy, in order; null when the word was not read at all. */
  readonly read: ReadonlyArray<string | null>;
  /** Where each copy word's reading is among the words of the matched lines (in order), or null. */
  readonly readAt: ReadonlyArray<number | null>;
  /**
   * Words read among the copy's that are not the copy's: a stray word between two of its words,
   * or one of its words again (doubled). Other text beside the copy on its lines is left out.
   */
  readonly extra: readonly string[];
  /** Indices of the first and last line of the match, or null when nothing was read. */
  readonly lines: readonly [number, number] | null;
  /**
   * Copy words at the start or end of the copy that a word right beside them on its lines,
   * alike but not the same, seems to double ("ello Hello sunshine" for "Hello Hello sunshine"
   * with the first "H" lost). One reading cannot tell this from one word read in two pieces;
   * the same in two readings is a doubled word.
   */
  readonly nearDoubled?: readonly string[];
}

/** The longest run of consecutive lines tried as one match (a headline wraps to a few lines). */
const maximumLineGroup = 6;

/**
 * Lines up the copy's words with the words of the best-matching line or run of consecutive
 * lines (a word alignment: each copy word is read exactly, read differently, or missing, and
 * every other word on those lines is extra). Tokens with no letter or digit (OCR's `|`, `~`
 * from shapes) are not words. The strict verdict is `isExact`: every word read exactly, in
 * order, and nothing else on the headline's lines — text elsewhere in the image (a logo, a
 * price tag, on lines of its own) is not the headline's.
 *
 * @example matchWords('Made to last', ['Made Made to last']).extra // ['made']
 */
export function matchWords(
  copy: string,
  ocrLines: readonly string[],
  matching: TextMatching = defaultTextMatching,
): WordAlignment {
  const expected = words(normaliseText(copy, matching));
  const lines = ocrLines.map((line) => words(normaliseText(line, matching)));
  let best: (WordAlignment & { cost: number; found: number }) | undefined;
  for (let first = 0; first < lines.length; first++) {
    if (lines[first]!.length === 0) continue;
    for (let last = first; last < Math.min(lines.length, first + maximumLineGroup); last++) {
      if (lines[last]!.length === 0) continue;
      const { read, readAt, extra, cost } = align(expected, lines.slice(first, last + 1).flat());
      // Fewer edits win; on a tie the run that reads more of the copy's words (a stray mark after
      // the last word costs as much as losing it), then the shorter run (the lines beyond add nothing).
      const found = read.filter((word) => word !== null).length;
      if (!best || cost < best.cost || (cost === best.cost && found > best.found)) {
        const among = extra
          .filter((word) => word.inside || expected.includes(word.word))
          .map((word) => word.word);
        best = { expected, read, readAt, extra: among, lines: [first, last], cost, found };
      }
    }
  }
  if (!best) {
    const nothing = expected.map(() => null);
    return { expected, read: nothing, readAt: nothing, extra: [], lines: null };
  }
  const { cost: _cost, found: _found, ...matched } = best;
  const alignment = withNearDoubled(matched, lines.slice(matched.lines![0], matched.lines![1] + 1).flat());
  // A copy word again right before or after the match, on the neighbouring line, is a doubled
  // word that wrapped ("Welcome / Welcome home"), not text beside the copy.
  const [first, last] = alignment.lines!;
  const before = lines
    .slice(0, first)
    .findLast((line) => line.length > 0)
    ?.at(-1);
  const after = lines.slice(last + 1).find((line) => line.length > 0)?.[0];
  const doubled = [
    ...(before !== undefined && before === expected[0] ? [before] : []),
    ...(after !== undefined && after === expected.at(-1) ? [after] : []),
  ];
  return doubled.length > 0 ? { ...alignment, extra: [...doubled, ...alignment.extra] } : alignment;
}

/** The copy's first and last word when read exactly with a word alike them right beside, outside the copy. */
function withNearDoubled(alignment: WordAlignment, read: readonly string[]): WordAlignment {
  const { expected } = alignment;
  const beside = (index: number, step: -1 | 1) => {
    const at = alignment.readAt[index];
    if (at === null || at === undefined || alignment.read[index] !== expected[index]) return [];
    const next = read[at + step];
    return next !== undefined && next !== expected[index] && alike(next, expected[index]!)
      ? [expected[index]!]
      : [];
  };
  const nearDoubled = [...beside(0, -1), ...(expected.length > 1 ? beside(expected.length - 1, 1) : [])];
  return nearDoubled.length > 0 ? { ...alignment, nearDoubled } : alignment;
}

/** Every word of the copy read exactly, in order, and nothing else on its lines. */
export function isExact(alignment: WordAlignment): boolean {
  return (
    alignment.extra.length === 0 && alignment.read.every((word, index) => word === alignment.expected[index])
  );
}

/**
 * The words of normalised text, as the alignment counts them: tokens with no letter or digit
 * (OCR's `|`, `~` from shapes) are not words.
 */
export function words(text: string): string[] {
  return text.split(' ').filter((word) => /[\p{L}\p{N}]/u.test(word));
}

/** Two words are alike when at most half their letters differ: a misreading of one another. */
function alike(word: string, other: string): boolean {
  return editDistance(word, other) * 2 <= Math.max(Array.from(word).length, Array.from(other).length);
}

/**
 * Word-level edit alignment. A copy word may be matched (free), replaced by a read word
 * (cost 1 when they are alike — at most half their letters differ; unrelated words are
 * never paired but counted missing and extra), dropped (1), or a read word may be extra (1).
 */
function align(expected: readonly string[], read: readonly string[]) {
  const rows = expected.length + 1;
  const columns = read.length + 1;
  const cost = new Float64Array(rows * columns);
  const at = (row: number, column: number) => row * columns + column;
  for (let row = 0; row < rows; row++) cost[at(row, 0)] = row;
  for (let column = 0; column < columns; column++) cost[at(0, column)] = column;
  const replace = (word: string, other: string) => (word === other ? 0 : alike(word, other) ? 1 : 3);
  for (let row = 1; row < rows; row++) {
    for (let column = 1; column < columns; column++) {
      cost[at(row, column)] = Math.min(
        cost[at(row - 1, column - 1)]! + replace(expected[row - 1]!, read[column - 1]!),
        cost[at(row - 1, column)]! + 1,
        cost[at(row, column - 1)]! + 1,
      );
    }
  }
  const matched: Array<string | null> = expected.map(() => null);
  const matchedAt: Array<number | null> = expected.map(() => null);
  // An extra word is inside the copy when copy words were matched both before and after it.
  const extra: Array<{ word: string; inside: boolean }> = [];
  let row = rows - 1;
  let column = columns - 1;
  while (row > 0 || column > 0) {
    const here = cost[at(row, column)]!;
    if (
      row > 0 &&
      column > 0 &&
      here === cost[at(row - 1, column - 1)]! + replace(expected[row - 1]!, read[column - 1]!)
    ) {
      matched[row - 1] = read[column - 1]!;
      matchedAt[row - 1] = column - 1;
      row--;
      column--;
    } else if (row > 0 && here === cost[at(row - 1, column)]! + 1) {
      row--;
    } else {
      extra.unshift({ word: read[column - 1]!, inside: row > 0 && row < expected.length });
      column--;
    }
  }
  return { read: matched, readAt: matchedAt, extra, cost: cost[at(rows - 1, columns - 1)]! };
}

// Characters a recogniser with a dictionary reads as one another (after case folding): the
// typos a client catches first ("N0rdvik", "rnilk") are these.
const lookAlikeGroups: ReadonlyArray<readonly [RegExp, string]> = [
  [/rn/g, 'm'],
  [/vv/g, 'w'],
  [/[0oO]/g, 'o'],
  [/[1lIi|!]/g, 'l'],
  [/[5sS]/g, 's'],
  [/[8B]/g, 'b'],
  [/[2zZ]/g, 'z'],
];

/** The word with every look-alike replaced by its group's representative. */
export function lookAlikeForm(word: string): string {
  return lookAlikeGroups.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), word);
}

/**
 * Whether `read` differs from `expected` only by look-alike characters (0 for o, 1 for l,
 * rn for m...): a dictionary-free reading that shows one has seen what is drawn.
 *
 * @example isLookAlikeOf('n0rdvik', 'nordvik') // true
 */
export function isLookAlikeOf(read: string, expected: string): boolean {
  return read !== expected && lookAlikeForm(read) === lookAlikeForm(expected);
}
