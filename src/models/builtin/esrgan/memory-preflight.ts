import { AtelierError } from '../../../errors.ts';
import { formatBytes, minimumTile } from './esrgan-settings.ts';
import type { LayersModel } from './layers-model.ts';
import { planTiles, type TilePlan, type TileSettings } from './tile-plan.ts';

/** What the preflight needs to know about a network, computed once per model. */
export interface NetworkFootprint {
  /** Peak bytes of live activations per engine input pixel (graph liveness analysis). */
  readonly activationBytesPerPixel: number;
  /** Bytes of float32 weights. */
  readonly weightBytes: number;
}

/**
 * Calibration, measured on this project's engine (onnxruntime CPU, arena off) by the upscale
 * benchmark: real peak activation use against the liveness estimate (the runtime keeps a few
 * extra buffers: layout conversions, convolution workspace), and the fixed cost of a worker
 * thread with a session (isolate, loader, runtime state) beyond the weight copies.
 */
const activationOverhead = 1.6;
const workerBaseBytes = 40e6;
/** Copies of the weights a worker holds: parsed floats, the ONNX bytes, the session's own. */
const weightCopies = 4;

export interface MemoryEstimate {
  readonly totalBytes: number;
  readonly engineBytes: number;
  readonly imageBytes: number;
}

export interface UpscaleRequestShape {
  readonly width: number;
  readonly height: number;
  /** 3 for RGB, 4 when an alpha channel is carried along. */
  readonly channels: number;
  readonly scale: number;
}

/**
 * Peak bytes of live activations per input pixel, by walking the graph in order and freeing
 * each tensor after its last consumer. This is what makes memory a function of the tile, not
 * the image: it multiplies the largest tile's pixel count, never the image's.
 */
export function networkFootprint(model: LayersModel): NetworkFootprint {
  const consumers = new Map<string, number>();
  for (const layer of model.layers) {
    for (const input of layer.inputs) consumers.set(input, (consumers.get(input) ?? 0) + 1);
  }
  const floats = new Map<string, number>();
  const channels = new Map<string, number>();
  let live = 0;
  let peak = 0;
  for (const layer of model.layers) {
    const first = layer.inputs[0];
    const inputChannels = first === undefined ? 3 : channels.get(first)!;
    const inputArea = first === undefined ? 1 : floats.get(first)! / inputChannels;
    let outChannels = inputChannels;
    let area = inputArea;
    if (layer.className === 'Conv2D') outChannels = layer.config.filters as number;
    else if (layer.className === 'Concatenate') {
      outChannels = layer.inputs.reduce((sum, input) => sum + channels.get(input)!, 0);
    } else if (layer.className === 'UpSampling2D') {
      const [factor] = layer.config.size as [number, number];
      area *= factor * factor;
    } else if (layer.className.startsWith('PixelShuffle')) {
      const factor = Number(/\d+/.exec(layer.className)![0]);
      area *= factor * factor;
      outChannels /= factor * factor;
    }
    channels.set(layer.name, outChannels);
    floats.set(layer.name, outChannels * area);
    live += outChannels * area;
    peak = Math.max(peak, live);
    for (const input of layer.inputs) {
      const remaining = consumers.get(input)! - 1;
      consumers.set(input, remaining);
      if (remaining === 0) live -= floats.get(input)!;
    }
  }
  let weightFloats = 0;
  for (const weight of model.weights.values()) weightFloats += weight.data.length;
  return { activationBytesPerPixel: peak * 4, weightBytes: weightFloats * 4 };
}

/** Estimated peak memory of one upscale with a given plan and number of tiles in flight. */
export function estimateUpscaleMemory(
  request: UpscaleRequestShape,
  plan: TilePlan,
  concurrency: number,
  workers: number,
  network: NetworkFootprint,
): MemoryEstimate {
  const { scale } = request;
  const inputPixels = plan.largestInput.width * plan.largestInput.height;
  const outputPixels = inputPixels * scale * scale;
  const activations = network.activationBytesPerPixel * inputPixels * activationOverhead;
  const engineBytes =
    workers * (workerBaseBytes + weightCopies * network.weightBytes) +
    concurrency * (activations + 2 * (inputPixels + outputPixels) * 3 * 4);
  const outWidth = request.width * scale;
  const outPixels = outWidth * request.height * scale;
  const stripRows = Math.ceil(request.height / plan.rows + 2 * plan.overlap) * scale;
  const imageBytes =
    request.width * request.height * request.channels * 2 + // decoded input, plus its RGB copy
    outPixels * 3 + // stitched RGB result
    2 * outWidth * stripRows * 3 * 4 + // the current and previous float strips
    (request.channels === 4 ? outPixels * 5 : 0) + // upscaled alpha and the joined RGBA
    outPixels * request.channels; // PNG encoder working copy
  return { totalBytes: engineBytes + imageBytes, engineBytes, imageBytes };
}

export interface PreflightChoice {
  readonly plan: TilePlan;
  readonly settings: TileSettings;
  readonly concurrency: number;
  readonly estimate: MemoryEstimate;
  /** True when the budget forced a smaller tile or fewer tiles at once than requested. */
  readonly reduced: boolean;
}

/**
 * Picks the tile plan for an upscale. Without a budget it is the requested one. With a budget
 * it is the first plan whose estimate fits, trying the requested tile and then halving it down
 * to 32 px, each first with every worker busy and then with one; if even the smallest does not
 * fit, the upscale is refused before any memory is committed.
 */
export function preflight(
  request: UpscaleRequestShape,
  settings: TileSettings,
  workers: number,
  network: NetworkFootprint,
  budget: number | undefined,
): PreflightChoice {
  const candidates: number[] = [];
  for (let tile = settings.tile; tile >= minimumTile; tile = Math.floor(tile / 2)) candidates.push(tile);
  if (candidates.at(-1) !== minimumTile && settings.tile > minimumTile) candidates.push(minimumTile);
  const concurrencies = workers > 1 ? [workers, 1] : [1];
  let smallest: MemoryEstimate | undefined;
  for (const tile of candidates) {
    for (const concurrency of concurrencies) {
      const tileSettings = { ...settings, tile };
      const plan = planTiles(request.width, request.height, tileSettings);
      const estimate = estimateUpscaleMemory(request, plan, concurrency, workers, network);
      const reduced = tile !== settings.tile || concurrency !== workers;
      if (budget === undefined || estimate.totalBytes <= budget) {
        return { plan, settings: tileSettings, concurrency, estimate, reduced };
      }
      smallest = estimate;
    }
  }
  throw new AtelierError(
    'STAGE_FAILED',
    `upscale of ${request.width}x${request.height} x${request.scale} needs an estimated ${formatBytes(smallest!.totalBytes)} ` +
      `even with ${minimumTile} px tiles one at a time, but the memory budget is ${formatBytes(budget!)}`,
    {
      details: [
        `of which ${formatBytes(smallest!.imageBytes)} is the image itself and ${formatBytes(smallest!.engineBytes)} the engines`,
        "Raise the upscale stage's memoryBudget, use a smaller scale, or upscale a smaller image.",
      ],
    },
  );
}
