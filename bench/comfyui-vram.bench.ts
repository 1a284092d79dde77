import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateImage } from 'ai';
import { requireModelReference } from '../src/config/model-reference.ts';
import { generationRecord } from '../src/models/generation-record.ts';
import { createModelRegistry } from '../src/runtime/wiring.ts';
import { FakeComfyui } from '../test/fakes/fake-comfyui.ts';
import { type BenchSection, formatSection, round } from './bench-section.ts';

/** The long edges swept, as `atelier bench --sweep 512,768,1024,1536` would. */
export const sweepSizes = [512, 768, 1024, 1536];
const gib = 1024 ** 3;

/**
 * Peak GPU memory per resolution for a ComfyUI setup: the unmodified SDXL export of
 * examples/comfyui rendered at each size through the real provider (resilience wrapper,
 * websocket, /history, /view), with /system_stats sampled during each call. Here the server is
 * the project's fake on a 12 GiB "GPU" whose memory model is idle use + model weights +
 * 2500 bytes per output pixel while the sampler runs, failing with CUDA out-of-memory above
 * it: the figures show the measuring path works, not what an RTX card does.
 */
export async function run(): Promise<BenchSection> {
  const fake = await FakeComfyui.start({ vramBytes: 12 * gib, samplerMs: 150 });
  const directory = await mkdtemp(join(tmpdir(), 'atelier-bench-comfyui-'));
  const rows: BenchSection['rows'] = [];
  let largestFit: number | undefined;
  try {
    await cp(
      fileURLToPath(new URL('../examples/comfyui/workflows/sdxl-api.json', import.meta.url)),
      join(directory, 'sdxl.json'),
    );
    const registry = createModelRegistry({
      projectDirectory: directory,
      env: {},
      providers: {
        comfyui: {
          baseURL: fake.baseURL,
          workflows: { sdxl: 'sdxl.json' },
          retries: 2,
          vramSampleMilliseconds: 10,
        },
      },
    });
    const model = await registry.resolveImageModel(requireModelReference('comfyui:sdxl'));
    // A warm-up call: the first one pays for connections and the fake's PNG encoder.
    await generateImage({ model, prompt: 'warm-up', size: '256x256', seed: 1 });
    for (const edge of sweepSizes) {
      const started = performance.now();
      try {
        const result = await generateImage({ model, prompt: 'bench', size: `${edge}x${edge}`, seed: 1 });
        const provider = generationRecord(result).details.provider as { peakVramBytes?: number } | undefined;
        const peak = provider?.peakVramBytes ?? Number.NaN;
        rows.push({
          resolution: `${edge}x${edge}`,
          'latency ms': round(performance.now() - started, 0),
          'peak VRAM GiB': round(peak / gib, 2),
          'of GiB': round(fake.vramTotal / gib, 0),
          outcome: 'ok',
        });
        largestFit = edge;
      } catch (error) {
        const message = (error as Error).message;
        const oom = /ran out of GPU memory/.test(message);
        rows.push({
          resolution: `${edge}x${edge}`,
          'latency ms': round(performance.now() - started, 0),
          'peak VRAM GiB': '',
          'of GiB': round(fake.vramTotal / gib, 0),
          outcome: oom ? `OOM at ${edge}` : `failed: ${message.slice(0, 80)}`,
        });
      }
    }
    return {
      title: 'ComfyUI: peak GPU memory across resolutions (fake server)',
      rows,
      notes: [
        `largest resolution that fits: ${largestFit ? `${largestFit}x${largestFit}` : 'none'}`,
        `${fake.prompts.length - 1} prompts queued for ${sweepSizes.length} sizes (after one warm-up): an out-of-memory error is not retried`,
        'Against the fake ComfyUI (no GPU): its VRAM is a model (idle + weights + 2500 B/pixel), sampled through /system_stats every 10 ms. Against a real server the same code samples the real vram_free.',
      ],
    };
  } finally {
    await fake.close();
    await rm(directory, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(formatSection(await run()));
}
