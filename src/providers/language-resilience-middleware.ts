import type {
  JSONObject,
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3GenerateResult,
  LanguageModelV3Middleware,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import { type CallRecord, recordCall } from './call-recorder.ts';
import { classifyFailure } from './provider-failure.ts';
import { type AttemptResult, type RetrySettings, retryByFaultClass } from './resilience-middleware.ts';

/** USD per million input and output tokens, from the config's `tokenPrices`. */
export interface TokenPrice {
  readonly inputPerMillion: number;
  readonly outputPerMillion: number;
}

export interface LanguageResilienceOptions extends RetrySettings {
  /** `provider:modelId`, as errors name it. */
  readonly label: string;
  readonly provider: string;
  readonly tokenPrice?: TokenPrice;
}

/** The record under `providerMetadata.atelier` of every judged call (cost, attempts, what answered). */
export interface LanguageCallProvenance {
  provider: string;
  modelId: string;
  responseModelId: string | null;
  attempts: number;
  requests: number;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
  [key: string]: string | number | null;
}

/**
 * Language-model middleware giving a vision-language judge what image models get from
 * `resilienceMiddleware`: the provider's concurrency and rate limits, a timeout per attempt,
 * retries by fault class (429 and 5xx with backoff and Retry-After, auth and 4xx at once), a
 * structured-output answer that is not JSON retried like any malformed response, and a
 * provenance record with the call's cost from its token usage. Errors are AtelierErrors with
 * secrets masked. Callers set the AI SDK's own `maxRetries: 0`: retrying is done here.
 *
 * @example
 * const judge = wrapLanguageModel({ model: inner, middleware: languageResilienceMiddleware({ label, provider, gate, policy }) });
 */
export function languageResilienceMiddleware(options: LanguageResilienceOptions): LanguageModelV3Middleware {
  return {
    specificationVersion: 'v3',
    wrapGenerate: ({ params, model }) => generateResiliently(model, params, options),
  };
}

type AttemptOutcome = AttemptResult<{ result: LanguageModelV3GenerateResult }>;

async function generateResiliently(
  model: LanguageModelV3,
  call: LanguageModelV3CallOptions,
  settings: LanguageResilienceOptions,
): Promise<LanguageModelV3GenerateResult> {
  const { outcome, attempts, requests } = await retryByFaultClass(
    { ...settings, signal: call.abortSignal },
    () => attemptOnce(model, call, settings),
  );
  return finish(model, outcome.result, attempts, requests, settings);
}

/** Thrown inside an attempt when a structured-output answer does not parse as JSON. */
class MalformedAnswer extends Error {
  override readonly name = 'MalformedAnswer';
}

async function attemptOnce(
  model: LanguageModelV3,
  call: LanguageModelV3CallOptions,
  settings: LanguageResilienceOptions,
): Promise<AttemptOutcome> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), settings.policy.timeoutMs);
  const signal = call.abortSignal ? AbortSignal.any([call.abortSignal, timeout.signal]) : timeout.signal;
  const record: CallRecord = { exchanges: [] };
  try {
    const result = await recordCall(record, () => model.doGenerate({ ...call, abortSignal: signal }));
    if (call.responseFormat?.type === 'json') assertJson(result);
    return { ok: true, requests: record.exchanges.length, result };
  } catch (error) {
    if (call.abortSignal?.aborted) throw error;
    const failure =
      error instanceof MalformedAnswer
        ? { kind: 'malformed-response' as const, retryable: true, message: error.message }
        : classifyFailure(error, {
            timedOut: timeout.signal.aborted,
            timeoutMs: settings.policy.timeoutMs,
            keyVariable: settings.keyVariable,
          });
    return { ok: false, requests: record.exchanges.length, failure };
  } finally {
    clearTimeout(timer);
  }
}

/** A model asked for JSON that answers something else is retried: sampling again usually mends it. */
function assertJson(result: LanguageModelV3GenerateResult): void {
  const text = result.content
    .flatMap((part) => (part.type === 'text' ? [part.text] : []))
    .join('')
    .trim();
  try {
    JSON.parse(text);
  } catch {
    const excerpt = text.length > 80 ? `${text.slice(0, 80)}…` : text;
    throw new MalformedAnswer(`the answer was not the JSON asked for: ${JSON.stringify(excerpt)}`);
  }
}

function costOf(usage: LanguageModelV3Usage, price: TokenPrice | undefined): number | null {
  const input = usage.inputTokens.total;
  const output = usage.outputTokens.total;
  if (!price || input === undefined || output === undefined) return null;
  return (input * price.inputPerMillion + output * price.outputPerMillion) / 1_000_000;
}

function finish(
  model: LanguageModelV3,
  result: LanguageModelV3GenerateResult,
  attempts: number,
  requests: number,
  settings: LanguageResilienceOptions,
): LanguageModelV3GenerateResult {
  const provenance: LanguageCallProvenance = {
    provider: settings.provider,
    modelId: model.modelId,
    responseModelId: result.response?.modelId ?? null,
    attempts,
    requests,
    inputTokens: result.usage.inputTokens.total ?? null,
    outputTokens: result.usage.outputTokens.total ?? null,
    costUsd: costOf(result.usage, settings.tokenPrice),
  };
  return {
    ...result,
    providerMetadata: { ...result.providerMetadata, atelier: provenance as JSONObject },
  };
}
