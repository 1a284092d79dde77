import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeQuestion } from '../../test/fakes/fake-chat-completions.ts';
import { FakeGemini } from '../../test/fakes/fake-gemini.ts';
import { createTempProject, smallCampaign, type TempProject } from '../../test/helpers/temp-project.ts';
import { loadCampaign } from '../config/load-campaign.ts';
import { requireModelReference } from '../config/model-reference.ts';
import { AtelierError } from '../errors.ts';
import { runCampaign } from '../pipeline/run-campaign.ts';
import {
  campaignValidationContext,
  createModelRegistry,
  modelRegistryForCampaign,
} from '../runtime/wiring.ts';
import { judgeImage } from './judge-image.ts';
import { generateQuestions } from './judge-questions.ts';

const key = 'gemini-judge-test-key';
const reference = 'google:gemini-2.5-flash';

const tulipQuestions: FakeQuestion[] = [
  { id: 'tulips', question: 'Are there tulips?', category: 'entity', dependsOn: [] },
  { id: 'red', question: 'Are the tulips red?', category: 'attribute', dependsOn: ['tulips'] },
  { id: 'vase', question: 'Is there a vase?', category: 'entity', dependsOn: [] },
];

let fake: FakeGemini | undefined;
const projects: TempProject[] = [];
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  await Promise.all(projects.splice(0).map((created) => created.cleanup()));
});

const image = async (size = 8) => ({
  bytes: new Uint8Array(
    await sharp({ create: { width: size, height: size, channels: 3, background: '#c33' } })
      .png()
      .toBuffer(),
  ),
  mediaType: 'image/png',
});

const startFake = (answer: (id: string) => 'yes' | 'no' = () => 'yes') =>
  FakeGemini.start({
    apiKey: key,
    questions: () => tulipQuestions,
    answer: ({ id }) => ({ answer: answer(id), pYes: answer(id) === 'yes' ? 0.9 : 0.1 }),
  });

/** The Gemini judge as a run binds it: the provider table, the real @ai-sdk/google, the middleware. */
async function geminiJudge(server: FakeGemini, settings: Record<string, unknown> = {}) {
  const registry = createModelRegistry({
    projectDirectory: '.',
    providers: { google: { baseURL: server.baseURL, retryBaseSeconds: 0, ...settings } },
    env: { GOOGLE_GENERATIVE_AI_API_KEY: key },
  });
  return await registry.resolveLanguageModel(requireModelReference(reference));
}

describe('the judge through google:gemini-2.5-flash (@ai-sdk/google, generateContent)', () => {
  it('writes questions with categories and dependencies, asked with responseMimeType and an OpenAPI responseSchema', async () => {
    fake = await startFake();
    const { questions } = await generateQuestions(await geminiJudge(fake), 'a red tulip in a vase');
    expect(questions).toEqual(tulipQuestions);
    const [request] = fake.calls;
    expect(request!.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(request!.headers['x-goog-api-key']).toBe(key);
    const body = fake.bodies[0];
    expect(body.systemInstruction.parts[0].text).toMatch(/atomic yes\/no questions/);
    expect(body.contents[0].parts[0].text).toContain('a red tulip in a vase');
    expect(body.generationConfig.responseMimeType).toBe('application/json');
    expect(
      body.generationConfig.responseSchema.properties.questions.items.properties.category.enum,
    ).toContain('spatial');
    expect(body.generationConfig.temperature).toBe(0);
  });

  it('sends the image as an inlineData part and scores the answers; P(yes) stays unknown, since @ai-sdk/google cannot ask for logprobs', async () => {
    fake = await startFake((id) => (id === 'tulips' ? 'no' : 'yes'));
    const picture = await image();
    const adherence = await judgeImage(await geminiJudge(fake), picture, tulipQuestions);
    const parts = fake.bodies[0].contents.at(-1).parts;
    const inline = parts.find((part: any) => part.inlineData).inlineData;
    expect(inline.mimeType).toBe('image/png');
    expect(Buffer.from(inline.data, 'base64').equals(Buffer.from(picture.bytes))).toBe(true);
    // No tulips: the "red" yes is zeroed by its parent; only the vase counts.
    expect(adherence.score).toBeCloseTo(1 / 3);
    expect(adherence.judge).toBe(reference);
    // The package has no provider option for responseLogprobs, so none is asked for or recorded.
    expect(fake.bodies[0].generationConfig).not.toHaveProperty('responseLogprobs');
    expect(adherence.questions.every((question) => question.pYes === undefined)).toBe(true);
    expect(adherence.meanPYes).toBeUndefined();
  });

  it('the fake returns logprobsResult when a request asks for it: the unknown P(yes) is the package’s limit', async () => {
    fake = await startFake();
    const response = await fetch(`${fake.baseURL}/models/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': key },
      body: JSON.stringify({
        contents: [
          {
            role: 'user',
            parts: [
              { text: 'tulips: Are there tulips?' },
              {
                inlineData: {
                  mimeType: 'image/png',
                  data: Buffer.from((await image()).bytes).toString('base64'),
                },
              },
            ],
          },
        ],
        generationConfig: {
          responseMimeType: 'application/json',
          responseSchema: { type: 'object' },
          responseLogprobs: true,
          logprobs: 2,
        },
      }),
    });
    const candidate = ((await response.json()) as any).candidates[0];
    const chosen = candidate.logprobsResult.chosenCandidates;
    const at = chosen.findIndex((step: any) => step.token === 'yes');
    expect(chosen[at].logProbability).toBeCloseTo(Math.log(0.9), 9);
    expect(candidate.logprobsResult.topCandidates[at].candidates.map((c: any) => c.token)).toEqual([
      'yes',
      'no',
    ]);
  });

  it('retries a 429 and an answer that is not JSON, then fails clearly once retries are spent', async () => {
    fake = await startFake();
    fake.failNext({ kind: 'status', status: 429 }, { kind: 'malformed' });
    const adherence = await judgeImage(await geminiJudge(fake), await image(), tulipQuestions);
    expect(adherence.score).toBe(1);
    expect(adherence.call.attempts).toBe(3);
    expect(fake.calls).toHaveLength(3);

    fake.failNext({ kind: 'malformed' }, { kind: 'status', status: 429 }, { kind: 'malformed' });
    const failure = await judgeImage(
      await geminiJudge(fake, { retries: 2 }),
      await image(),
      tulipQuestions,
    ).catch((error: unknown) => error);
    expect(AtelierError.isInstance(failure)).toBe(true);
    expect((failure as AtelierError).code).toBe('PROVIDER_FAILED');
    expect((failure as Error).message).toMatch(
      /google:gemini-2\.5-flash failed after 3 attempts.*\[attempts: malformed-response, rate-limited, malformed-response\]/,
    );
    expect((failure as Error).message).not.toContain(key);
  });

  it('waits as long as a quota 429’s RetryInfo says, and gives up on a wait beyond maxRetryWaitSeconds', async () => {
    fake = await startFake();
    fake.failNext({ kind: 'status', status: 429, retryDelay: '0.4s' });
    const started = performance.now();
    const adherence = await judgeImage(await geminiJudge(fake), await image(), tulipQuestions);
    // The backoff alone would be about 100 ms (retryBaseSeconds: 0): the wait came from the body.
    expect(performance.now() - started).toBeGreaterThanOrEqual(380);
    expect(adherence.call.attempts).toBe(2);

    fake.failNext({ kind: 'status', status: 429, retryDelay: '120s' });
    const failure = await judgeImage(
      await geminiJudge(fake, { maxRetryWaitSeconds: 1 }),
      await image(),
      tulipQuestions,
    ).catch((error: unknown) => error as Error);
    expect((failure as Error).message).toMatch(/HTTP 429.*gave up because it asked to wait 120 s/);
  });

  it('prices a call from usageMetadata with providers.google.tokenPrices, image tokens included', async () => {
    fake = await startFake();
    const judge = await geminiJudge(fake, {
      tokenPrices: { 'gemini-2.5-flash': { inputPerMillion: 0.3, outputPerMillion: 2.5 } },
    });
    const adherence = await judgeImage(judge, await image(512), tulipQuestions);
    const { inputTokens, outputTokens } = adherence.call;
    // A 512-pixel square is one 768-pixel tile: 258 image tokens on top of the text.
    expect(inputTokens).toBeGreaterThan(258);
    expect(outputTokens).toBeGreaterThan(0);
    expect(adherence.costUsd).toBeCloseTo((inputTokens! * 0.3 + outputTokens! * 2.5) / 1e6, 12);
  });

  it('in a run: records the answers, and a second run asks Gemini nothing', async () => {
    fake = await startFake((id) => (id === 'red' ? 'no' : 'yes'));
    const base = smallCampaign();
    const created = await createTempProject({
      ...base,
      models: { compose: 'builtin:draft', judge: reference },
      providers: { google: { baseURL: fake.baseURL, retryBaseSeconds: 0 } },
      pipeline: { seeds: 1, concurrency: 1, stages: [{ stage: 'compose', size: '96x96' }] },
      shots: [(base.shots as unknown[])[0]],
    });
    projects.push(created);
    const run = async () => {
      const loaded = await loadCampaign(created.configPath, campaignValidationContext());
      return runCampaign({
        loaded,
        registry: modelRegistryForCampaign(loaded, { env: { GOOGLE_GENERATIVE_AI_API_KEY: key } }),
      });
    };
    const first = await run();
    expect(first.status).toBe('completed');
    expect(first.adherence).toMatchObject({ measured: true, images: 1, judge: reference });
    expect(first.adherence).toHaveProperty('mean', expect.closeTo(2 / 3, 4));
    expect(first.adherence).not.toHaveProperty('meanPYes');
    expect(fake.calls).toHaveLength(2);
    const second = await run();
    expect(second.status).toBe('completed');
    expect(second.cacheHits).toBe(1);
    expect(fake.calls).toHaveLength(2);
  });
});
