import type { ImageModelV3, JSONObject, SharedV3ProviderOptions } from '@ai-sdk/provider';
import { z } from 'zod';
import { decodeRawImage } from '../colour/raw-image.ts';
import type { ColourQa, Shot } from '../config/campaign-schema.ts';
import { softwareAgentOf } from '../credentials/software-agent.ts';
import { AtelierError } from '../errors.ts';
import { isPlainRgbPng } from '../manifest/png-xmp.ts';
import { type GenerationRecord, generationRecord } from '../models/generation-record.ts';
import { isOcrModel } from '../models/ocr-model.ts';
import { readCopy } from '../typography/read-copy.ts';
import { defaultEncodeEffort, loadSharp } from '../util/sharp.ts';
import { generateImage } from './generate-image.ts';
import type { BoundModel, StageContext, StageDefinition, StageResult } from './stage.ts';

const stylizeParamsSchema = z
  .strictObject({
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
    /**
     * `input` refines the previous stage's image (edits, image-to-image, the built-in grade).
     * `prompt` re-renders from the shot's prompt plus `style`, for text-only models such as
     * DALL·E 3: the composition is not kept, and the result is labelled so.
     */
    source: z.enum(['input', 'prompt']).default('input'),
    /** prompt source: the style the image is re-rendered in, e.g. "soft pastel gouache, brand colours". */
    style: z.string().min(1).optional(),
    /**
     * prompt source: how the model is asked; `{prompt}`, `{style}` and `{headline}` are replaced.
     * `{headline}` is only used when the shot has one (the default adds it in quotes).
     */
    prompt: z.string().min(1).optional(),
    /** prompt source: the headline is read back after re-rendering; below this score the shot is re-rolled. */
    minScore: z.number().min(0).max(1).default(0.9),
    /** prompt source: re-rolls after a re-render whose headline does not read back. */
    retries: z.number().int().min(0).max(20).default(2),
    /** Passed through to the provider, keyed by provider name (AI SDK convention). */
    providerOptions: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  })
  .refine((params) => params.source === 'input' || params.style !== undefined, {
    message: 'source: prompt re-renders the shot in a style: give style (e.g. "soft pastel gouache")',
    path: ['style'],
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
  optionalRoles: ['ocr'],
  extraRoles: (params) => (params.source === 'prompt' ? ['ocr'] : []),
  modelCalls: (params) => [
    {
      role: 'stylize',
      sendsInputImage: params.source === 'input',
      options: { providerOptions: params.providerOptions },
      withoutInputImage: `set source: prompt and a style on the stylize stage to re-render from the shot's prompt instead (labelled "${rerenderedLabel}")`,
    },
    ...(params.source === 'prompt' ? [{ role: 'ocr', sendsInputImage: false, options: {} }] : []),
  ],
  credentialAction: (params, models) =>
    params.source === 'prompt'
      ? {
          action: 'c2pa.edited',
          description: `${rerenderedLabel}: re-rendered from the prompt in the style "${params.style ?? ''}"`,
          softwareAgent: softwareAgentOf(models.stylize),
          parameters: { source: params.source },
        }
      : {
          action: models.stylize?.reference === 'builtin:grade' ? 'c2pa.color_adjustments' : 'c2pa.edited',
          softwareAgent: softwareAgentOf(models.stylize),
          parameters: { mode: params.mode, strength: params.strength },
        },
  qaSection: 'colour',
  paramsSchema: stylizeParamsSchema,
  shotInputs: (shot, params) =>
    params.source === 'prompt' ? { prompt: shot.prompt, headline: shot.headline } : { prompt: shot.prompt },
  rerollBudget: (params, qa) =>
    Math.max((qa as ColourQa | undefined)?.rerolls ?? 0, params.source === 'prompt' ? params.retries : 0),
  async run(context) {
    const { input, model, params, shot, brand } = context;
    if (!input) throw new Error('stylize stage ran without an input image');
    if (!model) throw new Error('stylize stage ran without a model');
    if (params.source === 'prompt') return rerender(context, model);
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
    const record = generationRecord(result);
    return finish(context, result.image.uint8Array, record, { strength: params.strength }, warnings);
  },
};

/** How a re-rendered image is labelled in the manifest and the run summary. */
export const rerenderedLabel = 're-rendered, composition not kept';

const defaultRerenderPrompt = '{prompt}. Style: {style}.';
const headlineClause = ' The image shows the headline "{headline}" in clean, legible lettering.';

/** The prompt a re-render sends: the template with the shot's prompt, the style and the headline filled in. */
export function rerenderPrompt(params: StylizeParams, shot: Shot): string {
  const template =
    params.prompt ?? (shot.headline ? defaultRerenderPrompt + headlineClause : defaultRerenderPrompt);
  return template.replace(/\{(prompt|style|headline)\}/g, (_, key: string) =>
    key === 'prompt' ? shot.prompt : key === 'style' ? (params.style ?? '') : (shot.headline ?? ''),
  );
}

/**
 * The re-render mode: a text-only model (DALL·E 3) draws the shot again from its prompt and a
 * style description, at the input's size. The composition is not kept, so the result says so,
 * and a shot with a headline has it read back (the typography gate, again) before it goes on.
 */
async function rerender(
  context: StageContext<StylizeParams>,
  model: BoundModel<ImageModelV3>,
): Promise<StageResult> {
  const sharp = await loadSharp();
  const { input, params, shot } = context;
  const text = rerenderPrompt(params, shot);
  context.progress(0.1, 're-rendering from the prompt');
  const result = await generateImage({
    model: model.instance,
    prompt: text,
    size: `${input!.width}x${input!.height}`,
    seed: context.seed,
    providerOptions: params.providerOptions as SharedV3ProviderOptions | undefined,
    abortSignal: context.signal,
  });
  const record = generationRecord(result);
  const warnings = [`${model.lock.reference}: ${rerenderedLabel}`];
  let image = result.image.uint8Array;
  const produced = await sharp(image).metadata();
  if (produced.width !== input!.width || produced.height !== input!.height) {
    warnings.push(
      `re-render came back ${produced.width}x${produced.height}, cropped and resized to ${input!.width}x${input!.height}`,
    );
    const resized = await sharp(image)
      .resize(input!.width, input!.height, { fit: 'cover', kernel: 'lanczos3' })
      .png({ compressionLevel: defaultEncodeEffort.png })
      .toBuffer();
    image = new Uint8Array(resized.buffer, resized.byteOffset, resized.byteLength);
  }
  const label = { source: 'prompt', rerendered: rerenderedLabel, prompt: text, style: params.style };
  if (shot.headline) {
    const ocr = context.extraModels?.get('ocr')?.instance;
    if (!isOcrModel(ocr)) {
      throw new AtelierError(
        'MODEL_UNAVAILABLE',
        'models.ocr: a re-rendering stylize stage reads the headline back: bind a text recogniser (e.g. builtin:tesseract)',
      );
    }
    context.progress(0.5, 'reading the headline back');
    const reading = await readCopy(ocr, image, [{ role: 'headline', copy: shot.headline }], {
      layout: 'auto',
      minScore: params.minScore,
      signal: context.signal,
    });
    const match = reading.matches[0]!;
    const headline = {
      score: Math.round(reading.score * 10_000) / 10_000,
      minScore: params.minScore,
      read: match.read,
    };
    if (reading.score < params.minScore) {
      return {
        status: 'rejected',
        reroll: true,
        reason: `re-rendered headline read as "${match.read}" instead of "${shot.headline}" (score ${headline.score.toFixed(2)} < ${params.minScore})`,
        details: { ...label, headline, ...record.details },
        costUsd: record.costUsd,
      };
    }
    return finish(context, image, record, { ...label, headline }, warnings);
  }
  return finish(context, image, record, label, warnings);
}

/**
 * Measures the colour of a stylized image (dominant palette, mean colour, CIEDE2000 distance to
 * the brand palette), applies `qa.colour`, and encodes it with its record.
 */
async function finish(
  context: StageContext<StylizeParams>,
  image: Uint8Array,
  record: GenerationRecord,
  extra: Record<string, unknown>,
  warnings: string[],
): Promise<StageResult> {
  const sharp = await loadSharp();
  context.progress(0.7, 'measuring colour');
  const pixels = await decodeRawImage(image);
  // The colour maths (culori) loads with the first image measured, not with the stage catalog.
  const { measureImageColour } = await import('../colour/image-colour.ts');
  const colour = measureImageColour(pixels, context.brand.palette);
  const details = { ...extra, colour, ...record.details };
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
  // The model's file is kept when it is a plain PNG; the decoded pixels are encoded otherwise.
  const raw = { width: pixels.width, height: pixels.height, channels: pixels.channels };
  const bytes = await context.encode(isPlainRgbPng(image) ? image : sharp(pixels.data, { raw }), 'png');
  return {
    status: 'ok',
    outputs: [{ name: '', bytes, mediaType: 'image/png', primary: true }],
    warnings: [...warnings, ...record.warnings],
    details,
    costUsd: record.costUsd,
  };
}
