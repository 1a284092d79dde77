import { type ImageColour, paletteDifference, round } from './image-colour.ts';

/** One image of a set, identified the way a run names it. */
export interface ColourSample {
  readonly shotId: string;
  readonly seedIndex: number;
  readonly seed: number;
  readonly colour: ImageColour;
}

export interface ColourReportOptions {
  /** Standard deviations beyond which an image is an outlier (default 2). */
  readonly sigma?: number;
  /**
   * The least excess (in ΔE) that counts as an outlier, however tight the rest of the set is:
   * in a consistent set, or a small one whose deviation is a rough estimate, a 2 ΔE wobble can
   * be "3 standard deviations" and still pass unnoticed (default 5: a palette difference seen
   * at a glance).
   */
  readonly minimumExcess?: number;
}

export interface ColourImageReport {
  readonly shotId: string;
  readonly seedIndex: number;
  readonly seed: number;
  /** Palette distance to the brand palette (see ImageColour.brandDeltaE). */
  readonly brandDeltaE: number;
  /** Mean symmetric palette distance to every other image of the set. */
  readonly setDeltaE: number;
  readonly palette: string[];
  /** Why the image is an outlier: `brand` (much further from the brand than the rest), `set` (unlike the rest). */
  readonly outlier: Array<'brand' | 'set'>;
}

/** Colour consistency of a set of images: what the run summary and run.json carry. */
export interface ColourReport {
  readonly images: number;
  readonly brandDeltaE: { mean: number; median: number; deviation: number; min: number; max: number };
  /** Mean palette distance between two images of the set (0: every image has the same palette). */
  readonly spread: number;
  readonly sigma: number;
  readonly minimumExcess: number;
  readonly outliers: ColourImageReport[];
  readonly perImage: ColourImageReport[];
}

/**
 * Colour consistency of a set: the spread of the images' palettes and the images that stand
 * out. An image is flagged when its distance to the brand palette, or to the other images,
 * exceeds the mean of the *other* images by more than `sigma` of their standard deviations
 * (and by at least `minimumExcess` ΔE00). Leaving the image out matters: in a set of five, one
 * image can never be 2 standard deviations from a mean and deviation it takes part in.
 * Sets of fewer than three images flag nothing.
 */
export function colourReport(
  samples: readonly ColourSample[],
  options: ColourReportOptions = {},
): ColourReport {
  const sigma = options.sigma ?? 2;
  const minimumExcess = options.minimumExcess ?? 5;
  const count = samples.length;
  const brand = samples.map((sample) => sample.colour.brandDeltaE);
  const pairwise = samples.map(() => new Float64Array(count));
  let pairSum = 0;
  for (let first = 0; first < count; first++) {
    for (let second = first + 1; second < count; second++) {
      const difference = paletteDifference(samples[first]!.colour.palette, samples[second]!.colour.palette);
      pairwise[first]![second] = difference;
      pairwise[second]![first] = difference;
      pairSum += difference;
    }
  }
  const set = pairwise.map((row) =>
    count > 1 ? row.reduce((sum, value) => sum + value, 0) / (count - 1) : 0,
  );
  const perImage = samples.map((sample, index): ColourImageReport => {
    const outlier: Array<'brand' | 'set'> = [];
    if (standsOut(brand, index, sigma, minimumExcess)) outlier.push('brand');
    if (standsOut(set, index, sigma, minimumExcess)) outlier.push('set');
    return {
      shotId: sample.shotId,
      seedIndex: sample.seedIndex,
      seed: sample.seed,
      brandDeltaE: round(brand[index]!, 2),
      setDeltaE: round(set[index]!, 2),
      palette: sample.colour.palette.map((colour) => colour.hex),
      outlier,
    };
  });
  const sorted = [...brand].sort((first, second) => first - second);
  const middle = Math.floor(count / 2);
  return {
    images: count,
    brandDeltaE: {
      mean: round(mean(brand), 2),
      median: round(
        count === 0 ? 0 : count % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2,
        2,
      ),
      deviation: round(deviation(brand), 2),
      min: round(sorted[0] ?? 0, 2),
      max: round(sorted.at(-1) ?? 0, 2),
    },
    spread: round(count > 1 ? pairSum / ((count * (count - 1)) / 2) : 0, 2),
    sigma,
    minimumExcess,
    outliers: perImage.filter((image) => image.outlier.length > 0),
    perImage,
  };
}

/** True when `values[index]` exceeds the others' mean by more than sigma of their deviations. */
function standsOut(values: readonly number[], index: number, sigma: number, minimumExcess: number): boolean {
  if (values.length < 3) return false;
  const others = values.filter((_, position) => position !== index);
  const excess = values[index]! - mean(others);
  return excess > Math.max(sigma * deviation(others), minimumExcess);
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Sample standard deviation (n - 1). */
function deviation(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const average = mean(values);
  return Math.sqrt(values.reduce((sum, value) => sum + (value - average) ** 2, 0) / (values.length - 1));
}
