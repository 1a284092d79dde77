import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeFal } from '../../test/fakes/fake-fal.ts';
import { FakeGoogle } from '../../test/fakes/fake-google.ts';
import { FakeOpenai } from '../../test/fakes/fake-openai.ts';
import { FakeReplicate, fakeLatestVersion } from '../../test/fakes/fake-replicate.ts';
import { runCli } from '../../test/helpers/run-cli.ts';
import { createTempProject, type TempProject } from '../../test/helpers/temp-project.ts';
import { loadCampaign } from '../config/load-campaign.ts';
import { readLockfile } from '../lock/lockfile.ts';
import { runCampaign } from '../pipeline/run-campaign.ts';
import { campaignValidationContext, modelRegistryForCampaign } from '../runtime/wiring.ts';

/**
 * The seed's line-up in its seeded roles, each through its real `@ai-sdk/*` package against a
 * fake of its provider: every stage that calls a model records provenance and cost, and the
 * run adds them all up.
 */

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function project(config: Record<string, unknown>): Promise<TempProject> {
  const created = await createTempProject(config);
  cleanups.push(() => created.cleanup());
  return created;
}

async function started<T extends { close(): Promise<void> }>(fake: Promise<T>): Promise<T> {
  const running = await fake;
  cleanups.push(() => running.close());
  return running;
}

async function manifest(runDirectory: string, file: string): Promise<any> {
  return JSON.parse(await readFile(join(runDirectory, 'poster', 'seed-7', `${file}.json`), 'utf8'));
}

const falKey = 'fal-lineup-key-0123456789:abcdef0123456789abcdef';
const openaiKey = 'sk-proj-LINEUPtest0123456789abcdefghijklm';

describe('the seed line-up, every stage priced and recorded', () => {
  it('SD3.5 Large Turbo -> Ideogram V2 Turbo render -> gpt-image-1 edit -> fal ESRGAN', async () => {
    const fal = await started(FakeFal.start({ apiKey: falKey }));
    const openai = await started(FakeOpenai.start({ apiKey: openaiKey }));
    const created = await project({
      campaign: 'lineup',
      models: {
        compose: 'sd3.5-large-turbo',
        typography: 'ideogram-v2-turbo',
        ocr: 'builtin:tesseract',
        stylize: 'openai:gpt-image-1',
        upscale: 'fal:fal-ai/esrgan',
      },
      providers: {
        fal: {
          baseURL: fal.baseURL,
          retries: 0,
          prices: {
            'fal-ai/stable-diffusion-v35-large/turbo': 0.02,
            'fal-ai/ideogram/v2/turbo': 0.05,
            'fal-ai/esrgan': 0.003,
          },
        },
        openai: { baseURL: openai.baseURL, retries: 0, prices: { 'gpt-image-1': 0.04 } },
      },
      brand: { palette: ['#F4E9DA', '#E8A0BF', '#7FB77E', '#2E4057'] },
      pipeline: {
        seeds: [7],
        concurrency: 1,
        stages: [
          { stage: 'compose', size: '512x512' },
          // The fakes letter nothing: the gate is opened (tolerant, score 0) so the run reaches every stage.
          {
            stage: 'typography',
            mode: 'render',
            render: { source: 'prompt' },
            match: 'tolerant',
            minScore: 0,
            retries: 0,
          },
          { stage: 'stylize', strength: 0.4 },
          { stage: 'upscale', scale: 2 },
          { stage: 'export', formats: ['png'], crops: [{ aspect: '1:1', size: '256x256' }] },
        ],
      },
      shots: [{ id: 'poster', prompt: 'tulips on a pale podium', headline: 'Spring into colour' }],
    });
    const loaded = await loadCampaign(created.configPath, campaignValidationContext());
    const registry = modelRegistryForCampaign(loaded, {
      env: { FAL_KEY: falKey, OPENAI_API_KEY: openaiKey },
    });
    const summary = await runCampaign({ loaded, registry });
    expect(summary.status).toBe('completed');
    expect(summary.costUsd).toBeCloseTo(0.02 + 0.05 + 0.04 + 0.003, 10);

    const [compose, ideogram, esrgan] = fal.generationRequests;
    expect(compose!.path).toBe('/fal-ai/stable-diffusion-v35-large/turbo');
    expect(compose!.json).toMatchObject({
      prompt: 'tulips on a pale podium',
      seed: 7,
      image_size: { width: 512, height: 512 },
    });
    expect(ideogram!.path).toBe('/fal-ai/ideogram/v2/turbo');
    expect(ideogram!.json).toMatchObject({
      prompt: expect.stringContaining('"Spring into colour"'),
      seed: 7,
      aspect_ratio: '1:1',
      expand_prompt: false,
    });
    expect(ideogram!.json.image_url).toBeUndefined();
    expect(esrgan!.path).toBe('/fal-ai/esrgan');
    expect(esrgan!.json).toMatchObject({
      scale: 2,
      image_url: expect.stringMatching(/^data:image\/png;base64,/),
    });
    expect(openai.editForms).toHaveLength(1);
    expect(openai.editForms[0]).toMatchObject({ model: 'gpt-image-1', prompt: 'tulips on a pale podium' });

    const stages = [
      ['01-compose.png', 'fal', 0.02],
      ['02-typography.png', 'fal', 0.05],
      ['03-stylize.png', 'openai', 0.04],
      ['04-upscale.png', 'fal', 0.003],
    ] as const;
    for (const [file, provider, cost] of stages) {
      const record = await manifest(summary.runDirectory, file);
      expect(record.costUsd, file).toBe(cost);
      expect(record.details.provider, file).toMatchObject({ provider, attempts: 1, costUsd: cost });
    }
    expect((await manifest(summary.runDirectory, '01-compose.png')).details.provider).toMatchObject({
      seed: 7,
      requestId: 'fal-1',
    });
    expect((await manifest(summary.runDirectory, '02-typography.png')).details.provider).toMatchObject({
      promptExpansion: "off (expand_prompt: false, Atelier's default for reproducible prompts)",
    });
    expect((await manifest(summary.runDirectory, '03-stylize.png')).details.provider).toMatchObject({
      requestId: 'req_1',
      revisedPrompt: 'A detailed rendering of tulips on a pale podium',
    });
  }, 120_000);
});

describe('DALL·E 3 in the stylistic pass: re-rendered from the prompt, labelled, headline read back', () => {
  async function rerenderRun(options: { letters: boolean }) {
    const fal = await started(FakeFal.start({ apiKey: falKey }));
    const openai = await started(FakeOpenai.start({ apiKey: openaiKey, lettersQuotedText: options.letters }));
    const created = await project({
      campaign: 'rerender',
      models: { compose: 'sdxl', ocr: 'builtin:tesseract', stylize: 'dall-e-3' },
      providers: {
        fal: { baseURL: fal.baseURL, prices: { 'fal-ai/fast-sdxl': 0.01 } },
        openai: { baseURL: openai.baseURL, retries: 0, prices: { 'dall-e-3': 0.04 } },
      },
      brand: { palette: ['#F4E9DA', '#E8A0BF', '#7FB77E', '#2E4057'] },
      pipeline: {
        seeds: [7],
        stages: [
          { stage: 'compose', size: '1024x1024' },
          {
            stage: 'stylize',
            source: 'prompt',
            style: 'soft pastel gouache',
            retries: 0,
            providerOptions: { openai: { quality: 'standard' } },
          },
          { stage: 'export', formats: ['png'], crops: [{ aspect: '1:1', size: '256x256' }] },
        ],
      },
      shots: [{ id: 'poster', prompt: 'tulips on a pale podium', headline: 'Spring into colour' }],
    });
    const loaded = await loadCampaign(created.configPath, campaignValidationContext());
    const registry = modelRegistryForCampaign(loaded, {
      env: { FAL_KEY: falKey, OPENAI_API_KEY: openaiKey },
    });
    return { summary: await runCampaign({ loaded, registry }), openai, loaded };
  }

  it('asks DALL·E 3 for the prompt, the style and the quoted headline, and records it as a re-render', async () => {
    const { summary, openai, loaded } = await rerenderRun({ letters: true });
    expect(loaded.warnings.join('\n')).toMatch(/models\.stylize: openai:dall-e-3 ignores seed/);
    expect(summary.status).toBe('completed');
    expect(summary.costUsd).toBeCloseTo(0.05, 10);
    expect(openai.generationRequests).toHaveLength(1);
    expect(openai.editForms).toHaveLength(0);
    expect(openai.generationRequests[0]!.json).toEqual({
      model: 'dall-e-3',
      prompt:
        'tulips on a pale podium. Style: soft pastel gouache. The image shows the headline "Spring into colour" in clean, legible lettering.',
      n: 1,
      size: '1024x1024',
      quality: 'standard',
      response_format: 'b64_json',
    });
    const record = await manifest(summary.runDirectory, '02-stylize.png');
    expect(record.details).toMatchObject({
      source: 'prompt',
      rerendered: 're-rendered, composition not kept',
      style: 'soft pastel gouache',
      headline: { minScore: 0.9 },
      provider: { provider: 'openai', costUsd: 0.04, requestId: 'req_1' },
    });
    expect(record.details.headline.score).toBeGreaterThanOrEqual(0.9);
    expect(record.costUsd).toBe(0.04);
    expect(summary.warnings).toContain('openai:dall-e-3: re-rendered, composition not kept');
  }, 120_000);

  it('rejects a re-render whose headline does not read back, and still counts what it cost', async () => {
    const { summary } = await rerenderRun({ letters: false });
    expect(summary.status).toBe('failed');
    expect(summary.failures[0]).toMatchObject({
      stage: 'stylize',
      reason: expect.stringMatching(/^re-rendered headline read as ".*" instead of "Spring into colour"/),
    });
    expect(summary.costUsd).toBeCloseTo(0.05, 10);
  }, 120_000);
});

describe('Replicate: SDXL and real-esrgan, unpinned in the config, pinned by atelier lock', () => {
  it('lock asks Replicate for the latest version and pins it; runs send the pinned version', async () => {
    const token = 'r8_LINEUPtest0123456789abcdefghijklmnop';
    const replicate = await started(FakeReplicate.start({ apiKey: token }));
    const created = await project({
      campaign: 'replicate-lineup',
      models: { compose: 'replicate:stability-ai/sdxl', upscale: 'replicate:nightmareai/real-esrgan' },
      providers: {
        replicate: {
          baseURL: replicate.baseURL,
          retries: 0,
          prices: { 'stability-ai/sdxl': 0.012, 'nightmareai/real-esrgan': 0.002 },
        },
      },
      brand: { palette: ['#F4E9DA', '#2E4057'] },
      pipeline: {
        seeds: [7],
        stages: [
          { stage: 'compose', size: '512x640' },
          { stage: 'upscale', scale: 2 },
          { stage: 'export', formats: ['png'], crops: [{ aspect: '4:5', size: '256x320' }] },
        ],
      },
      shots: [{ id: 'poster', prompt: 'tulips on a pale podium', negativePrompt: 'blurry' }],
    });
    const env = { REPLICATE_API_TOKEN: token };
    const locked = await runCli(['lock', created.directory], { env });
    expect(locked.code).toBe(0);
    expect(replicate.modelLookups).toEqual(['stability-ai/sdxl', 'nightmareai/real-esrgan']);
    const lock = await readLockfile(join(created.directory, 'atelier.lock.json'));
    expect(lock!.models.compose).toEqual({
      reference: 'replicate:stability-ai/sdxl',
      provider: 'replicate',
      modelId: 'stability-ai/sdxl',
      version: fakeLatestVersion,
      extra: { versionResolvedAtLock: 'latest version when locked' },
    });

    // Replicate moves on; the run still sends what the lock pins, and asks nothing.
    replicate.latestVersion = 'f'.repeat(64);
    const loaded = await loadCampaign(created.configPath, campaignValidationContext());
    expect(loaded.warnings.join('\n')).toMatch(/`atelier lock` pins the version Replicate reports as latest/);
    const summary = await runCampaign({ loaded, registry: modelRegistryForCampaign(loaded, { env }) });
    expect(summary.status).toBe('completed');
    expect(replicate.modelLookups).toHaveLength(2);
    const [compose, upscale] = replicate.generationRequests;
    expect(compose!.path).toBe('/v1/predictions');
    expect(compose!.json).toEqual({
      version: fakeLatestVersion,
      input: {
        prompt: 'tulips on a pale podium',
        num_outputs: 1,
        seed: 7,
        width: 512,
        height: 640,
        negative_prompt: 'blurry',
      },
    });
    expect(upscale!.json).toMatchObject({
      version: fakeLatestVersion,
      input: { scale: 2, image: expect.stringMatching(/^data:image\/png;base64,/) },
    });
    expect(summary.costUsd).toBeCloseTo(0.014, 10);
    const upscaled = await manifest(summary.runDirectory, '02-upscale.png');
    expect(upscaled.details).toMatchObject({
      width: 1024,
      height: 1280,
      provider: { provider: 'replicate', version: fakeLatestVersion, predictionId: 'pred2', costUsd: 0.002 },
    });
    expect(upscaled.warnings ?? []).not.toContainEqual(expect.stringMatching(/resized/));
    expect((await manifest(summary.runDirectory, '01-compose.png')).details.provider).toMatchObject({
      version: fakeLatestVersion,
      seed: 7,
      predictionId: 'pred1',
    });
  }, 120_000);
});

const googleKey = 'AIzaLINEUPtest0123456789abcdefghijklmnop';
const replicateToken = 'r8_LINEUP2test0123456789abcdefghijklmno';
const sd35Version = 'b'.repeat(64);
const ideogramVersion = 'c'.repeat(64);

interface LetteringCase {
  name: string;
  typography: string;
  renderOptions?: Record<string, unknown>;
  price: { provider: 'google' | 'replicate'; key: string; usd: number };
  expectedWarning?: RegExp;
  expectBody(google: FakeGoogle, replicate: FakeReplicate): void;
  expectProvenance: Record<string, unknown>;
}

const letteringCases: LetteringCase[] = [
  {
    name: 'Imagen 4 on Google',
    typography: 'imagen-4',
    renderOptions: { google: { personGeneration: 'dont_allow', enhancePrompt: false } },
    price: { provider: 'google', key: 'imagen-4.0-generate-001', usd: 0.04 },
    expectedWarning:
      /providerOptions\.google\.enhancePrompt is dropped by the AI SDK's google provider for google:imagen-4\.0-generate-001: it passes on only personGeneration, aspectRatio/,
    expectBody(google) {
      expect(google.generationRequests).toHaveLength(1);
      expect(google.generationRequests[0]!.path).toBe('/v1beta/models/imagen-4.0-generate-001:predict');
      expect(google.generationRequests[0]!.json).toEqual({
        instances: [
          {
            prompt:
              'tulips on a pale podium. The image shows the headline "Spring into colour" in clean, legible lettering.',
          },
        ],
        parameters: { sampleCount: 1, aspectRatio: '4:3', personGeneration: 'dont_allow' },
      });
    },
    expectProvenance: { provider: 'google', costUsd: 0.04 },
  },
  {
    name: 'Ideogram V2 Turbo on Replicate (pinned)',
    typography: `replicate:ideogram-ai/ideogram-v2-turbo@${ideogramVersion}`,
    price: { provider: 'replicate', key: `ideogram-ai/ideogram-v2-turbo@${ideogramVersion}`, usd: 0.05 },
    expectBody(_google, replicate) {
      const ideogram = replicate.generationRequests[1]!;
      expect(ideogram.path).toBe('/v1/predictions');
      expect(ideogram.json).toEqual({
        version: ideogramVersion,
        input: {
          prompt:
            'tulips on a pale podium. The image shows the headline "Spring into colour" in clean, legible lettering.',
          num_outputs: 1,
          seed: 7,
          aspect_ratio: '4:3',
          magic_prompt_option: 'Off',
        },
      });
    },
    expectProvenance: {
      provider: 'replicate',
      version: ideogramVersion,
      seed: 7,
      costUsd: 0.05,
      promptExpansion: 'off (magic_prompt_option: "Off", Atelier\'s default for reproducible prompts)',
    },
  },
];

describe.each(letteringCases)(
  'SD3.5 Large Turbo on Replicate, then $name lettering the headline',
  (letteringCase) => {
    it('sends each model its own request and records provenance and cost at both stages', async () => {
      const google = await started(FakeGoogle.start({ apiKey: googleKey, lettersQuotedText: true }));
      const replicate = await started(
        FakeReplicate.start({ apiKey: replicateToken, lettersQuotedText: true }),
      );
      const prices: Record<string, Record<string, number>> = {
        google: {},
        replicate: { [`stability-ai/stable-diffusion-3.5-large-turbo@${sd35Version}`]: 0.03 },
      };
      prices[letteringCase.price.provider]![letteringCase.price.key] = letteringCase.price.usd;
      const created = await project({
        campaign: 'lettering',
        aliases: {
          'sd3.5-large-turbo': `replicate:stability-ai/stable-diffusion-3.5-large-turbo@${sd35Version}`,
        },
        models: {
          compose: 'sd3.5-large-turbo',
          typography: letteringCase.typography,
          ocr: 'builtin:tesseract',
        },
        providers: {
          google: { baseURL: google.baseURL, retries: 0, prices: prices.google },
          replicate: { baseURL: replicate.baseURL, retries: 0, prices: prices.replicate },
        },
        brand: { palette: ['#F4E9DA', '#2E4057'] },
        pipeline: {
          seeds: [7],
          stages: [
            { stage: 'compose', aspectRatio: '4:3' },
            {
              stage: 'typography',
              mode: 'render',
              retries: 0,
              render: { source: 'prompt', providerOptions: letteringCase.renderOptions },
            },
            { stage: 'export', formats: ['png'], crops: [{ aspect: '1:1', size: '256x256' }] },
          ],
        },
        shots: [{ id: 'poster', prompt: 'tulips on a pale podium', headline: 'Spring into colour' }],
      });
      const loaded = await loadCampaign(created.configPath, campaignValidationContext());
      if (letteringCase.expectedWarning)
        expect(loaded.warnings.join('\n')).toMatch(letteringCase.expectedWarning);
      const env = { GOOGLE_GENERATIVE_AI_API_KEY: googleKey, REPLICATE_API_TOKEN: replicateToken };
      const summary = await runCampaign({ loaded, registry: modelRegistryForCampaign(loaded, { env }) });
      expect(summary.status).toBe('completed');
      expect(summary.costUsd).toBeCloseTo(0.03 + letteringCase.price.usd, 10);
      expect(replicate.generationRequests[0]!.json).toEqual({
        version: sd35Version,
        input: { prompt: 'tulips on a pale podium', num_outputs: 1, seed: 7, aspect_ratio: '4:3' },
      });
      letteringCase.expectBody(google, replicate);
      const composed = await manifest(summary.runDirectory, '01-compose.png');
      expect(composed.details.provider).toMatchObject({
        provider: 'replicate',
        version: sd35Version,
        seed: 7,
      });
      const lettered = await manifest(summary.runDirectory, '02-typography.png');
      expect(lettered.costUsd).toBe(letteringCase.price.usd);
      expect(lettered.details).toMatchObject({
        mode: 'render',
        passed: true,
        provider: letteringCase.expectProvenance,
      });
    }, 120_000);
  },
);

describe('examples/seed-lineup', () => {
  it('binds the seed models in their roles and validates without keys, warning only of what DALL·E 3 ignores', async () => {
    const example = new URL('../../examples/seed-lineup/atelier.yaml', import.meta.url).pathname;
    const loaded = await loadCampaign(example, campaignValidationContext());
    expect(loaded.campaign.models).toEqual({
      compose: 'fal:fal-ai/stable-diffusion-v35-large/turbo',
      typography: 'fal:fal-ai/ideogram/v2/turbo',
      ocr: 'builtin:tesseract',
      stylize: 'openai:dall-e-3',
      upscale: 'builtin:esrgan-slim',
    });
    expect(loaded.warnings).toEqual([expect.stringMatching(/models\.stylize: openai:dall-e-3 ignores seed/)]);
  });
});

describe('typography check: compose is asked to letter the headline', () => {
  it('writes the check-mode prompt (headline quoted) into the compose request and its manifest', async () => {
    const fal = await started(FakeFal.start({ apiKey: falKey, lettersQuotedText: true }));
    const created = await project({
      campaign: 'check',
      models: { compose: 'sdxl', ocr: 'builtin:tesseract' },
      providers: { fal: { baseURL: fal.baseURL, retries: 0 } },
      brand: { palette: ['#F4E9DA', '#2E4057'] },
      pipeline: {
        seeds: [7],
        stages: [
          { stage: 'compose', size: '768x768' },
          { stage: 'typography', mode: 'check', retries: 0 },
          { stage: 'export', formats: ['png'], crops: [{ aspect: '1:1', size: '256x256' }] },
        ],
      },
      shots: [
        { id: 'poster', prompt: 'tulips on a pale podium', headline: 'Spring into colour' },
        { id: 'quiet', prompt: 'a quiet meadow' },
      ],
    });
    const loaded = await loadCampaign(created.configPath, campaignValidationContext());
    expect(loaded.campaign.pipeline.stages[0]!.params).toMatchObject({
      prompt: '{prompt}, with the text "{headline}" in large, clean, legible lettering',
    });
    const summary = await runCampaign({
      loaded,
      registry: modelRegistryForCampaign(loaded, { env: { FAL_KEY: falKey } }),
    });
    expect(summary.status).toBe('completed');
    const prompts = fal.generationRequests.map((request) => request.json.prompt).sort();
    expect(prompts).toEqual([
      'a quiet meadow',
      'tulips on a pale podium, with the text "Spring into colour" in large, clean, legible lettering',
    ]);
    const composed = await manifest(summary.runDirectory, '01-compose.png');
    expect(composed.details.prompt).toBe(prompts[1]);
    expect((await manifest(summary.runDirectory, '02-typography.png')).details).toMatchObject({
      mode: 'check',
      passed: true,
    });
  }, 120_000);
});
