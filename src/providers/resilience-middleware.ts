import { setTimeout as sleep } from 'node:timers/promises';
import type {
  ImageModelV3,
  ImageModelV3CallOptions,
  ImageModelV3Middleware,
  ImageModelV3ProviderMetadata,
  JSONObject,
  JSONValue,
  SharedV3Warning,
} from '@ai-sdk/provider';
import { convertBase64ToUint8Array } from '@ai-sdk/provider-utils';
import { AtelierError } from '../errors.ts';
import { formatWarning } from '../models/format-warning.ts';
import { redactSecrets, redactValue } from '../util/redact-secrets.ts';
import { loadSharp } from '../util/sharp.ts';
import { type CallRecord, type Exchange, recordCall } from './call-recorder.ts';
import { adaptCallOptions } from './call-settings.ts';
import type { ModelCapabilities } from './provider-capabilities.ts';
import {
  type AttemptFailure,
  ContentRefusal,
  classifyFailure,
  FinalProviderFailure,
  formatSeconds,
  NoImageReturned,
  UndecodableImage,
} from './provider-failure.ts';
import type { ProviderGate } from './provider-gate.ts';
import { type RetryPolicy, retryDelay } from './retry-policy.ts';

type GenerateResult = Awaited<ReturnType<ImageModelV3['doGenerate']>>;

/** An exchange with its JSON body read. */
export interface ReadExchange extends Omit<Exchange, 'json'> {
  readonly json: unknown;
}

/** What a provider's responses say beyond what its package returns. */
export interface CallInspection {
  /** The provider refused on content grounds: the shot fails with this message, no retry. */
  readonly refusal?: string;
  /** The provider reported a failure that retrying would not fix. */
  readonly failure?: string;
  /** Kept in the manifest: response model, version, seed reported back, request ids... */
  readonly provenance?: Record<string, JSONValue>;
}

export type ResponseInspector = (call: {
  exchanges: readonly ReadExchange[];
  result: GenerateResult | undefined;
}) => CallInspection;

export interface AttemptEvent {
  readonly label: string;
  readonly attempt: number;
  readonly failure?: AttemptFailure;
  readonly waitMs?: number;
}

/** How a provider's calls are retried: the same for its image and its language models. */
export interface RetrySettings {
  readonly gate: ProviderGate;
  readonly policy: RetryPolicy;
  /** The environment variable holding the key, named in authentication errors. */
  readonly keyVariable?: string;
  /** Told about every failed attempt (logs, tests). */
  readonly onAttempt?: (event: AttemptEvent) => void;
  readonly random?: () => number;
}

export interface ResilienceOptions extends RetrySettings {
  readonly capabilities: ModelCapabilities;
  readonly inspect?: ResponseInspector;
  /** USD per generated image, from the config's price table. */
  readonly priceUsd?: number;
}

/** The per-image record under `providerMetadata.atelier.images[i]` that stages copy into manifests. */
export interface GenerationProvenance {
  provider: string;
  modelId: string;
  responseModelId: string;
  /** Attempts made, the successful one included. */
  attempts: number;
  /** HTTP requests made across all attempts (downloads and uploads included). */
  requests: number;
  costUsd: number | null;
  [key: string]: JSONValue;
}

type AttemptOutcome = AttemptResult<{
  result: GenerateResult;
  images: Uint8Array[];
  inspection: CallInspection;
}>;

/**
 * Image-model middleware with what a long unattended run needs around a provider's
 * ImageModelV3: the model's capabilities applied to each call (size mapping, clear warnings),
 * the provider's concurrency and rate limits, a timeout per attempt, retries with backoff and
 * jitter honouring Retry-After, content-policy refusals failed at once, every image decoded
 * before it is accepted, and a provenance record (cost, attempts, what the provider reported)
 * per image. Errors are AtelierErrors with secrets masked.
 *
 * It calls the model beneath it once per attempt, with the adapted options and a signal that
 * carries the attempt's timeout.
 *
 * @example
 * const model = withMiddleware(inner, resilienceMiddleware({ capabilities, gate, policy }));
 */
export function resilienceMiddleware(options: ResilienceOptions): ImageModelV3Middleware {
  return {
    specificationVersion: 'v3',
    wrapGenerate: ({ params, model }) => generateResiliently(model, params, options),
  };
}

async function generateResiliently(
  model: ImageModelV3,
  call: ImageModelV3CallOptions,
  settings: ResilienceOptions,
): Promise<GenerateResult> {
  const { capabilities } = settings;
  const { options, warnings, provenance: planned } = adaptCallOptions(capabilities, call);
  const { outcome, attempts, requests } = await retryByFaultClass(
    { ...settings, label: capabilities.label, signal: call.abortSignal },
    () => attemptOnce(model, options, settings),
  );
  return finish(model, outcome, warnings, planned, attempts, requests, settings);
}

/** One attempt's end: a success (with what the caller keeps of it) or a classified failure. */
export type AttemptResult<Success> =
  | ({ ok: true; requests: number } & Success)
  | { ok: false; requests: number; failure: AttemptFailure };

/**
 * The retry loop both model middlewares share: each attempt runs through the provider's gate;
 * a retryable failure waits (backoff, or the provider's Retry-After within the policy's
 * ceiling) and tries again while retries are left; any other failure, or the last one, ends the
 * call with `finalError`.
 */
export async function retryByFaultClass<Success>(
  settings: Omit<RetrySettings, 'keyVariable'> & {
    readonly label: string;
    readonly signal: AbortSignal | undefined;
  },
  attemptOnce: () => Promise<AttemptResult<Success>>,
): Promise<{ outcome: { ok: true; requests: number } & Success; attempts: number; requests: number }> {
  const { label, policy, signal } = settings;
  const failures: AttemptFailure[] = [];
  let requests = 0;
  for (let attempt = 1; ; attempt++) {
    const outcome = await settings.gate.run(attemptOnce, signal);
    requests += outcome.requests;
    if (outcome.ok) return { outcome, attempts: attempt, requests };
    const { failure } = outcome;
    failures.push(failure);
    if (!failure.retryable || attempt > policy.retries) throw finalError(label, failures, attempt);
    if (failure.retryAfterMs !== undefined && failure.retryAfterMs > policy.maxDelayMs) {
      throw finalError(label, failures, attempt, `it asked to wait ${formatSeconds(failure.retryAfterMs)}`);
    }
    const waitMs = retryDelay(attempt - 1, failure.retryAfterMs, policy, settings.random);
    settings.onAttempt?.({ label, attempt, failure, waitMs });
    await sleep(waitMs, undefined, { signal });
  }
}

async function attemptOnce(
  model: ImageModelV3,
  options: ImageModelV3CallOptions,
  settings: ResilienceOptions,
): Promise<AttemptOutcome> {
  const { policy } = settings;
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), policy.timeoutMs);
  const signal = options.abortSignal
    ? AbortSignal.any([options.abortSignal, timeout.signal])
    : timeout.signal;
  const record: CallRecord = { exchanges: [] };
  let result: GenerateResult | undefined;
  try {
    result = await recordCall(record, () => model.doGenerate({ ...options, abortSignal: signal }));
    const inspection = await inspect(settings.inspect, record, result);
    if (inspection.refusal) throw new ContentRefusal(inspection.refusal);
    if (inspection.failure) throw new FinalProviderFailure(inspection.failure);
    const images = result.images.map((image) =>
      typeof image === 'string' ? convertBase64ToUint8Array(image) : image,
    );
    if (images.length === 0) {
      // The AI SDK's own signal: Imagen marks a content-filtered empty answer as final.
      if (result.isRetryable === false)
        throw new ContentRefusal('the provider returned no image and marked it final (content filter)');
      throw new NoImageReturned('the provider returned no image');
    }
    for (const [index, image] of images.entries()) await assertDecodable(image, index);
    return { ok: true, requests: record.exchanges.length, result, images, inspection };
  } catch (error) {
    if (options.abortSignal?.aborted) throw error;
    let cause = error;
    if (
      !timeout.signal.aborted &&
      !(error instanceof ContentRefusal || error instanceof FinalProviderFailure)
    ) {
      // A package may choke on a response that says why it failed (a failed Replicate prediction).
      const inspection = await inspect(settings.inspect, record, result);
      if (inspection.refusal) cause = new ContentRefusal(inspection.refusal);
      else if (inspection.failure) cause = new FinalProviderFailure(inspection.failure);
    }
    const failure = classifyFailure(cause, {
      timedOut: timeout.signal.aborted,
      timeoutMs: policy.timeoutMs,
      keyVariable: settings.keyVariable,
    });
    return { ok: false, requests: record.exchanges.length, failure };
  } finally {
    clearTimeout(timer);
  }
}

async function inspect(
  inspector: ResponseInspector | undefined,
  record: CallRecord,
  result: GenerateResult | undefined,
): Promise<CallInspection> {
  if (!inspector) return {};
  const exchanges: ReadExchange[] = [];
  for (const exchange of record.exchanges) {
    exchanges.push({ ...exchange, json: await settle(exchange.json) });
  }
  return inspector({ exchanges, result });
}

function finish(
  model: ImageModelV3,
  outcome: { result: GenerateResult; images: Uint8Array[]; inspection: CallInspection },
  planned: SharedV3Warning[],
  settingsApplied: Record<string, JSONValue>,
  attempts: number,
  requests: number,
  settings: ResilienceOptions,
): GenerateResult {
  const { result, images, inspection } = outcome;
  const { capabilities, priceUsd } = settings;
  const provenance: GenerationProvenance = {
    provider: capabilities.provider,
    modelId: model.modelId,
    responseModelId: result.response.modelId,
    attempts,
    requests,
    costUsd: priceUsd ?? null,
    ...settingsApplied,
    ...redactValue(inspection.provenance ?? {}),
  };
  const warnings: SharedV3Warning[] = [
    ...planned,
    ...result.warnings.map((warning) => ({
      type: 'other' as const,
      message: redactSecrets(formatWarning(warning)),
    })),
  ];
  const providerMetadata: ImageModelV3ProviderMetadata = {
    ...result.providerMetadata,
    atelier: { images: images.map(() => provenance as JSONObject) },
  };
  return { ...result, images, warnings, providerMetadata };
}

/** The error a call ends with once it stops retrying: the last failure, with the kinds of the earlier ones. */
export function finalError(
  label: string,
  failures: AttemptFailure[],
  attempts: number,
  stopReason?: string,
): AtelierError {
  const last = failures.at(-1)!;
  if (last.kind === 'refused') {
    return new AtelierError(
      'PROVIDER_REFUSED',
      `${label} refused the request (content policy): ${last.message}`,
    );
  }
  const history =
    failures.length > 1 ? ` [attempts: ${failures.map((failure) => failure.kind).join(', ')}]` : '';
  const why = stopReason ? `; gave up because ${stopReason}` : '';
  const what = attempts > 1 ? `failed after ${attempts} attempts` : 'failed';
  return new AtelierError(
    'PROVIDER_FAILED',
    redactSecrets(`${label} ${what}: ${last.message}${why}${history}`),
  );
}

/** A JSON body read from a clone; gives up rather than hang on a body that never ends. */
async function settle(json: Promise<unknown>): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), 1000);
  });
  try {
    return await Promise.race([json, gaveUp]);
  } finally {
    clearTimeout(timer);
  }
}

/** Decodes every pixel, so truncated or garbage bytes are caught before anything is stored. */
async function assertDecodable(bytes: Uint8Array, index: number): Promise<void> {
  const sharp = await loadSharp();
  try {
    // A full decode to raw pixels: the cheapest way to touch every byte (stats() costs 15x more).
    await sharp(bytes, { failOn: 'truncated' }).raw().toBuffer();
  } catch (error) {
    throw new UndecodableImage(
      `image ${index + 1} (${bytes.byteLength} bytes) does not decode: ${(error as Error).message.split('\n')[0]}`,
    );
  }
}
