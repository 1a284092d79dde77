import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeChatCompletions, type FakeQuestion } from '../../test/fakes/fake-chat-completions.ts';
import { FakeOpenai } from '../../test/fakes/fake-openai.ts';
import { runCli } from '../../test/helpers/run-cli.ts';
import { createTempProject, smallCampaign, type TempProject } from '../../test/helpers/temp-project.ts';
import type { JobRecord } from '../ledger/ledger.ts';
import { bootstrapInterval, quantileOfSorted } from '../util/bootstrap-interval.ts';
import { benchBootstrapSeed, pairedComparisons, setupAdherence } from './bench-adherence.ts';
import { benchResultSchema } from './bench-schema.ts';

/**
 * The exact bootstrap distribution of the mean of `values`: every one of the n^n resamples
 * with replacement, enumerated (what the seeded Monte Carlo bootstrap approximates).
 */
function exactBootstrapMeans(values: number[]): number[] {
  const n = values.length;
  const means: number[] = [];
  const indices = new Array<number>(n).fill(0);
  for (;;) {
    means.push(indices.reduce((sum, index) => sum + values[index]!, 0) / n);
    let position = 0;
    while (position < n && ++indices[position]! === n) indices[position++] = 0;
    if (position === n) break;
  }
  return means.sort((a, b) => a - b);
}

function judgedJob(
  shotId: string,
  seedIndex: number,
  score: number,
  categories: Record<string, [number, number]>,
) {
  return {
    stage: 'compose',
    status: 'done',
    attempt: 0,
    shotId,
    seedIndex,
    details: {
      adherence: {
        judge: 'openai:gpt-4.1-mini',
        score,
        questions: [],
        categories: Object.fromEntries(
          Object.entries(categories).map(([name, [yes, total]]) => [name, { yes, total }]),
        ),
        costUsd: 0.001,
        call: {},
      },
    },
  } as unknown as JobRecord;
}

describe('bootstrap confidence intervals', () => {
  it('match the exact bootstrap distribution of a known answer set', () => {
    // Six images' adherence: shares of 4, 5 or 6 questions answered yes.
    const scores = [1, 0.75, 0.8, 0.5, 1, 2 / 3];
    const exact = exactBootstrapMeans(scores);
    const direct = {
      mean: scores.reduce((sum, score) => sum + score, 0) / scores.length,
      low: quantileOfSorted(exact, 0.025),
      high: quantileOfSorted(exact, 0.975),
    };
    const interval = bootstrapInterval(scores, { seed: benchBootstrapSeed, resamples: 20_000 });
    expect(interval.mean).toBeCloseTo(direct.mean, 12);
    // Monte Carlo error of a 2.5% quantile over 20,000 draws is well under one point here.
    expect(Math.abs(interval.low - direct.low)).toBeLessThan(0.01);
    expect(Math.abs(interval.high - direct.high)).toBeLessThan(0.01);
    expect(bootstrapInterval(scores, { seed: benchBootstrapSeed, resamples: 20_000 })).toEqual(interval);
  });

  it('collapse to the mean when every image scores the same', () => {
    const interval = bootstrapInterval([0.8, 0.8, 0.8], { seed: 3 });
    for (const value of Object.values(interval)) expect(value).toBeCloseTo(0.8, 12);
  });

  it('give a setup its mean, category tallies and interval, and pair setups on the same shots and seeds', () => {
    const a = setupAdherence([
      judgedJob('tulips', 0, 1, { entity: [2, 2], attribute: [1, 1] }),
      judgedJob('tulips', 1, 0.5, { entity: [1, 2], attribute: [1, 2] }),
      judgedJob('bottle', 0, 0.25, { entity: [1, 2], count: [0, 2] }),
    ])!;
    const b = setupAdherence([
      judgedJob('tulips', 0, 0.75, { entity: [2, 2], attribute: [1, 2] }),
      judgedJob('tulips', 1, 1, { entity: [2, 2], attribute: [2, 2] }),
      judgedJob('bottle', 0, 0.5, { entity: [2, 2], count: [0, 2] }),
      // A rejected re-roll is another image: not part of the comparison.
      { ...judgedJob('bottle', 0, 1, { entity: [2, 2] }), attempt: 1 },
    ])!;
    expect(a.adherence.mean).toBeCloseTo((1 + 0.5 + 0.25) / 3, 12);
    expect(a.categories).toEqual({
      entity: { yes: 4, total: 6 },
      attribute: { yes: 2, total: 3 },
      count: { yes: 0, total: 2 },
    });
    expect(a.adherence.low).toBeLessThanOrEqual(a.adherence.mean);
    expect(a.adherence.high).toBeGreaterThanOrEqual(a.adherence.mean);
    expect(b.images).toHaveLength(3);
    const [comparison] = pairedComparisons([
      { label: 'a', adherence: a },
      { label: 'b', adherence: b },
    ]);
    const differences = [0.75 - 1, 1 - 0.5, 0.5 - 0.25];
    expect(comparison).toMatchObject({ baseline: 'a', setup: 'b', pairs: 3 });
    expect(comparison!.difference).toEqual(bootstrapInterval(differences, { seed: benchBootstrapSeed }));
  });
});

const questions: FakeQuestion[] = [
  { id: 'subject', question: 'Is the main subject shown?', category: 'entity', dependsOn: [] },
  {
    id: 'colour',
    question: 'Is the subject in spring colours?',
    category: 'attribute',
    dependsOn: ['subject'],
  },
  { id: 'light', question: 'Is it lit as the prompt says?', category: 'style', dependsOn: [] },
  { id: 'one', question: 'Is there exactly one subject?', category: 'count', dependsOn: ['subject'] },
];

const projects: TempProject[] = [];
const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await Promise.all(projects.splice(0).map((created) => created.cleanup()));
});

describe('atelier bench --judge', () => {
  it('prints adherence with intervals per setup, by category, and paired, asking for questions once', async () => {
    const images = await FakeOpenai.start({ apiKey: 'sk-bench-images' });
    // The judge's verdict depends on the image and the question only: the same image always scores the same.
    const judge = await FakeChatCompletions.start({
      questions: () => questions,
      answer: ({ imageSha256, id }) => {
        const roll = createHash('sha256').update(`${imageSha256}:${id}`).digest()[0]! / 255;
        return { answer: roll < 0.7 ? 'yes' : 'no', pYes: roll < 0.7 ? 0.9 - roll / 4 : 0.3 };
      },
    });
    servers.push(images, judge);
    const created = await createTempProject(
      smallCampaign({
        providers: {
          openai: { baseURL: images.baseURL, prices: { 'gpt-image-1': 0.04 } },
          'openai-compatible': {
            baseURL: judge.baseURL,
            tokenPrices: { 'qwen2.5-vl-7b': { inputPerMillion: 0.1, outputPerMillion: 0.2 } },
          },
        },
        pipeline: { seeds: 1, concurrency: 2, stages: [{ stage: 'compose', size: '1024x1024' }] },
      }),
    );
    projects.push(created);
    const out = join(created.directory, 'bench-out');
    const bench = () =>
      runCli(
        [
          'bench',
          created.directory,
          '--models',
          'builtin:draft,openai:gpt-image-1',
          '--judge',
          'openai-compatible:qwen2.5-vl-7b',
          '--seeds',
          '1..3',
          '--sweep',
          '',
          '--out',
          out,
        ],
        { env: { OPENAI_API_KEY: 'sk-bench-images' } },
      );
    const result = await bench();
    expect(result.stderr).toContain('bench: judge openai-compatible:qwen2.5-vl-7b: questions for 3 shots');
    expect(
      result.stderr
        .split('\n')
        .filter((line) => !line.startsWith('bench:'))
        .join('\n'),
    ).toBe('');
    expect(result.code).toBe(0);
    // Three prompts: three question calls; 3 shots x 3 seeds x 2 setups: eighteen answering calls.
    expect(judge.completions.length - judge.answeringCalls).toBe(3);
    expect(judge.answeringCalls).toBe(18);
    const written = benchResultSchema.parse(JSON.parse(await readFile(join(out, 'bench.json'), 'utf8')));
    expect(written.judge).toBe('openai-compatible:qwen2.5-vl-7b');
    for (const setup of written.setups) {
      const figures = setup.adherence!;
      expect(figures.images).toHaveLength(9);
      const mean = figures.images.reduce((sum, image) => sum + image.score, 0) / 9;
      expect(figures.adherence.mean).toBeCloseTo(mean, 12);
      expect(figures.adherence).toEqual(
        bootstrapInterval(
          figures.images.map((image) => image.score),
          { seed: benchBootstrapSeed },
        ),
      );
      expect(figures.categories.entity!.total).toBe(9);
      expect(figures.judgeCostUsd).toBeGreaterThan(0);
    }
    expect(written.comparisons).toEqual([
      expect.objectContaining({ baseline: 'builtin:draft', setup: 'openai:gpt-image-1', pairs: 9 }),
    ]);
    // The questions were written once, before any setup ran: their cost is on its own line.
    expect(written.questions).toMatchObject({
      writer: 'openai-compatible:qwen2.5-vl-7b',
      prompts: 3,
      written: 3,
    });
    expect(written.questions!.costUsd).toBeGreaterThan(0);
    // builtin:draft renders for free, so its cost is its answers' and nothing of the questions'.
    const draft = written.setups.find((setup) => setup.label === 'builtin:draft')!;
    expect(draft.costUsd).toBeCloseTo(draft.adherence!.judgeCostUsd, 12);
    const markdown = await readFile(join(out, 'bench.md'), 'utf8');
    expect(markdown).toContain(
      `Question writing (once for every setup, in no setup's cost): openai-compatible:qwen2.5-vl-7b, 3 prompts (3 written now, 0 from the ledger), cost USD ${written.questions!.costUsd!.toFixed(4)}.`,
    );
    expect(markdown).toContain('| setup | s/image | adherence % [95% CI] | images | cost USD | USD/image |');
    expect(markdown).toMatch(/\| openai:gpt-image-1 vs builtin:draft \| 9 \| [+-]?\d+\.\d% \[/);
    expect(result.stdout).toContain(markdown.split('\n')[4]!);
    const chart = await readFile(join(out, 'bench.svg'), 'utf8');
    expect(chart).toContain('Prompt adherence (judge openai-compatible:qwen2.5-vl-7b; whiskers: 95% CI)');
    // One whisker per setup's adherence bar, labelled with its interval.
    expect(chart.match(/class="interval"/g)).toHaveLength(2);
    const [draftFigures] = written.setups.map((setup) => setup.adherence!.adherence);
    const percent = (value: number) => (value * 100).toFixed(1);
    expect(chart).toContain(
      `${percent(draftFigures!.mean)} % [${percent(draftFigures!.low)}, ${percent(draftFigures!.high)}]`,
    );

    // The questions are kept in the project's ledger: a second bench asks only for answers.
    const before = judge.completions.length;
    expect((await bench()).code).toBe(0);
    expect(judge.completions.length - before).toBe(18);
    const again = benchResultSchema.parse(JSON.parse(await readFile(join(out, 'bench.json'), 'utf8')));
    expect(again.questions).toEqual({
      writer: 'openai-compatible:qwen2.5-vl-7b',
      prompts: 3,
      written: 0,
      costUsd: 0,
    });
  }, 120_000);

  it('says adherence is not measured without a judge', async () => {
    const created = await createTempProject(
      smallCampaign({ pipeline: { seeds: 1, stages: [{ stage: 'compose', size: '64x64' }] } }),
    );
    projects.push(created);
    const out = join(created.directory, 'bench-out');
    const result = await runCli([
      'bench',
      created.directory,
      '--seeds',
      '1',
      '--shots',
      '1',
      '--sweep',
      '',
      '--out',
      out,
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('| builtin:draft |');
    expect(result.stdout).toContain('not measured (no judge model)');
  }, 60_000);
});
