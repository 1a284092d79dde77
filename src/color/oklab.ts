import type { Triplet } from './srgb.ts';

/**
 * OKLab (Björn Ottosson, 2020): a perceptual space where Euclidean distance tracks visible
 * difference well and hue stays put when lightness or chroma change. Clustering and the
 * statistics-transfer grade work here. L is 0..1; a and b are roughly -0.4..0.4.
 *
 * The `...Into` forms write into a caller's array: the per-pixel loops call them a million
 * times per image and must not allocate.
 */

/** Linear-light sRGB (0..1 each) to OKLab, written to `out[offset..offset+2]`. */
export function linearRgbToOklabInto(
  red: number,
  green: number,
  blue: number,
  out: Float64Array | number[],
  offset = 0,
): void {
  const l = Math.cbrt(0.4122214708 * red + 0.5363325363 * green + 0.0514459929 * blue);
  const m = Math.cbrt(0.2119034982 * red + 0.6806995451 * green + 0.1073969566 * blue);
  const s = Math.cbrt(0.0883024619 * red + 0.2817188376 * green + 0.6299787005 * blue);
  out[offset] = 0.2104542553 * l + 0.793617785 * m - 0.0040720468 * s;
  out[offset + 1] = 1.9779984951 * l - 2.428592205 * m + 0.4505937099 * s;
  out[offset + 2] = 0.0259040371 * l + 0.7827717662 * m - 0.808675766 * s;
}

/** OKLab to linear-light sRGB, written to `out[offset..offset+2]`; may fall outside 0..1. */
export function oklabToLinearRgbInto(
  lightness: number,
  a: number,
  b: number,
  out: Float64Array | number[],
  offset = 0,
): void {
  const l = lightness + 0.3963377774 * a + 0.2158037573 * b;
  const m = lightness - 0.1055613458 * a - 0.0638541728 * b;
  const s = lightness - 0.0894841775 * a - 1.291485548 * b;
  const l3 = l * l * l;
  const m3 = m * m * m;
  const s3 = s * s * s;
  out[offset] = 4.0767416621 * l3 - 3.3077115913 * m3 + 0.2309699292 * s3;
  out[offset + 1] = -1.2684380046 * l3 + 2.6097574011 * m3 - 0.3413193965 * s3;
  out[offset + 2] = -0.0041960863 * l3 - 0.7034186147 * m3 + 1.707614701 * s3;
}

/** Linear-light sRGB (0..1 each) to OKLab. */
export function linearRgbToOklab(red: number, green: number, blue: number): Triplet {
  const out: Triplet = [0, 0, 0];
  linearRgbToOklabInto(red, green, blue, out);
  return out;
}

/** OKLab to linear-light sRGB; the result may fall outside 0..1 for colours outside sRGB. */
export function oklabToLinearRgb(lightness: number, a: number, b: number): Triplet {
  const out: Triplet = [0, 0, 0];
  oklabToLinearRgbInto(lightness, a, b, out);
  return out;
}
