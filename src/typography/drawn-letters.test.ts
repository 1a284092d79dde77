import { describe, expect, it } from 'vitest';
import type { OcrWord } from '../models/ocr-model.ts';
import { drawnLetters, hasLookAlikeLetter } from './drawn-letters.ts';
import { lineHeights } from './glyph-heights.ts';

/** A word read as `text`, each glyph 20 px wide with the height given (x-height 30 unless listed). */
function word(text: string, heights: Record<number, number> = {}): OcrWord {
  const letters = Array.from(text);
  return {
    text,
    confidence: 0.9,
    box: { x: 0, y: 0, width: letters.length * 20, height: 42 },
    symbols: letters.map((letter, index) => ({
      text: letter,
      confidence: 0.9,
      box: { x: index * 20, y: 42 - (heights[index] ?? 30), width: 18, height: heights[index] ?? 30 },
    })),
  };
}

describe('lineHeights', () => {
  it('measures x-height and cap height from the glyphs read', () => {
    expect(lineHeights([word('Tomorrow', { 0: 42 }), word('hotel', { 0: 42, 3: 40, 4: 42 })])).toEqual({
      xHeight: 30,
      capHeight: 42,
    });
  });

  it('trusts no heights when the x-height glyphs disagree (noise read into the letters)', () => {
    expect(lineHeights([word('amen', { 1: 80, 2: 90 })])).toBeUndefined();
    expect(lineHeights([word('on')])).toBeUndefined();
  });
});

describe('drawnLetters', () => {
  const heights = lineHeights([word('Tomorrow', { 0: 42 })])!;

  it('shows a lowercase letter drawn at cap height (a "0" read as "o")', () => {
    expect(
      drawnLetters('tonight', word('tonight', { 0: 40, 1: 41, 3: 42, 5: 42, 6: 40 }), { heights }),
    ).toEqual({
      form: 'tOnight',
      measured: true,
    });
    expect(drawnLetters('tonight', word('tonight', { 0: 40, 3: 42, 5: 42, 6: 40 }), { heights })).toEqual({
      measured: true,
    });
  });

  it('claims nothing when the glyphs do not line up with the copy word', () => {
    expect(drawnLetters('tonight', word('tonigt'), { heights })).toEqual({ measured: false });
  });

  it('knows which words have look-alike letters', () => {
    expect(hasLookAlikeLetter('holiday')).toBe(true);
    expect(hasLookAlikeLetter('canción')).toBe(true);
    expect(hasLookAlikeLetter('sunny')).toBe(true);
    expect(hasLookAlikeLetter('edit')).toBe(false);
  });
});
