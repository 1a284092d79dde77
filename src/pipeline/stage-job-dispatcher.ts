import type { Campaign, Shot } from '../config/campaign-schema.ts';
import type { CachedResult } from '../ledger/ledger.ts';
import type { Lockfile } from '../lock/lockfile.ts';
import type { Provenance } from '../manifest/provenance.ts';
import type { BoundModel, StageDefinition, StageImage } from '../stages/stage.ts';
import type { ArtifactStore } from '../store/artifact-store.ts';

/**
 * Everything needed to compute one stage job, as plain JSON. The campaign and lock travel with
 * the run (see DispatchedRun); the input travels by artifact address, never by bytes, because
 * whoever computes the job shares the run's artifact store.
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

/** What every job of a run shares, handed to the dispatcher once before the run's first job. */
export interface DispatchedRun {
  readonly runId: string;
  readonly campaign: Campaign;
  readonly lock: Lockfile;
  readonly store: ArtifactStore;
  /** The run's local store folder: where workers that share the filesystem find artifacts. */
  readonly storeRoot: string;
  /** Where the config lives: relative paths in its `providers` section start here. */
  readonly projectDirectory: string;
  readonly stages: ReadonlyMap<string, StageDefinition<unknown>>;
  /**
   * The run's models, bound and limited by the run's process. A dispatcher that computes in
   * another process resolves its own from the campaign and checks them against the lock.
   */
  readonly models: { get(role: string): Promise<BoundModel | undefined> };
}

export interface DispatchOptions {
  readonly signal?: AbortSignal;
  /** The input's bytes when the caller already holds them (saves a store read in-process). */
  readonly input?: StageImage;
  /** Progress within the job, 0..1, where the dispatcher can observe it. */
  readonly progress?: (fraction: number, message?: string) => void;
}

/**
 * Where the costly part of a stage job is computed: in this process (InProcessDispatcher) or on
 * `atelier worker` processes (BullmqDispatcher). Either way the run's own process records the
 * result in its ledger. Adding a way to execute is one class implementing this.
 */
export interface StageJobDispatcher {
  /**
   * True when jobs run in this process and share its cores (chains in flight are bounded by the
   * run's concurrency); false when workers elsewhere set the pace, so every chain may wait at once.
   */
  readonly inProcess: boolean;
  /** Called once a run's id is known, before its first job: publish what its jobs share. */
  openRun(run: DispatchedRun): Promise<void>;
  /** Computes one job; throws with the stage's reason when the job failed. */
  dispatch(request: StageJobRequest, options?: DispatchOptions): Promise<CachedResult>;
  /** Forgets a run once its last job is done. */
  closeRun(runId: string): Promise<void>;
  /** Frees connections; the dispatcher is unusable afterwards. */
  close(): Promise<void>;
}
