import type { JSONObject, SharedV3ProviderOptions } from '@ai-sdk/provider';
import sharp from 'sharp';
import { z } from 'zod';
import { aspectSchema, type Shot, sizeSchema } from '../config/campaign-schema.ts';
import { digitalSourceTypeOf, softwareAgentOf } from '../credentials/software-agent.ts';
import { generationRecord } from '../models/generation-record.ts';
import { generateImage } from './generate-image.ts';
import type { StageDefinition } from './stage.ts';

const composeParamsSchema = z
  .strictObject({
    /** Working resolution, e.g. 1024x1024. */
    size: sizeSchema.optional(),
    /** Used when the model prefers aspect ratios to sizes (or no size is given). */
    aspectRatio: aspectSchema.optional(),
    /**
     * How the model is asked: `{prompt}` and `{headline}` are replaced with the shot's. Shots
     * without a headline, or whose prompt already quotes it, are sent as written. Typography
     * `check` fills in its own default when this is absent.
     */
    prompt: z.string().min(1).optional(),
    /** Passed through to the provider, keyed by provider name (AI SDK convention). */
    providerOptions: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  })
  .refine((params) => !(params.size && params.aspectRatio), {
    message: 'give either size or aspectRatio, not both',
    path: ['aspectRatio'],
  });
export type ComposeParams = z.infer<typeof composeParamsSchema>;

/**
 * Stage 1: text-to-image composition at working resolution through the AI SDK's
 * `generateImage`, whichever model is bound to the `compose` role.
 */
export const composeStage: StageDefinition<ComposeParams> = {
  name: 'compose',
  role: 'compose',
  credentialAction: (params, models) => ({
    action: 'c2pa.created',
    digitalSourceType: digitalSourceTypeOf(models.compose),
    softwareAgent: softwareAgentOf(models.compose),
    parameters: {
      ...(params.size ? { size: `${params.size.width}x${params.size.height}` } : {}),
      ...(params.aspectRatio ? { aspectRatio: params.aspectRatio } : {}),
    },
  }),
  position: 'first',
  paramsSchema: composeParamsSchema,
  acceptsPromptTemplate: true,
  shotInputs: (shot, params) => ({
    prompt: shot.prompt,
    negativePrompt: shot.negativePrompt,
    ...(params.prompt?.includes('{headline}') ? { headline: shot.headline } : {}),
  }),
  async run(context) {
    const { params, shot, model } = context;
    if (!model) throw new Error('compose stage ran without a model');
    const prompt = composePrompt(params.prompt, shot);
    const size = params.size ? (`${params.size.width}x${params.size.height}` as const) : undefined;
    const aspectRatio = !size ? ((params.aspectRatio ?? '1:1') as `${number}:${number}`) : undefined;
    const result = await generateImage({
      model: model.instance,
      prompt,
      size,
      aspectRatio,
      seed: context.seed,
      providerOptions: {
        ...(params.providerOptions as SharedV3ProviderOptions | undefined),
        builtin: {
          palette: context.brand.palette,
          ...(params.providerOptions?.builtin as JSONObject | undefined),
        },
        // Remote providers put it where their model reads a negative prompt.
        ...(shot.negativePrompt ? { atelier: { negativePrompt: shot.negativePrompt } } : {}),
      },
      abortSignal: context.signal,
    });
    const bytes = await context.encode(sharp(result.image.uint8Array), 'png');
    const { details, warnings, costUsd } = generationRecord(result);
    return {
      status: 'ok',
      outputs: [{ name: '', bytes, mediaType: 'image/png', primary: true }],
      warnings,
      details: prompt === shot.prompt ? details : { prompt, ...details },
      costUsd,
    };
  },
};

/**
 * The prompt compose sends: the template with the shot's prompt and headline, or the shot's
 * prompt as written when there is no template, no headline, or the prompt already quotes it.
 *
 * @example composePrompt('{prompt}, with the text "{headline}"', { prompt: 'a poster', headline: 'Hi' }) // 'a poster, with the text "Hi"'
 */
export function composePrompt(template: string | undefined, shot: Pick<Shot, 'prompt' | 'headline'>): string {
  if (!template) return shot.prompt;
  const needsHeadline = template.includes('{headline}');
  if (needsHeadline && (!shot.headline || shot.prompt.includes(`"${shot.headline}"`))) return shot.prompt;
  return template.replace(/\{(prompt|headline)\}/g, (_, key: string) =>
    key === 'prompt' ? shot.prompt : (shot.headline ?? ''),
  );
}
