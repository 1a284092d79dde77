import { InvalidArgumentError } from 'commander';
import { loadCampaignWithProviders } from '../providers/load-campaign-with-providers.ts';

/** Loads a campaign with its provider registry, as every command does. */
export const loadCampaignForCli = loadCampaignWithProviders;
export { campaignValidationContext } from '../providers/load-campaign-with-providers.ts';

export function parsePositiveInteger(name: string) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1)
      throw new InvalidArgumentError(`Expected a positive integer for ${name} but received "${value}"`);
    return number;
  };
}
