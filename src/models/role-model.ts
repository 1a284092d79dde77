import type { ImageModelV3, LanguageModelV3 } from '@ai-sdk/provider';
import type { OcrModelV1 } from './ocr-model.ts';

/**
 * Anything a role can be bound to: an image model, a text recogniser, or a vision-language model
 * reached through the AI SDK's language-model interface (the `judge`).
 */
export type RoleModel = ImageModelV3 | OcrModelV1 | LanguageModelV3;

/** Image and language models share specification version `v3`; only language models stream. */
function isV3(model: unknown): model is { specificationVersion: 'v3'; doStream?: unknown } {
  return (
    typeof model === 'object' &&
    model !== null &&
    (model as { specificationVersion?: unknown }).specificationVersion === 'v3'
  );
}

export function isImageModel(model: unknown): model is ImageModelV3 {
  return isV3(model) && typeof model.doStream !== 'function';
}

export function isLanguageModel(model: unknown): model is LanguageModelV3 {
  return isV3(model) && typeof model.doStream === 'function';
}

/**
 * Lets a model start what its first call would otherwise wait for (worker threads, loaded
 * engines) while earlier stages still compute. Any model may define `warmUp(settings)`; the
 * settings are what the stage's calls will carry (a built-in upscaler's `providerOptions.builtin`,
 * an OCR call's language). Never throws: a model that cannot start fails the job that calls it,
 * with that job's error.
 */
export async function warmUpModel(
  model: unknown,
  settings: Readonly<Record<string, unknown>>,
): Promise<void> {
  const warmUp = (model as { warmUp?: unknown } | null)?.warmUp;
  if (typeof warmUp !== 'function') return;
  try {
    await (warmUp as (settings: Readonly<Record<string, unknown>>) => Promise<void>).call(model, settings);
  } catch {
    // Reported by the first job that calls the model, where the error belongs.
  }
}

/**
 * Lets a model free its run-scoped resources. Any model may define `dispose()` (image models
 * holding loaded weights too); the runner calls this for every bound model at the end of a run.
 */
export async function disposeModel(model: unknown): Promise<void> {
  const dispose = (model as { dispose?: unknown } | null)?.dispose;
  if (typeof dispose === 'function') await (dispose as () => Promise<void>).call(model);
}
