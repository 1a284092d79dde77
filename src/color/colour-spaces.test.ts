import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../util/seeded-random.ts';
import { linearRgbToCielab } from './cielab.ts';
import { linearRgbToOklab, oklabToLinearRgb } from './oklab.ts';

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
});
