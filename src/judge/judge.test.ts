import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeChatCompletions, type FakeQuestion } from '../../test/fakes/fake-chat-completions.ts';
import { requireModelReference } from '../config/model-reference.ts';
import { AtelierError } from '../errors.ts';
import { createModelRegistry } from '../runtime/wiring.ts';
import { scoreAdherence } from './adherence-score.ts';
import { judgeImage } from './judge-image.ts';
import { generateQuestions } from './judge-questions.ts';

const tulipQuestions: FakeQuestion[] = [
  { id: 'tulips', question: 'Are there tulips?', category: 'entity', dependsOn: [] },
  { id: 'red', question: 'Are the tulips red?', category: 'attribute', dependsOn: ['tulips'] },
  { id: 'three', question: 'Are there exactly three tulips?', category: 'count', dependsOn: ['tulips'] },
  { id: 'vase', question: 'Is there a vase?', category: 'entity', dependsOn: [] },
  {
    id: 'in-vase',
    question: 'Are the tulips in the vase?',
    category: 'spatial',
    dependsOn: ['tulips', 'vase'],
  },
];

let fake: FakeChatCompletions | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const image = async () => ({
  bytes: new Uint8Array(
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#c33' } })
      .png()
      .toBuffer(),
  ),
  mediaType: 'image/png',
});

/** The judge as a run binds it: through the provider table, the real package and its middleware. */
async function judgeFor(
  reference: string,
  server: FakeChatCompletions,
  settings: Record<string, unknown> = {},
) {
  const provider = reference.split(':')[0]!;
  const registry = createModelRegistry({
    projectDirectory: '.',
    providers: { [provider]: { baseURL: server.baseURL, retryBaseSeconds: 0, ...settings } },
    env: { OPENAI_API_KEY: 'sk-judge-test' },
  });
  return await registry.resolveLanguageModel(requireModelReference(reference));
}

describe.each([
  ['openai:gpt-4.1-mini', 'sk-judge-test'],
  ['openai-compatible:qwen2.5-vl-7b', undefined],
])('the judge through %s', (reference, apiKey) => {
  it('writes atomic questions with categories and dependencies, asked with a json_schema response format', async () => {
    fake = await FakeChatCompletions.start({
      apiKey,
      questions: () => tulipQuestions,
      answer: () => ({ answer: 'yes', pYes: 1 }),
    });
    const { questions } = await generateQuestions(
      await judgeFor(reference, fake),
      'three red tulips in a vase',
    );
    expect(questions).toEqual(tulipQuestions);
    const body = fake.bodies[0];
    expect(body.response_format.type).toBe('json_schema');
    expect(
      body.response_format.json_schema.schema.properties.questions.items.properties.category.enum,
    ).toContain('spatial');
    expect(JSON.stringify(body.messages)).toContain('three red tulips in a vase');
  });

  it('sends the image as a content part and reads P(yes) from the answer tokens’ log-probabilities', async () => {
    const pYes: Record<string, number> = { tulips: 0.97, red: 0.81, three: 0.3, vase: 0.9, 'in-vase': 0.6 };
    fake = await FakeChatCompletions.start({
      apiKey,
      questions: () => tulipQuestions,
      answer: ({ id }) => ({ answer: pYes[id]! >= 0.5 ? 'yes' : 'no', pYes: pYes[id]! }),
    });
    const adherence = await judgeImage(await judgeFor(reference, fake), await image(), tulipQuestions);
    const body = fake.bodies[0];
    const parts = body.messages.at(-1).content;
    expect(parts.find((part: any) => part.type === 'image_url').image_url.url).toMatch(
      /^data:image\/png;base64,/,
    );
    expect(body.logprobs).toBe(true);
    expect(body.top_logprobs).toBe(5);
    for (const question of adherence.questions) expect(question.pYes).toBeCloseTo(pYes[question.id]!, 4);
    const mean = Object.values(pYes).reduce((sum, p) => sum + p, 0) / 5;
    expect(adherence.meanPYes).toBeCloseTo(mean, 4);
    expect(adherence.score).toBe(4 / 5);
    expect(adherence.categories.count).toEqual({ yes: 0, total: 1 });
  });
});

describe('questions as the judge writes them', () => {
  it('drops dependencies on unknown or later questions and renumbers duplicate ids, so no cycle can zero everything', async () => {
    fake = await FakeChatCompletions.start({
      apiKey: 'sk-judge-test',
      questions: () => [
        { id: 'a', question: 'A?', category: 'entity', dependsOn: ['b'] },
        { id: 'b', question: 'B?', category: 'attribute', dependsOn: ['a', 'ghost'] },
        { id: 'b', question: 'Another B?', category: 'style', dependsOn: ['a'] },
      ],
      answer: () => ({ answer: 'yes', pYes: 1 }),
    });
    const { questions } = await generateQuestions(await judgeFor('openai:gpt-4.1-mini', fake), 'a and b');
    expect(questions.map((question) => [question.id, question.dependsOn])).toEqual([
      ['a', []],
      ['b', ['a']],
      ['q3', ['a']],
    ]);
  });
});

describe('dependency-aware scoring', () => {
  it('counts a yes as no when a question it depends on is no', async () => {
    fake = await FakeChatCompletions.start({
      apiKey: 'sk-judge-test',
      questions: () => tulipQuestions,
      // The judge saw no tulips yet says they are red, three and in the vase: none of that counts.
      answer: ({ id }) => ({ answer: id === 'tulips' ? 'no' : 'yes', pYes: id === 'tulips' ? 0.1 : 0.9 }),
    });
    const adherence = await judgeImage(
      await judgeFor('openai:gpt-4.1-mini', fake),
      await image(),
      tulipQuestions,
    );
    expect(adherence.score).toBe(1 / 5);
    const byId = Object.fromEntries(adherence.questions.map((question) => [question.id, question]));
    expect(byId.red).toMatchObject({ answer: 'yes', counted: 'no', zeroedBy: 'tulips' });
    expect(byId['in-vase']).toMatchObject({ answer: 'yes', counted: 'no', zeroedBy: 'tulips' });
    expect(byId.vase).toMatchObject({ answer: 'yes', counted: 'yes' });
  });

  it('zeroes grandchildren through a zeroed parent', () => {
    const chain = [
      { id: 'a', question: 'A?', category: 'entity' as const, dependsOn: [] },
      { id: 'b', question: 'B?', category: 'attribute' as const, dependsOn: ['a'] },
      { id: 'c', question: 'C?', category: 'attribute' as const, dependsOn: ['b'] },
    ];
    const scored = scoreAdherence(chain, [
      { id: 'a', answer: 'yes' },
      { id: 'b', answer: 'no' },
      { id: 'c', answer: 'yes' },
    ]);
    expect(scored.questions.map((question) => question.counted)).toEqual(['yes', 'no', 'no']);
    expect(scored.score).toBeCloseTo(1 / 3);
    expect(scored.meanPYes).toBeUndefined();
  });
});

describe('judge faults', () => {
  const start = () =>
    FakeChatCompletions.start({
      apiKey: 'sk-judge-test',
      questions: () => tulipQuestions,
      answer: () => ({ answer: 'yes', pYes: 0.9 }),
    });

  it('retries a 429 (honouring Retry-After) and an answer that is not JSON, then succeeds', async () => {
    fake = await start();
    fake.failNext({ kind: 'status', status: 429, headers: { 'retry-after': '0' } }, { kind: 'malformed' });
    const adherence = await judgeImage(
      await judgeFor('openai:gpt-4.1-mini', fake),
      await image(),
      tulipQuestions,
    );
    expect(adherence.score).toBe(1);
    expect(fake.completions).toHaveLength(3);
    expect(adherence.call.attempts).toBe(3);
  });

  it('fails clearly once retries are spent on malformed answers', async () => {
    fake = await start();
    fake.failNext({ kind: 'malformed' }, { kind: 'malformed' }, { kind: 'malformed' });
    const judge = await judgeFor('openai:gpt-4.1-mini', fake, { retries: 2 });
    const failure = await judgeImage(judge, await image(), tulipQuestions).catch((error: unknown) => error);
    expect(AtelierError.isInstance(failure)).toBe(true);
    expect((failure as AtelierError).code).toBe('PROVIDER_FAILED');
    expect((failure as Error).message).toMatch(
      /openai:gpt-4\.1-mini failed after 3 attempts: the answer was not the JSON asked for.*\[attempts: malformed-response, malformed-response, malformed-response\]/,
    );
    expect(fake.completions).toHaveLength(3);
  });

  it('does not retry a rejected key, and never prints it', async () => {
    fake = await FakeChatCompletions.start({
      apiKey: 'sk-the-right-one',
      questions: () => tulipQuestions,
      answer: () => ({ answer: 'yes', pYes: 0.9 }),
    });
    const failure = await generateQuestions(await judgeFor('openai:gpt-4.1-mini', fake), 'tulips').catch(
      (error: unknown) => error as Error,
    );
    expect((failure as Error).message).toMatch(/rejected the credentials \(check OPENAI_API_KEY\)/);
    expect((failure as Error).message).not.toContain('sk-judge-test');
    expect(fake.completions).toHaveLength(0);
  });

  it('prices a call from its token usage', async () => {
    fake = await start();
    const judge = await judgeFor('openai:gpt-4.1-mini', fake, {
      tokenPrices: { 'gpt-4.1-mini': { inputPerMillion: 0.4, outputPerMillion: 1.6 } },
    });
    const adherence = await judgeImage(judge, await image(), tulipQuestions);
    const { inputTokens, outputTokens } = adherence.call;
    expect(inputTokens).toBeGreaterThan(0);
    expect(adherence.costUsd).toBeCloseTo((inputTokens! * 0.4 + outputTokens! * 1.6) / 1e6, 12);
  });
});
