import type { Shot } from '../config/campaign-schema.ts';
import type { CachedResult } from '../ledger/ledger.ts';
import type { Provenance } from '../manifest/provenance.ts';
import type { QueueRunContext } from './queue-keys.ts';

/**
 * Everything a worker needs to compute one stage job, as plain JSON. The campaign and lock
 * travel with the run (see QueueRunContext); the input travels by artifact address, never by
 * bytes, because workers share the artifact store.
 */
export interface StageJobRequest {
  runId: string;
  stageIndex: number;
  /** The stage's model role; undefined for stages without a model (export). */
  role: string | undefined;
  shot: Shot;
  seed: number;
  input: { sha256: string; mediaType: string; width: number; height: number } | undefined;
  provenance: Provenance;
  /** The stage cache key: also the job's idempotency key. */
  cacheKey: string;
  useCache: boolean;
}

/**
 * Where the costly part of a stage job runs. The embedded runner computes in-process; the queue
 * dispatcher hands the job to `atelier worker` processes and waits for their result. Either way
 * the run's own process records the result in its ledger. Throws with the stage's reason when the
 * job failed.
 */
export interface StageJobDispatcher {
  /** Called once a run's id is known, before its first job: publish what its jobs share. */
  openRun?(runId: string, context: QueueRunContext): Promise<void>;
  dispatch(request: StageJobRequest, signal: AbortSignal | undefined): Promise<CachedResult>;
}
