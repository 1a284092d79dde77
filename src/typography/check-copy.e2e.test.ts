import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CorpusItem, typographyCorpus } from '../../test/helpers/typography-corpus.ts';
import { trainedDataDirectory } from '../models/builtin/tesseract/tesseract-data-files.ts';
import { TesseractOcrModel } from '../models/builtin/tesseract/tesseract-ocr-model.ts';
import { checkCopy, minimumDisplayContrast } from './check-copy.ts';
import { copyLayoutSchema } from './copy-layout.ts';
import { copyStyleSchema, extract, overlayCopy } from './overlay-copy.ts';
import { readCopy } from './read-copy.ts';

/** `text` set dark on a light 960x300 card (display size: accents and look-alikes measurable), as the PNG of the copy's region. */
async function card(text: string): Promise<Uint8Array> {
  const base = await sharp({ create: { width: 960, height: 300, channels: 3, background: '#F4E9DA' } })
    .png()
    .toBuffer();
  const result = await overlayCopy({
    image: base,
    copy: { headline: text },
    fonts: {},
    layout: copyLayoutSchema.parse({ position: 'centre', maxFontSize: 0.2 }),
    style: copyStyleSchema.parse({ color: '#141414' }),
  });
  const { region } = result;
  return sharp(extract(result.pixels, result.width, result.channels, region), {
    raw: { width: region.width, height: region.height, channels: result.channels },
  })
    .png()
    .toBuffer();
}

// One model (two small pools: with and without dictionary) for the file: workers are slow to start.
let ocr: TesseractOcrModel;
beforeAll(() => {
  ocr = new TesseractOcrModel({ poolSize: 1 });
});
afterAll(async () => {
  await ocr.dispose();
});

const check = (item: CorpusItem) =>
  checkCopy(ocr, item.image, item.headline, {
    layout: 'auto',
    minScore: 0.9,
    minContrast: minimumDisplayContrast,
    language: item.language,
  });

describe('checkCopy on a small slice of the labelled corpus', () => {
  it('passes legible headlines and rejects substitution, doubled-word, diacritic and low-contrast ones', async () => {
    const verdicts: string[] = [];
    const expected: string[] = [];
    for await (const item of typographyCorpus({
      total: 320,
      size: 512,
      seed: 16,
      perClass: 1,
      classes: ['legible', 'substitution', 'doubled-word', 'diacritic', 'low-contrast'],
    })) {
      const result = await check(item);
      verdicts.push(`${item.id} "${item.lettered}" ${result.passed ? 'passed' : 'rejected'}`);
      expected.push(`${item.id} "${item.lettered}" ${item.label === 'legible' ? 'passed' : 'rejected'}`);
      // Every reading is recorded, and a legible image needs few.
      expect(result.reading.readings).toHaveLength(result.reading.attempts);
      if (item.label === 'legible') expect(result.reading.attempts).toBeLessThanOrEqual(3);
      // Faint lettering is rejected for its contrast when the recogniser still reads it.
      if (item.label === 'low-contrast' && result.reading.passed) {
        expect(result.contrast?.ratio).toBeLessThan(minimumDisplayContrast);
      }
    }
    expect(verdicts).toEqual(expected);
  }, 240_000);
});

describe('the copy language', () => {
  it.each([
    ['fra', 'Crème brûlée maison', 'Crème brulée maison'],
    ['deu', 'Schöne Grüße', 'Schone Grüße'],
    ['spa', 'Diseño español', 'Diseno español'],
    ['eng', 'Free shipping', 'Frree shipping'],
    // Look-alikes the language model reads as the copy's letters, told apart by the glyphs.
    ['eng', 'Holiday looks', 'Ho1iday looks'],
    ['eng', 'Swim season', 'Swim seas0n'],
    // An accent Spanish does not have, and one the model reads as the likelier one.
    ['spa', 'Canción del verano', 'Canciön del verano'],
    ['fra', 'Très élégant', 'Très èlégant'],
  ])(
    'reads %s copy with its trained data (accents compared): "%s" passes, "%s" does not',
    async (language, copy, typo) => {
      const read = async (lettered: string) =>
        readCopy(ocr, await card(lettered), [{ role: 'headline', copy }], {
          layout: 'block',
          polarity: 'dark-on-light',
          minScore: 0.9,
          language,
        });
      const legible = await read(copy);
      expect(legible.passed).toBe(true);
      expect(legible.attempts).toBeLessThanOrEqual(2);
      const wrong = await read(typo);
      expect(wrong.passed).toBe(false);
      expect(wrong.matches[0]!.words.some((word) => !word.passed)).toBe(true);
    },
    60_000,
  );

  it('names the npm package to install for a language whose trained data is missing', () => {
    expect(() => trainedDataDirectory('ita')).toThrow('expected the npm package @tesseract.js-data/ita');
    expect(() => trainedDataDirectory('../x')).toThrow('Expected a Tesseract language code');
  });
});
