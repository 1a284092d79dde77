import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { renderContactSheet } from './contact-sheet.ts';

async function solid(r: number, g: number, b: number) {
  return new Uint8Array(
    await sharp({ create: { width: 40, height: 30, channels: 3, background: { r, g, b } } })
      .png()
      .toBuffer(),
  );
}

describe('renderContactSheet', () => {
  it('lays every image out as a tile, failed ones as grey tiles', async () => {
    const items = [
      { label: 'a · 1', bytes: await solid(255, 0, 0) },
      { label: 'b · 2', bytes: await solid(0, 0, 255) },
      { label: 'c · 3', bytes: new Uint8Array(), failed: 'OCR score 0.41' },
    ];
    const sheet = await renderContactSheet(items, 'test');
    const { data, info } = await sharp(sheet).raw().toBuffer({ resolveWithObject: true });
    // 3 items -> 3 columns of 256 px tiles after a 12 px gap and a 56 px header.
    expect(info.width).toBe(12 + 3 * (256 + 12));
    const pixel = (x: number, y: number) => [
      ...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3),
    ];
    expect(pixel(12 + 128, 56 + 128)).toEqual([255, 0, 0]);
    expect(pixel(12 + 268 + 128, 56 + 128)).toEqual([0, 0, 255]);
    expect(pixel(12 + 2 * 268 + 200, 56 + 20)).toEqual([0xd9, 0xd4, 0xce]);
  });
});
