import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LetteringImageModel } from '../../test/doubles/lettering-image-model.ts';
import { loadCampaign } from '../config/load-campaign.ts';
import { AtelierError } from '../errors.ts';
import { pngDeflateClass } from '../manifest/png-xmp.ts';
import { TesseractOcrModel } from '../models/builtin/tesseract/tesseract-ocr-model.ts';
import { defaultModelRegistry, type ModelProvider, type ModelRegistry } from '../models/model-registry.ts';
import { runCampaign } from '../pipeline/run-campaign.ts';
import type { RunEvent } from '../pipeline/run-events.ts';
import { openWorkspace } from '../pipeline/workspace.ts';
import { stageCatalog } from './stage-catalog.ts';

const projects: string[] = [];
afterAll(async () => {
  await Promise.all(projects.map((directory) => rm(directory, { recursive: true, force: true })));
});

async function project(yaml: string): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'atelier-typography-'));
  projects.push(directory);
  await writeFile(join(directory, 'atelier.yaml'), yaml);
  return directory;
}

/**
 * A provider named `test` serving the real tesseract model and lettering models, keeping every
 * instance it creates so a test can look at what a run did with them.
 */
function testRegistry() {
  const created = { ocr: [] as TesseractOcrModel[], lettering: [] as LetteringImageModel[] };
  const provider: ModelProvider = {
    name: 'test',
    lock: async (reference) => ({ reference: reference.raw, provider: 'test', modelId: reference.modelId }),
    async create(reference) {
      if (reference.modelId === 'tesseract') {
        const model = new TesseractOcrModel({ poolSize: 2 });
        created.ocr.push(model);
        return model;
      }
      // `first-seed-wrong` letters the quoted text wrongly at seed 11 only, like a model that
      // sometimes garbles; re-rolled seeds come out right.
      const model = new LetteringImageModel(
        reference.modelId === 'first-seed-wrong' ? { garbles: (seed) => seed === 11 } : {},
      );
      created.lettering.push(model);
      return model;
    },
  };
  const registry = defaultModelRegistry().register(provider);
  return { registry, created };
}

async function run(directory: string, registry: ModelRegistry) {
  const loaded = await loadCampaign(directory, {
    stages: stageCatalog(),
    providers: registry.providerNames(),
  });
  const events: RunEvent[] = [];
  const summary = await runCampaign({
    loaded,
    registry,
    fresh: true,
    concurrency: 2,
    onEvent: (event) => events.push(event),
  });
  return { summary, events };
}

const exportStage = `
    - stage: export
      crops: [{ aspect: "1:1", size: 256x256 }]`;

describe('typography stage, check mode', () => {
  it('re-rolls a shot whose lettering fails, stops after `retries`, and never runs later stages for it', async () => {
    const directory = await project(`
campaign: lettering
models:
  compose: test:first-seed-wrong
  ocr: test:tesseract
brand: { palette: ["#F4E9DA", "#2E4057"] }
pipeline:
  stages:
    - stage: compose
      size: 768x768
    - stage: typography
      mode: check
      retries: 2
${exportStage}
shots:
  - id: recovers
    prompt: 'a poster that says "Spring into colour"'
    headline: Spring into colour
    seeds: [11]
  - id: legible
    prompt: 'a poster that says "Freshly picked"'
    headline: Freshly picked
    seeds: [12]
  - id: hopeless
    prompt: 'a poster that says "Take it outsdie"'
    headline: Take it outside
    seeds: [13]
`);
    const { registry, created } = testRegistry();
    const { summary, events } = await run(directory, registry);

    expect(summary).toMatchObject({ chainsSucceeded: 2, chainsFailed: 1, rerolls: 1 + 2 });
    expect(summary.failures).toEqual([
      expect.objectContaining({
        shotId: 'hopeless',
        stage: 'typography',
        reason: expect.stringContaining('after 3 attempts'),
      }),
    ]);
    const rejected = events.filter((event) => event.type === 'job-rejected');
    expect(rejected.map((event) => [event.shotId, event.attempt, event.willReroll])).toEqual(
      expect.arrayContaining([
        ['recovers', 0, true],
        ['hopeless', 0, true],
        ['hopeless', 1, true],
        ['hopeless', 2, false],
      ]),
    );
    expect(rejected).toHaveLength(4);

    const workspace = openWorkspace(directory);
    let reads = 0;
    try {
      const jobs = workspace.ledger.jobs(summary.runId);
      const checks = jobs.filter((job) => job.stage === 'typography');
      expect(checks).toHaveLength(6);
      reads = checks.reduce((sum, job) => sum + (job.details!.ocr as { attempts: number }).attempts, 0);
      const of = (shot: string, stage: string) =>
        jobs.filter((job) => job.shotId === shot && job.stage === stage);
      // Every attempt is recorded with its score.
      const hopeless = of('hopeless', 'typography');
      expect(hopeless.map((job) => job.status)).toEqual(['rejected', 'rejected', 'rejected']);
      expect(new Set(hopeless.map((job) => job.seed)).size).toBe(3);
      for (const job of hopeless) expect(job.details?.score).toBeLessThan(0.9);
      expect(of('hopeless', 'export')).toEqual([]);
      const recovers = of('recovers', 'typography').sort((a, b) => a.attempt - b.attempt);
      expect(recovers.map((job) => job.status)).toEqual(['rejected', 'done']);
      expect(recovers[1]!.details?.score).toBeGreaterThanOrEqual(0.9);
      expect(of('recovers', 'export').map((job) => job.attempt)).toEqual([1]);
    } finally {
      workspace.close();
    }

    const manifest = JSON.parse(
      await readFile(join(summary.runDirectory, 'legible', 'seed-12', '02-typography.png.json'), 'utf8'),
    );
    expect(manifest.details).toMatchObject({ mode: 'check', match: 'strict', language: 'eng', passed: true });
    expect(manifest.details.copy[0].words.map((word: { passed: boolean }) => word.passed)).toEqual([
      true,
      true,
    ]);
    // Every reading is recorded, with how it looked.
    expect(manifest.details.ocr.readings).toHaveLength(manifest.details.ocr.attempts);
    expect(manifest.details.ocr.readings[0]).toMatchObject({ dictionary: false, text: expect.any(String) });
    const line = manifest.details.ocr.lines[manifest.details.copy[0].lines[0]];
    expect(line.text).toContain('Freshly');
    expect(line.words[0]).toEqual({
      text: expect.any(String),
      confidence: expect.any(Number),
      box: {
        x: expect.any(Number),
        y: expect.any(Number),
        width: expect.any(Number),
        height: expect.any(Number),
      },
    });

    // One OCR model for the whole run — a pool with the dictionary and one without — shared by
    // every read of the six checks, stopped at the end.
    expect(created.ocr).toHaveLength(1);
    expect(reads).toBeGreaterThanOrEqual(6);
    expect(created.ocr[0]!.stats).toMatchObject({ jobs: reads, live: 0 });
    expect(created.ocr[0]!.stats.poolsCreated).toBeLessThanOrEqual(2);
    expect(created.ocr[0]!.stats.workersCreated).toBeLessThanOrEqual(4);
  });
});

describe('typography stage, overlay mode', () => {
  const campaign = `
campaign: overlay
models:
  compose: builtin:draft
  ocr: builtin:tesseract
brand:
  palette: ["#F4E9DA", "#E8A0BF", "#7FB77E", "#2E4057", "#F6C85F"]
  fonts: { headline: "@fontsource/inter" }
pipeline:
  stages:
    - stage: compose
      size: 640x640
    - stage: typography
      mode: overlay
      layout: { position: bottom, align: left }
${exportStage}
shots:
  - id: hero
    prompt: spring tulips in soft morning light
    headline: Spring into colour
    subline: The new collection is here
    callToAction: Shop now
    seeds: [7]
  - id: accents
    prompt: glass bottle among garden flowers
    headline: Crème brûlée — “à la carte”
    language: fra
    seeds: [8]
`;

  it('sets the exact copy, passes its own check, and gives the same bytes on a second run', async () => {
    const outputs: Buffer[][] = [];
    for (let round = 0; round < 2; round++) {
      // A fresh project each time: nothing cached, every byte computed anew.
      const directory = await project(campaign);
      const { summary } = await run(directory, defaultModelRegistry());
      expect(summary).toMatchObject({ status: 'completed', chainsSucceeded: 2, rerolls: 0 });
      const files = ['hero/seed-7', 'accents/seed-8'].map((chain) =>
        join(summary.runDirectory, chain, '02-typography.png'),
      );
      outputs.push(await Promise.all(files.map((file) => readFile(file))));
      for (const file of files) {
        const { details } = JSON.parse(await readFile(`${file}.json`, 'utf8'));
        expect(details.mode).toBe('overlay');
        expect(details.passed).toBe(true);
        expect(details.match).toBe('strict');
        expect(details.contrast.after.ratio).toBeGreaterThanOrEqual(4.5);
      }
      const accents = JSON.parse(await readFile(`${files[1]}.json`, 'utf8')).details;
      // French copy, read with French trained data: the accents are compared, not folded.
      expect(accents).toMatchObject({ language: 'fra', copy: [{ expected: 'crème brûlée à la carte' }] });
      const hero = JSON.parse(await readFile(`${files[0]}.json`, 'utf8')).details;
      expect(hero.copy.map((piece: { role: string }) => piece.role)).toEqual([
        'headline',
        'subline',
        'callToAction',
      ]);
    }
    expect(outputs[1]![0]!.equals(outputs[0]![0]!)).toBe(true);
    expect(outputs[1]![1]!.equals(outputs[0]![1]!)).toBe(true);
    // Stored at the default effort, PNG level 2: zlib's header says "fast" (FLEVEL 1; level 6 is 2).
    expect(outputs[0]!.map(pngDeflateClass)).toEqual([1, 1]);
  });
});

describe('typography stage, render mode (a typography model letters the headline)', () => {
  it('asks the model bound to `typography` with the copy quoted, then checks what it drew', async () => {
    const directory = await project(`
campaign: render
models:
  compose: builtin:draft
  typography: test:lettering
  ocr: test:tesseract
brand: { palette: ["#F4E9DA", "#E8A0BF", "#2E4057"] }
pipeline:
  stages:
    - stage: compose
      size: 640x640
    - stage: typography
      mode: render
${exportStage}
shots:
  - id: poster
    prompt: sunlit studio window, calm interior
    headline: Light comes home
    seeds: [5]
`);
    const { registry, created } = testRegistry();
    const { summary } = await run(directory, registry);
    expect(summary).toMatchObject({ status: 'completed', chainsSucceeded: 1, rerolls: 0 });
    const call = created.lettering[0]!.calls[0]!;
    expect(call.prompt).toBe(
      'sunlit studio window, calm interior. The image shows the headline "Light comes home" in clean, legible lettering.',
    );
    expect(call.files).toHaveLength(1);
    expect(call.size).toBe('640x640');
    const { details } = JSON.parse(
      await readFile(join(summary.runDirectory, 'poster', 'seed-5', '02-typography.png.json'), 'utf8'),
    );
    expect(details).toMatchObject({ mode: 'render', passed: true });
    expect(details.score).toBeGreaterThanOrEqual(0.9);
  });

  it('requires a typography model in render mode, at validation time', async () => {
    const directory = await project(`
campaign: render
models:
  compose: builtin:draft
  ocr: builtin:tesseract
brand: { palette: ["#F4E9DA", "#2E4057"] }
pipeline:
  stages:
    - stage: compose
    - stage: typography
      mode: render
shots:
  - { id: poster, prompt: a poster, headline: Hello }
`);
    const error = await loadCampaign(directory, {
      stages: stageCatalog(),
      providers: defaultModelRegistry().providerNames(),
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AtelierError);
    expect((error as AtelierError).details.join('\n')).toContain(
      'stage "typography" needs a model for role "typography"',
    );
  });

  it('says so when the ocr role is bound to something that cannot read', async () => {
    const directory = await project(`
campaign: wrong-ocr
models:
  compose: builtin:draft
  ocr: test:lettering
brand: { palette: ["#F4E9DA", "#2E4057"] }
pipeline:
  stages:
    - stage: compose
      size: 256x256
    - stage: typography
shots:
  - { id: poster, prompt: a poster, headline: Hello, seeds: [1] }
`);
    const { summary } = await run(directory, testRegistry().registry);
    expect(summary.failures[0]!.reason).toBe(
      'models.ocr: expected a text recogniser (e.g. builtin:tesseract) but test:lettering is not one',
    );
  });
});
