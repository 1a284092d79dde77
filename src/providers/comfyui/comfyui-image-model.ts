import { randomInt, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  ImageModelV3,
  ImageModelV3CallOptions,
  ImageModelV3File,
  JSONObject,
  SharedV3Warning,
} from '@ai-sdk/provider';
import { convertBase64ToUint8Array } from '@ai-sdk/provider-utils';
import { reportBuiltinProgress } from '../../models/builtin/builtin-progress.ts';
import { sha256 } from '../../util/canonical-json.ts';
import { parseSize, sizeForAspectRatio } from '../aspect-ratio.ts';
import { negativePromptOf } from '../call-settings.ts';
import {
  ComfyuiClient,
  type ComfyuiFeed,
  type ComfyuiHistoryEntry,
  ComfyuiOutOfMemoryError,
  type ComfyuiProgress,
  type ComfyuiSystemStats,
  ComfyuiWorkflowError,
  executionFailure,
} from './comfyui-client.ts';
import {
  type ComfyuiWorkflow,
  fillWorkflow,
  type PlaceholderValues,
  type WorkflowGraph,
} from './comfyui-workflow.ts';

export interface ComfyuiSamplingDefaults {
  steps?: number;
  cfg?: number;
  sampler?: string;
  scheduler?: string;
  denoise?: number;
}

export interface ComfyuiImageModelSettings {
  readonly baseURL: string;
  /** The `comfyui:<name>` model id: the workflow's name in the config. */
  readonly name: string;
  readonly workflow: ComfyuiWorkflow;
  readonly defaults?: ComfyuiSamplingDefaults;
  readonly token?: string;
  readonly fetch?: typeof fetch;
  readonly onProgress?: (progress: ComfyuiProgress) => void;
  /** How often `/history` is polled when the websocket is unavailable. */
  readonly pollIntervalMs?: number;
  /** How often `/system_stats` is sampled during a call to catch the peak GPU memory (default 250 ms). */
  readonly vramSampleMs?: number;
}

const builtinDefaults = { steps: 30, cfg: 7, sampler: 'euler', scheduler: 'normal' } as const;

/** Rough GPU memory a diffusion run needs: the model's weights plus activations per output pixel. */
const bytesPerPixel = 2500;
function modelBytes(checkpoints: readonly string[]): number {
  const names = checkpoints.join(' ').toLowerCase();
  if (/flux/.test(names)) return 12e9;
  if (/sd3|3\.5|sd35/.test(names)) return 10e9;
  if (/xl/.test(names)) return 7e9;
  return 4e9;
}

function gigabytes(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
}

/**
 * A ComfyUI server as an AI SDK ImageModelV3. Each call fills the API-format workflow
 * template (prompt, negative prompt, seed, size, steps, cfg, sampler, input image), uploads
 * an input image through `/upload/image`, queues it with `POST /prompt` and follows it on the
 * `/ws` feed (falling back to polling `/history` if the feed is unavailable), then fetches
 * the outputs through `/history/{id}` and `/view`. The first call reads `/system_stats` and
 * warns when the resolution is likely to exceed the GPU's memory.
 */
export class ComfyuiImageModel implements ImageModelV3 {
  readonly specificationVersion = 'v3';
  readonly provider = 'comfyui';
  readonly maxImagesPerCall = 1;
  private readonly client: ComfyuiClient;
  private stats: Promise<ComfyuiSystemStats | Error> | undefined;

  constructor(private readonly settings: ComfyuiImageModelSettings) {
    this.client = new ComfyuiClient(settings.baseURL, settings.fetch, settings.token);
  }

  get modelId(): string {
    return this.settings.name;
  }

  async doGenerate(
    options: ImageModelV3CallOptions,
  ): Promise<Awaited<ReturnType<ImageModelV3['doGenerate']>>> {
    const { workflow } = this.settings;
    const warnings: SharedV3Warning[] = [];
    // Sampling steps go to the stage's progress (the CLI bar, the studio) as well as to
    // onProgress: the feed's socket is opened in this call, so its events carry its async context.
    const onProgress = (progress: ComfyuiProgress) => {
      this.settings.onProgress?.(progress);
      if (progress.max > 0)
        reportBuiltinProgress(progress.value / progress.max, `step ${progress.value}/${progress.max}`);
    };
    const signal = options.abortSignal;
    const { width, height } = options.size
      ? parseSize(options.size)
      : options.aspectRatio
        ? sizeForAspectRatio(options.aspectRatio, 1024, 8)
        : { width: 1024, height: 1024 };
    const stats = await this.preflight(width, height, warnings, signal);
    const settings = (options.providerOptions?.comfyui ?? {}) as JSONObject & ComfyuiSamplingDefaults;
    const seed = options.seed ?? randomInt(0, 2 ** 32 - 1);
    const hasImage = options.files !== undefined && options.files.length > 0;
    const values: PlaceholderValues = {
      prompt: options.prompt ?? '',
      negative_prompt: negativePromptOf(options) ?? '',
      seed,
      width,
      height,
      steps: settings.steps ?? this.settings.defaults?.steps ?? builtinDefaults.steps,
      cfg: settings.cfg ?? this.settings.defaults?.cfg ?? builtinDefaults.cfg,
      sampler: settings.sampler ?? this.settings.defaults?.sampler ?? builtinDefaults.sampler,
      scheduler: settings.scheduler ?? this.settings.defaults?.scheduler ?? builtinDefaults.scheduler,
      denoise: settings.denoise ?? this.settings.defaults?.denoise ?? (hasImage ? 0.6 : 1),
    };
    if (workflow.placeholders.has('image')) {
      if (!hasImage) {
        throw new ComfyuiWorkflowError(
          `ComfyUI workflow ${workflow.path} loads an input image ({{image}}) but the stage sent none`,
        );
      }
      values.image = await this.upload(options.files![0]!, signal);
    }
    // Inferred inputs: the shot's prompt, seed and size always; steps and cfg only when the
    // config or the stage asks, so a turbo or Flux workflow keeps its own; the workflow's own
    // negative text stays unless the shot has one.
    const negative = negativePromptOf(options);
    const graph = fillWorkflow(workflow, values, {
      prompt: values.prompt,
      seed,
      width,
      height,
      ...(negative ? { negative_prompt: negative } : {}),
      steps: settings.steps ?? this.settings.defaults?.steps,
      cfg: settings.cfg ?? this.settings.defaults?.cfg,
    });
    const clientId = `atelier-${randomUUID()}`;
    const feed = await this.client.openFeed(clientId, 5000);
    if (!feed)
      warnings.push({
        type: 'other',
        message: 'ComfyUI websocket unavailable: following the prompt by polling /history',
      });
    let promptId: string | undefined;
    // Ends the slow safety poll (and a feed left waiting) once the prompt is settled either way.
    const settled = new AbortController();
    const followSignal = signal ? AbortSignal.any([signal, settled.signal]) : settled.signal;
    const vram = this.sampleVram(followSignal);
    try {
      // Not cut short by a stop: a prompt the server accepted must be known to be interrupted.
      promptId = await this.client.queuePrompt(graph, clientId, AbortSignal.timeout(60_000));
      signal?.throwIfAborted();
      const entry = await this.follow(promptId, graph, feed, followSignal, onProgress);
      const all = Object.entries(entry.outputs ?? {}).flatMap(([node, output]) =>
        (output.images ?? []).map((image) => ({ node, image })),
      );
      // SaveImage writes `output` images; a workflow ending in PreviewImage only has `temp` ones.
      const saved = all.filter(({ image }) => image.type === 'output');
      const outputs = saved.length > 0 ? saved : all.filter(({ image }) => image.type === 'temp');
      if (outputs.length === 0) {
        throw new ComfyuiWorkflowError(
          `ComfyUI finished prompt ${promptId} without saving an image: the workflow needs a SaveImage or PreviewImage node`,
        );
      }
      const images: Uint8Array[] = [];
      for (const { image } of outputs) images.push(await this.client.view(image, signal));
      const system = stats instanceof Error ? undefined : stats?.system;
      return {
        images,
        warnings,
        providerMetadata: {
          comfyui: {
            images: outputs.map(({ node, image }) => ({
              promptId: promptId!,
              node,
              filename: image.filename,
              seed,
              width,
              height,
              workflowSha256: workflow.sha256,
              ...(system?.comfyui_version ? { comfyuiVersion: system.comfyui_version } : {}),
              ...(vram.peakBytes !== undefined
                ? { peakVramBytes: vram.peakBytes, vramTotalBytes: vram.totalBytes ?? 0 }
                : {}),
            })),
          },
        },
        response: { timestamp: new Date(), modelId: this.settings.name, headers: undefined },
      };
    } catch (error) {
      if (promptId && signal?.aborted) await this.client.cancel(promptId);
      if (error instanceof ComfyuiOutOfMemoryError) {
        throw new ComfyuiOutOfMemoryError(
          `ComfyUI ran out of GPU memory at ${width}x${height} (render smaller and upscale, or free the GPU): ${error.message}`,
        );
      }
      throw error;
    } finally {
      settled.abort();
      feed?.close();
    }
  }

  /**
   * Waits for the prompt's history entry: on the websocket's word, with a slow `/history` poll
   * alongside in case an event is lost (a reconnect, a proxy dropping frames), or by polling
   * alone without a feed.
   */
  private follow(
    promptId: string,
    graph: WorkflowGraph,
    feed: ComfyuiFeed | undefined,
    signal: AbortSignal,
    onProgress: (progress: ComfyuiProgress) => void,
  ): Promise<ComfyuiHistoryEntry> {
    const poll = this.settings.pollIntervalMs;
    if (!feed) return this.awaitHistory(promptId, graph, { intervalMs: poll ?? 500 }, signal);
    const viaFeed = feed
      .waitFor(promptId, graph, onProgress, signal)
      .then((outcome) =>
        this.awaitHistory(promptId, graph, { intervalMs: poll ?? (outcome === 'done' ? 100 : 500) }, signal),
      );
    const viaPolling = this.awaitHistory(
      promptId,
      graph,
      { intervalMs: poll ?? 3000, waitFirst: true },
      signal,
    );
    // The loser ends in an abort once the winner settles; that is not an error.
    viaFeed.catch(() => undefined);
    viaPolling.catch(() => undefined);
    return Promise.race([viaFeed, viaPolling]);
  }

  /**
   * Samples `/system_stats` until the signal ends, keeping the GPU memory in use at its highest
   * (total minus free, of the first device with memory). ComfyUI reports only the current free
   * memory, so the peak is as fine as the sampling interval.
   */
  private sampleVram(signal: AbortSignal): { peakBytes?: number; totalBytes?: number } {
    const vram: { peakBytes?: number; totalBytes?: number } = {};
    const interval = this.settings.vramSampleMs ?? 250;
    void (async () => {
      while (!signal.aborted) {
        try {
          const stats = await this.client.systemStats(signal);
          const device = stats.devices?.find((candidate) => (candidate.vram_total ?? 0) > 0);
          if (device?.vram_total !== undefined && device.vram_free !== undefined) {
            const used = device.vram_total - device.vram_free;
            vram.totalBytes = device.vram_total;
            vram.peakBytes = Math.max(vram.peakBytes ?? 0, used);
          }
        } catch {
          // A missed sample is not a failed call.
        }
        await sleep(interval, undefined, { signal }).catch(() => undefined);
      }
    })();
    return vram;
  }

  /** Reads `/system_stats` once; warns when the size likely exceeds the GPU's memory. */
  private async preflight(
    width: number,
    height: number,
    warnings: SharedV3Warning[],
    signal: AbortSignal | undefined,
  ): Promise<ComfyuiSystemStats | Error> {
    this.stats ??= this.client.systemStats(signal).catch((error: Error) => error);
    const stats = await this.stats;
    if (stats instanceof Error) {
      // Not fatal: the prompt itself will say whether the server is there.
      this.stats = undefined;
      return stats;
    }
    const device = stats.devices?.find(
      (candidate) => typeof candidate.vram_total === 'number' && candidate.vram_total > 0,
    );
    if (device?.vram_total) {
      const needed = modelBytes(this.settings.workflow.checkpoints) + width * height * bytesPerPixel;
      if (needed > device.vram_total) {
        warnings.push({
          type: 'other',
          message: `ComfyUI GPU${device.name ? ` ${device.name}` : ''} has ${gigabytes(device.vram_total)}; ${width}x${height} with ${this.settings.workflow.checkpoints.join(', ') || 'this workflow'} likely needs about ${gigabytes(needed)}: expect out-of-memory errors (render smaller and upscale)`,
        });
      }
    }
    return stats;
  }

  private async upload(file: ImageModelV3File, signal: AbortSignal | undefined): Promise<string> {
    if (file.type === 'url') {
      throw new ComfyuiWorkflowError('ComfyUI input images must be bytes, not URLs');
    }
    const bytes = typeof file.data === 'string' ? convertBase64ToUint8Array(file.data) : file.data;
    const extension = file.mediaType.split('/')[1]?.replace('jpeg', 'jpg') ?? 'png';
    // Named by content, so a retried or repeated upload overwrites the same file.
    return this.client.uploadImage(
      bytes,
      `atelier-${sha256(bytes).slice(0, 16)}.${extension}`,
      file.mediaType,
      signal,
    );
  }

  /**
   * The prompt's history entry. After the feed said "done" the entry may lag a moment behind;
   * without a feed this is the only way to follow the prompt.
   */
  private async awaitHistory(
    promptId: string,
    graph: WorkflowGraph,
    timing: { intervalMs: number; waitFirst?: boolean },
    signal: AbortSignal,
  ): Promise<ComfyuiHistoryEntry> {
    if (timing.waitFirst) await sleep(timing.intervalMs, undefined, { signal });
    for (;;) {
      const entry = await this.client.history(promptId, signal);
      if (entry) {
        if (entry.status?.status_str === 'error') {
          const failure = entry.status.messages?.find(([type]) => type === 'execution_error')?.[1];
          if (failure) throw executionFailure(failure, graph);
          throw new ComfyuiWorkflowError(`ComfyUI failed prompt ${promptId}`);
        }
        if (entry.status?.completed !== false && entry.outputs) return entry;
      }
      await sleep(timing.intervalMs, undefined, { signal });
    }
  }
}
