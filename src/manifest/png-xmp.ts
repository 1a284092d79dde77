import { crc32 } from 'node:zlib';

const pngSignature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** The iTXt keyword XMP lives under in a PNG (XMP Specification Part 3, 1.1.5). */
const xmpKeyword = 'XML:com.adobe.xmp';

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function chunkType(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(bytes[offset + 4]!, bytes[offset + 5]!, bytes[offset + 6]!, bytes[offset + 7]!);
}

/**
 * Whether bytes are a PNG in the layout every stage stores (8-bit RGB or RGBA, not interlaced),
 * so a stage can keep a model's file as it is instead of decoding and compressing it again.
 */
export function isPlainRgbPng(bytes: Uint8Array): boolean {
  if (bytes.length < 33 || pngSignature.some((byte, index) => bytes[index] !== byte)) return false;
  // IHDR comes first: width, height, bit depth, colour type, compression, filter, interlace.
  if (view(bytes).getUint32(8) !== 13 || chunkType(bytes, 8) !== 'IHDR') return false;
  const [depth, colourType, interlace] = [bytes[24], bytes[25], bytes[28]];
  return depth === 8 && (colourType === 2 || colourType === 6) && interlace === 0;
}

/** XMP under its keyword in any text chunk: libvips (sharp's `withXmp`) writes it compressed, as zTXt. */
function isXmpChunk(png: Uint8Array, offset: number, length: number): boolean {
  const type = chunkType(png, offset);
  if (!(type === 'iTXt' || type === 'zTXt' || type === 'tEXt') || length <= xmpKeyword.length) return false;
  const keyword = Buffer.from(png.subarray(offset + 8, offset + 8 + xmpKeyword.length + 1));
  return keyword.toString('latin1') === `${xmpKeyword}\0`;
}

function xmpChunk(xmp: string): Buffer {
  // Keyword, NUL, compression flag 0, method 0, empty language tag + NUL, empty translation + NUL.
  const body = Buffer.concat([
    Buffer.from(`iTXt${xmpKeyword}`, 'latin1'),
    Buffer.from([0, 0, 0, 0, 0]),
    Buffer.from(xmp, 'utf8'),
  ]);
  const chunk = Buffer.alloc(body.length + 8);
  chunk.writeUInt32BE(body.length - 4, 0);
  body.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(body), body.length + 4);
  return chunk;
}

/**
 * The PNG with `xmp` in an uncompressed iTXt chunk before its first IDAT, replacing any XMP it
 * carried: what sharp's `withXmp` writes, without decoding or compressing the pixels again.
 * Throws on a truncated file.
 *
 * @example withPngXmp(png, provenanceXmp(record))
 */
export function withPngXmp(png: Uint8Array, xmp: string): Uint8Array {
  const chunks: Uint8Array[] = [png.subarray(0, 8)];
  let inserted = false;
  for (let offset = 8; offset < png.length; ) {
    const length = view(png).getUint32(offset);
    const end = offset + length + 12;
    if (end > png.length)
      throw new RangeError(`Expected a complete PNG but a chunk at byte ${offset} runs past its end`);
    if (!inserted && chunkType(png, offset) === 'IDAT') {
      chunks.push(xmpChunk(xmp));
      inserted = true;
    }
    if (!isXmpChunk(png, offset, length)) chunks.push(png.subarray(offset, end));
    offset = end;
  }
  if (!inserted) throw new RangeError('Expected a PNG with image data but it has no IDAT chunk');
  const joined = Buffer.concat(chunks);
  return new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength);
}

/**
 * How hard a PNG's pixels were compressed, as its zlib stream says (FLEVEL of the first IDAT's
 * header): 0 fastest (levels 0-1), 1 fast (2-5), 2 default (6), 3 maximum (7-9). Undefined for a
 * file with no readable IDAT.
 */
export function pngDeflateClass(png: Uint8Array): number | undefined {
  for (let offset = 8; offset + 12 <= png.length; ) {
    const length = view(png).getUint32(offset);
    if (chunkType(png, offset) === 'IDAT') return length >= 2 ? png[offset + 9]! >> 6 : undefined;
    offset += length + 12;
  }
  return undefined;
}

/** The FLEVEL zlib writes for a compression level 0..9 (zlib's `deflate.c`): see `pngDeflateClass`. */
export function deflateClassOfLevel(level: number): number {
  return level < 2 ? 0 : level < 6 ? 1 : level === 6 ? 2 : 3;
}
