import { generateImage } from 'ai';
import { afterAll, describe, expect, it } from 'vitest';
import { ThreadBudget } from '../../util/thread-budget.ts';
import { renderDraft } from './draft/draft-image-model.ts';
import type { EsrganCallRecord } from './esrgan/esrgan-image-model.ts';
import { EsrganImageModel } from './esrgan/esrgan-image-model.ts';
import { TesseractOcrModel } from './tesseract/tesseract-ocr-model.ts';

// One thread for everything: an upscale tile and an OCR recognition may then never overlap.
const threads = new ThreadBudget(1);
const upscaler = new EsrganImageModel('slim', { workers: 2, threads });
const ocr = new TesseractOcrModel({ poolSize: 2, threads });
afterAll(async () => {
  await Promise.all([upscaler.dispose(), ocr.dispose()]);
});

const palette = ['#F4E9DA', '#E8A0BF', '#7FB77E', '#2E4057', '#F6C85F'];
const draft = (seed: number) =>
  renderDraft({ prompt: 'spring tulips on a podium, soft light', seed, width: 96, height: 64, palette });

async function upscaleTiles(image: Uint8Array): Promise<number> {
  const result = await generateImage({
    model: upscaler,
    prompt: { images: [image] },
    providerOptions: { builtin: { tile: 32 } },
  });
  return (result.providerMetadata.builtin!.images[0] as unknown as EsrganCallRecord).tiles;
}

describe('the built-ins share one CPU thread budget', () => {
  it('runs every upscale tile and OCR recognition on a thread of the budget, never more at once than it has', async () => {
    const [first, second] = [await draft(1), await draft(2)];
    // Two upscales (a role's concurrency of 2) and three reads (another chain's typography) at once.
    const [tilesA, tilesB, ...reads] = await Promise.all([
      upscaleTiles(first),
      upscaleTiles(second),
      ocr.doRecognize({ image: first }),
      ocr.doRecognize({ image: second }),
      ocr.doRecognize({ image: first }),
    ]);
    expect(reads).toHaveLength(3);
    expect(tilesA).toBeGreaterThan(1);
    expect(threads.stats.grants).toBe(tilesA + tilesB + 3);
    expect(threads.stats.peakInUse).toBe(1);
    // Its pool may hold two workers, but with one thread no two reads overlapped: one worker served them.
    expect(ocr.stats.workersCreated).toBe(1);
  });
});
