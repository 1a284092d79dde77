import type { ColourReport } from '../colour/colour-report.ts';
import type { AdherenceSummary } from '../judge/adherence-summary.ts';

/** What a run tells its watchers (progress bar, studio, logs) as it goes. */
export type RunEvent =
  | {
      type: 'run-started';
      runId: string;
      resumed: boolean;
      chains: number;
      stages: string[];
      totalJobs: number;
    }
  | { type: 'lock'; action: 'matched' | 'created' | 'updated'; path: string }
  | { type: 'job-started'; shotId: string; seedIndex: number; stage: string; attempt: number }
  | {
      type: 'job-progress';
      shotId: string;
      seedIndex: number;
      stage: string;
      fraction: number;
      message?: string;
    }
  | {
      type: 'job-finished';
      shotId: string;
      seedIndex: number;
      stage: string;
      attempt: number;
      source: JobSource;
      durationMs: number;
      warnings: string[];
    }
  | {
      type: 'job-rejected';
      shotId: string;
      seedIndex: number;
      stage: string;
      attempt: number;
      reason: string;
      willReroll: boolean;
    }
  | { type: 'chain-failed'; shotId: string; seedIndex: number; stage: string; reason: string }
  | { type: 'run-finished'; runId: string; summary: RunSummary };

/** Where a finished job's result came from: computed now, the stage cache, or an earlier attempt of this run. */
export type JobSource = 'computed' | 'cache' | 'resumed';

export interface StageTiming {
  stage: string;
  jobs: number;
  computed: number;
  cacheHits: number;
  resumed: number;
  /** Wall time spent computing (cache hits and resumed jobs cost nothing). */
  computeMs: number;
}

export interface RunSummary {
  runId: string;
  campaign: string;
  status: 'completed' | 'failed' | 'interrupted';
  shots: number;
  chains: number;
  chainsSucceeded: number;
  chainsFailed: number;
  outputs: number;
  jobs: number;
  computedJobs: number;
  cacheHits: number;
  resumedJobs: number;
  rerolls: number;
  wallMs: number;
  costUsd: number;
  stages: StageTiming[];
  failures: Array<{ shotId: string; seedIndex: number; stage: string; reason: string }>;
  warnings: string[];
  runDirectory: string;
  /** Colour consistency of the final images (absent for an interrupted run). */
  colour?: ColourReport;
  /** Prompt adherence of the delivered images, or why it was not measured (no judge bound). */
  adherence?: AdherenceSummary;
}

export type RunEventListener = (event: RunEvent) => void;
