import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import { hashOf } from '../util/canonical-json.ts';
import {
  type ColourReport,
  type ColourReportOptions,
  type ColourSample,
  colourReport,
} from './colour-report.ts';
import { type ImageColour, measureImageColour } from './image-colour.ts';
import { decodeRawImage } from './raw-image.ts';

/** One final image of a set, loaded on demand (a run may hold hundreds). */
export interface SetImage {
  readonly shotId: string;
  readonly seedIndex: number;
  readonly seed: number;
  /** The artifact address, when the image is stored: lets measurements be remembered. */
  readonly address?: string;
  load(): Promise<Uint8Array | undefined>;
}

/**
 * Remembers per-image measurements by (image address, palette): artifacts are immutable, so a
 * cached re-run need not decode every final image again.
 */
export interface ColourMeasurementCache {
  get(key: string): ImageColour | undefined;
  set(key: string, colour: ImageColour): void;
}

/**
 * Measures every image of a set against the brand palette and reports the set's colour
 * consistency (see `colourReport`). Images that cannot be loaded are left out.
 */
export async function measureSetColour(
  images: readonly SetImage[],
  brandPalette: readonly string[],
  options: ColourReportOptions & { cache?: ColourMeasurementCache } = {},
): Promise<ColourReport> {
  // Decoding dominates; libvips threads each decode, so a few at once is enough.
  const limit = pLimit(Math.max(1, Math.min(4, availableParallelism())));
  const samples = await Promise.all(
    images.map((image) =>
      limit(async (): Promise<ColourSample | undefined> => {
        const key = image.address
          ? hashOf({ colourMeasurement: 1, address: image.address, brandPalette })
          : undefined;
        let colour = key ? options.cache?.get(key) : undefined;
        if (!colour) {
          const bytes = await image.load();
          if (!bytes) return undefined;
          colour = measureImageColour(await decodeRawImage(bytes), brandPalette);
          if (key) options.cache?.set(key, colour);
        }
        return { shotId: image.shotId, seedIndex: image.seedIndex, seed: image.seed, colour };
      }),
    ),
  );
  return colourReport(
    samples.filter((sample) => sample !== undefined),
    options,
  );
}
