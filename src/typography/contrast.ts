/** An sRGB colour with 8-bit channels. */
export interface Rgb {
  readonly r: number;
  readonly g: number;
  readonly b: number;
}

/** `#RRGGBB` -> channels. */
export function parseHexColour(hex: string): Rgb {
  const match = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!match) throw new RangeError(`Expected a colour like "#1A2B3C" but received "${hex}"`);
  const value = Number.parseInt(match[1]!, 16);
  return { r: (value >> 16) & 255, g: (value >> 8) & 255, b: value & 255 };
}

export function hexColour(colour: Rgb): string {
  return `#${[colour.r, colour.g, colour.b].map((channel) => channel.toString(16).padStart(2, '0')).join('')}`.toUpperCase();
}

// sRGB channel -> linear light, precomputed for the 256 channel values.
const linear = Array.from({ length: 256 }, (_, value) => {
  const channel = value / 255;
  return channel <= 0.04045 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
});

/** WCAG 2 relative luminance of an 8-bit sRGB colour, 0 (black) .. 1 (white). */
export function relativeLuminance(r: number, g: number, b: number): number {
  return 0.2126 * linear[r]! + 0.7152 * linear[g]! + 0.0722 * linear[b]!;
}

/** WCAG 2 contrast ratio between two relative luminances, 1..21. */
export function contrastRatio(luminanceA: number, luminanceB: number): number {
  const lighter = Math.max(luminanceA, luminanceB);
  const darker = Math.min(luminanceA, luminanceB);
  return (lighter + 0.05) / (darker + 0.05);
}

/** The WCAG AA threshold for normal text. */
export const minimumTextContrast = 4.5;

export interface TextContrast {
  /**
   * The contrast the text is guaranteed against 90% of its surroundings: the 10th percentile
   * of the per-pixel ratios (the worst tenth is where a reader loses letters).
   */
  readonly ratio: number;
  /** The median per-pixel ratio. */
  readonly median: number;
  /** Background pixels measured. */
  readonly samples: number;
}

/**
 * Measures text/background contrast over the text's own area: every background pixel within
 * `radius` px of a glyph (the ring where letter shapes meet what is behind them), compared
 * with the text colour. A pixel counts as glyph when the text layer's alpha is at least half;
 * anti-aliased edge pixels (any alpha) are neither glyph nor background.
 *
 * `image` is the composed result (RGB or RGBA, `channels` per pixel) over the same rectangle
 * as `glyphAlpha` (one byte per pixel).
 */
export function measureTextContrast(input: {
  readonly image: Uint8Array;
  readonly channels: number;
  readonly glyphAlpha: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly textColour: Rgb;
  readonly radius: number;
}): TextContrast {
  const { image, channels, glyphAlpha, width, height, radius } = input;
  const glyph = new Uint8Array(width * height);
  for (let index = 0; index < glyph.length; index++) glyph[index] = glyphAlpha[index]! >= 128 ? 1 : 0;
  const near = dilate(glyph, width, height, radius);
  const textLuminance = relativeLuminance(input.textColour.r, input.textColour.g, input.textColour.b);
  const ratios: number[] = [];
  for (let index = 0; index < glyph.length; index++) {
    if (!near[index] || glyphAlpha[index]! > 0) continue;
    const offset = index * channels;
    const luminance = relativeLuminance(image[offset]!, image[offset + 1]!, image[offset + 2]!);
    ratios.push(contrastRatio(textLuminance, luminance));
  }
  if (ratios.length === 0) return { ratio: 21, median: 21, samples: 0 };
  ratios.sort((a, b) => a - b);
  return {
    ratio: round(ratios[Math.floor((ratios.length - 1) * 0.1)]!),
    median: round(ratios[Math.floor((ratios.length - 1) * 0.5)]!),
    samples: ratios.length,
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Binary dilation with a (2r+1)-square, as two separable running-window passes. */
function dilate(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  const horizontal = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let count = 0;
    for (let x = 0; x < Math.min(radius, width); x++) count += mask[row + x]!;
    for (let x = 0; x < width; x++) {
      if (x + radius < width) count += mask[row + x + radius]!;
      if (x - radius - 1 >= 0) count -= mask[row + x - radius - 1]!;
      horizontal[row + x] = count > 0 ? 1 : 0;
    }
  }
  const result = new Uint8Array(mask.length);
  for (let x = 0; x < width; x++) {
    let count = 0;
    for (let y = 0; y < Math.min(radius, height); y++) count += horizontal[y * width + x]!;
    for (let y = 0; y < height; y++) {
      if (y + radius < height) count += horizontal[(y + radius) * width + x]!;
      if (y - radius - 1 >= 0) count -= horizontal[(y - radius - 1) * width + x]!;
      result[y * width + x] = count > 0 ? 1 : 0;
    }
  }
  return result;
}

/** Relative luminance in thousandths: 0..1000. */
const luminanceLevels = 1001;

/** Contrast of lettering measured inside the recogniser's word boxes. */
export interface GlyphContrast {
  /** The median of the words' ratios, 1..21. */
  readonly ratio: number;
  /** Each word's ratio, in the order of the boxes. */
  readonly words: readonly number[];
}

/**
 * WCAG contrast of lettering whose colours are not known (a composition's own headline), from
 * the word boxes a recogniser found: inside each box the pixels' luminances split in two at
 * Otsu's threshold, the smaller group is the ink (letters cover less of their box than the
 * ground does), and the ratio is between the two groups' median luminances. The median over
 * words keeps one box that caught a shape from deciding.
 *
 * `image` holds `channels` bytes per pixel (RGB or RGBA first), `width` pixels a row.
 *
 * @example measureGlyphContrast({ image, channels: 3, width: 1024, boxes: words.map((w) => w.box) }).ratio // 8.2
 */
export function measureGlyphContrast(input: {
  readonly image: Uint8Array;
  readonly channels: number;
  readonly width: number;
  readonly boxes: ReadonlyArray<{ x: number; y: number; width: number; height: number }>;
}): GlyphContrast {
  const { image, channels, width } = input;
  const height = Math.floor(image.length / channels / width);
  const words: number[] = [];
  // Luminance levels (0..1000) counted per box: Otsu's threshold and both groups' medians come
  // from the histogram, with no per-pixel list to sort.
  const histogram = new Float64Array(luminanceLevels);
  for (const box of input.boxes) {
    const left = Math.max(0, Math.floor(box.x));
    const top = Math.max(0, Math.floor(box.y));
    const right = Math.min(width, Math.ceil(box.x + box.width));
    const bottom = Math.min(height, Math.ceil(box.y + box.height));
    histogram.fill(0);
    let count = 0;
    for (let y = top; y < bottom; y++) {
      for (let x = left; x < right; x++) {
        const offset = (y * width + x) * channels;
        histogram[
          Math.round(relativeLuminance(image[offset]!, image[offset + 1]!, image[offset + 2]!) * 1000)
        ]!++;
        count++;
      }
    }
    if (count < 16) continue;
    const threshold = otsuThreshold(histogram, count);
    let dark = 0;
    for (let level = 0; level <= threshold; level++) dark += histogram[level]!;
    const light = count - dark;
    if (dark === 0 || light === 0) {
      words.push(1);
      continue;
    }
    // The middle element of each group in sorted order, as a level.
    const middle = (from: number, rank: number) => {
      let seen = 0;
      for (let level = from; level < luminanceLevels; level++) {
        seen += histogram[level]!;
        if (seen > rank) return level / 1000;
      }
      return 1;
    };
    words.push(
      round(contrastRatio(middle(0, Math.floor(dark / 2)), middle(threshold + 1, Math.floor(light / 2)))),
    );
  }
  if (words.length === 0) return { ratio: 1, words };
  const sorted = [...words].sort((a, b) => a - b);
  return { ratio: sorted[Math.floor((sorted.length - 1) / 2)]!, words };
}

/** The level that best splits the `count` values counted in `histogram` into two groups (Otsu). */
function otsuThreshold(histogram: Float64Array, count: number): number {
  const bins = histogram.length;
  let total = 0;
  for (let level = 0; level < bins; level++) total += level * histogram[level]!;
  let below = 0;
  let belowSum = 0;
  let best = 0;
  let threshold = 0;
  for (let level = 0; level < bins; level++) {
    below += histogram[level]!;
    if (below === 0) continue;
    const above = count - below;
    if (above === 0) break;
    belowSum += level * histogram[level]!;
    const difference = belowSum / below - (total - belowSum) / above;
    const between = below * above * difference * difference;
    if (between > best) {
      best = between;
      threshold = level;
    }
  }
  return threshold;
}
