import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { CachedResult } from '../ledger/ledger.ts';
import { hashOf } from '../util/canonical-json.ts';
import { bullConnection, type QueueRunContext, queueNameFor, runContextKey } from './queue-keys.ts';
import type { StageJobDispatcher, StageJobRequest } from './stage-job-dispatcher.ts';

/** What a worker hands back: a result to record, or the stage's failure reason. */
export type StageJobReply = { record: CachedResult } | { failed: string };

/**
 * Sends stage jobs to BullMQ queues (one per role) and waits for the workers' replies through
 * QueueEvents. The job id is the stage cache key: enqueueing a job that is already queued,
 * running or recently finished joins it instead of adding a second one.
 */
export class BullmqDispatcher implements StageJobDispatcher {
  private readonly queues = new Map<string, { queue: Queue; events: QueueEvents; ready: Promise<unknown> }>();
  private readonly redis: Redis;
  private readonly storeRoots = new Map<string, string>();

  constructor(private readonly url: string) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 3, lazyConnect: false });
  }

  /** Publishes what every job of the run shares (campaign, lock, store) before its jobs. */
  async openRun(runId: string, context: QueueRunContext): Promise<void> {
    this.storeRoots.set(runId, context.storeRoot);
    await this.redis.set(runContextKey(runId), JSON.stringify(context), 'EX', 7 * 24 * 3600);
  }

  async dispatch(request: StageJobRequest, signal: AbortSignal | undefined): Promise<CachedResult> {
    const { queue, events, ready } = this.queueFor(request.role);
    // Without the listener in place first, a fast worker's "completed" event could be missed.
    await ready;
    // The idempotency key: the cache key within one artifact store (results live there), and
    // within one run when the cache is off (`verify` must recompute).
    const store = this.storeRoots.get(request.runId) ?? '';
    const jobId = hashOf(
      request.useCache
        ? { cacheKey: request.cacheKey, store }
        : { cacheKey: request.cacheKey, store, run: request.runId },
    );
    const job = await queue.add('stage', request, {
      jobId,
      attempts: 3,
      backoff: { type: 'fixed', delay: 500 },
      removeOnComplete: { age: 3600 },
      removeOnFail: { age: 3600 },
    });
    const finished = job.waitUntilFinished(events) as Promise<StageJobReply>;
    const reply = signal
      ? await Promise.race([
          finished,
          new Promise<never>((_, reject) => {
            if (signal.aborted) reject(new Error('interrupted'));
            signal.addEventListener('abort', () => reject(new Error('interrupted')), { once: true });
          }),
        ])
      : await finished;
    if ('failed' in reply) throw new Error(reply.failed);
    return reply.record;
  }

  private queueFor(role: string | undefined) {
    const name = queueNameFor(role);
    let entry = this.queues.get(name);
    if (!entry) {
      const connection = bullConnection(this.url);
      const queue = new Queue(name, { connection });
      // Each job being waited for listens for the queue closing; a run waits for all its chains.
      queue.setMaxListeners(0);
      const events = new QueueEvents(name, { connection });
      entry = { queue, events, ready: Promise.all([queue.waitUntilReady(), events.waitUntilReady()]) };
      this.queues.set(name, entry);
    }
    return entry;
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.queues.values()].flatMap(({ queue, events }) => [queue.close(), events.close()]),
    );
    this.queues.clear();
    this.redis.disconnect();
  }
}
