import { generateImage } from 'ai';
import sharp from 'sharp';
import { afterAll, expect, it } from 'vitest';
import { renderDraft } from '../draft/draft-image-model.ts';
import type { EsrganCallRecord } from './esrgan-image-model.ts';
import { EsrganImageModel } from './esrgan-image-model.ts';
import { esrganVariant } from './esrgan-variant.ts';

// The thick network does ~32x slim's work per pixel, so the image is small: 128x128 in 64 px
// tiles (the same 12 px padding per side as any tile size). 23-30 s on a shared, loaded 2-core
// machine (256x256 in 128 px tiles took 93 s there); the timeout allows 4x that.
const upscaler = new EsrganImageModel('thick', { workers: 2 });
afterAll(() => upscaler.dispose());

async function upscale(image: Uint8Array, tile: number) {
  const result = await generateImage({
    model: upscaler,
    prompt: { images: [image] },
    providerOptions: { builtin: { tile } },
  });
  return {
    raw: await sharp(result.image.uint8Array).raw().toBuffer(),
    record: result.providerMetadata.builtin!.images[0] as unknown as EsrganCallRecord,
  };
}

it('thick: 64 px tiles on a 128x128 image stay within 1/255 of the whole image at the default padding', async () => {
  const image = await renderDraft({
    prompt: 'spring tulips on a podium, soft light',
    seed: 3,
    width: 128,
    height: 128,
    palette: ['#F4E9DA', '#E8A0BF', '#7FB77E', '#2E4057', '#F6C85F'],
  });
  // Both at once: the whole image keeps one worker busy, the four tiles the other.
  const [whole, tiled] = await Promise.all([upscale(image, 128), upscale(image, 64)]);
  expect(whole.record.tiles).toBe(1);
  expect(tiled.record.tiles).toBe(4);
  expect(tiled.record.padding).toBe(esrganVariant('thick', 2).defaultPadding);
  let largest = 0;
  let differing = 0;
  for (let index = 0; index < whole.raw.length; index++) {
    const difference = Math.abs(whole.raw[index]! - tiled.raw[index]!);
    largest = Math.max(largest, difference);
    if (difference > 0) differing++;
  }
  expect(largest).toBeLessThanOrEqual(1);
  // Not vacuous: a network this deep does not tile bit-exactly at 12 px of context.
  expect(differing).toBeLessThan(whole.raw.length / 1000);
}, 120_000);
