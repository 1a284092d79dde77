import { AtelierError } from '../../../errors.ts';
import { formatBytes, minimumTile } from './esrgan-settings.ts';
import type { EsrganScale, EsrganSize } from './esrgan-variant.ts';
import { type LayersModel, layerOutputChannels, pixelShuffleFactor } from './layers-model.ts';
import { planTiles, type TilePlan, type TileSettings } from './tile-plan.ts';

/** What the preflight needs to know about a network, computed once per model. */
export interface NetworkFootprint {
  /** Peak bytes the engine uses per input pixel of a tile. */
  readonly activationBytesPerPixel: number;
  /** Peak bytes of live tensors per input pixel, from the graph alone (a lower bound). */
  readonly livenessBytesPerPixel: number;
  /** Bytes of float32 weights. */
  readonly weightBytes: number;
}

/**
 * Calibration against peak RSS measured with the upscale benchmark's job runner (slim, medium,
 * thick; 1 and 2 workers; tiles 32..512; about 15% margin added). The estimate is the whole
 * process's peak, so a budget reads like the RSS an operator watches.
 * - The process itself (Node, sharp, the AI SDK) and onnxruntime's first load: ~180 MB.
 * - Each worker thread (isolate, loader, session state) beyond its weights: ~40 MB, plus about
 *   six copies of the weights (parsed floats, ONNX bytes, session initialisers, prepacked and
 *   blocked-layout kernels).
 * - Activations per engine input pixel, as onnxruntime really uses them (layout conversions,
 *   convolution workspaces, allocator slack). The liveness analysis below predicts the shape
 *   but not the level, which differs per network, hence a measured table with the liveness
 *   estimate as a floor for weights this table has not seen.
 */
const processBaseBytes = 180e6;
const workerBaseBytes = 40e6;
const weightCopies = 6;
const measuredActivationBytesPerPixel: Record<EsrganSize, Record<EsrganScale, number>> = {
  slim: { 2: 4000, 4: 5500 },
  medium: { 2: 10_000, 4: 11_500 },
  thick: { 2: 9300, 4: 9500 },
};

export interface MemoryEstimate {
  /** Estimated peak RSS of the process during the upscale. */
  readonly totalBytes: number;
  /** The process, the workers and their tiles: set by the tile size, whatever the image size. */
  readonly engineBytes: number;
  /** Decoded input, stitched output, strips and the encoder's copy: set by the image size. */
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
 * A network's memory per tile pixel: the measured figure for the variant, floored by the peak
 * bytes of live tensors found by walking the graph in order and freeing each tensor after its
 * last consumer. This is what makes memory a function of the tile, not the image: it multiplies
 * the tile's pixel count, never the image's.
 */
export function networkFootprint(
  model: LayersModel,
  variant: { readonly size: EsrganSize; readonly scale: EsrganScale },
): NetworkFootprint {
  const consumers = new Map<string, number>();
  for (const layer of model.layers) {
    for (const input of layer.inputs) consumers.set(input, (consumers.get(input) ?? 0) + 1);
  }
  const floats = new Map<string, number>();
  const channels = layerOutputChannels(model);
  let live = 0;
  let peak = 0;
  for (const layer of model.layers) {
    const first = layer.inputs[0];
    let area = first === undefined ? 1 : floats.get(first)! / channels.get(first)!;
    if (layer.className === 'UpSampling2D') {
      const [factor] = layer.config.size as [number, number];
      area *= factor * factor;
    } else if (layer.className.startsWith('PixelShuffle')) {
      area *= pixelShuffleFactor(layer) ** 2;
    }
    const outChannels = channels.get(layer.name)!;
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
  const liveness = peak * 4;
  return {
    activationBytesPerPixel: Math.max(
      measuredActivationBytesPerPixel[variant.size][variant.scale],
      1.2 * liveness,
    ),
    livenessBytesPerPixel: liveness,
    weightBytes: weightFloats * 4,
  };
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
  const activations = network.activationBytesPerPixel * inputPixels;
  const engineBytes =
    processBaseBytes +
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
