import type { ImageModelV3, ImageModelV3CallOptions } from '@ai-sdk/provider';
import sharp from 'sharp';
import { copyLayoutSchema } from '../../src/typography/copy-layout.ts';
import { copyStyleSchema, overlayCopy } from '../../src/typography/overlay-copy.ts';

export interface LetteringImageModelOptions {
  /** Whether the lettering at this seed comes out wrong (two letters swapped, one dropped). */
  readonly garbles?: (seed: number) => boolean;
  /** Background of images drawn from a prompt alone. */
  readonly background?: string;
}

/**
 * A real ImageModelV3 for tests that letters the text quoted in its prompt ("...") with the
 * overlay typesetter — onto the input image when one is given (an edit), onto a plain
 * background otherwise. Like a generative model, it can get the lettering wrong: `garbles`
 * decides per seed. It stands in for a typography-strong remote model (or a compose model that
 * draws headlines) in offline tests; it is not registered as a built-in.
 */
export class LetteringImageModel implements ImageModelV3 {
  readonly specificationVersion = 'v3';
  readonly provider = 'test';
  readonly modelId = 'lettering';
  readonly maxImagesPerCall = 1;
  /** Calls received, for assertions on what the stage asked. */
  readonly calls: ImageModelV3CallOptions[] = [];

  constructor(private readonly options: LetteringImageModelOptions = {}) {}

  async doGenerate(call: ImageModelV3CallOptions) {
    this.calls.push(call);
    const [width, height] = (call.size ?? '1024x1024').split('x').map(Number) as [number, number];
    const seed = call.seed ?? 0;
    const file = call.files?.[0];
    const base =
      file?.type === 'file'
        ? typeof file.data === 'string'
          ? Buffer.from(file.data, 'base64')
          : file.data
        : await sharp({
            create: { width, height, channels: 3, background: this.options.background ?? '#E8E2D6' },
          })
            .png()
            .toBuffer();
    const text = /"([^"]+)"/.exec(call.prompt ?? '')?.[1];
    const quoted = text && this.options.garbles?.(seed) ? garble(text) : text;
    const image: Uint8Array = quoted ? await letterText(base, quoted, seed) : base;
    return {
      images: [image],
      warnings: [],
      response: { timestamp: new Date(), modelId: this.modelId, headers: undefined },
    };
  }
}

/** The kind of lettering error image models make: neighbouring letters swapped, one dropped. */
export function garble(text: string): string {
  const letters = Array.from(text);
  const at = letters.findIndex(
    (letter, index) => /\p{L}/u.test(letter) && /\p{L}/u.test(letters[index + 1] ?? ''),
  );
  if (at >= 0) [letters[at], letters[at + 1]] = [letters[at + 1]!, letters[at]!];
  const last = letters.findLastIndex((letter) => /\p{L}/u.test(letter));
  if (last > at + 1) letters.splice(last - 1, 1);
  return letters.join('');
}

/**
 * Letters `text` onto a PNG with the overlay typesetter, at the top for even seeds and centred
 * for odd ones: how the lettering doubles and the provider fakes draw a quoted headline.
 */
export async function letterText(png: Uint8Array, text: string, seed = 0): Promise<Uint8Array> {
  const drawn = await overlayCopy({
    image: png,
    copy: { headline: text },
    fonts: {},
    layout: copyLayoutSchema.parse({ position: seed % 2 === 0 ? 'top' : 'centre', align: 'centre' }),
    style: copyStyleSchema.parse({}),
  });
  const buffer = await sharp(drawn.pixels, {
    raw: { width: drawn.width, height: drawn.height, channels: drawn.channels },
  })
    .png()
    .toBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
