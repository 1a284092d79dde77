import type { ImageModelV3 } from '@ai-sdk/provider';
import type { LimitFunction } from 'p-limit';

/**
 * Wraps a model so that at most `limit.concurrency` calls are in flight. The run limits model
 * calls, not whole jobs: encoding and storing a result overlaps with the next call instead of
 * holding a provider slot.
 */
export function limitModelCalls(model: ImageModelV3, limit: LimitFunction): ImageModelV3 {
  return {
    specificationVersion: model.specificationVersion,
    provider: model.provider,
    modelId: model.modelId,
    maxImagesPerCall: model.maxImagesPerCall,
    doGenerate: (options) => limit(() => model.doGenerate(options)),
  };
}
