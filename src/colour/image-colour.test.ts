import { describe, expect, it } from 'vitest';
import { deltaE2000, hexToCielab } from './colour-spaces.ts';
import { measureImageColour, paletteDifference, paletteDistance } from './image-colour.ts';
import type { RawImage } from './raw-image.ts';
import { parseHexColour } from './srgb.ts';

const brand = ['#F4E9DA', '#E8A0BF', '#7FB77E', '#2E4057'];

function halves(left: string, right: string): RawImage {
  const width = 64;
  const height = 32;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++)
      data.set(parseHexColour(x < width / 2 ? left : right), (y * width + x) * 3);
  }
  return { data, width, height, channels: 3 };
}

describe('measureImageColour', () => {
  it('puts an image painted in brand colours at ΔE 0 from the brand', () => {
    const colour = measureImageColour(halves('#E8A0BF', '#2E4057'), brand);
    expect(colour.brandDeltaE).toBe(0);
    expect(colour.palette.map((entry) => entry.hex).sort()).toEqual(['#2E4057', '#E8A0BF']);
    expect(colour.palette.map((entry) => entry.weight)).toEqual([0.5, 0.5]);
  });

  it('measures an off-brand image by the distance of its colours to the nearest brand colour', () => {
    const colour = measureImageColour(halves('#E8A0BF', '#00FF00'), brand);
    const greenToBrand = Math.min(
      ...brand.map((hex) => deltaE2000(hexToCielab('#00FF00'), hexToCielab(hex))),
    );
    // Half the image is on brand (0) and half is pure green.
    expect(colour.brandDeltaE).toBeCloseTo(greenToBrand / 2, 1);
    expect(colour.brandDeltaE).toBeGreaterThan(10);
  });

  it('reports the mean colour', () => {
    const colour = measureImageColour(halves('#7FB77E', '#7FB77E'), brand);
    expect(colour.mean.hex).toBe('#7FB77E');
  });
});

describe('palette distances', () => {
  it('are weighted by pixel share and asymmetric by design', () => {
    const navy = hexToCielab('#2E4057');
    const pink = hexToCielab('#E8A0BF');
    const from = [
      { lab: navy, weight: 0.75 },
      { lab: pink, weight: 0.25 },
    ];
    expect(paletteDistance(from, [navy])).toBeCloseTo(0.25 * deltaE2000(pink, navy), 10);
    // Every colour of [navy] is in `from`: the other direction is 0.
    expect(
      paletteDistance(
        [{ lab: navy }],
        from.map((entry) => entry.lab),
      ),
    ).toBe(0);
    expect(paletteDifference(from, [{ lab: navy }])).toBeCloseTo((0.25 * deltaE2000(pink, navy)) / 2, 10);
  });
});
