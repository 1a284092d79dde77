import { InvalidArgumentError } from 'commander';
import {
  type CampaignValidationContext,
  type LoadedCampaign,
  loadCampaign,
} from '../config/load-campaign.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import { defaultModelAliases } from '../providers/model-aliases.ts';
import {
  modelRegistryForCampaign,
  type ProviderRegistryOptions,
  providerNames,
} from '../providers/provider-registry.ts';
import { checkModelSettings } from '../providers/stage-settings-check.ts';
import { stageCatalog } from '../stages/stage-catalog.ts';

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
export async function loadCampaignForCli(
  path: string | undefined,
  registryOptions: Pick<ProviderRegistryOptions, 'onAttempt' | 'onProgress'> = {},
): Promise<{ loaded: LoadedCampaign; registry: ModelRegistry }> {
  const loaded = await loadCampaign(path ?? '.', campaignValidationContext());
  return { loaded, registry: modelRegistryForCampaign(loaded, registryOptions) };
}

export function parsePositiveInteger(name: string) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1)
      throw new InvalidArgumentError(`Expected a positive integer for ${name} but received "${value}"`);
    return number;
  };
}
