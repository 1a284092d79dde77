import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageModelV3, ImageModelV3CallOptions } from '@ai-sdk/provider';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createTempProject, smallCampaign, type TempProject } from '../../test/helpers/temp-project.ts';
import { formatSummary } from '../cli/run-progress.ts';
import { decodeRawImage } from '../colour/raw-image.ts';
import { loadCampaign } from '../config/load-campaign.ts';
import { DraftImageModel } from '../models/builtin/draft/draft-image-model.ts';
import { builtinProvider, type ModelProvider, ModelRegistry } from '../models/model-registry.ts';
import { runCampaign } from '../pipeline/run-campaign.ts';
import { sha256 } from '../util/canonical-json.ts';
import { stageCatalog } from './stage-catalog.ts';

const projects: TempProject[] = [];
afterEach(async () => {
  await Promise.all(projects.splice(0).map((created) => created.cleanup()));
});

/** The small campaign with a stylize stage between compose and export. */
function stylizedCampaign(change: (config: Record<string, any>) => void = () => {}): Record<string, unknown> {
  const config = smallCampaign() as Record<string, any>;
  config.models.stylize = 'builtin:grade';
  config.pipeline.stages = [
    { stage: 'compose', size: '160x128' },
    { stage: 'stylize', strength: 0.6 },
    { stage: 'export', formats: ['png'], crops: [{ aspect: '1:1', size: '64x64' }] },
  ];
  config.shots = config.shots.map((shot: Record<string, unknown>) => ({ ...shot, crops: undefined }));
  change(config);
  return config;
}

async function project(config: Record<string, unknown>): Promise<TempProject> {
  const created = await createTempProject(config);
  projects.push(created);
  return created;
}

async function loadWith(created: TempProject, registry: ModelRegistry) {
  return loadCampaign(created.configPath, { stages: stageCatalog(), providers: registry.providerNames() });
}

async function manifest(runDirectory: string, shot: string, seed: number, file: string) {
  return JSON.parse(await readFile(join(runDirectory, shot, `seed-${seed}`, `${file}.json`), 'utf8'));
}

async function pixels(path: string): Promise<string> {
  return sha256((await decodeRawImage(new Uint8Array(await readFile(path)))).data);
}

/** Records every call and answers with the input image flipped upside down. */
class RecordingEditModel implements ImageModelV3 {
  readonly specificationVersion = 'v3';
  readonly provider = 'fakeedit.image';
  readonly maxImagesPerCall = 1;
  readonly calls: ImageModelV3CallOptions[] = [];
  constructor(readonly modelId: string) {}
  async doGenerate(options: ImageModelV3CallOptions) {
    this.calls.push(options);
    const file = options.files?.[0];
    if (file?.type !== 'file' || typeof file.data === 'string') throw new Error('expected image bytes');
    const flipped = await sharp(file.data).flip().png().toBuffer();
    return {
      images: [new Uint8Array(flipped)],
      warnings: [],
      response: { timestamp: new Date(), modelId: this.modelId, headers: undefined },
    };
  }
}

function fakeEditRegistry(): { registry: ModelRegistry; models: RecordingEditModel[] } {
  const models: RecordingEditModel[] = [];
  const provider: ModelProvider = {
    name: 'fakeedit',
    lock: async (reference) => ({
      reference: reference.raw,
      provider: 'fakeedit',
      modelId: reference.modelId,
    }),
    create: async (reference) => {
      const model = new RecordingEditModel(reference.modelId);
      models.push(model);
      return model;
    },
  };
  return { registry: new ModelRegistry([builtinProvider, provider]), models };
}

/**
 * A compose model that paints shots whose prompt says "neon" in electric blues and greens,
 * whatever the brand palette: the deliberately off-palette image of a set.
 */
function offPaletteComposeRegistry(): ModelRegistry {
  const provider: ModelProvider = {
    name: 'offpalette',
    lock: async (reference) => ({
      reference: reference.raw,
      provider: 'offpalette',
      modelId: reference.modelId,
    }),
    create: async () => {
      const draft = new DraftImageModel();
      return {
        specificationVersion: 'v3',
        provider: 'offpalette.image',
        modelId: 'draft-neon',
        maxImagesPerCall: 1,
        doGenerate: (options: ImageModelV3CallOptions) =>
          draft.doGenerate(
            options.prompt?.includes('neon')
              ? { ...options, providerOptions: { builtin: { palette: ['#00C2FF', '#0047FF', '#00FF85'] } } }
              : options,
          ),
      };
    },
  };
  return new ModelRegistry([builtinProvider, provider]);
}

describe('stylize stage', () => {
  it('grades every image with builtin:grade, records its colour in the manifest and reports the set', async () => {
    const created = await project(stylizedCampaign());
    const summary = await runCampaign({ loaded: await created.load() });
    expect(summary.status).toBe('completed');
    const record = JSON.parse(await readFile(join(summary.runDirectory, 'run.json'), 'utf8'));
    const chain = record.chains.find((entry: { shot: string }) => entry.shot === 'bottle');
    const stylized = await manifest(summary.runDirectory, 'bottle', chain.seed, '02-stylize.png');
    const composed = await manifest(summary.runDirectory, 'bottle', chain.seed, '01-compose.png');
    expect(stylized).toMatchObject({
      stage: { name: 'stylize', params: { strength: 0.6, preserveLightness: false, mode: 'statistics' } },
      model: { reference: 'builtin:grade', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
      input: { sha256: composed.output.sha256 },
      output: { width: 160, height: 128, mediaType: 'image/png' },
      details: {
        strength: 0.6,
        colour: {
          brandDeltaE: expect.any(Number),
          mean: { hex: expect.stringMatching(/^#[0-9A-F]{6}$/), lab: expect.any(Array) },
        },
      },
    });
    expect(stylized.details.colour.palette.length).toBeGreaterThanOrEqual(3);
    expect(stylized.details.colour.palette.length).toBeLessThanOrEqual(5);
    // The set report: in the summary, in run.json and in the printed summary.
    expect(summary.colour).toMatchObject({ images: 5, spread: expect.any(Number), outliers: [] });
    expect(record.summary.colour).toEqual(summary.colour);
    expect(summary.colour!.perImage.map((image) => image.shotId).sort()).toEqual(
      ['bottle', 'meadow', 'meadow', 'tulips', 'tulips'].sort(),
    );
    expect(formatSummary(summary)).toMatch(/colour: 5 images, ΔE00 to brand palette mean \d+\.\d/);
  });

  it('flags exactly the one off-palette image of a run in the colour report', async () => {
    const registry = offPaletteComposeRegistry();
    const created = await project(
      stylizedCampaign((campaign) => {
        campaign.models.compose = 'offpalette:draft-neon';
        campaign.pipeline.seeds = 1;
        campaign.pipeline.stages[1].strength = 0.3;
        campaign.shots = [
          ...campaign.shots,
          { id: 'window', prompt: 'sunlit studio window, arch, plants' },
          { id: 'citrus', prompt: 'citrus slices glowing in sun light' },
          { id: 'neon', prompt: 'neon sign over a night street' },
        ];
      }),
    );
    const summary = await runCampaign({ loaded: await loadWith(created, registry), registry });
    expect(summary.status).toBe('completed');
    expect(summary.colour!.images).toBe(6);
    expect(summary.colour!.outliers.map((image) => `${image.shotId}#${image.seedIndex}`)).toEqual(['neon#0']);
    expect(formatSummary(summary)).toMatch(/colour outlier: neon#0: ΔE00 \d+\.\d from the brand/);
    // The run report lists the outlier first, linked to its shot.
    const html = await readFile(join(summary.runDirectory, 'report.html'), 'utf8');
    const colour = html.slice(html.indexOf('<h2>Colour</h2>'));
    expect(colour.indexOf('href="#neon-0"')).toBeLessThan(colour.indexOf('href="#tulips-0"'));
    expect(colour.match(/outlier: /g)).toHaveLength(1);
  });

  it('is byte-identical across fresh projects, and leaves pixels unchanged at strength 0', async () => {
    const config = stylizedCampaign((campaign) => (campaign.shots = campaign.shots.slice(1, 2)));
    const first = await runCampaign({ loaded: await (await project(config)).load() });
    const second = await runCampaign({ loaded: await (await project(config)).load() });
    const directory = (summary: typeof first) => join(summary.runDirectory, 'bottle', 'seed-7');
    const a = await readFile(join(directory(first), '02-stylize.png'));
    expect(sha256(await readFile(join(directory(second), '02-stylize.png')))).toBe(sha256(a));
    expect(await pixels(join(directory(first), '02-stylize.png'))).not.toBe(
      await pixels(join(directory(first), '01-compose.png')),
    );

    const untouched = stylizedCampaign((campaign) => {
      campaign.shots = campaign.shots.slice(1, 2);
      campaign.pipeline.stages[1].strength = 0;
    });
    const zero = await runCampaign({ loaded: await (await project(untouched)).load() });
    expect(await pixels(join(directory(zero), '02-stylize.png'))).toBe(
      await pixels(join(directory(zero), '01-compose.png')),
    );
  });

  it('fails an image beyond qa.colour.maxDeltaE after re-rolling within qa.colour.rerolls', async () => {
    const created = await project(
      stylizedCampaign((campaign) => {
        campaign.shots = campaign.shots.slice(1, 2);
        campaign.qa = { colour: { maxDeltaE: 0.5, rerolls: 1 } };
      }),
    );
    const summary = await runCampaign({ loaded: await created.load() });
    expect(summary.status).toBe('failed');
    expect(summary.rerolls).toBe(1);
    expect(summary.failures).toEqual([
      {
        shotId: 'bottle',
        seedIndex: 0,
        stage: 'stylize',
        reason: expect.stringMatching(
          /^colour: palette is \d+\.\d ΔE00 from the brand palette, above qa\.colour\.maxDeltaE 0\.5 \(after 2 attempts\)$/,
        ),
      },
    ]);
    // Both attempts composed with their own seed; neither got past the gate.
    expect(summary.stages.find((stage) => stage.stage === 'compose')!.computed).toBe(2);
    expect(summary.stages.find((stage) => stage.stage === 'export')!.jobs).toBe(0);
  });

  it('keys the gate into the stylize cache only: a new threshold re-checks without re-composing', async () => {
    const config = stylizedCampaign((campaign) => {
      campaign.shots = campaign.shots.slice(1, 2);
      campaign.qa = { colour: { maxDeltaE: 60 } };
    });
    const created = await project(config);
    expect((await runCampaign({ loaded: await created.load() })).status).toBe('completed');
    (config.qa as { colour: { maxDeltaE: number } }).colour.maxDeltaE = 50;
    await writeFile(created.configPath, stringify(config));
    const again = await runCampaign({ loaded: await created.load() });
    const stage = (name: string) => again.stages.find((timing) => timing.stage === name)!;
    expect([stage('compose').cacheHits, stage('stylize').computed]).toEqual([1, 1]);
  });

  it('hands a remote refinement model the input image, the prompt, the seed and the strength', async () => {
    const { registry, models } = fakeEditRegistry();
    const created = await project(
      stylizedCampaign((campaign) => {
        campaign.models.stylize = 'fakeedit:refine-v1';
        campaign.pipeline.stages[1] = { stage: 'stylize', strength: 0.35, strengthOption: 'strength' };
      }),
    );
    const summary = await runCampaign({ loaded: await loadWith(created, registry), registry });
    expect(summary.status).toBe('completed');
    const calls = models.flatMap((model) => model.calls);
    expect(calls).toHaveLength(5);
    const record = JSON.parse(await readFile(join(summary.runDirectory, 'run.json'), 'utf8'));
    for (const chain of record.chains as Array<{ shot: string; seed: number }>) {
      const composed = await manifest(summary.runDirectory, chain.shot, chain.seed, '01-compose.png');
      const call = calls.find((entry) => entry.seed === chain.seed)!;
      const file = call.files![0]!;
      expect(file).toMatchObject({ type: 'file', mediaType: 'image/png' });
      expect(sha256((file as { data: Uint8Array }).data)).toBe(composed.output.sha256);
      expect(call.files).toHaveLength(1);
      expect(call.prompt).toBe(composed.prompt);
      expect(call.providerOptions.fakeedit).toEqual({ strength: 0.35 });
      expect(call.providerOptions.builtin).toMatchObject({ strength: 0.35 });
      // What the model returned is what the stage kept.
      const directory = join(summary.runDirectory, chain.shot, `seed-${chain.seed}`);
      const flipped = await sharp(join(directory, '01-compose.png')).flip().raw().toBuffer();
      expect(await pixels(join(directory, '02-stylize.png'))).toBe(sha256(new Uint8Array(flipped)));
    }
  });

  it('says so when it does not know how to pass strength to a remote model', async () => {
    const { registry, models } = fakeEditRegistry();
    const created = await project(
      stylizedCampaign((campaign) => {
        campaign.shots = campaign.shots.slice(1, 2);
        campaign.models.stylize = 'fakeedit:refine-v1';
      }),
    );
    const summary = await runCampaign({ loaded: await loadWith(created, registry), registry });
    expect(models[0]!.calls[0]!.providerOptions.fakeedit).toBeUndefined();
    expect(summary.warnings).toEqual([
      'strength 0.6 not sent to fakeedit.image: no known strength option (set strengthOption to name it, or to none)',
    ]);
    // `strengthOption: none` is the way to say "this model takes no strength".
    const silent = await project(
      stylizedCampaign((campaign) => {
        campaign.shots = campaign.shots.slice(1, 2);
        campaign.models.stylize = 'fakeedit:refine-v1';
        campaign.pipeline.stages[1].strengthOption = 'none';
      }),
    );
    const quiet = await runCampaign({ loaded: await loadWith(silent, registry), registry });
    expect(quiet.warnings).toEqual([]);
    expect(models.at(-1)!.calls[0]!.providerOptions.fakeedit).toBeUndefined();
  });
});
