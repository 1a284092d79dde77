import sharp from 'sharp';

/**
 * A real PNG of the given size whose colours follow the seed: a diagonal gradient, so crops and
 * resizes have something to work on and different seeds give different bytes.
 */
export async function renderFakePng(width: number, height: number, seed = 0): Promise<Uint8Array> {
  const hue = (seed * 47) % 360;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">` +
    `<stop offset="0" stop-color="hsl(${hue},70%,60%)"/><stop offset="1" stop-color="hsl(${(hue + 120) % 360},60%,30%)"/>` +
    `</linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/></svg>`;
  const buffer = await sharp(Buffer.from(svg)).png({ compressionLevel: 1 }).toBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Bytes that are not an image at all. */
export function garbageBytes(length = 2048): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index++) bytes[index] = (index * 7919 + 13) % 251;
  return bytes;
}

/** A PNG cut short: the header decodes, the pixels do not. */
export async function truncatedPng(width = 64, height = 64): Promise<Uint8Array> {
  const whole = await renderFakePng(width, height, 3);
  return whole.slice(0, Math.floor(whole.byteLength / 2));
}
