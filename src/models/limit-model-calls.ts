import type { ImageModelV3Middleware } from '@ai-sdk/provider';
import type { LimitFunction } from 'p-limit';

/**
 * Image-model middleware that keeps at most `limit.concurrency` calls in flight. The run limits
 * model calls, not whole jobs: encoding and storing a result overlaps with the next call instead
 * of holding a provider slot.
 *
 * @example
 * const limited = withMiddleware(model, limitCallsMiddleware(pLimit(4)));
 */
export function limitCallsMiddleware(limit: LimitFunction): ImageModelV3Middleware {
  return {
    specificationVersion: 'v3',
    wrapGenerate: ({ doGenerate }) => limit(doGenerate),
  };
}
