import type { ImageModelV3, LanguageModelV3 } from '@ai-sdk/provider';
import { formatModelReference, type ModelReference } from '../config/model-reference.ts';
import { AtelierError } from '../errors.ts';
import { builtinModel, builtinModels } from './builtin/builtin-catalog.ts';
import type { LockEntry } from './lock-entry.ts';
import type { RoleModel } from './role-model.ts';
import { isImageModel, isLanguageModel } from './role-model.ts';

/**
 * Which interface a role's model is reached through: `image` (ImageModelV3, or a text recogniser
 * for `ocr`) or `language` (LanguageModelV3: a vision-language model such as the `judge`). One
 * reference can name either (`openai:gpt-4.1-mini` is a chat model, `openai:gpt-image-1` an image
 * model): the role decides.
 */
export type ModelKind = 'image' | 'language';

/**
 * A source of models: the built-ins, an AI SDK provider, or a ComfyUI server. Each turns a
 * reference into a model instance of the kind asked for and into the lock entry that pins it.
 */
export interface ModelProvider {
  readonly name: string;
  /** Throws MODEL_UNAVAILABLE with a readable reason when the model id is unknown. */
  lock(reference: ModelReference): Promise<LockEntry>;
  /**
   * `kind` is `image` when absent; a provider without models of that kind throws MODEL_UNAVAILABLE.
   * Asynchronous so that a model's code (a provider's client package, the AI SDK, a built-in's
   * engine) loads when a model is first made, not when the provider is registered.
   */
  create(reference: ModelReference, kind?: ModelKind): Promise<RoleModel>;
  /**
   * Throws what `create` would for a reference it cannot serve, without creating the model: for
   * providers whose models are costly to construct. `create` is the check when absent.
   */
  check?(reference: ModelReference, kind?: ModelKind): void;
}

export interface ResolvedModel {
  readonly reference: ModelReference;
  readonly model: RoleModel;
}

/** The provider of `builtin:*` models (always registered). */
export const builtinProvider: ModelProvider = {
  name: 'builtin',
  async lock(reference) {
    const definition = requireBuiltin(reference);
    const { package: pkg, sha256, extra } = await definition.fingerprint();
    return {
      reference: reference.raw,
      provider: 'builtin',
      modelId: reference.modelId,
      version: pkg.version,
      package: pkg,
      sha256,
      ...(extra ? { extra } : {}),
    };
  },
  async create(reference, kind) {
    return requireBuiltin(reference, kind).create();
  },
  check(reference, kind) {
    requireBuiltin(reference, kind);
  },
};

function requireBuiltin(reference: ModelReference, kind?: ModelKind) {
  if (kind === 'language') {
    throw new AtelierError(
      'MODEL_UNAVAILABLE',
      `"${reference.raw}": Atelier ships no vision-language model; bind a hosted or local one (openai:, google:, openai-compatible:)`,
    );
  }
  if (reference.version) {
    throw new AtelierError(
      'MODEL_UNAVAILABLE',
      `"${reference.raw}": built-in models have no @version; the lockfile pins their package and sha256`,
    );
  }
  const definition = builtinModel(reference.modelId);
  if (!definition) {
    const known = builtinModels()
      .map((model) => `builtin:${model.id}`)
      .join(', ');
    throw new AtelierError(
      'MODEL_UNAVAILABLE',
      `Unknown built-in model "${formatModelReference(reference)}": expected one of ${known}`,
    );
  }
  return definition;
}

/** Resolves `provider:modelId[@version]` references to model instances (ImageModelV3 or OcrModelV1). */
export class ModelRegistry {
  private readonly providers = new Map<string, ModelProvider>();

  constructor(providers: readonly ModelProvider[] = [builtinProvider]) {
    for (const provider of providers) this.register(provider);
  }

  register(provider: ModelProvider): this {
    this.providers.set(provider.name, provider);
    return this;
  }

  providerNames(): string[] {
    return [...this.providers.keys()];
  }

  has(providerName: string): boolean {
    return this.providers.has(providerName);
  }

  /** The provider registered under a name, as configured. */
  providerNamed(providerName: string): ModelProvider | undefined {
    return this.providers.get(providerName);
  }

  async lock(reference: ModelReference): Promise<LockEntry> {
    return this.provider(reference).lock(reference);
  }

  /** Throws MODEL_UNAVAILABLE (a missing key, an unknown model...) as `resolve` would, creating as little as it can. */
  async assertAvailable(reference: ModelReference, kind: ModelKind = 'image'): Promise<void> {
    const provider = this.provider(reference);
    if (provider.check) provider.check(reference, kind);
    else await provider.create(reference, kind);
  }

  async resolve(reference: ModelReference, kind: ModelKind = 'image'): Promise<ResolvedModel> {
    return { reference, model: await this.provider(reference).create(reference, kind) };
  }

  /** Resolves a reference that must be a language model (a vision-language judge). */
  async resolveLanguageModel(reference: ModelReference): Promise<LanguageModelV3> {
    const { model } = await this.resolve(reference, 'language');
    if (!isLanguageModel(model)) {
      throw new AtelierError('MODEL_UNAVAILABLE', `"${reference.raw}" is not a language model`);
    }
    return model;
  }

  /** Resolves a reference that must be an image model (not, say, a text recogniser). */
  async resolveImageModel(reference: ModelReference): Promise<ImageModelV3> {
    const { model } = await this.resolve(reference);
    if (!isImageModel(model)) {
      throw new AtelierError(
        'MODEL_UNAVAILABLE',
        `"${reference.raw}" is not an image model (it is ${model.specificationVersion})`,
      );
    }
    return model;
  }

  private provider(reference: ModelReference): ModelProvider {
    const provider = this.providers.get(reference.provider);
    if (!provider) {
      throw new AtelierError(
        'MODEL_UNAVAILABLE',
        `Unknown provider "${reference.provider}" in "${reference.raw}": expected one of ${this.providerNames().join(', ')}`,
      );
    }
    return provider;
  }
}

/** A registry of the built-in models only: what a run uses when it is given none. */
export function defaultModelRegistry(): ModelRegistry {
  return new ModelRegistry();
}
