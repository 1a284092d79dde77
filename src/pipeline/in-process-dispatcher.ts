import { extraRolesCalled } from '../config/validation-context.ts';
import type { CachedResult } from '../ledger/ledger.ts';
import { warmUpModel } from '../models/role-model.ts';
import type { BoundModel } from '../stages/stage.ts';
import { computeStageJob } from './compute-stage-job.ts';
import type {
  DispatchedRun,
  DispatchOptions,
  StageJobDispatcher,
  StageJobRequest,
} from './stage-job-dispatcher.ts';

/** Computes every stage job in this process with the run's own bound models: the default. */
export class InProcessDispatcher implements StageJobDispatcher {
  readonly inProcess = true;
  private readonly runs = new Map<string, DispatchedRun>();

  async openRun(run: DispatchedRun): Promise<void> {
    this.runs.set(run.runId, run);
  }

  async dispatch(request: StageJobRequest, options: DispatchOptions = {}): Promise<CachedResult> {
    const run = this.runs.get(request.runId);
    if (!run) throw new Error(`run ${request.runId} was not opened on this dispatcher`);
    return computeRequestedJob(run, request, options);
  }

  async closeRun(runId: string): Promise<void> {
    this.runs.delete(runId);
  }

  async close(): Promise<void> {
    this.runs.clear();
  }
}

/** The roles a request's stage calls: its own and the extra roles its params ask for. */
export function rolesOfRequest(
  run: Pick<DispatchedRun, 'campaign' | 'stages'>,
  request: Pick<StageJobRequest, 'stageIndex'>,
) {
  const stage = run.campaign.pipeline.stages[request.stageIndex]!;
  const definition = run.stages.get(stage.name);
  if (!definition) throw new Error(`stage "${stage.name}" is not in the stage catalog`);
  return [
    ...(definition.role ? [definition.role] : []),
    ...extraRolesCalled(definition, stage.params, run.campaign.models),
  ];
}

/**
 * Computes a requested job against a run: shared by the in-process dispatcher and queue workers
 * (which bind the models the job's roles need before calling it).
 */
export async function computeRequestedJob(
  run: DispatchedRun,
  request: StageJobRequest,
  options: DispatchOptions = {},
): Promise<CachedResult> {
  const stage = run.campaign.pipeline.stages[request.stageIndex]!;
  const definition = run.stages.get(stage.name);
  if (!definition) throw new Error(`stage "${stage.name}" is not in the stage catalog`);
  warmUpLaterStages(run, request.stageIndex);
  let input = options.input;
  if (!input && request.input) {
    const bytes = await run.store.get(request.input.sha256);
    if (!bytes) throw new Error(`input artifact ${request.input.sha256} is not in the store`);
    input = { ...request.input, bytes };
  }
  return computeStageJob({
    campaign: run.campaign,
    stageIndex: request.stageIndex,
    definition,
    shot: request.shot,
    seed: request.seed,
    input,
    model: definition.role ? await run.models.get(definition.role) : undefined,
    extraModels: await boundExtraModels(run, extraRolesCalled(definition, stage.params, run.campaign.models)),
    provenance: request.provenance,
    cacheKey: request.cacheKey,
    store: run.store,
    signal: options.signal ?? new AbortController().signal,
    progress: options.progress,
  });
}

const warmedStages = new WeakMap<DispatchedRun, Set<number>>();

/**
 * A job that computes means new pixels for the stages after it, so their models will be called:
 * start them now (worker threads, engines), once per run and stage, while this job computes. The
 * first upscale then finds its tile workers loaded instead of loading them on the critical path.
 */
function warmUpLaterStages(run: DispatchedRun, stageIndex: number): void {
  const warmed = warmedStages.get(run) ?? new Set<number>();
  warmedStages.set(run, warmed);
  run.campaign.pipeline.stages.forEach((stage, index) => {
    const definition = run.stages.get(stage.name);
    if (index <= stageIndex || warmed.has(index) || !definition?.warmUpSettings) return;
    warmed.add(index);
    const settings = definition.warmUpSettings(stage.params);
    for (const role of rolesOfRequest(run, { stageIndex: index })) {
      void run.models
        .get(role)
        .then((bound) => bound && warmUpModel(bound.instance, settings))
        .catch(() => {
          // A model that cannot be made fails the job that asks for it, with that job's error.
        });
    }
  });
}

async function boundExtraModels(run: DispatchedRun, roles: readonly string[]) {
  const models = new Map<string, BoundModel>();
  for (const role of roles) {
    const bound = await run.models.get(role);
    if (bound) models.set(role, bound);
  }
  return models;
}
