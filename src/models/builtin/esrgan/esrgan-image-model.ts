import type {
  ImageModelV3,
  ImageModelV3CallOptions,
  ImageModelV3File,
  SharedV3Warning,
} from '@ai-sdk/provider';
import sharp, { type OutputInfo } from 'sharp';
import { AtelierError } from '../../../errors.ts';
import { defaultEncodeEffort } from '../../../util/sharp.ts';
import { cpuThreadBudget, type ThreadBudget } from '../../../util/thread-budget.ts';
import { reportBuiltinProgress } from '../builtin-progress.ts';
import { defaultOverlap, type EsrganSettings, esrganSettingsSchema } from './esrgan-settings.ts';
import {
  type EsrganScale,
  type EsrganSize,
  esrganModelDirectory,
  esrganPackageVersion,
  esrganVariant,
} from './esrgan-variant.ts';
import { esrganWeightDigests } from './esrgan-weight-digests.ts';
import { readLayersModel } from './layers-model.ts';
import { type NetworkFootprint, networkFootprint, preflight } from './memory-preflight.ts';
import type { TileEngineName } from './tile-engine.ts';
import { TileWorkerPool } from './tile-worker-pool.ts';
import { type RgbImage, tiledUpscale } from './tiled-upscale.ts';

export interface EsrganModelOptions {
  /** Inference engine; `onnx` (default) in production, `tfjs-wasm` as the reference. */
  readonly engine?: TileEngineName;
  /** Worker threads (default: one per thread of the budget). Never changes the output bytes. */
  readonly workers?: number;
  /** CPU threads each tile draws from while it runs (default: the process's shared budget). */
  readonly threads?: ThreadBudget;
  /** Where the weights for a scale live (default: the npm package in node_modules). */
  readonly modelDirectory?: (scale: EsrganScale) => string;
}

/** What one call did, returned as provider metadata and kept in the stage's manifest details. */
export interface EsrganCallRecord {
  readonly engine: TileEngineName;
  readonly scale: EsrganScale;
  readonly tile: number;
  readonly padding: number;
  readonly overlap: number;
  readonly tiles: number;
  readonly grid: string;
  readonly tilesInFlight: number;
  readonly estimatedPeakBytes: number;
  readonly reducedForBudget: boolean;
  readonly alpha: boolean;
}

/**
 * `builtin:esrgan-{slim,medium,thick}`: the UpscalerJS ESRGAN networks (MIT weights from npm)
 * as an AI SDK ImageModelV3. It takes the image to upscale as the call's one input file
 * (`generateImage({ prompt: { images: [png] } })`), so a remote upscaler can take the same role,
 * and reads scale, tile, padding, overlap and memory budget from `providerOptions.builtin`.
 *
 * The image is upscaled in tiles on worker threads, stitched seam-free (see `tiledUpscale`),
 * and its alpha channel, if any, is resized separately with Lanczos-3: the networks are RGB.
 * Output bytes depend only on the input and the tile settings, never on the worker count.
 */
export class EsrganImageModel implements ImageModelV3 {
  readonly specificationVersion = 'v3';
  readonly provider = 'builtin';
  readonly modelId: string;
  readonly maxImagesPerCall = 1;
  private readonly pools = new Map<EsrganScale, TileWorkerPool>();
  private readonly footprints = new Map<EsrganScale, Promise<NetworkFootprint>>();
  private readonly engine: TileEngineName;
  private readonly workers: number;
  private readonly threads: ThreadBudget;

  constructor(
    readonly size: EsrganSize,
    private readonly options: EsrganModelOptions = {},
  ) {
    this.modelId = `esrgan-${size}`;
    this.engine = options.engine ?? 'onnx';
    this.threads = options.threads ?? cpuThreadBudget();
    this.workers = options.workers ?? this.threads.threads;
  }

  async doGenerate(options: ImageModelV3CallOptions) {
    const warnings: SharedV3Warning[] = [];
    if (options.prompt)
      warnings.push({ type: 'unsupported', feature: 'prompt', details: 'upscalers take no prompt' });
    if (options.seed !== undefined) {
      warnings.push({ type: 'unsupported', feature: 'seed', details: 'the upscaler is deterministic' });
    }
    if (options.size || options.aspectRatio) {
      warnings.push({
        type: 'unsupported',
        feature: 'size',
        details: 'the output size is the input size times scale',
      });
    }
    const settings = this.settings(options.providerOptions?.builtin);
    const input = await decodeInput(options.files);
    options.abortSignal?.throwIfAborted();

    const variant = esrganVariant(this.size, settings.scale);
    const padding = settings.padding ?? variant.defaultPadding;
    const tileSettings = {
      tile: settings.tile,
      padding,
      // Exact tiles agree on every seam pixel: blending them would only compute the seams twice.
      overlap: settings.overlap ?? (padding >= variant.receptiveField ? 0 : defaultOverlap),
    };
    const choice = preflight(
      { width: input.width, height: input.height, channels: input.alpha ? 4 : 3, scale: settings.scale },
      tileSettings,
      this.workers,
      await this.footprint(settings.scale),
      settings.memoryBudget,
    );
    if (choice.reduced) {
      warnings.push({
        type: 'other',
        message: `memory budget: tile ${tileSettings.tile} -> ${choice.settings.tile} px, ${choice.concurrency} tile(s) at once`,
      });
    }
    const pool = this.pool(settings.scale);
    const total = choice.plan.tiles.length;
    const rgb = await tiledUpscale(input.rgb, {
      scale: settings.scale,
      settings: choice.settings,
      range: variant.range,
      concurrency: choice.concurrency,
      // A tile computes only while it holds a thread of the budget, shared with OCR and encoding.
      runTile: (tile, width, height) => this.threads.run(() => pool.run(tile, width, height)),
      onTile: (completed) => reportBuiltinProgress(completed / total, `tile ${completed}/${total}`),
      signal: options.abortSignal,
    });
    const png = await encodeOutput(rgb, input.alpha, settings.scale);
    const record: EsrganCallRecord = {
      engine: this.engine,
      scale: settings.scale,
      tile: choice.settings.tile,
      padding: choice.settings.padding,
      overlap: choice.plan.overlap,
      tiles: total,
      grid: `${choice.plan.columns}x${choice.plan.rows}`,
      tilesInFlight: choice.concurrency,
      estimatedPeakBytes: Math.round(choice.estimate.totalBytes),
      reducedForBudget: choice.reduced,
      alpha: input.alpha !== undefined,
    };
    return {
      images: [png],
      warnings,
      providerMetadata: { builtin: { images: [{ ...record }] } },
      response: { timestamp: new Date(), modelId: this.modelId, headers: undefined },
    };
  }

  /**
   * Starts the worker threads for the settings' scale (each loads its engine) and reads the
   * weights the memory preflight needs, while earlier stages compute: the first call then finds
   * them ready. Settings as a call's `providerOptions.builtin`; invalid ones are left to the call.
   */
  async warmUp(raw: Readonly<Record<string, unknown>>): Promise<void> {
    const { scale } = this.settings(raw);
    this.pool(scale).warm();
    await this.footprint(scale);
  }

  /**
   * Stops the worker threads (the runner calls it through `disposeModel` when a run ends). Idle
   * workers never keep a process alive, so this is optional; the next call starts them anew.
   */
  async dispose(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  private settings(raw: unknown): EsrganSettings {
    const parsed = esrganSettingsSchema.safeParse(raw ?? {});
    if (!parsed.success) {
      const problems = parsed.error.issues.map(
        (issue) => `${issue.path.join('.') || 'builtin'}: ${issue.message}`,
      );
      throw new AtelierError(
        'INVALID_ARGUMENT',
        `Invalid settings for builtin:${this.modelId}: ${problems.join('; ')}`,
      );
    }
    return parsed.data;
  }

  private directory(scale: EsrganScale): string {
    return this.options.modelDirectory?.(scale) ?? esrganModelDirectory(esrganVariant(this.size, scale));
  }

  private digests(scale: EsrganScale) {
    const variant = esrganVariant(this.size, scale);
    return esrganWeightDigests[
      `${variant.packageName}@${esrganPackageVersion(variant.packageName)}/x${scale}`
    ];
  }

  private footprint(scale: EsrganScale): Promise<NetworkFootprint> {
    let footprint = this.footprints.get(scale);
    if (!footprint) {
      const variant = esrganVariant(this.size, scale);
      footprint = readLayersModel(this.directory(scale), {
        packageName: variant.packageName,
        expectedDigests: this.digests(scale),
      }).then((model) => networkFootprint(model, variant));
      // A failed read (corrupt weights) must not be remembered: a reinstall should fix it.
      footprint.catch(() => this.footprints.delete(scale));
      this.footprints.set(scale, footprint);
    }
    return footprint;
  }

  private pool(scale: EsrganScale): TileWorkerPool {
    let pool = this.pools.get(scale);
    if (!pool) {
      const variant = esrganVariant(this.size, scale);
      pool = new TileWorkerPool(
        {
          engine: this.engine,
          modelDirectory: this.directory(scale),
          packageName: variant.packageName,
          expectedDigests: this.digests(scale),
        },
        this.workers,
      );
      this.pools.set(scale, pool);
    }
    return pool;
  }
}

interface DecodedInput {
  readonly rgb: RgbImage;
  readonly alpha:
    | { readonly pixels: Uint8Array; readonly width: number; readonly height: number }
    | undefined;
  readonly width: number;
  readonly height: number;
}

/** The call's single input image as 8-bit sRGB pixels, with its alpha channel split off. */
async function decodeInput(files: ImageModelV3File[] | undefined): Promise<DecodedInput> {
  if (files?.length !== 1) {
    throw new AtelierError(
      'INVALID_ARGUMENT',
      `ESRGAN upscaling expects exactly one input image (prompt.images) but received ${files?.length ?? 0}`,
    );
  }
  const file = files[0]!;
  if (file.type !== 'file') {
    throw new AtelierError('INVALID_ARGUMENT', 'ESRGAN upscaling runs offline and cannot fetch an image URL');
  }
  const bytes = typeof file.data === 'string' ? Buffer.from(file.data, 'base64') : file.data;
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await sharp(bytes)
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new AtelierError(
      'INVALID_ARGUMENT',
      `ESRGAN upscaling expects a PNG, JPEG or WebP image but could not decode the input (${(error as Error).message})`,
    );
  }
  const { width, height, channels } = decoded.info;
  const pixels = new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength);
  if (channels === 3) return { rgb: { pixels, width, height }, alpha: undefined, width, height };
  const rgb = new Uint8Array(width * height * 3);
  const alpha = new Uint8Array(width * height);
  for (let pixel = 0; pixel < width * height; pixel++) {
    rgb[pixel * 3] = pixels[pixel * channels]!;
    rgb[pixel * 3 + 1] = pixels[pixel * channels + 1]!;
    rgb[pixel * 3 + 2] = pixels[pixel * channels + 2]!;
    alpha[pixel] = pixels[pixel * channels + channels - 1]!;
  }
  return { rgb: { pixels: rgb, width, height }, alpha: { pixels: alpha, width, height }, width, height };
}

/** PNG of the upscaled RGB, with the alpha channel resized (Lanczos-3) and joined back if there was one. */
async function encodeOutput(rgb: RgbImage, alpha: DecodedInput['alpha'], scale: number): Promise<Uint8Array> {
  const raw = { width: rgb.width, height: rgb.height, channels: 3 as const };
  let image = sharp(rgb.pixels, { raw });
  if (alpha) {
    const resized = await sharp(alpha.pixels, {
      raw: { width: alpha.width, height: alpha.height, channels: 1 },
    })
      .resize(alpha.width * scale, alpha.height * scale, { kernel: 'lanczos3', fit: 'fill' })
      // One band out: without this, libvips writes a single-band image as three sRGB bands.
      .extractChannel(0)
      .raw()
      .toBuffer();
    image = image.joinChannel(resized, { raw: { width: rgb.width, height: rgb.height, channels: 1 } });
  }
  // The stage stores this file as it is (adding only its record), so it is compressed as stored.
  const png = await image.png({ compressionLevel: defaultEncodeEffort.png }).toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}
