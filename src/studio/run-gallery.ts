import type { Campaign } from '../config/campaign-schema.ts';
import { adherenceOfJob } from '../judge/adherence-summary.ts';
import { chainKey, type JobRecord, type Ledger, type RunRecord } from '../ledger/ledger.ts';
import { planChains } from '../pipeline/plan.ts';
import type { RunSummary } from '../pipeline/run-events.ts';
import type { ChainAdherence, ChainStatus, GalleryChain, StageCell } from './api-types.ts';

export type { ChainStatus, GalleryChain, StageCell } from './api-types.ts';

export interface RunGallery {
  run: Omit<RunRecord, 'summary'> & { summary: RunSummary | null };
  stages: string[];
  chains: GalleryChain[];
  counts: Record<ChainStatus | 'approved' | 'rejected' | 'unreviewed', number>;
}

/**
 * Builds the gallery of a run from the ledger. Stages are read generically from the jobs, so a
 * new pipeline stage shows up in the strip without a change here. When the campaign config
 * still matches the run, chains not started yet are listed too (with their prompts).
 */
export function buildRunGallery(
  ledger: Ledger,
  run: RunRecord,
  campaign?: Campaign,
  jobs: readonly JobRecord[] = ledger.jobs(run.id),
): RunGallery {
  const byChain = new Map<string, JobRecord[]>();
  for (const job of jobs) {
    const key = chainKey(job.shotId, job.seedIndex);
    const list = byChain.get(key) ?? [];
    list.push(job);
    byChain.set(key, list);
  }

  const stageNames: string[] = campaign ? campaign.pipeline.stages.map((stage) => stage.name) : [];
  for (const job of jobs)
    if (stageNames[job.stageIndex] === undefined) stageNames[job.stageIndex] = job.stage;

  const planned = campaign ? planChains(campaign) : [];
  const chainKeys = new Map<string, { shotId: string; seedIndex: number; seed?: number }>();
  for (const chain of planned)
    chainKeys.set(chainKey(chain.shot.id, chain.seedIndex), {
      shotId: chain.shot.id,
      seedIndex: chain.seedIndex,
      seed: chain.seed,
    });
  // Chains the current config does not list, in the order the run started them (job ids grow
  // as chains start, and the runner starts them in plan order).
  const firstJobIds = new Map<string, number>();
  for (const job of jobs) {
    const key = chainKey(job.shotId, job.seedIndex);
    firstJobIds.set(key, Math.min(firstJobIds.get(key) ?? Number.POSITIVE_INFINITY, job.id));
  }
  for (const [key] of [...firstJobIds.entries()].sort((a, b) => a[1] - b[1])) {
    if (chainKeys.has(key)) continue;
    const job = byChain.get(key)![0]!;
    chainKeys.set(key, { shotId: job.shotId, seedIndex: job.seedIndex });
  }

  const shots = new Map(campaign?.shots.map((shot) => [shot.id, shot]));
  const summary = run.summary as RunSummary | null;
  const decisions = ledger.decisions(run.id);
  const comments = new Map<string, number>();
  for (const review of ledger.reviews({ runId: run.id }))
    if (review.decision === 'comment') {
      const key = chainKey(review.shotId, review.seedIndex);
      comments.set(key, (comments.get(key) ?? 0) + 1);
    }

  const chains = [...chainKeys.entries()].map(([key, identity]): GalleryChain => {
    const chainJobs = byChain.get(key) ?? [];
    const attempt = chainJobs.reduce((max, job) => Math.max(max, job.attempt), 0);
    const final = chainJobs
      .filter((job) => job.attempt === attempt)
      .sort((a, b) => a.stageIndex - b.stageIndex);
    const firstJob = chainJobs.find((job) => job.attempt === 0);
    const shot = shots.get(identity.shotId);
    const failure = summary?.failures.find(
      (entry) => entry.shotId === identity.shotId && entry.seedIndex === identity.seedIndex,
    );
    const { status, reason } = chainStatus(final, stageNames.length, run, failure?.reason);
    const done = final.filter((job) => job.status === 'done');
    const lastDone = done.at(-1);
    const image =
      [...done].reverse().flatMap((job) => job.outputs.filter((output) => output.primary))[0] ??
      lastDone?.outputs[0] ??
      null;
    return {
      shotId: identity.shotId,
      seedIndex: identity.seedIndex,
      seed: firstJob?.seed ?? identity.seed ?? 0,
      attempt,
      renderSeed: final[0]?.seed ?? identity.seed ?? 0,
      prompt: shot?.prompt ?? null,
      headline: shot?.headline ?? null,
      status,
      reason,
      image,
      readyAt: status === 'succeeded' ? (lastDone?.finishedAt ?? null) : null,
      stages: final.map(toCell),
      rerolls: chainJobs
        .filter((job) => job.attempt < attempt && job.status === 'rejected')
        .map((job) => ({ attempt: job.attempt, stage: job.stage, reason: job.error ?? 'rejected' })),
      decision: decisions.get(key) ?? null,
      comments: comments.get(key) ?? 0,
      adherence: chainAdherence(final),
    };
  });

  const counts: RunGallery['counts'] = {
    pending: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    stopped: 0,
    approved: 0,
    rejected: 0,
    unreviewed: 0,
  };
  for (const chain of chains) {
    counts[chain.status]++;
    if (chain.decision?.decision === 'approve') counts.approved++;
    else if (chain.decision?.decision === 'reject') counts.rejected++;
    else if (chain.status === 'succeeded') counts.unreviewed++;
  }
  return { run: { ...run, summary }, stages: stageNames, chains, counts };
}

function chainStatus(
  final: JobRecord[],
  stageCount: number,
  run: RunRecord,
  failureReason: string | undefined,
): { status: ChainStatus; reason: string | null } {
  const running = run.status === 'running';
  const failed = final.find((job) => job.status === 'failed');
  if (failed) return { status: 'failed', reason: failureReason ?? failed.error ?? 'failed' };
  const rejected = final.find((job) => job.status === 'rejected');
  // A rejected attempt is re-rolled right away while the run is going; once the run has ended,
  // a rejection on the last attempt is the chain's failure.
  if (rejected && !running)
    return { status: 'failed', reason: failureReason ?? rejected.error ?? 'rejected' };
  if (final.length === stageCount && final.every((job) => job.status === 'done'))
    return { status: 'succeeded', reason: null };
  if (running) return { status: final.length === 0 ? 'pending' : 'running', reason: null };
  return { status: final.length === 0 ? 'pending' : 'stopped', reason: failureReason ?? null };
}

/** The adherence the judge gave the shown attempt's composition, if it judged it. */
function chainAdherence(final: readonly JobRecord[]): ChainAdherence | null {
  const judged = final.map(adherenceOfJob).find((record) => record !== undefined);
  return judged ? { score: judged.score, meanPYes: judged.meanPYes ?? null, judge: judged.judge } : null;
}

function toCell(job: JobRecord): StageCell {
  const score = job.details?.score;
  return {
    stageIndex: job.stageIndex,
    stage: job.stage,
    status: job.status,
    thumbnail: job.outputs.find((output) => output.primary) ?? job.outputs[0] ?? null,
    outputs: job.outputs,
    score: typeof score === 'number' && Number.isFinite(score) ? score : null,
    details: job.details,
    durationMs: job.durationMs,
    cacheHit: job.cacheHit,
    costUsd: job.costUsd,
    error: job.error,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
  };
}

/** The final-attempt jobs of one chain, in stage order, from the jobs of its run. */
export function finalAttemptJobs(
  runJobs: readonly JobRecord[],
  shotId: string,
  seedIndex: number,
): JobRecord[] {
  const jobs = runJobs.filter((job) => job.shotId === shotId && job.seedIndex === seedIndex);
  const attempt = jobs.reduce((max, job) => Math.max(max, job.attempt), 0);
  return jobs.filter((job) => job.attempt === attempt).sort((a, b) => a.stageIndex - b.stageIndex);
}
