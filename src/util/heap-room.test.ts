import { describe, expect, it, vi } from 'vitest';
import { giveHeapRoomForPixelWork, pixelWorkHeapGrowingPercent } from './heap-room.ts';

describe('giveHeapRoomForPixelWork', () => {
  it('sets V8 heap growing to 4x once per process, however many jobs compute', () => {
    const setFlags = vi.fn();
    giveHeapRoomForPixelWork(setFlags);
    giveHeapRoomForPixelWork(setFlags);
    expect(pixelWorkHeapGrowingPercent).toBe(300);
    expect(setFlags.mock.calls).toEqual([['--heap-growing-percent=300']]);
  });
});
