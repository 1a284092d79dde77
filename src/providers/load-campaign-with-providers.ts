import {
  type CampaignValidationContext,
  type LoadedCampaign,
  loadCampaign,
} from '../config/load-campaign.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import { stageCatalog } from '../stages/stage-catalog.ts';
import { defaultModelAliases } from './model-aliases.ts';
import {
  modelRegistryForCampaign,
  type ProviderRegistryOptions,
  providerNames,
} from './provider-registry.ts';
import { checkModelSettings } from './stage-settings-check.ts';

/** What config validation knows: every stage, every provider, the model aliases and their capabilities. */
export function campaignValidationContext(): CampaignValidationContext {
  return {
    stages: stageCatalog(),
    providers: providerNames,
    aliases: defaultModelAliases,
    checkModelSettings,
  };
}

/**
 * Loads a campaign as every command does, with a model registry built from its own
 * `providers` section (base URLs, limits, retries, prices).
 */
export async function loadCampaignWithProviders(
  path: string | undefined,
  registryOptions: Pick<ProviderRegistryOptions, 'onAttempt' | 'onProgress'> = {},
): Promise<{ loaded: LoadedCampaign; registry: ModelRegistry }> {
  const loaded = await loadCampaign(path ?? '.', campaignValidationContext());
  return { loaded, registry: modelRegistryForCampaign(loaded, registryOptions) };
}
