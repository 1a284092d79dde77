import { describe, expect, it } from 'vitest';
import { planTiles, reflectIndex } from './tile-plan.ts';

describe('planTiles', () => {
  it('partitions the image into near-equal cores no larger than the tile', () => {
    const plan = planTiles(1000, 600, { tile: 256, padding: 10, overlap: 4 });
    expect([plan.columns, plan.rows]).toEqual([4, 3]);
    const covered = new Uint8Array(1000 * 600);
    for (const tile of plan.tiles) {
      expect(tile.core.width).toBeLessThanOrEqual(256);
      expect(tile.core.height).toBeLessThanOrEqual(256);
      for (let y = tile.core.top; y < tile.core.top + tile.core.height; y++) {
        for (let x = tile.core.left; x < tile.core.left + tile.core.width; x++) covered[y * 1000 + x]!++;
      }
    }
    expect(covered.every((count) => count === 1)).toBe(true);
    const widths = new Set(plan.tiles.map((tile) => tile.core.width));
    expect(Math.max(...widths) - Math.min(...widths)).toBeLessThanOrEqual(1);
  });

  it('extends regions by the overlap only toward neighbours, and inputs by the padding everywhere', () => {
    const plan = planTiles(300, 200, { tile: 128, padding: 10, overlap: 4 });
    const corner = plan.tiles[0]!;
    expect(corner.region).toEqual({
      left: 0,
      top: 0,
      width: corner.core.width + 4,
      height: corner.core.height + 4,
    });
    expect([corner.input.left, corner.input.top]).toEqual([-10, -10]);
    const middle = plan.tiles[1]!;
    expect(middle.region.left).toBe(middle.core.left - 4);
    expect(middle.region.width).toBe(middle.core.width + 8);
    for (const tile of plan.tiles) {
      // At least the padding on every side...
      expect(tile.input.left).toBe(tile.region.left - 10);
      expect(tile.input.width).toBeGreaterThanOrEqual(tile.region.width + 20);
      expect(tile.input.height).toBeGreaterThanOrEqual(tile.region.height + 20);
      // ...and one input shape for the whole plan, the one memory is budgeted for.
      expect(tile.input).toMatchObject(plan.largestInput);
    }
    // Cores are 100x100: the widest region is 100 + 2 * 4, plus 2 * 10 of padding.
    expect(plan.largestInput).toEqual({ width: 128, height: 128 });
  });

  it('uses no overlap for a single tile and limits it to half the narrowest core', () => {
    expect(planTiles(100, 100, { tile: 256, padding: 10, overlap: 4 }).overlap).toBe(0);
    expect(planTiles(100, 40, { tile: 32, padding: 10, overlap: 64 }).overlap).toBe(10);
  });

  it('is a pure function of size and settings', () => {
    const settings = { tile: 96, padding: 6, overlap: 3 };
    expect(planTiles(517, 333, settings)).toEqual(planTiles(517, 333, settings));
  });
});

describe('reflectIndex', () => {
  it('mirrors about the edge pixels without repeating them', () => {
    expect([-3, -2, -1, 0, 1, 4, 5, 6, 7].map((index) => reflectIndex(index, 5))).toEqual([
      3, 2, 1, 0, 1, 4, 3, 2, 1,
    ]);
  });

  it('folds repeatedly when the context is wider than the image', () => {
    expect([-7, -6, 9, 10, 11].map((index) => reflectIndex(index, 3))).toEqual([1, 2, 1, 2, 1]);
    expect(reflectIndex(-5, 1)).toBe(0);
  });
});
