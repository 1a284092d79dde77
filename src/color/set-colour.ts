import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import {
  type ColourReport,
  type ColourReportOptions,
  type ColourSample,
  colourReport,
} from './colour-report.ts';
import { measureImageColour } from './image-colour.ts';
import { decodeRawImage } from './raw-image.ts';

/** One final image of a set, loaded on demand (a run may hold hundreds). */
export interface SetImage {
  readonly shotId: string;
  readonly seedIndex: number;
  readonly seed: number;
  load(): Promise<Uint8Array | undefined>;
}

/**
 * Measures every image of a set against the brand palette and reports the set's colour
 * consistency (see `colourReport`). Images that cannot be loaded are left out.
 */
export async function measureSetColour(
  images: readonly SetImage[],
  brandPalette: readonly string[],
  options: ColourReportOptions = {},
): Promise<ColourReport> {
  // Decoding dominates; libvips threads each decode, so a few at once is enough.
  const limit = pLimit(Math.max(1, Math.min(4, availableParallelism())));
  const samples = await Promise.all(
    images.map((image) =>
      limit(async (): Promise<ColourSample | undefined> => {
        const bytes = await image.load();
        if (!bytes) return undefined;
        const colour = measureImageColour(await decodeRawImage(bytes), brandPalette);
        return { shotId: image.shotId, seedIndex: image.seedIndex, seed: image.seed, colour };
      }),
    ),
  );
  return colourReport(
    samples.filter((sample) => sample !== undefined),
    options,
  );
}
