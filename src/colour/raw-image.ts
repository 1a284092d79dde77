import { defaultEncodeEffort, loadSharp } from '../util/sharp.ts';

/** Interleaved 8-bit sRGB pixels, with or without an alpha channel. */
export interface RawImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4;
}

/**
 * Decodes any image sharp reads (PNG, JPEG, WebP...) to 8-bit sRGB pixels: grey images gain
 * colour channels and 16-bit images drop to 8 bits, so the colour code handles one layout.
 */
export async function decodeRawImage(bytes: Uint8Array): Promise<RawImage> {
  const sharp = await loadSharp();
  const { data, info } = await sharp(bytes)
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 && info.channels !== 4) {
    throw new RangeError(`Expected an image with 3 or 4 channels but decoded ${info.channels}`);
  }
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
    channels: info.channels,
  };
}

/** Encodes raw pixels as PNG (lossless, so the pixels survive exactly). */
export async function encodeRawImagePng(
  image: RawImage,
  compressionLevel = defaultEncodeEffort.png,
): Promise<Uint8Array> {
  const sharp = await loadSharp();
  const buffer = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: image.channels },
  })
    .png({ compressionLevel })
    .toBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
