// One measured upscale job in a fresh process, so its peak RSS is its own: run by
// upscale.bench.ts as `node --import tsx bench/upscale-job.ts '<json>'`, prints one JSON line.
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { generateImage } from 'ai';
import sharp from 'sharp';
import { renderDraft } from '../src/models/builtin/draft/draft-image-model.ts';
import { EsrganImageModel } from '../src/models/builtin/esrgan/esrgan-image-model.ts';
import type { EsrganSize } from '../src/models/builtin/esrgan/esrgan-variant.ts';
import { esrganModelDirectory, esrganVariant } from '../src/models/builtin/esrgan/esrgan-variant.ts';
import { readLayersModel } from '../src/models/builtin/esrgan/layers-model.ts';
import type { TileEngineName } from '../src/models/builtin/esrgan/tile-engine.ts';

export interface UpscaleJob {
  /** `esrgan`: the built-in model (tiles on workers); `tfjs-whole`: the plain baseline; `lanczos`: sharp. */
  kind: 'esrgan' | 'tfjs-whole' | 'lanczos';
  size?: EsrganSize;
  engine?: TileEngineName;
  workers?: number;
  edge: number;
  scale: 2 | 4;
  tile?: number;
  padding?: number;
  runs: number;
  warmup: number;
}

export interface UpscaleJobResult {
  timesMs: number[];
  maxRssBytes: number;
  outputSha256: string;
  estimatedPeakBytes?: number;
  tiles?: number;
}

export const benchPalette = ['#F4E9DA', '#E8A0BF', '#7FB77E', '#2E4057', '#F6C85F'];

export function benchImage(edge: number): Promise<Uint8Array> {
  return renderDraft({
    prompt: 'spring tulips on a podium, soft light',
    seed: 3,
    width: edge,
    height: edge,
    palette: benchPalette,
  });
}

async function runJob(job: UpscaleJob): Promise<UpscaleJobResult> {
  const image = await benchImage(job.edge);
  let once: () => Promise<{ png: Uint8Array; record?: Record<string, number> }>;
  let close = async () => {};
  if (job.kind === 'esrgan') {
    const model = new EsrganImageModel(job.size ?? 'slim', { engine: job.engine, workers: job.workers });
    close = () => model.dispose();
    once = async () => {
      const result = await generateImage({
        model,
        prompt: { images: [image] },
        providerOptions: {
          builtin: {
            scale: job.scale,
            ...(job.tile ? { tile: job.tile } : {}),
            ...(job.padding !== undefined ? { padding: job.padding } : {}),
          },
        },
      });
      return {
        png: result.image.uint8Array,
        record: result.providerMetadata.builtin!.images[0] as Record<string, number>,
      };
    };
  } else if (job.kind === 'tfjs-whole') {
    // The plain path: the whole image as one tensor through TensorFlow.js (wasm, one thread),
    // on the main thread, no tiles, no workers; same decode and PNG encode as the model.
    const { createTfjsTileEngine } = await import('../src/models/builtin/esrgan/tfjs-tile-engine.ts');
    const variant = esrganVariant(job.size ?? 'slim', job.scale);
    const engine = await createTfjsTileEngine(await readLayersModel(esrganModelDirectory(variant)));
    once = async () => {
      const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const factor = variant.range / 255;
      const output = await engine.run(
        Float32Array.from(data, (value) => value * factor),
        info.width,
        info.height,
      );
      const pixels = Uint8ClampedArray.from(output, (value) => value / factor);
      const png = await sharp(pixels, {
        raw: { width: info.width * job.scale, height: info.height * job.scale, channels: 3 },
      })
        .png({ compressionLevel: 1 })
        .toBuffer();
      return { png };
    };
  } else {
    once = async () => ({
      png: await sharp(image)
        .resize(job.edge * job.scale, job.edge * job.scale, { kernel: 'lanczos3' })
        .png({ compressionLevel: 1 })
        .toBuffer(),
    });
  }
  for (let index = 0; index < job.warmup; index++) await once();
  const timesMs: number[] = [];
  let last: Awaited<ReturnType<typeof once>> | undefined;
  for (let index = 0; index < job.runs; index++) {
    const started = performance.now();
    last = await once();
    timesMs.push(performance.now() - started);
  }
  await close();
  return {
    timesMs,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    outputSha256: createHash('sha256').update(last!.png).digest('hex'),
    estimatedPeakBytes: last!.record?.estimatedPeakBytes,
    tiles: last!.record?.tiles,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runJob(JSON.parse(process.argv[2]!) as UpscaleJob);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
