import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageModelV3, ImageModelV3CallOptions } from '@ai-sdk/provider';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempProject, smallCampaign, type TempProject } from '../../test/helpers/temp-project.ts';
import { loadCampaign } from '../config/load-campaign.ts';
import { builtinProvider, ModelRegistry } from '../models/model-registry.ts';
import { runCampaign } from '../pipeline/run-campaign.ts';
import type { RunEvent } from '../pipeline/run-events.ts';
import { stageCatalog } from './stage-catalog.ts';

const projects: TempProject[] = [];
afterEach(async () => {
  await Promise.all(projects.splice(0).map((project) => project.cleanup()));
});

function upscaleCampaign(
  upscale: Record<string, unknown> = { stage: 'upscale', scale: 2 },
  model = 'builtin:esrgan-slim',
) {
  return smallCampaign({
    models: { compose: 'builtin:draft', upscale: model },
    pipeline: {
      seeds: [5],
      concurrency: 2,
      stages: [
        { stage: 'compose', size: '80x64' },
        upscale,
        {
          stage: 'export',
          formats: ['png'],
          crops: [
            { aspect: '4:5', size: '80x100' },
            { aspect: '16:9', size: '160x90' },
          ],
        },
      ],
    },
    shots: [{ id: 'tulips', prompt: 'spring tulips in morning light', focus: { x: 0.3, y: 0.5 } }],
  });
}

async function manifest(runDirectory: string, suffix: string) {
  const folder = join(runDirectory, 'tulips', (await readdir(join(runDirectory, 'tulips')))[0]!);
  const name = (await readdir(folder)).find((file) => file.endsWith(`${suffix}.json`))!;
  return {
    path: join(folder, name.replace(/\.json$/, '')),
    record: JSON.parse(await readFile(join(folder, name), 'utf8')) as Record<string, any>,
  };
}

describe('upscale stage', () => {
  it('doubles the composition into the master the export crops come from, with progress per tile', async () => {
    const project = await createTempProject(upscaleCampaign({ stage: 'upscale', scale: 2, tile: 32 }));
    projects.push(project);
    const events: RunEvent[] = [];
    const summary = await runCampaign({
      loaded: await project.load(),
      onEvent: (event) => events.push(event),
    });
    expect(summary.status).toBe('completed');

    const upscaled = await manifest(summary.runDirectory, 'upscale.png');
    expect(await sharp(upscaled.path).metadata()).toMatchObject({ width: 160, height: 128 });
    expect(upscaled.record.details.upscaler).toMatchObject({
      engine: 'onnx',
      scale: 2,
      tile: 32,
      tiles: 6,
      padding: 10,
    });
    expect(upscaled.record.model).toMatchObject({
      reference: 'builtin:esrgan-slim',
      package: { name: '@upscalerjs/esrgan-slim' },
    });

    const crop = await manifest(summary.runDirectory, 'export-16x9.png');
    expect(crop.record.input.sha256).toBe(upscaled.record.output.sha256);
    expect(crop.record.details.crops['16x9']).toMatchObject({ width: 160, height: 90 });

    const tiles = events.flatMap((event) =>
      event.type === 'job-progress' && event.stage === 'upscale' && event.message?.startsWith('tile')
        ? [event.message]
        : [],
    );
    expect(tiles).toEqual(['tile 1/6', 'tile 2/6', 'tile 3/6', 'tile 4/6', 'tile 5/6', 'tile 6/6']);
  });

  it('rejects bad params with the file position', async () => {
    const project = await createTempProject(
      upscaleCampaign({ stage: 'upscale', scale: 3, memoryBudget: 'lots' }),
    );
    projects.push(project);
    const failure = project.load();
    await expect(failure).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    const details = await failure.catch((error: { details: string[] }) => error.details.join('\n'));
    expect(details).toMatch(/atelier\.yaml:\d+:\d+: pipeline\.stages\[1\]\.scale: expected scale 2 or 4/);
    expect(details).toMatch(
      /pipeline\.stages\[1\]\.memoryBudget: malformed memory budget: expected bytes or a size like "1\.5GB"/,
    );
  });

  it('gives a remote upscaler the same call and keeps the master exactly scale x the input', async () => {
    // Stands in for a hosted upscaler: answers with a slightly wrong size, as some round sizes.
    const calls: ImageModelV3CallOptions[] = [];
    const remote: ImageModelV3 = {
      specificationVersion: 'v3',
      provider: 'remote',
      modelId: 'upscaler',
      maxImagesPerCall: 1,
      async doGenerate(options) {
        calls.push(options);
        const file = options.files![0]!;
        const image = await sharp(file.type === 'file' ? (file.data as Uint8Array) : Buffer.alloc(0))
          .resize(158, 128)
          .png()
          .toBuffer();
        return {
          images: [image],
          warnings: [],
          response: { timestamp: new Date(), modelId: 'upscaler', headers: undefined },
        };
      },
    };
    const registry = new ModelRegistry([
      builtinProvider,
      {
        name: 'remote',
        lock: async (reference) => ({
          reference: reference.raw,
          provider: 'remote',
          modelId: reference.modelId,
        }),
        create: async () => remote,
      },
    ]);
    const project = await createTempProject(
      upscaleCampaign(
        { stage: 'upscale', scale: 2, providerOptions: { remote: { creativity: 0 } } },
        'remote:upscaler',
      ),
    );
    projects.push(project);
    const loaded = await loadCampaign(project.configPath, {
      stages: stageCatalog(),
      providers: registry.providerNames(),
    });
    const summary = await runCampaign({ loaded, registry });
    expect(summary.status).toBe('completed');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.files).toHaveLength(1);
    expect(calls[0]!.providerOptions).toMatchObject({ remote: { creativity: 0 }, builtin: { scale: 2 } });
    const upscaled = await manifest(summary.runDirectory, 'upscale.png');
    expect(await sharp(upscaled.path).metadata()).toMatchObject({ width: 160, height: 128 });
    expect(upscaled.record.warnings).toContain('upscaler returned 158x128, resized to 160x128 (Lanczos-3)');
  });
});
