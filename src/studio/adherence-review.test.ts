import { afterEach, describe, expect, it } from 'vitest';
import { FakeChatCompletions } from '../../test/fakes/fake-chat-completions.ts';
import { createTempProject, smallCampaign, type TempProject } from '../../test/helpers/temp-project.ts';
import { loadCampaign } from '../config/load-campaign.ts';
import { runCampaign } from '../pipeline/run-campaign.ts';
import { openWorkspace } from '../pipeline/workspace.ts';
import { campaignValidationContext, modelRegistryForCampaign } from '../runtime/wiring.ts';
import { adherenceApproval, campaignMetrics } from './review-metrics.ts';
import { buildRunGallery } from './run-gallery.ts';

const projects: TempProject[] = [];
let fake: FakeChatCompletions | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  await Promise.all(projects.splice(0).map((created) => created.cleanup()));
});

describe('adherence in the studio', () => {
  it('puts each image’s adherence on its gallery card and relates it to reviewers’ verdicts', async () => {
    // The tulips shot's image answers every question yes; the others half of them.
    fake = await FakeChatCompletions.start({
      questions: (prompt) => [
        { id: 'subject', question: `Does it show ${prompt}?`, category: 'entity', dependsOn: [] },
        { id: 'style', question: `Is ${prompt} in the brief’s style?`, category: 'style', dependsOn: [] },
      ],
      answer: ({ question, id }) =>
        question.includes('tulips') || id === 'subject'
          ? { answer: 'yes', pYes: 0.9 }
          : { answer: 'no', pYes: 0.2 },
    });
    const created = await createTempProject(
      smallCampaign({
        models: { compose: 'builtin:draft', judge: 'openai-compatible:qwen2.5-vl-7b' },
        providers: { 'openai-compatible': { baseURL: fake.baseURL } },
        pipeline: { seeds: 1, stages: [{ stage: 'compose', size: '64x64' }] },
      }),
    );
    projects.push(created);
    const loaded = await loadCampaign(created.configPath, campaignValidationContext());
    const summary = await runCampaign({ loaded, registry: modelRegistryForCampaign(loaded) });
    expect(summary.status).toBe('completed');

    const workspace = openWorkspace(created.directory);
    const { ledger } = workspace;
    const gallery = buildRunGallery(ledger, ledger.run(summary.runId)!);
    const byShot = Object.fromEntries(gallery.chains.map((chain) => [chain.shotId, chain]));
    expect(byShot.tulips!.adherence).toEqual({
      score: 1,
      meanPYes: 0.9,
      judge: 'openai-compatible:qwen2.5-vl-7b',
    });
    expect(byShot.bottle!.adherence).toMatchObject({ score: 0.5, meanPYes: expect.closeTo(0.55, 6) });
    // The detail panel reads the questions from the compose cell.
    const questions = (byShot.bottle!.stages[0]!.details!.adherence as { questions: unknown[] }).questions;
    expect(questions).toHaveLength(2);

    const review = (shotId: string, decision: 'approve' | 'reject') =>
      ledger.addReview({
        runId: summary.runId,
        shotId,
        seedIndex: 0,
        sha256: byShot[shotId]!.image!.sha256,
        decision,
        reviewer: 'Ana',
        createdAt: new Date().toISOString(),
      });
    review('tulips', 'approve');
    review('bottle', 'reject');
    review('meadow', 'approve');
    const metrics = campaignMetrics(ledger, 'atelier.yaml');
    workspace.close();
    expect(metrics.adherence).toEqual({
      judged: 3,
      approvedMean: 0.75,
      rejectedMean: 0.5,
      bands: [
        { band: 'below 50%', low: 0, high: 0.5, reviewed: 0, approved: 0, approvalRate: null },
        { band: '50–80%', low: 0.5, high: 0.8, reviewed: 2, approved: 1, approvalRate: 0.5 },
        { band: '80% and up', low: 0.8, high: 1, reviewed: 1, approved: 1, approvalRate: 1 },
      ],
    });
  });

  it('reports nothing about adherence when no reviewed image was judged', () => {
    expect(adherenceApproval([])).toBeNull();
  });
});
