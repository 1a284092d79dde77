import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeChatCompletions, type FakeQuestion } from '../../test/fakes/fake-chat-completions.ts';
import { createTempProject, smallCampaign, type TempProject } from '../../test/helpers/temp-project.ts';
import { loadCampaign } from '../config/load-campaign.ts';
import type { AtelierError } from '../errors.ts';
import { campaignValidationContext, modelRegistryForCampaign } from '../runtime/wiring.ts';
import { runCampaign } from './run-campaign.ts';
import { openWorkspace } from './workspace.ts';

const questions: FakeQuestion[] = [
  { id: 'tulips', question: 'Are there tulips?', category: 'entity', dependsOn: [] },
  { id: 'light', question: 'Is it morning light?', category: 'style', dependsOn: [] },
  { id: 'spring', question: 'Are the tulips in bloom?', category: 'attribute', dependsOn: ['tulips'] },
];

const projects: TempProject[] = [];
let fake: FakeChatCompletions | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  await Promise.all(projects.splice(0).map((created) => created.cleanup()));
});

/** One shot at one seed, composed by the built-in draft model and judged through openai-compatible. */
async function judgedProject(overrides: Record<string, unknown> = {}) {
  const base = smallCampaign();
  const created = await createTempProject({
    ...base,
    models: { compose: 'builtin:draft', judge: 'openai-compatible:qwen2.5-vl-7b' },
    providers: { 'openai-compatible': { baseURL: fake!.baseURL, retryBaseSeconds: 0 } },
    pipeline: { seeds: 1, concurrency: 1, stages: [{ stage: 'compose', size: '96x96' }] },
    shots: [(base.shots as unknown[])[0]],
    ...overrides,
  });
  projects.push(created);
  return created;
}

async function run(created: TempProject) {
  const loaded = await loadCampaign(created.configPath, campaignValidationContext());
  return runCampaign({ loaded, registry: modelRegistryForCampaign(loaded) });
}

function composeJobs(created: TempProject, runId: string) {
  const workspace = openWorkspace(created.directory);
  try {
    return workspace.ledger.jobs(runId).filter((job) => job.stage === 'compose');
  } finally {
    workspace.close();
  }
}

describe('prompt adherence in a run', () => {
  it('records every answer in the manifest, keeps the questions in the ledger, and asks nothing on a second run', async () => {
    fake = await FakeChatCompletions.start({
      questions: () => questions,
      answer: ({ id }) => ({ answer: id === 'light' ? 'no' : 'yes', pYes: id === 'light' ? 0.2 : 0.95 }),
    });
    const created = await judgedProject();
    const first = await run(created);
    expect(first.status).toBe('completed');
    expect(first.adherence).toMatchObject({
      measured: true,
      images: 1,
      judge: 'openai-compatible:qwen2.5-vl-7b',
    });
    expect(first.adherence).toHaveProperty('meanPYes', expect.closeTo((0.95 + 0.2 + 0.95) / 3, 4));
    // One call writes the shot's questions, one answers them about the image.
    expect(fake.completions).toHaveLength(2);
    const [job] = composeJobs(created, first.runId);
    const adherence = job!.details!.adherence as Record<string, any>;
    expect(adherence.score).toBeCloseTo(2 / 3);
    expect(adherence.judge).toBe('openai-compatible:qwen2.5-vl-7b');
    expect(adherence.questions.map((question: any) => [question.id, question.answer, question.pYes])).toEqual(
      [
        ['tulips', 'yes', 0.95],
        ['light', 'no', 0.2],
        ['spring', 'yes', 0.95],
      ],
    );
    const manifests = (await readdir(first.runDirectory, { recursive: true })).filter((path) =>
      path.endsWith('.png.json'),
    );
    expect(manifests).toHaveLength(1);
    const manifest = JSON.parse(await readFile(join(first.runDirectory, manifests[0]!), 'utf8'));
    expect(manifest.details.adherence.questions.map((question: any) => question.counted)).toEqual([
      'yes',
      'no',
      'yes',
    ]);
    const workspace = openWorkspace(created.directory);
    expect(workspace.ledger.judgeQuestionsFor('spring tulips in morning light')[0]?.questions).toEqual(
      questions,
    );
    workspace.close();

    const second = await run(created);
    expect(second.status).toBe('completed');
    expect(second.cacheHits).toBe(1);
    expect(fake.completions).toHaveLength(2);
  });

  it('uses a shot’s own questions instead of asking the judge for them', async () => {
    fake = await FakeChatCompletions.start({
      questions: () => {
        throw new Error('the judge was asked to write questions');
      },
      answer: () => ({ answer: 'yes', pYes: 0.9 }),
    });
    const base = smallCampaign();
    const shot = {
      ...(base.shots as Array<Record<string, unknown>>)[0],
      questions: [{ id: 'tulip', question: 'Is there a tulip?', category: 'entity' }],
    };
    const created = await judgedProject({ shots: [shot] });
    const summary = await run(created);
    expect(summary.status).toBe('completed');
    expect(fake.completions).toHaveLength(1);
    expect(fake.bodies[0].messages.at(-1).content[0].text).toContain('tulip: Is there a tulip?');
  });

  it('has a separately bound questions model write the questions, and the judge answer them', async () => {
    fake = await FakeChatCompletions.start({
      questions: () => {
        throw new Error('the judge was asked to write questions');
      },
      answer: () => ({ answer: 'yes', pYes: 0.8 }),
    });
    const writer = await FakeChatCompletions.start({
      apiKey: 'sk-writer',
      questions: () => questions,
      answer: () => {
        throw new Error('the questions model was asked to answer');
      },
    });
    try {
      const created = await judgedProject({
        models: {
          compose: 'builtin:draft',
          judge: 'openai-compatible:qwen2.5-vl-7b',
          questions: 'openai:gpt-4.1',
        },
        providers: {
          'openai-compatible': { baseURL: fake.baseURL, retryBaseSeconds: 0 },
          openai: { baseURL: writer.baseURL, apiKeyEnv: 'ATELIER_TEST_WRITER_KEY' },
        },
      });
      process.env.ATELIER_TEST_WRITER_KEY = 'sk-writer';
      const summary = await run(created);
      expect(summary.status).toBe('completed');
      expect(writer.completions).toHaveLength(1);
      expect(writer.bodies[0].model).toBe('gpt-4.1');
      expect(fake.answeringCalls).toBe(1);
      expect(fake.completions).toHaveLength(1);
      const workspace = openWorkspace(created.directory);
      expect(workspace.ledger.judgeQuestionsFor('spring tulips in morning light')[0]?.judge).toBe(
        'openai:gpt-4.1',
      );
      workspace.close();
    } finally {
      delete process.env.ATELIER_TEST_WRITER_KEY;
      await writer.close();
    }
  });

  it('re-rolls a seed the judge scores below qa.adherence.min and passes the next, keeping the rejected attempt', async () => {
    fake = await FakeChatCompletions.start({
      questions: () => questions,
      // The first composition shows none of it; the re-rolled one shows all of it.
      answer: ({ call }) => (call === 1 ? { answer: 'no', pYes: 0.05 } : { answer: 'yes', pYes: 0.9 }),
    });
    const created = await judgedProject({ qa: { adherence: { min: 0.8, rerolls: 2 } } });
    const summary = await run(created);
    expect(summary.status).toBe('completed');
    const jobs = composeJobs(created, summary.runId);
    expect(jobs.map((job) => [job.attempt, job.status])).toEqual([
      [0, 'rejected'],
      [1, 'done'],
    ]);
    expect(jobs[0]!.error).toBe('adherence 0% is below qa.adherence.min 80% (no: tulips, light, spring)');
    expect((jobs[0]!.details!.adherence as { score: number }).score).toBe(0);
    expect((jobs[1]!.details!.adherence as { score: number }).score).toBe(1);
    expect(jobs[1]!.seed).not.toBe(jobs[0]!.seed);
  });

  it('fails the shot when every re-roll stays below the mark', async () => {
    fake = await FakeChatCompletions.start({
      questions: () => questions,
      answer: () => ({ answer: 'no', pYes: 0.1 }),
    });
    const created = await judgedProject({ qa: { adherence: { min: 0.5, rerolls: 1 } } });
    const summary = await run(created);
    expect(summary.status).toBe('failed');
    expect(summary.failures[0]?.reason).toMatch(
      /adherence 0% is below qa\.adherence\.min 50%.*\(after 2 attempts\)/,
    );
  });

  it('stops before recording a run when the judge cannot write the questions', async () => {
    fake = await FakeChatCompletions.start({
      questions: () => questions,
      answer: () => ({ answer: 'yes', pYes: 1 }),
    });
    fake.failNext(...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 503 })));
    const created = await judgedProject({
      providers: { 'openai-compatible': { baseURL: fake.baseURL, retryBaseSeconds: 0, retries: 2 } },
    });
    const failure = await run(created).catch((error: AtelierError) => error);
    expect((failure as AtelierError).code).toBe('PROVIDER_FAILED');
    expect((failure as Error).message).toMatch(
      /^openai-compatible:qwen2\.5-vl-7b failed after 3 attempts: .*\[attempts: server-error, server-error, server-error\]$/,
    );
    const workspace = openWorkspace(created.directory);
    expect(workspace.ledger.runs({})).toHaveLength(0);
    workspace.close();
  });

  it('refuses qa.adherence without a judge bound', async () => {
    const created = await createTempProject(smallCampaign({ qa: { adherence: { min: 0.8 } } }));
    projects.push(created);
    const failure = await loadCampaign(created.configPath, campaignValidationContext()).catch(
      (error: AtelierError) => error,
    );
    expect((failure as AtelierError).code).toBe('CONFIG_INVALID');
    expect((failure as AtelierError).details.join('\n')).toMatch(
      /qa\.adherence is judged by the model bound to "judge", but models\.judge is not set/,
    );
  });

  it('refuses a judge from a provider without language models, naming the roles it plays', async () => {
    const created = await createTempProject(
      smallCampaign({ models: { compose: 'builtin:draft', judge: 'fal:fal-ai/fast-sdxl' } }),
    );
    projects.push(created);
    const failure = await loadCampaign(created.configPath, campaignValidationContext()).catch(
      (error: AtelierError) => error,
    );
    expect((failure as AtelierError).details.join('\n')).toMatch(
      /models\.judge: fal model "fal:fal-ai\/fast-sdxl" cannot play role "judge": it plays compose, ocr, typography, stylize, upscale/,
    );
  });

  it('changes nothing without a judge: no adherence recorded, no judge call', async () => {
    fake = await FakeChatCompletions.start({
      questions: () => questions,
      answer: () => ({ answer: 'yes', pYes: 1 }),
    });
    const created = await judgedProject({ models: { compose: 'builtin:draft' } });
    const summary = await run(created);
    expect(summary.status).toBe('completed');
    expect(composeJobs(created, summary.runId)[0]!.details!.adherence).toBeUndefined();
    expect(summary.adherence).toEqual({ measured: false, note: 'adherence: not measured (no judge model)' });
    expect(fake.completions).toHaveLength(0);
  });
});
