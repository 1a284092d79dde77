import type { JobRecord } from '../ledger/ledger.ts';
import type { AdherenceRecord } from './judge-image.ts';

/** What reports say when no judge is bound: never a made-up number. */
export const adherenceNotMeasured = 'adherence: not measured (no judge model)';

/** A run's or a setup's adherence over its judged images. */
export type AdherenceSummary =
  | { readonly measured: false; readonly note: string }
  | {
      readonly measured: true;
      readonly judge: string;
      readonly images: number;
      /** Mean adherence, 0..1. */
      readonly mean: number;
      /** Mean P(yes), when every image's answers carried log-probabilities. */
      readonly meanPYes?: number;
    };

/** The adherence the compose stage recorded for a job, if it was judged. */
export function adherenceOfJob(job: Pick<JobRecord, 'stage' | 'details'>): AdherenceRecord | undefined {
  const adherence = job.stage === 'compose' ? job.details?.adherence : undefined;
  return adherence && typeof (adherence as AdherenceRecord).score === 'number'
    ? (adherence as AdherenceRecord)
    : undefined;
}

/**
 * The adherence of the images a run delivered (the compose jobs that passed), or the note
 * saying it was not measured.
 *
 * @example summariseAdherence([], false) // { measured: false, note: 'adherence: not measured (no judge model)' }
 */
export function summariseAdherence(jobs: readonly JobRecord[], judgeBound: boolean): AdherenceSummary {
  if (!judgeBound) return { measured: false, note: adherenceNotMeasured };
  const records = jobs
    .filter((job) => job.status === 'done')
    .map(adherenceOfJob)
    .filter((record): record is AdherenceRecord => record !== undefined);
  if (records.length === 0) return { measured: false, note: 'adherence: no image was judged' };
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const probabilities = records.map((record) => record.meanPYes);
  return {
    measured: true,
    judge: records[0]!.judge,
    images: records.length,
    mean: mean(records.map((record) => record.score)),
    ...(probabilities.every((p) => p !== undefined) ? { meanPYes: mean(probabilities as number[]) } : {}),
  };
}

/** One line for a run's summary. */
export function formatAdherenceSummary(summary: AdherenceSummary): string {
  if (!summary.measured) return summary.note;
  const pYes = summary.meanPYes !== undefined ? `, mean P(yes) ${summary.meanPYes.toFixed(2)}` : '';
  return `adherence: ${(summary.mean * 100).toFixed(1)}% mean over ${summary.images} image${summary.images === 1 ? '' : 's'} (judge ${summary.judge}${pYes})`;
}
