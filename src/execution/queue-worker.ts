import { type Job, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { languageRolesOfStages } from '../config/validation-context.ts';
import { describeError } from '../errors.ts';
import type { CachedResult } from '../ledger/ledger.ts';
import { referenceAsLocked } from '../lock/lockfile.ts';
import { isResolvedAtLock } from '../models/lock-entry.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import { disposeModel, isImageModel } from '../models/role-model.ts';
import { withMiddleware } from '../models/with-middleware.ts';
import { computeRequestedJob, rolesOfRequest } from '../pipeline/in-process-dispatcher.ts';
import type { StageJobRequest } from '../pipeline/stage-job-dispatcher.ts';
import type { BoundModel, StageDefinition } from '../stages/stage.ts';
import { stageCatalog } from '../stages/stage-catalog.ts';
import { type ArtifactStore, FileArtifactStore } from '../store/artifact-store.ts';
import { canonicalJson } from '../util/canonical-json.ts';
import type { StageJobReply } from './bullmq-dispatcher.ts';
import { fleetLimitMiddleware, type RateLimit } from './fleet-rate-limit.ts';
import {
  allQueueRoles,
  bullConnection,
  type QueueRunContext,
  queueNameFor,
  resultKey,
  runContextKey,
} from './queue-keys.ts';

export interface QueueWorkerOptions {
  /** `redis://host:port` */
  url: string;
  /** Model roles whose queues this worker serves (`cpu` = stages without a model); all by default. */
  roles?: readonly string[];
  /** Jobs processed at once per role queue (default 1). */
  concurrency?: number;
  /** How long a job's lock lives without renewal: a dead worker's job is taken over after about this long. */
  lockMs?: number;
  /** Fleet-wide model call limits per role. */
  rateLimits?: ReadonlyMap<string, RateLimit>;
  /** Fleet-wide limits of model calls in flight per role. */
  inFlightLimits?: ReadonlyMap<string, number>;
  /** The artifact store shared by the fleet; by default the run's own store root (a shared mount). */
  store?: ArtifactStore;
  /**
   * Resolves the runs' models: one registry, or one per run built from the run's own config (its
   * `providers` section); the wiring module (runtime/) gives the latter.
   */
  registry: ModelRegistry | ((run: Pick<QueueRunContext, 'campaign' | 'projectDirectory'>) => ModelRegistry);
  stages?: ReadonlyMap<string, StageDefinition<unknown>>;
  /** Told about each job this worker finishes (logging). */
  onJob?: (event: {
    queue: string;
    jobId: string;
    outcome: 'computed' | 'reused' | 'failed';
    ms: number;
  }) => void;
}

export interface QueueWorker {
  close(): Promise<void>;
}

/**
 * An `atelier worker`: takes stage jobs from the role queues and computes them with the same
 * code as the embedded runner. A job's result is kept in Redis under its id (the stage cache
 * key) before the job completes, so a job retried after its worker died re-uses the stored
 * result instead of calling the model again.
 */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const registries = new Map<string, ModelRegistry>();
  const registryOf = (context: QueueRunContext) => {
    const { registry: source } = options;
    if (typeof source !== 'function') return source;
    const key = canonicalJson([context.campaign.providers ?? null, context.projectDirectory]);
    let registry = registries.get(key);
    if (!registry) {
      registry = source(context);
      registries.set(key, registry);
    }
    return registry;
  };
  const stages = options.stages ?? stageCatalog();
  const redis = new Redis(options.url, { maxRetriesPerRequest: 3 });
  const contexts = new Map<string, Promise<QueueRunContext>>();
  const stores = new Map<string, ArtifactStore>();
  const models = new Map<string, Promise<BoundModel>>();
  const lifetime = new AbortController();

  const contextOf = (runId: string) => {
    let context = contexts.get(runId);
    if (!context) {
      context = redis.get(runContextKey(runId)).then((text) => {
        if (!text)
          throw new Error(
            `run ${runId} is not known to this queue (its context expired or was never published)`,
          );
        return JSON.parse(text) as QueueRunContext;
      });
      context.catch(() => contexts.delete(runId));
      contexts.set(runId, context);
    }
    return context;
  };
  const storeOf = (context: QueueRunContext) => {
    if (options.store) return options.store;
    let store = stores.get(context.storeRoot);
    if (!store) {
      store = new FileArtifactStore(context.storeRoot);
      stores.set(context.storeRoot, store);
    }
    return store;
  };
  const modelFor = (context: QueueRunContext, role: string) => {
    const raw = context.campaign.models[role as keyof QueueRunContext['campaign']['models']];
    const pinned = context.lock.models[role];
    if (raw === undefined || !pinned) return undefined;
    const key = `${role}:${canonicalJson(pinned)}`;
    let bound = models.get(key);
    if (!bound) {
      bound = (async () => {
        const reference = referenceAsLocked(raw, pinned);
        // A worker must run the very model the run's lock pins, not whatever it has installed.
        const registry = registryOf(context);
        // A version the lock resolved is the pin itself: the provider's latest may have moved on.
        const found = isResolvedAtLock(pinned) ? pinned : await registry.lock(reference);
        if (canonicalJson(found) !== canonicalJson(pinned))
          throw new Error(
            `this worker's ${role} model (${canonicalJson(found)}) differs from the run's lock`,
          );
        const kind = languageRolesOfStages(stages.values()).has(role) ? 'language' : 'image';
        const { model } = await registry.resolve(reference, kind);
        const limits = { rate: options.rateLimits?.get(role), inFlight: options.inFlightLimits?.get(role) };
        const limited = limits.rate !== undefined || limits.inFlight !== undefined;
        const instance =
          isImageModel(model) && limited
            ? await withMiddleware(model, fleetLimitMiddleware(redis, role, limits))
            : model;
        return { instance, lock: pinned };
      })();
      bound.catch(() => models.delete(key));
      models.set(key, bound);
    }
    return bound;
  };

  const processJob = async (job: Job<StageJobRequest>): Promise<StageJobReply> => {
    const request = job.data;
    const started = performance.now();
    const report = (outcome: 'computed' | 'reused' | 'failed') =>
      options.onJob?.({
        queue: job.queueName,
        jobId: job.id ?? '',
        outcome,
        ms: performance.now() - started,
      });
    let context: QueueRunContext;
    try {
      context = await contextOf(request.runId);
    } catch (error) {
      report('failed');
      return { failed: describeError(error) };
    }
    const store = storeOf(context);
    const kept = await redis.get(resultKey(job.id ?? request.cacheKey));
    if (kept) {
      const record = JSON.parse(kept) as CachedResult;
      const stored = await Promise.all(record.outputs.map((output) => store.has(output.sha256)));
      if (stored.every(Boolean)) {
        report('reused');
        return { record };
      }
    }
    try {
      const run = { campaign: context.campaign, stages };
      // Only the roles this job calls: a worker serving upscale needs no compose provider's key.
      const models = new Map<string, BoundModel>();
      for (const role of rolesOfRequest(run, request)) {
        const bound = await modelFor(context, role);
        if (bound) models.set(role, bound);
      }
      const record = await computeRequestedJob(
        {
          ...run,
          ...context,
          runId: request.runId,
          store,
          models: { get: async (role) => models.get(role) },
        },
        request,
        {
          signal: lifetime.signal,
          progress: (fraction) => void job.updateProgress(Math.round(fraction * 100)).catch(() => {}),
        },
      );
      await redis.set(resultKey(job.id ?? request.cacheKey), JSON.stringify(record), 'EX', 7 * 24 * 3600);
      report('computed');
      return { record };
    } catch (error) {
      report('failed');
      // A stage failure is a result, not a crash: retrying it would fail the same way.
      return { failed: describeError(error) };
    }
  };

  const lockMs = options.lockMs ?? 30_000;
  const workers = (options.roles ?? allQueueRoles(stages)).map(
    (role) =>
      new Worker<StageJobRequest, StageJobReply>(
        queueNameFor(role === 'cpu' ? undefined : role),
        processJob,
        {
          connection: bullConnection(options.url),
          concurrency: options.concurrency ?? 1,
          lockDuration: lockMs,
          stalledInterval: lockMs,
          maxStalledCount: 3,
        },
      ),
  );
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));
  return {
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
      lifetime.abort();
      for (const bound of models.values()) await bound.then((b) => disposeModel(b.instance)).catch(() => {});
      redis.disconnect();
    },
  };
}
