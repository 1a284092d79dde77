import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../util/seeded-random.ts';
import { dominantPalette } from './dominant-palette.ts';
import type { RawImage } from './raw-image.ts';
import { parseHexColour } from './srgb.ts';

/** An image split into bands of flat colours, each covering the given share of pixels, plus noise. */
function bands(
  colours: Array<[string, number]>,
  options: { noise?: number; alpha?: boolean } = {},
): RawImage {
  const width = 100;
  const height = 100;
  const channels = options.alpha ? 4 : 3;
  const data = new Uint8Array(width * height * channels);
  const random = new SeededRandom(11);
  let pixel = 0;
  for (const [hex, share] of colours) {
    const rgb = parseHexColour(hex);
    for (let count = 0; count < Math.round(share * width * height); count++, pixel++) {
      for (let channel = 0; channel < 3; channel++) {
        const jitter = options.noise ? random.integer(-options.noise, options.noise) : 0;
        data[pixel * channels + channel] = Math.min(255, Math.max(0, rgb[channel]! + jitter));
      }
      if (channels === 4) data[pixel * channels + 3] = 255;
    }
  }
  return { data, width, height, channels };
}

describe('dominantPalette', () => {
  it('finds flat colours and their shares, largest first', () => {
    const palette = dominantPalette(
      bands([
        ['#2E4057', 0.2],
        ['#F4E9DA', 0.5],
        ['#E8A0BF', 0.3],
      ]),
      {
        colours: 3,
      },
    );
    expect(palette.map((colour) => colour.hex)).toEqual(['#F4E9DA', '#E8A0BF', '#2E4057']);
    expect(palette.map((colour) => colour.weight)).toEqual([0.5, 0.3, 0.2]);
  });

  it('recovers colours under grain to within a couple of codes', () => {
    const palette = dominantPalette(
      bands(
        [
          ['#7FB77E', 0.6],
          ['#2E4057', 0.4],
        ],
        { noise: 6 },
      ),
      { colours: 2 },
    );
    expect(palette).toHaveLength(2);
    const [green, navy] = palette;
    const close = (hex: string, expected: string) =>
      parseHexColour(hex).every(
        (value, channel) => Math.abs(value - parseHexColour(expected)[channel]!) <= 3,
      );
    expect(close(green!.hex, '#7FB77E')).toBe(true);
    expect(close(navy!.hex, '#2E4057')).toBe(true);
    expect(green!.weight).toBeCloseTo(0.6, 2);
  });

  it('returns fewer colours than asked when the image has fewer', () => {
    expect(dominantPalette(bands([['#F6C85F', 1]]), { colours: 5 })).toHaveLength(1);
  });

  it('is deterministic for the same seed and skips transparent pixels', () => {
    const image = bands(
      [
        ['#7FB77E', 0.3],
        ['#2E4057', 0.3],
        ['#E8A0BF', 0.4],
      ],
      { noise: 20, alpha: true },
    );
    const first = dominantPalette(image, { colours: 4, seed: 9 });
    expect(dominantPalette(image, { colours: 4, seed: 9 })).toEqual(first);
    const hidden = { ...image, data: Uint8Array.from(image.data) };
    // Make the pink band transparent: it must vanish from the palette.
    for (let pixel = 6000; pixel < 10_000; pixel++) hidden.data[pixel * 4 + 3] = 0;
    const visible = dominantPalette(hidden, { colours: 2 });
    expect(visible.some((colour) => parseHexColour(colour.hex)[0] > 200)).toBe(false);
    expect(visible.reduce((sum, colour) => sum + colour.weight, 0)).toBeCloseTo(1, 10);
  });
});
