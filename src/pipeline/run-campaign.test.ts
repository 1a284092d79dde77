import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageModelV3 } from '@ai-sdk/provider';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { FixedLatencyModel } from '../../test/doubles/fixed-latency-model.ts';
import {
  countingRegistry,
  createTempProject,
  everyStageCampaign,
  hashTree,
  smallCampaign,
  type TempProject,
} from '../../test/helpers/temp-project.ts';
import { loadCampaign } from '../config/load-campaign.ts';
import { lockPathFor } from '../lock/lockfile.ts';
import { deflateClassOfLevel, pngDeflateClass } from '../manifest/png-xmp.ts';
import { readEmbeddedProvenance } from '../manifest/provenance.ts';
import { builtinProvider, ModelRegistry } from '../models/model-registry.ts';
import { withMiddleware } from '../models/with-middleware.ts';
import { stageCatalog } from '../stages/stage-catalog.ts';
import { sha256 } from '../util/canonical-json.ts';
import { defaultEncodeEffort } from '../util/sharp.ts';
import { runCampaign } from './run-campaign.ts';
import { openWorkspace } from './workspace.ts';

const projects: TempProject[] = [];
async function project(config = smallCampaign()) {
  const created = await createTempProject(config);
  projects.push(created);
  return created;
}
afterEach(async () => {
  await Promise.all(projects.splice(0).map((created) => created.cleanup()));
});

describe('runCampaign', () => {
  it('gives identical bytes for every artifact across two fresh projects', async () => {
    const first = await project();
    const second = await project();
    const a = await runCampaign({ loaded: await first.load() });
    const b = await runCampaign({ loaded: await second.load() });
    expect(a.status).toBe('completed');
    const treeA = await hashTree(a.runDirectory, { artifactsOnly: true });
    const treeB = await hashTree(b.runDirectory, { artifactsOnly: true });
    // 3 shots: tulips x2 seeds, bottle x1, meadow x2 -> 5 images; compose + crops in 2 formats.
    expect(treeA.size).toBe(5 + (2 * 2 + 1 * 2 + 2 * 1) * 2);
    expect(treeB).toEqual(treeA);
  });

  it('makes zero model calls on a second run of an unchanged config', async () => {
    const created = await project();
    const counting = countingRegistry();
    const first = await runCampaign({ loaded: await created.load(), registry: counting.registry });
    expect(counting.calls()).toBe(5);
    expect(first.computedJobs).toBe(10);
    const second = await runCampaign({ loaded: await created.load(), registry: counting.registry });
    expect(counting.calls()).toBe(5);
    expect(second.runId).not.toBe(first.runId);
    expect(second.cacheHits).toBe(10);
    expect(second.computedJobs).toBe(0);
    // The cached run still delivers every file, byte for byte.
    const treeA = await hashTree(first.runDirectory, { artifactsOnly: true });
    const treeB = await hashTree(second.runDirectory, { artifactsOnly: true });
    expect(treeB).toEqual(treeA);
    // --no-cache re-renders everything.
    await runCampaign({ loaded: await created.load(), registry: counting.registry, useCache: false });
    expect(counting.calls()).toBe(10);
  });

  it('re-renders only what a config change touches', async () => {
    const created = await project();
    const counting = countingRegistry();
    await runCampaign({ loaded: await created.load(), registry: counting.registry });
    const changed = smallCampaign();
    (changed.shots as Array<{ prompt: string }>)[1]!.prompt = 'a taller glass bottle, product hero';
    await writeFile(created.configPath, JSON.stringify(changed));
    const summary = await runCampaign({ loaded: await created.load(), registry: counting.registry });
    expect(counting.calls()).toBe(6);
    expect(summary.computedJobs).toBe(2);
    expect(summary.cacheHits).toBe(8);
  });

  it('writes crops at their exact pixel sizes around the focal point', async () => {
    const created = await project();
    const summary = await runCampaign({ loaded: await created.load() });
    const record = JSON.parse(await readFile(join(summary.runDirectory, 'run.json'), 'utf8'));
    const tulips = record.chains.find((chain: { shot: string }) => chain.shot === 'tulips');
    const sizes: Record<string, [number, number]> = { '4x5': [80, 100], '16x9': [160, 90] };
    expect(tulips.outputs).toHaveLength(4);
    for (const output of tulips.outputs as string[]) {
      const metadata = await sharp(join(summary.runDirectory, output)).metadata();
      const [width, height] = sizes[/export-(\w+)\./.exec(output)![1]!]!;
      expect([metadata.width, metadata.height]).toEqual([width, height]);
      expect(metadata.format).toBe(output.endsWith('.webp') ? 'webp' : 'png');
    }
    const meadow = record.chains.find((chain: { shot: string }) => chain.shot === 'meadow');
    expect(meadow.outputs.every((output: string) => output.includes('16x9'))).toBe(true);
  });

  it('writes a manifest beside every output and embeds its provenance in the file', async () => {
    const created = await project();
    const summary = await runCampaign({ loaded: await created.load() });
    const record = JSON.parse(await readFile(join(summary.runDirectory, 'run.json'), 'utf8'));
    const chain = record.chains[0];
    const exported = join(summary.runDirectory, chain.outputs[0]);
    const compose = join(summary.runDirectory, chain.outputs[0].replace(/02-export-.*$/, '01-compose.png'));
    const manifest = JSON.parse(await readFile(`${compose}.json`, 'utf8'));
    expect(manifest).toMatchObject({
      run: summary.runId,
      shot: 'tulips',
      seed: chain.seed,
      prompt: 'spring tulips in morning light',
      stage: { index: 0, name: 'compose', params: { size: { width: 160, height: 128 } } },
      model: {
        reference: 'builtin:draft',
        provider: 'builtin',
        modelId: 'draft',
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
      input: null,
      output: { width: 160, height: 128, mediaType: 'image/png' },
      source: 'computed',
      timings: { durationMs: expect.any(Number) },
    });
    const composeBytes = await readFile(compose);
    expect(manifest.output.sha256).toBe(sha256(composeBytes));

    const exportManifest = JSON.parse(await readFile(`${exported}.json`, 'utf8'));
    expect(exportManifest.input).toEqual({ sha256: manifest.output.sha256 });
    expect(exportManifest.output.sha256).toBe(sha256(await readFile(exported)));

    const embedded = await readEmbeddedProvenance(composeBytes);
    expect(embedded).toMatchObject({
      cacheKey: manifest.cacheKey,
      stage: 'compose',
      seed: chain.seed,
      shot: { prompt: manifest.prompt },
    });
    const embeddedCrop = await readEmbeddedProvenance(await readFile(exported));
    expect(embeddedCrop).toMatchObject({ stage: 'export', inputs: [manifest.output.sha256] });
    expect(existsSync(join(summary.runDirectory, 'contact-sheet.png'))).toBe(true);
  });

  it("stores every stage's PNG at the default effort, built-in models' files included", async () => {
    const created = await createTempProject(everyStageCampaign());
    projects.push(created);
    const summary = await runCampaign({ loaded: await created.load() });
    expect(summary.status).toBe('completed');
    const record = JSON.parse(await readFile(join(summary.runDirectory, 'run.json'), 'utf8'));
    const folder = join(summary.runDirectory, record.chains[0].outputs[0].replace(/[^/]+$/, ''));
    const stored = ['01-compose', '02-typography', '03-stylize', '04-upscale', '05-export-1x1'];
    const classes = await Promise.all(
      stored.map(async (name) => pngDeflateClass(await readFile(join(folder, `${name}.png`)))),
    );
    expect(classes).toEqual(stored.map(() => deflateClassOfLevel(defaultEncodeEffort.png)));
  });

  it("warms a later stage's model once, with the stage's settings, while the first stage computes", async () => {
    const events: string[] = [];
    const registry = new ModelRegistry([
      {
        name: 'builtin',
        lock: (reference) => builtinProvider.lock(reference),
        create: async (reference) => {
          const model = (await builtinProvider.create(reference)) as ImageModelV3 & {
            warmUp?: (settings: Record<string, unknown>) => Promise<void>;
          };
          const warmUp = model.warmUp?.bind(model);
          if (warmUp) {
            model.warmUp = async (settings) => {
              events.push(`warm ${model.modelId} ${JSON.stringify(settings)}`);
              await warmUp(settings);
            };
          }
          return withMiddleware(model, {
            specificationVersion: 'v3',
            wrapGenerate: async ({ doGenerate }) => {
              events.push(`call ${model.modelId}`);
              return doGenerate();
            },
          });
        },
      },
    ]);
    const created = await createTempProject(
      smallCampaign({
        models: { compose: 'builtin:draft', upscale: 'builtin:esrgan-slim' },
        pipeline: {
          seeds: 2,
          stages: [
            { stage: 'compose', size: '48x48' },
            { stage: 'upscale', scale: 2, tile: 32 },
            { stage: 'export', formats: ['png'], crops: [{ aspect: '1:1', size: '96x96' }] },
          ],
        },
        shots: [{ id: 'tulips', prompt: 'spring tulips in morning light' }],
      }),
    );
    projects.push(created);
    const summary = await runCampaign({ loaded: await created.load(), registry });
    const record = JSON.parse(await readFile(join(summary.runDirectory, 'run.json'), 'utf8'));
    expect(
      summary.status,
      JSON.stringify(record.chains.map((chain: { reason?: string }) => chain.reason)),
    ).toBe('completed');
    const upscaleEvents = events.filter((event) => event.includes('esrgan-slim'));
    expect(upscaleEvents).toEqual([
      'warm esrgan-slim {"scale":2,"tile":32}',
      'call esrgan-slim',
      'call esrgan-slim',
    ]);
  });

  it('refuses to run when the lock disagrees with the config, until told to update', async () => {
    const created = await project();
    await runCampaign({ loaded: await created.load() });
    const lockPath = lockPathFor(created.directory);
    const lock = JSON.parse(await readFile(lockPath, 'utf8'));
    lock.models.compose.sha256 = '0'.repeat(64);
    await writeFile(lockPath, JSON.stringify(lock));
    const before = openWorkspace(created.directory);
    const runsBefore = before.ledger.runs().length;
    before.close();
    await expect(runCampaign({ loaded: await created.load() })).rejects.toMatchObject({
      code: 'LOCK_MISMATCH',
      details: expect.arrayContaining([
        expect.stringMatching(
          /^~ models\.compose\.sha256: lock has "0{64}", config resolves to "[0-9a-f]{64}"$/,
        ),
      ]),
    });
    const after = openWorkspace(created.directory);
    expect(after.ledger.runs().length).toBe(runsBefore);
    after.close();
    const updated = await runCampaign({ loaded: await created.load(), updateLock: true });
    expect(updated.status).toBe('completed');
    expect(JSON.parse(await readFile(lockPath, 'utf8')).models.compose.sha256).not.toBe('0'.repeat(64));
  });

  it('records a failed shot with its reason and finishes the others', async () => {
    const created = await project();
    const { registry } = countingRegistry();
    const failing = registry.resolve.bind(registry);
    registry.resolve = async (reference) => {
      const resolved = await failing(reference);
      const model = resolved.model as ImageModelV3;
      return {
        ...resolved,
        model: {
          ...model,
          specificationVersion: 'v3',
          provider: model.provider,
          modelId: model.modelId,
          maxImagesPerCall: model.maxImagesPerCall,
          doGenerate: (options: Parameters<ImageModelV3['doGenerate']>[0]) => {
            if (options.prompt?.includes('bottle')) throw new Error('provider refused the prompt');
            return model.doGenerate(options);
          },
        },
      };
    };
    const summary = await runCampaign({ loaded: await created.load(), registry });
    expect(summary.status).toBe('failed');
    expect(summary.chainsSucceeded).toBe(4);
    expect(summary.failures).toEqual([
      {
        shotId: 'bottle',
        seedIndex: 0,
        stage: 'compose',
        reason: expect.stringContaining('provider refused the prompt'),
      },
    ]);
  });

  it('stops cleanly when aborted mid-run and resumes the same run afterwards', async () => {
    const created = await project(smallCampaign({ models: { compose: 'testing:slow' } }));
    const registry = new ModelRegistry([
      builtinProvider,
      {
        name: 'testing',
        lock: async (reference) => ({
          reference: reference.raw,
          provider: 'testing',
          modelId: reference.modelId,
        }),
        create: async () => new FixedLatencyModel(150),
      },
    ]);
    const loaded = await loadCampaign(created.configPath, {
      stages: stageCatalog(),
      providers: registry.providerNames(),
    });
    const controller = new AbortController();
    const stopped = await runCampaign({
      loaded,
      registry,
      concurrency: 1,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'job-finished' && event.stage === 'compose') controller.abort();
      },
    });
    expect(stopped.status).toBe('interrupted');
    const workspace = openWorkspace(created.directory);
    expect(workspace.ledger.run(stopped.runId)?.status).toBe('interrupted');
    expect(workspace.ledger.jobs(stopped.runId).some((job) => job.status === 'running')).toBe(false);
    workspace.close();
    const resumed = await runCampaign({ loaded, registry });
    expect(resumed.runId).toBe(stopped.runId);
    expect(resumed.status).toBe('completed');
    expect(resumed.resumedJobs).toBeGreaterThanOrEqual(1);
  });

  it('refuses to resume a completed run, saying so, and leaves it completed', async () => {
    const created = await project(smallCampaign({ shots: (smallCampaign().shots as unknown[]).slice(0, 1) }));
    const loaded = await created.load();
    const done = await runCampaign({ loaded });
    expect(done.status).toBe('completed');
    await expect(runCampaign({ loaded, resume: done.runId })).rejects.toMatchObject({
      code: 'RUN_COMPLETED',
      exitCode: 2,
      message: expect.stringContaining('is completed: every image is done, so there is nothing to resume'),
    });
    const workspace = openWorkspace(created.directory);
    expect(workspace.ledger.run(done.runId)?.status).toBe('completed');
    workspace.close();
  });

  it('derives a run status from its jobs: a stop when every job is done leaves it completed', async () => {
    const created = await project(smallCampaign({ shots: (smallCampaign().shots as unknown[]).slice(0, 1) }));
    const loaded = await created.load();
    const done = await runCampaign({ loaded });
    // A run left as "interrupted" though all of its jobs are done (as a stop after the last
    // job could leave it), resumed and stopped again at once.
    const workspace = openWorkspace(created.directory);
    workspace.ledger.setRunStatus(done.runId, 'interrupted');
    workspace.close();
    const controller = new AbortController();
    controller.abort();
    const again = await runCampaign({ loaded, resume: done.runId, signal: controller.signal });
    expect(again.status).toBe('completed');
    expect(again.chainsSucceeded).toBe(2);
    expect(again.computedJobs).toBe(0);
    const reopened = openWorkspace(created.directory);
    expect(reopened.ledger.run(done.runId)?.status).toBe('completed');
    reopened.close();
  });
});
