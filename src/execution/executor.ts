import { type RunCampaignOptions, runCampaign } from '../pipeline/run-campaign.ts';
import type { RunSummary } from '../pipeline/run-events.ts';

/**
 * Runs a campaign. Every executor keeps the run's ledger, manifests, run.json and report in the
 * calling process; they differ only in where stage jobs are computed.
 */
export interface Executor {
  readonly kind: 'embedded' | 'bullmq';
  run(options: RunCampaignOptions): Promise<RunSummary>;
  close(): Promise<void>;
}

/** The default: every job in this process (runCampaign as it always was). */
export class EmbeddedExecutor implements Executor {
  readonly kind = 'embedded';
  run(options: RunCampaignOptions): Promise<RunSummary> {
    return runCampaign(options);
  }
  async close(): Promise<void> {}
}

/** The executor for `--queue`: BullMQ when a `redis://` URL is given, embedded otherwise. */
export async function executorFor(queue: string | undefined): Promise<Executor> {
  if (!queue) return new EmbeddedExecutor();
  // Loaded on demand: BullMQ and ioredis cost a local run's start-up time for nothing.
  const { BullmqExecutor } = await import('./bullmq-executor.ts');
  return new BullmqExecutor(queue);
}
