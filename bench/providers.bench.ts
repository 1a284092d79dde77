import { pathToFileURL } from 'node:url';
import { generateImage } from 'ai';
import sharp from 'sharp';
import { requireModelReference } from '../src/config/model-reference.ts';
import { createModelRegistry } from '../src/runtime/wiring.ts';
import { FakeComfyui, textToImageWorkflow } from '../test/fakes/fake-comfyui.ts';
import { renderFakePng } from '../test/fakes/fake-png.ts';
import type { FakeProvider } from '../test/fakes/fake-provider.ts';
import { providerCases } from '../test/fakes/provider-cases.ts';
import { type BenchSection, median, percentile, round } from './bench-section.ts';

const calls = 15;

async function timed(times: number, call: () => Promise<unknown>): Promise<number[]> {
  const durations: number[] = [];
  for (let index = 0; index < times; index++) {
    const started = performance.now();
    await call();
    durations.push(performance.now() - started);
  }
  return durations;
}

/**
 * Atelier's own cost per remote image call: each provider's real AI SDK package plus the
 * resilience wrapper (capability mapping, gate, recording fetch, decode check), against the
 * local fakes. Not provider latency, which dwarfs it.
 */
export async function run(): Promise<BenchSection> {
  const rows: BenchSection['rows'] = [];
  for (const providerCase of providerCases) {
    const fake: FakeProvider = await providerCase.start({ apiKey: providerCase.apiKey });
    try {
      const registry = createModelRegistry({
        providers: { [providerCase.provider]: { baseURL: fake.baseURL, retries: 0 } },
        projectDirectory: process.cwd(),
        env: { [providerCase.keyVariable]: providerCase.apiKey },
      });
      const model = await registry.resolveImageModel(requireModelReference(providerCase.reference));
      const call = () => generateImage({ model, prompt: 'bench', size: '1024x1024', seed: 1 });
      await call();
      const durations = await timed(calls, call);
      rows.push({
        provider: providerCase.provider,
        model: providerCase.reference,
        'median ms': round(median(durations), 0),
        'p95 ms': round(percentile(durations, 0.95), 0),
        'requests/image': fake.requests.length / fake.paidCalls,
      });
    } finally {
      await fake.close();
    }
  }
  const comfyui = await FakeComfyui.start();
  try {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const directory = await mkdtemp(join(tmpdir(), 'atelier-bench-'));
    await writeFile(join(directory, 'workflow.json'), JSON.stringify(textToImageWorkflow()));
    const registry = createModelRegistry({
      providers: { comfyui: { baseURL: comfyui.baseURL, workflows: { sdxl: 'workflow.json' }, retries: 0 } },
      projectDirectory: directory,
    });
    const model = await registry.resolveImageModel(requireModelReference('comfyui:sdxl'));
    const call = () => generateImage({ model, prompt: 'bench', size: '1024x1024', seed: 1 });
    await call();
    const durations = await timed(calls, call);
    rows.push({
      provider: 'comfyui',
      model: 'comfyui:sdxl (websocket)',
      'median ms': round(median(durations), 0),
      'p95 ms': round(percentile(durations, 0.95), 0),
      'requests/image': Number((comfyui.requests.length / comfyui.executed).toFixed(2)),
    });
    await rm(directory, { recursive: true, force: true });
  } finally {
    await comfyui.close();
  }
  const png = await renderFakePng(1024, 1024, 1);
  const decode = await timed(calls, () => sharp(png, { failOn: 'truncated' }).raw().toBuffer());
  rows.push({
    provider: '(decode check alone)',
    model: '1024x1024 PNG',
    'median ms': round(median(decode)),
    'p95 ms': round(percentile(decode, 0.95)),
    'requests/image': 0,
  });
  return {
    title: 'Remote providers: Atelier overhead per image call (local fakes, 1024x1024 PNG)',
    rows,
    notes: [
      `${calls} sequential calls per provider after one warm-up, through the real @ai-sdk packages and Atelier's resilience wrapper against fakes on 127.0.0.1.`,
      'Includes the fake rendering the PNG and the full decode check; excludes real network and inference time.',
      'requests/image: fal and Replicate download the image from a URL (2); ComfyUI also reads /system_stats once and polls /history.',
    ],
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const section = await run();
  console.log(section.title);
  console.table(section.rows);
  for (const note of section.notes ?? []) console.log(`- ${note}`);
}
