/**
 * When to try a failed provider call again. The AI SDK's own `generateImage` retries too
 * (`maxRetries`, default 2: exponential backoff from 2 s without jitter, Retry-After honoured
 * below 60 s, only `APICallError`s marked retryable). Atelier retries at the provider level
 * instead, because it also needs a per-call timeout, jitter (many shots hit a provider at
 * once), retries for undecodable images, and limits set per provider in the config. Errors
 * leaving an Atelier provider model are never `APICallError`s, so the SDK does not retry
 * them a second time.
 */
export interface RetryPolicy {
  /** Extra attempts after the first. */
  readonly retries: number;
  /** First backoff in ms; doubles on each retry. */
  readonly baseDelayMs: number;
  /** Longest wait before a retry; a Retry-After beyond it fails the call instead of waiting. */
  readonly maxDelayMs: number;
  /** Longest a single attempt may take. */
  readonly timeoutMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  retries: 3,
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  timeoutMs: 120_000,
};

/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half random, so calls that
 * failed together do not retry together.
 *
 * @example backoffDelay(2, { baseDelayMs: 100, maxDelayMs: 10_000 }, () => 0) // 200
 */
export function backoffDelay(
  retryIndex: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retryIndex);
  return ceiling / 2 + random() * (ceiling / 2);
}

/**
 * The shortest wait between two attempts, whatever the server or the config say: a provider
 * answering `Retry-After: 0` (or a policy with no backoff) must not be hammered.
 */
export const minimumRetryDelayMs = 100;

/**
 * How long to wait before retry number `retryIndex` (0 for the first): the larger of what the
 * server asked (`Retry-After`) and the policy's backoff, and never under the floor. A server's
 * tiny Retry-After is a lower bound, not a licence to retry at once: taken alone, a 10 ms
 * Retry-After burned four attempts for 16 images in under a second.
 *
 * @example retryDelay(0, 10, { baseDelayMs: 1000, maxDelayMs: 60_000 }, () => 0) // 500
 */
export function retryDelay(
  retryIndex: number,
  serverAskedMs: number | undefined,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  return Math.max(minimumRetryDelayMs, serverAskedMs ?? 0, backoffDelay(retryIndex, policy, random));
}

/**
 * How long the server asked us to wait, from `retry-after-ms` (OpenAI) or `retry-after`
 * (seconds or an HTTP date), as the AI SDK reads them. Undefined when it did not say.
 */
export function retryAfterMs(
  headers: Record<string, string> | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const lower = Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const milliseconds = Number.parseFloat(lower['retry-after-ms'] ?? '');
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const value = lower['retry-after'];
  if (value === undefined) return undefined;
  const seconds = Number.parseFloat(value);
  if (/^\s*\d+(\.\d+)?\s*$/.test(value) && Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * How long a Google API error body asks to wait: the `retryDelay` of a `google.rpc.RetryInfo`
 * among `error.details` (a protobuf Duration in JSON, e.g. `"27s"` or `"1.5s"`). Gemini's quota
 * 429s say it there, with no Retry-After header. Undefined when the body does not say.
 *
 * @example retryInfoDelayMs('{"error":{"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"27s"}]}}') // 27000
 */
export function retryInfoDelayMs(body: string | undefined): number | undefined {
  if (!body?.includes('RetryInfo')) return undefined;
  let details: unknown;
  try {
    details = (JSON.parse(body) as { error?: { details?: unknown } })?.error?.details;
  } catch {
    return undefined;
  }
  if (!Array.isArray(details)) return undefined;
  for (const detail of details) {
    if (!String(detail?.['@type'] ?? '').endsWith('google.rpc.RetryInfo')) continue;
    const match = /^(\d+(?:\.\d+)?)s$/.exec(String(detail.retryDelay ?? ''));
    if (match) return Number.parseFloat(match[1]!) * 1000;
  }
  return undefined;
}
