import { chainKey, type Ledger, type ReviewRecord, type RunRecord } from '../ledger/ledger.ts';
import type { Lockfile } from '../lock/lockfile.ts';
import type { StageDefinition } from '../stages/stage.ts';
import type { AdherenceApproval, CampaignMetrics, ModelApproval, ShotApproval } from './api-types.ts';
import { buildRunGallery, type RunGallery } from './run-gallery.ts';

export type { CampaignMetrics, ModelApproval, ShotApproval } from './api-types.ts';

/**
 * Review metrics of one campaign (every run of one config file, by its project-relative path) from its ledger. The headline
 * figure is time-to-approval: from the moment a shot's first render was ready to the moment
 * one of its images was approved, across however many re-renders that took.
 *
 * @example
 * const metrics = campaignMetrics(workspace.ledger, 'atelier.yaml', { shotIds, stages: stageCatalog() });
 * metrics.medianTimeToApprovalMs; // e.g. 42_000
 */
export function campaignMetrics(
  ledger: Ledger,
  configFile: string,
  options: {
    campaign?: string;
    shotIds?: readonly string[];
    stages?: ReadonlyMap<string, StageDefinition<unknown>>;
    /** A run's gallery (the studio passes its cached ones); built from the ledger otherwise. */
    gallery?: (run: RunRecord) => RunGallery;
  } = {},
): CampaignMetrics {
  const runs = ledger.runs({ configFile }).reverse();
  const reviews = ledger.reviews({ configFile });
  const standing = new Map<string, ReviewRecord>(); // `${runId}|shot#seed` -> latest verdict
  for (const review of reviews)
    if (review.decision !== 'comment')
      standing.set(`${review.runId}|${chainKey(review.shotId, review.seedIndex)}`, review);

  const shots = new Map<string, { ready: string[]; images: Set<string> }>();
  const shotEntry = (shotId: string) => {
    let entry = shots.get(shotId);
    if (!entry) {
      entry = { ready: [], images: new Set() };
      shots.set(shotId, entry);
    }
    return entry;
  };
  for (const shotId of options.shotIds ?? []) shotEntry(shotId);

  const models = new Map<string, ModelApproval>();
  const modelEntry = (role: string, model: string) => {
    const key = `${role}\u0000${model}`;
    let entry = models.get(key);
    if (!entry) {
      entry = {
        role,
        model,
        reviewed: 0,
        approved: 0,
        rejected: 0,
        approvalRate: null,
        rework: 0,
        rerolls: 0,
      };
      models.set(key, entry);
    }
    return entry;
  };

  /** Each reviewed image the judge scored: its adherence and the reviewer's verdict. */
  const judged: Array<{ score: number; approved: boolean }> = [];
  for (const run of runs) {
    const gallery = options.gallery?.(run) ?? buildRunGallery(ledger, run);
    const lock = run.lock as Partial<Lockfile> | null;
    const runModels = Object.entries(lock?.models ?? {}).map(([role, entry]) =>
      modelEntry(role, entry.reference),
    );
    for (const chain of gallery.chains) {
      const entry = shotEntry(chain.shotId);
      if (chain.readyAt) entry.ready.push(chain.readyAt);
      if (chain.image && chain.status === 'succeeded') entry.images.add(chain.image.sha256);
      const verdict = standing.get(`${run.id}|${chainKey(chain.shotId, chain.seedIndex)}`);
      if (verdict && chain.adherence)
        judged.push({ score: chain.adherence.score, approved: verdict.decision === 'approve' });
      for (const model of runModels) {
        if (verdict) {
          model.reviewed++;
          if (verdict.decision === 'approve') model.approved++;
          else {
            model.rejected++;
            model.rework++;
          }
        }
      }
      for (const reroll of chain.rerolls) {
        const role = options.stages?.get(reroll.stage)?.role;
        const model = runModels.find((candidate) => candidate.role === role);
        if (model) {
          model.rerolls++;
          model.rework++;
        }
      }
    }
  }

  const shotApprovals = [...shots.entries()].map(([shotId, entry]): ShotApproval => {
    const firstReadyAt = entry.ready.sort()[0] ?? null;
    const approval = [...standing.values()]
      .filter((review) => review.shotId === shotId && review.decision === 'approve')
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
    const timeToApprovalMs =
      approval && firstReadyAt
        ? Math.max(0, Date.parse(approval.createdAt) - Date.parse(firstReadyAt))
        : null;
    return {
      shotId,
      firstReadyAt,
      approvedAt: approval?.createdAt ?? null,
      approvedBy: approval?.reviewer ?? null,
      timeToApprovalMs,
      rejections: reviews.filter((review) => review.shotId === shotId && review.decision === 'reject').length,
      renders: entry.images.size,
    };
  });

  const times = shotApprovals.flatMap((shot) =>
    shot.timeToApprovalMs === null ? [] : [shot.timeToApprovalMs],
  );
  const verdicts = [...standing.values()];
  const approved = verdicts.filter((review) => review.decision === 'approve').length;
  for (const model of models.values())
    model.approvalRate = model.reviewed > 0 ? model.approved / model.reviewed : null;
  return {
    campaign: options.campaign ?? runs.at(-1)?.campaign ?? '',
    configFile,
    shots: shotApprovals,
    totalShots: shotApprovals.length,
    approvedShots: shotApprovals.filter((shot) => shot.approvedAt !== null).length,
    medianTimeToApprovalMs: median(times),
    meanTimeToApprovalMs: times.length > 0 ? times.reduce((sum, time) => sum + time, 0) / times.length : null,
    reviewed: verdicts.length,
    approved,
    approvalRate: verdicts.length > 0 ? approved / verdicts.length : null,
    models: [...models.values()].sort(
      (a, b) => a.role.localeCompare(b.role) || a.model.localeCompare(b.model),
    ),
    adherence: adherenceApproval(judged),
  };
}

/** Where reviewers' verdicts fall against the judge's score: below half, half to 80%, 80% and up. */
const adherenceBands = [
  { band: 'below 50%', low: 0, high: 0.5 },
  { band: '50–80%', low: 0.5, high: 0.8 },
  { band: '80% and up', low: 0.8, high: 1 },
];

/**
 * How reviewers' verdicts relate to the judge's adherence: the mean score of approved and of
 * rejected images, and the approval rate per band of score. Null when no reviewed image was judged.
 */
export function adherenceApproval(
  judged: ReadonlyArray<{ score: number; approved: boolean }>,
): AdherenceApproval | null {
  if (judged.length === 0) return null;
  const mean = (values: number[]) =>
    values.length > 0 ? values.reduce((sum, value) => sum + value, 0) / values.length : null;
  return {
    judged: judged.length,
    approvedMean: mean(judged.filter((image) => image.approved).map((image) => image.score)),
    rejectedMean: mean(judged.filter((image) => !image.approved).map((image) => image.score)),
    bands: adherenceBands.map((band, index) => {
      const last = index === adherenceBands.length - 1;
      const inside = judged.filter(
        (image) => image.score >= band.low && (image.score < band.high || (last && image.score <= band.high)),
      );
      const approved = inside.filter((image) => image.approved).length;
      return {
        ...band,
        reviewed: inside.length,
        approved,
        approvalRate: inside.length > 0 ? approved / inside.length : null,
      };
    }),
  };
}

/** Model rows of several campaigns merged by role and model. */
export function mergeModelApprovals(rows: readonly ModelApproval[]): ModelApproval[] {
  const merged = new Map<string, ModelApproval>();
  for (const row of rows) {
    const key = `${row.role}\u0000${row.model}`;
    const entry = merged.get(key) ?? { ...row, reviewed: 0, approved: 0, rejected: 0, rework: 0, rerolls: 0 };
    entry.reviewed += row.reviewed;
    entry.approved += row.approved;
    entry.rejected += row.rejected;
    entry.rework += row.rework;
    entry.rerolls += row.rerolls;
    entry.approvalRate = entry.reviewed > 0 ? entry.approved / entry.reviewed : null;
    merged.set(key, entry);
  }
  return [...merged.values()].sort((a, b) => a.role.localeCompare(b.role) || a.model.localeCompare(b.model));
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
