import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageModelV3, ImageModelV3CallOptions } from '@ai-sdk/provider';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempProject, smallCampaign, type TempProject } from '../../test/helpers/temp-project.ts';
import { loadCampaign } from '../config/load-campaign.ts';
import { builtinProvider, ModelRegistry } from '../models/model-registry.ts';
import { runCampaign } from '../pipeline/run-campaign.ts';
import { stageCatalog } from '../stages/stage-catalog.ts';
import { modelIdentityChanges, verifyRun } from './verify-run.ts';

const projects: TempProject[] = [];
afterEach(async () => {
  await Promise.all(projects.splice(0).map((created) => created.cleanup()));
});

/** A remote-like model whose output and reported version depend on a switch, as a provider's silent update would. */
class VersionedModel implements ImageModelV3 {
  readonly specificationVersion = 'v3';
  readonly provider = 'studio-gpu';
  readonly modelId = 'painter';
  readonly maxImagesPerCall = 1;
  constructor(private readonly state: { version: number }) {}
  async doGenerate(options: ImageModelV3CallOptions) {
    const inner = (await builtinProvider.create({
      raw: 'builtin:draft',
      provider: 'builtin',
      modelId: 'draft',
      version: undefined,
    })) as ImageModelV3;
    const seed = (options.seed ?? 0) + (this.state.version === 1 ? 0 : 1000);
    const result = await inner.doGenerate({ ...options, seed });
    return { ...result, response: { ...result.response, modelId: `painter-v${this.state.version}` } };
  }
}

function versionedRegistry(state: { version: number }) {
  return new ModelRegistry([
    builtinProvider,
    {
      name: 'studio-gpu',
      lock: async (reference) => ({
        reference: reference.raw,
        provider: 'studio-gpu',
        modelId: reference.modelId,
        version: `v${state.version}`,
      }),
      create: async () => new VersionedModel(state),
    },
  ]);
}

describe('verifyRun', () => {
  it('passes on an untouched run and detects a tampered artifact, naming shot and stage', async () => {
    const created = await createTempProject(smallCampaign());
    projects.push(created);
    const summary = await runCampaign({ loaded: await created.load() });
    const clean = await verifyRun({ projectDirectory: created.directory, runId: summary.runId });
    expect(clean).toMatchObject({ passed: true, drift: [], lockDifferences: [], manifestDifferences: [] });
    expect(clean.checkedFiles).toBe(21);

    const record = JSON.parse(await readFile(join(summary.runDirectory, 'run.json'), 'utf8'));
    const bottle = record.chains.find((chain: { shot: string }) => chain.shot === 'bottle');
    const target = join(summary.runDirectory, bottle.outputs[0].replace(/02-export-.*$/, '01-compose.png'));
    const tampered = await sharp(await readFile(target))
      .modulate({ brightness: 1.2 })
      .png()
      .toBuffer();
    await writeFile(target, tampered);
    const report = await verifyRun({ projectDirectory: created.directory, runId: summary.runId });
    expect(report.passed).toBe(false);
    expect(report.drift).toEqual([
      expect.objectContaining({
        shotId: 'bottle',
        seedIndex: 0,
        stage: 'compose',
        kind: 'tampered',
        comparison: 'exact',
        file: 'bottle/seed-7/01-compose.png',
      }),
    ]);
  });

  it('detects a model whose output changed behind the same name, with the lock and manifest differences', async () => {
    const config = smallCampaign({ models: { compose: 'studio-gpu:painter' } });
    const created = await createTempProject(config);
    projects.push(created);
    const state = { version: 1 };
    const registry = versionedRegistry(state);
    const loaded = await loadCampaign(created.configPath, {
      stages: stageCatalog(),
      providers: registry.providerNames(),
    });
    const summary = await runCampaign({ loaded, registry });
    expect(
      (await verifyRun({ projectDirectory: created.directory, runId: summary.runId, registry })).passed,
    ).toBe(true);

    state.version = 2;
    const report = await verifyRun({ projectDirectory: created.directory, runId: summary.runId, registry });
    expect(report.passed).toBe(false);
    const composeDrift = report.drift.filter((item) => item.stage === 'compose');
    expect(composeDrift.map((item) => `${item.shotId}#${item.seedIndex}`).sort()).toEqual([
      'bottle#0',
      'meadow#0',
      'meadow#1',
      'tulips#0',
      'tulips#1',
    ]);
    expect(
      composeDrift.every(
        (item) =>
          item.comparison === 'perceptual' && item.kind === 'changed' && /SSIM 0\.\d+/.test(item.detail),
      ),
    ).toBe(true);
    expect(report.lockDifferences).toEqual([
      '~ models.compose.version: lock has "v1", config resolves to "v2"',
    ]);
    expect(report.manifestDifferences).toContain('tulips#0 compose: details differ: responses');
  });
});

describe('modelIdentityChanges', () => {
  it('names a change of the model that answered, and ignores request ids and attempts', () => {
    const before = {
      colour: {},
      provider: {
        provider: 'replicate',
        version: 'a1',
        model: 'stability-ai/sdxl',
        predictionId: 'p1',
        attempts: 1,
      },
    };
    const after = {
      colour: {},
      provider: {
        provider: 'replicate',
        version: 'b2',
        model: 'stability-ai/sdxl',
        predictionId: 'p9',
        attempts: 2,
      },
    };
    expect(modelIdentityChanges(before, after)).toEqual(['version: a1 -> b2']);
    expect(
      modelIdentityChanges(before, { ...before, provider: { ...before.provider, predictionId: 'p2' } }),
    ).toEqual([]);
    expect(modelIdentityChanges({ provider: { responseModelId: 'x' } }, { provider: {} })).toEqual([
      'responseModelId: x -> none',
    ]);
    expect(modelIdentityChanges({}, { provider: { version: 'a' } })).toEqual([]);
  });
});
