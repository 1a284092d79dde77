import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ScriptedOcrModel } from '../../test/doubles/scripted-ocr-model.ts';
import { matchWords } from './match-words.ts';
import { copyRegion, readCopy } from './read-copy.ts';

const image = await sharp({ create: { width: 400, height: 120, channels: 3, background: '#F4E9DA' } })
  .png()
  .toBuffer();
const headline = [{ role: 'headline' as const, copy: 'Free shipping' }];
const options = { layout: 'block' as const, polarity: 'dark-on-light' as const, minScore: 0.9 };

describe('readCopy combining readings', () => {
  it('takes a misreading two dictionary-free readings agree on as drawn, and stops there', async () => {
    // With the dictionary the typo would read as the copy: it never gets the chance to outvote.
    const ocr = new ScriptedOcrModel((_, call) => (call.dictionary ? 'Free shipping' : 'Frree shipping'));
    const reading = await readCopy(ocr, image, headline, options);
    expect(reading.passed).toBe(false);
    expect(reading.attempts).toBe(2);
    expect(reading.matches[0]!.words[0]).toMatchObject({ word: 'free', passed: false, readAs: ['frree'] });
  });

  it('passes a word one dictionary-free reading slipped on when another reads it exactly', async () => {
    const ocr = new ScriptedOcrModel((call) => (call === 0 ? 'Frree shipping' : 'Free shipping'));
    const reading = await readCopy(ocr, image, headline, options);
    expect(reading.passed).toBe(true);
    expect(reading.attempts).toBe(2);
  });

  it('passes a legible headline read exactly after a second look at its look-alike letters', async () => {
    const ocr = new ScriptedOcrModel(() => 'Free shipping');
    const reading = await readCopy(ocr, image, headline, options);
    expect(reading.passed).toBe(true);
    // Without glyph boxes, "shipping" (an "s" only size tells from "5") needs two readings.
    expect(reading.attempts).toBe(2);
  });
});

// Light copy on a dark scrim over a light ground: the scripted reader puts its words at
// x 20-340, y 40-80, inside the panel.
const scrim = await sharp({ create: { width: 400, height: 160, channels: 3, background: '#F0F0F0' } })
  .composite([
    {
      input: Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="160"><rect x="0" y="10" width="380" height="110" fill="#202020"/><rect x="30" y="45" width="60" height="30" fill="#F0F0F0"/><rect x="150" y="45" width="60" height="30" fill="#F0F0F0"/></svg>',
      ),
    },
  ])
  .png()
  .toBuffer();

describe('readCopy with a word alike a copy word beside the copy', () => {
  const hello = [{ role: 'headline' as const, copy: 'Hello sunshine' }];

  it('takes it as a doubled word when two readings show it', async () => {
    // "Hello Hello sunshine" with the first "H" lost in each reading.
    const ocr = new ScriptedOcrModel((call) => (call === 0 ? 'ello Hello sunshine' : 'iello Hello sunshine'));
    const reading = await readCopy(ocr, image, hello, options);
    expect(reading.passed).toBe(false);
    expect(reading.matches[0]!.extra).toEqual(['hello']);
  });

  it('passes when a second reading shows nothing beside the copy (one word read in two pieces)', async () => {
    const ocr = new ScriptedOcrModel((call) => (call === 0 ? 'ello Hello sunshine' : 'Hello sunshine'));
    const reading = await readCopy(ocr, image, hello, options);
    expect(reading.passed).toBe(true);
    expect(reading.attempts).toBe(2);
  });
});

describe('readCopy cropping', () => {
  const auto = { layout: 'auto' as const, minScore: 0.9 };

  it("reads the crop the way round the copy's own lines are drawn, not as the whole image guessed", async () => {
    const ocr = new ScriptedOcrModel((call) => (call === 0 ? 'Frree shipping' : 'Free shipping'));
    await readCopy(ocr, scrim, headline, auto);
    expect(ocr.calls[1]!.region).toBeDefined();
    expect(ocr.calls[1]!.polarity).toBe('light-on-dark');
  });

  it('turns the crop the other way round when a crop reading finds none of the copy', async () => {
    const ocr = new ScriptedOcrModel((call, options) =>
      call === 0 ? 'Frree shipping' : options.polarity === 'light-on-dark' ? '' : 'Free shipping',
    );
    const reading = await readCopy(ocr, scrim, headline, auto);
    expect(ocr.calls[1]!.polarity).toBe('light-on-dark');
    expect(ocr.calls[2]!.polarity).toBe('dark-on-light');
    expect(reading.passed).toBe(true);
  });
});

describe('copyRegion', () => {
  const line = (text: string, box: { x: number; y: number; width: number; height: number }) => ({
    text,
    box,
    words: [],
  });

  it('pads the lines the copy was read on', () => {
    const segments = [line('Small batch coffee', { x: 100, y: 400, width: 540, height: 60 })];
    const found = copyRegion(
      [matchWords('Small batch coffee', ['Small batch coffee'])],
      segments,
      1024,
      1024,
    );
    expect(found?.region).toEqual({ x: 64, y: 364, width: 612, height: 132 });
  });

  it('reaches a line further down, and on along this line, for words lost after the lines read', () => {
    // "coffee" was not read: it may go on after "batch" (about 7 letters of 30 px) or have
    // wrapped onto the next line, shorter than this one.
    const segments = [line('Small batch', { x: 100, y: 400, width: 330, height: 60 })];
    const found = copyRegion([matchWords('Small batch coffee', ['Small batch'])], segments, 1024, 1024);
    expect(found?.region).toEqual({ x: 64, y: 364, width: 612, height: 222 });
  });

  it('reaches a line further up, and as wide as the lost words would be, for words lost before', () => {
    // "Small batch" was not read: the line above may overhang "coffee" either side.
    const segments = [line('coffee', { x: 600, y: 500, width: 180, height: 60 })];
    const found = copyRegion([matchWords('Small batch coffee', ['coffee'])], segments, 1024, 1024);
    // About 12 letters of 30 px: from 360 px before "coffee" to as far right as such a line reaches.
    const region = found!.region;
    expect(region).toMatchObject({ x: 600 - 360 - 36, y: 500 - 36 - 90 });
    expect(region.x + region.width).toBe(600 + 360 + 36);
    expect(region.y + region.height).toBe(560 + 36);
  });
});
