import { type LoadedCampaign, loadCampaign } from '../config/load-campaign.ts';
import { requireModelReference } from '../config/model-reference.ts';
import {
  type CampaignValidationContext,
  languageRolesOfStages,
  rolesOfStages,
} from '../config/validation-context.ts';
import type { ContentSigner } from '../credentials/content-credentials.ts';
import { resolveSigner } from '../credentials/signing-credentials.ts';
import { builtinModel } from '../models/builtin/builtin-catalog.ts';
import { builtinProvider, type ModelProvider, ModelRegistry } from '../models/model-registry.ts';
import { defaultModelAliases } from '../providers/model-aliases.ts';
import type { ProviderRegistryOptions } from '../providers/provider-registry.ts';
import { remoteProvider, remoteProviders } from '../providers/provider-table.ts';
import { checkModelSettings } from '../providers/stage-settings-check.ts';
import { stageCatalog } from '../stages/stage-catalog.ts';
import { extraProviders } from './extra-providers.ts';

/**
 * The one place Atelier is put together: the model registry (built-ins, the provider table,
 * any extra providers) and what config validation is told (stages, roles, providers, aliases,
 * model capabilities). The CLI, the studio, queue workers and bench all start here, so none of
 * the lower layers import each other to find out what exists.
 */

// Warnings go to each image's manifest and the run summary; the SDK's console copy is noise
// (and would tear the progress bar). A caller that set its own logger keeps it.
(globalThis as { AI_SDK_LOG_WARNINGS?: unknown }).AI_SDK_LOG_WARNINGS ??= false;

/** Every provider name a model reference may use: the built-ins, the table, any extras. */
export function providerNames(): string[] {
  return ['builtin', ...remoteProviders.map((provider) => provider.name), ...extraNames()];
}

function extraNames(): string[] {
  return extraProviders.map((provider) => provider.name);
}

/**
 * A model registry with the built-ins and every remote provider, configured from the config's
 * `providers` section: base URLs, key variables, concurrency and rate limits, retries,
 * timeouts and prices. Keys are read when a model is created (run start), never at import.
 *
 * @example
 * const registry = createModelRegistry({ providers: campaign.providers, projectDirectory });
 * const { model } = await registry.resolve(requireModelReference('fal:fal-ai/fast-sdxl'));
 */
export function createModelRegistry(options: ProviderRegistryOptions): ModelRegistry {
  const providers: ModelProvider[] = [
    builtinProvider,
    ...remoteProviders.map((provider) => provider.createModelProvider(options)),
    ...extraProviders,
  ];
  return new ModelRegistry(providers);
}

/** The registry a loaded campaign's own config describes. */
export function modelRegistryForCampaign(
  loaded: Pick<LoadedCampaign, 'campaign' | 'projectDirectory'>,
  options: Omit<ProviderRegistryOptions, 'providers' | 'projectDirectory'> = {},
): ModelRegistry {
  return createModelRegistry({
    ...options,
    providers: loaded.campaign.providers,
    projectDirectory: loaded.projectDirectory,
  });
}

/**
 * The roles a remote provider's models can play: any, unless it has no language models, which
 * rules out the roles reached as language models (a ComfyUI workflow cannot be the judge).
 */
function remoteRoles(provider: string): readonly string[] | 'any' {
  const definition = remoteProvider(provider);
  if (!definition || definition.languageModels) return 'any';
  const languageRoles = languageRolesOfCatalog();
  return rolesOfStages(stageCatalog().values()).filter((role) => !languageRoles.has(role));
}

/** Roles the stage catalog reaches as language models (the judge), not image models. */
export function languageRolesOfCatalog(): ReadonlySet<string> {
  return languageRolesOfStages(stageCatalog().values());
}

/**
 * Checks every bound model of a campaign (remote ones by creating them once, as the kind their
 * role needs), so a missing key or workflow stops a command before it records a run or calls anything.
 */
export async function assertCampaignModelsAvailable(
  campaign: Pick<LoadedCampaign['campaign'], 'models'>,
  registry: ModelRegistry,
): Promise<void> {
  const languageRoles = languageRolesOfCatalog();
  for (const [role, raw] of Object.entries(campaign.models)) {
    if (raw === undefined) continue;
    await registry.assertAvailable(
      requireModelReference(raw),
      languageRoles.has(role) ? 'language' : 'image',
    );
  }
}

let context: CampaignValidationContext | undefined;

/** What config validation knows: every stage, provider and alias, and what models can do. */
export function campaignValidationContext(): CampaignValidationContext {
  context ??= {
    stages: stageCatalog(),
    providers: providerNames(),
    providerSettings: new Map(remoteProviders.map((provider) => [provider.name, provider.settingsSchema])),
    aliases: defaultModelAliases,
    rolesOfModel: (reference) =>
      reference.provider === 'builtin'
        ? builtinModel(reference.modelId)?.roles
        : remoteRoles(reference.provider),
    checkModelSettings,
  };
  return context;
}

/**
 * Loads a campaign as every command does, with a model registry built from its own
 * `providers` section (base URLs, limits, retries, prices).
 */
export async function loadCampaignWithRegistry(
  path: string | undefined,
  registryOptions: Pick<ProviderRegistryOptions, 'onAttempt' | 'onProgress'> = {},
): Promise<{ loaded: LoadedCampaign; registry: ModelRegistry }> {
  const loaded = await loadCampaign(path ?? '.', campaignValidationContext());
  return { loaded, registry: modelRegistryForCampaign(loaded, registryOptions) };
}

/**
 * The Content Credentials signer for a campaign's exports (config, environment, or the
 * project's `credentials/` folder), or the note a run shows once when there is none.
 */
export async function signingFor(
  loaded: Pick<LoadedCampaign, 'campaign' | 'projectDirectory'>,
): Promise<{ signer?: ContentSigner; unsignedNote?: string }> {
  const found = await resolveSigner({
    projectDirectory: loaded.projectDirectory,
    config: loaded.campaign.credentials,
  });
  return found.signer ? { signer: found.signer } : { unsignedNote: found.unsignedNote };
}
