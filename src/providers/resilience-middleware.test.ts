import { generateImage } from 'ai';
import pLimit from 'p-limit';
import { describe, expect, it, vi } from 'vitest';
import { FixedLatencyModel } from '../../test/doubles/fixed-latency-model.ts';
import { limitCallsMiddleware } from '../models/limit-model-calls.ts';
import { disposeModel } from '../models/role-model.ts';
import { withMiddleware } from '../models/with-middleware.ts';
import { capabilitiesOf } from './provider-capabilities.ts';
import { ProviderGate } from './provider-gate.ts';
import { resilienceMiddleware } from './resilience-middleware.ts';
import { defaultRetryPolicy } from './retry-policy.ts';

/** A model holding a resource, with a limit of images per call the wrappers must not lose. */
function disposableModel() {
  return Object.assign(new FixedLatencyModel(0, 'fixed-latency-0ms'), {
    maxImagesPerCall: 3,
    dispose: vi.fn(async () => {}),
  });
}

function resilient() {
  return resilienceMiddleware({
    capabilities: capabilitiesOf('testing', 'fixed-latency-0ms'),
    gate: new ProviderGate({}),
    policy: defaultRetryPolicy,
    priceUsd: 0.01,
  });
}

describe('models wrapped with middleware', () => {
  it('keep provider, modelId and maxImagesPerCall of the inner model through limit and resilience', async () => {
    const inner = disposableModel();
    // As a run binds a remote model: the registry adds resilience, the run a call limit.
    const wrapped = await withMiddleware(
      await withMiddleware(inner, resilient()),
      limitCallsMiddleware(pLimit(2)),
    );
    expect(wrapped.provider).toBe('testing');
    expect(wrapped.modelId).toBe('fixed-latency-0ms');
    expect(wrapped.maxImagesPerCall).toBe(3);
    const result = await generateImage({ model: wrapped, prompt: 'a bottle', size: '8x8', seed: 1 });
    expect(result.providerMetadata.atelier?.images[0]).toMatchObject({
      provider: 'testing',
      modelId: 'fixed-latency-0ms',
      attempts: 1,
      costUsd: 0.01,
    });
    expect(inner.calls).toBe(1);
  });

  it('dispose the inner model when disposeModel is called on the outermost wrapper', async () => {
    const inner = disposableModel();
    const stacked = await withMiddleware(
      await withMiddleware(inner, resilient()),
      limitCallsMiddleware(pLimit(2)),
    );
    await disposeModel(stacked);
    expect(inner.dispose).toHaveBeenCalledTimes(1);

    const composed = await withMiddleware(inner, limitCallsMiddleware(pLimit(1)), resilient());
    expect(composed.maxImagesPerCall).toBe(3);
    await disposeModel(composed);
    expect(inner.dispose).toHaveBeenCalledTimes(2);
  });
});
