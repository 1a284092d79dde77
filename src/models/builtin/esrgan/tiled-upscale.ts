import { type PlannedTile, planTiles, reflectIndex, type TilePlan, type TileSettings } from './tile-plan.ts';

/** Interleaved 8-bit RGB pixels. */
export interface RgbImage {
  readonly pixels: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export interface TiledUpscaleOptions {
  readonly scale: number;
  readonly settings: TileSettings;
  /** The network's pixel range: 255 (RDN models) or 1 (RRDN). */
  readonly range: number;
  /** Runs the network on one NHWC float tile (in worker threads, in production). */
  readonly runTile: (tile: Float32Array, width: number, height: number) => Promise<Float32Array>;
  /** How many tiles may be in the engines at once (the worker count). */
  readonly concurrency: number;
  /** Called as each tile finishes, in completion order. */
  readonly onTile?: (completed: number, total: number, tile: PlannedTile) => void;
  readonly signal?: AbortSignal;
}

/**
 * Upscales an RGB image tile by tile and stitches the tiles into one image.
 *
 * - Each tile is inferred with `padding` pixels of context on every side; past the image edge
 *   the context is the image reflected, which is also what the whole-image result sees, so with
 *   padding >= the network's receptive field a tile is exactly its part of the whole image.
 * - Neighbouring tiles overlap by `overlap` pixels on each side of a seam and are blended
 *   linearly across it (rows of tiles first, then strips), as `a + w * (b - a)`: identical
 *   values stay bit-identical, differing ones meet without a visible step.
 * - Tiles are submitted in row-major order, at most `concurrency` at a time, and a strip is
 *   written out as soon as its tiles are in, so memory holds a few tiles and two strips, never
 *   a float copy of the whole image.
 * - Any tile failure rejects the whole upscale: there is no partial result.
 */
export async function tiledUpscale(image: RgbImage, options: TiledUpscaleOptions): Promise<RgbImage> {
  const plan = planTiles(image.width, image.height, options.settings);
  const assembler = new StripAssembler(plan, options.scale, options.range);
  const outputs = new Map<number, Float32Array>();
  let nextToSubmit = 0;
  let completed = 0;
  let nextRow = 0;

  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (error: unknown) => {
      failed = true;
      reject(error);
    };
    const submit = () => {
      if (failed) return;
      if (options.signal?.aborted) return fail(options.signal.reason);
      const tile = plan.tiles[nextToSubmit++];
      if (!tile) return;
      const input = extractTile(image, tile, options.range);
      options.runTile(input, tile.input.width, tile.input.height).then((output) => {
        if (failed) return;
        const expected = tile.input.width * tile.input.height * options.scale * options.scale * 3;
        if (output.length !== expected) {
          return fail(
            new Error(`tile ${tile.index} came back with ${output.length} values, expected ${expected}`),
          );
        }
        outputs.set(tile.index, output);
        completed++;
        options.onTile?.(completed, plan.tiles.length, tile);
        while (nextRow < plan.rows && rowDone(plan, outputs, nextRow)) {
          const rowTiles = plan.tiles.slice(nextRow * plan.columns, (nextRow + 1) * plan.columns);
          assembler.addRow(
            nextRow,
            rowTiles.map((rowTile) => outputs.get(rowTile.index)!),
          );
          for (const rowTile of rowTiles) outputs.delete(rowTile.index);
          nextRow++;
        }
        if (completed === plan.tiles.length) resolve();
        else submit();
      }, fail);
    };
    for (let slot = 0; slot < Math.max(1, options.concurrency); slot++) submit();
  });
  return {
    pixels: assembler.result,
    width: image.width * options.scale,
    height: image.height * options.scale,
  };
}

function rowDone(plan: TilePlan, outputs: Map<number, Float32Array>, row: number): boolean {
  for (let column = 0; column < plan.columns; column++) {
    if (!outputs.has(row * plan.columns + column)) return false;
  }
  return true;
}

/** The tile's engine input: NHWC floats in the network's range, reflected past the image edges. */
export function extractTile(image: RgbImage, tile: PlannedTile, range: number): Float32Array {
  const { left, top, width, height } = tile.input;
  const factor = range / 255;
  const columns = Int32Array.from({ length: width }, (_, x) => reflectIndex(left + x, image.width) * 3);
  const out = new Float32Array(width * height * 3);
  let offset = 0;
  for (let y = 0; y < height; y++) {
    const rowStart = reflectIndex(top + y, image.height) * image.width * 3;
    for (let x = 0; x < width; x++) {
      const source = rowStart + columns[x]!;
      out[offset++] = image.pixels[source]! * factor;
      out[offset++] = image.pixels[source + 1]! * factor;
      out[offset++] = image.pixels[source + 2]! * factor;
    }
  }
  return out;
}

/**
 * Joins tile outputs into strips (blending across vertical seams), strips into the image
 * (blending across horizontal seams), and quantises finished rows to 8 bits.
 */
class StripAssembler {
  private readonly pixels: Uint8ClampedArray;
  private readonly outWidth: number;
  /** The previous strip, kept until the next one has been blended into its bottom overlap. */
  private previous: { strip: Float32Array; top: number; height: number } | undefined;
  private readonly buffers: [Float32Array, Float32Array];

  constructor(
    private readonly plan: TilePlan,
    private readonly scale: number,
    private readonly range: number,
  ) {
    this.outWidth = plan.width * scale;
    this.pixels = new Uint8ClampedArray(this.outWidth * plan.height * scale * 3);
    const stripFloats = this.outWidth * (plan.largestInput.height - 2 * plan.padding) * scale * 3;
    this.buffers = [new Float32Array(stripFloats), new Float32Array(plan.rows > 1 ? stripFloats : 0)];
  }

  get result(): Uint8Array {
    return new Uint8Array(this.pixels.buffer);
  }

  addRow(row: number, tileOutputs: readonly Float32Array[]): void {
    const { plan, scale, outWidth } = this;
    const first = plan.tiles[row * plan.columns]!;
    const stripTop = first.region.top * scale;
    const stripHeight = first.region.height * scale;
    // Two strip buffers, used in turn: the previous strip must survive until this one is blended.
    const strip = this.buffers[row % 2]!;
    const overlap = plan.overlap * scale;

    for (let column = 0; column < plan.columns; column++) {
      const tile = plan.tiles[row * plan.columns + column]!;
      const output = tileOutputs[column]!;
      const outputWidth = tile.input.width * scale;
      const regionLeft = tile.region.left * scale;
      const regionWidth = tile.region.width * scale;
      const offset = plan.padding * scale;
      // Columns [seam - overlap, seam + overlap) already hold the left neighbour's values: they
      // are blended, the rest of the row is copied as it is (one memcpy per row).
      const seam = plan.xBounds[column]! * scale;
      const blendStart = column > 0 ? seam - overlap : regionLeft;
      const blendEnd = column > 0 ? seam + overlap : regionLeft;
      const copyFrom = Math.min(regionLeft + regionWidth, Math.max(regionLeft, blendEnd));
      for (let y = 0; y < stripHeight; y++) {
        const sourceRow = ((y + offset) * outputWidth + offset) * 3;
        const targetRow = y * outWidth * 3;
        for (let outX = Math.max(regionLeft, blendStart); outX < copyFrom; outX++) {
          const source = sourceRow + (outX - regionLeft) * 3;
          const target = targetRow + outX * 3;
          const weight = (outX - blendStart + 0.5) / (blendEnd - blendStart);
          for (let channel = 0; channel < 3; channel++) {
            const before = strip[target + channel]!;
            strip[target + channel] = before + weight * (output[source + channel]! - before);
          }
        }
        const copied = sourceRow + (copyFrom - regionLeft) * 3;
        strip.set(output.subarray(copied, sourceRow + regionWidth * 3), targetRow + copyFrom * 3);
      }
    }

    const previous = this.previous;
    if (previous) {
      // Rows [seam - overlap, seam + overlap) are in both strips: blend the new one in.
      const seam = plan.yBounds[row]! * scale;
      const blendStart = seam - overlap;
      const blendEnd = seam + overlap;
      for (let outY = blendStart; outY < blendEnd; outY++) {
        const weight = (outY - blendStart + 0.5) / (blendEnd - blendStart);
        const mine = (outY - stripTop) * outWidth * 3;
        const theirs = (outY - previous.top) * outWidth * 3;
        for (let index = 0; index < outWidth * 3; index++) {
          const before = previous.strip[theirs + index]!;
          strip[mine + index] = before + weight * (strip[mine + index]! - before);
        }
      }
    }
    // Everything above the next seam's overlap is final.
    const finalEnd = row < plan.rows - 1 ? plan.yBounds[row + 1]! * scale - overlap : stripTop + stripHeight;
    this.quantise(strip, stripTop, finalEnd);
    this.previous = { strip, top: stripTop, height: stripHeight };
  }

  /** Writes the strip's rows from its top down to output row `end` (exclusive) as 8-bit RGB. */
  private quantise(strip: Float32Array, top: number, end: number): void {
    const factor = 255 / this.range;
    const count = (end - top) * this.outWidth * 3;
    const target = top * this.outWidth * 3;
    // A clamped array rounds to nearest (ties to even) and clamps to 0..255 on assignment.
    for (let index = 0; index < count; index++) this.pixels[target + index] = strip[index]! * factor;
  }
}
