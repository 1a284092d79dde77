import { InvalidArgumentError } from '@ai-sdk/provider';
import { generateImage } from 'ai';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { deltaE2000 } from '../../../colour/colour-spaces.ts';
import { describeOklab } from '../../../colour/dominant-palette.ts';
import { measureImageColour } from '../../../colour/image-colour.ts';
import { decodeRawImage, type RawImage } from '../../../colour/raw-image.ts';
import { sha256 } from '../../../util/canonical-json.ts';
import { renderDraft } from '../draft/draft-image-model.ts';
import { GradeImageModel } from './grade-image-model.ts';
import { imageStatistics, paletteStatistics } from './statistics-transfer.ts';

const brand = ['#F4E9DA', '#E8A0BF', '#7FB77E', '#2E4057', '#F6C85F'];
/** A cold blue render: far from the warm brand palette. */
const coldInput = renderDraft({
  prompt: 'sea waves over dunes',
  seed: 21,
  width: 192,
  height: 128,
  palette: ['#0B3D91', '#1E90FF', '#0A1F44'],
});

async function grade(image: Uint8Array, builtin: Record<string, unknown>, reference?: Uint8Array) {
  const { image: graded, warnings } = await generateImage({
    model: new GradeImageModel(),
    prompt: { images: reference ? [image, reference] : [image], text: 'spring light' },
    providerOptions: { builtin: builtin as never },
  });
  return { bytes: graded.uint8Array, warnings };
}

/** ΔE (CIEDE2000) between the mean OKLab colours of an image and of a target. */
function meanDistance(image: RawImage, targetMean: [number, number, number]): number {
  return deltaE2000(describeOklab(imageStatistics(image).mean).lab, describeOklab(targetMean).lab);
}

describe('builtin:grade', () => {
  it('returns the input unchanged at strength 0', async () => {
    const input = await coldInput;
    const { bytes } = await grade(input, { palette: brand, strength: 0 });
    expect(sha256(bytes)).toBe(sha256(input));
  });

  it('moves the mean colour toward the brand palette at strength 1, and part-way at 0.5', async () => {
    const input = await coldInput;
    const target = paletteStatistics(brand).mean;
    const before = meanDistance(await decodeRawImage(input), target);
    const half = meanDistance(
      await decodeRawImage((await grade(input, { palette: brand, strength: 0.5 })).bytes),
      target,
    );
    const full = meanDistance(
      await decodeRawImage((await grade(input, { palette: brand, strength: 1 })).bytes),
      target,
    );
    expect(before).toBeGreaterThan(20);
    expect(full).toBeLessThan(Math.min(5, before / 5));
    expect(half).toBeLessThan(before - 5);
    expect(half).toBeGreaterThan(full + 3);
  });

  it('moves the mean colour toward a reference image given as the second input', async () => {
    const input = await coldInput;
    const reference = await renderDraft({
      prompt: 'citrus glow',
      seed: 4,
      width: 96,
      height: 96,
      palette: ['#F6C85F', '#E8A0BF'],
    });
    const target = imageStatistics(await decodeRawImage(reference)).mean;
    const before = meanDistance(await decodeRawImage(input), target);
    const { bytes } = await grade(input, { strength: 1 }, reference);
    expect(meanDistance(await decodeRawImage(bytes), target)).toBeLessThan(Math.min(3, before / 5));
  });

  it('pulls each dominant colour toward the nearest brand colour in palette mode', async () => {
    const input = await coldInput;
    const brandDistance = async (bytes: Uint8Array) =>
      measureImageColour(await decodeRawImage(bytes), brand).brandDeltaE;
    const before = await brandDistance(input);
    const half = await brandDistance(
      (await grade(input, { palette: brand, strength: 0.5, mode: 'palette' })).bytes,
    );
    const full = await brandDistance(
      (await grade(input, { palette: brand, strength: 1, mode: 'palette' })).bytes,
    );
    expect(before).toBeGreaterThan(10);
    expect(half).toBeLessThan(before - 3);
    expect(full).toBeLessThan(half - 3);
    // The global statistics transfer, by design, moves the balance rather than each colour.
    const statistics = await brandDistance((await grade(input, { palette: brand, strength: 1 })).bytes);
    expect(full).toBeLessThan(statistics);
    const unchanged = await grade(input, { palette: brand, strength: 0, mode: 'palette' });
    expect(sha256(unchanged.bytes)).toBe(sha256(input));
  });

  it('uses a reference image’s dominant colours as the palette in palette mode', async () => {
    const input = await coldInput;
    const reference = await renderDraft({
      prompt: 'citrus glow',
      seed: 4,
      width: 96,
      height: 96,
      palette: ['#F6C85F', '#E8A0BF'],
    });
    const referencePalette = measureImageColour(await decodeRawImage(reference), brand).palette.map(
      (colour) => colour.hex,
    );
    const distance = async (bytes: Uint8Array) =>
      measureImageColour(await decodeRawImage(bytes), referencePalette).brandDeltaE;
    const { bytes } = await grade(input, { strength: 1, mode: 'palette' }, reference);
    expect(await distance(bytes)).toBeLessThan((await distance(input)) / 2);
  });

  it('gives byte-identical output for the same inputs', async () => {
    const input = await coldInput;
    const first = await grade(input, { palette: brand, strength: 0.7 });
    const second = await grade(Uint8Array.from(input), { palette: [...brand], strength: 0.7 });
    expect(sha256(second.bytes)).toBe(sha256(first.bytes));
    expect(sha256((await grade(input, { palette: brand, strength: 0.71 })).bytes)).not.toBe(
      sha256(first.bytes),
    );
    const palette = await grade(input, { palette: brand, strength: 0.7, mode: 'palette' });
    const again = await grade(Uint8Array.from(input), {
      palette: [...brand],
      strength: 0.7,
      mode: 'palette',
    });
    expect(sha256(again.bytes)).toBe(sha256(palette.bytes));
  });

  it('keeps lightness when asked, and the size and alpha always', async () => {
    const input = await sharp(await coldInput)
      .ensureAlpha(0.5)
      .png()
      .toBuffer();
    const { bytes } = await grade(new Uint8Array(input), {
      palette: brand,
      strength: 1,
      preserveLightness: true,
    });
    const before = await decodeRawImage(new Uint8Array(input));
    const after = await decodeRawImage(bytes);
    expect([after.width, after.height, after.channels]).toEqual([192, 128, 4]);
    for (let index = 3; index < after.data.length; index += 4)
      expect(after.data[index]).toBe(before.data[index]);
    const lightness = (image: RawImage) => imageStatistics(image).mean[0];
    expect(Math.abs(lightness(after) - lightness(before))).toBeLessThan(0.01);
    expect(imageStatistics(after).mean[2]).toBeGreaterThan(imageStatistics(before).mean[2] + 0.05);
  });

  it('explains what is missing or wrong', async () => {
    const input = await coldInput;
    await expect(
      generateImage({
        model: new GradeImageModel(),
        prompt: 'no image',
        providerOptions: { builtin: { palette: brand } },
      }),
    ).rejects.toThrow('builtin:grade needs the image to grade: pass it as prompt.images[0]');
    await expect(grade(input, {})).rejects.toThrow('builtin:grade needs a target');
    await expect(grade(input, { palette: brand, strength: 1.5 })).rejects.toSatisfy(
      InvalidArgumentError.isInstance,
    );
    await expect(
      generateImage({
        model: new GradeImageModel(),
        prompt: { images: ['https://example.com/a.png'], text: '' },
        providerOptions: { builtin: { palette: brand } },
      }),
    ).rejects.toThrow('builtin:grade runs offline and does not download images');
  });

  it('warns about what it ignores', async () => {
    const { warnings } = await generateImage({
      model: new GradeImageModel(),
      prompt: { images: [await coldInput], text: 'x' },
      size: '512x512',
      providerOptions: { builtin: { palette: brand, strength: 0.2 } },
    });
    expect(warnings).toEqual([
      { type: 'unsupported', feature: 'size', details: 'builtin:grade keeps the input size' },
    ]);
  });
});
