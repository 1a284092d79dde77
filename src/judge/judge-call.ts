import type { JSONValue, LanguageModelV3 } from '@ai-sdk/provider';
import { AtelierError } from '../errors.ts';

/** How many alternatives per answer token the judge asks for: enough to find both yes and no. */
export const topLogprobs = 5;

/**
 * Provider options asking every provider that can for token log-probabilities; each package
 * reads only its own key. OpenAI's takes a count (`logprobs` + `top_logprobs`); an
 * OpenAI-compatible server takes the wire fields as they are.
 */
export const logprobOptions = {
  openai: { logprobs: topLogprobs },
  openaiCompatible: { logprobs: true, top_logprobs: topLogprobs },
};

/** What a judge call cost and who answered, from the language model's `atelier` metadata. */
export interface JudgeCallRecord {
  readonly provider?: string;
  readonly modelId?: string;
  readonly responseModelId?: string | null;
  readonly attempts?: number;
  readonly inputTokens?: number | null;
  readonly outputTokens?: number | null;
  readonly costUsd?: number | null;
}

export function callRecordOf(
  metadata: Record<string, Record<string, JSONValue>> | undefined,
): JudgeCallRecord {
  return (metadata?.atelier ?? {}) as JudgeCallRecord;
}

/** The judge's reference for messages: `provider:modelId`. */
export function judgeLabel(model: LanguageModelV3): string {
  return `${model.provider.split('.')[0]}:${model.modelId}`;
}

/**
 * A judge answer that parsed as JSON but not as the shape asked for is a provider failure like
 * any other, said in one line (the middleware already retried answers that were not JSON).
 */
export async function judgeFailure(model: LanguageModelV3, what: string, error: unknown): Promise<unknown> {
  const { NoObjectGeneratedError } = await import('ai');
  if (NoObjectGeneratedError.isInstance(error)) {
    return new AtelierError(
      'PROVIDER_FAILED',
      `${judgeLabel(model)} did not answer ${what} in the shape asked for: ${(error.cause as Error | undefined)?.message?.split('\n')[0] ?? error.message}`,
    );
  }
  return error;
}
