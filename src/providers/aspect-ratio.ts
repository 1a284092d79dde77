/** Size and aspect-ratio arithmetic shared by the capability checks and the providers. */

export interface Dimensions {
  width: number;
  height: number;
}

export function parseSize(size: string): Dimensions {
  const [width, height] = size.split('x').map(Number) as [number, number];
  return { width, height };
}

export function ratioOf(aspect: string): number {
  const [width, height] = aspect.split(':').map(Number) as [number, number];
  return width / height;
}

/** Distance between two ratios on a log scale, so 2:1 and 1:2 are equally far from 1:1. */
function ratioDistance(a: number, b: number): number {
  return Math.abs(Math.log(a) - Math.log(b));
}

/**
 * The supported aspect ratio closest to the given width/height ratio.
 *
 * @example nearestAspectRatio(1000 / 700, ['1:1', '4:3', '16:9']) // '4:3'
 */
export function nearestAspectRatio(ratio: number, supported: readonly string[]): string {
  let best = supported[0]!;
  for (const candidate of supported) {
    if (ratioDistance(ratioOf(candidate), ratio) < ratioDistance(ratioOf(best), ratio)) best = candidate;
  }
  return best;
}

/**
 * The supported size closest in shape to the request, then closest in area.
 *
 * @example nearestSize({ width: 1600, height: 900 }, ['1024x1024', '1792x1024']) // '1792x1024'
 */
export function nearestSize(requested: Dimensions, supported: readonly string[]): string {
  const ratio = requested.width / requested.height;
  const area = requested.width * requested.height;
  const score = (size: string) => {
    const { width, height } = parseSize(size);
    return [ratioDistance(width / height, ratio), Math.abs(Math.log((width * height) / area))] as const;
  };
  let best = supported[0]!;
  for (const candidate of supported) {
    const [shape, size] = score(candidate);
    const [bestShape, bestSize] = score(best);
    if (shape < bestShape - 1e-9 || (Math.abs(shape - bestShape) <= 1e-9 && size < bestSize))
      best = candidate;
  }
  return best;
}

/**
 * A size for an aspect ratio: the long edge given, the short edge rounded to a multiple of
 * `step` (diffusion models work in latent blocks).
 *
 * @example sizeForAspectRatio('4:5', 1024) // { width: 816, height: 1024 }
 */
export function sizeForAspectRatio(aspect: string, longEdge = 1024, step = 16): Dimensions {
  const ratio = ratioOf(aspect);
  const short = (edge: number) => Math.max(step, Math.round(edge / step) * step);
  return ratio >= 1
    ? { width: longEdge, height: short(longEdge / ratio) }
    : { width: short(longEdge * ratio), height: longEdge };
}

/** Reduces `W:H` to lowest terms, so `16:9` and `32:18` compare equal. */
export function normaliseAspectRatio(aspect: string): string {
  const [width, height] = aspect.split(':').map(Number) as [number, number];
  const divisor = greatestCommonDivisor(width, height);
  return `${width / divisor}:${height / divisor}`;
}

function greatestCommonDivisor(a: number, b: number): number {
  return b === 0 ? a : greatestCommonDivisor(b, a % b);
}
