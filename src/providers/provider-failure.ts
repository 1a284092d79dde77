import { APICallError, InvalidArgumentError, LoadAPIKeyError } from '@ai-sdk/provider';
import { AtelierError } from '../errors.ts';
import { redactSecrets } from '../util/redact-secrets.ts';
import { retryAfterMs, retryInfoDelayMs } from './retry-policy.ts';

export type FailureKind =
  | 'rate-limited'
  | 'server-error'
  | 'timeout'
  | 'network'
  | 'bad-image'
  | 'no-image'
  | 'malformed-response'
  | 'refused'
  | 'rejected'
  | 'auth'
  | 'invalid-settings'
  | 'out-of-memory';

/** One failed attempt, classified for the retry decision and the final message. */
export interface AttemptFailure {
  readonly kind: FailureKind;
  readonly retryable: boolean;
  /** Provider's own words where it gave any; secrets already masked. */
  readonly message: string;
  readonly retryAfterMs?: number;
}

/** Thrown inside an attempt when a response says the provider refused on content grounds. */
export class ContentRefusal extends Error {
  override readonly name = 'ContentRefusal';
}

/** Thrown inside an attempt when the provider reports a failure retrying would not fix. */
export class FinalProviderFailure extends Error {
  override readonly name = 'FinalProviderFailure';
}

/**
 * Thrown inside an attempt when the model ran out of (GPU) memory: the same call would fail
 * the same way, so it is not retried; the message says what to shrink.
 */
export class OutOfMemoryFailure extends Error {
  override readonly name: string = 'OutOfMemoryFailure';
}

/** Thrown inside an attempt when returned bytes do not decode as an image. */
export class UndecodableImage extends Error {
  override readonly name = 'UndecodableImage';
}

/** Thrown inside an attempt when the provider answered without an image it could retry. */
export class NoImageReturned extends Error {
  override readonly name = 'NoImageReturned';
}

const refusalPattern =
  /content[ _-]?policy|safety[ _-]?(system|filter|violation)|moderation|nsfw|not allowed by our safety|flagged|sensitive content|responsible ai/i;

/** Whether a provider error body reads as a content-policy refusal. */
export function looksLikeRefusal(text: string): boolean {
  return refusalPattern.test(text);
}

function apiMessage(error: APICallError): string {
  const status = error.statusCode !== undefined ? `HTTP ${error.statusCode}` : 'no response';
  const message = error.message && error.message !== 'Failed to process error response' ? error.message : '';
  return message ? `${status}: ${message}` : status;
}

/**
 * Sorts a failed attempt: 429, 5xx, 408/409, network errors, timeouts, malformed responses
 * and undecodable images are worth retrying (the AI SDK's `APICallError.isRetryable`
 * decides for HTTP errors); content-policy refusals, rejected keys and other 4xx are not.
 */
export function classifyFailure(
  error: unknown,
  context: { timedOut: boolean; timeoutMs: number; keyVariable?: string },
): AttemptFailure {
  const failure = (
    kind: FailureKind,
    retryable: boolean,
    message: string,
    wait?: number,
  ): AttemptFailure => ({
    kind,
    retryable,
    message: redactSecrets(message),
    ...(wait !== undefined ? { retryAfterMs: wait } : {}),
  });
  if (context.timedOut) {
    return failure('timeout', true, `no complete response within ${formatSeconds(context.timeoutMs)}`);
  }
  if (error instanceof ContentRefusal) return failure('refused', false, error.message);
  if (error instanceof FinalProviderFailure) return failure('rejected', false, error.message);
  if (error instanceof OutOfMemoryFailure) return failure('out-of-memory', false, error.message);
  if (error instanceof UndecodableImage) return failure('bad-image', true, error.message);
  if (error instanceof NoImageReturned) return failure('no-image', true, error.message);
  if (AtelierError.isInstance(error)) return failure('invalid-settings', false, error.message);
  if (LoadAPIKeyError.isInstance(error)) return failure('auth', false, error.message);
  if (InvalidArgumentError.isInstance(error)) {
    return failure('invalid-settings', false, `invalid ${error.argument}: ${error.message}`);
  }
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    const body = `${error.message} ${error.responseBody ?? ''} ${JSON.stringify(error.data ?? '')}`;
    if (status === 401 || status === 403) {
      const hint = context.keyVariable ? ` (check ${context.keyVariable})` : '';
      return failure('auth', false, `the provider rejected the credentials${hint}: ${apiMessage(error)}`);
    }
    if (status !== undefined && status >= 400 && status < 500 && looksLikeRefusal(body)) {
      return failure('refused', false, error.message);
    }
    if (status !== undefined && status >= 200 && status < 300) {
      return failure('malformed-response', true, `unreadable response (HTTP ${status}): ${error.message}`);
    }
    if (error.isRetryable) {
      const kind: FailureKind =
        status === 429 ? 'rate-limited' : status === undefined ? 'network' : 'server-error';
      // A header where the provider sends one; Google's APIs say it in the error body instead.
      const wait = retryAfterMs(error.responseHeaders) ?? retryInfoDelayMs(error.responseBody);
      return failure(kind, true, apiMessage(error), wait);
    }
    return failure('rejected', false, apiMessage(error));
  }
  const message = error instanceof Error ? error.message : String(error);
  return failure('rejected', false, message);
}

export function formatSeconds(milliseconds: number): string {
  const seconds = milliseconds / 1000;
  return `${seconds < 10 ? Number(seconds.toFixed(2)) : Math.round(seconds)} s`;
}
