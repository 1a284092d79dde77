import type { JSONObject, SharedV3ProviderOptions } from '@ai-sdk/provider';
import { z } from 'zod';
import { type AdherenceQa, aspectSchema, type Shot, sizeSchema } from '../config/campaign-schema.ts';
import { digitalSourceTypeOf, softwareAgentOf } from '../credentials/software-agent.ts';
import { AtelierError } from '../errors.ts';
import { formatAdherence, judgeImage } from '../judge/judge-image.ts';
import { generateQuestions } from '../judge/judge-questions.ts';
import { generationRecord } from '../models/generation-record.ts';
import { isLanguageModel } from '../models/role-model.ts';
import { generateImage } from './generate-image.ts';
import type { BoundModel, StageDefinition, StageResult } from './stage.ts';

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
 * `generateImage`, whichever model is bound to the `compose` role. When a `judge` is bound, each
 * image is then checked against the shot's yes/no questions (prompt adherence), and
 * `qa.adherence` turns that into a gate: below `min`, the seed is re-rolled before any later
 * stage spends on it.
 */
export const composeStage: StageDefinition<ComposeParams> = {
  name: 'compose',
  role: 'compose',
  // `questions`: a separate model that writes the yes/no questions (the judge does otherwise).
  rolesWhenBound: ['judge', 'questions'],
  languageRoles: ['judge', 'questions'],
  qaSection: 'adherence',
  qaRole: 'judge',
  rerollBudget: (_params, qa) => (qa as AdherenceQa | undefined)?.rerolls ?? 0,
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
    // Set only with a judge bound (or written in the config): other runs' keys are unchanged.
    ...(shot.questions ? { questions: shot.questions } : {}),
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
    const bytes = await context.encode(result.image.uint8Array, 'png');
    const record = generationRecord(result);
    const details = prompt === shot.prompt ? record.details : { prompt, ...record.details };
    const judge = context.extraModels?.get('judge');
    if (judge) {
      context.progress(0.8, 'judging prompt adherence');
      const writer = context.extraModels?.get('questions') ?? judge;
      return judged({ judge, writer }, bytes, shot, context.qa as AdherenceQa | undefined, context.signal, {
        details,
        warnings: record.warnings,
        costUsd: record.costUsd,
      });
    }
    return {
      status: 'ok',
      outputs: [{ name: '', bytes, mediaType: 'image/png', primary: true }],
      warnings: record.warnings,
      details,
      costUsd: record.costUsd,
    };
  },
};

function languageModelOf(bound: BoundModel, role: string) {
  if (!isLanguageModel(bound.instance)) {
    throw new AtelierError(
      'MODEL_UNAVAILABLE',
      `models.${role}: expected a vision-language model (e.g. openai:gpt-4.1-mini) but ${bound.lock.reference} is not one`,
    );
  }
  return bound.instance;
}

/** The composition with its adherence recorded, or rejected below `qa.adherence.min`. */
async function judged(
  { judge, writer }: { judge: BoundModel; writer: BoundModel },
  bytes: Uint8Array,
  shot: Shot,
  gate: AdherenceQa | undefined,
  signal: AbortSignal,
  composed: { details: Record<string, unknown>; warnings: string[] | undefined; costUsd: number | undefined },
): Promise<StageResult> {
  const model = languageModelOf(judge, 'judge');
  // The runner writes questions ahead (kept in the ledger); a job computed elsewhere without them asks here.
  const questions =
    shot.questions ??
    (await generateQuestions(languageModelOf(writer, 'questions'), shot.prompt, signal)).questions;
  const adherence = await judgeImage(model, { bytes, mediaType: 'image/png' }, questions, signal);
  const details = { ...composed.details, adherence };
  const costUsd =
    composed.costUsd === undefined && adherence.costUsd === null
      ? undefined
      : (composed.costUsd ?? 0) + (adherence.costUsd ?? 0);
  if (gate && adherence.score < gate.min) {
    const failed = adherence.questions
      .filter((question) => question.counted === 'no')
      .map((question) => question.id);
    return {
      status: 'rejected',
      reason: `adherence ${formatAdherence(adherence.score)} is below qa.adherence.min ${formatAdherence(gate.min)} (no: ${failed.join(', ')})`,
      reroll: true,
      details,
      costUsd,
    };
  }
  return {
    status: 'ok',
    outputs: [{ name: '', bytes, mediaType: 'image/png', primary: true }],
    warnings: composed.warnings,
    details,
    costUsd,
  };
}

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
