import { convertLrgbToRgb, convertRgbToLrgb } from 'culori';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../util/seeded-random.ts';
import { formatHexColour, linearToSrgb8, parseHexColour, srgb8ToLinear } from './srgb.ts';

/** culori's sRGB curve, one channel at a time. */
const linearToSrgb = (linear: number) => convertLrgbToRgb({ r: linear, g: 0, b: 0 }).r;
const srgbToLinear = (encoded: number) => convertRgbToLrgb({ r: encoded, g: 0, b: 0 }).r;

describe('sRGB transfer functions', () => {
  it('round-trips every 8-bit code exactly through linear light', () => {
    for (let code = 0; code < 256; code++) expect(linearToSrgb8(srgb8ToLinear[code]!)).toBe(code);
  });

  it('rounds linear values to the nearest code in the encoded domain', () => {
    const random = new SeededRandom(7);
    for (let index = 0; index < 20_000; index++) {
      const linear = random.next() ** 3; // dense near black, where the curve is steep
      expect(linearToSrgb8(linear)).toBe(Math.round(linearToSrgb(linear) * 255));
    }
  });

  it('clips values outside 0..1', () => {
    expect([linearToSrgb8(-0.2), linearToSrgb8(Number.NaN), linearToSrgb8(1.4)]).toEqual([0, 0, 255]);
  });

  it('follows the sRGB curve (linear segment near black, 2.4 power above)', () => {
    expect(srgb8ToLinear[10]).toBeCloseTo(10 / 255 / 12.92, 12);
    expect(srgb8ToLinear[128]).toBeCloseTo(0.215861, 6);
    expect(srgb8ToLinear[255]).toBe(1);
    for (let code = 0; code < 256; code++) expect(srgb8ToLinear[code]).toBe(srgbToLinear(code / 255));
    expect(linearToSrgb(srgbToLinear(0.73))).toBeCloseTo(0.73, 12);
  });
});

describe('hex colours', () => {
  it('parses and formats #RRGGBB', () => {
    expect(parseHexColour('#7fb77e')).toEqual([127, 183, 126]);
    expect(formatHexColour([127, 183, 126])).toBe('#7FB77E');
    expect(formatHexColour([-4, 300, 15.6])).toBe('#00FF10');
  });

  it('says what it expected for a malformed colour', () => {
    expect(() => parseHexColour('#12345')).toThrow(
      'Expected a hex colour like "#1A2B3C" but received "#12345"',
    );
  });
});
