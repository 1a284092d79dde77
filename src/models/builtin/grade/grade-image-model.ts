import {
  type ImageModelV3,
  type ImageModelV3CallOptions,
  type ImageModelV3File,
  InvalidArgumentError,
  type SharedV3Warning,
} from '@ai-sdk/provider';
import { convertBase64ToUint8Array, parseProviderOptions } from '@ai-sdk/provider-utils';
import { z } from 'zod';
import type { RawImage } from '../../../colour/raw-image.ts';

const hexColour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'expected a hex colour like "#1A2B3C"');

/** What `builtin:grade` reads from `providerOptions.builtin`. */
export const gradeOptionsSchema = z.object({
  /** 0 returns the input untouched; 1 matches the target's colour statistics fully. */
  strength: z.number().min(0).max(1).default(0.5),
  /** The target when no reference image is given (the stylize stage passes the brand palette). */
  palette: z.array(hexColour).min(1).optional(),
  /** Relative weight of each palette colour in the target statistics (equal by default). */
  paletteWeights: z.array(z.number().min(0)).optional(),
  /** Move colour only and keep the image's lightness and contrast. */
  preserveLightness: z.boolean().default(false),
  /**
   * `statistics`: match the image's overall OKLab mean and spread to the target's (a shared
   * colour balance; objects keep their hue). `palette`: pull each dominant colour of the image
   * toward the nearest target colour (recolours; a red object turns the nearest brand colour).
   */
  mode: z.enum(['statistics', 'palette']).default('statistics'),
});
export type GradeOptions = z.infer<typeof gradeOptionsSchema>;

/**
 * `builtin:grade`: a deterministic colour grade exposed as an AI SDK ImageModelV3, so a
 * remote image-to-image or edit model can take the `stylize` role in its place.
 *
 * It takes the image to grade as the first input file (`prompt: { images: [image] }`) and moves
 * it toward a target by `strength`: the second input file when one is given (a reference
 * image), otherwise `providerOptions.builtin.palette`. In `statistics` mode (the default) it
 * matches the image's OKLab mean and spread (lightness, and the a/b colour axes) to the
 * target's: a set comes to share one colour balance, contrast and saturation, and objects keep
 * their hue. In `palette` mode it pulls each dominant colour of the image toward the nearest
 * target colour, which recolours. Neither generates or repaints content.
 * The same inputs give the same bytes; strength 0 returns the input file unchanged. The
 * prompt and seed are not used.
 *
 * @example
 * const { image } = await generateImage({
 *   model: new GradeImageModel(),
 *   prompt: { images: [png], text: 'warm spring light' },
 *   providerOptions: { builtin: { palette: ['#F4E9DA', '#2E4057'], strength: 0.6 } },
 * });
 */
export class GradeImageModel implements ImageModelV3 {
  readonly specificationVersion = 'v3';
  readonly provider = 'builtin';
  readonly modelId = 'grade';
  readonly maxImagesPerCall = 1;

  async doGenerate(options: ImageModelV3CallOptions) {
    const warnings: SharedV3Warning[] = [];
    const settings = await parseProviderOptions({
      provider: 'builtin',
      providerOptions: options.providerOptions,
      schema: gradeOptionsSchema,
    });
    const { strength, palette, paletteWeights, preserveLightness, mode } = gradeOptionsSchema.parse(
      settings ?? {},
    );
    const [input, reference, ...rest] = options.files ?? [];
    if (!input) {
      throw new InvalidArgumentError({
        argument: 'files',
        message: 'builtin:grade needs the image to grade: pass it as prompt.images[0]',
      });
    }
    if (!reference && !palette) {
      throw new InvalidArgumentError({
        argument: 'providerOptions.builtin.palette',
        message:
          'builtin:grade needs a target: a reference image as prompt.images[1] or providerOptions.builtin.palette',
      });
    }
    if (rest.length > 0) {
      warnings.push({
        type: 'unsupported',
        feature: 'files',
        details: 'builtin:grade uses at most two input images',
      });
    }
    if (options.mask)
      warnings.push({
        type: 'unsupported',
        feature: 'mask',
        details: 'builtin:grade grades the whole image',
      });
    if (options.size || options.aspectRatio) {
      warnings.push({
        type: 'unsupported',
        feature: options.size ? 'size' : 'aspectRatio',
        details: 'builtin:grade keeps the input size',
      });
    }

    options.abortSignal?.throwIfAborted();
    const inputBytes = fileBytes(input, 'files[0]');
    let output = inputBytes;
    if (strength > 0) {
      // The colour maths (culori, sharp) loads with the first grade: listing or validating
      // models never pays for it.
      const [
        { dominantPalette },
        { decodeRawImage, encodeRawImagePng },
        { paletteTargets, transferPalette },
        { imageStatistics, paletteStatistics, transferStatistics },
      ] = await Promise.all([
        import('../../../colour/dominant-palette.ts'),
        import('../../../colour/raw-image.ts'),
        import('./palette-transfer.ts'),
        import('./statistics-transfer.ts'),
      ]);
      const image = await decodeRawImage(inputBytes);
      const referenceImage = reference ? await decodeRawImage(fileBytes(reference, 'files[1]')) : undefined;
      const options = { strength, preserveLightness };
      let graded: RawImage;
      if (mode === 'palette') {
        // A reference image's own dominant colours are its palette.
        const targets = referenceImage
          ? dominantPalette(referenceImage).map((colour) => colour.oklab)
          : paletteTargets(palette!);
        graded = transferPalette(image, targets, options);
      } else {
        const target = referenceImage
          ? imageStatistics(referenceImage)
          : paletteStatistics(palette!, paletteWeights);
        graded = transferStatistics(image, target, options);
      }
      // Level 1: this PNG only carries pixels to the stage, which encodes the final file.
      output = await encodeRawImagePng(graded);
    }
    // Deterministic: asking for several images gives several copies of the one grade.
    const images = Array.from({ length: options.n }, () => output);
    return {
      images,
      warnings,
      response: { timestamp: new Date(), modelId: this.modelId, headers: undefined },
    };
  }
}

function fileBytes(file: ImageModelV3File, argument: string): Uint8Array {
  if (file.type === 'url') {
    throw new InvalidArgumentError({
      argument,
      message: `builtin:grade runs offline and does not download images; pass the bytes instead of ${file.url}`,
    });
  }
  return typeof file.data === 'string' ? convertBase64ToUint8Array(file.data) : file.data;
}
