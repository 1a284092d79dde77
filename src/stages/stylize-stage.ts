import type { JSONObject, SharedV3ProviderOptions } from '@ai-sdk/provider';
import { generateImage } from 'ai';
import sharp from 'sharp';
import { z } from 'zod';
import { measureImageColour } from '../colour/image-colour.ts';
import { decodeRawImage } from '../colour/raw-image.ts';
import type { ColourQa } from '../config/campaign-schema.ts';
import { generationRecord } from '../models/generation-record.ts';
import type { StageDefinition } from './stage.ts';

const stylizeParamsSchema = z.strictObject({
  /** How far the model may move the image: 0 keeps it, 1 goes all the way (default 0.5). */
  strength: z
    .number()
    .min(0, 'expected a strength from 0 to 1')
    .max(1, 'expected a strength from 0 to 1')
    .default(0.5),
  /** builtin:grade only: move colour, keep lightness and contrast. */
  preserveLightness: z.boolean().default(false),
  /**
   * builtin:grade only: `statistics` matches overall colour balance and spread (objects keep
   * their hue), `palette` pulls each dominant colour toward the nearest brand colour (recolours).
   */
  mode: z.enum(['statistics', 'palette']).default('statistics'),
  /**
   * The provider option that carries `strength` to a remote model (`strength` on fal,
   * `prompt_strength` on replicate, `denoise` on comfyui by default); `none` sends none.
   */
  strengthOption: z.string().min(1).optional(),
  /** Passed through to the provider, keyed by provider name (AI SDK convention). */
  providerOptions: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
});
export type StylizeParams = z.infer<typeof stylizeParamsSchema>;

/** Where well-known image-to-image APIs take their strength; others get none unless the config names it. */
const defaultStrengthOptions: Readonly<Record<string, string>> = {
  fal: 'strength',
  replicate: 'prompt_strength',
  comfyui: 'denoise',
};

/**
 * The key a provider reads its `providerOptions` under: AI SDK models report `fal.image`,
 * `openai.image`..., and read `providerOptions.fal`, `providerOptions.openai`...
 */
export function providerOptionsKey(provider: string): string {
  return provider.split('.')[0] ?? provider;
}

/**
 * Stage 3: a refinement pass over the previous stage's image, by whichever model is bound to
 * the `stylize` role: `builtin:grade` (a deterministic colour grade toward the brand palette)
 * or a remote image-to-image / edit model, called the same way through `generateImage` with
 * `prompt: { images: [input], text: shot.prompt }` and the strength in `providerOptions`.
 *
 * Every output's colour is measured (dominant palette, mean colour, CIEDE2000 distance to the
 * brand palette) into the manifest; with `qa.colour.maxDeltaE` set, an image further from the
 * brand than that is rejected and, within `qa.colour.rerolls`, re-rolled with a new seed.
 */
export const stylizeStage: StageDefinition<StylizeParams> = {
  name: 'stylize',
  role: 'stylize',
  sendsInputImage: true,
  qaSection: 'colour',
  paramsSchema: stylizeParamsSchema,
  shotInputs: (shot) => ({ prompt: shot.prompt }),
  rerollBudget: (_params, qa) => (qa as ColourQa | undefined)?.rerolls ?? 0,
  async run(context) {
    const { input, model, params, shot, brand } = context;
    if (!input) throw new Error('stylize stage ran without an input image');
    if (!model) throw new Error('stylize stage ran without a model');
    const warnings: string[] = [];
    const provider = providerOptionsKey(model.instance.provider);
    const passed = params.providerOptions as SharedV3ProviderOptions | undefined;
    const providerOptions: SharedV3ProviderOptions = {
      ...passed,
      builtin: {
        palette: brand.palette,
        strength: params.strength,
        preserveLightness: params.preserveLightness,
        mode: params.mode,
        ...passed?.builtin,
      },
    };
    if (provider !== 'builtin') {
      const option = params.strengthOption ?? defaultStrengthOptions[provider];
      if (option && option !== 'none') {
        providerOptions[provider] = { [option]: params.strength, ...passed?.[provider] } as JSONObject;
      } else if (!option) {
        warnings.push(
          `strength ${params.strength} not sent to ${model.instance.provider}: no known strength option (set strengthOption to name it, or to none)`,
        );
      }
    }
    const result = await generateImage({
      model: model.instance,
      prompt: { images: [input.bytes], text: shot.prompt },
      seed: context.seed,
      providerOptions,
      abortSignal: context.signal,
    });
    context.progress(0.7, 'measuring colour');
    const pixels = await decodeRawImage(result.image.uint8Array);
    const colour = measureImageColour(pixels, brand.palette);
    const record = generationRecord(result);
    const details = { strength: params.strength, colour, ...record.details };
    const qa = context.qa as ColourQa | undefined;
    if (qa && colour.brandDeltaE > qa.maxDeltaE) {
      return {
        status: 'rejected',
        reason: `colour: palette is ${colour.brandDeltaE.toFixed(1)} ΔE00 from the brand palette, above qa.colour.maxDeltaE ${qa.maxDeltaE}`,
        reroll: qa.rerolls > 0,
        details,
        costUsd: record.costUsd,
      };
    }
    const raw = { width: pixels.width, height: pixels.height, channels: pixels.channels };
    const bytes = await context.encode(sharp(pixels.data, { raw }), 'png');
    return {
      status: 'ok',
      outputs: [{ name: '', bytes, mediaType: 'image/png', primary: true }],
      warnings: [...warnings, ...record.warnings],
      details,
      costUsd: record.costUsd,
    };
  },
};
