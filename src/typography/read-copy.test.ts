import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ScriptedOcrModel } from '../../test/doubles/scripted-ocr-model.ts';
import { readCopy } from './read-copy.ts';

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
