import type { JobRecord } from './ledger.ts';

/** One shot at one seed as the ledger recorded it: its final attempt's jobs and any re-rolls. */
export interface ChainView {
  shotId: string;
  seedIndex: number;
  /** Seed of the final attempt. */
  seed: number;
  attempts: number;
  status: 'succeeded' | 'failed' | 'unfinished';
  reason: string | undefined;
  /** The final attempt's jobs in stage order. */
  jobs: JobRecord[];
  rejected: Array<{ attempt: number; stage: string; reason: string }>;
}

/** Groups a run's jobs into chains, in campaign shot order when given, then by seed index. */
export function chainViews(
  jobs: readonly JobRecord[],
  stageCount: number,
  shotOrder: readonly string[] = [],
): ChainView[] {
  const groups = new Map<string, JobRecord[]>();
  for (const job of jobs) {
    const key = `${job.shotId}\u0000${job.seedIndex}`;
    groups.set(key, [...(groups.get(key) ?? []), job]);
  }
  const rank = (shotId: string) => {
    const index = shotOrder.indexOf(shotId);
    return index === -1 ? shotOrder.length : index;
  };
  const ordered = [...groups.values()].sort(
    (a, b) => rank(a[0]!.shotId) - rank(b[0]!.shotId) || a[0]!.seedIndex - b[0]!.seedIndex,
  );
  return ordered.map((group) => {
    const finalAttempt = Math.max(...group.map((job) => job.attempt));
    const final = group
      .filter((job) => job.attempt === finalAttempt)
      .sort((a, b) => a.stageIndex - b.stageIndex);
    const rejected = group
      .filter((job) => job.status === 'rejected' && job.attempt < finalAttempt)
      .map((job) => ({ attempt: job.attempt, stage: job.stage, reason: job.error ?? 'rejected' }));
    const stopped = final.find((job) => job.status === 'failed' || job.status === 'rejected');
    const complete = final.length === stageCount && final.every((job) => job.status === 'done');
    return {
      shotId: group[0]!.shotId,
      seedIndex: group[0]!.seedIndex,
      seed: final[0]!.seed,
      attempts: finalAttempt + 1,
      status: stopped ? 'failed' : complete ? 'succeeded' : 'unfinished',
      reason: stopped ? `${stopped.stage}: ${stopped.error ?? stopped.status}` : undefined,
      jobs: final,
      rejected,
    };
  });
}
