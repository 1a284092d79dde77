import type { ImageModelV3, ImageModelV3CallOptions } from '@ai-sdk/provider';
import sharp from 'sharp';

/**
 * An in-process ImageModelV3 that answers after a fixed latency with a small deterministic PNG
 * (a flat colour derived from prompt and seed). It measures the orchestrator, not a model:
 * benchmarks and scale-out tests use it where a real provider's latency would be.
 */
export class FixedLatencyModel implements ImageModelV3 {
  readonly specificationVersion = 'v3';
  readonly provider = 'testing';
  readonly maxImagesPerCall = 1;
  calls = 0;

  constructor(
    readonly latencyMs: number,
    readonly modelId = `fixed-latency-${latencyMs}ms`,
  ) {}

  async doGenerate(options: ImageModelV3CallOptions) {
    this.calls++;
    const started = performance.now();
    const [width, height] = (options.size ?? '64x64').split('x').map(Number) as [number, number];
    let hash = options.seed ?? 0;
    for (const character of options.prompt ?? '')
      hash = (Math.imul(hash, 31) + character.charCodeAt(0)) >>> 0;
    const image = await sharp({
      create: {
        width,
        height,
        channels: 3,
        background: { r: hash & 255, g: (hash >> 8) & 255, b: (hash >> 16) & 255 },
      },
    })
      .png()
      .toBuffer();
    // The call takes latencyMs in all, rendering included, like a remote call would.
    const remaining = this.latencyMs - (performance.now() - started);
    if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
    return {
      images: [new Uint8Array(image)],
      warnings: [],
      response: { timestamp: new Date(), modelId: this.modelId, headers: undefined },
    };
  }
}
