// culori's single-file build (its `require` entry): one file to load instead of ~150 modules.
import culori from 'culori/require';
import { SeededRandom } from '../util/seeded-random.ts';
import { linearRgbToCielab, linearRgbToOklab, oklabToLinearRgb } from './colour-spaces.ts';
import type { RawImage } from './raw-image.ts';
import { formatHexColour, linearToSrgb8, type Triplet } from './srgb.ts';

const { convertRgbToLrgb } = culori;

/** One colour of an image's dominant palette. */
export interface PaletteColour {
  readonly oklab: Triplet;
  /** CIELAB (D65), for ΔE. */
  readonly lab: Triplet;
  readonly hex: string;
  /** Share of the image's (opaque) pixels in this cluster, 0..1. */
  readonly weight: number;
}

export interface DominantPaletteOptions {
  /** Clusters to find (default 5). */
  readonly colours?: number;
  /** Seeds the k-means++ start, so the same image always gives the same palette (default 0). */
  readonly seed?: number;
  /** Lloyd iterations at most (default 32); it stops earlier once no point changes cluster. */
  readonly maxIterations?: number;
}

/**
 * The colours of an image, binned: each occupied bin of a 5-bit-per-channel sRGB grid holds
 * the mean colour of its pixels (in OKLab) and how many pixels fell in it. Clustering a few
 * thousand weighted bins instead of a million pixels is what keeps palette extraction fast
 * while still counting every pixel.
 */
export interface ColourHistogram {
  /** Occupied bins. */
  readonly size: number;
  /** OKLab of each bin's mean colour, interleaved (L, a, b). */
  readonly oklab: Float64Array;
  /** Pixels per bin. */
  readonly counts: Float64Array;
  /** Pixels counted (alpha 0 is skipped). */
  readonly total: number;
  /** Mean OKLab over all counted pixels. */
  readonly mean: Triplet;
}

export function colourHistogram(image: RawImage): ColourHistogram {
  const { data, channels } = image;
  const bins = 1 << 15;
  const counts = new Float64Array(bins);
  const sums = new Float64Array(bins * 3);
  for (let offset = 0; offset < data.length; offset += channels) {
    if (channels === 4 && data[offset + 3] === 0) continue;
    const red = data[offset]!;
    const green = data[offset + 1]!;
    const blue = data[offset + 2]!;
    const bin = ((red >> 3) << 10) | ((green >> 3) << 5) | (blue >> 3);
    counts[bin]!++;
    sums[bin * 3]! += red;
    sums[bin * 3 + 1]! += green;
    sums[bin * 3 + 2]! += blue;
  }
  let size = 0;
  for (let bin = 0; bin < bins; bin++) if (counts[bin]! > 0) size++;
  const oklab = new Float64Array(size * 3);
  const occupied = new Float64Array(size);
  const mean: Triplet = [0, 0, 0];
  let total = 0;
  let index = 0;
  for (let bin = 0; bin < bins; bin++) {
    const count = counts[bin]!;
    if (count === 0) continue;
    // Linear light of the bin's mean code (fractional, so decoded by culori rather than a table).
    const linear = convertRgbToLrgb({
      r: sums[bin * 3]! / count / 255,
      g: sums[bin * 3 + 1]! / count / 255,
      b: sums[bin * 3 + 2]! / count / 255,
    });
    const colour = linearRgbToOklab(linear.r, linear.g, linear.b);
    oklab.set(colour, index * 3);
    occupied[index] = count;
    for (let channel = 0; channel < 3; channel++) mean[channel]! += colour[channel]! * count;
    total += count;
    index++;
  }
  if (total > 0) for (let channel = 0; channel < 3; channel++) mean[channel]! /= total;
  return { size, oklab, counts: occupied, total, mean };
}

/**
 * The dominant colours of an image: seeded k-means++ in OKLab over its colour histogram,
 * weighted by pixel count. Deterministic: the same pixels and options give the same palette.
 * Sorted by weight, largest first.
 */
export function dominantPalette(
  source: RawImage | ColourHistogram,
  options: DominantPaletteOptions = {},
): PaletteColour[] {
  const histogram = 'data' in source ? colourHistogram(source) : source;
  const { size, oklab, counts, total } = histogram;
  const wanted = Math.min(options.colours ?? 5, size);
  if (wanted === 0) return [];
  const random = new SeededRandom(options.seed ?? 0);
  const centres = new Float64Array(wanted * 3);
  const nearest = new Float64Array(size).fill(Number.POSITIVE_INFINITY);
  let found = 0;
  // k-means++: the first centre by pixel count, each next one by count x squared distance.
  let pick = pickWeighted(counts, random.next() * total);
  while (found < wanted) {
    centres.set(oklab.subarray(pick * 3, pick * 3 + 3), found * 3);
    found++;
    let mass = 0;
    const weights = new Float64Array(size);
    for (let point = 0; point < size; point++) {
      const distance = squaredDistance(oklab, point, centres, found - 1);
      if (distance < nearest[point]!) nearest[point] = distance;
      weights[point] = counts[point]! * nearest[point]!;
      mass += weights[point]!;
    }
    if (found === wanted || mass === 0) break;
    pick = pickWeighted(weights, random.next() * mass);
  }

  const assignment = new Int32Array(size).fill(-1);
  const sums = new Float64Array(found * 3);
  const mass = new Float64Array(found);
  for (let iteration = 0; iteration < (options.maxIterations ?? 32); iteration++) {
    let changed = 0;
    for (let point = 0; point < size; point++) {
      let best = 0;
      let bestDistance = Number.POSITIVE_INFINITY;
      for (let centre = 0; centre < found; centre++) {
        const distance = squaredDistance(oklab, point, centres, centre);
        if (distance < bestDistance) {
          bestDistance = distance;
          best = centre;
        }
      }
      if (assignment[point] !== best) {
        assignment[point] = best;
        changed++;
      }
    }
    sums.fill(0);
    mass.fill(0);
    for (let point = 0; point < size; point++) {
      const centre = assignment[point]!;
      const count = counts[point]!;
      mass[centre]! += count;
      for (let channel = 0; channel < 3; channel++)
        sums[centre * 3 + channel]! += oklab[point * 3 + channel]! * count;
    }
    for (let centre = 0; centre < found; centre++) {
      // An emptied cluster keeps its centre; k-means++ makes that rare.
      if (mass[centre]! === 0) continue;
      for (let channel = 0; channel < 3; channel++) {
        centres[centre * 3 + channel] = sums[centre * 3 + channel]! / mass[centre]!;
      }
    }
    if (changed === 0) break;
  }

  const palette: PaletteColour[] = [];
  for (let centre = 0; centre < found; centre++) {
    if (mass[centre]! === 0) continue;
    const colour: Triplet = [centres[centre * 3]!, centres[centre * 3 + 1]!, centres[centre * 3 + 2]!];
    palette.push({ ...describeOklab(colour), weight: mass[centre]! / total });
  }
  return palette.sort((first, second) => second.weight - first.weight || second.oklab[0] - first.oklab[0]);
}

/** CIELAB and hex of an OKLab colour (clipped to sRGB for the hex). */
export function describeOklab(oklab: Triplet): { oklab: Triplet; lab: Triplet; hex: string } {
  const linear = oklabToLinearRgb(...oklab).map((channel) => Math.min(1, Math.max(0, channel))) as Triplet;
  return {
    oklab,
    lab: linearRgbToCielab(...linear),
    hex: formatHexColour(linear.map(linearToSrgb8) as Triplet),
  };
}

function pickWeighted(weights: Float64Array, target: number): number {
  let cumulative = 0;
  let last = 0;
  for (let index = 0; index < weights.length; index++) {
    if (weights[index]! <= 0) continue;
    cumulative += weights[index]!;
    last = index;
    if (target < cumulative) return index;
  }
  return last;
}

function squaredDistance(points: Float64Array, point: number, centres: Float64Array, centre: number): number {
  const dl = points[point * 3]! - centres[centre * 3]!;
  const da = points[point * 3 + 1]! - centres[centre * 3 + 1]!;
  const db = points[point * 3 + 2]! - centres[centre * 3 + 2]!;
  return dl * dl + da * da + db * db;
}
