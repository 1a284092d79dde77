import { describe, expect, it } from 'vitest';
import { type RgbImage, tiledUpscale } from './tiled-upscale.ts';

/**
 * A small stand-in network with a known receptive field of 1 px: each output pixel is the mean
 * of the 3x3 input neighbourhood of its source pixel, with zeros past the tile's edge (like a
 * "same" convolution), so a tile only matches the whole image if it has context.
 */
function boxUpscale(scale: number, offset = () => 0) {
  return async (tile: Float32Array, width: number, height: number) => {
    const add = offset();
    const out = new Float32Array(width * scale * height * scale * 3);
    for (let y = 0; y < height * scale; y++) {
      for (let x = 0; x < width * scale; x++) {
        const sourceX = Math.floor(x / scale);
        const sourceY = Math.floor(y / scale);
        for (let channel = 0; channel < 3; channel++) {
          let sum = 0;
          for (let dy = -1; dy <= 1; dy++) {
            for (let dx = -1; dx <= 1; dx++) {
              const sx = sourceX + dx;
              const sy = sourceY + dy;
              if (sx >= 0 && sy >= 0 && sx < width && sy < height)
                sum += tile[(sy * width + sx) * 3 + channel]!;
            }
          }
          out[(y * width * scale + x) * 3 + channel] = sum / 9 + add;
        }
      }
    }
    return out;
  };
}

function noiseImage(width: number, height: number, seed = 1): RgbImage {
  let state = seed;
  const pixels = new Uint8Array(width * height * 3).map(() => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % 256;
  });
  return { pixels, width, height };
}

const whole = { tile: 4096, padding: 1, overlap: 4 };

describe('tiledUpscale', () => {
  it('matches the whole-image result exactly when the padding covers the receptive field', async () => {
    const image = noiseImage(61, 45);
    const reference = await tiledUpscale(image, {
      scale: 2,
      settings: whole,
      range: 255,
      runTile: boxUpscale(2),
      concurrency: 2,
    });
    expect([reference.width, reference.height]).toEqual([122, 90]);
    for (const tile of [16, 24, 32]) {
      const tiled = await tiledUpscale(image, {
        scale: 2,
        settings: { tile, padding: 1, overlap: 4 },
        range: 255,
        runTile: boxUpscale(2),
        concurrency: 3,
      });
      expect(Buffer.from(tiled.pixels).equals(Buffer.from(reference.pixels))).toBe(true);
    }
  });

  it('shows seams when a tile lacks context (so the exactness above is not vacuous)', async () => {
    const image = noiseImage(64, 64);
    const settings = { tile: 32, padding: 0, overlap: 0 };
    const reference = await tiledUpscale(image, {
      scale: 2,
      settings: { ...settings, tile: 64 },
      range: 255,
      runTile: boxUpscale(2),
      concurrency: 1,
    });
    const tiled = await tiledUpscale(image, {
      scale: 2,
      settings,
      range: 255,
      runTile: boxUpscale(2),
      concurrency: 1,
    });
    expect(Buffer.from(tiled.pixels).equals(Buffer.from(reference.pixels))).toBe(false);
  });

  it('blends tiles that disagree with a linear ramp across the seam instead of a step', async () => {
    const flat: RgbImage = { pixels: new Uint8Array(64 * 16 * 3).fill(90), width: 64, height: 16 };
    let call = 0;
    // The left tile comes out 40 levels darker than the right one.
    const upscale = boxUpscale(1, () => (call++ === 0 ? -40 : 0));
    const result = await tiledUpscale(flat, {
      scale: 1,
      settings: { tile: 32, padding: 1, overlap: 8 },
      range: 255,
      runTile: upscale,
      concurrency: 1,
    });
    const row = Array.from({ length: 64 }, (_, x) => result.pixels[(8 * 64 + x) * 3]!);
    expect(row.slice(0, 24).every((value) => value === 50)).toBe(true);
    expect(row.slice(40).every((value) => value === 90)).toBe(true);
    const ramp = row.slice(24, 40);
    for (let index = 1; index < ramp.length; index++) {
      expect(ramp[index]!).toBeGreaterThanOrEqual(ramp[index - 1]!);
      expect(ramp[index]! - ramp[index - 1]!).toBeLessThanOrEqual(3);
    }
  });

  it('reports every tile and fails the whole upscale when one tile fails', async () => {
    const image = noiseImage(64, 64);
    const seen: number[] = [];
    await tiledUpscale(image, {
      scale: 2,
      settings: { tile: 16, padding: 1, overlap: 2 },
      range: 255,
      runTile: boxUpscale(2),
      concurrency: 2,
      onTile: (completed, total) => seen.push(completed / total),
    });
    expect(seen).toHaveLength(16);
    expect(seen.at(-1)).toBe(1);

    let calls = 0;
    const failing = tiledUpscale(image, {
      scale: 2,
      settings: { tile: 16, padding: 1, overlap: 2 },
      range: 255,
      runTile: (tile, width, height) =>
        ++calls === 5 ? Promise.reject(new Error('engine fell over')) : boxUpscale(2)(tile, width, height),
      concurrency: 2,
    });
    await expect(failing).rejects.toThrow('engine fell over');
  });

  it('refuses a tile whose output has the wrong size rather than pasting garbage', async () => {
    const image = noiseImage(32, 32);
    const result = tiledUpscale(image, {
      scale: 2,
      settings: { tile: 16, padding: 1, overlap: 2 },
      range: 255,
      runTile: async () => new Float32Array(12),
      concurrency: 1,
    });
    await expect(result).rejects.toThrow(/came back with 12 values/);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('user interrupted'));
    const result = tiledUpscale(noiseImage(32, 32), {
      scale: 2,
      settings: { tile: 16, padding: 1, overlap: 2 },
      range: 255,
      runTile: boxUpscale(2),
      concurrency: 1,
      signal: controller.signal,
    });
    await expect(result).rejects.toThrow('user interrupted');
  });
});
