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
  /**
   * Roles the stage calls whenever the config binds them, and skips otherwise (compose asks the
   * `judge` about each image when there is one). Unbound, nothing changes: not even a cache key.
   */
  readonly rolesWhenBound?: readonly string[];
  /**
   * Roles whose models are reached through the AI SDK's language-model interface (a
   * vision-language `judge`) rather than as image models: their references resolve to chat models.
   */
  readonly languageRoles?: readonly string[];
  /** The role the stage's `qaSection` gate calls: setting the section requires binding it. */
  readonly qaRole?: string;
  /** True when the stage hands its role's model an input image (so that model must take one). */
  readonly sendsInputImage?: boolean;
  /**
   * What the stage sends each model it calls with these params, when that is not simply its
   * `role` with `sendsInputImage` and its own `size`/`aspectRatio`/`providerOptions` (see
   * `modelCallsOf`). Config validation checks every call against the model bound to its role.
   */
  modelCalls?(params: Params): readonly ModelCall[];
  /** Where the stage may stand: compose must come first, export last. */
  readonly position?: 'first' | 'last';
  /** Validates the stage's params (every key except `stage`). */
  readonly paramsSchema: z.ZodType<Params>;
  /** Config problems only visible with a shot in hand (e.g. a crop the export does not define). */
  checkShot?(shot: Shot, params: Params): Array<{ path: (string | number)[]; message: string }>;
  /**
   * A prompt template (`{prompt}`, `{headline}`) this stage needs the first stage to write its
   * prompt with, when the config gives that stage none: typography `check` needs the compose
   * model asked to letter the headline.
   */
  firstStagePrompt?(params: Params): string | undefined;
  /** The stage takes a `prompt` template param (so `firstStagePrompt` can fill it). */
  readonly acceptsPromptTemplate?: boolean;
  /** The `qa` section this stage enforces (e.g. `colour`). */
  readonly qaSection?: keyof Qa;
}

/** Every role a set of stages can call: the keys `models` accepts, and the queues workers serve. */
export function rolesOfStages(stages: Iterable<StageRules<unknown>>): string[] {
  const roles = new Set<string>();
  for (const stage of stages) {
    if (stage.role) roles.add(stage.role);
    for (const role of stage.optionalRoles ?? []) roles.add(role);
    for (const role of stage.rolesWhenBound ?? []) roles.add(role);
  }
  return [...roles];
}

/** The roles a set of stages reaches as language models (the judge): resolved as chat models. */
export function languageRolesOfStages(stages: Iterable<StageRules<unknown>>): Set<string> {
  return new Set([...stages].flatMap((stage) => stage.languageRoles ?? []));
}

/**
 * The roles beyond its own `role` a stage calls in this config: its `extraRoles` for these
 * params, and each of its `rolesWhenBound` the config binds.
 */
export function extraRolesCalled<Params>(
  rules: StageRules<Params>,
  params: Params,
  models: Readonly<Record<string, string | undefined>>,
): string[] {
  return [
    ...(rules.extraRoles?.(params) ?? []),
    ...(rules.rolesWhenBound ?? []).filter((role) => models[role] !== undefined),
  ];
}

/** One role a stage calls, with what the call carries. */
export interface ModelCall {
  readonly role: string;
  /** The call hands the model an input image (edit, image-to-image, upscale). */
  readonly sendsInputImage: boolean;
  /** The model-facing options the call sends, when the stage has them. */
  readonly options?: ModelCallOptions;
  /** What the config can do instead when the bound model takes no input image (said in the refusal). */
  readonly withoutInputImage?: string;
}

export interface ModelCallOptions {
  readonly size?: { width: number; height: number };
  readonly aspectRatio?: string;
  readonly providerOptions?: Record<string, unknown>;
}

/** The model-facing options in a stage's params, when it has them at the top level. */
export function modelCallOptions(params: unknown): ModelCallOptions {
  const record = (params ?? {}) as Record<string, unknown>;
  const size = record.size as { width?: unknown; height?: unknown } | undefined;
  return {
    size:
      size && typeof size.width === 'number' && typeof size.height === 'number'
        ? { width: size.width, height: size.height }
        : undefined,
    aspectRatio: typeof record.aspectRatio === 'string' ? record.aspectRatio : undefined,
    providerOptions:
      typeof record.providerOptions === 'object' && record.providerOptions !== null
        ? (record.providerOptions as Record<string, unknown>)
        : undefined,
  };
}

/**
 * Every model call a stage makes with these params: its own `modelCalls`, or else its `role`
 * (with `sendsInputImage` and its top-level options) followed by its `extraRoles`.
 */
export function modelCallsOf<Params>(rules: StageRules<Params>, params: Params): readonly ModelCall[] {
  if (rules.modelCalls) return rules.modelCalls(params);
  return [
    ...(rules.role
      ? [
          {
            role: rules.role,
            sendsInputImage: rules.sendsInputImage ?? false,
            options: modelCallOptions(params),
          },
        ]
      : []),
    ...(rules.extraRoles?.(params) ?? []).map((role) => ({ role, sendsInputImage: false, options: {} })),
  ];
}

export interface ModelSettingsCheckInput {
  readonly role: string;
  /** The resolved reference (aliases already followed). */
  readonly reference: ModelReference;
  readonly stage: PipelineStage;
  readonly stageIndex: number;
  /** Whether the stage hands this role's model an input image. */
  readonly sendsInputImage: boolean;
  /** The model-facing options the call sends (default: read from the stage's params). */
  readonly options?: ModelCallOptions;
  /** What the config can do instead when the model takes no input image. */
  readonly withoutInputImage?: string;
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
