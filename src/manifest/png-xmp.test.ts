import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { deflateClassOfLevel, isPlainRgbPng, pngDeflateClass, withPngXmp } from './png-xmp.ts';
import { type Provenance, provenanceXmp, readEmbeddedProvenance } from './provenance.ts';

const width = 24;
const height = 16;
const pixels = Buffer.from(Array.from({ length: width * height * 3 }, (_, index) => (index * 37) % 256));
const raw = { raw: { width, height, channels: 3 as const } };

const record: { cacheKey: string } & Provenance = {
  cacheKey: 'a'.repeat(64),
  stage: 'upscale',
  params: { scale: 2, note: 'tulips & <roses> “quoted”' },
  model: { reference: 'builtin:esrgan-slim' },
  seed: 7,
  shot: { id: 'hero' },
  brand: {},
  inputs: ['b'.repeat(64)],
};

describe('PNG provenance without re-encoding', () => {
  it('tells the stored layout (8-bit RGB or RGBA, not interlaced) from everything else', async () => {
    expect(isPlainRgbPng(await sharp(pixels, raw).png().toBuffer())).toBe(true);
    expect(isPlainRgbPng(await sharp(pixels, raw).ensureAlpha().png().toBuffer())).toBe(true);
    const grey = { raw: { width, height, channels: 1 as const } };
    const greyPng = await sharp(pixels.subarray(0, width * height), grey)
      .toColourspace('b-w')
      .png()
      .toBuffer();
    expect(isPlainRgbPng(greyPng)).toBe(false);
    expect(isPlainRgbPng(await sharp(pixels, raw).png({ progressive: true }).toBuffer())).toBe(false);
    expect(isPlainRgbPng(await sharp(pixels, raw).toColourspace('rgb16').png().toBuffer())).toBe(false);
    expect(isPlainRgbPng(await sharp(pixels, raw).jpeg().toBuffer())).toBe(false);
  });

  it('adds the record as XMP that sharp and the provenance reader read back, pixels untouched', async () => {
    const png = await sharp(pixels, raw).png({ compressionLevel: 9 }).toBuffer();
    const annotated = withPngXmp(png, provenanceXmp(record));
    expect((await sharp(annotated).metadata()).xmp?.toString('utf8')).toBe(provenanceXmp(record));
    expect(await readEmbeddedProvenance(annotated)).toEqual(record);
    expect(await sharp(annotated).raw().toBuffer()).toEqual(pixels);
    // Only a chunk was added: the compressed image data is the model's own.
    expect(annotated.byteLength - png.byteLength).toBe(Buffer.byteLength(provenanceXmp(record)) + 12 + 22);
  });

  it('replaces XMP the file already carried instead of adding a second packet', async () => {
    const earlier = await sharp(pixels, raw)
      .withXmp(provenanceXmp({ ...record, seed: 1 }))
      .png()
      .toBuffer();
    const annotated = withPngXmp(earlier, provenanceXmp(record));
    expect((await readEmbeddedProvenance(annotated))?.seed).toBe(7);
    expect(Buffer.from(annotated).toString('latin1').split('XML:com.adobe.xmp').length).toBe(2);
  });

  it('refuses a truncated file rather than writing half of one', async () => {
    const png = await sharp(pixels, raw).png().toBuffer();
    expect(() => withPngXmp(png.subarray(0, png.length - 20), provenanceXmp(record))).toThrow(
      /runs past its end/,
    );
  });

  it('reads how hard the pixels were compressed from the zlib header, as zlib classes the level', async () => {
    const classes = await Promise.all(
      [0, 1, 2, 5, 6, 7, 9].map(async (level) =>
        pngDeflateClass(await sharp(pixels, raw).png({ compressionLevel: level }).toBuffer()),
      ),
    );
    expect(classes).toEqual([0, 0, 1, 1, 2, 3, 3]);
    expect([0, 1, 2, 5, 6, 7, 9].map(deflateClassOfLevel)).toEqual(classes);
    const signatureAndHeaderOnly = (await sharp(pixels, raw).png().toBuffer()).subarray(0, 33);
    expect(pngDeflateClass(signatureAndHeaderOnly)).toBeUndefined();
  });
});
