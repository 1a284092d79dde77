import pLimit from 'p-limit';
import type { Campaign } from '../config/campaign-schema.ts';
import { type Lockfile, referenceAsLocked } from '../lock/lockfile.ts';
import { limitCallsMiddleware } from '../models/limit-model-calls.ts';
import type { LockEntry } from '../models/lock-entry.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import { disposeModel, isImageModel } from '../models/role-model.ts';
import { withMiddleware } from '../models/with-middleware.ts';
import type { BoundModel } from '../stages/stage.ts';

/**
 * A run's models, each created the first time a job computes with it: a run whose every job is
 * a cache hit constructs none (no OCR worker pool, no loaded weights), and a role no computed
 * job needs costs nothing. Instances live for the run: what they set up lazily is shared by
 * every job and freed by `dispose()`.
 */
export class RunModels {
  private readonly bound = new Map<string, Promise<BoundModel>>();

  constructor(
    private readonly campaign: Pick<Campaign, 'models'>,
    private readonly registry: ModelRegistry,
    private readonly lock: Lockfile,
    /** Image-model calls in flight per role; other models (OCR) pace themselves (worker pools). */
    private readonly concurrency: number,
    /** Roles bound to a vision-language model (the judge), resolved as language models. */
    private readonly languageRoles: ReadonlySet<string> = new Set(),
  ) {}

  /** Whether the campaign binds a model to this role (without creating it). */
  has(role: string): boolean {
    return this.campaign.models[role as keyof Campaign['models']] !== undefined && role in this.lock.models;
  }

  /** The model bound to a role, created now if no job has used it yet. */
  async get(role: string): Promise<BoundModel | undefined> {
    const raw = this.campaign.models[role as keyof Campaign['models']];
    const pinned = this.lock.models[role];
    if (raw === undefined || !pinned) return undefined;
    let creating = this.bound.get(role);
    if (!creating) {
      // Jobs that start together share one creation (one worker pool, one set of weights).
      creating = this.create(role, raw, pinned);
      this.bound.set(role, creating);
    }
    return creating;
  }

  private async create(role: string, raw: string, pinned: LockEntry): Promise<BoundModel> {
    const kind = this.languageRoles.has(role) ? 'language' : 'image';
    const { model } = await this.registry.resolve(referenceAsLocked(raw, pinned), kind);
    const instance = isImageModel(model)
      ? await withMiddleware(model, limitCallsMiddleware(pLimit(this.concurrency)))
      : model;
    return { instance, lock: pinned };
  }

  /** Roles whose model has been created so far. */
  created(): string[] {
    return [...this.bound.keys()];
  }

  /** Frees every model created, so the process can exit. */
  async dispose(): Promise<void> {
    await Promise.allSettled(
      [...this.bound.values()].map(async (model) => disposeModel((await model).instance)),
    );
    this.bound.clear();
  }
}
