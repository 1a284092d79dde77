import { InvalidArgumentError } from 'commander';
import { type LoadedCampaign, loadCampaign } from '../config/load-campaign.ts';
import { defaultModelRegistry, type ModelRegistry } from '../models/model-registry.ts';
import { stageCatalog } from '../stages/stage-catalog.ts';

/** Loads a campaign with the default model registry and stage catalog, as every command does. */
export async function loadCampaignForCli(
  path: string | undefined,
): Promise<{ loaded: LoadedCampaign; registry: ModelRegistry }> {
  const registry = defaultModelRegistry();
  const loaded = await loadCampaign(path ?? '.', {
    stages: stageCatalog(),
    providers: registry.providerNames(),
  });
  return { loaded, registry };
}

export function parsePositiveInteger(name: string) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1)
      throw new InvalidArgumentError(`Expected a positive integer for ${name} but received "${value}"`);
    return number;
  };
}
