import { deltaE2000, hexToCielab } from './colour-spaces.ts';
import {
  colourHistogram,
  type DominantPaletteOptions,
  describeOklab,
  dominantPalette,
} from './dominant-palette.ts';
import type { RawImage } from './raw-image.ts';
import type { Triplet } from './srgb.ts';

/** A palette colour as stored in manifests: rounded, so records read well and compare exactly. */
export interface MeasuredColour {
  readonly hex: string;
  /** CIELAB (D65), two decimals. */
  readonly lab: Triplet;
  /** Share of the image, 0..1 (four decimals); absent for the mean colour. */
  readonly weight?: number;
}

/** The colour record of one image: what the stylize stage stores and the run report aggregates. */
export interface ImageColour {
  /** Dominant colours (seeded k-means in OKLab), largest first. */
  readonly palette: MeasuredColour[];
  /** The image's mean colour, averaged in OKLab. */
  readonly mean: MeasuredColour;
  /**
   * How far the image's palette is from the brand palette: the pixel-share-weighted mean, over
   * the image's dominant colours, of the CIEDE2000 distance to the nearest brand colour.
   * 0 means every dominant colour is a brand colour.
   */
  readonly brandDeltaE: number;
}

/**
 * Measures an image's colour against a brand palette.
 *
 * @example measureImageColour(await decodeRawImage(png), ['#F4E9DA', '#2E4057']).brandDeltaE
 */
export function measureImageColour(
  image: RawImage,
  brandPalette: readonly string[],
  options: DominantPaletteOptions = {},
): ImageColour {
  const histogram = colourHistogram(image);
  const palette = dominantPalette(histogram, options).map((colour) => ({
    hex: colour.hex,
    lab: roundTriplet(colour.lab),
    weight: round(colour.weight, 4),
  }));
  const mean = describeOklab(histogram.mean);
  return {
    palette,
    mean: { hex: mean.hex, lab: roundTriplet(mean.lab) },
    brandDeltaE: round(paletteDistance(palette, brandPalette.map(hexToCielab)), 2),
  };
}

/**
 * The weighted mean, over `from`'s colours, of the CIEDE2000 distance to the nearest colour
 * of `to`. Asymmetric on purpose: an image need not use every brand accent, but every colour
 * it does use should be near one.
 */
export function paletteDistance(
  from: ReadonlyArray<{ lab: Triplet; weight?: number }>,
  to: readonly Triplet[],
): number {
  if (from.length === 0 || to.length === 0) return 0;
  let sum = 0;
  let weights = 0;
  for (const colour of from) {
    const weight = colour.weight ?? 1;
    let nearest = Number.POSITIVE_INFINITY;
    for (const target of to) nearest = Math.min(nearest, deltaE2000(colour.lab, target));
    sum += nearest * weight;
    weights += weight;
  }
  return weights > 0 ? sum / weights : 0;
}

/** Symmetric palette distance between two images: the mean of both directions. */
export function paletteDifference(
  first: ReadonlyArray<{ lab: Triplet; weight?: number }>,
  second: ReadonlyArray<{ lab: Triplet; weight?: number }>,
): number {
  const firstLabs = first.map((colour) => colour.lab);
  const secondLabs = second.map((colour) => colour.lab);
  return (paletteDistance(first, secondLabs) + paletteDistance(second, firstLabs)) / 2;
}

export function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  // `+ 0` turns -0 into 0, so records never show "-0".
  return Math.round(value * factor) / factor + 0;
}

function roundTriplet(triplet: Triplet): Triplet {
  return [round(triplet[0], 2), round(triplet[1], 2), round(triplet[2], 2)];
}
