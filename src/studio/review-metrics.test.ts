import { writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createTempProject, smallCampaign, type TempProject } from '../../test/helpers/temp-project.ts';
import { runCampaign } from '../pipeline/run-campaign.ts';
import { openWorkspace } from '../pipeline/workspace.ts';
import { stageCatalog } from '../stages/stage-catalog.ts';
import { campaignMetrics, median, mergeModelApprovals } from './review-metrics.ts';
import { buildRunGallery } from './run-gallery.ts';

const projects: TempProject[] = [];
afterEach(async () => {
  await Promise.all(projects.splice(0).map((created) => created.cleanup()));
});

const config = () => smallCampaign({ pipeline: { seeds: 1, stages: [{ stage: 'compose', size: '64x64' }] } });
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

describe('campaignMetrics', () => {
  it('measures time-to-approval from the first render ready, across a rejected render and a re-render', async () => {
    const created = await createTempProject(config());
    projects.push(created);
    const first = await runCampaign({ loaded: await created.load() });

    const workspace = openWorkspace(created.directory);
    const { ledger } = workspace;
    const firstGallery = buildRunGallery(ledger, ledger.run(first.runId)!);
    const tulipsReady = firstGallery.chains.find((chain) => chain.shotId === 'tulips')!;
    const bottleReady = firstGallery.chains.find((chain) => chain.shotId === 'bottle')!;
    const review = (
      runId: string,
      shotId: string,
      sha256: string,
      decision: 'approve' | 'reject',
      at: string,
    ) => ledger.addReview({ runId, shotId, seedIndex: 0, sha256, decision, reviewer: 'Ana', createdAt: at });

    review(first.runId, 'tulips', tulipsReady.image!.sha256, 'reject', plus(tulipsReady.readyAt!, 60_000));
    review(first.runId, 'bottle', bottleReady.image!.sha256, 'approve', plus(bottleReady.readyAt!, 30_000));

    // The designer changes the tulips prompt and renders again: a new image for that shot.
    const changed = config() as Record<string, any>;
    changed.shots[0].prompt = 'red tulips on a windowsill';
    await writeFile(created.configPath, stringify(changed));
    const second = await runCampaign({ loaded: await created.load() });
    const tulipsAgain = buildRunGallery(ledger, ledger.run(second.runId)!).chains.find(
      (chain) => chain.shotId === 'tulips',
    )!;
    expect(tulipsAgain.image!.sha256).not.toBe(tulipsReady.image!.sha256);
    const approvedAt = plus(tulipsAgain.readyAt!, 45_000);
    review(second.runId, 'tulips', tulipsAgain.image!.sha256, 'approve', approvedAt);

    const metrics = campaignMetrics(ledger, 'atelier.yaml', {
      shotIds: ['tulips', 'bottle', 'meadow'],
      stages: stageCatalog(),
    });
    workspace.close();

    const tulips = metrics.shots.find((shot) => shot.shotId === 'tulips')!;
    expect(tulips.firstReadyAt).toBe(tulipsReady.readyAt);
    expect(tulips.approvedAt).toBe(approvedAt);
    expect(tulips.timeToApprovalMs).toBe(Date.parse(approvedAt) - Date.parse(tulipsReady.readyAt!));
    expect(tulips.rejections).toBe(1);
    expect(tulips.renders).toBe(2);

    const bottle = metrics.shots.find((shot) => shot.shotId === 'bottle')!;
    expect(bottle.timeToApprovalMs).toBe(30_000);
    expect(bottle.renders).toBe(1); // the second run reused the cached image
    expect(metrics.shots.find((shot) => shot.shotId === 'meadow')).toMatchObject({
      approvedAt: null,
      timeToApprovalMs: null,
    });

    expect(metrics).toMatchObject({ totalShots: 3, approvedShots: 2, reviewed: 3, approved: 2 });
    expect(metrics.medianTimeToApprovalMs).toBe((tulips.timeToApprovalMs! + 30_000) / 2);
    expect(metrics.approvalRate).toBeCloseTo(2 / 3);
    expect(metrics.models).toEqual([
      {
        role: 'compose',
        model: 'builtin:draft',
        reviewed: 3,
        approved: 2,
        rejected: 1,
        approvalRate: 2 / 3,
        rework: 1,
        rerolls: 0,
      },
    ]);
  });

  it('does not count an approval that a later rejection overturned', async () => {
    const created = await createTempProject(config());
    projects.push(created);
    const run = await runCampaign({ loaded: await created.load() });
    const workspace = openWorkspace(created.directory);
    const chain = buildRunGallery(workspace.ledger, workspace.ledger.run(run.runId)!).chains[0]!;
    const base = {
      runId: run.runId,
      shotId: chain.shotId,
      seedIndex: 0,
      sha256: chain.image!.sha256,
      reviewer: 'Ana',
    };
    workspace.ledger.addReview({ ...base, decision: 'approve', createdAt: plus(chain.readyAt!, 1000) });
    workspace.ledger.addReview({ ...base, decision: 'reject', createdAt: plus(chain.readyAt!, 2000) });
    const metrics = campaignMetrics(workspace.ledger, 'atelier.yaml');
    workspace.close();
    expect(metrics.shots.find((shot) => shot.shotId === chain.shotId)?.approvedAt).toBeNull();
    expect(metrics.approvedShots).toBe(0);
    expect(metrics.models[0]).toMatchObject({ reviewed: 1, approved: 0, rejected: 1, approvalRate: 0 });
  });
});

describe('median and mergeModelApprovals', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([])).toBeNull();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 10])).toBe(3.5);
  });

  it('adds up the same role and model across campaigns', () => {
    const row = { role: 'compose', model: 'builtin:draft', approvalRate: null, rerolls: 1 };
    const merged = mergeModelApprovals([
      { ...row, reviewed: 2, approved: 2, rejected: 0, rework: 1 },
      { ...row, reviewed: 2, approved: 0, rejected: 2, rework: 3 },
      { ...row, model: 'openai:gpt-image-1', reviewed: 1, approved: 1, rejected: 0, rework: 0 },
    ]);
    expect(merged).toHaveLength(2);
    expect(merged[0]).toMatchObject({
      reviewed: 4,
      approved: 2,
      rejected: 2,
      rework: 4,
      rerolls: 2,
      approvalRate: 0.5,
    });
  });
});
