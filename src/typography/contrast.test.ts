import { describe, expect, it } from 'vitest';
import {
  contrastRatio,
  hexColour,
  measureGlyphContrast,
  measureTextContrast,
  minimumTextContrast,
  parseHexColour,
  relativeLuminance,
} from './contrast.ts';

const luminanceOf = (hex: string) => {
  const { r, g, b } = parseHexColour(hex);
  return relativeLuminance(r, g, b);
};

/** A width x height RGB image of one colour, and a glyph mask with a filled square in the middle. */
function fixture(background: string, width = 60, height = 40) {
  const { r, g, b } = parseHexColour(background);
  const image = new Uint8Array(width * height * 3);
  for (let index = 0; index < width * height; index++) image.set([r, g, b], index * 3);
  const glyphAlpha = new Uint8Array(width * height);
  for (let y = 15; y < 25; y++) for (let x = 20; x < 40; x++) glyphAlpha[y * width + x] = 255;
  return { image, glyphAlpha, width, height, channels: 3 };
}

describe('WCAG contrast', () => {
  it('gives 21:1 for black on white and 1:1 for a colour on itself', () => {
    expect(contrastRatio(luminanceOf('#000000'), luminanceOf('#FFFFFF'))).toBeCloseTo(21, 10);
    expect(contrastRatio(luminanceOf('#7FB77E'), luminanceOf('#7FB77E'))).toBe(1);
  });

  it('matches the WCAG reference luminance of mid grey', () => {
    // #777777 is the classic "just under AA on white" grey: 4.48:1.
    expect(contrastRatio(luminanceOf('#777777'), 1)).toBeCloseTo(4.48, 2);
  });

  it('flags #777 on #888 as far below the AA minimum', () => {
    const ratio = contrastRatio(luminanceOf('#777777'), luminanceOf('#888888'));
    expect(ratio).toBeLessThan(1.4);
    expect(ratio).toBeLessThan(minimumTextContrast);
  });

  it('parses and prints hex colours', () => {
    expect(parseHexColour('#1a2B3c')).toEqual({ r: 0x1a, g: 0x2b, b: 0x3c });
    expect(hexColour({ r: 17, g: 17, b: 17 })).toBe('#111111');
    expect(() => parseHexColour('red')).toThrow('Expected a colour like "#1A2B3C" but received "red"');
  });
});

describe('measureTextContrast', () => {
  it('measures the ring of background around the glyphs against the text colour', () => {
    const input = fixture('#888888');
    const contrast = measureTextContrast({ ...input, textColour: parseHexColour('#777777'), radius: 3 });
    expect(contrast.ratio).toBeCloseTo(contrastRatio(luminanceOf('#777777'), luminanceOf('#888888')), 2);
    // The ring around a 20x10 square, 3 px wide: (26 x 16) - (20 x 10).
    expect(contrast.samples).toBe(26 * 16 - 20 * 10);
  });

  it('passes dark text on a light background', () => {
    const input = fixture('#F4E9DA');
    const contrast = measureTextContrast({ ...input, textColour: parseHexColour('#111111'), radius: 3 });
    expect(contrast.ratio).toBeGreaterThanOrEqual(minimumTextContrast);
  });

  it('is decided by the worst tenth of the surroundings, not the average', () => {
    const input = fixture('#000000');
    // Paint a strip left of the glyph white (15% of the ring): white text is lost there.
    for (let y = 0; y < input.height; y++)
      for (let x = 0; x < 19; x++) input.image.set([255, 255, 255], (y * input.width + x) * 3);
    const contrast = measureTextContrast({ ...input, textColour: parseHexColour('#FFFFFF'), radius: 3 });
    expect(contrast.median).toBeGreaterThan(10);
    expect(contrast.ratio).toBe(1);
  });

  it('ignores pixels the glyphs partly cover', () => {
    const input = fixture('#FFFFFF');
    // An anti-aliased edge in the text colour must not count as background.
    for (let x = 18; x < 20; x++) {
      input.glyphAlpha[20 * input.width + x] = 60;
      input.image.set([0, 0, 0], (20 * input.width + x) * 3);
    }
    const contrast = measureTextContrast({ ...input, textColour: parseHexColour('#000000'), radius: 3 });
    expect(contrast.ratio).toBeCloseTo(21, 5);
  });
});

describe('measureGlyphContrast', () => {
  /** A grey `ground` box with a darker or lighter `ink` bar covering a quarter of it. */
  function box(ground: number, ink: number) {
    const width = 40;
    const height = 20;
    const image = new Uint8Array(width * height * 3).fill(ground);
    for (let y = 5; y < 15; y++)
      for (let x = 5; x < 25; x++) image.fill(ink, (y * width + x) * 3, (y * width + x) * 3 + 3);
    return { image, channels: 3, width, boxes: [{ x: 0, y: 0, width, height }] };
  }

  it('measures the ratio between the letters and their ground, either polarity', () => {
    const black = measureGlyphContrast(box(255, 0));
    expect(black.ratio).toBeCloseTo(21, 0);
    const white = measureGlyphContrast(box(0, 255));
    expect(white.ratio).toBeCloseTo(21, 0);
    const faint = measureGlyphContrast(box(0x88, 0x77));
    expect(faint.ratio).toBeCloseTo(
      contrastRatio(relativeLuminance(0x88, 0x88, 0x88), relativeLuminance(0x77, 0x77, 0x77)),
      1,
    );
    expect(faint.ratio).toBeLessThan(1.5);
  });

  it('is 1 for a box with no letters and for no boxes', () => {
    expect(measureGlyphContrast(box(120, 120)).ratio).toBe(1);
    expect(measureGlyphContrast({ ...box(255, 0), boxes: [] }).ratio).toBe(1);
  });
});
