import type { RunEvent, RunSummary } from '../pipeline/run-events.ts';

/** What the studio asks its run process to do. */
export type RunProcessRequest =
  | { type: 'start'; configPath: string; resume?: string; fresh?: boolean }
  | { type: 'stop' };

/** What the run process reports back. */
export type RunProcessMessage =
  | { type: 'event'; event: RunEvent }
  | { type: 'done'; summary: RunSummary }
  /** Stopped on request before `runCampaign` could summarise; the run is marked interrupted. */
  | { type: 'stopped'; runId: string }
  | { type: 'error'; code: string | undefined; message: string; details: string[] };
