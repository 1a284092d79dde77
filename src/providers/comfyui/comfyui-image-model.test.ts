import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateImage } from 'ai';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FakeComfyui,
  type FakeComfyuiOptions,
  imageToImageWorkflow,
  sdxlBaseSha256,
  textToImageWorkflow,
} from '../../../test/fakes/fake-comfyui.ts';
import { renderFakePng } from '../../../test/fakes/fake-png.ts';
import type { ComfyuiSettings } from '../../config/campaign-schema.ts';
import { requireModelReference } from '../../config/model-reference.ts';
import { AtelierError } from '../../errors.ts';
import { checkLock } from '../../lock/lockfile.ts';
import { withBuiltinProgress } from '../../models/builtin/builtin-progress.ts';
import { generationRecord } from '../../models/generation-record.ts';
import { createModelRegistry } from '../../runtime/wiring.ts';
import { sha256 } from '../../util/canonical-json.ts';
import { checkModelSettings } from '../stage-settings-check.ts';
import type { ComfyuiProgress } from './comfyui-client.ts';
import { ComfyuiImageModel } from './comfyui-image-model.ts';
import { parseWorkflow } from './comfyui-workflow.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function setUp(
  options: {
    workflow?: Record<string, unknown>;
    fake?: FakeComfyuiOptions;
    settings?: Partial<ComfyuiSettings>;
    onAttempt?: (kind: string) => void;
  } = {},
) {
  const fake = await FakeComfyui.start(options.fake);
  const directory = await mkdtemp(join(tmpdir(), 'atelier-comfyui-'));
  cleanups.push(
    () => fake.close(),
    () => rm(directory, { recursive: true, force: true }),
  );
  const workflowText = JSON.stringify(options.workflow ?? textToImageWorkflow(), null, 2);
  await writeFile(join(directory, 'workflow.json'), workflowText);
  const progress: ComfyuiProgress[] = [];
  const registry = createModelRegistry({
    projectDirectory: directory,
    env: {},
    onProgress: (event) => progress.push(event),
    onAttempt: (event) => options.onAttempt?.(event.failure?.kind ?? 'unknown'),
    providers: {
      comfyui: {
        baseURL: fake.baseURL,
        workflows: { sdxl: 'workflow.json' },
        defaults: { steps: 20, cfg: 6.5 },
        retries: 2,
        retryBaseSeconds: 0.01,
        timeoutSeconds: 5,
        ...options.settings,
      },
    },
  });
  const reference = requireModelReference('comfyui:sdxl');
  const model = await registry.resolveImageModel(reference);
  return { fake, model, registry, reference, progress, workflowText };
}

async function failure(promise: Promise<unknown>): Promise<AtelierError> {
  try {
    await promise;
  } catch (error) {
    expect(AtelierError.isInstance(error)).toBe(true);
    return error as AtelierError;
  }
  throw new Error('expected the call to fail');
}

describe('comfyui provider', () => {
  it('fills the template, queues it with its client id, follows the websocket, fetches the output', async () => {
    const { fake, model, progress } = await setUp();
    const result = await generateImage({
      model,
      prompt: 'spring tulips',
      size: '768x512',
      seed: 4242,
      providerOptions: { comfyui: { sampler: 'dpmpp_2m' }, atelier: { negativePrompt: 'blurry, text' } },
    });
    expect(fake.prompts).toHaveLength(1);
    const { graph, clientId } = fake.prompts[0]!;
    expect(clientId).toMatch(/^atelier-/);
    expect(graph['3']!.inputs).toMatchObject({
      seed: 4242,
      steps: 20,
      cfg: 6.5,
      sampler_name: 'dpmpp_2m',
      scheduler: 'normal',
      denoise: 1,
    });
    expect(graph['5']!.inputs).toMatchObject({ width: 768, height: 512 });
    expect(graph['6']!.inputs.text).toBe('spring tulips');
    expect(graph['7']!.inputs.text).toBe('blurry, text');
    expect(await sharp(result.image.uint8Array).metadata()).toMatchObject({
      width: 768,
      height: 512,
      format: 'png',
    });
    expect(progress.map((event) => event.value)).toEqual([1, 2, 3]);
    expect(progress[0]).toMatchObject({ max: 20, node: '3' });
    expect(generationRecord(result).details.provider).toMatchObject({
      provider: 'comfyui',
      modelId: 'sdxl',
      seed: 4242,
      comfyuiVersion: '0.3.40',
      attempts: 1,
    });
    // /system_stats: the preflight, then the GPU memory samples around the call.
    const paths = fake.requests
      .map((request) => `${request.method} ${request.path}`)
      .filter((path) => path !== 'GET /system_stats');
    expect(paths).toEqual(['POST /prompt', `GET /history/${fake.prompts[0]!.id}`, 'GET /view']);
  });

  it('pins the workflow sha256 and every model file it loads by content and size', async () => {
    const { fake, registry, reference, workflowText } = await setUp({
      workflow: exported('sdxl-lora'),
      settings: { modelHashes: { 'brand-style.safetensors': 'ab'.repeat(32) } },
    });
    const lock = await registry.lock(reference);
    expect(lock).toEqual({
      reference: 'comfyui:sdxl',
      provider: 'comfyui',
      modelId: 'sdxl',
      sha256: sha256(workflowText),
      extra: {
        workflow: 'workflow.json',
        files: [
          // Reported by the file's safetensors header (/view_metadata).
          `checkpoints/sd_xl_base_1.0.safetensors sha256=${sdxlBaseSha256} size=6938078334`,
          // Declared in the config.
          `loras/brand-style.safetensors sha256=${'ab'.repeat(32)} size=228463068`,
          // Neither: pinned by size only, and the lock says so.
          'loras/film-grain.safetensors sha256=undeclared size=45613420',
        ],
      },
    });
    const asked = fake.requests.map((request) => `${request.method} ${request.path}`);
    expect(asked).toContain('GET /experiment/models/checkpoints');
    expect(asked).toContain('GET /view_metadata/checkpoints');
  });

  it('pins names and hashes through /models/{folder} on servers without /experiment/models (size unknown)', async () => {
    const { fake, registry, reference } = await setUp({ fake: { noExperimentalModels: true } });
    const lock = await registry.lock(reference);
    expect(lock.extra?.files).toEqual([
      `checkpoints/sd_xl_base_1.0.safetensors sha256=${sdxlBaseSha256} size=unknown`,
    ]);
    expect(fake.requests.map((request) => request.path)).toContain('/models/checkpoints');
  });

  it('refuses a run once a model file on the server no longer matches the lock', async () => {
    const { fake, registry } = await setUp({ workflow: exported('sdxl-lora') });
    const directory = await mkdtemp(join(tmpdir(), 'atelier-comfyui-lock-'));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    const campaign = { models: { compose: 'comfyui:sdxl' } } as never;
    expect((await checkLock(campaign, directory, registry, { update: false })).action).toBe('created');
    expect((await checkLock(campaign, directory, registry, { update: false })).action).toBe('matched');
    // Someone retrained the LoRA in place: same name, different bytes.
    const index = fake.models.findIndex((file) => file.name === 'film-grain.safetensors');
    fake.models[index] = { ...fake.models[index]!, size: 45_700_001 };
    const error = await failure(checkLock(campaign, directory, registry, { update: false }));
    expect(error.code).toBe('LOCK_MISMATCH');
    expect(error.details?.join('\n')).toContain(
      'loras/film-grain.safetensors sha256=undeclared size=45700001',
    );
  });

  it('refuses to lock a file the server does not have, or one whose header contradicts the declared hash', async () => {
    const missing = await setUp({ workflow: textToImageWorkflow('missing-model.safetensors') });
    const error = await failure(missing.registry.lock(missing.reference));
    expect(error.message).toContain(
      'node 4 (CheckpointLoaderSimple "Load Checkpoint") loads checkpoints/missing-model.safetensors, which the server does not have (its checkpoints: sd_xl_base_1.0.safetensors, sd_xl_refiner_1.0.safetensors, sd3.5_large_turbo.safetensors)',
    );
    const contradicted = await setUp({
      settings: { modelHashes: { 'sd_xl_base_1.0.safetensors': 'cd'.repeat(32) } },
    });
    expect((await failure(contradicted.registry.lock(contradicted.reference))).message).toBe(
      `ComfyUI server's checkpoints/sd_xl_base_1.0.safetensors is not the declared file: providers.comfyui.modelHashes says sha256 ${'cd'.repeat(32)}, its safetensors header says ${sdxlBaseSha256}`,
    );
  });

  it('reports validation errors (HTTP 400 node_errors) as one message naming the node, without retrying', async () => {
    const { fake, model } = await setUp({ workflow: textToImageWorkflow('missing-model.safetensors') });
    const error = await failure(generateImage({ model, prompt: 'x', size: '512x512', seed: 1 }));
    expect(error.message).toBe(
      'comfyui:sdxl failed: ComfyUI rejected the workflow (Prompt outputs failed validation): ' +
        `node 4 (CheckpointLoaderSimple "Load Checkpoint"): Value not in list: ckpt_name: 'missing-model.safetensors' not in ["sd_xl_base_1.0.safetensors","sd_xl_refiner_1.0.safetensors","sd3.5_large_turbo.safetensors"]`,
    );
    expect(fake.requests.filter((request) => request.path === '/prompt')).toHaveLength(1);
  });

  it('reports an execution error from the websocket naming the node, without retrying', async () => {
    const { fake, model } = await setUp();
    fake.inject({ kind: 'execution-error', message: "'NoneType' object has no attribute 'shape'" });
    const error = await failure(generateImage({ model, prompt: 'x', size: '512x512', seed: 1 }));
    expect(error.code).toBe('PROVIDER_FAILED');
    expect(error.message).toBe(
      `comfyui:sdxl failed: ComfyUI failed at node 3 (KSampler "Main sampler"): RuntimeError: 'NoneType' object has no attribute 'shape'`,
    );
    expect(fake.prompts).toHaveLength(1);
  });

  it('classifies a CUDA out-of-memory error, names the resolution, and does not retry it', async () => {
    const attempts: string[] = [];
    const { fake, model } = await setUp({
      settings: { retries: 3 },
      onAttempt: (kind) => attempts.push(kind),
    });
    // 12 GiB: SDXL's weights fit, a 1536x1536 latent's activations do not (as on a real 12 GB card).
    const error = await failure(generateImage({ model, prompt: 'x', size: '1536x1536', seed: 1 }));
    expect(error.message).toMatch(
      /^comfyui:sdxl failed: ComfyUI ran out of GPU memory at 1536x1536 \(render smaller and upscale, or free the GPU\): ComfyUI failed at node 3 \(KSampler "Main sampler"\): torch\.OutOfMemoryError: CUDA out of memory\. Tried to allocate 5\.49 GiB/,
    );
    expect(fake.prompts).toHaveLength(1);
    expect(attempts).toEqual([]);
    // The smaller size still renders on the same server.
    await generateImage({ model, prompt: 'x', size: '1024x1024', seed: 1 });
    expect(fake.executed).toBe(1);
  });

  it('records the peak GPU memory sampled from /system_stats during the call', async () => {
    const { fake, model } = await setUp({
      fake: { samplerMs: 120 },
      settings: { vramSampleMilliseconds: 5 },
    });
    const idle = fake.vramUsed;
    const result = await generateImage({ model, prompt: 'x', size: '768x512', seed: 1 });
    // The fake's GPU: idle use, then SDXL's weights (kept loaded), then the latent's activations while sampling.
    const peak = idle + 6_938_078_334 + 768 * 512 * 2500;
    expect(generationRecord(result).details.provider).toMatchObject({ peakVramBytes: peak });
    expect(result.providerMetadata.comfyui!.images[0]).toMatchObject({
      peakVramBytes: peak,
      vramTotalBytes: 12 * 1024 ** 3,
    });
    // After the call the activations are freed; the weights stay.
    expect(fake.vramUsed).toBe(idle + 6_938_078_334);
  });

  it("reports sampling steps to the stage's progress (the CLI bar and the studio)", async () => {
    const { model } = await setUp();
    const reported: string[] = [];
    await withBuiltinProgress(
      (fraction, message) => reported.push(`${fraction.toFixed(2)} ${message}`),
      () => generateImage({ model, prompt: 'x', size: '256x256', seed: 1 }),
    );
    expect(reported).toEqual(['0.05 step 1/20', '0.10 step 2/20', '0.15 step 3/20']);
  });

  it('interrupts the running prompt on the server when the call is stopped, freeing the GPU', async () => {
    const { fake, model } = await setUp({ fake: { samplerMs: 3000 }, settings: { retries: 0 } });
    const stop = new AbortController();
    const call = generateImage({ model, prompt: 'x', size: '512x512', seed: 1, abortSignal: stop.signal });
    while (!fake.running) await new Promise((resolve) => setTimeout(resolve, 5));
    stop.abort();
    await expect(call).rejects.toThrow();
    const id = fake.prompts[0]!.id;
    await expect.poll(() => fake.interrupted).toEqual([id]);
    expect(fake.cancelled).toEqual([id]);
    expect(fake.executed).toBe(0);
  });

  it('uploads the input image for an image-to-image workflow', async () => {
    const { fake, model } = await setUp({ workflow: imageToImageWorkflow() });
    const input = await renderFakePng(320, 240, 5);
    const result = await generateImage({ model, prompt: { text: 'watercolour', images: [input] }, seed: 8 });
    const uploadName = `atelier/atelier-${sha256(input).slice(0, 16)}.png`;
    expect(Buffer.from(fake.uploads.get(uploadName)!).equals(Buffer.from(input))).toBe(true);
    const { graph } = fake.prompts[0]!;
    expect(graph['10']!.inputs.image).toBe(uploadName);
    expect(graph['3']!.inputs.denoise).toBe(0.6);
    expect(await sharp(result.image.uint8Array).metadata()).toMatchObject({ width: 320, height: 240 });
  });

  it('falls back to polling /history when the websocket is unavailable', async () => {
    const { fake, model } = await setUp({ fake: { noWebsocket: true } });
    const result = await generateImage({ model, prompt: 'x', size: '256x256', seed: 3 });
    expect(fake.executed).toBe(1);
    expect(generationRecord(result).warnings).toContain(
      'ComfyUI websocket unavailable: following the prompt by polling /history',
    );
  });

  it('finishes a prompt whose websocket events never arrive, through the slow /history poll', async () => {
    const fake = await FakeComfyui.start({ muteWebsocket: true });
    cleanups.push(() => fake.close());
    const model = new ComfyuiImageModel({
      baseURL: fake.baseURL,
      name: 'sdxl',
      workflow: parseWorkflow(new TextEncoder().encode(JSON.stringify(textToImageWorkflow())), 'w.json'),
      pollIntervalMs: 50,
    });
    const result = await model.doGenerate({
      prompt: 'x',
      n: 1,
      size: '128x128',
      aspectRatio: undefined,
      seed: 1,
      files: undefined,
      mask: undefined,
      providerOptions: {},
      abortSignal: AbortSignal.timeout(5000),
    });
    expect(result.images).toHaveLength(1);
    expect(result.warnings).toEqual([]);
  });

  it('follows back-to-back prompts on one model, each on its own websocket client id', async () => {
    const { fake, model } = await setUp({ settings: { timeoutSeconds: 3, retries: 0 } });
    for (let seed = 1; seed <= 4; seed++) await generateImage({ model, prompt: 'x', size: '128x128', seed });
    expect(fake.executed).toBe(4);
    expect(new Set(fake.prompts.map((prompt) => prompt.clientId)).size).toBe(4);
  });

  it('warns before the call when the resolution likely exceeds the GPU memory', async () => {
    // No activations on the fake's GPU: this is about the warning, not the failure.
    const { model } = await setUp({ fake: { vramBytes: 8 * 1024 ** 3, vramBytesPerPixel: 0 } });
    const small = await generateImage({ model, prompt: 'x', size: '512x512', seed: 1 });
    expect(generationRecord(small).warnings.filter((warning) => warning.includes('out-of-memory'))).toEqual(
      [],
    );
    const large = await generateImage({ model, prompt: 'x', size: '2048x2048', seed: 1 });
    expect(generationRecord(large).warnings.join('\n')).toMatch(
      /ComfyUI GPU cuda:0 NVIDIA GeForce RTX 4070 .* has 8\.0 GB; 2048x2048 with sd_xl_base_1\.0\.safetensors likely needs about 16\.\d GB: expect out-of-memory errors/,
    );
  });

  it('retries a 500 from /prompt, a hung prompt past the timeout, and an undecodable output', async () => {
    const { fake, model } = await setUp({ settings: { timeoutSeconds: 0.5, retries: 3 } });
    fake.inject({ kind: 'status', status: 500 }, { kind: 'hang' }, { kind: 'garbage' });
    const result = await generateImage({ model, prompt: 'x', size: '256x256', seed: 3 });
    expect(fake.requests.filter((request) => request.path === '/prompt')).toHaveLength(4);
    expect(fake.executed).toBe(1);
    // The hung prompt was taken off the queue when its attempt was abandoned.
    expect(fake.cancelled).toEqual([fake.prompts[0]!.id]);
    expect(generationRecord(result).details.provider).toMatchObject({ attempts: 4 });
  });
});

/** A workflow as ComfyUI's "Save (API Format)" wrote it, from test/fixtures/comfyui. */
function exported(
  name: string,
): Record<string, { class_type: string; inputs: Record<string, unknown>; _meta?: { title?: string } }> {
  return JSON.parse(
    readFileSync(new URL(`../../../test/fixtures/comfyui/${name}.json`, import.meta.url), 'utf8'),
  );
}

describe('comfyui with unmodified exported workflows', () => {
  const shot = {
    prompt: 'spring tulips in a glass vase',
    size: '768x512',
    seed: 4242,
  } as const;

  it.each([
    // fixture, prompt text inputs, seed input, latent node
    ['sdxl-ksampler', [['6', 'text']], ['3', 'seed'], '5'],
    ['sdxl-lora', [['6', 'text']], ['3', 'seed'], '5'],
    [
      'sd35-large-turbo',
      [
        ['16', 'clip_l'],
        ['16', 'clip_g'],
        ['16', 't5xxl'],
      ],
      ['3', 'seed'],
      '53',
    ],
    ['flux-dev', [['6', 'text']], ['25', 'noise_seed'], '27'],
  ] as const)(
    "%s: the shot's prompt, seed and size reach the nodes the sampler reads",
    async (name, texts, seed, latent) => {
      const workflow = exported(name);
      const { fake, model } = await setUp({ workflow, settings: { defaults: {} } });
      const result = await generateImage({ model, ...shot });
      const { graph } = fake.prompts[0]!;
      for (const [node, input] of texts) expect(graph[node]!.inputs[input]).toBe(shot.prompt);
      expect(graph[seed[0]]!.inputs[seed[1]]).toBe(shot.seed);
      expect(graph[latent]!.inputs).toMatchObject({ width: 768, height: 512 });
      // Nothing of the workflow's own prompt text was sent.
      const ownTexts = texts.map(([node, input]) => workflow[node]!.inputs[input] as string);
      for (const text of ownTexts) expect(JSON.stringify(graph)).not.toContain(text);
      // Steps and cfg stay the workflow's own unless the config or the stage sets them.
      const sampled = Object.values(graph).find((node) => 'steps' in node.inputs)!;
      const original = Object.values(workflow).find((node) => 'steps' in node.inputs)!;
      expect(sampled.inputs.steps).toBe(original.inputs.steps);
      expect(await sharp(result.image.uint8Array).metadata()).toMatchObject({ width: 768, height: 512 });
    },
  );

  it("puts the shot's negative prompt into the negative encoder, and steps/cfg overrides into the sampler", async () => {
    const { fake, model } = await setUp({
      workflow: exported('sdxl-ksampler'),
      settings: { defaults: { steps: 12 } },
    });
    await generateImage({
      model,
      ...shot,
      providerOptions: { comfyui: { cfg: 4.5 }, atelier: { negativePrompt: 'blurry' } },
    });
    const { graph } = fake.prompts[0]!;
    expect(graph['7']!.inputs.text).toBe('blurry');
    expect(graph['3']!.inputs).toMatchObject({ steps: 12, cfg: 4.5, seed: 4242 });
  });

  it("keeps the workflow's own negative text when the shot has none", async () => {
    const { fake, model } = await setUp({ workflow: exported('sdxl-ksampler') });
    await generateImage({ model, ...shot });
    expect(fake.prompts[0]!.graph['7']!.inputs.text).toBe('text, watermark');
  });

  it('lets placeholders win over inference', async () => {
    const workflow = exported('sdxl-ksampler');
    workflow['6']!.inputs.text = 'product photo, {{prompt}}, studio light';
    const { fake, model } = await setUp({ workflow });
    await generateImage({ model, ...shot });
    expect(fake.prompts[0]!.graph['6']!.inputs.text).toBe(`product photo, ${shot.prompt}, studio light`);
    expect(fake.prompts[0]!.graph['3']!.inputs.seed).toBe(4242);
  });

  it('refuses a base+refiner workflow with two samplers, naming both and how to mark them', () => {
    const workflow = parseWorkflow(
      new TextEncoder().encode(JSON.stringify(exported('sdxl-base-refiner'))),
      'sdxl-base-refiner.json',
    );
    expect(workflow.bindings.problems).toEqual([
      'ComfyUI workflow sdxl-base-refiner.json has 2 samplers (node 10 (KSamplerAdvanced "KSampler (Advanced) - BASE"), node 11 (KSamplerAdvanced "KSampler (Advanced) - REFINER")): ' +
        `Atelier cannot tell which one should receive the shot's prompt and seed: rename the intended node's title in ComfyUI to include "[atelier]" and export again, or write {{prompt}}/{{seed}} placeholders into the workflow (mark every sampler that should receive the shot, e.g. base and refiner)`,
    ]);
  });

  it("finds every binding in the example's unmodified SDXL export (examples/comfyui)", () => {
    const path = fileURLToPath(new URL('../../../examples/comfyui/workflows/sdxl-api.json', import.meta.url));
    const workflow = parseWorkflow(readFileSync(path), path);
    expect(workflow.placeholders.size).toBe(0);
    expect(workflow.bindings).toEqual({
      samplers: ['3'],
      slots: {
        prompt: [{ node: '6', input: 'text' }],
        negative_prompt: [{ node: '7', input: 'text' }],
        seed: [{ node: '3', input: 'seed' }],
        steps: [{ node: '3', input: 'steps' }],
        cfg: [{ node: '3', input: 'cfg' }],
        width: [{ node: '5', input: 'width' }],
        height: [{ node: '5', input: 'height' }],
      },
      problems: [],
    });
  });

  it("refuses the two-sampler workflow at validate time, on the model's config path", () => {
    const problems = checkModelSettings({
      role: 'compose',
      reference: { raw: 'comfyui:refiner', provider: 'comfyui', modelId: 'refiner', version: undefined },
      stage: { name: 'compose', params: {} },
      stageIndex: 0,
      sendsInputImage: false,
      campaign: {
        models: { compose: 'comfyui:refiner' },
        providers: { comfyui: { workflows: { refiner: 'sdxl-base-refiner.json' } } },
        shots: [],
      } as never,
      projectDirectory: fileURLToPath(new URL('../../../test/fixtures/comfyui/', import.meta.url)),
    }).filter((problem) => problem.severity === 'error');
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toEqual(['models', 'compose']);
    expect(problems[0]!.message).toMatch(/has 2 samplers \(node 10 .*node 11 .*"\[atelier\]"/);
  });

  it('accepts a two-sampler workflow whose prompt and seed are placeholders', () => {
    const graph = exported('sdxl-base-refiner');
    for (const node of ['6', '15']) graph[node]!.inputs.text = '{{prompt}}';
    graph['10']!.inputs.noise_seed = '{{seed}}';
    const workflow = parseWorkflow(new TextEncoder().encode(JSON.stringify(graph)), 'w.json');
    expect(workflow.bindings).toEqual({ samplers: [], slots: {}, problems: [] });
  });

  it('renders a base+refiner workflow once both samplers are marked [atelier]', async () => {
    const workflow = exported('sdxl-base-refiner');
    workflow['10']!._meta = { title: 'Base [atelier]' };
    workflow['11']!._meta = { title: 'Refiner [atelier]' };
    const { fake, model } = await setUp({ workflow });
    await generateImage({ model, ...shot });
    const { graph } = fake.prompts[0]!;
    for (const node of ['6', '15']) expect(graph[node]!.inputs.text).toBe(shot.prompt);
    expect(graph['10']!.inputs.noise_seed).toBe(4242);
    expect(graph['5']!.inputs).toMatchObject({ width: 768, height: 512 });
  });

  it('refuses a workflow whose sampler reaches no text encoder', () => {
    const workflow = exported('sdxl-ksampler');
    workflow['3']!.inputs.positive = ['99', 0];
    const parsed = parseWorkflow(new TextEncoder().encode(JSON.stringify(workflow)), 'w.json');
    expect(parsed.bindings.problems).toEqual([
      `ComfyUI workflow w.json: no text-encode node is reachable from the positive input of node 3 (KSampler), so the shot's prompt has nowhere to go: write a {{prompt}} placeholder into the node that holds the prompt text`,
    ]);
  });
});

describe('comfyui workflow templates', () => {
  const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

  it('rejects an unknown placeholder, naming the node and input', () => {
    const graph = textToImageWorkflow();
    graph['6']!.inputs.text = '{{promt}}';
    expect(() => parseWorkflow(bytes(graph), 'w.json')).toThrow(
      /node "6" input "text" uses unknown placeholder \{\{promt\}\}: expected one of \{\{prompt\}\}/,
    );
  });

  it('explains that an editor-format workflow must be exported in API format', () => {
    expect(() => parseWorkflow(bytes({ nodes: [], links: [] }), 'w.json')).toThrow(/Save \(API Format\)/);
  });

  it('knows what the workflow honours from its placeholders', () => {
    const workflow = parseWorkflow(bytes(imageToImageWorkflow()), 'w.json');
    expect([...workflow.placeholders].sort()).toEqual(
      [
        'cfg',
        'denoise',
        'image',
        'negative_prompt',
        'prompt',
        'sampler',
        'scheduler',
        'seed',
        'steps',
      ].sort(),
    );
  });
});
