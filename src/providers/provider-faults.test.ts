import { generateImage } from 'ai';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeOpenai } from '../../test/fakes/fake-openai.ts';
import type { FakeProvider } from '../../test/fakes/fake-provider.ts';
import { fastSettings, type ProviderCase, providerCases } from '../../test/fakes/provider-cases.ts';
import type { ProviderSettings } from '../config/campaign-schema.ts';
import { requireModelReference } from '../config/model-reference.ts';
import { AtelierError } from '../errors.ts';
import { generationRecord } from '../models/generation-record.ts';
import { createModelRegistry } from '../runtime/wiring.ts';

const fakes: FakeProvider[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

async function setUp(
  providerCase: ProviderCase,
  settings: ProviderSettings = {},
  fakeOptions: { echoCredentials?: boolean; latencyMs?: number } = {},
) {
  const fake = await providerCase.start({ apiKey: providerCase.apiKey, ...fakeOptions });
  fakes.push(fake);
  const registry = createModelRegistry({
    providers: { [providerCase.provider]: fastSettings(fake.baseURL, settings) },
    projectDirectory: '/tmp',
    env: { [providerCase.keyVariable]: providerCase.apiKey },
  });
  const model = await registry.resolveImageModel(requireModelReference(providerCase.reference));
  const generate = (prompt = 'spring tulips') =>
    generateImage({ model, prompt, size: '1024x1024', seed: 11 });
  return { fake, generate };
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

// One suite, run against every provider's fake through its real package.
describe.each(providerCases)('$provider under provider faults', (providerCase) => {
  it('waits as long as a 429 Retry-After says, then succeeds with one paid call', async () => {
    const { fake, generate } = await setUp(providerCase);
    fake.inject({ kind: 'status', status: 429, headers: { 'retry-after': '0.4' } });
    const started = performance.now();
    const result = await generate();
    // The backoff alone would be ~10 ms: the wait came from Retry-After.
    expect(fake.arrivals.at(-1)! - fake.arrivals[0]!).toBeGreaterThanOrEqual(380);
    expect(performance.now() - started).toBeLessThan(4000);
    expect(fake.generationRequests).toHaveLength(2);
    expect(fake.paidCalls).toBe(1);
    expect(generationRecord(result).details.provider).toMatchObject({ attempts: 2 });
  });

  it('takes a tiny Retry-After as a lower bound: the backoff still applies', async () => {
    const { fake, generate } = await setUp(providerCase, { retryBaseSeconds: 0.4, retries: 2 });
    fake.inject(
      { kind: 'status', status: 429, headers: { 'retry-after-ms': '10' } },
      { kind: 'status', status: 429, headers: { 'retry-after-ms': '10' } },
    );
    await generate();
    const [first, second, third] = fake.arrivals;
    // Equal jitter: at least half of 400 ms, then half of 800 ms, never the server's 10 ms.
    expect(second! - first!).toBeGreaterThanOrEqual(190);
    expect(third! - second!).toBeGreaterThanOrEqual(390);
    expect(fake.paidCalls).toBe(1);
  });

  it('retries 500 and 503 with backoff, and stops at the first success', async () => {
    const { fake, generate } = await setUp(providerCase);
    fake.inject({ kind: 'status', status: 500 }, { kind: 'status', status: 503 });
    const result = await generate();
    expect(fake.generationRequests).toHaveLength(3);
    expect(fake.paidCalls).toBe(1);
    expect((await sharp(result.image.uint8Array).metadata()).format).toBe('png');
    // Nothing after the success: no duplicate paid call.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.generationRequests).toHaveLength(3);
  });

  it('abandons a hung response after the timeout and retries', async () => {
    const { fake, generate } = await setUp(providerCase, { timeoutSeconds: 0.3 });
    fake.inject({ kind: 'hang' });
    const started = performance.now();
    await generate();
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(fake.generationRequests).toHaveLength(2);
    expect(fake.paidCalls).toBe(1);
  });

  it('decodes every image before accepting it: garbage and truncated bytes are retried', async () => {
    const { fake, generate } = await setUp(providerCase);
    fake.inject({ kind: 'garbage' }, { kind: 'truncated' });
    const result = await generate();
    expect(fake.generationRequests).toHaveLength(3);
    expect(fake.paidCalls).toBe(1);
    const stats = await sharp(result.image.uint8Array).stats();
    expect(stats.channels.length).toBeGreaterThanOrEqual(3);
  });

  it('fails a content-policy refusal at once with the provider message, never retrying it', async () => {
    const { fake, generate } = await setUp(providerCase);
    fake.inject({ kind: 'refusal' });
    const error = await failure(generate('something the policy refuses'));
    expect(error.code).toBe('PROVIDER_REFUSED');
    expect(error.message).toMatch(/refused the request \(content policy\)/);
    expect(error.message).toMatch(/safety|policy|NSFW|filtered/i);
    expect(fake.generationRequests).toHaveLength(1);
    expect(fake.paidCalls).toBe(0);
  });

  it('gives up after the configured retries and says what each attempt hit', async () => {
    const { fake, generate } = await setUp(providerCase, { retries: 2 });
    fake.inject(...Array.from({ length: 5 }, () => ({ kind: 'status' as const, status: 502 })));
    const error = await failure(generate());
    expect(error.code).toBe('PROVIDER_FAILED');
    expect(error.message).toContain(
      `${providerCase.reference.split('@')[0]} failed after 3 attempts: HTTP 502`,
    );
    expect(error.message).toContain('[attempts: server-error, server-error, server-error]');
    expect(fake.generationRequests).toHaveLength(3);
  });

  it('does not wait longer than maxRetryWaitSeconds for a Retry-After', async () => {
    const { fake, generate } = await setUp(providerCase, { maxRetryWaitSeconds: 1 });
    fake.inject({ kind: 'status', status: 429, headers: { 'retry-after': '120' } });
    const error = await failure(generate());
    expect(error.message).toMatch(/HTTP 429.*gave up because it asked to wait 120 s/);
    expect(fake.generationRequests).toHaveLength(1);
  });

  it('does not retry a request the provider rejects (400) or a key it refuses (401)', async () => {
    const { fake, generate } = await setUp(providerCase);
    fake.inject({
      kind: 'status',
      status: 400,
      body: { error: { message: 'bad parameter' }, detail: 'bad parameter' },
    });
    const rejected = await failure(generate());
    expect(rejected.message).toMatch(/HTTP 400/);
    expect(fake.generationRequests).toHaveLength(1);

    const wrongKey = createModelRegistry({
      providers: { [providerCase.provider]: fastSettings(fake.baseURL) },
      projectDirectory: '/tmp',
      env: { [providerCase.keyVariable]: 'not-the-right-key-123456' },
    });
    const model = await wrongKey.resolveImageModel(requireModelReference(providerCase.reference));
    const denied = await failure(generateImage({ model, prompt: 'x', size: '1024x1024' }));
    expect(denied.message).toMatch(/rejected the credentials|HTTP 40[013]/);
    expect(denied.message).not.toContain('not-the-right-key-123456');
  });
});

describe('provider limits', () => {
  it('keeps at most `concurrency` calls in flight and spaces starts by requestsPerMinute', async () => {
    const fake = await FakeOpenai.start({ apiKey: 'sk-limit-test-0123456789', latencyMs: 120 });
    fakes.push(fake);
    const registry = createModelRegistry({
      providers: { openai: fastSettings(fake.baseURL, { concurrency: 2, requestsPerMinute: 1200 }) },
      projectDirectory: '/tmp',
      env: { OPENAI_API_KEY: 'sk-limit-test-0123456789' },
    });
    // Two models of one provider share its limits.
    const first = await registry.resolveImageModel(requireModelReference('openai:gpt-image-1'));
    const second = await registry.resolveImageModel(requireModelReference('openai:dall-e-2'));
    const origin = performance.now();
    await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        generateImage({ model: index % 2 ? first : second, prompt: `shot ${index}`, size: '256x256' }),
      ),
    );
    expect(fake.paidCalls).toBe(6);
    expect(fake.maxInFlight).toBe(2);
    // 1200 per minute = one start every 50 ms: request i cannot arrive before 50 ms x i after the
    // calls began (timers fire late, never early; without the limit, pairs arrive together).
    for (const [index, time] of fake.arrivals.entries()) {
      expect(time - origin).toBeGreaterThanOrEqual(index * 50 - 2);
    }
  });

  it('stops retrying when the caller aborts', async () => {
    const fake = await FakeOpenai.start({ apiKey: 'sk-abort-test-0123456789' });
    fakes.push(fake);
    const registry = createModelRegistry({
      providers: { openai: fastSettings(fake.baseURL, { retryBaseSeconds: 5, maxRetryWaitSeconds: 30 }) },
      projectDirectory: '/tmp',
      env: { OPENAI_API_KEY: 'sk-abort-test-0123456789' },
    });
    const model = await registry.resolveImageModel(requireModelReference('openai:gpt-image-1'));
    fake.inject({ kind: 'status', status: 500 });
    const controller = new AbortController();
    // Abort once the first attempt has reached the provider (a fixed delay raced the request on a
    // loaded machine), so the abort lands in the retry's backoff.
    const abortAfterFirstAttempt = setInterval(() => {
      if (fake.generationRequests.length === 0) return;
      clearInterval(abortAfterFirstAttempt);
      controller.abort();
    }, 5);
    const started = performance.now();
    await expect(
      generateImage({ model, prompt: 'x', size: '1024x1024', abortSignal: controller.signal }),
    ).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(2000);
    expect(fake.generationRequests).toHaveLength(1);
  });
});
