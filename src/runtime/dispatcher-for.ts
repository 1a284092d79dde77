import { InProcessDispatcher } from '../pipeline/in-process-dispatcher.ts';
import type { StageJobDispatcher } from '../pipeline/stage-job-dispatcher.ts';

/**
 * Where a run's stage jobs are computed: BullMQ workers when a `redis://` queue is given, this
 * process otherwise. The caller closes it.
 */
export async function dispatcherFor(queue: string | undefined): Promise<StageJobDispatcher> {
  if (!queue) return new InProcessDispatcher();
  // Loaded on demand: BullMQ and ioredis cost a local run's start-up time for nothing.
  const { BullmqDispatcher } = await import('../execution/bullmq-dispatcher.ts');
  return new BullmqDispatcher(queue);
}
