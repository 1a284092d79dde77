import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { CachedResult } from '../ledger/ledger.ts';
import type {
  DispatchedRun,
  DispatchOptions,
  StageJobDispatcher,
  StageJobRequest,
} from '../pipeline/stage-job-dispatcher.ts';
import { hashOf } from '../util/canonical-json.ts';
import { bullConnection, type QueueRunContext, queueNameFor, runContextKey } from './queue-keys.ts';

/** What a worker hands back: a result to record, or the stage's failure reason. */
export type StageJobReply = { record: CachedResult } | { failed: string };

/**
 * Sends stage jobs to BullMQ queues (one per role) and waits for the workers' replies through
 * QueueEvents. The job id is the stage cache key: enqueueing a job that is already queued,
 * running or recently finished joins it instead of adding a second one.
 */
export class BullmqDispatcher implements StageJobDispatcher {
  readonly inProcess = false;
  private readonly queues = new Map<string, { queue: Queue; events: QueueEvents; ready: Promise<unknown> }>();
  private readonly redis: Redis;
  private readonly storeRoots = new Map<string, string>();

  constructor(private readonly url: string) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 3, lazyConnect: false });
  }

  /** Publishes what every job of the run shares (campaign, lock, store) before its jobs. */
  async openRun(run: DispatchedRun): Promise<void> {
    const context: QueueRunContext = {
      campaign: run.campaign,
      lock: run.lock,
      storeRoot: run.storeRoot,
      projectDirectory: run.projectDirectory,
    };
    this.storeRoots.set(run.runId, context.storeRoot);
    await this.redis.set(runContextKey(run.runId), JSON.stringify(context), 'EX', 7 * 24 * 3600);
  }

  async closeRun(runId: string): Promise<void> {
    this.storeRoots.delete(runId);
  }

  async dispatch(request: StageJobRequest, options: DispatchOptions = {}): Promise<CachedResult> {
    const { signal } = options;
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
    const reply = signal ? await untilAborted(finished, signal) : await finished;
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

/** The waits pending on each run signal, behind one abort listener per signal. */
const pendingWaits = new WeakMap<AbortSignal, { rejects: Set<() => void>; onAbort: () => void }>();

/**
 * Waits for `promise` unless `signal` aborts first. A run waits on every chain at once, so the
 * waits on one signal share a single abort listener, removed when the last of them settles
 * (a listener per job piles up and trips Node's MaxListenersExceededWarning past ten chains).
 */
export async function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) throw new Error('interrupted');
  let waits = pendingWaits.get(signal);
  if (!waits) {
    const rejects = new Set<() => void>();
    const onAbort = () => {
      for (const reject of rejects) reject();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    waits = { rejects, onAbort };
    pendingWaits.set(signal, waits);
  }
  let reject!: () => void;
  const aborted = new Promise<never>((_, fail) => {
    reject = () => fail(new Error('interrupted'));
  });
  waits.rejects.add(reject);
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    waits.rejects.delete(reject);
    if (waits.rejects.size === 0) {
      signal.removeEventListener('abort', waits.onAbort);
      pendingWaits.delete(signal);
    }
  }
}
