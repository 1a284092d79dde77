import { describe, expect, it } from 'vitest';
import { deltaE2000 } from './delta-e-2000.ts';
import type { Triplet } from './srgb.ts';

/**
 * Pairs from Sharma, Wu & Dalal (2005), Table 1: the published test data every CIEDE2000
 * implementation is checked against, including the hue-angle edge cases (pairs 7-10).
 */
const sharmaPairs: Array<[Triplet, Triplet, number]> = [
  [[50, 2.6772, -79.7751], [50, 0, -82.7485], 2.0425],
  [[50, 3.1571, -77.2803], [50, 0, -82.7485], 2.8615],
  [[50, 2.8361, -74.02], [50, 0, -82.7485], 3.4412],
  [[50, -1.3802, -84.2814], [50, 0, -82.7485], 1.0],
  [[50, 0, 0], [50, -1, 2], 2.3669],
  [[50, 2.49, -0.001], [50, -2.49, 0.0009], 7.1792],
  [[50, 2.49, -0.001], [50, -2.49, 0.0011], 7.2195],
  [[50, -0.001, 2.49], [50, 0.0009, -2.49], 4.8045],
  [[50, 2.5, 0], [50, 0, -2.5], 4.3065],
  [[50, 2.5, 0], [73, 25, -18], 27.1492],
  [[50, 2.5, 0], [61, -5, 29], 22.8977],
  [[50, 2.5, 0], [56, -27, -3], 31.903],
  [[50, 2.5, 0], [58, 24, 15], 19.4535],
  [[60.2574, -34.0099, 36.2677], [60.4626, -34.1751, 39.4387], 1.2644],
];

describe('deltaE2000', () => {
  it.each(sharmaPairs)('matches Sharma et al. for %j vs %j', (first, second, expected) => {
    expect(deltaE2000(first, second)).toBeCloseTo(expected, 4);
  });

  it('is symmetric and zero for equal colours', () => {
    for (const [first, second] of sharmaPairs) {
      expect(deltaE2000(second, first)).toBeCloseTo(deltaE2000(first, second), 10);
    }
    expect(deltaE2000([41, 12, -30], [41, 12, -30])).toBe(0);
  });
});
