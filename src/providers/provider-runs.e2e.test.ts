import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeComfyui, sdxlBaseSha256, textToImageWorkflow } from '../../test/fakes/fake-comfyui.ts';
import { FakeFal } from '../../test/fakes/fake-fal.ts';
import { FakeGoogle } from '../../test/fakes/fake-google.ts';
import { FakeOpenai } from '../../test/fakes/fake-openai.ts';
import type { FakeProvider } from '../../test/fakes/fake-provider.ts';
import { FakeReplicate } from '../../test/fakes/fake-replicate.ts';
import { runCli } from '../../test/helpers/run-cli.ts';
import { createTempProject, type TempProject } from '../../test/helpers/temp-project.ts';
import { loadCampaign } from '../config/load-campaign.ts';
import { readLockfile } from '../lock/lockfile.ts';
import { runCampaign } from '../pipeline/run-campaign.ts';
import { campaignValidationContext, modelRegistryForCampaign } from '../runtime/wiring.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

function campaignConfig(
  compose: string,
  size: string,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  return {
    campaign: 'provider-run',
    models: { compose },
    brand: { palette: ['#F4E9DA', '#E8A0BF', '#7FB77E', '#2E4057'] },
    pipeline: {
      seeds: [7],
      concurrency: 1,
      stages: [
        { stage: 'compose', size },
        { stage: 'export', formats: ['png'], crops: [{ aspect: '4:5', size: '80x100' }] },
      ],
    },
    shots: [
      { id: 'tulips', prompt: 'spring tulips in morning light', negativePrompt: 'blurry' },
      { id: 'bottle', prompt: 'glass bottle on a podium', seeds: [42] },
    ],
    ...extra,
  };
}

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

async function readJson(path: string): Promise<any> {
  return JSON.parse(await readFile(path, 'utf8'));
}

/** Every file under a folder, as text (binary files too: a key would show up in them as well). */
async function allText(directory: string): Promise<string> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  const texts = await Promise.all(
    entries
      .filter((entry) => entry.isFile())
      .map((entry) => readFile(join(entry.parentPath, entry.name), 'latin1')),
  );
  return texts.join('\n');
}

interface RunCase {
  name: string;
  provider: string;
  /** The model id the config's price table is keyed by. */
  priceKey: string;
  keyVariable: string;
  apiKey: string;
  compose: string;
  size: string;
  start(apiKey: string): Promise<FakeProvider>;
  /** Checks one generation request body against the shot it rendered. */
  expectRequest(fake: FakeProvider, prompt: string, seed: number): void;
  extra?: (fake: FakeProvider) => Record<string, unknown>;
  expectedLock: Record<string, unknown>;
  expectedWarning?: RegExp;
}

const runCases: RunCase[] = [
  {
    name: 'openai (alias dall-e-3)',
    provider: 'openai',
    priceKey: 'dall-e-3',
    keyVariable: 'OPENAI_API_KEY',
    apiKey: 'sk-proj-RUNtest0123456789abcdefghijklmnop',
    compose: 'dall-e-3',
    size: '1024x1024',
    start: (apiKey) => FakeOpenai.start({ apiKey }),
    expectRequest: (fake, prompt) => {
      const body = fake.generationRequests.find((request) => request.json.prompt === prompt)!.json;
      expect(body).toMatchObject({ model: 'dall-e-3', size: '1024x1024', quality: 'standard' });
      expect(body.seed).toBeUndefined();
    },
    extra: () => ({ pipelineProviderOptions: { openai: { quality: 'standard' } } }),
    expectedLock: { reference: 'openai:dall-e-3', provider: 'openai', modelId: 'dall-e-3' },
    expectedWarning: /models\.compose: openai:dall-e-3 ignores seed/,
  },
  {
    name: 'google (alias imagen-4)',
    provider: 'google',
    priceKey: 'imagen-4.0-generate-001',
    keyVariable: 'GOOGLE_GENERATIVE_AI_API_KEY',
    apiKey: 'AIzaRUNtest0123456789abcdefghijklmnopqr',
    compose: 'imagen-4',
    size: '1024x1024',
    start: (apiKey) => FakeGoogle.start({ apiKey }),
    expectRequest: (fake, prompt) => {
      const body = fake.generationRequests.find(
        (request) => request.json.instances[0].prompt === prompt,
      )!.json;
      expect(body.parameters).toEqual({ sampleCount: 1, aspectRatio: '1:1' });
    },
    expectedLock: { reference: 'google:imagen-4.0-generate-001', provider: 'google' },
    expectedWarning:
      /pipeline\.stages\[0\]\.size: google:imagen-4\.0-generate-001 takes aspect ratios, not sizes/,
  },
  {
    name: 'fal (alias sdxl)',
    provider: 'fal',
    priceKey: 'fal-ai/fast-sdxl',
    keyVariable: 'FAL_KEY',
    apiKey: 'fal-run-key-0123456789:abcdef0123456789abcdef',
    compose: 'sdxl',
    size: '512x512',
    start: (apiKey) => FakeFal.start({ apiKey }),
    expectRequest: (fake, prompt, seed) => {
      const body = fake.generationRequests.find((request) => request.json.prompt === prompt)!.json;
      expect(body).toMatchObject({ seed, image_size: { width: 512, height: 512 } });
      if (prompt.includes('tulips')) expect(body.negative_prompt).toBe('blurry');
    },
    expectedLock: { reference: 'fal:fal-ai/fast-sdxl', provider: 'fal', modelId: 'fal-ai/fast-sdxl' },
  },
  {
    name: 'replicate (alias sd3.5-large-turbo re-routed in the config)',
    provider: 'replicate',
    priceKey: 'stability-ai/stable-diffusion-3.5-large-turbo',
    keyVariable: 'REPLICATE_API_TOKEN',
    apiKey: 'r8_RUNtest0123456789abcdefghijklmnopqrs',
    compose: 'sd3.5-large-turbo',
    size: '1024x1024',
    start: (apiKey) => FakeReplicate.start({ apiKey }),
    expectRequest: (fake, prompt, seed) => {
      const body = fake.generationRequests.find((request) => request.json.input.prompt === prompt)!.json;
      expect(body).toMatchObject({ version: 'b'.repeat(64), input: { seed, aspect_ratio: '1:1' } });
    },
    extra: () => ({
      aliases: {
        'sd3.5-large-turbo': `replicate:stability-ai/stable-diffusion-3.5-large-turbo@${'b'.repeat(64)}`,
      },
    }),
    expectedLock: {
      reference: `replicate:stability-ai/stable-diffusion-3.5-large-turbo@${'b'.repeat(64)}`,
      version: 'b'.repeat(64),
    },
  },
];

describe.each(runCases)('a full campaign run through $name', (runCase) => {
  it('renders every shot, records provenance, cost and warnings, and re-runs for free', async () => {
    const fake = await started(runCase.start(runCase.apiKey));
    const { provider } = runCase;
    const { pipelineProviderOptions, ...extra } = runCase.extra?.(fake) ?? {};
    const config = campaignConfig(runCase.compose, runCase.size, {
      providers: {
        [provider]: {
          baseURL: fake.baseURL,
          retries: 2,
          retryBaseSeconds: 0.01,
          prices: { [runCase.priceKey]: 0.05 },
        },
      },
      ...extra,
    });
    if (pipelineProviderOptions) {
      (config.pipeline as any).stages[0].providerOptions = pipelineProviderOptions;
    }
    const created = await project(config);
    const loaded = await loadCampaign(created.configPath, campaignValidationContext());
    if (runCase.expectedWarning) expect(loaded.warnings.join('\n')).toMatch(runCase.expectedWarning);
    const registry = modelRegistryForCampaign(loaded, { env: { [runCase.keyVariable]: runCase.apiKey } });

    const summary = await runCampaign({ loaded, registry });
    expect(summary.status).toBe('completed');
    expect(summary.chainsSucceeded).toBe(2);
    expect(fake.paidCalls).toBe(2);
    expect(summary.costUsd).toBeCloseTo(0.1, 10);
    runCase.expectRequest(fake, 'spring tulips in morning light', 7);
    runCase.expectRequest(fake, 'glass bottle on a podium', 42);

    const lock = await readLockfile(join(created.directory, 'atelier.lock.json'));
    expect(lock!.models.compose).toMatchObject(runCase.expectedLock);
    const composed = join(summary.runDirectory, 'tulips', 'seed-7', '01-compose.png');
    const manifest = await readJson(`${composed}.json`);
    expect(manifest.model).toMatchObject(runCase.expectedLock);
    expect(manifest.costUsd).toBe(0.05);
    expect(manifest.details.provider).toMatchObject({ provider, attempts: 1, costUsd: 0.05 });
    expect(manifest.details.provider.responseModelId).toBeTruthy();
    expect((await sharp(await readFile(composed)).metadata()).format).toBe('png');

    const again = await runCampaign({ loaded, registry });
    expect(again.cacheHits).toBe(4);
    expect(again.costUsd).toBe(0);
    expect(fake.generationRequests).toHaveLength(2);
  });
});

describe('a full campaign run through comfyui', () => {
  it('renders with the workflow, pins it in the lock, and keeps the prompt id in the manifest', async () => {
    const fake = await started(FakeComfyui.start());
    const created = await project(
      campaignConfig('comfyui:sdxl-base', '512x512', {
        providers: { comfyui: { baseURL: fake.baseURL, workflows: { 'sdxl-base': 'workflows/sdxl.json' } } },
      }),
    );
    await mkdir(join(created.directory, 'workflows'));
    await writeFile(join(created.directory, 'workflows', 'sdxl.json'), JSON.stringify(textToImageWorkflow()));
    const loaded = await loadCampaign(created.configPath, campaignValidationContext());
    const progress: string[] = [];
    const summary = await runCampaign({
      loaded,
      registry: modelRegistryForCampaign(loaded),
      onEvent: (event) => {
        if (event.type === 'job-progress' && event.stage === 'compose') progress.push(event.message ?? '');
      },
    });
    expect(summary.status).toBe('completed');
    expect(fake.executed).toBe(2);
    // The sampler's websocket steps reach the run's watchers (the CLI bar, the studio).
    expect(progress.filter((message) => message.startsWith('step '))).toHaveLength(6);
    const seeds = fake.prompts
      .map((prompt) => prompt.graph['3']!.inputs.seed)
      .sort((a, b) => Number(a) - Number(b));
    expect(seeds).toEqual([7, 42]);
    const lock = await readLockfile(join(created.directory, 'atelier.lock.json'));
    expect(lock!.models.compose).toMatchObject({
      provider: 'comfyui',
      extra: {
        workflow: 'workflows/sdxl.json',
        files: [`checkpoints/sd_xl_base_1.0.safetensors sha256=${sdxlBaseSha256} size=6938078334`],
      },
    });
    const manifest = await readJson(join(summary.runDirectory, 'bottle', 'seed-42', '01-compose.png.json'));
    expect(manifest.details.provider).toMatchObject({
      provider: 'comfyui',
      seed: 42,
      promptId: expect.any(String),
      peakVramBytes: expect.any(Number),
    });
  });
});

describe('runs that survive provider faults', () => {
  it('finishes the other shots when one is refused, says which and why, and a re-run retries only that one', async () => {
    const apiKey = 'fal-fault-key-0123456789:abcdef0123456789';
    const fake = await started(FakeFal.start({ apiKey }));
    const created = await project(
      campaignConfig('sdxl', '512x512', {
        providers: { fal: { baseURL: fake.baseURL, retries: 2, retryBaseSeconds: 0.01 } },
      }),
    );
    const loaded = await loadCampaign(created.configPath, campaignValidationContext());
    const registry = modelRegistryForCampaign(loaded, { env: { FAL_KEY: apiKey } });
    // tulips is first (concurrency 1): refused; bottle meets a 503, retried, succeeds.
    fake.inject({ kind: 'refusal' }, { kind: 'status', status: 503 });
    const first = await runCampaign({ loaded, registry });
    expect(first.status).toBe('failed');
    expect(first.chainsSucceeded).toBe(1);
    expect(first.failures).toEqual([
      {
        shotId: 'tulips',
        seedIndex: 0,
        stage: 'compose',
        reason:
          'fal:fal-ai/fast-sdxl refused the request (content policy): The prompt was flagged by the content policy checker.',
      },
    ]);
    expect(fake.generationRequests).toHaveLength(3);
    const record = await readJson(join(first.runDirectory, 'run.json'));
    expect(record.chains.find((chain: any) => chain.shot === 'tulips').failure.reason).toMatch(
      /content policy/,
    );

    const second = await runCampaign({ loaded, registry });
    expect(second.status).toBe('completed');
    expect(fake.generationRequests).toHaveLength(4);
    expect(fake.generationRequests.at(-1)!.json.prompt).toBe('spring tulips in morning light');
    expect(fake.paidCalls).toBe(2);
  });

  it('stops before recording a run when a key is missing, naming the variable', async () => {
    const created = await project(campaignConfig('imagen-4', '1024x1024', {}));
    const result = await runCli(['run', created.directory], { env: { GOOGLE_GENERATIVE_AI_API_KEY: '' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'error: google needs an API key for "google:imagen-4.0-generate-001": set GOOGLE_GENERATIVE_AI_API_KEY in the environment',
    );
    expect(await readdir(created.directory)).not.toContain('.atelier');
  });

  it('never lets an API key reach the CLI output, the manifests, the run records or the ledger', async () => {
    const apiKey = 'sk-proj-SECRETsecret0123456789abcdefghijkl';
    const fake = await started(FakeOpenai.start({ apiKey, echoCredentials: true }));
    const created = await project(
      campaignConfig('openai:gpt-image-1', '1024x1024', {
        providers: { openai: { baseURL: fake.baseURL, retries: 1, retryBaseSeconds: 0.01 } },
      }),
    );
    // The proxy quotes the Authorization header in its error bodies.
    fake.inject(
      { kind: 'status', status: 500 },
      { kind: 'status', status: 502 },
      { kind: 'status', status: 500 },
    );
    const run = await runCli(['run', created.directory], { env: { OPENAI_API_KEY: apiKey } });
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toMatch(/upstream failed for Bearer \[redacted\]/);
    // Retries are logged as they happen.
    expect(run.stderr).toMatch(
      /openai:gpt-image-1: attempt 1 failed \(server-error: HTTP 500: upstream failed for Bearer \[redacted\]\); retrying in/,
    );
    expect(fake.paidCalls).toBe(1);
    const runsList = await runCli(['runs', created.directory], { env: { OPENAI_API_KEY: apiKey } });
    const wrongKey = await runCli(['run', created.directory], { env: { OPENAI_API_KEY: `${apiKey}-wrong` } });
    expect(wrongKey.stdout + wrongKey.stderr).toMatch(/rejected the credentials \(check OPENAI_API_KEY\)/);
    const everything = [
      run.stdout,
      run.stderr,
      runsList.stdout,
      wrongKey.stdout,
      wrongKey.stderr,
      await allText(created.directory),
    ].join('\n');
    expect(everything).not.toContain(apiKey);
    expect(everything).not.toContain(apiKey.slice(8, 30));
  });
});
