import type { Campaign } from '../config/campaign-schema.ts';
import { rolesOfStages, type StageRules } from '../config/validation-context.ts';
import type { Lockfile } from '../lock/lockfile.ts';

/** What every job of a run shares, stored once in Redis instead of in each job. */
export interface QueueRunContext {
  campaign: Campaign;
  lock: Lockfile;
  /** The run's artifact store root, for workers that share the filesystem and were given no `--store`. */
  storeRoot: string;
  /** Where the config lives: relative paths in its `providers` section (ComfyUI workflows) start here. */
  projectDirectory: string;
}

/** The queue that takes a stage's jobs: one per model role, so workers can serve chosen roles. */
export function queueNameFor(role: string | undefined): string {
  return `atelier-${role ?? 'cpu'}`;
}

/**
 * The queues a worker serves when `--roles` is not given: every role the stages can call, plus
 * `cpu` (stages without a model). Derived from the stage catalog, so a new role is served.
 */
export function allQueueRoles(stages: ReadonlyMap<string, StageRules>): string[] {
  return [...rolesOfStages(stages.values()), 'cpu'];
}

export const runContextKey = (runId: string) => `atelier:run:${runId}`;
/** A computed job's result, kept by cache key so a retried job re-uses it instead of paying again. */
export const resultKey = (cacheKey: string) => `atelier:result:${cacheKey}`;

/** BullMQ connection options for a `redis://host:port` URL (blocking commands need no retry cap). */
export function bullConnection(url: string) {
  return { url, maxRetriesPerRequest: null };
}
