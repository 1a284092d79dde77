import { editDistance } from './edit-distance.ts';
import { defaultTextMatching, normaliseText, type TextMatching } from './normalise-text.ts';

/** How well one piece of copy was read back from an image. */
export interface CopyMatch {
  /** 1 - character error rate, clamped to 0..1. */
  readonly score: number;
  /** Edits needed to turn what was read into the copy, over the copy's length. */
  readonly characterErrorRate: number;
  /** The copy after normalisation. */
  readonly expected: string;
  /** The best-matching read text after normalisation ('' when nothing was read). */
  readonly read: string;
  /** Indices of the first and last OCR line of the best match, or null when nothing was read. */
  readonly lines: readonly [number, number] | null;
}

/** The longest run of consecutive lines tried as one match (a headline wraps to a few lines). */
const maximumLineGroup = 6;

/**
 * Scores copy against OCR output: score = 1 - (edit distance / copy length) against the
 * best-matching line or run of consecutive lines, after both are normalised. Whole words at
 * the outer ends of a run may be left out — other text beside the headline is not the
 * headline's error — but nothing inside the match is forgiven.
 *
 * @example scoreCopy('Spring into colour', ['SPRING INTO', 'COLOUR', '20% off']).score // 1
 */
export function scoreCopy(
  copy: string,
  ocrLines: readonly string[],
  matching: TextMatching = defaultTextMatching,
): CopyMatch {
  const expected = normaliseText(copy, matching);
  const length = Array.from(expected).length;
  const lines = ocrLines.map((line) => normaliseText(line, matching).split(' ').filter(Boolean));
  let best = { distance: length, read: '', lines: null as [number, number] | null };
  for (let first = 0; first < lines.length; first++) {
    if (lines[first]!.length === 0) continue;
    for (let last = first; last < Math.min(lines.length, first + maximumLineGroup); last++) {
      if (lines[last]!.length === 0) continue;
      const words = lines.slice(first, last + 1).flat();
      const firstLineWords = lines[first]!.length;
      const lastLineWords = lines[last]!.length;
      // Drop up to all-but-one word from the start of the first line and the end of the last.
      for (let start = 0; start < firstLineWords; start++) {
        for (let end = words.length; end > Math.max(start, words.length - lastLineWords); end--) {
          if (end <= start) continue;
          const read = words.slice(start, end).join(' ');
          const distance = editDistance(expected, read);
          if (distance < best.distance || (distance === best.distance && best.lines === null)) {
            best = { distance, read, lines: [first, last] };
          }
        }
      }
    }
  }
  if (length === 0) return { score: 1, characterErrorRate: 0, expected, read: best.read, lines: best.lines };
  const characterErrorRate = best.distance / length;
  return {
    score: Math.max(0, 1 - characterErrorRate),
    characterErrorRate,
    expected,
    read: best.read,
    lines: best.lines,
  };
}
