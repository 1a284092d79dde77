import type { OcrModelV1 } from '../models/ocr-model.ts';
import { loadSharp } from '../util/sharp.ts';
import { measureGlyphContrast } from './contrast.ts';
import { defaultTextMatching, matchingFor, normaliseText } from './normalise-text.ts';
import { type CopyReading, type ReadCopyOptions, readCopy } from './read-copy.ts';

/** WCAG minimum for large display type (3:1, AA for text of 18 pt and up). */
export const minimumDisplayContrast = 3;

/** A headline checked on a composition: legible to the recogniser, and to people. */
export interface CopyCheck {
  readonly reading: CopyReading;
  /** Contrast of the headline's letters against their ground, from the word boxes read. */
  readonly contrast: { readonly ratio: number; readonly minimum: number; readonly passed: boolean } | null;
  readonly passed: boolean;
}

/**
 * The `check` verdict on a composition's own headline: `readCopy`, then the WCAG contrast
 * between the recognised glyphs and their ground inside the headline's word boxes, which must
 * reach `minContrast`. Faint lettering a recogniser still makes out is lost on a phone in sunlight.
 *
 * @example
 * const check = await checkCopy(ocr, png, 'Spring into colour', { layout: 'auto', minScore: 0.9, minContrast: 3 });
 * check.passed;
 */
export async function checkCopy(
  ocr: OcrModelV1,
  image: Uint8Array,
  headline: string,
  options: ReadCopyOptions & { readonly minContrast: number },
): Promise<CopyCheck> {
  const sharp = await loadSharp();
  // Decoded once: the colours for the contrast, and the grey levels every reading starts from
  // (derived from the decoded colours, so the same levels as decoding to grey directly).
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const grey = await sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .greyscale()
    .raw()
    .toBuffer();
  const pixels = { data: grey, width: info.width, height: info.height };
  const reading = await readCopy(ocr, image, [{ role: 'headline', copy: headline }], { ...options, pixels });
  const matching = matchingFor(options.matching ?? defaultTextMatching, options.language ?? 'eng');
  const expected = new Set(normaliseText(headline, matching).split(' '));
  const words = reading.read.lines.flatMap((line) => line.words);
  const headlineWords = words.filter((word) => expected.has(normaliseText(word.text, matching)));
  const boxes = (headlineWords.length > 0 ? headlineWords : words).map((word) => word.box);
  if (boxes.length === 0) return { reading, contrast: null, passed: reading.passed };
  const { ratio } = measureGlyphContrast({ image: data, channels: info.channels, width: info.width, boxes });
  const contrast = { ratio, minimum: options.minContrast, passed: ratio >= options.minContrast };
  return { reading, contrast, passed: reading.passed && contrast.passed };
}
