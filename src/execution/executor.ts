import { type RunCampaignOptions, runCampaign } from '../pipeline/run-campaign.ts';
import type { RunSummary } from '../pipeline/run-events.ts';
import { BullmqDispatcher } from './bullmq-dispatcher.ts';

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

/** Stage jobs go to BullMQ queues on Redis and are computed by `atelier worker` processes. */
export class BullmqExecutor implements Executor {
  readonly kind = 'bullmq';
  private readonly dispatcher: BullmqDispatcher;

  constructor(readonly url: string) {
    this.dispatcher = new BullmqDispatcher(url);
  }

  run(options: RunCampaignOptions): Promise<RunSummary> {
    return runCampaign({ ...options, dispatcher: this.dispatcher });
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}

/** The executor for `--queue`: BullMQ when a `redis://` URL is given, embedded otherwise. */
export function executorFor(queue: string | undefined): Executor {
  return queue ? new BullmqExecutor(queue) : new EmbeddedExecutor();
}
