import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { OcrWord } from '../models/ocr-model.ts';
import { drawnLetters, hasLookAlikeLetter } from './drawn-letters.ts';
import { lineHeights } from './glyph-heights.ts';
import type { GreyImage } from './glyph-shapes.ts';

/** Dark letter bodies (SVG markup) on a light 200x100 card, as grey pixels. */
async function draw(shapes: string): Promise<GreyImage> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><rect width="200" height="100" fill="#F0F0F0"/><g fill="#202020">${shapes}</g></svg>`;
  const { data, info } = await sharp(Buffer.from(svg))
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Stems standing on a baseline at y=80, 12 px wide and 28 apart (ink is the lesser part of a word), `heights` tall. */
const blocks = (heights: readonly number[]) =>
  heights
    .map((height, index) => `<rect x="${20 + index * 40}" y="${80 - height}" width="12" height="${height}"/>`)
    .join('');

/** The recogniser's word over the blocks (no glyph boxes of its own). */
const word = (text: string): OcrWord => ({
  text,
  confidence: 0.9,
  box: { x: 18, y: 36, width: 40 * Array.from(text).length, height: 46 },
});

describe('drawnLetters', () => {
  it('shows a lowercase letter drawn at cap height (a "0" read as "o")', async () => {
    // "moon" with its first "o" as tall as a capital.
    const zero = await draw(blocks([30, 42, 30, 30]));
    expect(drawnLetters('moon', word('moon'), { grey: zero })).toEqual({ form: 'mOon', measured: true });
    const plain = await draw(blocks([30, 30, 30, 30]));
    expect(drawnLetters('moon', word('moon'), { grey: plain })).toEqual({ measured: true });
  });

  it('measures a word with no lowercase of its own against its line\'s x-height ("0ff")', async () => {
    // "off": a first glyph 42 tall among two ascenders 44 tall; the line's lowercase is 30 tall.
    const zero = await draw(blocks([42, 44, 44]));
    const plain = await draw(blocks([30, 44, 44]));
    const heights = { xHeight: 30, capHeight: 44 };
    expect(drawnLetters('off', word('off'), { grey: zero })).toEqual({ measured: false });
    expect(drawnLetters('off', word('off'), { grey: zero, heights })).toEqual({
      form: 'Off',
      measured: true,
    });
    expect(drawnLetters('off', word('off'), { grey: plain, heights })).toEqual({ measured: true });
  });

  it('shows an accent drawn in another shape than the copy has', async () => {
    // "só": two stems, an accent over the second.
    const acute = '<line x1="63" y1="46" x2="70" y2="38" stroke="#202020" stroke-width="3"/>';
    const diaeresis = '<circle cx="62" cy="44" r="2.5"/><circle cx="70" cy="44" r="2.5"/>';
    expect(drawnLetters('só', word('só'), { grey: await draw(blocks([30, 30]) + acute) })).toEqual({
      measured: true,
    });
    expect(drawnLetters('só', word('só'), { grey: await draw(blocks([30, 30]) + diaeresis) })).toEqual({
      form: 'sö',
      measured: true,
    });
  });

  it('shows a "B" drawn for a "ß": its foot closes onto the stem', async () => {
    // "sß": a stem 30 tall, then a bold "B" or "ß" 44 tall standing on the baseline (y 80).
    const b =
      '<rect x="60" y="36" width="7" height="44"/><path d="M63 39 H74 Q82 39 82 48 Q82 56 74 56 H63" fill="none" stroke="#202020" stroke-width="7"/><path d="M63 58 H75 Q84 58 84 67 Q84 77 75 77 H63" fill="none" stroke="#202020" stroke-width="7"/>';
    const sharpS =
      '<rect x="60" y="42" width="7" height="38"/><path d="M63 44 Q63 38 73 38 Q82 38 82 47 Q82 55 73 57 Q85 60 85 68 Q85 78 73 78" fill="none" stroke="#202020" stroke-width="6"/>';
    expect(drawnLetters('sß', word('sß'), { grey: await draw(blocks([30]) + b) })).toEqual({
      form: 'sB',
      measured: true,
    });
    expect(drawnLetters('sß', word('sß'), { grey: await draw(blocks([30]) + sharpS) })).toEqual({
      measured: true,
    });
  });

  it('shows an "i" missing when neither its body nor its dot is drawn', async () => {
    // "swim" read off "swm" (three bodies, no dot) and off "swim" (four bodies, one dotted).
    const withoutI = blocks([30, 30, 30]);
    const withI = `${blocks([30, 30, 30, 30])}<circle cx="106" cy="42" r="4"/>`;
    expect(drawnLetters('swim', word('swim'), { grey: await draw(withoutI) })).toEqual({
      form: 'swm',
      measured: true,
    });
    expect(drawnLetters('swim', word('swim'), { grey: await draw(withI) }).form).toBeUndefined();
    // "fi" may be one ligature that takes the dot into the "f": no claim.
    expect(drawnLetters('fix', word('fix'), { grey: await draw(blocks([44, 30])) }).form).toBeUndefined();
  });

  it('claims nothing when the glyphs do not line up with the copy word', async () => {
    expect(drawnLetters('moons', word('moons'), { grey: await draw(blocks([30, 42, 30, 30])) })).toEqual({
      measured: false,
    });
  });

  it('knows which words have look-alike letters', () => {
    expect(hasLookAlikeLetter('holiday')).toBe(true);
    expect(hasLookAlikeLetter('canción')).toBe(true);
    expect(hasLookAlikeLetter('sunny')).toBe(true);
    expect(hasLookAlikeLetter('fuß')).toBe(true);
    expect(hasLookAlikeLetter('edit')).toBe(false);
  });
});

/** A word read as `text`, each glyph 20 px wide with the height given (x-height 30 unless listed). */
function symbols(text: string, heights: Record<number, number> = {}): OcrWord {
  const letters = Array.from(text);
  return {
    ...word(text),
    symbols: letters.map((letter, index) => ({
      text: letter,
      confidence: 0.9,
      box: { x: index * 20, y: 42 - (heights[index] ?? 30), width: 18, height: heights[index] ?? 30 },
    })),
  };
}

describe('lineHeights', () => {
  it('measures x-height and cap height from the glyphs read', () => {
    expect(lineHeights([symbols('Tomorrow', { 0: 42 }), symbols('hotel', { 0: 42, 3: 40, 4: 42 })])).toEqual({
      xHeight: 30,
      capHeight: 42,
    });
  });

  it('trusts no heights when the x-height glyphs disagree (noise read into the letters)', () => {
    expect(lineHeights([symbols('amen', { 1: 80, 2: 90 })])).toBeUndefined();
    expect(lineHeights([symbols('on')])).toBeUndefined();
  });
});
