import { type RunCampaignOptions, runCampaign } from '../pipeline/run-campaign.ts';
import type { RunSummary } from '../pipeline/run-events.ts';
import { BullmqDispatcher } from './bullmq-dispatcher.ts';
import type { Executor } from './executor.ts';

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
