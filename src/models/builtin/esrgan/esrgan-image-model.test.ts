import { cp, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateImage } from 'ai';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { withBuiltinProgress } from '../builtin-progress.ts';
import { renderDraft } from '../draft/draft-image-model.ts';
import { type EsrganCallRecord, EsrganImageModel, type EsrganModelOptions } from './esrgan-image-model.ts';
import { type EsrganSize, esrganModelDirectory, esrganVariant } from './esrgan-variant.ts';
import { readLayersModel } from './layers-model.ts';
import { estimateUpscaleMemory, networkFootprint } from './memory-preflight.ts';
import { planTiles } from './tile-plan.ts';

const models: EsrganImageModel[] = [];
afterAll(async () => {
  await Promise.all(models.map((model) => model.dispose()));
});

function model(size: EsrganSize, options: EsrganModelOptions = {}): EsrganImageModel {
  const created = new EsrganImageModel(size, { workers: 2, ...options });
  models.push(created);
  return created;
}

const palette = ['#F4E9DA', '#E8A0BF', '#7FB77E', '#2E4057', '#F6C85F'];
const draft = (width: number, height: number, seed = 3) =>
  renderDraft({ prompt: 'spring tulips on a podium, soft light', seed, width, height, palette });

async function upscale(upscaler: EsrganImageModel, image: Uint8Array, builtin: Record<string, number> = {}) {
  const result = await generateImage({
    model: upscaler,
    prompt: { images: [image] },
    providerOptions: { builtin },
  });
  const { data, info } = await sharp(result.image.uint8Array).raw().toBuffer({ resolveWithObject: true });
  const record = result.providerMetadata.builtin!.images[0] as unknown as EsrganCallRecord;
  return { png: result.image.uint8Array, raw: data, info, record };
}

function largestDifference(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let largest = 0;
  for (let index = 0; index < a.length; index++) largest = Math.max(largest, Math.abs(a[index]! - b[index]!));
  return largest;
}

describe('tiled vs whole-image output, 256x256, default padding', () => {
  // Thick is ~30x slower than slim: its 256 px case is in esrgan-thick.e2e.test.ts.
  it.each([
    ['slim', 96],
    ['medium', 96],
  ] as const)('%s: tiles of %i px give exactly the whole-image bytes', async (size, tile) => {
    const upscaler = model(size);
    const image = await draft(256, 256);
    const [whole, tiled] = await Promise.all([
      upscale(upscaler, image, { tile: 256 }),
      upscale(upscaler, image, { tile }),
    ]);
    expect(whole.record.tiles).toBe(1);
    expect(tiled.record.tiles).toBe(9);
    expect(tiled.record.padding).toBe(esrganVariant(size, 2).defaultPadding);
    expect(largestDifference(tiled.raw, whole.raw)).toBe(0);
  });

  it('blends no seams between exact tiles by default, and seams of 4 px when the padding is narrower', async () => {
    const upscaler = model('slim');
    const image = await draft(256, 256);
    const [exact, blended, narrow] = await Promise.all([
      upscale(upscaler, image, { tile: 96 }),
      upscale(upscaler, image, { tile: 96, overlap: 4 }),
      upscale(upscaler, image, { tile: 96, padding: 4 }),
    ]);
    expect(exact.record.overlap).toBe(0);
    expect(blended.record.overlap).toBe(4);
    expect(narrow.record.overlap).toBe(4);
    // Blending two exact tiles changes nothing: the overlap was only work.
    expect(largestDifference(exact.raw, blended.raw)).toBe(0);
  });
});

describe('determinism', () => {
  it('gives byte-identical files across runs, worker counts and (slim) tile sizes', async () => {
    const image = await draft(160, 128, 9);
    const twoWorkers = model('slim', { workers: 2 });
    const oneWorker = model('slim', { workers: 1 });
    const first = await upscale(twoWorkers, image, { tile: 64 });
    const second = await upscale(twoWorkers, image, { tile: 64 });
    const single = await upscale(oneWorker, image, { tile: 64 });
    const otherTile = await upscale(twoWorkers, image, { tile: 48 });
    expect(otherTile.record.tiles).not.toBe(first.record.tiles);
    expect(Buffer.from(second.png).equals(Buffer.from(first.png))).toBe(true);
    expect(Buffer.from(single.png).equals(Buffer.from(first.png))).toBe(true);
    expect(Buffer.from(otherTile.png).equals(Buffer.from(first.png))).toBe(true);
  });

  it('gives the same bytes for medium on one or two workers', async () => {
    const image = await draft(96, 80, 4);
    const a = await upscale(model('medium', { workers: 1 }), image, { tile: 48 });
    const b = await upscale(model('medium', { workers: 2 }), image, { tile: 48 });
    expect(Buffer.from(a.png).equals(Buffer.from(b.png))).toBe(true);
  });
});

describe('sizes, alpha and progress', () => {
  it('makes exactly 2x and 4x the input size, odd sizes included', async () => {
    const upscaler = model('slim');
    const image = await draft(37, 29);
    const double = await upscale(upscaler, image, { scale: 2, tile: 32 });
    const quadruple = await upscale(upscaler, image, { scale: 4, tile: 32 });
    expect([double.info.width, double.info.height]).toEqual([74, 58]);
    expect([quadruple.info.width, quadruple.info.height]).toEqual([148, 116]);
  });

  it('keeps the alpha channel: resized on its own, without touching the colour', async () => {
    const [width, height] = [48, 40];
    const rgb = await sharp(await draft(width, height))
      .raw()
      .toBuffer();
    const alpha = Buffer.alloc(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) alpha[y * width + x] = x < 16 ? 255 : x < 32 ? 128 : 0;
    }
    const rgba = await sharp(rgb, { raw: { width, height, channels: 3 } })
      .joinChannel(alpha, { raw: { width, height, channels: 1 } })
      .png()
      .toBuffer();
    const upscaler = model('slim');
    const withAlpha = await upscale(upscaler, rgba, { tile: 32 });
    const opaque = await upscale(
      upscaler,
      await sharp(rgb, { raw: { width, height, channels: 3 } })
        .png()
        .toBuffer(),
      {
        tile: 32,
      },
    );
    expect(withAlpha.info.channels).toBe(4);
    expect(withAlpha.record.alpha).toBe(true);
    const expectedAlpha = await sharp(alpha, { raw: { width, height, channels: 1 } })
      .resize(width * 2, height * 2, { kernel: 'lanczos3', fit: 'fill' })
      .extractChannel(0)
      .raw()
      .toBuffer();
    expect(expectedAlpha.length).toBe(width * height * 4);
    const outAlpha = Buffer.alloc(width * height * 4);
    const outRgb = Buffer.alloc(width * height * 4 * 3);
    for (let pixel = 0; pixel < width * height * 4; pixel++) {
      outAlpha[pixel] = withAlpha.raw[pixel * 4 + 3]!;
      for (let channel = 0; channel < 3; channel++)
        outRgb[pixel * 3 + channel] = withAlpha.raw[pixel * 4 + channel]!;
    }
    expect(outAlpha.equals(expectedAlpha)).toBe(true);
    expect(outAlpha[10 * width * 2 + 4]).toBe(255);
    expect(outAlpha[10 * width * 2 + 90]).toBe(0);
    expect(outRgb.equals(opaque.raw)).toBe(true);
  });

  it('reports progress per tile', async () => {
    const messages: string[] = [];
    const fractions: number[] = [];
    const upscaler = model('slim');
    const image = await draft(96, 64);
    const result = await withBuiltinProgress(
      (fraction, message) => {
        fractions.push(fraction);
        messages.push(message);
      },
      () => upscale(upscaler, image, { tile: 32 }),
    );
    expect(result.record.tiles).toBe(6);
    expect(messages).toEqual(['tile 1/6', 'tile 2/6', 'tile 3/6', 'tile 4/6', 'tile 5/6', 'tile 6/6']);
    expect(fractions.at(-1)).toBe(1);
  });
});

describe('weights', () => {
  const scratch: string[] = [];
  afterAll(async () => {
    await Promise.all(scratch.map((directory) => rm(directory, { recursive: true, force: true })));
  });

  async function damagedCopy(damage: (directory: string) => Promise<void>): Promise<string> {
    const directory = await mkdtemp(join(tmpdir(), 'atelier-esrgan-'));
    scratch.push(directory);
    await cp(esrganModelDirectory(esrganVariant('slim', 2)), directory, { recursive: true });
    await damage(directory);
    return directory;
  }

  const attempt = async (directory: string) =>
    upscale(model('slim', { modelDirectory: () => directory }), await draft(32, 32));

  it('reports a truncated weights file as corrupt, naming the file and the package', async () => {
    const directory = await damagedCopy((folder) => truncate(join(folder, 'group1-shard1of1.bin'), 1000));
    const failure = attempt(directory);
    await expect(failure).rejects.toThrow(/ESRGAN weights file .*group1-shard1of1\.bin is corrupt/);
    await expect(failure).rejects.toThrow(/Reinstall @upscalerjs\/esrgan-slim/);
  });

  it('reports flipped bytes (same length) by their sha256', async () => {
    const directory = await damagedCopy(async (folder) => {
      const path = join(folder, 'group1-shard1of1.bin');
      const bytes = await readFile(path);
      bytes[5000] = bytes[5000]! ^ 0xff;
      await writeFile(path, bytes);
    });
    await expect(attempt(directory)).rejects.toThrow(
      /group1-shard1of1\.bin is corrupt: expected sha256 5cb464ae4d39/,
    );
  });

  it('reports an unreadable model.json', async () => {
    const directory = await damagedCopy((folder) =>
      writeFile(join(folder, 'model.json'), '{"format": "layers-mo'),
    );
    await expect(attempt(directory)).rejects.toThrow(/model\.json is corrupt/);
    const missing = await damagedCopy((folder) => rm(join(folder, 'model.json')));
    await expect(attempt(missing)).rejects.toThrow(/model\.json cannot be read \(ENOENT\)/);
  });
});

describe('memory budget', () => {
  it("keeps the engines' memory a function of the tile, not the image", async () => {
    const variant = esrganVariant('slim', 2);
    const network = networkFootprint(await readLayersModel(esrganModelDirectory(variant)), variant);
    const settings = { tile: 256, padding: 10, overlap: 4 };
    const estimate = (edge: number) =>
      estimateUpscaleMemory(
        { width: edge, height: edge, channels: 3, scale: 2 },
        planTiles(edge, edge, settings),
        2,
        2,
        network,
      );
    expect(estimate(4096).engineBytes).toBe(estimate(1024).engineBytes);
    expect(estimate(4096).imageBytes).toBeGreaterThan(10 * estimate(1024).imageBytes);
    const smallTile = estimateUpscaleMemory(
      { width: 1024, height: 1024, channels: 3, scale: 2 },
      planTiles(1024, 1024, { ...settings, tile: 64 }),
      2,
      2,
      network,
    );
    expect(smallTile.engineBytes).toBeLessThan(estimate(1024).engineBytes);
  });

  it('picks a smaller tile to fit the budget, with the same pixels (slim is tile-exact)', async () => {
    const upscaler = model('slim');
    const image = await draft(256, 256, 5);
    const free = await upscale(upscaler, image, { tile: 256 });
    const budget = Math.round(free.record.estimatedPeakBytes * 0.6);
    const constrained = await upscale(upscaler, image, { tile: 256, memoryBudget: budget });
    expect(constrained.record.reducedForBudget).toBe(true);
    expect(constrained.record.tile).toBeLessThan(256);
    expect(constrained.record.estimatedPeakBytes).toBeLessThanOrEqual(budget);
    expect(Buffer.from(constrained.raw).equals(free.raw)).toBe(true);
  });

  it('refuses clearly when even the smallest tile does not fit', async () => {
    const upscaler = model('slim');
    await expect(upscale(upscaler, await draft(256, 256), { memoryBudget: 20_000_000 })).rejects.toThrow(
      /upscale of 256x256 x2 needs an estimated \d+ MB even with 32 px tiles one at a time, but the memory budget is 20 MB/,
    );
  });
});

describe('call validation', () => {
  it('wants exactly one input image and valid settings', async () => {
    const upscaler = model('slim');
    await expect(generateImage({ model: upscaler, prompt: 'a picture' })).rejects.toThrow(
      /expects exactly one input image \(prompt.images\) but received 0/,
    );
    await expect(
      generateImage({ model: upscaler, prompt: { images: ['https://example.com/a.png'] } }),
    ).rejects.toThrow(/cannot fetch an image URL/);
    await expect(upscale(upscaler, await draft(32, 32), { scale: 3 })).rejects.toThrow(
      /Invalid settings for builtin:esrgan-slim: scale/,
    );
  });
});
