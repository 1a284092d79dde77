import { questionCategories } from '../config/campaign-schema.ts';
import { adherenceOfJob } from '../judge/adherence-summary.ts';
import type { JobRecord } from '../ledger/ledger.ts';
import { bootstrapInterval, type Interval } from '../util/bootstrap-interval.ts';

/**
 * The seed of every bootstrap in a bench: fixed, so the same answers give the same intervals
 * on every machine and in every re-run.
 */
export const benchBootstrapSeed = 15;

/** One judged image of a setup: which shot and seed, and its adherence. */
export interface JudgedImage {
  readonly shot: string;
  readonly seedIndex: number;
  readonly score: number;
}

export interface SetupAdherence {
  readonly judge: string;
  readonly images: JudgedImage[];
  /** Mean adherence over images, with its 95% percentile-bootstrap interval. */
  readonly adherence: Interval;
  /** Mean P(yes) over images, when every image's answers carried log-probabilities. */
  readonly meanPYes?: number;
  /** Counted yes out of asked over all images, per question category. */
  readonly categories: Record<string, { yes: number; total: number }>;
  /** USD the judge's answers cost (questions are written once, before the setups). */
  readonly judgeCostUsd: number;
}

/**
 * The adherence of a setup's images: each shot and seed's first composition (attempt 0), judged
 * whether or not a gate would have passed it, so every setup is measured on the same shots and
 * seeds. Undefined when no image was judged.
 */
export function setupAdherence(jobs: readonly JobRecord[]): SetupAdherence | undefined {
  const judged = jobs
    .filter((job) => job.attempt === 0 && (job.status === 'done' || job.status === 'rejected'))
    .flatMap((job) => {
      const record = adherenceOfJob(job);
      return record ? [{ job, record }] : [];
    })
    .sort((a, b) => a.job.shotId.localeCompare(b.job.shotId) || a.job.seedIndex - b.job.seedIndex);
  if (judged.length === 0) return undefined;
  const images = judged.map(({ job, record }) => ({
    shot: job.shotId,
    seedIndex: job.seedIndex,
    score: record.score,
  }));
  const categories: SetupAdherence['categories'] = {};
  for (const { record } of judged) {
    for (const category of questionCategories) {
      const tally = record.categories[category];
      if (!tally) continue;
      const total = categories[category] ?? { yes: 0, total: 0 };
      categories[category] = { yes: total.yes + tally.yes, total: total.total + tally.total };
    }
  }
  const probabilities = judged.map(({ record }) => record.meanPYes);
  return {
    judge: judged[0]!.record.judge,
    images,
    adherence: bootstrapInterval(
      images.map((image) => image.score),
      { seed: benchBootstrapSeed },
    ),
    ...(probabilities.every((p) => p !== undefined)
      ? { meanPYes: (probabilities as number[]).reduce((sum, p) => sum + p, 0) / probabilities.length }
      : {}),
    categories,
    judgeCostUsd: judged.reduce((sum, { record }) => sum + (record.costUsd ?? 0), 0),
  };
}

export interface PairedComparison {
  readonly baseline: string;
  readonly setup: string;
  /** Images both setups made from the same shot and seed. */
  readonly pairs: number;
  /** Mean of (setup − baseline) adherence over the pairs, with its 95% bootstrap interval. */
  readonly difference: Interval;
}

/**
 * Each setup against the first, image by image on the same shots and seeds: the mean
 * difference in adherence with a bootstrap interval over the pairs (a paired design, so the
 * shots' own difficulty cancels out). An interval that excludes 0 is a difference the bench
 * can tell apart from judge noise on these shots.
 */
export function pairedComparisons(
  setups: ReadonlyArray<{ label: string; adherence?: Pick<SetupAdherence, 'images'> }>,
): PairedComparison[] {
  const [baseline, ...others] = setups;
  if (!baseline?.adherence) return [];
  const baseScores = new Map(baseline.adherence.images.map((image) => [pairKey(image), image.score]));
  return others.flatMap((setup) => {
    if (!setup.adherence) return [];
    const differences = setup.adherence.images.flatMap((image) => {
      const base = baseScores.get(pairKey(image));
      return base === undefined ? [] : [image.score - base];
    });
    if (differences.length === 0) return [];
    return [
      {
        baseline: baseline.label,
        setup: setup.label,
        pairs: differences.length,
        difference: bootstrapInterval(differences, { seed: benchBootstrapSeed }),
      },
    ];
  });
}

const pairKey = (image: Pick<JudgedImage, 'shot' | 'seedIndex'>) => `${image.shot}#${image.seedIndex}`;

/** `83.3% [71.0, 94.1]`: an adherence with its interval, in percent. */
export function formatInterval(interval: Interval, signed = false): string {
  const percent = (value: number) => `${signed && value > 0 ? '+' : ''}${(value * 100).toFixed(1)}`;
  return `${percent(interval.mean)}% [${percent(interval.low)}, ${percent(interval.high)}]`;
}
