import { SeededRandom } from './seeded-random.ts';

export interface Interval {
  readonly mean: number;
  readonly low: number;
  readonly high: number;
}

/** Resamples drawn for an interval: enough for a stable 95% percentile interval. */
export const defaultResamples = 2000;

/**
 * The mean of `values` with a percentile bootstrap confidence interval: `resamples` resamples
 * with replacement, each's mean, and the (1-level)/2 and (1+level)/2 quantiles of those means.
 * Seeded, so the same values always give the same interval.
 *
 * @example bootstrapInterval([1, 0, 1, 1], { seed: 1 }).mean // 0.75 (low and high bracket it)
 */
export function bootstrapInterval(
  values: readonly number[],
  options: { seed: number; resamples?: number; level?: number },
): Interval {
  const { seed, resamples = defaultResamples, level = 0.95 } = options;
  const mean = average(values);
  if (values.length === 0) return { mean: Number.NaN, low: Number.NaN, high: Number.NaN };
  const random = new SeededRandom(seed);
  const means: number[] = [];
  for (let draw = 0; draw < resamples; draw++) {
    let sum = 0;
    for (let index = 0; index < values.length; index++) sum += values[random.integer(0, values.length - 1)]!;
    means.push(sum / values.length);
  }
  means.sort((a, b) => a - b);
  return {
    mean,
    low: quantileOfSorted(means, (1 - level) / 2),
    high: quantileOfSorted(means, (1 + level) / 2),
  };
}

function average(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Linear interpolation between order statistics (type 7, numpy's and R's default). */
export function quantileOfSorted(sorted: readonly number[], fraction: number): number {
  const position = (sorted.length - 1) * fraction;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}
