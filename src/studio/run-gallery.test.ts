import type { ImageModelV3, ImageModelV3Middleware } from '@ai-sdk/provider';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempProject, smallCampaign, type TempProject } from '../../test/helpers/temp-project.ts';
import { builtinProvider, ModelRegistry } from '../models/model-registry.ts';
import { withMiddleware } from '../models/with-middleware.ts';
import { runCampaign } from '../pipeline/run-campaign.ts';
import { openWorkspace } from '../pipeline/workspace.ts';
import { buildRunGallery } from './run-gallery.ts';

const projects: TempProject[] = [];
afterEach(async () => {
  await Promise.all(projects.splice(0).map((created) => created.cleanup()));
});

/** Middleware that refuses prompts mentioning a bottle (like a content filter). */
const refusingBottles: ImageModelV3Middleware = {
  specificationVersion: 'v3',
  wrapGenerate: async ({ doGenerate, params }) => {
    if (params.prompt?.includes('bottle')) throw new Error('provider refused the prompt: bottle');
    return doGenerate();
  },
};

const refusing = new ModelRegistry([
  {
    name: 'builtin',
    lock: (reference) => builtinProvider.lock(reference),
    create: async (reference) =>
      withMiddleware((await builtinProvider.create(reference)) as ImageModelV3, refusingBottles),
  },
]);

describe('buildRunGallery', () => {
  it('shows failed images with their reason, the rest with every stage, in plan order', async () => {
    const created = await createTempProject(smallCampaign());
    projects.push(created);
    const loaded = await created.load();
    const summary = await runCampaign({ loaded, registry: refusing });
    expect(summary.status).toBe('failed');

    const workspace = openWorkspace(created.directory);
    const run = workspace.ledger.run(summary.runId)!;
    const gallery = buildRunGallery(workspace.ledger, run, loaded.campaign);
    const withoutConfig = buildRunGallery(workspace.ledger, run);
    workspace.close();

    expect(gallery.chains.map((chain) => `${chain.shotId}#${chain.seedIndex}`)).toEqual([
      'tulips#0',
      'tulips#1',
      'bottle#0',
      'meadow#0',
      'meadow#1',
    ]);
    // Without the config (it changed since), the order is still the run's own.
    expect(withoutConfig.chains.map((chain) => `${chain.shotId}#${chain.seedIndex}`)).toEqual(
      gallery.chains.map((chain) => `${chain.shotId}#${chain.seedIndex}`),
    );
    const bottle = gallery.chains.find((chain) => chain.shotId === 'bottle')!;
    expect(bottle).toMatchObject({ status: 'failed', image: null, readyAt: null, seed: 7 });
    expect(bottle.reason).toMatch(/provider refused the prompt: bottle/);
    expect(bottle.stages.map((cell) => [cell.stage, cell.status])).toEqual([['compose', 'failed']]);

    const tulips = gallery.chains[0]!;
    expect(tulips).toMatchObject({
      status: 'succeeded',
      prompt: 'spring tulips in morning light',
      reason: null,
    });
    expect(tulips.stages.map((cell) => cell.stage)).toEqual(['compose', 'export']);
    expect(tulips.stages[0]!.thumbnail?.sha256).toBe(tulips.image?.sha256);
    expect(tulips.stages[1]!.thumbnail?.mediaType).toBe('image/png');
    expect(gallery.counts).toMatchObject({ succeeded: 4, failed: 1, unreviewed: 4 });
    expect(gallery.stages).toEqual(['compose', 'export']);
  });

  it('lists planned images as pending while a run has not reached them', async () => {
    const created = await createTempProject(smallCampaign());
    projects.push(created);
    const loaded = await created.load();
    const workspace = openWorkspace(created.directory);
    const run = workspace.ledger.createRun({
      id: 'run-1',
      campaign: 'test-campaign',
      configPath: loaded.configPath,
      configFile: 'atelier.yaml',
      configSha256: 'x',
      configSource: loaded.source,
      lock: {},
    });
    const gallery = buildRunGallery(workspace.ledger, run, loaded.campaign);
    workspace.close();
    expect(gallery.chains).toHaveLength(5);
    expect(gallery.chains.every((chain) => chain.status === 'pending' && chain.stages.length === 0)).toBe(
      true,
    );
    expect(gallery.counts.pending).toBe(5);
  });
});
