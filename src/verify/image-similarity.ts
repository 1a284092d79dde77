import sharp from 'sharp';

export interface ImageComparison {
  /** Same decoded pixels and size. */
  identical: boolean;
  sameSize: boolean;
  /** Mean structural similarity on a greyscale copy no larger than 256 px (1 = same). */
  ssim: number;
  /** Largest per-channel difference, 0..255, at full size (when sizes match). */
  maxDelta: number;
  /** Share of pixels that differ at all, 0..1 (when sizes match). */
  changedFraction: number;
}

async function greyscale(bytes: Uint8Array, width: number, height: number) {
  return sharp(bytes).resize(width, height, { fit: 'fill' }).greyscale().raw().toBuffer();
}

/**
 * Mean SSIM over non-overlapping 8x8 windows (Wang et al. 2004 constants). Written by hand:
 * the formula is a dozen lines and no maintained npm package does it on raw buffers without
 * pulling a canvas or a native build.
 */
export function structuralSimilarity(a: Uint8Array, b: Uint8Array, width: number, height: number): number {
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  const window = 8;
  let total = 0;
  let windows = 0;
  for (let top = 0; top + window <= height; top += window) {
    for (let left = 0; left + window <= width; left += window) {
      let sumA = 0;
      let sumB = 0;
      let sumAA = 0;
      let sumBB = 0;
      let sumAB = 0;
      for (let y = top; y < top + window; y++) {
        for (let x = left; x < left + window; x++) {
          const pa = a[y * width + x]!;
          const pb = b[y * width + x]!;
          sumA += pa;
          sumB += pb;
          sumAA += pa * pa;
          sumBB += pb * pb;
          sumAB += pa * pb;
        }
      }
      const n = window * window;
      const meanA = sumA / n;
      const meanB = sumB / n;
      const varianceA = sumAA / n - meanA * meanA;
      const varianceB = sumBB / n - meanB * meanB;
      const covariance = sumAB / n - meanA * meanB;
      total +=
        ((2 * meanA * meanB + c1) * (2 * covariance + c2)) /
        ((meanA * meanA + meanB * meanB + c1) * (varianceA + varianceB + c2));
      windows++;
    }
  }
  return windows === 0 ? 1 : total / windows;
}

/** How far apart two images are: exact for built-in stages, perceptual for remote ones. */
export async function compareImages(a: Uint8Array, b: Uint8Array): Promise<ImageComparison> {
  const [metaA, metaB] = await Promise.all([sharp(a).metadata(), sharp(b).metadata()]);
  const sameSize = metaA.width === metaB.width && metaA.height === metaB.height;
  let maxDelta = 255;
  let changedFraction = 1;
  if (sameSize) {
    const [rawA, rawB] = await Promise.all([
      sharp(a).removeAlpha().raw().toBuffer(),
      sharp(b).removeAlpha().raw().toBuffer(),
    ]);
    maxDelta = 0;
    let changed = 0;
    for (let index = 0; index < rawA.length; index += 3) {
      const delta = Math.max(
        Math.abs(rawA[index]! - rawB[index]!),
        Math.abs(rawA[index + 1]! - rawB[index + 1]!),
        Math.abs(rawA[index + 2]! - rawB[index + 2]!),
      );
      if (delta > 0) changed++;
      if (delta > maxDelta) maxDelta = delta;
    }
    changedFraction = changed / (rawA.length / 3);
  }
  const scale = Math.min(1, 256 / Math.max(metaA.width ?? 1, metaA.height ?? 1));
  const width = Math.max(8, Math.round((metaA.width ?? 8) * scale));
  const height = Math.max(8, Math.round((metaA.height ?? 8) * scale));
  const [greyA, greyB] = await Promise.all([greyscale(a, width, height), greyscale(b, width, height)]);
  return {
    identical: sameSize && maxDelta === 0,
    sameSize,
    ssim: structuralSimilarity(greyA, greyB, width, height),
    maxDelta,
    changedFraction,
  };
}
