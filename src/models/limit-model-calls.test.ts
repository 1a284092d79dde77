import { generateImage } from 'ai';
import pLimit from 'p-limit';
import { describe, expect, it } from 'vitest';
import { FixedLatencyModel } from '../../test/doubles/fixed-latency-model.ts';
import { limitCallsMiddleware } from './limit-model-calls.ts';
import { withMiddleware } from './with-middleware.ts';

describe('limitCallsMiddleware', () => {
  it('keeps at most N calls in flight and passes every call through', async () => {
    const model = new FixedLatencyModel(20);
    let inFlight = 0;
    let peak = 0;
    const original = model.doGenerate.bind(model);
    model.doGenerate = async (options) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      try {
        return await original(options);
      } finally {
        inFlight--;
      }
    };
    const limited = await withMiddleware(model, limitCallsMiddleware(pLimit(3)));
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        generateImage({ model: limited, prompt: `p${index}`, size: '8x8' }),
      ),
    );
    expect(results).toHaveLength(12);
    expect(model.calls).toBe(12);
    expect(peak).toBe(3);
  });
});
