import { generateImage } from 'ai';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeFal } from '../../test/fakes/fake-fal.ts';
import { FakeGoogle } from '../../test/fakes/fake-google.ts';
import type { FormFile } from '../../test/fakes/fake-http-server.ts';
import { FakeOpenai } from '../../test/fakes/fake-openai.ts';
import { renderFakePng } from '../../test/fakes/fake-png.ts';
import type { FakeProvider } from '../../test/fakes/fake-provider.ts';
import { FakeReplicate, fakeLatestVersion } from '../../test/fakes/fake-replicate.ts';
import { fastSettings } from '../../test/fakes/provider-cases.ts';
import type { ProvidersConfig } from '../config/campaign-schema.ts';
import { requireModelReference } from '../config/model-reference.ts';
import { generationRecord } from '../models/generation-record.ts';
import { createModelRegistry } from '../runtime/wiring.ts';

const keys = {
  OPENAI_API_KEY: 'sk-proj-FAKEtest0123456789abcdefghijklmnop',
  GOOGLE_GENERATIVE_AI_API_KEY: 'AIzaFAKEtest0123456789abcdefghijklmnopq',
  FAL_KEY: 'fal-fake-key-0123456789:abcdef0123456789abcdef',
  REPLICATE_API_TOKEN: 'r8_FAKEtest0123456789abcdefghijklmnopqr',
};

const fakes: FakeProvider[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

async function started<T extends FakeProvider>(fake: Promise<T>): Promise<T> {
  const running = await fake;
  fakes.push(running);
  return running;
}

async function modelFor(reference: string, providers: ProvidersConfig) {
  const registry = createModelRegistry({ providers, projectDirectory: '/tmp', env: keys });
  return await registry.resolveImageModel(requireModelReference(reference));
}

async function dimensions(bytes: Uint8Array) {
  const { width, height, format } = await sharp(bytes).metadata();
  return { width, height, format };
}

describe('AI SDK providers through their real packages', () => {
  it('openai: posts prompt and size to /images/generations, drops the seed with a clear warning', async () => {
    const fake = await started(FakeOpenai.start({ apiKey: keys.OPENAI_API_KEY }));
    const model = await modelFor('openai:dall-e-3', {
      openai: { ...fastSettings(fake.baseURL), prices: { 'dall-e-3': 0.04 } },
    });
    const result = await generateImage({
      model,
      prompt: 'tulips on a podium',
      size: '1600x900',
      seed: 42,
      providerOptions: { openai: { quality: 'standard' } },
    });
    const [request] = fake.generationRequests;
    expect(request!.headers.authorization).toBe(`Bearer ${keys.OPENAI_API_KEY}`);
    expect(request!.json).toMatchObject({
      model: 'dall-e-3',
      prompt: 'tulips on a podium',
      size: '1792x1024',
      quality: 'standard',
      n: 1,
      response_format: 'b64_json',
    });
    expect(request!.json.seed).toBeUndefined();
    expect(await dimensions(result.image.uint8Array)).toEqual({ width: 1792, height: 1024, format: 'png' });
    const record = generationRecord(result);
    expect(record.warnings).toContain('openai:dall-e-3 ignores seed: outputs will not be reproducible');
    expect(record.warnings.some((warning) => warning.includes('1600x900 sent as 1792x1024'))).toBe(true);
    expect(record.costUsd).toBe(0.04);
    expect(record.details.provider).toMatchObject({
      provider: 'openai',
      modelId: 'dall-e-3',
      responseModelId: 'dall-e-3',
      attempts: 1,
      revisedPrompt: 'A detailed rendering of tulips on a podium',
      requestId: 'req_1',
    });
  });

  it('openai: sends an input image as a multipart edit', async () => {
    const fake = await started(FakeOpenai.start({ apiKey: keys.OPENAI_API_KEY }));
    const model = await modelFor('openai:gpt-image-1', { openai: fastSettings(fake.baseURL) });
    const input = await renderFakePng(1024, 1024, 9);
    const result = await generateImage({
      model,
      prompt: { text: 'make it watercolour', images: [input] },
      size: '1024x1024',
    });
    const [form] = fake.editForms;
    expect(fake.generationRequests[0]!.path).toBe('/v1/images/edits');
    expect(form).toMatchObject({ model: 'gpt-image-1', prompt: 'make it watercolour', size: '1024x1024' });
    const image = form!.image as FormFile;
    expect(image.type).toBe('image/png');
    expect(Buffer.from(image.bytes).equals(Buffer.from(input))).toBe(true);
    expect(await dimensions(result.image.uint8Array)).toMatchObject({ width: 1024, height: 1024 });
  });

  it('refuses an input image for a model that cannot edit, before any request', async () => {
    const fake = await started(FakeOpenai.start({ apiKey: keys.OPENAI_API_KEY }));
    const model = await modelFor('openai:dall-e-3', { openai: fastSettings(fake.baseURL) });
    await expect(
      generateImage({
        model,
        prompt: { text: 'x', images: [await renderFakePng(32, 32)] },
        size: '1024x1024',
      }),
    ).rejects.toThrow(/openai:dall-e-3 cannot take an input image/);
    expect(fake.requests).toHaveLength(0);
  });

  it('google: posts to :predict with the key header, maps size to the nearest aspect ratio', async () => {
    const fake = await started(FakeGoogle.start({ apiKey: keys.GOOGLE_GENERATIVE_AI_API_KEY }));
    const model = await modelFor('google:imagen-4.0-generate-001', { google: fastSettings(fake.baseURL) });
    const result = await generateImage({ model, prompt: 'a headline poster', size: '1200x900', seed: 7 });
    const [request] = fake.generationRequests;
    expect(request!.path).toBe('/v1beta/models/imagen-4.0-generate-001:predict');
    expect(request!.headers['x-goog-api-key']).toBe(keys.GOOGLE_GENERATIVE_AI_API_KEY);
    expect(request!.json).toEqual({
      instances: [{ prompt: 'a headline poster' }],
      parameters: { sampleCount: 1, aspectRatio: '4:3' },
    });
    expect(await dimensions(result.image.uint8Array)).toMatchObject({ width: 1280, height: 896 });
    const { warnings } = generationRecord(result);
    expect(warnings).toContain(
      'google:imagen-4.0-generate-001 ignores seed: outputs will not be reproducible',
    );
    expect(
      warnings.some((warning) => /takes aspect ratios, not sizes: 1200x900 sent as 4:3/.test(warning)),
    ).toBe(true);
    // The SDK's own "unsupported size/seed" warnings are replaced by ours, not repeated.
    expect(warnings.filter((warning) => warning.includes('seed'))).toHaveLength(1);
  });

  it('fal: posts prompt, seed and image_size to the model path, downloads the image, keeps the seed reported back', async () => {
    const fake = await started(FakeFal.start({ apiKey: keys.FAL_KEY }));
    const model = await modelFor('fal:fal-ai/stable-diffusion-v35-large/turbo', {
      fal: fastSettings(fake.baseURL),
    });
    const result = await generateImage({
      model,
      prompt: 'glass bottle',
      size: '832x1216',
      seed: 1234,
      providerOptions: {
        fal: { numInferenceSteps: 4, guidanceScale: 1.5 },
        atelier: { negativePrompt: 'blurry' },
      },
    });
    const [request] = fake.generationRequests;
    expect(request!.path).toBe('/fal-ai/stable-diffusion-v35-large/turbo');
    expect(request!.headers.authorization).toBe(`Key ${keys.FAL_KEY}`);
    expect(request!.json).toMatchObject({
      prompt: 'glass bottle',
      seed: 1234,
      image_size: { width: 832, height: 1216 },
      num_images: 1,
      num_inference_steps: 4,
      guidance_scale: 1.5,
      negative_prompt: 'blurry',
    });
    expect(fake.downloads).toBe(1);
    expect(await dimensions(result.image.uint8Array)).toMatchObject({ width: 832, height: 1216 });
    expect(generationRecord(result).details.provider).toMatchObject({
      seed: 1234,
      inferenceSeconds: 0.42,
      requestId: 'fal-1',
      requests: 2,
    });
  });

  it('fal: sends an aspect ratio fal has no preset for as an explicit size instead of dropping it', async () => {
    const fake = await started(FakeFal.start({ apiKey: keys.FAL_KEY }));
    const model = await modelFor('fal:fal-ai/fast-sdxl', { fal: fastSettings(fake.baseURL) });
    const result = await generateImage({ model, prompt: 'meadow', aspectRatio: '4:5', seed: 1 });
    expect(fake.generationRequests[0]!.json.image_size).toEqual({ width: 816, height: 1024 });
    expect(generationRecord(result).warnings[0]).toMatch(/has no preset for 4:5 .*sent as 816x1024/);
  });

  it('fal: gives ideogram its aspect_ratio input instead of a size', async () => {
    const fake = await started(FakeFal.start({ apiKey: keys.FAL_KEY }));
    const model = await modelFor('fal:fal-ai/ideogram/v2/turbo', { fal: fastSettings(fake.baseURL) });
    const result = await generateImage({ model, prompt: 'SALE', size: '1024x576', seed: 5 });
    const body = fake.generationRequests[0]!.json;
    expect(body.aspect_ratio).toBe('16:9');
    expect(body.image_size).toBeUndefined();
    expect(await dimensions(result.image.uint8Array)).toMatchObject({ width: 1312, height: 736 });
  });

  it('fal: sends the input image of an image-to-image endpoint as a data URI', async () => {
    const fake = await started(FakeFal.start({ apiKey: keys.FAL_KEY }));
    const model = await modelFor('fal:fal-ai/fast-sdxl/image-to-image', { fal: fastSettings(fake.baseURL) });
    const input = await renderFakePng(64, 64, 3);
    await generateImage({ model, prompt: { text: 'oil paint', images: [input] }, size: '512x512', seed: 2 });
    const body = fake.generationRequests[0]!.json;
    expect(body.image_url).toBe(`data:image/png;base64,${Buffer.from(input).toString('base64')}`);
  });

  it('replicate: posts a pinned version, maps size to SD3.5 aspect ratio, records version and seed', async () => {
    const fake = await started(FakeReplicate.start({ apiKey: keys.REPLICATE_API_TOKEN }));
    const version = 'a'.repeat(64);
    const model = await modelFor(`replicate:stability-ai/stable-diffusion-3.5-large-turbo@${version}`, {
      replicate: fastSettings(fake.baseURL),
    });
    const result = await generateImage({ model, prompt: 'citrus', size: '1080x1350', seed: 99 });
    const [request] = fake.generationRequests;
    expect(request!.path).toBe('/v1/predictions');
    expect(request!.headers.authorization).toBe(`Bearer ${keys.REPLICATE_API_TOKEN}`);
    expect(request!.headers.prefer).toBe('wait');
    expect(request!.json).toMatchObject({
      version,
      input: { prompt: 'citrus', seed: 99, aspect_ratio: '4:5', num_outputs: 1 },
    });
    expect(request!.json.input.size).toBeUndefined();
    expect(await dimensions(result.image.uint8Array)).toMatchObject({ width: 896, height: 1088 });
    expect(generationRecord(result).details.provider).toMatchObject({
      version,
      seed: 99,
      predictionId: 'pred1',
      predictSeconds: 1.25,
    });
  });

  it('replicate: an unpinned model uses the model route and records the version that ran', async () => {
    const fake = await started(FakeReplicate.start({ apiKey: keys.REPLICATE_API_TOKEN }));
    const model = await modelFor('replicate:stability-ai/sdxl', { replicate: fastSettings(fake.baseURL) });
    const input = await renderFakePng(48, 48, 1);
    const result = await generateImage({
      model,
      prompt: { text: 'ink', images: [input] },
      size: '768x512',
      seed: 3,
    });
    const [request] = fake.generationRequests;
    expect(request!.path).toBe('/v1/models/stability-ai/sdxl/predictions');
    expect(request!.json.input).toMatchObject({ width: 768, height: 512, seed: 3 });
    expect(request!.json.input.image).toMatch(/^data:image\/png;base64,/);
    expect(generationRecord(result).details.provider).toMatchObject({ version: fakeLatestVersion });
  });

  it('names the environment variable when a key is missing', async () => {
    const registry = createModelRegistry({ projectDirectory: '/tmp', env: {} });
    await expect(registry.resolve(requireModelReference('fal:fal-ai/fast-sdxl'))).rejects.toThrow(
      /fal needs an API key .*: set FAL_API_KEY in the environment/,
    );
    const custom = createModelRegistry({
      projectDirectory: '/tmp',
      env: {},
      providers: { openai: { apiKeyEnv: 'PROXY_KEY' } },
    });
    await expect(custom.resolve(requireModelReference('openai:dall-e-3'))).rejects.toThrow(/set PROXY_KEY/);
  });
});
