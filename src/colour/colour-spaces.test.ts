import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../util/seeded-random.ts';
import {
  deltaE2000,
  hexToCielab,
  hexToOklab,
  linearRgbToCielab,
  linearRgbToOklab,
  oklabToLinearRgb,
} from './colour-spaces.ts';
import { srgb8ToLinear, type Triplet } from './srgb.ts';

const decode = (code: number) => srgb8ToLinear[code]!;

describe('OKLab', () => {
  it('matches the published values for white and the sRGB primaries', () => {
    // Reference values from Björn Ottosson's OKLab definition.
    const white = linearRgbToOklab(1, 1, 1);
    expect(white[0]).toBeCloseTo(1, 4);
    expect(Math.abs(white[1]) + Math.abs(white[2])).toBeLessThan(1e-4);
    const red = linearRgbToOklab(1, 0, 0);
    expect(red[0]).toBeCloseTo(0.62796, 4);
    expect(red[1]).toBeCloseTo(0.22486, 4);
    expect(red[2]).toBeCloseTo(0.12585, 4);
    const blue = linearRgbToOklab(0, 0, 1);
    expect(blue[0]).toBeCloseTo(0.45201, 4);
    expect(blue[2]).toBeCloseTo(-0.31153, 4);
  });

  it('inverts', () => {
    const random = new SeededRandom(3);
    for (let index = 0; index < 1000; index++) {
      const colour: [number, number, number] = [random.next(), random.next(), random.next()];
      const back = oklabToLinearRgb(...linearRgbToOklab(...colour));
      for (let channel = 0; channel < 3; channel++) expect(back[channel]).toBeCloseTo(colour[channel]!, 6);
    }
  });
});

describe('CIELAB', () => {
  it('puts sRGB white at L 100 and sRGB red where colour references do', () => {
    const white = linearRgbToCielab(1, 1, 1);
    expect(white[0]).toBeCloseTo(100, 2);
    expect(Math.abs(white[1]) + Math.abs(white[2])).toBeLessThan(0.01);
    const red = linearRgbToCielab(1, 0, 0);
    expect(red[0]).toBeCloseTo(53.24, 1);
    expect(red[1]).toBeCloseTo(80.09, 1);
    expect(red[2]).toBeCloseTo(67.2, 1);
    expect(linearRgbToCielab(0, 0, 0)).toEqual([0, 0, 0]);
  });

  it('reads hex colours through the sRGB curve, and greys have no chroma', () => {
    const red = hexToCielab('#FF0000');
    expect(red[0]).toBeCloseTo(53.24, 1);
    expect(red[1]).toBeCloseTo(80.09, 1);
    expect(red[2]).toBeCloseTo(67.2, 1);
    expect(hexToCielab('#2E4057')).toEqual(linearRgbToCielab(...([46, 64, 87].map(decode) as Triplet)));
    expect(hexToCielab('#808080').slice(1)).toEqual([0, 0]);
    expect(hexToOklab('#808080').slice(1)).toEqual([0, 0]);
    expect(hexToOklab('#FFFFFF')[0]).toBeCloseTo(1, 6);
  });
});

/**
 * Pairs from Sharma, Wu & Dalal (2005), Table 1: the published test data every CIEDE2000
 * implementation is checked against, including the hue-angle edge cases (pairs 7-10).
 */
const sharmaPairs: Array<[Triplet, Triplet, number]> = [
  [[50, 2.6772, -79.7751], [50, 0, -82.7485], 2.0425],
  [[50, 3.1571, -77.2803], [50, 0, -82.7485], 2.8615],
  [[50, 2.8361, -74.02], [50, 0, -82.7485], 3.4412],
  [[50, -1.3802, -84.2814], [50, 0, -82.7485], 1.0],
  [[50, 0, 0], [50, -1, 2], 2.3669],
  [[50, 2.49, -0.001], [50, -2.49, 0.0009], 7.1792],
  [[50, 2.49, -0.001], [50, -2.49, 0.0011], 7.2195],
  [[50, -0.001, 2.49], [50, 0.0009, -2.49], 4.8045],
  [[50, 2.5, 0], [50, 0, -2.5], 4.3065],
  [[50, 2.5, 0], [73, 25, -18], 27.1492],
  [[50, 2.5, 0], [61, -5, 29], 22.8977],
  [[50, 2.5, 0], [56, -27, -3], 31.903],
  [[50, 2.5, 0], [58, 24, 15], 19.4535],
  [[60.2574, -34.0099, 36.2677], [60.4626, -34.1751, 39.4387], 1.2644],
];

describe('deltaE2000', () => {
  it.each(sharmaPairs)('matches Sharma et al. for %j vs %j', (first, second, expected) => {
    expect(deltaE2000(first, second)).toBeCloseTo(expected, 4);
  });

  it('is symmetric and zero for equal colours', () => {
    for (const [first, second] of sharmaPairs) {
      expect(deltaE2000(second, first)).toBeCloseTo(deltaE2000(first, second), 10);
    }
    expect(deltaE2000([41, 12, -30], [41, 12, -30])).toBe(0);
  });
});
