import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempProject, smallCampaign, type TempProject } from '../../test/helpers/temp-project.ts';
import type { JobRecord } from '../ledger/ledger.ts';
import { runCampaign } from '../pipeline/run-campaign.ts';
import type { RunSummary } from '../pipeline/run-events.ts';
import { renderRunReport } from './run-report.ts';

const projects: TempProject[] = [];
afterEach(async () => {
  await Promise.all(projects.splice(0).map((created) => created.cleanup()));
});

describe('run report', () => {
  it('is a self-contained page with every shot, its stage strip, timings and the lock', async () => {
    const created = await createTempProject(smallCampaign());
    projects.push(created);
    const summary = await runCampaign({ loaded: await created.load() });
    const html = await readFile(join(summary.runDirectory, 'report.html'), 'utf8');
    for (const chain of ['tulips-0', 'tulips-1', 'bottle-0', 'meadow-0', 'meadow-1']) {
      expect(html).toContain(`id="${chain}"`);
    }
    // Every stage of every shot shows a preview inlined as data, nothing fetched from elsewhere.
    expect(
      html.match(/<div class="stage"><img alt="(compose|export)" src="data:image\/jpeg;base64,/g),
    ).toHaveLength(10);
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect(html).toContain('Median time per job, by stage');
    expect(html).toContain('&quot;reference&quot;: &quot;builtin:draft&quot;');
    expect(html).toContain(`run ${summary.runId}`);
    // No judge bound: said so, never a number.
    expect(html).toContain('<p class="adherence">adherence: not measured (no judge model)</p>');
    expect(html).not.toContain('<th>adherence</th>');
  });

  it('escapes text from the config: prompts, headlines, reasons and warnings', async () => {
    const prompt = 'tulips <script>alert("prompt")</script>';
    const headline = 'Spring "into" <script>colour</script>';
    const job = (attempt: number, overrides: Partial<JobRecord>): JobRecord => ({
      id: attempt + 1,
      runId: 'run-1',
      shotId: 'tulips',
      seedIndex: 0,
      attempt,
      stageIndex: 0,
      seed: 42 + attempt,
      stage: 'typography',
      status: 'done',
      attempts: 1,
      cacheKey: null,
      cacheHit: false,
      outputs: [],
      details: { prompt, headline },
      warnings: [`headline ${headline} was shortened`],
      error: null,
      startedAt: null,
      finishedAt: null,
      durationMs: 12,
      costUsd: null,
      ...overrides,
    });
    const summary = {
      runId: 'run-1',
      campaign: 'Spring <b>"launch"</b>',
      status: 'failed',
      failures: [{ shotId: 'tulips', seedIndex: 0, stage: 'typography', reason: `read "${headline}"` }],
      warnings: [`prompt ${prompt} is long`],
      chains: 1,
      chainsSucceeded: 0,
      outputs: 0,
      computedJobs: 2,
      cacheHits: 0,
      rerolls: 1,
      wallMs: 10,
      costUsd: 0,
    } as unknown as RunSummary;
    const html = await renderRunReport({
      summary,
      stages: ['typography'],
      shotOrder: ['tulips'],
      lock: { lockfileVersion: 1, models: {} },
      jobs: [job(0, { status: 'rejected', error: `headline read as "${headline}"` }), job(1, {})],
      contactSheetJpeg: undefined,
      preview: async () => undefined,
    });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>"launch"');
    expect(html).toContain('Spring &lt;b&gt;&quot;launch&quot;&lt;/b&gt;');
    const escapedHeadline = 'Spring &quot;into&quot; &lt;script&gt;colour&lt;/script&gt;';
    const escapedPrompt = 'tulips &lt;script&gt;alert(&quot;prompt&quot;)&lt;/script&gt;';
    // Stage details, the re-roll reason, the job's and the run's warnings, the failure table.
    expect(html).toContain(`<dt>headline</dt><dd>${escapedHeadline}</dd>`);
    expect(html).toContain(`<dt>prompt</dt><dd>${escapedPrompt}</dd>`);
    expect(html).toContain(`rejected at typography: headline read as &quot;${escapedHeadline}&quot;`);
    expect(html).toContain(`<dd>headline ${escapedHeadline} was shortened</dd>`);
    expect(html).toContain(`<li>prompt ${escapedPrompt} is long</li>`);
    expect(html).toContain(`<td>read &quot;${escapedHeadline}&quot;</td>`);
  });

  it('shows each judged image’s adherence, its mean P(yes) or unknown, and the questions counted no, escaped', async () => {
    const question = (
      id: string,
      text: string,
      answer: 'yes' | 'no',
      extra: Record<string, unknown> = {},
    ) => ({
      id,
      question: text,
      category: 'entity',
      dependsOn: [],
      answer,
      counted: answer,
      ...extra,
    });
    const compose = (shotId: string, adherence: Record<string, unknown>): JobRecord => ({
      id: shotId.length,
      runId: 'run-1',
      shotId,
      seedIndex: 0,
      attempt: 0,
      stageIndex: 0,
      seed: 7,
      stage: 'compose',
      status: 'done',
      attempts: 1,
      cacheKey: null,
      cacheHit: false,
      outputs: [],
      details: { prompt: 'tulips', adherence },
      warnings: [],
      error: null,
      startedAt: null,
      finishedAt: null,
      durationMs: 5,
      costUsd: null,
    });
    const html = await renderRunReport({
      summary: {
        runId: 'run-1',
        campaign: 'c',
        status: 'completed',
        failures: [],
        warnings: [],
        chains: 2,
        chainsSucceeded: 2,
        outputs: 2,
        computedJobs: 2,
        cacheHits: 0,
        rerolls: 0,
        wallMs: 10,
        costUsd: 0,
        adherence: { measured: true, judge: 'google:gemini-2.5-flash', images: 2, mean: 0.625 },
      },
      stages: ['compose'],
      shotOrder: ['tulips', 'vase'],
      lock: { lockfileVersion: 1, models: {} },
      jobs: [
        compose('tulips', {
          judge: 'google:gemini-2.5-flash',
          score: 0.5,
          questions: [
            question('tulips', 'Are there tulips?', 'yes'),
            question('red', 'Are they "red" <script>x</script>?', 'no'),
          ],
          categories: {},
          costUsd: null,
          call: {},
        }),
        compose('vase', {
          judge: 'openai:gpt-4.1-mini',
          score: 0.75,
          meanPYes: 0.8125,
          questions: [
            question('a', 'A?', 'yes'),
            question('b', 'B?', 'yes'),
            question('c', 'C?', 'yes'),
            { ...question('d', 'D?', 'yes'), counted: 'no', zeroedBy: 'c' },
          ],
          categories: {},
          costUsd: null,
          call: {},
        }),
      ],
      contactSheetJpeg: undefined,
      preview: async () => undefined,
    });
    expect(html).toContain(
      '<p class="adherence">adherence: 62.5% mean over 2 images (judge google:gemini-2.5-flash)</p>',
    );
    expect(html).toContain('<dt>adherence</dt><dd>50%</dd>');
    expect(html).toContain('<dt>adherence</dt><dd>75%</dd>');
    // The generic facts no longer spill the record's insides.
    expect(html).not.toContain('<dt>adherence.judge</dt>');
    expect(html).toContain(
      '<td><a href="#tulips-0">tulips #0</a></td><td>50%</td><td>unknown</td><td>2</td><td><ul style="margin:0;padding-left:16px"><li>red: Are they &quot;red&quot; &lt;script&gt;x&lt;/script&gt;?</li></ul></td><td>google:gemini-2.5-flash</td>',
    );
    expect(html).toContain('<td>75%</td><td>0.81</td><td>4</td>');
    expect(html).toContain('<li>d: D? (yes, but c is no)</li>');
    expect(html).not.toContain('<script>');
  });
});
