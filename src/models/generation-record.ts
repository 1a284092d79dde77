import type { GenerateImageResult } from 'ai';
import { redactSecrets, redactValue } from '../util/redact-secrets.ts';
import { formatWarning } from './format-warning.ts';

/** What a stage keeps from a `generateImage` result: for the manifest, the run's cost, and warnings. */
export interface GenerationRecord {
  /** Goes into the stage result's `details`: per-image provenance from the provider. */
  readonly details: Record<string, unknown>;
  readonly warnings: string[];
  /** Summed price of the images generated, when the config has a price for the model. */
  readonly costUsd: number | undefined;
}

/**
 * Turns a `generateImage` result into manifest material: for remote models, what the provider
 * reported (response model id, Replicate version, OpenAI revised prompt, seed reported back,
 * request ids, attempts and requests made, cost); for built-ins, the response model id.
 * Every stage that calls `generateImage` should record its result through this.
 *
 * @example
 * const result = await generateImage({ model, prompt, seed });
 * const { details, warnings, costUsd } = generationRecord(result);
 */
export function generationRecord(result: GenerateImageResult): GenerationRecord {
  const provenance = (result.providerMetadata?.atelier?.images ?? []) as Array<Record<string, unknown>>;
  const warnings = result.warnings.map((warning) => redactSecrets(formatWarning(warning)));
  if (provenance.length === 0) {
    return {
      details: { responses: result.responses.map((response) => ({ modelId: response.modelId })) },
      warnings,
      costUsd: undefined,
    };
  }
  const priced = provenance.filter((image) => typeof image.costUsd === 'number');
  return {
    details: { provider: redactValue(provenance.length === 1 ? provenance[0] : provenance) },
    warnings,
    costUsd:
      priced.length > 0 ? priced.reduce((sum, image) => sum + (image.costUsd as number), 0) : undefined,
  };
}
