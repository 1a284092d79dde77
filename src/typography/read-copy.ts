import type { OcrCallResult, OcrModelV1, OcrPolarity } from '../models/ocr-model.ts';
import { defaultTextMatching, type TextMatching } from './normalise-text.ts';
import { type CopyMatch, scoreCopy } from './score-copy.ts';

export type CopyRole = 'headline' | 'subline' | 'callToAction';

/** A piece of copy and how well it was read. */
export type PieceMatch = { readonly role: CopyRole } & CopyMatch;

/** What looking at an image found: the reading kept, and how each piece of copy scored. */
export interface CopyReading {
  readonly read: OcrCallResult;
  readonly matches: readonly PieceMatch[];
  /** The lowest piece score: the image passes only if every piece does. */
  readonly score: number;
  /** How many times the image was read (more than once only when the first reading fell short). */
  readonly attempts: number;
}

export interface ReadCopyOptions {
  readonly layout: 'auto' | 'block';
  /** Known text polarity (overlay knows its colours); guessed by the model otherwise. */
  readonly polarity?: OcrPolarity;
  readonly matching?: TextMatching;
  /** Pass mark: below it, the image is read again in other ways. */
  readonly minScore: number;
  readonly signal?: AbortSignal;
}

/**
 * Reads an image and scores each piece of copy against the best-matching line or lines. When
 * a piece falls short, the image is looked at again in other ways — the opposite polarity
 * (light text on a dark ground reads as nothing to a recogniser expecting dark on light, and a
 * composition can hold either), then as one block of text for a whole composition, whose
 * layout analysis can mistake lettering over shapes for a picture — and the best reading is
 * kept. Recognition does not invent the right words, so a garbled headline fails every look;
 * a legible image costs one read.
 *
 * @example
 * const reading = await readCopy(ocr, png, [{ role: 'headline', copy: 'Spring into colour' }], { layout: 'auto', minScore: 0.9 });
 * reading.score >= 0.9; // legible
 */
export async function readCopy(
  ocr: OcrModelV1,
  image: Uint8Array,
  pieces: ReadonlyArray<{ readonly role: CopyRole; readonly copy: string }>,
  options: ReadCopyOptions,
): Promise<CopyReading> {
  const look = async (
    layout: 'auto' | 'block',
    polarity: OcrPolarity | undefined,
    attempts: number,
  ): Promise<CopyReading> => {
    const read = await ocr.doRecognize({ image, layout, polarity, abortSignal: options.signal });
    const lines = read.lines.map((line) => line.text);
    const matches = pieces.map((piece) => ({
      role: piece.role,
      ...scoreCopy(piece.copy, lines, options.matching ?? defaultTextMatching),
    }));
    return { read, matches, score: Math.min(...matches.map((match) => match.score)), attempts };
  };
  let best = await look(options.layout, options.polarity, 1);
  const seen = best.read.polarity ?? options.polarity;
  if (best.score >= options.minScore || !seen) return best;
  const opposite: OcrPolarity = seen === 'dark-on-light' ? 'light-on-dark' : 'dark-on-light';
  const retries: Array<['auto' | 'block', OcrPolarity]> = [[options.layout, opposite]];
  if (options.layout === 'auto') retries.push(['block', seen]);
  for (const [index, [layout, polarity]] of retries.entries()) {
    const reading = await look(layout, polarity, index + 2);
    best = reading.score > best.score ? reading : { ...best, attempts: reading.attempts };
    if (best.score >= options.minScore) break;
  }
  return best;
}
