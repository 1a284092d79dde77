/**
 * The nearest-rank percentile: the smallest sample that at least `fraction` of the samples are
 * at or below. Undefined for no samples, so each caller says what an empty set means to it.
 *
 * @example percentile([30, 10, 20, 40], 0.5) // 20
 */
export function percentile(samples: readonly number[], fraction: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))];
}
