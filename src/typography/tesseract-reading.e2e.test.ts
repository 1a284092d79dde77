import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDraft } from '../models/builtin/draft/draft-image-model.ts';
import { TesseractOcrModel } from '../models/builtin/tesseract/tesseract-ocr-model.ts';
import { copyLayoutSchema } from './copy-layout.ts';
import { copyStyleSchema, overlayCopy } from './overlay-copy.ts';
import { scoreCopy } from './score-copy.ts';
import { garble } from './testing/lettering-image-model.ts';

const palette = ['#F4E9DA', '#E8A0BF', '#7FB77E', '#2E4057', '#F6C85F'];

/** A 1024x1024 draft composition with `text` lettered on it: the kind of image `check` reads. */
async function letteredComposition(
  text: string,
  options: { seed?: number; layout?: Record<string, unknown>; style?: Record<string, unknown> } = {},
): Promise<Uint8Array> {
  const image = await renderDraft({
    prompt: 'spring tulips in soft morning light, product hero on a pale podium',
    seed: options.seed ?? 1,
    width: 1024,
    height: 1024,
    palette,
  });
  const result = await overlayCopy({
    image,
    copy: { headline: text },
    fonts: {},
    layout: copyLayoutSchema.parse(options.layout ?? {}),
    style: copyStyleSchema.parse(options.style ?? {}),
  });
  return sharp(result.pixels, {
    raw: { width: result.width, height: result.height, channels: result.channels },
  })
    .png()
    .toBuffer();
}

// Tesseract workers take a while to start: one model (one pool) serves every test in this file.
let ocr: TesseractOcrModel;
beforeAll(() => {
  ocr = new TesseractOcrModel({ poolSize: 2 });
});
afterAll(async () => {
  await ocr.dispose();
});

async function read(image: Uint8Array) {
  const result = await ocr.doRecognize({ image, layout: 'auto' });
  return { result, lines: result.lines.map((line) => line.text) };
}

describe('builtin:tesseract reading headlines at composition resolution', () => {
  it('passes a clearly legible headline with a score of at least 0.95', async () => {
    const { result, lines } = await read(await letteredComposition('Spring into colour'));
    expect(scoreCopy('Spring into colour', lines).score).toBeGreaterThanOrEqual(0.95);
    expect(result.confidence).toBeGreaterThan(0.5);
    expect(result.confidence).toBeLessThanOrEqual(1);
  });

  it('fails the same headline lettered with swapped and missing letters', async () => {
    const garbled = garble('Spring into colour');
    expect(garbled).not.toBe('Spring into colour');
    const { lines } = await read(await letteredComposition(garbled));
    // What was lettered is read faithfully; it is the copy that does not match.
    expect(scoreCopy(garbled, lines).score).toBeGreaterThanOrEqual(0.95);
    expect(scoreCopy('Spring into colour', lines).score).toBeLessThan(0.9);
  });

  it('reads a headline wrapped over several lines', async () => {
    const headline = 'New season, new shelf: everything you love about spring, in one place';
    const { lines } = await read(await letteredComposition(headline, { layout: { position: 'top' } }));
    const match = scoreCopy(headline, lines);
    expect(match.score).toBeGreaterThanOrEqual(0.95);
    expect(match.lines![1] - match.lines![0]).toBeGreaterThanOrEqual(1);
  });

  it('reads non-ASCII copy (accents, ß, curly quotes, em dash) with accents folded', async () => {
    const headline = 'Crème brûlée für Straße — “jetzt”';
    const { lines } = await read(await letteredComposition(headline, { layout: { position: 'centre' } }));
    expect(scoreCopy(headline, lines).score).toBeGreaterThanOrEqual(0.9);
  });

  it('reads light text on a dark ground', async () => {
    const dark = await sharp({ create: { width: 1024, height: 1024, channels: 3, background: '#1E2A3A' } })
      .png()
      .toBuffer();
    const lettered = await overlayCopy({
      image: dark,
      copy: { headline: 'After dark' },
      fonts: {},
      layout: copyLayoutSchema.parse({ position: 'centre', align: 'centre' }),
      style: copyStyleSchema.parse({ color: '#F4E9DA' }),
    });
    const image = await sharp(lettered.pixels, { raw: { width: 1024, height: 1024, channels: 3 } })
      .png()
      .toBuffer();
    const { lines } = await read(image);
    expect(scoreCopy('After dark', lines).score).toBeGreaterThanOrEqual(0.95);
  });

  it('gives word boxes where the words are', async () => {
    const image = await letteredComposition('Take it outside', {
      layout: { position: 'top', align: 'left' },
    });
    const { result } = await read(image);
    const words = result.lines.flatMap((line) => line.words);
    const take = words.find((word) => word.text === 'Take');
    expect(take).toBeDefined();
    // Top-left safe area: 6% margin of 1024 px.
    expect(take!.box.x).toBeGreaterThanOrEqual(55);
    expect(take!.box.x).toBeLessThan(120);
    expect(take!.box.y).toBeLessThan(200);
    expect(take!.box.width).toBeGreaterThan(50);
  });

  it('reuses one pool of workers for every image until disposed', async () => {
    const before = ocr.stats;
    const images = await Promise.all(
      ['Freshly picked', 'Light comes home', 'Bright by nature'].map((text) => letteredComposition(text)),
    );
    const results = await Promise.all([...images, ...images].map((image) => ocr.doRecognize({ image })));
    expect(results).toHaveLength(6);
    const after = ocr.stats;
    expect(after.poolsCreated).toBe(1);
    expect(after.workersCreated).toBeLessThanOrEqual(2);
    expect(after.jobs - before.jobs).toBe(6);
    expect(after.live).toBe(after.workersCreated);

    await ocr.dispose();
    expect(ocr.stats.live).toBe(0);
    // Used again (the next run), it sets up a new pool.
    await ocr.doRecognize({ image: images[0]! });
    expect(ocr.stats.poolsCreated).toBe(2);
  });
});
