import type { z } from 'zod';
import type { CampaignInput, PipelineStage, Qa, Shot } from './campaign-schema.ts';
import type { ModelReference } from './model-reference.ts';

/**
 * What config validation needs to know of a stage. The stage contract (`StageDefinition` in
 * stages/) extends it, so the catalog is handed to validation as it is.
 */
export interface StageRules<Params = unknown> {
  /** The name used in `pipeline.stages[].stage`. */
  readonly name: string;
  /** The model role this stage calls, if any. */
  readonly role?: string;
  /**
   * Every other role this stage may call, whatever its params (`extraRoles` picks those a config
   * uses): the list the config's `models` keys and the workers' queues are derived from.
   */
  readonly optionalRoles?: readonly string[];
  /** The roles beyond `role` this stage calls with these params; each must be bound. */
  extraRoles?(params: Params): readonly string[];
  /** True when the stage hands its role's model an input image (so that model must take one). */
  readonly sendsInputImage?: boolean;
  /** Where the stage may stand: compose must come first, export last. */
  readonly position?: 'first' | 'last';
  /** Validates the stage's params (every key except `stage`). */
  readonly paramsSchema: z.ZodType<Params>;
  /** Config problems only visible with a shot in hand (e.g. a crop the export does not define). */
  checkShot?(shot: Shot, params: Params): Array<{ path: (string | number)[]; message: string }>;
  /** The `qa` section this stage enforces (e.g. `colour`). */
  readonly qaSection?: keyof Qa;
}

/** Every role a set of stages can call: the keys `models` accepts, and the queues workers serve. */
export function rolesOfStages(stages: Iterable<StageRules<unknown>>): string[] {
  const roles = new Set<string>();
  for (const stage of stages) {
    if (stage.role) roles.add(stage.role);
    for (const role of stage.optionalRoles ?? []) roles.add(role);
  }
  return [...roles];
}

export interface ModelSettingsCheckInput {
  readonly role: string;
  /** The resolved reference (aliases already followed). */
  readonly reference: ModelReference;
  readonly stage: PipelineStage;
  readonly stageIndex: number;
  /** Whether the stage hands this role's model an input image. */
  readonly sendsInputImage: boolean;
  readonly campaign: CampaignInput;
  readonly projectDirectory: string;
}

export interface ModelSettingsProblem {
  /** Where in the config, from the top, e.g. `['pipeline', 'stages', 0, 'size']`. */
  readonly path: (string | number)[];
  readonly message: string;
  readonly severity: 'error' | 'warning';
}

/**
 * What the rest of Atelier tells config validation: built by the wiring module (runtime/) from
 * the stage catalog, the provider table and the built-in models, so config/ imports none of them.
 */
export interface CampaignValidationContext {
  readonly stages: ReadonlyMap<string, StageRules<unknown>>;
  /** Every provider name a model reference may use (`builtin` included). */
  readonly providers: readonly string[];
  /** The settings schema of each provider configurable under `providers`. */
  readonly providerSettings?: ReadonlyMap<string, z.ZodType>;
  /** Alias name -> `provider:modelId[@version]`; the config's own `aliases` take precedence. */
  readonly aliases?: Readonly<Record<string, string>>;
  /**
   * The roles a model can play, when its provider knows (built-ins do); undefined for an unknown
   * model id, which is then reported.
   */
  readonly rolesOfModel?: (reference: ModelReference) => readonly string[] | undefined | 'any';
  /** Checks a stage's settings against the model bound to its role, before any call is made. */
  readonly checkModelSettings?: (input: ModelSettingsCheckInput) => ModelSettingsProblem[];
}
