import { generateImage } from 'ai';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../../util/canonical-json.ts';
import { DraftImageModel } from './draft-image-model.ts';

const palette = ['#F4E9DA', '#E8A0BF', '#7FB77E', '#2E4057'];

async function render(prompt: string, seed: number, size: `${number}x${number}`) {
  const { image } = await generateImage({
    model: new DraftImageModel(),
    prompt,
    seed,
    size,
    providerOptions: { builtin: { palette } },
  });
  return image.uint8Array;
}

describe('builtin:draft', () => {
  it('gives the same bytes for the same prompt, seed and size', async () => {
    const a = await render('spring tulips in morning light', 42, '192x128');
    const b = await render('spring tulips in morning light', 42, '192x128');
    expect(sha256(a)).toBe(sha256(b));
  });

  it('varies with seed and prompt', async () => {
    const base = sha256(await render('spring tulips in morning light', 42, '192x128'));
    expect(sha256(await render('spring tulips in morning light', 43, '192x128'))).not.toBe(base);
    expect(sha256(await render('sea waves over dunes', 42, '192x128'))).not.toBe(base);
  });

  it('renders at exactly the requested size, or the long edge 1024 for an aspect ratio', async () => {
    const metadata = await sharp(await render('box', 1, '301x97')).metadata();
    expect([metadata.width, metadata.height, metadata.format]).toEqual([301, 97, 'png']);
    const { image } = await generateImage({
      model: new DraftImageModel(),
      prompt: 'box',
      seed: 1,
      aspectRatio: '4:5',
    });
    const portrait = await sharp(image.uint8Array).metadata();
    expect([portrait.width, portrait.height]).toEqual([819, 1024]);
  });

  it('uses the brand palette', async () => {
    const { dominant } = await sharp(await render('orbs of light', 5, '128x128')).stats();
    const pinkish = await sharp(
      await (async () => {
        const { image } = await generateImage({
          model: new DraftImageModel(),
          prompt: 'orbs of light',
          seed: 5,
          size: '128x128',
          providerOptions: { builtin: { palette: ['#FF0000', '#CC0000'] } },
        });
        return image.uint8Array;
      })(),
    ).stats();
    expect(pinkish.dominant.r).toBeGreaterThan(pinkish.dominant.g + 60);
    expect(dominant).not.toEqual(pinkish.dominant);
  });
});
