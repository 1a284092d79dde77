// culori's single-file build (its `require` entry): one file to load instead of ~150 modules.
import culori from 'culori/require';
import { hexToOklab, oklabToLinearRgbInto } from '../../../colour/colour-spaces.ts';
import { dominantPalette } from '../../../colour/dominant-palette.ts';
import type { RawImage } from '../../../colour/raw-image.ts';
import { linearToSrgb8, srgb8ToLinear, type Triplet } from '../../../colour/srgb.ts';

const { convertLrgbToOklab } = culori;

export interface PaletteTransferOptions {
  /** 0 leaves the image as it is, 1 moves each dominant colour onto its brand colour. */
  readonly strength: number;
  /** Move colour only and keep the image's lightness. */
  readonly preserveLightness?: boolean;
  /** Dominant colours to find in the image (default 5). */
  readonly clusters?: number;
}

/**
 * How far (in OKLab units) a pixel's pull still follows a cluster: pixels between two dominant
 * colours blend both pulls, so the grade never draws a hard edge where a gradient was.
 */
const softness = 0.1;

/** OKLab of hex colours: the targets of a palette pull. */
export function paletteTargets(palette: readonly string[]): Triplet[] {
  return palette.map(hexToOklab);
}

/**
 * Pulls each dominant colour of an image toward its nearest target colour: per-cluster mean
 * transfer in OKLab. The image's dominant colours come from seeded k-means; every pixel moves
 * by a blend of its clusters' offsets (weighted by closeness), keeping its own variation around
 * the cluster. Unlike the global statistics transfer, this recolours: a red object becomes the
 * nearest brand colour. Deterministic to the bit; strength 0 returns the pixels unchanged.
 */
export function transferPalette(
  image: RawImage,
  targets: readonly Triplet[],
  options: PaletteTransferOptions,
): RawImage {
  if (!(options.strength >= 0 && options.strength <= 1)) {
    throw new RangeError(`Expected a strength between 0 and 1 but received ${options.strength}`);
  }
  if (targets.length === 0) throw new RangeError('Expected at least one target colour');
  if (options.strength === 0) return { ...image, data: Uint8Array.from(image.data) };
  const clusters = dominantPalette(image, { colours: options.clusters ?? 5 });
  const count = clusters.length;
  const centres = new Float64Array(count * 3);
  const shifts = new Float64Array(count * 3);
  clusters.forEach((cluster, index) => {
    let nearest = targets[0]!;
    let nearestDistance = Number.POSITIVE_INFINITY;
    for (const target of targets) {
      const distance =
        (target[0] - cluster.oklab[0]) ** 2 +
        (target[1] - cluster.oklab[1]) ** 2 +
        (target[2] - cluster.oklab[2]) ** 2;
      if (distance < nearestDistance) {
        nearestDistance = distance;
        nearest = target;
      }
    }
    for (let channel = 0; channel < 3; channel++) {
      centres[index * 3 + channel] = cluster.oklab[channel]!;
      const keep = channel === 0 && options.preserveLightness;
      shifts[index * 3 + channel] = keep
        ? 0
        : options.strength * (nearest[channel]! - cluster.oklab[channel]!);
    }
  });

  const { data, channels } = image;
  const output = new Uint8Array(data.length);
  const graded = new Float64Array(3);
  const distances = new Float64Array(count);
  const spread = 2 * softness * softness;
  for (let index = 0; index < data.length; index += channels) {
    const colour = convertLrgbToOklab({
      r: srgb8ToLinear[data[index]!]!,
      g: srgb8ToLinear[data[index + 1]!]!,
      b: srgb8ToLinear[data[index + 2]!]!,
    });
    let closest = Number.POSITIVE_INFINITY;
    for (let cluster = 0; cluster < count; cluster++) {
      const dl = colour.l - centres[cluster * 3]!;
      const da = colour.a - centres[cluster * 3 + 1]!;
      const db = colour.b - centres[cluster * 3 + 2]!;
      const distance = dl * dl + da * da + db * db;
      distances[cluster] = distance;
      if (distance < closest) closest = distance;
    }
    let total = 0;
    let shiftL = 0;
    let shiftA = 0;
    let shiftB = 0;
    for (let cluster = 0; cluster < count; cluster++) {
      // Relative to the closest cluster, so the nearest weight is exactly 1 and nothing underflows.
      const weight = Math.exp((closest - distances[cluster]!) / spread);
      total += weight;
      shiftL += weight * shifts[cluster * 3]!;
      shiftA += weight * shifts[cluster * 3 + 1]!;
      shiftB += weight * shifts[cluster * 3 + 2]!;
    }
    oklabToLinearRgbInto(
      colour.l + shiftL / total,
      colour.a + shiftA / total,
      colour.b + shiftB / total,
      graded,
    );
    output[index] = linearToSrgb8(graded[0]!);
    output[index + 1] = linearToSrgb8(graded[1]!);
    output[index + 2] = linearToSrgb8(graded[2]!);
    if (channels === 4) output[index + 3] = data[index + 3]!;
  }
  return { ...image, data: output };
}
