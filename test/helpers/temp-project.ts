import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { ImageModelV3, ImageModelV3CallOptions, ImageModelV3Middleware } from '@ai-sdk/provider';
import { stringify } from 'yaml';
import { type LoadedCampaign, loadCampaign } from '../../src/config/load-campaign.ts';
import { builtinProvider, ModelRegistry } from '../../src/models/model-registry.ts';
import { withMiddleware } from '../../src/models/with-middleware.ts';
import { stageCatalog } from '../../src/stages/stage-catalog.ts';
import { sha256 } from '../../src/util/canonical-json.ts';

/**
 * A small campaign through every stage with the built-in models (compose, typography overlay
 * read back by OCR, grade, a x2 upscale, export): seconds to render cold.
 */
export function everyStageCampaign(): Record<string, unknown> {
  const small = smallCampaign();
  return {
    ...small,
    models: {
      compose: 'builtin:draft',
      ocr: 'builtin:tesseract',
      stylize: 'builtin:grade',
      upscale: 'builtin:esrgan-slim',
    },
    pipeline: {
      seeds: 1,
      stages: [
        { stage: 'compose', size: '256x256' },
        { stage: 'typography', mode: 'overlay' },
        { stage: 'stylize', mode: 'palette' },
        { stage: 'upscale', scale: 2 },
        { stage: 'export', formats: ['png', 'webp'], crops: [{ aspect: '1:1', size: '256x256' }] },
      ],
    },
    shots: [{ id: 'tulips', prompt: 'spring tulips in morning light', headline: 'Spring into colour' }],
  };
}

/** A small campaign that renders in well under a second per image. */
export function smallCampaign(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    campaign: 'test-campaign',
    models: { compose: 'builtin:draft' },
    brand: { palette: ['#F4E9DA', '#E8A0BF', '#7FB77E', '#2E4057'] },
    pipeline: {
      seeds: 2,
      concurrency: 2,
      stages: [
        { stage: 'compose', size: '160x128' },
        {
          stage: 'export',
          formats: ['png', 'webp'],
          crops: [
            { aspect: '4:5', size: '80x100' },
            { aspect: '16:9', size: '160x90' },
          ],
        },
      ],
    },
    shots: [
      {
        id: 'tulips',
        prompt: 'spring tulips in morning light',
        headline: 'Spring into colour',
        focus: { x: 0.3, y: 0.5 },
      },
      { id: 'bottle', prompt: 'glass bottle on a podium, product hero', seeds: [7] },
      { id: 'meadow', prompt: 'picnic on a meadow hill, breeze', crops: ['16:9'] },
    ],
    ...overrides,
  };
}

export interface TempProject {
  directory: string;
  configPath: string;
  load(): Promise<LoadedCampaign>;
  cleanup(): Promise<void>;
}

export async function createTempProject(config: Record<string, unknown> | string): Promise<TempProject> {
  const directory = await mkdtemp(join(tmpdir(), 'atelier-test-'));
  const configPath = join(directory, 'atelier.yaml');
  await writeFile(configPath, typeof config === 'string' ? config : stringify(config));
  return {
    directory,
    configPath,
    load: () => loadCampaign(configPath, { stages: stageCatalog(), providers: ['builtin'] }),
    cleanup: () => rm(directory, { recursive: true, force: true }),
  };
}

const runRecords = new Set(['contact-sheet.png', 'report.html']);

/**
 * sha256 of every file under a folder, keyed by relative path. `artifactsOnly` leaves out what
 * describes a run rather than being made by it: manifests (timings), the contact sheet and the
 * report (they name the run).
 */
export async function hashTree(
  root: string,
  options: { artifactsOnly?: boolean } = {},
): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (options.artifactsOnly && (path.endsWith('.json') || runRecords.has(entry.name))) continue;
    hashes.set(relative(root, path), sha256(await readFile(path)));
  }
  return hashes;
}

/** Image-model middleware that records every call reaching the model beneath it in `calls`. */
export function countingMiddleware(calls: ImageModelV3CallOptions[]): ImageModelV3Middleware {
  return {
    specificationVersion: 'v3',
    wrapGenerate: async ({ doGenerate, params }) => {
      calls.push(params);
      return doGenerate();
    },
  };
}

/** Every built-in model, counting the calls that reached a model. */
export function countingRegistry(): { registry: ModelRegistry; calls: () => number } {
  const calls: ImageModelV3CallOptions[] = [];
  const registry = new ModelRegistry([
    {
      name: 'builtin',
      lock: (reference) => builtinProvider.lock(reference),
      create: async (reference) =>
        withMiddleware((await builtinProvider.create(reference)) as ImageModelV3, countingMiddleware(calls)),
    },
  ]);
  return { registry, calls: () => calls.length };
}
