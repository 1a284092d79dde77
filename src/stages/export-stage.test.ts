import { describe, expect, it } from 'vitest';
import { cropAround } from './export-stage.ts';

describe('cropAround', () => {
  it('takes the largest centred rectangle of the aspect', () => {
    expect(cropAround({ width: 1000, height: 1000 }, 16 / 9)).toEqual({
      left: 0,
      top: 219,
      width: 1000,
      height: 563,
    });
    expect(cropAround({ width: 1000, height: 1000 }, 4 / 5)).toEqual({
      left: 100,
      top: 0,
      width: 800,
      height: 1000,
    });
  });

  it('moves toward the focal point and stays inside the image', () => {
    expect(cropAround({ width: 1000, height: 1000 }, 9 / 16, { x: 0.1, y: 0.5 })).toEqual({
      left: 0,
      top: 0,
      width: 563,
      height: 1000,
    });
    expect(cropAround({ width: 1000, height: 1000 }, 9 / 16, { x: 0.7, y: 0.5 })).toEqual({
      left: 419,
      top: 0,
      width: 563,
      height: 1000,
    });
    expect(cropAround({ width: 1000, height: 1000 }, 9 / 16, { x: 1, y: 0.5 })).toEqual({
      left: 437,
      top: 0,
      width: 563,
      height: 1000,
    });
  });
});
