// culori's single-file build (its `require` entry): one file to load instead of ~150 modules.
import culori from 'culori/require';
import { hexToOklab, oklabToLinearRgbInto } from '../../../colour/colour-spaces.ts';
import type { RawImage } from '../../../colour/raw-image.ts';
import { linearToSrgb8, srgb8ToLinear, type Triplet } from '../../../colour/srgb.ts';

const { convertLrgbToOklab } = culori;

/** Mean and standard deviation of each OKLab channel (L, a, b). */
export interface OklabStatistics {
  readonly mean: Triplet;
  readonly deviation: Triplet;
}

export interface TransferOptions {
  /** 0 leaves the image as it is, 1 matches the target's statistics fully. */
  readonly strength: number;
  /** Keep the image's lightness and move only its colour (a, b). */
  readonly preserveLightness?: boolean;
}

/**
 * Contrast and saturation are scaled by the ratio of deviations, clamped to this range: a
 * flat image matched to a varied palette would otherwise have its noise blown up, and a busy
 * image matched to a two-colour palette would be crushed.
 */
export const minimumScale = 0.5;
export const maximumScale = 2;

/** OKLab statistics over an image's pixels (fully transparent pixels are skipped). */
export function imageStatistics(image: RawImage): OklabStatistics {
  const { data, channels } = image;
  const sums = new Float64Array(3);
  const squares = new Float64Array(3);
  let count = 0;
  for (let offset = 0; offset < data.length; offset += channels) {
    if (channels === 4 && data[offset + 3] === 0) continue;
    const { l, a, b } = convertLrgbToOklab({
      r: srgb8ToLinear[data[offset]!]!,
      g: srgb8ToLinear[data[offset + 1]!]!,
      b: srgb8ToLinear[data[offset + 2]!]!,
    });
    sums[0]! += l;
    sums[1]! += a;
    sums[2]! += b;
    squares[0]! += l * l;
    squares[1]! += a * a;
    squares[2]! += b * b;
    count++;
  }
  return statisticsFrom(sums, squares, count);
}

/**
 * OKLab statistics of a palette, each colour counting `weights[i]` (equal by default): the
 * target when an image is pulled toward the brand palette.
 */
export function paletteStatistics(palette: readonly string[], weights?: readonly number[]): OklabStatistics {
  const sums = new Float64Array(3);
  const squares = new Float64Array(3);
  let total = 0;
  palette.forEach((hex, index) => {
    const weight = weights?.[index] ?? 1;
    const colour = hexToOklab(hex);
    for (let channel = 0; channel < 3; channel++) {
      sums[channel]! += colour[channel]! * weight;
      squares[channel]! += colour[channel]! * colour[channel]! * weight;
    }
    total += weight;
  });
  return statisticsFrom(sums, squares, total);
}

function statisticsFrom(sums: Float64Array, squares: Float64Array, count: number): OklabStatistics {
  const mean: Triplet = [0, 0, 0];
  const deviation: Triplet = [0, 0, 0];
  if (count > 0) {
    for (let channel = 0; channel < 3; channel++) {
      mean[channel] = sums[channel]! / count;
      deviation[channel] = Math.sqrt(Math.max(0, squares[channel]! / count - mean[channel]! ** 2));
    }
  }
  return { mean, deviation };
}

/**
 * The per-channel affine map `x -> scale * x + offset` in OKLab that moves `source` statistics
 * toward `target` by `strength` (Reinhard-style statistics transfer, blended with the identity).
 */
export function transferMap(
  source: OklabStatistics,
  target: OklabStatistics,
  options: TransferOptions,
): { scale: Triplet; offset: Triplet } {
  const scale: Triplet = [1, 1, 1];
  const offset: Triplet = [0, 0, 0];
  for (let channel = options.preserveLightness ? 1 : 0; channel < 3; channel++) {
    const ratio =
      source.deviation[channel]! > 1e-9
        ? Math.min(
            maximumScale,
            Math.max(minimumScale, target.deviation[channel]! / source.deviation[channel]!),
          )
        : 1;
    // Full transfer: x' = target.mean + (x - source.mean) * ratio; blended: x + strength * (x' - x).
    scale[channel] = 1 + options.strength * (ratio - 1);
    offset[channel] = options.strength * (target.mean[channel]! - source.mean[channel]! * ratio);
  }
  return { scale, offset };
}

/**
 * Grades an image toward target statistics in OKLab. Deterministic to the bit: plain float64
 * arithmetic in a fixed order and table-driven 8-bit conversions. Alpha is kept as it is.
 * At strength 0 the pixels come back unchanged.
 */
export function transferStatistics(
  image: RawImage,
  target: OklabStatistics,
  options: TransferOptions,
): RawImage {
  if (!(options.strength >= 0 && options.strength <= 1)) {
    throw new RangeError(`Expected a strength between 0 and 1 but received ${options.strength}`);
  }
  if (options.strength === 0) return { ...image, data: Uint8Array.from(image.data) };
  const { scale, offset } = transferMap(imageStatistics(image), target, options);
  const { data, channels } = image;
  const output = new Uint8Array(data.length);
  const graded = new Float64Array(3);
  const [scaleL, scaleA, scaleB] = scale;
  const [offsetL, offsetA, offsetB] = offset;
  for (let index = 0; index < data.length; index += channels) {
    const { l, a, b } = convertLrgbToOklab({
      r: srgb8ToLinear[data[index]!]!,
      g: srgb8ToLinear[data[index + 1]!]!,
      b: srgb8ToLinear[data[index + 2]!]!,
    });
    oklabToLinearRgbInto(l * scaleL + offsetL, a * scaleA + offsetA, b * scaleB + offsetB, graded);
    output[index] = linearToSrgb8(graded[0]!);
    output[index + 1] = linearToSrgb8(graded[1]!);
    output[index + 2] = linearToSrgb8(graded[2]!);
    if (channels === 4) output[index + 3] = data[index + 3]!;
  }
  return { ...image, data: output };
}
