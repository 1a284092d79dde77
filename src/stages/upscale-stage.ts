import type { JSONObject, SharedV3ProviderOptions } from '@ai-sdk/provider';
import type { Sharp } from 'sharp';
import { z } from 'zod';
import { softwareAgentOf } from '../credentials/software-agent.ts';
import { withBuiltinProgress } from '../models/builtin/builtin-progress.ts';
import { parseByteSize } from '../models/builtin/esrgan/esrgan-settings.ts';
import { generationRecord } from '../models/generation-record.ts';
import { loadSharp } from '../util/sharp.ts';
import { generateImage } from './generate-image.ts';
import type { StageDefinition } from './stage.ts';

const memoryBudgetSchema = z.union([z.number(), z.string()]).transform((value, context) => {
  const bytes = parseByteSize(value);
  if (bytes === undefined) {
    context.addIssue({
      code: 'custom',
      message: `malformed memory budget: expected bytes or a size like "1.5GB", "800MB", "2GiB" but found ${JSON.stringify(value)}`,
    });
    return z.NEVER;
  }
  return bytes;
});

const upscaleParamsSchema = z.strictObject({
  /** Upscaling factor. */
  scale: z
    .number()
    .refine((value) => value === 2 || value === 4, 'expected scale 2 or 4')
    .transform((value) => value as 2 | 4)
    .default(2),
  /** Largest tile edge in input pixels (built-in upscalers; default 256). */
  tile: z.number().int().min(32).max(4096).optional(),
  /** Context pixels around each tile (default: the model's seam-free padding). */
  padding: z.number().int().min(0).max(512).optional(),
  /** Pixels blended on each side of a seam (default 4). */
  overlap: z.number().int().min(0).max(128).optional(),
  /** Peak memory the upscale may use: bytes or "1.5GB"; a smaller tile is chosen to fit, or the job refuses. */
  memoryBudget: memoryBudgetSchema.optional(),
  /**
   * The provider option that carries `scale` to a hosted upscaler (`scale` for fal's ESRGAN and
   * Replicate's real-esrgan, `upscale_factor` for fal's clarity upscaler by default); `none` sends none.
   */
  scaleOption: z.string().min(1).optional(),
  /** Passed through to the provider, keyed by provider name (AI SDK convention). */
  providerOptions: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
});
export type UpscaleParams = z.infer<typeof upscaleParamsSchema>;

/** Where well-known hosted upscalers take their factor, by provider and model id. */
const scaleOptions: Readonly<Record<string, ReadonlyArray<[RegExp, string]>>> = {
  fal: [
    [/clarity-upscaler/, 'upscale_factor'],
    [/aura-sr/, 'upscaling_factor'],
    [/esrgan|upscale/, 'scale'],
  ],
  replicate: [[/esrgan|upscale|swinir/, 'scale']],
};

/** The provider option a remote upscaler reads its factor from, if Atelier knows it. */
export function defaultScaleOption(provider: string, modelId: string): string | undefined {
  return scaleOptions[provider]?.find(([pattern]) => pattern.test(modelId))?.[1];
}

/**
 * Stage 4: upscales the previous stage's image with whichever model is bound to the `upscale`
 * role, through `generateImage({ prompt: { images: [input] } })`. The built-in ESRGAN models
 * take the tile settings from `providerOptions.builtin`; a remote upscaler gets the same call
 * (and whatever `providerOptions` the config gives it). The master is always exactly
 * `scale` times the input, so the export crops that follow are predictable.
 */
export const upscaleStage: StageDefinition<UpscaleParams> = {
  name: 'upscale',
  role: 'upscale',
  sendsInputImage: true,
  credentialAction: (params, models) => ({
    action: 'c2pa.resized',
    softwareAgent: softwareAgentOf(models.upscale),
    parameters: { scale: params.scale },
  }),
  paramsSchema: upscaleParamsSchema,
  shotInputs: () => ({}),
  warmUpSettings: builtinOptions,
  async run(context) {
    const sharp = await loadSharp();
    const { params, model, input } = context;
    if (!model) throw new Error('upscale stage ran without a model');
    if (!input) throw new Error('upscale stage ran without an input image');
    const warnings: string[] = [];
    const provider = model.instance.provider.split('.')[0] ?? model.instance.provider;
    const passed = params.providerOptions as SharedV3ProviderOptions | undefined;
    const remote: SharedV3ProviderOptions = {};
    if (provider !== 'builtin') {
      const option = params.scaleOption ?? defaultScaleOption(provider, model.instance.modelId);
      if (option && option !== 'none') {
        remote[provider] = { [option]: params.scale, ...passed?.[provider] } as JSONObject;
      } else if (!option) {
        warnings.push(
          `scale ${params.scale} not sent to ${model.lock.reference}: no known scale option (set scaleOption to name it, or to none); the result is resized to ${params.scale}x`,
        );
      }
    }
    const result = await withBuiltinProgress(
      (fraction, message) => context.progress(fraction, message),
      () =>
        generateImage({
          model: model.instance,
          prompt: { images: [input.bytes] },
          providerOptions: {
            ...passed,
            ...remote,
            builtin: builtinOptions(params),
          },
          abortSignal: context.signal,
        }),
    );
    const record = generationRecord(result);
    warnings.push(...record.warnings);
    const width = input.width * params.scale;
    const height = input.height * params.scale;
    const produced = await sharp(result.image.uint8Array).metadata();
    let image: Sharp | Uint8Array = result.image.uint8Array;
    if (produced.width !== width || produced.height !== height) {
      // A remote upscaler may round or cap sizes; crops downstream rely on the exact factor.
      warnings.push(
        `upscaler returned ${produced.width}x${produced.height}, resized to ${width}x${height} (Lanczos-3)`,
      );
      image = sharp(result.image.uint8Array).resize(width, height, { fit: 'fill', kernel: 'lanczos3' });
    }
    const bytes = await context.encode(image, 'png');
    context.progress(1, `${width}x${height}`);
    return {
      status: 'ok',
      outputs: [{ name: '', bytes, mediaType: 'image/png', primary: true }],
      warnings,
      details: {
        scale: params.scale,
        width,
        height,
        upscaler: result.providerMetadata.builtin?.images[0] ?? null,
        ...record.details,
      },
      costUsd: record.costUsd,
    };
  },
};

/** The built-in upscalers' settings (`providerOptions.builtin`): the tile settings, then any the config adds. */
function builtinOptions(params: UpscaleParams): JSONObject {
  const tiling = Object.fromEntries(
    Object.entries({
      scale: params.scale,
      tile: params.tile,
      padding: params.padding,
      overlap: params.overlap,
      memoryBudget: params.memoryBudget,
    }).filter(([, value]) => value !== undefined),
  ) as JSONObject;
  return { ...tiling, ...(params.providerOptions?.builtin as JSONObject | undefined) };
}
